"""The cap on calls in flight (Ongage allows at most 10 API calls running in parallel)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, runtime_checkable

import anyio

__all__ = ["ConcurrencyCap", "LocalConcurrencyCap"]


@runtime_checkable
class ConcurrencyCap(Protocol):
    """What the governor needs from an in-flight cap; a distributed store can implement it."""

    @property
    def max_concurrency(self) -> int: ...

    def slot(self) -> AbstractAsyncContextManager[None]:
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
        self._semaphore = anyio.Semaphore(max_concurrency)

    @property
    def max_concurrency(self) -> int:
        return self._max

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            yield
