"""Priority levels (issue 13): highest first, FIFO within a level, a reserve for "high",
the limits kept exactly, nothing stuck or skipped when waiters are cancelled."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import anyio
import pytest

from ongage_async import (
    BudgetExhaustedError,
    ConfigurationError,
    InvalidArgumentError,
    OngageClient,
    Reserve,
)
from ongage_async.governor import (
    BudgetStatistics,
    Governor,
    LocalConcurrencyCap,
    Priority,
    SlidingWindowBudget,
)
from ongage_async.middleware import Call, Handler
from ongage_async.models import Response
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import creds, task_group

# -- the levels reach the governor from the client, the view, the call and bulk runs --------


class Levels:
    """A middleware that notes each call's level."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        self.seen.append(call.priority)
        return await call_next(call)


def recording_client(**options: Any) -> tuple[OngageClient, Levels, Sandbox]:
    sandbox = Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0))
    levels = Levels()
    return sandbox.client(middleware=[levels], **options), levels, sandbox


async def test_the_level_comes_from_the_call_else_the_view_else_the_client() -> None:
    client, levels, sandbox = recording_client()
    async with client:
        high, low = client.with_options(priority="high"), client.with_options(priority="low")
        await client.request("GET", "/api/lists")
        await high.lists.get(sandbox.config.default_list_id)  # a namespace passes it on
        await low.request("GET", "/api/lists")
        await high.request("GET", "/api/lists", priority="low")
        await high.with_options(priority=None).request("GET", "/api/lists")
    assert levels.seen == ["normal", "high", "low", "low", "normal"]
    assert (client.priority, high.priority, low.priority) == (None, "high", "low")
    client, levels, _ = recording_client(priority="high")
    async with client:
        await client.request("GET", "/api/lists")
    assert levels.seen == ["high"]


async def test_bulk_runs_go_at_low_unless_told_otherwise() -> None:
    rows = [{"email": "a@example.com"}]
    client, levels, _ = recording_client(list_id=Sandbox().config.default_list_id)
    async with client:
        await client.contacts.upsert_many(rows)
        await client.with_options(priority="high").contacts.upsert_many(rows)
        await client.contacts.upsert_many(rows, priority="normal")
        await client.contacts.change_status_many(["a@example.com"], "unsubscribe")
        op = client.contacts.bulk_upsert(rows)
        await client.request("GET", "/api/lists")  # outside a run: the view's level again
    assert levels.seen == ["low", "high", "normal", "low", "normal"]
    assert op.priority == "low"


@pytest.mark.parametrize("bad", ["urgent", "HIGH", 1, None, ["high"]])
async def test_a_bad_level_is_refused_before_anything_is_sent(bad: object) -> None:
    client, _, sandbox = recording_client()
    async with client:
        if bad is not None:  # None means "not given" for a view, never for a call
            with pytest.raises(InvalidArgumentError, match="priority"):
                await client.request("GET", "/api/lists", priority=bad)  # type: ignore[arg-type]
            with pytest.raises(InvalidArgumentError, match="priority"):
                await client.contacts.upsert_many([{"email": "a@example.com"}], priority=bad)
            with pytest.raises(ConfigurationError, match="priority"):
                client.with_options(priority=bad)  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError, match="priority"):
                OngageClient(**creds(), priority=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="priority"):
            Governor.local().call(bad)  # type: ignore[arg-type]
    assert sandbox.recorder.calls == []


@pytest.mark.parametrize(
    ("share", "slots"), [(1.0, 1), (-0.01, 1), (float("nan"), 1), (True, 1), (0.1, -1), (0.1, True)]
)
def test_a_reserve_is_a_fraction_of_the_window_and_a_count_of_slots(
    share: float, slots: int
) -> None:
    with pytest.raises(ConfigurationError, match="Reserve"):
        Reserve(share=share, slots=slots)


@pytest.mark.parametrize("reserve", ["10%", 0.1, 30])
def test_a_reserve_setting_is_a_reserve_or_none(reserve: object) -> None:
    with pytest.raises(ConfigurationError, match="reserve"):
        OngageClient(**creds(), reserve=reserve)
    with pytest.raises(ConfigurationError, match="reserve"):
        Governor.local(reserve=reserve)  # type: ignore[arg-type]


def test_the_reserve_never_takes_a_whole_window_or_every_slot() -> None:
    reserve = Reserve()
    assert (reserve.calls(300), reserve.slots_of(10)) == (30, 1)
    assert (reserve.calls(5), reserve.slots_of(1)) == (0, 0)
    assert Reserve(share=0.29).calls(100) == 29  # not 28: 0.29 * 100 in floating point
    assert Reserve(share=0.99, slots=50).calls(2) == 1
    assert Reserve(slots=50).slots_of(10) == 9
    governor = Governor.local(300, 60, 10)
    assert isinstance(governor.budget, SlidingWindowBudget)
    assert isinstance(governor.cap, LocalConcurrencyCap)
    assert (governor.budget.reserve, governor.cap.reserve) == (30, 1)
    governor = Governor.local(300, 60, 10, reserve=None)
    assert isinstance(governor.budget, SlidingWindowBudget)
    assert isinstance(governor.cap, LocalConcurrencyCap)
    assert (governor.budget.reserve, governor.cap.reserve) == (0, 0)


async def test_a_snapshot_shows_the_reserve() -> None:
    snapshot = Governor.local(300, 60, 10).statistics().budget
    assert isinstance(snapshot, BudgetStatistics)
    assert (snapshot.reserved, snapshot.available) == (30, 300)


# -- order: highest level first, first come first served within one -----------------------


async def queue_up(
    tg: anyio.abc.TaskGroup,
    enter: object,
    levels: list[Priority],
    order: list[str],
) -> dict[str, anyio.CancelScope]:
    """Start one waiter per level, in this order of arrival; each notes its name on entry."""
    scopes: dict[str, anyio.CancelScope] = {}

    async def waiter(name: str, priority: Priority) -> None:
        with anyio.CancelScope() as scope:
            scopes[name] = scope
            async with enter(priority):  # type: ignore[operator]
                order.append(name)

    for n, priority in enumerate(levels):
        tg.start_soon(waiter, f"{priority}{n}", priority)
        await anyio.wait_all_tasks_blocked()  # fixes the order of arrival (trio shuffles)
    return scopes


LEVELS: list[Priority] = ["low", "normal", "high", "low", "high", "normal"]
SERVED = ["high2", "high4", "normal1", "normal5", "low0", "low3"]


async def test_the_cap_serves_the_highest_level_first_then_in_order_of_arrival() -> None:
    cap = LocalConcurrencyCap(1)
    order: list[str] = []
    async with task_group() as tg:
        async with cap.slot():
            await queue_up(tg, cap.slot, LEVELS, order)
    assert order == SERVED


async def test_the_budget_serves_the_highest_level_first_then_in_order_of_arrival() -> None:
    budget = SlidingWindowBudget(1, 0.001)  # one token, cooling 1 ms after each call
    order: list[str] = []
    async with task_group() as tg:
        async with budget.spend():
            await queue_up(tg, budget.spend, LEVELS, order)
    assert order == SERVED


async def test_a_cancelled_waiter_leaves_nobody_stuck_and_lets_nobody_skip() -> None:
    cap = LocalConcurrencyCap(1)
    order: list[str] = []
    async with task_group() as tg:
        async with cap.slot():
            scopes = await queue_up(tg, cap.slot, LEVELS, order)
            scopes["high2"].cancel()  # the head
            scopes["normal5"].cancel()  # the last of its level
            scopes["low0"].cancel()  # the first of the lowest level
            await anyio.wait_all_tasks_blocked()
    assert order == ["high4", "normal1", "low3"]
    async with cap.slot():  # and the slot is free again
        pass


async def test_cancelling_the_head_waiting_on_time_passes_its_turn_on() -> None:
    # The head of the budget's line sleeps until a token cools; cancelled, the next head
    # must look at once (the pause has ended by then), not sleep for good.
    budget = SlidingWindowBudget(5, 60)
    await budget.pause(0.05)
    order: list[str] = []
    async with task_group() as tg:
        scopes = await queue_up(tg, budget.spend, ["high", "low"], order)
        scopes["high0"].cancel()
    assert order == ["low1"]
    assert budget.statistics().in_use == 0


async def test_random_cancellations_keep_the_order_and_leak_nothing() -> None:
    rng = random.Random(13)
    governor = Governor.local(40, 0.05, 3, reserve=Reserve(share=0.1, slots=1))
    await governor.budget.pause(0.02)  # everyone queues, in a known order of arrival
    entered: list[tuple[int, int]] = []  # (rank, arrival) of each that got in
    levels: list[Priority] = ["high", "normal", "low"]

    async def one(
        arrival: int,
        priority: Priority,
        cancel_after: float | None,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        with anyio.move_on_after(cancel_after):
            task_status.started()  # it joins the line before the next one starts
            async with governor.call(priority):
                entered.append((levels.index(priority), arrival))
                await anyio.sleep(rng.uniform(0, 0.002))  # the call's own time

    async with task_group() as tg:
        for n in range(300):
            when = rng.uniform(0, 0.3) if n % 3 == 0 else None
            await tg.start(one, n, rng.choice(levels), when)
    stats = governor.statistics()
    assert (stats.in_flight, stats.waiting, stats.budget.in_use) == (0, 0, 0)
    assert stats.waiting_by_priority == {"high": 0, "normal": 0, "low": 0}
    assert stats.peak_in_flight <= 3
    assert 200 <= len(entered) < 300
    # Within a level, nobody overtook an earlier arrival.
    for rank in range(3):
        arrivals = [arrival for r, arrival in entered if r == rank]
        assert arrivals == sorted(arrivals)
    # And all three slots can be held at once again: two "normal", then one "high".
    async with governor.call(), governor.call(), governor.call("high"):
        assert governor.statistics().in_flight == 3


# -- the reserve ------------------------------------------------------------------------


async def test_the_lower_levels_leave_the_budgets_reserve_to_high_calls() -> None:
    governor = Governor.local(10, 3600, 20, reserve=Reserve(share=0.2, slots=0))
    release = anyio.Event()
    got: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        async with governor.call(priority):
            got.append(name)
            await release.wait()

    async with task_group() as tg:
        for n in range(9):
            tg.start_soon(call, f"low{n}", "low")
        await anyio.wait_all_tasks_blocked()
        assert len(got) == 8  # 10 tokens, 2 kept: the ninth low call waits
        tg.start_soon(call, "normal", "normal")
        await anyio.wait_all_tasks_blocked()
        assert len(got) == 8  # "normal" may not use the reserve either
        for n in range(3):
            tg.start_soon(call, f"high{n}", "high")
        await anyio.wait_all_tasks_blocked()
        assert [name[:4] for name in got[8:]] == ["high"] * 2  # the reserve, at once; then
        # it is spent, and the third high call waits first in line
        assert governor.statistics().waiting_by_priority == {"high": 1, "normal": 1, "low": 1}
        assert governor.statistics().budget.available == 0
        tg.cancel_scope.cancel()


async def test_the_lower_levels_leave_the_caps_reserve_to_high_calls() -> None:
    governor = Governor.local(1000, 1, 3, reserve=Reserve(share=0, slots=1))
    release = anyio.Event()
    got: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        async with governor.call(priority):
            got.append(name)
            await release.wait()

    async with task_group() as tg:
        for n in range(3):
            tg.start_soon(call, f"low{n}", "low")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(call, "high", "high")
        await anyio.wait_all_tasks_blocked()
        assert [name[:3] for name in got] == ["low", "low", "hig"]  # the third low waits
        assert governor.statistics().in_flight == 3
        release.set()
    assert sorted(got) == ["high", "low0", "low1", "low2"]


async def test_the_deadline_check_counts_the_level_and_the_reserve() -> None:
    # 10 tokens a long window, 2 kept: after 8 low calls a low call with a deadline
    # cannot start in time (it waits for a window to turn), a high one starts at once.
    client, _, sandbox = recording_client(
        rate_limit=10, rate_period=3600, reserve=Reserve(share=0.2, slots=0)
    )
    async with client:
        low = client.with_options(priority="low", deadline=1.0)
        for _ in range(8):
            await low.request("GET", "/api/lists")
        with pytest.raises(BudgetExhaustedError) as caught:
            await low.request("GET", "/api/lists")
        assert caught.value.retry_after > 3000
        await client.with_options(priority="high", deadline=1.0).request("GET", "/api/lists")
    assert len(sandbox.recorder.calls) == 9


async def test_a_low_call_with_a_deadline_counts_the_calls_queued_ahead_of_it() -> None:
    governor = Governor.local(3, 3600, 10, reserve=None)
    async with task_group() as tg:
        for _ in range(2):
            async with governor.call():
                pass
        budget = governor.budget
        assert isinstance(budget, SlidingWindowBudget)
        assert governor.ready_in("low") == 0
        tg.start_soon(_enter, governor, "normal")  # takes the last token at once...
        tg.start_soon(_enter, governor, "low")  # ...and this one waits a window
        await anyio.wait_all_tasks_blocked()
        assert governor.ready_in("high") > 3000
        assert budget.earliest("low") > 3000
        tg.cancel_scope.cancel()


async def _enter(governor: Governor, priority: Priority) -> None:
    async with governor.call(priority):
        await anyio.sleep_forever()


# The budget's own arithmetic, on a clock the test drives (``_take(now, rank)``, with
# rank 0 "high", 1 "normal", 2 "low"; ``_give_back(now, rank)`` when a call ends).


def test_the_reserve_is_a_lane_high_calls_use_first() -> None:
    budget = SlidingWindowBudget(10, 100, reserve=2)
    assert budget._take(0, 0) is None  # one high call: the lane has one token left
    lows = 0
    while budget._take(0, 2) is None:
        lows += 1
    assert lows == 8  # the others get limit - max(reserve, high calls), not 10 - 2 - 1
    assert budget._take(0, 0) is None  # the lane's second token
    assert budget._take(0, 0) == math.inf  # nothing left, nothing cooling yet
    budget._give_back(1, 0)
    budget._give_back(1, 0)
    for _ in range(8):
        budget._give_back(2, 2)
    # At 101 the high calls' tokens are free again, but they refill the lane: the low
    # calls wait for their own, at 102.
    assert budget._take(101.5, 1) == 102
    assert budget._take(101.5, 2) == 102
    assert budget._take(102, 2) is None


def test_high_calls_past_their_lane_share_the_rest_first_in_line() -> None:
    budget = SlidingWindowBudget(4, 100, reserve=1)
    for _ in range(3):
        assert budget._take(0, 0) is None  # three high calls: past the lane of one
    assert budget._take(0, 2) is None  # the last token: the lane is overdrawn, not kept
    budget._give_back(1, 0)
    assert budget._take(50, 2) == 101  # a high token cooling frees one for everyone...
    assert budget._take(101, 2) is None  # ...since the high calls still hold two


def test_pacing_spreads_the_low_calls_and_no_other() -> None:
    budget = SlidingWindowBudget(20, 2.0, pace_low=True)  # one low call every 0.1 s
    assert budget._take(0, 2) is None
    assert budget._take(0.05, 2) == pytest.approx(0.1)
    assert budget._take(0.05, 1) is None  # "normal" is not paced
    assert budget._take(0.05, 0) is None
    assert budget._take(0.1, 2) is None
    assert budget._take(0.15, 2) == pytest.approx(0.2)
    assert budget._take(0.203, 2) is None  # woken 3 ms late...
    assert budget._take(0.25, 2) == pytest.approx(0.3)  # ...the schedule holds: no drift
    assert budget._take(0.9, 2) is None  # idle for long: no burst to catch up...
    assert budget._take(0.91, 2) == pytest.approx(1.0)  # ...one interval from now


# -- a bulk job and a web handler on one budget --------------------------------------------


async def test_a_steady_trickle_of_high_calls_does_not_stop_a_bulk_job() -> None:
    # 30 calls a 0.5 s window, 6 of them kept for "high": a bulk job of 96 low calls has
    # 24 a window, so it needs 4 windows, and the web handler's 2 high calls a window
    # (fewer than the 6 kept) neither wait for a window to turn nor slow the bulk job.
    # (Half a second a window leaves a loaded CI machine room for its own delays.)
    period = 0.5
    sandbox = Sandbox(SandboxConfig(rate_limit=30, rate_period=period, latency=(0.001, 0.003)))
    client = sandbox.client(reserve=Reserve(share=0.2, slots=1))
    low, high = client.with_options(priority="low"), client.with_options(priority="high")
    list_id = sandbox.config.default_list_id
    waits: list[float] = []
    bulk_done = 0.0

    async def bulk() -> None:
        nonlocal bulk_done
        async with task_group() as tg:
            for _ in range(96):
                tg.start_soon(low.lists.get, list_id)
        bulk_done = anyio.current_time() - started

    async def web() -> None:
        for n in range(8):
            await anyio.sleep_until(started + 0.05 + n * period / 2)  # the handler's load
            asked = anyio.current_time()
            await high.lists.get(list_id)
            waits.append(anyio.current_time() - asked)

    async with client:
        started = anyio.current_time()
        async with task_group() as tg:
            tg.start_soon(bulk)
            tg.start_soon(web)
    assert len(waits) == 8
    assert max(waits) < period / 4  # a turn of the window would be up to 0.5 s
    # 4 windows' bursts: the last call arrives in the fourth window (from 1.5 s), a fifth
    # would start at 2.0 s.  Arrivals, not the end of the last answer: a loaded machine's
    # own delays then do not count.
    last_arrival = max(c.arrived for c in sandbox.recorder.calls) - started
    assert last_arrival < 4 * period and bulk_done > 3 * period
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.most_in_any_window(period) <= 30
    assert sandbox.recorder.peak_in_flight <= 10
    assert len(sandbox.recorder.calls) == 104


async def test_without_priorities_the_web_call_waits_behind_the_bulk_job() -> None:
    # The problem the levels solve, measured the same way: FIFO, no reserve.
    period = 0.2
    sandbox = Sandbox(SandboxConfig(rate_limit=30, rate_period=period, latency=(0.001, 0.003)))
    client = sandbox.client(reserve=None)
    list_id = sandbox.config.default_list_id
    async with client:
        async with task_group() as tg:
            for _ in range(40):
                tg.start_soon(client.lists.get, list_id)
            await anyio.wait_all_tasks_blocked()
            asked = anyio.current_time()
            await client.lists.get(list_id)
            waited = anyio.current_time() - asked
    assert waited > period / 2  # the 10 calls ahead of it waited for the window to turn


async def test_a_budget_without_levels_still_serves_every_level() -> None:
    # A third-party RateBudget written before priorities: spend() takes no level.
    class OldBudget:
        limit, period = 5, 60.0

        def __init__(self) -> None:
            self.inner = SlidingWindowBudget(5, 60)

        def spend(self) -> Any:
            return self.inner.spend()

        async def pause(self, seconds: float) -> None:
            await self.inner.pause(seconds)

        def statistics(self) -> BudgetStatistics:
            return self.inner.statistics()

    governor = Governor(OldBudget(), LocalConcurrencyCap(2, reserve=1))
    async with governor.call("high"), governor.call("low"):
        assert governor.statistics().in_flight == 2
    assert governor.ready_in("low") == 0  # from its snapshot: tokens are free


@pytest.mark.http
def test_the_clis_bulk_commands_run_at_low(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("typer")
    from typer.testing import CliRunner

    from ongage_async.cli import app
    from ongage_async.resources import BulkOperation

    levels: list[str] = []
    run = BulkOperation.run

    async def noting(self: BulkOperation) -> Any:
        levels.append(self.priority)
        return await run(self)

    monkeypatch.setattr(BulkOperation, "run", noting)
    sandbox = Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}]))
    source = tmp_path / "people.csv"
    source.write_text("email\nann@example.com\nbob@example.com\n")
    with sandbox.serve(log_level="critical") as base_url:
        creds = sandbox.credentials
        env = {
            "ONGAGE_USERNAME": creds.username,
            "ONGAGE_PASSWORD": creds.password,
            "ONGAGE_ACCOUNT_CODE": creds.account_code,
            "ONGAGE_BASE_URL": base_url,
        }
        runner = CliRunner()
        upsert = ["contacts", "upsert", str(source), "--list-id", "500", "-q"]
        assert runner.invoke(app, upsert, env=env).exit_code == 0
        status = ["contacts", "status", "ann@example.com", "--to", "unsubscribe", "-q"]
        assert runner.invoke(app, [*status, "--list-id", "500"], env=env).exit_code == 0
    assert levels == ["low", "low"]
