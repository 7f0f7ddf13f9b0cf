"""Deadlines: a whole call (budget wait, attempts, back-offs) bounded; refused at once
when the budget cannot free up in time."""

from __future__ import annotations

import pytest

from ongage_async import (
    BudgetExhaustedError,
    ConfigurationError,
    DeadlineExceededError,
    InvalidArgumentError,
    RetryPolicy,
    ServerError,
)
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

from .test_retry import Sleeps


async def test_a_spent_budget_fails_at_once_with_when_it_frees_up() -> None:
    sandbox = Sandbox(SandboxConfig(rate_limit=2, rate_period=3600))
    async with sandbox.client() as client:
        for _ in range(2):
            await client.lists.get(sandbox.config.default_list_id)
        web = client.with_options(deadline=2.0)
        with pytest.raises(BudgetExhaustedError) as caught:
            await web.lists.get(sandbox.config.default_list_id)
        assert caught.value.retry_after > 3000  # about an hour: one rate period
        assert isinstance(caught.value, TimeoutError)
        assert client.governor.statistics().waiting == 0
    assert len(sandbox.recorder.calls) == 2  # nothing was sent


async def test_a_pause_longer_than_the_deadline_fails_at_once() -> None:
    sandbox = Sandbox()
    async with sandbox.client(deadline=1.0) as client:
        await client.governor.record_rate_limit(600)
        with pytest.raises(BudgetExhaustedError) as caught:
            await client.lists.get(sandbox.config.default_list_id)
    assert caught.value.retry_after > 500


async def test_a_slow_answer_past_the_deadline() -> None:
    sandbox = Sandbox(SandboxConfig(latency=(0.5, 0.5)))
    async with sandbox.client() as client:
        with pytest.raises(DeadlineExceededError):
            await client.request("GET", "/api/lists", list_scoped=False, deadline=0.05)
        assert client.governor.statistics().in_flight == 0


async def test_no_back_off_past_the_deadline() -> None:
    sandbox = Sandbox(SandboxConfig(faults=FaultPlan(script=(Fault("server_error"),))))
    sleeps = Sleeps()
    policy = RetryPolicy(base_delay=60.0)  # Ongage's minute: far past a web deadline
    async with sandbox.client(retry=policy, sleep=sleeps, deadline=5.0) as client:
        with pytest.raises(ServerError):
            await client.lists.get(sandbox.config.default_list_id)
    assert sleeps.delays == []  # the caller hears the 500 now, not in a minute


async def test_without_a_deadline_a_back_off_is_waited_out() -> None:
    sandbox = Sandbox(SandboxConfig(faults=FaultPlan(script=(Fault("server_error"),))))
    sleeps = Sleeps()
    async with sandbox.client(retry=RetryPolicy(base_delay=60.0, jitter=0), sleep=sleeps) as c:
        await c.lists.get(sandbox.config.default_list_id)
    assert sleeps.delays == [60.0]


@pytest.mark.parametrize("bad", [0, -1, "soon", True])
async def test_bad_deadlines(bad: object) -> None:
    sandbox = Sandbox()
    with pytest.raises(ConfigurationError):
        sandbox.client(deadline=bad)
    async with sandbox.client() as client:
        with pytest.raises(InvalidArgumentError):
            await client.request("GET", "/api/lists", deadline=bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            client.with_options(deadline=bad)  # type: ignore[arg-type]
    assert sandbox.recorder.calls == []
