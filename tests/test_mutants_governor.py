"""The in-flight cap's reserve and held slots, and the governor's use of a third-party
budget and of a new event loop run's clock (survivors of `nox -s mutants`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from ongage_async._budget import BudgetStatistics
from ongage_async.governor import (
    Governor,
    GovernorStatistics,
    LocalConcurrencyCap,
    SlidingWindowBudget,
)

from .helpers import task_group


@pytest.mark.parametrize("size", [0, -1, True, 1.5, "3"])
def test_a_cap_is_a_positive_int(size: object) -> None:
    with pytest.raises(ValueError, match="max_concurrency must be a positive int"):
        LocalConcurrencyCap(size)  # type: ignore[arg-type]
    assert LocalConcurrencyCap(1).max_concurrency == 1


@pytest.mark.parametrize("reserve", [3, 4, -1, True, 1.5])
def test_a_caps_reserve_is_an_int_below_the_cap(reserve: object) -> None:
    with pytest.raises(ValueError, match="reserve must be an int"):
        LocalConcurrencyCap(3, reserve=reserve)  # type: ignore[arg-type]
    assert LocalConcurrencyCap(3, reserve=2).reserve == 2


async def test_a_waiter_looks_again_when_the_first_held_slot_frees() -> None:
    cap = LocalConcurrencyCap(2)
    slots = [cap.slot(), cap.slot()]
    for slot in slots:
        await slot.__aenter__()
    now = anyio.current_time()
    await slots[0].hold(now + 5)  # type: ignore[attr-defined]
    await slots[1].hold(now + 9)  # type: ignore[attr-defined]
    assert cap._take(now, 1) == now + 5


async def test_a_held_high_slot_no_longer_counts_as_the_high_lane() -> None:
    # The high call was cut short: its slot is kept, but the lane is free again, so the
    # other levels leave one slot for the next high call.
    cap = LocalConcurrencyCap(3, reserve=1)
    high = cap.slot("high")
    await high.__aenter__()
    await high.hold(anyio.current_time() + 60)  # type: ignore[attr-defined]
    now = anyio.current_time()
    assert cap._take(now, 1) is None
    assert cap._take(now, 1) is not None  # the last slot is the high lane's
    assert cap._take(now, 0) is None


async def test_a_waiter_gets_a_held_slot_when_its_time_comes() -> None:
    # The waiter sleeps with nothing to wait for but a release; the slot is then held
    # instead of released: the hold must wake the waiter to wait for its end.
    cap = LocalConcurrencyCap(1)
    first = cap.slot()
    got_it = anyio.Event()

    async def second() -> None:
        async with cap.slot():
            got_it.set()

    async with task_group(within=5) as tg:
        await first.__aenter__()
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        await first.hold(anyio.current_time() + 0.05)  # type: ignore[attr-defined]
        with anyio.fail_after(2):
            await got_it.wait()


# -- a third-party budget: no `earliest`, a `spend` of its own shape ------------------


class Budget:
    """A budget with a fixed snapshot and the given shape of ``spend``."""

    def __init__(self, snapshot: BudgetStatistics | None = None) -> None:
        self._snapshot = snapshot or BudgetStatistics(10, 1.0, 10, 0, None, 0.0)
        self.levels: list[Any] = []
        self.limit, self.period = 10, 1.0

    @contextlib.asynccontextmanager
    async def _spent(self, level: Any) -> AsyncIterator[None]:
        self.levels.append(level)
        yield

    async def pause(self, seconds: float) -> None:
        pass

    def statistics(self) -> BudgetStatistics:
        return self._snapshot


class KeywordOnly(Budget):
    def spend(self, *, priority: str = "normal") -> Any:
        return self._spent(priority)


class PriorityLater(Budget):
    def spend(self, weight: Any = 1, priority: str = "normal") -> Any:
        return self._spent((weight, priority))


@pytest.mark.parametrize(
    ("kind", "levels"),
    [(KeywordOnly, ["high", "low"]), (PriorityLater, [(1, "high"), (1, "low")])],
)
async def test_a_budget_gets_the_level_by_name_when_it_is_not_its_first_parameter(
    kind: type[Budget], levels: list[Any]
) -> None:
    budget = kind()
    governor = Governor(budget, LocalConcurrencyCap(2))  # type: ignore[arg-type]
    async with governor.call("high"):
        pass
    async with governor.call("low"):
        pass
    assert budget.levels == levels


@pytest.mark.parametrize(
    ("available", "next_free_in", "paused_for", "earliest"),
    [
        (0, 2.0, 1.0, 2.0),  # no token: the next one, or the pause if longer
        (0, 0.5, 1.0, 1.0),
        (0, None, 1.0, 1.0),  # every token in flight: only the pause is known
        (3, 2.0, 0.5, 0.5),  # a token free: only the pause
        (1, 2.0, 0.0, 0.0),
    ],
)
def test_without_earliest_the_governor_reads_the_budgets_snapshot(
    available: int, next_free_in: float | None, paused_for: float, earliest: float
) -> None:
    snapshot = BudgetStatistics(10, 1.0, available, 10 - available, next_free_in, paused_for)
    governor = Governor(KeywordOnly(snapshot), LocalConcurrencyCap(2))  # type: ignore[arg-type]
    assert governor.ready_in() == earliest


async def test_stats_are_a_frozen_hashable_value() -> None:
    governor = Governor.local()
    stats = governor.statistics()
    assert hash(stats) == hash(governor.statistics())
    assert stats.waiting_by_priority == {"high": 0, "normal": 0, "low": 0}


# -- a new trio run: its clock starts anywhere -----------------------------------------


def _in_two_trio_runs(first: Any, second: Any) -> Any:
    pytest.importorskip("trio")
    governor = Governor(SlidingWindowBudget(1, 30.0), LocalConcurrencyCap(1))
    anyio.run(first, governor, backend="trio")
    return anyio.run(second, governor, backend="trio")


async def _spend_the_only_token(governor: Governor) -> None:
    async with governor.call():
        pass


@pytest.mark.parametrize("look", ["stats", "budget_statistics", "ready_in"])
def test_a_new_run_reads_the_budget_on_its_own_clock(look: str) -> None:
    async def second(governor: Governor) -> float:
        if look == "stats":
            return governor.statistics().budget.next_free_in or 0.0
        if look == "budget_statistics":
            return governor.budget_statistics().next_free_in or 0.0
        return governor.ready_in()

    assert 29.0 < _in_two_trio_runs(_spend_the_only_token, second) <= 30.0


def test_a_pause_in_a_new_run_is_on_its_clock() -> None:
    async def second(governor: Governor) -> float:
        await governor.record_rate_limit(5.0)  # the first use in this run
        return governor.statistics().budget.paused_for

    assert 4.0 < _in_two_trio_runs(_spend_the_only_token, second) <= 5.0


def test_a_call_in_a_new_run_waits_on_its_clock() -> None:
    async def second(governor: Governor) -> bool:
        with anyio.move_on_after(0.2) as scope:
            async with governor.call():  # the token still cools for ~30 s
                pass
        return scope.cancelled_caught

    assert _in_two_trio_runs(_spend_the_only_token, second)


def test_stats_built_by_hand_default_to_nothing_held_or_waiting() -> None:
    budget = BudgetStatistics(300, 60.0, 300, 0, None, 0.0)
    stats = GovernorStatistics(
        calls_started=0,
        in_flight=0,
        peak_in_flight=0,
        waiting=0,
        rate_limited=0,
        retries=0,
        wait_time=0.0,
        budget=budget,
    )
    assert (stats.held, stats.waiting_by_priority) == (0, {})


def test_a_slot_held_in_an_earlier_run_is_on_the_new_runs_clock() -> None:
    async def hold_the_only_slot(governor: Governor) -> None:
        governor.statistics()  # the governor sees this run (a call through it would too)
        slot = governor.cap.slot()
        await slot.__aenter__()
        await slot.hold(anyio.current_time() + 30.0)  # type: ignore[attr-defined]

    async def second(governor: Governor) -> float:
        governor.statistics()  # the first use in this run
        now = anyio.current_time()
        retry_at = governor.cap._take(now, 1)  # type: ignore[attr-defined]
        return float(retry_at) - now

    assert 29.0 < _in_two_trio_runs(hold_the_only_slot, second) <= 30.0


async def test_wait_time_adds_up_the_time_spent_waiting() -> None:
    # One call admitted at once waits ~0 s; one that waits for the token in use waits
    # about as long as the token cools (here 0.1 s after it comes back).
    governor = Governor(SlidingWindowBudget(1, 0.1), LocalConcurrencyCap(2))
    async with governor.call():
        pass
    assert governor.statistics().wait_time < 0.05
    with anyio.fail_after(5):
        async with governor.call():
            pass
    assert 0.05 < governor.statistics().wait_time < 1.0


async def test_a_slot_held_until_a_time_is_free_at_that_time() -> None:
    cap = LocalConcurrencyCap(1)
    slot: Any = cap.slot()
    await slot.__aenter__()
    until = anyio.current_time() + 3600
    await slot.hold(until)
    assert cap._take(until - 1e-6, 1) == until  # still held: look again at `until`
    assert cap._take(until, 1) is None  # at `until` it is free, and taken
    assert cap.statistics().in_use == 1


async def test_a_newcomer_queues_behind_a_waiter_woken_but_not_yet_run() -> None:
    # The slot is given back and the waiter woken; before it runs, a newcomer of the
    # same level asks: it must not take the slot from the waiter ahead of it.
    cap = LocalConcurrencyCap(1)
    order: list[str] = []
    first: Any = cap.slot()
    await first.__aenter__()

    async def waiter() -> None:
        async with cap.slot():
            order.append("waiter")

    async with task_group() as tg:
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()  # in line
        await first.__aexit__(None, None, None)  # frees the slot, wakes the waiter
        with anyio.fail_after(5):
            async with cap.slot():  # no checkpoint before this asks
                order.append("newcomer")
    assert order == ["waiter", "newcomer"]
