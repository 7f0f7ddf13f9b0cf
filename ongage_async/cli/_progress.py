"""Showing a bulk run: a Rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from .._bulk import BulkProgress

__all__ = ["ProgressView"]


def _line(p: BulkProgress, budget: int) -> str:
    total = f"/{p.total}" if p.total is not None else ""
    return (
        f"{p.done}{total} done: {p.created} created, {p.updated} updated, {p.failed} failed, "
        f"{p.skipped} skipped | {p.rate:.0f}/s | calls {p.calls} (budget {budget}/window) | "
        f"429s {p.rate_limited} | in flight {p.in_flight}"
    )


class ProgressView:
    """``with ProgressView(...) as view: ... on_progress=view.update``."""

    def __init__(
        self, description: str, *, budget: int, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        self.description = description
        self.budget = budget
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.last: BulkProgress | None = None
        self._rich = not quiet and self.stream.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._printed_at = 0.0

    def __enter__(self) -> ProgressView:
        if self._rich:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.0f}/s"),
                TimeRemainingColumn(),
                TextColumn("calls {task.fields[calls]} ({task.fields[budget]}/window)"),
                TextColumn("429s {task.fields[r429]}"),
                TextColumn("in flight {task.fields[inflight]}"),
                console=Console(file=self.stream),
            )
            self._progress.start()
            self._task = self._progress.add_task(
                self.description,
                total=None,
                rate=0.0,
                calls=0,
                budget=self.budget,
                r429=0,
                inflight=0,
            )
        return self

    def update(self, progress: BulkProgress) -> None:
        self.last = progress
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                completed=progress.done,
                total=progress.total,
                rate=progress.rate,
                calls=progress.calls,
                r429=progress.rate_limited,
                inflight=progress.in_flight,
            )
        elif not self.quiet and time.monotonic() - self._printed_at >= 1.0:
            self._printed_at = time.monotonic()
            print(_line(progress, self.budget), file=self.stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif not self.quiet and self.last is not None:
            print(_line(self.last, self.budget), file=self.stream, flush=True)
