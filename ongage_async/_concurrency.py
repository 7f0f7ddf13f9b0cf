"""The cap on calls in flight (Ongage allows at most 10 API calls running in parallel)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import anyio

__all__ = ["ConcurrencyCap", "LocalConcurrencyCap"]


@runtime_checkable
class ConcurrencyCap(Protocol):
    """What the governor needs from an in-flight cap; a distributed store can implement it."""

    @property
    def max_concurrency(self) -> int: ...

    def slot(self) -> AbstractAsyncContextManager[Any]:
        """Hold one of ``max_concurrency`` slots for the duration of the block."""
        ...


class LocalConcurrencyCap:
    """An in-process cap: a fair (FIFO) semaphore, released even on cancellation."""

    def __init__(self, max_concurrency: int = 10) -> None:
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be a positive int, not {max_concurrency!r}")
        self._max = max_concurrency
        # fast_acquire: an uncontended slot costs no trip through the event loop.
        self._semaphore = anyio.Semaphore(max_concurrency, fast_acquire=True)

    @property
    def max_concurrency(self) -> int:
        return self._max

    def slot(self) -> AbstractAsyncContextManager[Any]:
        # The semaphore is its own context manager: released on any exit, cancellation too.
        return self._semaphore
