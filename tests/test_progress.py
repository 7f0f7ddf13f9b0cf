"""The CLI's progress display tells the truth: pauses, waits, rates, and no line twice.

Issue 14, item 3.  A fake clock drives the view; a terminal is a recorded Rich console
(a ``StringIO`` forced to act as one), anything else a plain ``StringIO``.
"""

from __future__ import annotations

import io
import re

import anyio
import pytest

from ongage_async import NotFoundError
from ongage_async.cli._progress import ProgressView, Waiting, follow, waiting_on
from ongage_async.resources._bulk import BulkProgress
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import FAST_RETRY


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def snapshot(done: int, elapsed: float, *, rate_limited: int = 0, calls: int = 0) -> BulkProgress:
    return BulkProgress(
        done=done,
        total=10_000,
        created=done,
        updated=0,
        failed=0,
        skipped=0,
        calls=calls or done // 50,
        rate_limited=rate_limited,
        in_flight=0,
        elapsed=elapsed,
    )


def plain(clock: Clock) -> tuple[ProgressView, io.StringIO]:
    stream = io.StringIO()
    return ProgressView("upsert", budget=300, stream=stream, clock=clock, terminal=False), stream


def terminal(clock: Clock) -> tuple[ProgressView, io.StringIO]:
    stream = io.StringIO()
    return ProgressView("upsert", budget=300, stream=stream, clock=clock, terminal=True), stream


def screen(view: ProgressView, stream: io.StringIO) -> str:
    """What the terminal shows now, without the escape codes."""
    assert view._progress is not None
    view._progress.refresh()
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())


def test_a_pause_after_a_429_shows_and_counts_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    clock = Clock()
    view, stream = terminal(clock)
    with view:
        view.update(snapshot(3500, 1.0), Waiting())
        clock.now += 0.1
        view.update(snapshot(3500, 1.1, rate_limited=1), Waiting(paused_for=58.0))
        shown = screen(view, stream)
        assert "paused 58 s after 429" in shown and "429s 1" in shown
        clock.now += 10
        view.update(snapshot(3500, 11.1, rate_limited=2), Waiting(paused_for=48.0))
        shown = screen(view, stream)
        assert "paused 48 s after 429" in shown and "429s 2" in shown
        # The rate falls while nothing is done, and the ETA includes the pause.
        assert view.rate() == pytest.approx(3500 / 11.1)
        assert "315/s" in shown
        assert view.eta() == "ETA 0:01:09"  # 48 s of pause + 6,500 rows at 315/s: 68.6 s


def test_a_narrow_terminal_still_shows_the_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    clock = Clock()
    view, stream = terminal(clock)
    with view:
        view.update(snapshot(3500, 1.1, rate_limited=1), Waiting(paused_for=58.0))
        shown = screen(view, stream).split("\r")[-1]
        assert "paused 58 s after 429" in shown and "429s 1" in shown


def test_the_pause_counts_down_between_snapshots_on_the_clock() -> None:
    clock = Clock()
    view, _ = plain(clock)
    view.update(snapshot(100, 1.0), Waiting(paused_for=58.0))
    assert view.state() == "paused 58 s after 429"
    clock.now += 30.5
    assert view.state() == "paused 28 s after 429"
    clock.now += 28
    assert view.state() == ""


def test_a_wait_for_budget_says_when_the_next_call_goes() -> None:
    clock = Clock()
    view, _ = plain(clock)
    view.update(snapshot(100, 1.0), Waiting(next_call_in=12.0))
    assert view.state() == "waiting for budget, next call in 12 s"
    assert "waiting for budget, next call in 12 s" in view.line()
    view.update(snapshot(150, 1.2), Waiting(next_call_in=0.2))  # the ordinary pace
    assert view.state() == ""


def test_the_wait_for_budget_counts_down_until_a_call_starts() -> None:
    # The governor's figure is a bound that may repeat itself (callers ahead of a new
    # one); until a call starts, the view counts the last one down.
    clock = Clock()
    view, _ = plain(clock)
    view.update(snapshot(400, 1.0, calls=8), Waiting(next_call_in=4.0))
    assert view.state() == "waiting for budget, next call in 4 s"
    clock.now += 1.5
    view.update(snapshot(400, 2.5, calls=8), Waiting(next_call_in=4.0))
    assert view.state() == "waiting for budget, next call in 3 s"
    clock.now += 1.0
    view.update(snapshot(450, 3.5, calls=9), Waiting(next_call_in=4.0))  # a call started
    assert view.state() == "waiting for budget, next call in 4 s"


def test_the_rate_is_over_the_time_that_actually_elapsed() -> None:
    clock = Clock()
    view, _ = plain(clock)
    view.update(snapshot(1000, 0.03))  # 1,000 rows in the first 30 ms: 33k/s
    assert view.rate() == pytest.approx(1000 / 0.03)
    clock.now += 9.97  # then nothing for 10 s
    assert view.rate() == pytest.approx(100.0)
    assert "| 100/s |" in view.line()


def test_outside_a_terminal_the_last_line_is_printed_once() -> None:
    clock = Clock()
    view, stream = plain(clock)
    with view:
        view.update(snapshot(50, 0.5))
        clock.now += 0.3
        view.update(snapshot(100, 0.8))  # within the second: not printed now
        clock.now += 0.9
        view.update(snapshot(100, 1.7))  # printed: a second has passed
        clock.now += 0.1
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("100/10000 done")
    assert len(set(lines)) == len(lines)


def test_outside_a_terminal_the_final_line_comes_when_it_says_more() -> None:
    clock = Clock()
    view, stream = plain(clock)
    with view:
        view.update(snapshot(50, 0.5))
        clock.now += 0.2
        view.update(snapshot(100, 0.7))
    lines = stream.getvalue().splitlines()
    assert [line.split(" done")[0] for line in lines] == ["50/10000", "100/10000"]
    assert "ETA" not in lines[-1]  # the run is over


def test_quiet_prints_nothing() -> None:
    stream = io.StringIO()
    with ProgressView("upsert", budget=300, quiet=True, stream=stream) as view:
        view.update(snapshot(50, 0.5), Waiting(paused_for=5))
    assert stream.getvalue() == ""


async def test_follow_refreshes_while_no_chunk_finishes() -> None:
    clock = Clock()
    view, _ = plain(clock)
    refreshed = anyio.Event()
    reads: list[int] = []

    def progress() -> BulkProgress:
        reads.append(1)
        if len(reads) >= 3:
            refreshed.set()
        return snapshot(100, 1.0, rate_limited=len(reads))

    async def run() -> str:
        await refreshed.wait()  # a run held up: no chunk finishes until three refreshes
        return "done"

    result = await follow(view, progress, lambda: Waiting(paused_for=30.0), run, every=0.001)
    assert result == "done"
    assert view.last is not None and view.last.rate_limited >= 3  # 429s as they happen
    assert view.state() == "paused 30 s after 429"


async def test_follow_raises_the_run_s_error_alone() -> None:
    view, _ = plain(Clock())

    async def run() -> None:
        raise NotFoundError("List 7 not found", status=404)

    with pytest.raises(NotFoundError, match="List 7 not found"):
        await follow(view, lambda: snapshot(0, 0.0), Waiting, run, every=0.001)


async def test_waiting_on_reads_the_governor_s_pause_and_budget() -> None:
    sandbox = Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0))
    async with sandbox.client(retry=FAST_RETRY, rate_limit=2, rate_period=60.0) as client:
        operation = client.contacts.bulk_upsert([{"email": "a@example.com"}])
        read = waiting_on(client.governor, operation)
        assert read() == Waiting(0.0, 0.0)
        await client.lists.list()
        await client.lists.list()  # the budget (2 a minute) is spent
        assert read().next_call_in > 50
        await client.governor.record_rate_limit(58.0)
        assert 57 < read().paused_for <= 58
