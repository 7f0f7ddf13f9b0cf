"""End to end over real HTTP on 127.0.0.1: the sandbox served by uvicorn."""

from __future__ import annotations

import os
from collections.abc import Iterator

import anyio
import pytest

from ongage_async import APIConnectionError, APITimeoutError, OngageClient, RetryPolicy
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig, serve_in_subprocess

pytestmark = pytest.mark.http


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(SandboxConfig(rate_limit=40, rate_period=0.3, latency=(0.002, 0.01)))
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


async def test_plain_client_over_http(served: tuple[Sandbox, str]) -> None:
    sandbox, base_url = served
    async with OngageClient(**sandbox.client_settings(), base_url=base_url) as client:
        created = await client.lists.create(name="over http", type="sending")
        assert (await client.lists.get(created.id)).name == "over http"
        result = await client.request(
            "POST", "/api/v2/contacts", list_id=created.id, json=[{"email": "a@example.com"}]
        )
    assert result["created"] == 1


async def test_governor_holds_the_limits_over_http(served: tuple[Sandbox, str]) -> None:
    sandbox, base_url = served
    client = OngageClient(
        **sandbox.client_settings(), base_url=base_url, rate_limit=40, rate_period=0.3
    )
    async with client, anyio.create_task_group() as tg:
        for _ in range(150):
            tg.start_soon(client.lists.get, sandbox.config.default_list_id)
    recorder = sandbox.recorder
    assert (len(recorder.calls), recorder.rejected_429) == (150, 0)
    assert recorder.peak_in_flight <= 10
    assert recorder.most_in_any_window(0.3) <= 40


@pytest.fixture
def faulty_server() -> Iterator[tuple[Sandbox, str]]:
    plan = FaultPlan(script=(Fault("slow", delay=0.6), Fault("drop"), Fault("drop")))
    sandbox = Sandbox(SandboxConfig(faults=plan, seed_lists=[{"id": 500, "name": "m"}]))
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


async def test_timeouts_and_dropped_connections_over_http(
    faulty_server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = faulty_server
    client = OngageClient(
        **sandbox.client_settings(),
        base_url=base_url,
        timeout=0.2,
        retry=RetryPolicy(max_retries=2, base_delay=0.001, jitter=0),
    )
    body = {"message_id": 1, "recipients": ["a@example.com"]}
    async with client:
        with pytest.raises(APITimeoutError):  # slow answer, non-idempotent: not repeated
            await client.request("POST", "/api/transactional/send", json=body, list_id=500)
        with pytest.raises(APIConnectionError):  # dropped, non-idempotent: not repeated
            await client.request("POST", "/api/transactional/send", json=body, list_id=500)
        # An idempotent GET survives a dropped connection by retrying.
        assert (await client.lists.get(500)).name == "m"
    assert client.governor.statistics().in_flight == 0


def test_python_m_sandbox_prints_url_and_credentials_and_serves() -> None:
    env = {
        **os.environ,
        "ONGAGE_USERNAME": "alice",
        "ONGAGE_PASSWORD": "pw-1",
        "ONGAGE_ACCOUNT_CODE": "ACME",
    }
    options = ["--rate-limit", "50", "--rate-period", "1", "--max-concurrency", "5"]
    with serve_in_subprocess(*options, env=env) as process:
        assert process.base_url.startswith("http://127.0.0.1:")
        # Values from the environment may be a real account's: named, never printed.
        assert "  ONGAGE_USERNAME: as set in your environment (not shown)" in process.banner
        assert not any("pw-1" in line for line in process.banner)
        assert "50 calls / 1 s, 5 in flight" in process.banner[5]

        async def use() -> int:
            async with OngageClient("alice", "pw-1", "ACME", base_url=process.base_url) as client:
                return len(await client.lists.list())

        assert anyio.run(use) == 1


async def test_bulk_upsert_with_big_bodies_over_http_draws_no_429() -> None:
    # Large POSTs are counted by the server only once their whole body has arrived;
    # the budget's tokens cool from each answer, so they fit the window all the same.
    sandbox = Sandbox(SandboxConfig(rate_limit=8, rate_period=0.25, latency=(0.002, 0.01)))
    rows = ({"email": f"big{n}@example.com", "fields": {"bio": "x" * 2000}} for n in range(3000))
    with sandbox.serve(log_level="critical") as base_url:
        client = OngageClient(
            **sandbox.client_settings(), base_url=base_url, rate_limit=8, rate_period=0.25
        )
        async with client:
            result = await client.contacts.upsert_many(rows, chunk_size=100)
    assert result.created == 3000 and result.calls == 30
    assert sandbox.recorder.rejected_429 == 0
    assert sandbox.recorder.most_in_any_window(0.25) <= 8
