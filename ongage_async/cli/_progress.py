"""Showing a bulk run: a Rich progress bar on a terminal, plain lines elsewhere.

The display tells what the run is doing now, not what it did at the last chunk:

* ``follow`` refreshes it twice a second from the run and the governor, so a 429 shows
  as it happens, and while no chunk finishes (a pause, a wait for budget) it says why:
  ``paused 58 s after 429``, ``waiting for budget, next call in 12 s``.
* The rate and the ETA are computed over the time that actually elapsed, up to the
  moment they are shown: a pause lowers the rate instead of freezing it.
* Outside a terminal a line is printed at most once a second, and the final line is not
  printed again when it says what the last one said.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TextIO, TypeVar

import anyio
import attrs
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Column

from .._governor import Governor
from ..resources._bulk import BulkOperation, BulkProgress
from ._view import View

__all__ = ["ProgressView", "Waiting", "follow", "waiting_on"]

T = TypeVar("T")

#: Seconds between refreshes while the run goes on (``follow``).
REFRESH = 0.5
#: A wait for budget shorter than this is the ordinary pace of calls, not worth a word.
_NOTABLE_WAIT = 1.0


@attrs.frozen
class Waiting:
    """Why no call starts now, as the governor tells it."""

    #: Seconds left of the pause every caller keeps after a 429.
    paused_for: float = 0.0
    #: Seconds before the next call can get a token of the budget.
    next_call_in: float = 0.0


def waiting_on(governor: Governor, operation: BulkOperation) -> Callable[[], Waiting]:
    """Reads why ``operation``'s next call would wait, from ``governor``."""

    def read() -> Waiting:
        budget = governor.budget_statistics()
        # When a call of the run's level could start (counting the callers ahead of it)...
        wait = governor.ready_in(operation.priority)
        if wait > 0 and budget.next_free_in:  # ...but the next call, anyone's, goes sooner
            wait = min(wait, budget.next_free_in)
        return Waiting(budget.paused_for, wait)

    return read


def _clock_text(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class ProgressView(View):
    """``with ProgressView(...) as view: ... on_progress=view.update``.

    ``clock`` (seconds, monotonic) and ``terminal`` (a Rich bar, or plain lines; by
    default whether ``stream`` is a terminal) are there for tests.
    """

    def __init__(
        self,
        description: str,
        *,
        budget: int,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        terminal: bool | None = None,
    ) -> None:
        super().__init__(description, quiet=quiet, stream=stream, clock=clock, terminal=terminal)
        self.budget = budget
        self.last: BulkProgress | None = None
        self._task: TaskID | None = None
        self._seen_at = 0.0  # when ``last`` arrived, on ``clock``
        self._waiting: tuple[Waiting, float] | None = None  # and when it was read
        self._printed_at: float | None = None
        self._printed: tuple[int, ...] | None = None  # the counts of the last line printed
        self._state_column = Column(no_wrap=True)

    # -- what is shown -----------------------------------------------------------------

    def rate(self, now: float | None = None) -> float:
        """Rows a second, over all the time the run has taken up to ``now``."""
        p = self.last
        if p is None:
            return 0.0
        now = self._clock() if now is None else now
        elapsed = p.elapsed + max(0.0, now - self._seen_at)
        return p.done / elapsed if elapsed > 0 else 0.0

    def state(self, now: float | None = None) -> str:
        """What holds the run up now, or "" when calls go out as they may."""
        if self._waiting is None:
            return ""
        now = self._clock() if now is None else now
        waiting, read_at = self._waiting
        since = max(0.0, now - read_at)
        paused = waiting.paused_for - since
        if paused > 0:
            return f"paused {math.ceil(paused)} s after 429"
        wait = waiting.next_call_in - since
        if wait >= _NOTABLE_WAIT:
            return f"waiting for budget, next call in {math.ceil(wait)} s"
        return ""

    def eta(self, now: float | None = None) -> str:
        """The time left at the rate so far (plus what is left of a pause), or "?"."""
        p = self.last
        rate = self.rate(now)
        if p is None or p.total is None or rate <= 0:
            return "ETA ?"
        left = max(0, p.total - p.done) / rate
        if self._waiting is not None:
            now = self._clock() if now is None else now
            waiting, read_at = self._waiting
            left += max(0.0, waiting.paused_for - (now - read_at))
        return f"ETA {_clock_text(left)}"

    def line(self, now: float | None = None, *, final: bool = False) -> str:
        """The plain line for ``now`` (``final``: the run is over, no ETA or state)."""
        p = self.last
        if p is None:
            return ""
        now = self._clock() if now is None else now
        total = f"/{p.total}" if p.total is not None else ""
        text = (
            f"{p.done}{total} done: {p.created} created, {p.updated} updated, "
            f"{p.failed} failed, {p.skipped} skipped | {self.rate(now):.0f}/s | "
            f"calls {p.calls} (budget {self.budget}/window) | 429s {p.rate_limited} | "
            f"in flight {p.in_flight}"
        )
        if final:
            return text
        state = self.state(now)
        return f"{text} | {self.eta(now)}" + (f" | {state}" if state else "")

    # -- feeding it --------------------------------------------------------------------

    def _bar(self, console: Console) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            # Early in the line, and never cut short (see ``update``).
            TextColumn("{task.fields[state]}", table_column=self._state_column),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[eta]}"),
            TextColumn("calls {task.fields[calls]} ({task.fields[budget]}/window)"),
            TextColumn("in flight {task.fields[inflight]}"),
            console=console,
            get_time=self._clock,
        )

    def _started(self, progress: Progress) -> None:
        self._task = progress.add_task(
            self.description,
            total=None,
            rate="0/s",
            eta="ETA ?",
            calls=0,
            budget=self.budget,
            inflight=0,
            state="429s 0",
        )

    def update(self, progress: BulkProgress, waiting: Waiting | None = None) -> None:
        """A new snapshot of the run (``on_progress``), and why it waits if known."""
        now = self._clock()
        if waiting is not None:
            self._waiting = (self._tighter(waiting, progress, now), now)
        self.last, self._seen_at = progress, now
        if self._progress is not None and self._task is not None:
            state = self.state(now)
            state = f"429s {progress.rate_limited}" + (f", {state}" if state else "")
            # A narrow terminal shortens the other columns rather than this one.
            self._state_column.min_width = len(state)
            self._progress.update(
                self._task,
                completed=progress.done,
                total=progress.total,
                rate=f"{self.rate(now):.0f}/s",
                eta=self.eta(now),
                calls=progress.calls,
                inflight=progress.in_flight,
                state=state,
            )
        elif not self.quiet and (self._printed_at is None or now - self._printed_at >= 1.0):
            self._print(self.line(now), now)

    def _tighter(self, waiting: Waiting, progress: BulkProgress, now: float) -> Waiting:
        """``waiting``, or what is left of the last reading when no call started since.

        A reading is a bound: the governor counts the callers ahead of a new one.  Until
        a call starts, the last bound, less the time since, is a bound too, so the
        figure counts down instead of repeating itself.
        """
        if self._waiting is None or self.last is None or self.last.calls != progress.calls:
            return waiting
        last, read_at = self._waiting
        left = last.next_call_in - (now - read_at)
        if 0 < left < waiting.next_call_in:
            return attrs.evolve(waiting, next_call_in=left)
        return waiting

    def _print(self, text: str, now: float) -> None:
        self._printed_at = now
        p = self.last
        assert p is not None
        self._printed = (p.done, p.created, p.updated, p.failed, p.skipped, p.calls, p.rate_limited)
        print(text, file=self.stream, flush=True)

    def _finish(self) -> None:
        if self._progress is not None:
            if self._task is not None:  # the run is over: nothing waits any more
                last = f"429s {self.last.rate_limited if self.last is not None else 0}"
                self._state_column.min_width = len(last)
                self._progress.update(self._task, state=last, eta="")
        elif not self.quiet and self.last is not None:
            p = self.last
            counts = (p.done, p.created, p.updated, p.failed, p.skipped, p.calls, p.rate_limited)
            if counts != self._printed:  # else that line said it all already
                self._print(self.line(final=True), self._clock())


async def follow(
    view: ProgressView,
    progress: Callable[[], BulkProgress],
    waiting: Callable[[], Waiting],
    run: Callable[[], Awaitable[T]],
    *,
    every: float = REFRESH,
) -> T:
    """``await run()``, refreshing ``view`` every ``every`` seconds until it ends.

    Whatever ``run`` raises comes out as it was raised, not in an exception group.
    """
    done: list[T] = []
    failed: list[Exception] = []

    async def refresh() -> None:
        while True:
            await anyio.sleep(every)
            view.update(progress(), waiting())

    async with anyio.create_task_group() as tg:
        tg.start_soon(refresh)
        try:
            done.append(await run())
        except Exception as exc:
            failed.append(exc)
        finally:
            tg.cancel_scope.cancel()
    if failed:
        raise failed[0]
    return done[0]
