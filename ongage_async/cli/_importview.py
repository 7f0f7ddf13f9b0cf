"""Showing an import: a Rich bar of bytes staged, then of Ongage's percentage.

An import has two waits worth a bar: the upload of the file (bytes, known in advance)
and Ongage's processing (its own `progress`, a percentage).  Writing the file comes
first and is shown as a count of rows.  Outside a terminal a line is printed when the
phase or Ongage's status changes, and at most once a second in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from .._import import ImportProgress
from ._view import View

__all__ = ["ImportView"]


class ImportView(View):
    """`with ImportView(...) as view: ... on_progress=view.update`."""

    def __init__(
        self,
        description: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(description, quiet=quiet, stream=stream, clock=clock, terminal=terminal)
        self._tasks: dict[str, TaskID] = {}
        self._printed: tuple[str, int | None] | None = None
        self._printed_at = 0.0

    def _bar(self, console: Console) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=30),
            TextColumn("{task.fields[detail]}"),
            console=console,
        )

    def line(self, p: ImportProgress) -> str:
        """What a plain line says about `p`."""
        if p.phase == "writing":
            return f"{self.description}: writing the file, {p.rows} rows"
        if p.phase == "staging":
            total = f" of {p.bytes_total}" if p.bytes_total is not None else ""
            return f"{self.description}: staging {p.rows} rows, {p.bytes_staged}{total} bytes"
        percent = f", {p.progress}%" if p.progress is not None else ""
        return f"{self.description}: Ongage says {p.status_desc or p.status}{percent}"

    def update(self, p: ImportProgress) -> None:
        if self.quiet:
            return
        if self._progress is not None:
            self._show(self._progress, p)
            return
        now = self._clock()
        key = (p.phase, p.status)
        if key != self._printed or now - self._printed_at >= 1.0:
            self._printed, self._printed_at = key, now
            print(self.line(p), file=self.stream, flush=True)

    def _show(self, progress: Progress, p: ImportProgress) -> None:
        if p.phase == "writing":
            task = self._task(progress, "writing", "writing the file", None)
            progress.update(task, detail=f"{p.rows} rows")
        elif p.phase == "staging":
            task = self._task(progress, "staging", "staging", p.bytes_total)
            progress.update(
                task,
                completed=p.bytes_staged,
                total=p.bytes_total,
                detail=f"{p.bytes_staged:,} / {p.bytes_total or 0:,} bytes",
            )
        else:
            task = self._task(progress, "importing", "Ongage importing", 100)
            progress.update(task, completed=p.progress or 0, detail=p.status_desc or "")

    def _task(self, progress: Progress, key: str, description: str, total: int | None) -> TaskID:
        if key not in self._tasks:
            self._tasks[key] = progress.add_task(description, total=total, detail="")
        return self._tasks[key]
