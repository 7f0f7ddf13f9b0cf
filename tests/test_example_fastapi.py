"""examples/fastapi_app.py against the sandbox: handlers, error mapping, shared governor."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

pytest.importorskip("fastapi")

from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import load_example


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # FastAPI/Starlette's own test setup; the SDK itself runs on both


async def serve(sandbox: Sandbox, requests: Any, with_app: bool = False) -> Any:
    app = load_example("fastapi_app").create_app(lambda: sandbox.client(list_id=500))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            return await (requests(http, app) if with_app else requests(http))


def main_sandbox(**config: Any) -> Sandbox:
    return Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}], **config))


async def test_subscribe_lookup_unsubscribe_and_metrics() -> None:
    sandbox = main_sandbox()

    async def flow(http: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await http.post("/subscribe", json={"email": "ann@example.com", "first_name": "Ann"}),
            await http.get("/contacts/ann@example.com"),
            await http.post("/unsubscribe", json={"email": "ann@example.com"}),
            await http.get("/contacts/nobody@example.com"),
            await http.post("/subscribe", json={"email": "not-an-email"}),
            await http.get("/metrics"),
        ]

    sub, found, unsub, missing, invalid, metrics = await serve(sandbox, flow)
    assert sub.status_code == 200 and sub.json()["id"]
    assert found.json()["fields"] == {"first_name": "Ann"}
    assert found.json()["status"] == "active"  # Contact.to_dict(): the model, JSON-ready
    assert found.json()["created"].startswith("20")  # an ISO time, not a Unix one
    assert unsub.json()["status"] == "unsubscribed"
    assert missing.status_code == 404
    assert invalid.status_code == 422
    assert metrics.json()["calls_started"] == 4  # the invalid e-mail never reached Ongage
    assert sandbox.store.find_contact(500, "ann@example.com").status == "unsubscribed"


async def test_spent_budget_answers_429_with_retry_after_at_once() -> None:
    sandbox = main_sandbox(rate_limit=3, rate_period=3600)

    async def flood(http: httpx.AsyncClient) -> list[httpx.Response]:
        responses: list[httpx.Response] = []

        async def one(n: int) -> None:
            responses.append(await http.post("/subscribe", json={"email": f"u{n}@example.com"}))

        async with anyio.create_task_group() as tg:
            for n in range(20):
                tg.start_soon(one, n)
        return responses

    responses = await serve(sandbox, flood)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 3 and codes.count(429) == 17
    assert all(int(r.headers["Retry-After"]) > 3000 for r in responses if r.status_code == 429)
    assert sandbox.recorder.rejected_429 == 0  # Ongage itself never said 429


async def test_many_concurrent_requests_share_one_governor() -> None:
    sandbox = main_sandbox(rate_limit=1000, rate_period=1.0, latency=(0.002, 0.01))

    async def burst(http: httpx.AsyncClient) -> list[int]:
        codes: list[int] = []

        async def one(n: int) -> None:
            response = await http.post("/subscribe", json={"email": f"c{n}@example.com"})
            codes.append(response.status_code)

        async with anyio.create_task_group() as tg:
            for n in range(60):
                tg.start_soon(one, n)
        return codes

    codes = await serve(sandbox, burst)
    assert codes == [200] * 60
    assert sandbox.recorder.peak_in_flight <= 10
    assert sandbox.recorder.rejected_429 == 0


async def test_web_requests_go_first_and_use_the_reserve_while_a_bulk_job_runs() -> None:
    # 20 calls an hour, 2 kept for "high": a bulk job (at "low") spends its 18 and waits
    # for a window that will not turn; the handlers (at "high") still answer at once.
    sandbox = main_sandbox(rate_limit=20, rate_period=3600)
    rows = [{"email": f"bulk{n}@example.com"} for n in range(100)]

    async def web_during_bulk(http: httpx.AsyncClient, app: Any) -> list[int]:
        client = app.state.ongage  # the app's one client: the bulk job shares its governor
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: client.contacts.upsert_many(rows, chunk_size=1))
            await anyio.wait_all_tasks_blocked()
            stats = client.governor.statistics()
            assert (stats.calls_started, stats.waiting_by_priority["low"]) == (18, 10)
            codes = []
            for n in range(3):
                response = await http.post("/subscribe", json={"email": f"web{n}@example.com"})
                codes.append(response.status_code)
            tg.cancel_scope.cancel()
        return codes

    codes = await serve(sandbox, web_during_bulk, with_app=True)
    assert codes == [200, 200, 429]  # the reserve is two calls; then the budget is spent
    assert sandbox.recorder.rejected_429 == 0
