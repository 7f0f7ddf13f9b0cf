"""Retry rules: 429 always, 5xx and lost answers only when a repeat is harmless."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from ongage_async import (
    APIConnectionError,
    InvalidResponseError,
    OngageClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

from .helpers import creds, task_group

POLICY = RetryPolicy(max_retries=3, base_delay=0.01, multiplier=2, max_delay=1.0, jitter=0)


class Sleeps:
    """An injected back-off sleep: records each delay, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await anyio.lowlevel.checkpoint()


def faulty(*script: Fault | None, **config: Any) -> Sandbox:
    config.setdefault("rate_period", 0.05)
    config.setdefault("rate_limit", 1000)
    sandbox = Sandbox(SandboxConfig(faults=FaultPlan(script=script), **config))
    sandbox.store.add_list(id=500, name="main")
    return sandbox


def send_body() -> dict[str, Any]:
    return {"message_id": 1, "recipients": ["a@example.com"]}


def test_schedule_is_ongages_advice() -> None:
    policy = RetryPolicy(jitter=0)
    assert [policy.delay(n) for n in range(5)] == [60, 120, 240, 480, 960]
    assert policy.delay(9) == 960


def test_jitter_only_adds_and_retry_after_is_capped() -> None:
    policy = RetryPolicy()
    for n in range(4):
        assert 60 * 2**n <= policy.delay(n) <= 60 * 2**n * 1.1
    assert policy.delay(0, retry_after=5) == 5
    assert policy.delay(0, retry_after=5000) == 960


@pytest.mark.parametrize("bad", [{"max_retries": -1}, {"base_delay": -1}, {"jitter": float("nan")}])
def test_policy_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RetryPolicy(**bad)  # type: ignore[arg-type]


async def test_429_is_retried_even_for_a_send() -> None:
    sandbox = faulty(Fault("rate_limit"))
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        result = await client.request(
            "POST", "/api/transactional/send", json=send_body(), list_id=500
        )
    assert result["success"] == 1
    assert sleeps.delays == [0.01]
    assert sandbox.recorder.transactional_sends["a@example.com"] == 1
    stats = client.governor.statistics()
    assert (stats.rate_limited, stats.retries, stats.calls_started) == (1, 1, 2)


async def test_429_retries_run_out_into_rate_limit_error() -> None:
    sandbox = faulty(*[Fault("rate_limit")] * 5)
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.lists.get(500)
    assert caught.value.status == 429
    assert caught.value.message == "Calls per minute exceeded"
    assert sleeps.delays == [0.01, 0.02, 0.04]


@pytest.mark.parametrize("kind", ["server_error", "html_error", "truncated", "drop"])
async def test_idempotent_calls_are_retried_after_any_transient_fault(kind: str) -> None:
    sandbox = faulty(Fault(kind))  # type: ignore[arg-type]
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        found = await client.lists.get(500)
    assert found.name == "main"
    assert len(sleeps.delays) == 1


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("server_error", ServerError),
        ("lost_answer", ServerError),
        ("truncated", InvalidResponseError),
        ("drop", APIConnectionError),
    ],
)
async def test_a_send_is_never_repeated_after_an_ambiguous_failure(
    kind: str, error: type[Exception]
) -> None:
    sandbox = faulty(Fault(kind))  # type: ignore[arg-type]
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(error):
            await client.request("POST", "/api/transactional/send", json=send_body(), list_id=500)
    assert sleeps.delays == []
    done = kind in ("lost_answer", "truncated", "drop")
    assert sandbox.recorder.transactional_sends["a@example.com"] == (1 if done else 0)
    assert sandbox.recorder.duplicate_sends() == {}


async def test_idempotent_true_opts_a_post_into_retries() -> None:
    sandbox = faulty(Fault("lost_answer"))
    async with sandbox.client(retry=POLICY, sleep=Sleeps()) as client:
        await client.request(
            "POST", "/api/transactional/send", json=send_body(), list_id=500, idempotent=True
        )
    # The caller said a repeat is harmless, so it was repeated: two e-mails.
    assert sandbox.recorder.transactional_sends["a@example.com"] == 2


async def test_retry_false_turns_retries_off() -> None:
    sandbox = faulty(Fault("rate_limit"))
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists/500", list_scoped=False, retry=False)
        assert client.governor.statistics().rate_limited == 1
        view = client.with_options(retry=False)
        sandbox.app._faults.plan = FaultPlan(script=(Fault("server_error"),))
        sandbox.app._faults.position = 0
        with pytest.raises(ServerError):
            await view.lists.get(500)
    assert sleeps.delays == []


async def test_a_connection_never_made_is_retried_even_for_a_send() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"metadata": {"error": False}, "payload": {"ok": 1}})

    client = OngageClient(
        **creds(transport=httpx.MockTransport(handler), retry=POLICY, sleep=Sleeps())
    )
    async with client:
        assert await client.request("POST", "/api/transactional/send", json={}) == {"ok": 1}
    assert attempts == 2


async def test_retry_after_header_is_honoured_and_pauses_the_governor() -> None:
    answers = [
        httpx.Response(
            429,
            headers={"Retry-After": "0.05"},
            json={
                "metadata": {"error": True},
                "payload": {"code": 429, "message": "Calls per minute exceeded"},
            },
        ),
        httpx.Response(200, json={"metadata": {"error": False}, "payload": []}),
    ]
    sleeps = Sleeps()
    client = OngageClient(
        **creds(transport=httpx.MockTransport(lambda r: answers.pop(0)), retry=POLICY, sleep=sleeps)
    )
    async with client:
        before = anyio.current_time()
        with anyio.fail_after(5):  # the default pause (one rate period) is a minute
            await client.request("GET", "/api/lists")
        waited = anyio.current_time() - before
    assert sleeps.delays == [0.05]
    assert 0.045 <= waited < 1.0  # the governor paused for Retry-After, not the default minute


async def test_back_off_holds_no_in_flight_slot() -> None:
    sandbox = faulty(Fault("server_error"), max_concurrency=1)
    in_back_off, resume = anyio.Event(), anyio.Event()

    async def sleep(seconds: float) -> None:
        in_back_off.set()
        await resume.wait()

    async with sandbox.client(retry=POLICY, sleep=sleep, max_concurrency=1) as client:
        async with task_group() as tg:
            tg.start_soon(client.lists.get, 500)
            await in_back_off.wait()
            # The only slot is free while the first call sleeps: another call runs.
            assert (await client.lists.get(500)).name == "main"
            resume.set()
    assert client.governor.statistics().in_flight == 0


async def test_a_failure_that_is_no_api_error_is_never_retried() -> None:
    # A bug in a transport (or anything that is neither an answer nor a lost one) says
    # nothing about whether a repeat would work: it goes up at once, with no back-off.
    attempts: list[httpx.Request] = []

    def broken(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise RuntimeError("a bug in the transport")

    sleeps = Sleeps()
    client = OngageClient(
        **creds(), transport=httpx.MockTransport(broken), retry=POLICY, sleep=sleeps
    )
    async with client:
        with pytest.raises(RuntimeError, match="a bug in the transport"):
            await client.lists.get(5)  # a GET: every answer-shaped failure would be retried
    assert len(attempts) == 1 and sleeps.delays == []


async def test_a_write_refused_after_a_429_is_not_called_ambiguous() -> None:
    # A 429 is a refusal before anything was done: a repeat's 404 is a plain 404, not
    # "the first attempt may have made this change".
    from ongage_async import AmbiguousOutcomeError, NotFoundError

    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "0"}, json={"payload": {}}),
            httpx.Response(404, json={"payload": {"code": 404, "message": "no contact"}}),
        ]
    )
    client = OngageClient(
        **creds(),
        transport=httpx.MockTransport(lambda request: next(answers)),
        retry=POLICY,
        sleep=Sleeps(),
    )
    async with client:
        with pytest.raises(NotFoundError) as caught:
            await client.contacts.change_email("a@example.com", "b@example.com")
    assert not isinstance(caught.value, AmbiguousOutcomeError)


async def test_retry_hooks_hear_each_retry_and_cannot_break_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ongage_async.middleware import RetryEvent

    answers = iter(
        [
            httpx.Response(503, json={"payload": {"message": "busy"}}),
            httpx.Response(429, headers={"Retry-After": "0"}, json={"payload": {}}),
            httpx.Response(200, json={"payload": {"id": "5", "name": "n"}}),
        ]
    )
    heard: list[RetryEvent] = []

    def broken(event: RetryEvent) -> None:
        raise RuntimeError("a monitoring bug")

    client = OngageClient(
        **creds(),
        transport=httpx.MockTransport(lambda request: next(answers)),
        retry=POLICY,
        sleep=Sleeps(),
        on_retry=[heard.append, broken],
    )
    async with client:
        found = await client.lists.get(5)
        stats = client.governor.statistics()
    assert found.id == "5"
    assert [(e.method, e.path, e.attempt, e.connection) for e in heard] == [
        ("GET", "/api/lists/5", 1, False),
        ("GET", "/api/lists/5", 2, False),
    ]
    assert isinstance(heard[0].error, ServerError) and isinstance(heard[1].error, RateLimitError)
    assert (
        heard[0].give_up_note.startswith("; if every attempt fails") and not heard[1].give_up_note
    )
    assert stats.retries == 2  # the governor is one more subscriber
    assert "a retry hook failed" in caplog.text
    assert sum("retrying in" in r.getMessage() for r in caplog.records) == 2  # the log hook
