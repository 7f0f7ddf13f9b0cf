"""What the bulk and the import displays share: a Rich bar on a terminal, plain lines
elsewhere, nothing when quiet; started on entering the `with`, stopped on leaving it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import Progress

__all__ = ["View"]

V = TypeVar("V", bound="View")


class View:
    """`with SomeView(...) as view: ... on_progress=view.update`.

    `clock` (seconds, monotonic) and `terminal` (a Rich bar, or plain lines; by default
    whether `stream` is a terminal) are there for tests. A subclass says which bar
    (`_bar`), and what to show once the run is over (`_finish`).
    """

    def __init__(
        self,
        description: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        terminal: bool | None = None,
    ) -> None:
        self.description = description
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self._clock = clock
        self._rich = not quiet and (self.stream.isatty() if terminal is None else terminal)
        self._progress: Progress | None = None

    def _bar(self, console: Console) -> Progress:
        raise NotImplementedError

    def _started(self, progress: Progress) -> None:
        """The bar has just started."""

    def _finish(self) -> None:
        """The run is over: the last word, before the bar stops."""

    def __enter__(self: V) -> V:
        if self._rich:
            self._progress = self._bar(Console(file=self.stream, force_terminal=True))
            self._progress.start()
            self._started(self._progress)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish()
        if self._progress is not None:
            self._progress.stop()
