"""The sandbox's layers run in the order ``sandbox/_app.py`` draws.

Outermost first: exchange -> auth -> recorder read-out -> limits -> faults -> body limit
-> router.  Each test below fails if two neighbouring layers it names are swapped.
"""

from __future__ import annotations

import anyio
import httpx

from ongage_async.sandbox import Fault, FaultPlan, RecorderStatistics, Sandbox, SandboxConfig

from .helpers import task_group
from .sandbox_helpers import raw_client

WRONG = {"X_PASSWORD": "wrong"}


def test_the_stack_is_built_outermost_first() -> None:
    names = []
    app: object = Sandbox().app.stack
    while app is not None:
        names.append(type(app).__name__)
        app = getattr(app, "app", None)
    assert names == [
        "ExchangeLayer",
        "AuthLayer",
        "RecorderReadout",
        "LimitsLayer",
        "FaultLayer",
        "BodyLimitLayer",
        "Router",
    ]


async def test_a_401_is_recorded_and_never_counts_against_the_limits() -> None:
    # exchange outside auth: the 401 is recorded; auth outside limits: it is not counted.
    sandbox = Sandbox(rate_limit=1, rate_period=60, clock=lambda: 0.0)
    async with raw_client(sandbox) as http:
        refused = [await http.get("/api/lists", headers=WRONG) for _ in range(3)]
        admitted = await http.get("/api/lists")
    assert [r.status_code for r in refused] == [401, 401, 401]
    assert admitted.status_code == 200
    assert [(c.status, c.fault) for c in sandbox.recorder.calls] == [(401, None)] * 3 + [
        (200, None)
    ]
    assert all(c.list_id is None for c in sandbox.recorder.calls[:3])
    assert sandbox.recorder.rejected_429 == 0


async def test_the_recorder_read_out_needs_auth_but_is_neither_counted_nor_recorded() -> None:
    # auth outside the read-out: refused without credentials; the read-out outside the
    # limits: read any number of times at a limit of one call; inside the exchange layer,
    # which it tells not to record it.
    sandbox = Sandbox(rate_limit=1, rate_period=60, clock=lambda: 0.0)
    async with raw_client(sandbox) as http:
        refused = await http.get("/_sandbox/recorder", headers=WRONG)
        readings = [await http.get("/_sandbox/recorder") for _ in range(3)]
        admitted = await http.get("/api/lists")
    assert refused.status_code == 401
    assert [r.status_code for r in readings] == [200, 200, 200]
    assert readings[-1].json()["calls"] == 1  # the 401 only
    assert admitted.status_code == 200
    assert [c.status for c in sandbox.recorder.calls] == [401, 200]
    # Over HTTP and in process: the same figures, one type.
    assert RecorderStatistics(**readings[-1].json()) == RecorderStatistics(
        calls=1,
        rejected_429=0,
        peak_in_flight=0,
        most_in_any_window=1,
        contact_writes=0,
        transactional_sends=0,
        duplicate_sends={},
        mailing_launches=0,
    )
    after = sandbox.recorder.statistics(60)
    assert (after.calls, after.most_in_any_window, after.peak_in_flight) == (2, 2, 1)


async def test_a_call_over_the_limits_draws_no_fault_and_reaches_no_route() -> None:
    # limits outside faults: the refused call does not use up the script's fault;
    # limits outside the body limit and the router: a 429, not a 413, and nothing done.
    now = [0.0]
    config = SandboxConfig(
        rate_limit=1,
        rate_period=60,
        max_body_bytes=64,
        faults=FaultPlan(script=(None, Fault("server_error"))),
    )
    sandbox = Sandbox(config, clock=lambda: now[0])
    lists_before = len(sandbox.store.lists)
    async with raw_client(sandbox) as http:
        first = await http.get("/api/lists")
        over = await http.post("/api/lists", json={"name": "x" * 100})
        now[0] = 61.0
        faulted = await http.get("/api/lists")
    assert first.status_code == 200
    assert over.status_code == 429
    assert over.json()["payload"]["message"] == "Calls per minute exceeded"
    assert faulted.status_code == 500  # the script's second entry, kept for the next call
    assert len(sandbox.store.lists) == lists_before
    calls = sandbox.recorder.calls
    assert [(c.status, c.fault, c.list_id) for c in calls[1:]] == [
        (429, "limit", None),
        (500, "server_error", None),
    ]
    assert sandbox.recorder.rejected_429 == 1


async def test_a_fault_answers_before_the_body_limit_and_spoils_its_413() -> None:
    # faults outside the body limit: a fault that does nothing answers an oversized call
    # (500, not 413); a fault that does the work spoils the 413 the call gets back.
    config = SandboxConfig(
        max_body_bytes=8,
        faults=FaultPlan(script=(Fault("server_error"), Fault("truncated"))),
    )
    sandbox = Sandbox(config)
    async with raw_client(sandbox) as http:
        failed = await http.post("/api/nowhere", content=b"x" * 100)
        cut = await http.post("/api/nowhere", content=b"x" * 100)
    assert failed.status_code == 500
    assert failed.json()["payload"]["message"] == "Internal Server Error"
    assert cut.status_code == 413
    whole = b'{"metadata": {"error": true, "type": "http"}, "links": [], "payload": {"code": 413'
    assert whole.startswith(cut.content)
    assert [(c.status, c.fault) for c in sandbox.recorder.calls] == [
        (500, "server_error"),
        (413, "truncated"),
    ]


async def test_a_faulted_call_is_in_flight_until_its_spoiled_answer_is_written() -> None:
    # faults inside the limits: the slow fault's wait holds the call's in-flight slot.
    config = SandboxConfig(max_concurrency=1, faults=FaultPlan(script=(Fault("slow", delay=0.3),)))
    sandbox = Sandbox(config)
    answers: list[httpx.Response] = []
    async with raw_client(sandbox) as http, task_group() as tg:

        async def slow_call() -> None:
            answers.append(await http.get("/api/lists"))

        tg.start_soon(slow_call)
        await anyio.wait_all_tasks_blocked()  # the slow call is in its wait, admitted
        assert sandbox.app.limits.in_flight == 1
        refused = await http.get("/api/lists")
    assert refused.status_code == 429
    assert refused.json()["payload"]["message"] == "Too many API calls running in parallel"
    assert [a.status_code for a in answers] == [200]
    assert [(c.status, c.fault) for c in sandbox.recorder.calls] == [(429, "limit"), (200, "slow")]
    assert sandbox.app.limits.in_flight == 0
