"""The fault matrix: every kind of failure, in process and over HTTP.

For each fault: a call succeeds or raises a documented error; a bulk run accounts for
every contact; no transactional e-mail is sent twice; nothing is left in flight.  Under
both governors: the in-process one and a ``RedisGovernor`` (asyncio only).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from ongage_async import APIConnectionError, APIError, OngageClient, OngageError
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

from .helpers import Governors, fast_retry

KINDS = [
    Fault("rate_limit", probability=0.3),
    Fault("server_error", probability=0.3, status=500),
    Fault("server_error", probability=0.3, status=503),
    Fault("server_error", probability=0.3, status=504),
    Fault("html_error", probability=0.3, status=502),
    Fault("html_error", probability=0.3, status=504),
    Fault("slow", probability=0.2, delay=0.3),
    Fault("drop", probability=0.3),
    Fault("truncated", probability=0.3),
    Fault("lost_answer", probability=0.3),
]
POLICY = fast_retry(max_retries=4, max_delay=0.005)
# 340 calls per case through a fault, over HTTP too; "slow" waits out 0.3 s delays: up
# to 2.5 s, more under coverage.
pytestmark = pytest.mark.timeout(20)


def fault_id(fault: Fault) -> str:
    return f"{fault.kind}-{fault.status or ''}".rstrip("-")


@pytest.fixture
def fault(request: pytest.FixtureRequest) -> Fault:
    """The fault of the case (the test parametrizes it indirectly)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["in-process", "http"])
async def faulty(
    request: pytest.FixtureRequest, governors: Governors, fault: Fault
) -> AsyncIterator[tuple[Sandbox, OngageClient]]:
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=5000,
            rate_period=0.05,
            seed=11,
            faults=FaultPlan(rules=(fault,)),
            seed_lists=[{"id": 500, "name": "main"}],
        )
    )
    # A timeout shorter than the slow fault, so "slow" really times out.
    governor = governors(rate_limit=5000, rate_period=0.05, max_concurrency=10)
    options = {"retry": POLICY, "timeout": 0.1, "list_id": 500, "governor": governor}
    if request.param == "in-process":
        async with sandbox.client(**options) as client:
            yield sandbox, client
        return
    with sandbox.serve(log_level="critical") as base_url:
        client = OngageClient(
            **sandbox.client_settings(),
            base_url=base_url,
            **options,
        )
        async with client:
            yield sandbox, client


@pytest.mark.parametrize("fault", KINDS, ids=fault_id, indirect=True)
async def test_fault_matrix(fault: Fault, faulty: tuple[Sandbox, OngageClient]) -> None:
    sandbox, client = faulty
    # 1. Idempotent reads: succeed, or raise a documented error.
    outcomes = {"ok": 0, "error": 0}
    for _ in range(20):
        try:
            await client.lists.get(500)
            outcomes["ok"] += 1
        except (APIError, APIConnectionError):
            outcomes["error"] += 1
    # Each fault hits 30 % of the calls (slow: 20 %) and a read gets 5 attempts: all 5
    # fail for about one read in 400, so every read here must come through.
    assert outcomes == {"ok": 20, "error": 0}

    # 2. Sends: never twice, whatever the fault.
    for n in range(20):
        with contextlib.suppress(OngageError):
            await client.transactional.send(1, [f"r{n}@example.com"])
    assert sandbox.recorder.duplicate_sends() == {}

    # 3. Bulk: every contact accounted for.
    rows = [{"email": f"c{n}@example.com"} for n in range(300)]
    result = await client.contacts.upsert_many(rows, chunk_size=25)
    assert result.accounted == result.total == 300
    stored = sandbox.store.contacts[500]
    if fault.kind != "slow":  # a timed-out chunk may still land after we gave up on it
        assert result.created + result.updated <= len(stored)

    # 4. Nothing left in flight, on either side.
    assert client.governor.statistics().in_flight == 0
