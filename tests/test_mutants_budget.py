"""The budget's pause and snapshot (issue 17's regression list)."""

from __future__ import annotations

from types import SimpleNamespace

import anyio
import pytest

from ongage_async import _budget as budget_module
from ongage_async._budget import BudgetStatistics
from ongage_async.governor import Governor, SlidingWindowBudget

from .helpers import task_group


async def test_a_later_shorter_pause_never_cuts_a_longer_one_short() -> None:
    budget = SlidingWindowBudget(10, 1.0)
    await budget.pause(10.0)
    await budget.pause(0.5)
    assert 9.0 < budget.statistics().paused_for <= 10.0
    await budget.pause(20.0)  # a longer one does extend it
    assert 19.0 < budget.statistics().paused_for <= 20.0


async def test_a_call_waits_out_the_longest_of_two_pauses() -> None:
    governor = Governor.local(rate_limit=10, rate_period=1.0, max_concurrency=2)
    paused_at = anyio.current_time()
    await governor.record_rate_limit(0.3)
    await governor.record_rate_limit(0.01)
    with anyio.fail_after(5):
        async with governor.call():
            started = anyio.current_time()
    assert started - paused_at >= 0.3 - 0.005
    assert governor.statistics().rate_limited == 2


async def test_the_snapshot_counts_cooled_tokens_as_available() -> None:
    budget = SlidingWindowBudget(3, 0.01)
    for _ in range(3):
        async with budget.spend():
            pass
    assert budget.statistics().available == 0  # all three still cool
    await anyio.sleep(0.05)  # past the 0.01 s period: the tokens have cooled
    snapshot = budget.statistics()
    assert (snapshot.available, snapshot.in_use, snapshot.next_free_in) == (3, 0, 0.0)


async def test_a_deadline_call_is_not_refused_when_cooled_tokens_are_free() -> None:
    governor = Governor.local(rate_limit=2, rate_period=0.01, max_concurrency=2)
    for _ in range(2):
        async with governor.call():
            pass
    await anyio.sleep(0.05)
    stats = governor.statistics()
    assert stats.budget.available == 2
    assert stats.budget.next_free_in == 0.0


async def test_a_caller_waiting_for_a_token_in_flight_wakes_when_it_comes_back() -> None:
    # The only token is held by a call in flight: no timer can wake the next caller,
    # only the token's return (and its short cooling) can.
    budget = SlidingWindowBudget(1, 0.01)
    release, second_in = anyio.Event(), anyio.Event()

    async def first() -> None:
        async with budget.spend():
            await release.wait()

    async def second() -> None:
        async with budget.spend():
            second_in.set()

    async with task_group(within=5) as tg:
        tg.start_soon(first)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        assert not second_in.is_set()
        release.set()
        await second_in.wait()


# -- the budget's arithmetic, on a clock the test moves ---------------------------------
# These call the budget's synchronous parts at chosen times: a wrong wake-up time or a
# token counted twice shows as a number here, where a test on a real clock sees only a
# call that starts a little early or late.


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(budget_module, "anyio", SimpleNamespace(current_time=clock))
    return clock


def test_the_snapshots_reserved_defaults_to_none_kept() -> None:
    # A custom RateBudget may build a snapshot without the reserve: it keeps nothing.
    assert BudgetStatistics(10, 1.0, 10, 0, None, 0.0).reserved == 0


@pytest.mark.parametrize("reserve", [10, 11, -1, True, 1.5, "2"])
def test_a_reserve_is_an_int_below_the_limit(reserve: object) -> None:
    with pytest.raises(ValueError, match="reserve must be an int"):
        SlidingWindowBudget(10, 1.0, reserve=reserve)  # type: ignore[arg-type]
    assert SlidingWindowBudget(10, 1.0, reserve=9).reserve == 9


def test_paced_low_calls_never_start_two_at_one_instant(clock: Clock) -> None:
    budget = SlidingWindowBudget(4, 1.0, pace_low=True)  # one low call every 0.25 s
    assert budget._take(0.0, 2) is None
    # Exactly one interval late: the schedule starts afresh from now, so the next low
    # call waits a whole interval, not 0 s.
    assert budget._take(0.5, 2) is None
    assert budget._take(0.5, 2) == 0.75
    # Less than an interval late: the schedule is kept (delays do not add up).
    assert budget._take(0.8, 2) is None
    assert budget._take(0.9, 2) == 1.0


def test_a_high_caller_without_a_token_looks_again_when_a_high_token_cools() -> None:
    budget = SlidingWindowBudget(1, 1.0)
    assert budget._take(0.0, 0) is None
    budget._give_back(0.5, 0)  # the only token cools in the high lane until 1.5
    assert budget._take(1.0, 0) == 1.5
    assert budget._take(1.5, 0) is None


def test_others_look_again_at_the_first_token_of_high_calls_past_their_lane() -> None:
    budget = SlidingWindowBudget(2, 1.0, reserve=1)
    for _ in range(2):  # high calls take both tokens: one past their lane of 1
        assert budget._take(0.0, 0) is None
    budget._give_back(0.25, 0)
    budget._give_back(0.5, 0)
    # Either high token cooling frees one for all: the first, at 1.25.
    assert budget._take(1.0, 1) == 1.25


def test_others_wait_for_their_own_tokens_while_high_calls_are_within_their_lane() -> None:
    budget = SlidingWindowBudget(3, 1.0, reserve=1)
    assert budget._take(0.0, 0) is None  # the lane's token, cooling until 1.0
    assert budget._take(0.0, 1) is None
    assert budget._take(0.0, 1) is None
    budget._give_back(0.0, 0)
    budget._give_back(0.25, 1)
    budget._give_back(0.5, 1)
    # The high token cooling at 1.0 refills the lane, not the others' share: a normal
    # call looks again when the first of its own cools, at 1.25.
    assert budget._take(0.75, 1) == 1.25
    assert budget._take(1.0, 1) == 1.25
    assert budget._take(1.25, 1) is None


def test_others_leave_the_unused_lane_free_and_count_what_is_free() -> None:
    budget = SlidingWindowBudget(4, 1.0, reserve=2)
    assert budget._take(0.0, 1) is None
    assert budget._take(0.0, 1) is None
    budget._give_back(0.0, 1)
    budget._give_back(0.25, 1)
    # 2 free, 2 kept for high calls: the next normal call needs one of its own back.
    assert budget._take(0.5, 1) == 1.0
    assert budget._take(0.5, 0) is None  # a high call takes from its lane at once


def test_a_token_given_back_on_a_clock_that_stepped_back_cools_in_order() -> None:
    budget = SlidingWindowBudget(3, 1.0)
    for _ in range(3):
        assert budget._take(0.0, 1) is None
    budget._give_back(10.0, 1)
    budget._give_back(12.0, 1)
    budget._give_back(11.0, 1)  # a clock that stepped back
    budget._collect(12.5)
    assert budget._free == 2  # the tokens of 10.0 and 11.0 have cooled, none lost
    budget._collect(13.0)
    assert budget._free == 3


async def test_shifting_the_clock_moves_every_stored_time(clock: Clock) -> None:
    budget = SlidingWindowBudget(2, 1.0, pace_low=True)
    assert budget._take(0.0, 2) is None  # the next low call is due at 0.5
    assert budget._take(0.0, 0) is None
    budget._give_back(0.0, 0)
    budget._give_back(0.0, 1)
    clock.now = 0.0
    await budget.pause(2.0)
    budget.shift_clock(10.0)
    assert budget._take(11.5, 1) == 12.0  # the pause moved to 12.0
    assert budget._take(12.0, 2) is None  # the tokens moved to 11.0
    assert budget._take(12.0, 2) == 12.5  # the next low slot is 0.5 later
    budget.shift_clock(-10.0)
    assert budget._take(2.0, 2) == 2.5


def test_earliest_counts_tokens_cooled_since_the_last_look(clock: Clock) -> None:
    budget = SlidingWindowBudget(2, 1.0)
    assert budget._take(0.0, 0) is None
    assert budget._take(0.0, 1) is None
    budget._give_back(0.0, 0)  # cools at 1.0
    budget._give_back(0.5, 1)  # cools at 1.5
    clock.now = 1.0
    assert budget.earliest("normal") == 0.0
    assert budget.earliest("high") == 0.0


async def test_earliest_is_when_a_cooling_token_comes_back(clock: Clock) -> None:
    budget = SlidingWindowBudget(1, 1.0)
    assert budget._take(0.0, 1) is None
    clock.now = 0.25
    assert budget.earliest("normal") == 1.0  # in flight: at least a period from now
    budget._give_back(0.25, 1)
    clock.now = 0.5
    assert budget.earliest("normal") == 0.75
    assert budget.earliest("high") == 0.75
    clock.now = 0.25
    await budget.pause(2.0)
    assert budget.earliest("normal") == 2.0


def test_the_snapshot_says_when_the_first_token_comes_back(clock: Clock) -> None:
    budget = SlidingWindowBudget(2, 1.0)
    assert budget._take(0.0, 0) is None
    assert budget._take(0.0, 1) is None
    clock.now = 0.25
    assert budget.statistics().next_free_in is None  # every token in flight: nobody knows
    budget._give_back(0.5, 1)  # cools at 1.5
    budget._give_back(0.75, 0)  # cools at 1.75
    clock.now = 1.0
    snapshot = budget.statistics()
    assert (snapshot.available, snapshot.in_use, snapshot.next_free_in) == (0, 0, 0.5)


def test_shifting_the_clock_moves_both_lanes_tokens() -> None:
    budget = SlidingWindowBudget(2, 1.0)
    assert budget._take(0.0, 0) is None
    assert budget._take(0.0, 1) is None
    budget._give_back(0.0, 0)
    budget._give_back(0.0, 1)
    budget.shift_clock(10.0)
    assert budget._take(10.5, 0) == 11.0  # both tokens cool until 11.0 now
    assert budget._take(11.0, 0) is None
    assert budget._take(11.0, 1) is None


def test_high_calls_in_flight_count_against_their_lane() -> None:
    budget = SlidingWindowBudget(3, 1.0, reserve=1)
    assert budget._take(0.0, 0) is None  # high, in flight
    assert budget._take(0.0, 0) is None  # high, given back: cools until 1.0
    assert budget._take(0.0, 1) is None  # normal, given back: cools until 1.25
    budget._give_back(0.0, 0)
    budget._give_back(0.25, 1)
    # High calls use two tokens, past their lane of 1: the first of theirs to cool
    # frees one for all.
    assert budget._take(0.5, 1) == 1.0


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_a_budgets_limit_is_a_positive_int(limit: object) -> None:
    with pytest.raises(ValueError, match="limit must be a positive int"):
        SlidingWindowBudget(limit, 1.0)  # type: ignore[arg-type]
    assert SlidingWindowBudget(1, 1.0).limit == 1
