"""The sandbox enforces what the spec says: auth, list_id precedence, envelope, limits."""

from __future__ import annotations

import anyio
import httpx
import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig, SandboxCredentials, most_in_any_window

from .helpers import task_group
from .sandbox_helpers import call, raw_client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X_USERNAME": "sandbox", "X_PASSWORD": "wrong", "X_ACCOUNT_CODE": "SANDBOX"},
        {"X_USERNAME": "sandbox", "X_PASSWORD": "sandbox"},
        {"X-USERNAME": "sandbox", "X-PASSWORD": "sandbox", "X-ACCOUNT-CODE": "SANDBOX"},
        {"x-api-key": "guess"},
    ],
)
async def test_wrong_or_missing_credentials_get_401_envelope(headers: dict[str, str]) -> None:
    sandbox = Sandbox()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://s") as http:
        document = await call(http, "GET", "/api/lists", headers=headers)
    assert document["status"] == 401
    assert document["metadata"]["error"] is True
    assert document["payload"] == {"code": 401, "errors": [], "message": "Unauthorized"}


async def test_api_key_is_accepted_when_configured() -> None:
    sandbox = Sandbox(credentials=SandboxCredentials(api_key="k-1"))
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://s") as http:
        document = await call(http, "GET", "/api/lists", headers={"x-api-key": "k-1"})
    assert document["status"] == 200


@pytest.fixture
def precedence_sandbox() -> Sandbox:
    lists = [{"id": n, "name": f"list {n}"} for n in (1111, 2222, 3333, 11111)]
    return Sandbox(SandboxConfig(seed_lists=lists))


@pytest.mark.parametrize(
    ("path", "body", "acts_on"),
    [
        ("/1111/api/mailings?list_id=2222", {"list_id": 3333}, 3333),  # the FAQ's example 1
        ("/11111/api/mailings?list_id=2222", {}, 2222),  # the FAQ's example 2
        ("/1111/api/mailings", {}, 1111),
        ("/api/mailings", {}, 10001),  # the account's default list
        ("/api/mailings?list_id=3333", {"list_id": "2222"}, 2222),
    ],
)
async def test_list_id_precedence_body_query_route_default(
    precedence_sandbox: Sandbox, path: str, body: dict[str, object], acts_on: int
) -> None:
    async with raw_client(precedence_sandbox) as http:
        document = await call(http, "POST", path, json={"name": "m", **body})
    assert document["status"] == 200
    assert int(document["payload"]["list_id"]) == acts_on  # a string, as the mailings page shows
    assert precedence_sandbox.recorder.calls[-1].list_id == acts_on


@pytest.mark.parametrize(
    ("path", "status"), [("/api/mailings?list_id=9999", 404), ("/api/mailings?list_id=abc", 400)]
)
async def test_unknown_or_malformed_list_id_is_refused(path: str, status: int) -> None:
    async with raw_client(Sandbox()) as http:
        assert (await call(http, "GET", path))["status"] == status


async def test_contacts_refuse_list_id_in_the_body() -> None:
    async with raw_client(Sandbox()) as http:
        document = await call(
            http, "POST", "/api/v2/contacts", json={"email": "a@example.com", "list_id": 10001}
        )
    assert document["status"] == 400


async def test_envelope_total_string_ids_and_empty_objects() -> None:
    sandbox = Sandbox()
    async with raw_client(sandbox) as http:
        lists = await call(http, "GET", "/api/lists")
        written = await call(http, "POST", "/api/v2/contacts", json=[{"email": "a@example.com"}])
    assert lists["metadata"] == {"error": False, "total": 1}
    assert isinstance(lists["payload"][0]["id"], int)
    payload = written["payload"]
    assert isinstance(payload["created_emails"]["a@example.com"], str)
    assert payload["updated_emails"] == [] and payload["failed_emails"] == []


async def test_past_the_rate_limit_is_429_calls_per_minute_exceeded() -> None:
    sandbox = Sandbox(rate_limit=3, rate_period=3600)
    async with raw_client(sandbox) as http:
        statuses = [(await call(http, "GET", "/api/lists"))["status"] for _ in range(3)]
        rejected = await call(http, "GET", "/api/lists")
    assert statuses == [200, 200, 200]
    assert rejected["status"] == 429
    assert rejected["payload"] == {
        "code": 429,
        "errors": [],
        "message": "Calls per minute exceeded",
    }
    assert rejected["metadata"]["error"] is True
    assert sandbox.recorder.rejected_429 == 1


async def test_more_than_max_concurrency_in_flight_is_429() -> None:
    sandbox = Sandbox(max_concurrency=2, latency=(0.05, 0.05))
    statuses: list[int] = []
    async with raw_client(sandbox) as http:

        async def one() -> None:
            statuses.append((await http.get("/api/lists")).status_code)

        with anyio.fail_after(5):
            async with task_group() as tg:
                for _ in range(3):
                    tg.start_soon(one)
                await anyio.wait_all_tasks_blocked()
                # The limiter itself: two running, the third refused at once.
                assert sandbox.app.limits.in_flight == 2
                assert statuses == [429]
    assert sorted(statuses) == [200, 200, 429]
    assert sandbox.app.limits.in_flight == 0  # each finished call gave its place back


async def test_a_call_counts_when_its_whole_request_has_arrived() -> None:
    sandbox = Sandbox()
    first_part_sent, rest = anyio.Event(), anyio.Event()

    async def body():  # type: ignore[no-untyped-def]
        yield b'[{"email": "slow@example.com",'
        first_part_sent.set()
        await rest.wait()
        yield b' "fields": {}}]'

    async with raw_client(sandbox) as http, task_group() as tg:
        tg.start_soon(lambda: http.post("/api/v2/contacts", content=body()))
        await first_part_sent.wait()
        await anyio.wait_all_tasks_blocked()
        assert sandbox.recorder.calls == []  # half a request is not a call yet
        assert sandbox.app.limits.in_flight == 0
        released_at = anyio.current_time()
        rest.set()
    assert sandbox.recorder.calls[0].arrived >= released_at


def test_most_in_any_window_counts_half_open_spans() -> None:
    assert most_in_any_window([0.0, 0.5, 1.0, 1.5], 1.0) == 2
    assert most_in_any_window([0.0, 0.1, 0.2, 5.0], 1.0) == 3
    assert most_in_any_window([], 1.0) == 0


async def test_rejected_calls_count_in_the_window_too() -> None:
    now = [0.0]
    sandbox = Sandbox(rate_limit=2, rate_period=60, clock=lambda: now[0])
    async with raw_client(sandbox) as http:
        first = [(await http.get("/api/lists")).status_code for _ in range(2)]
        now[0] = 30.0
        rejected = [(await http.get("/api/lists")).status_code for _ in range(2)]
        now[0] = 61.0  # the two served calls have left the window; the refused ones have not
        still = (await http.get("/api/lists")).status_code
        now[0] = 91.0  # and now they have too
        later = (await http.get("/api/lists")).status_code
    assert (first, rejected, still, later) == ([200, 200], [429, 429], 429, 200)
    assert sandbox.recorder.most_in_any_window(60) == 4


@pytest.mark.parametrize(("window", "after_boundary"), [("fixed", 200), ("sliding", 429)])
async def test_fixed_window_resets_at_the_boundary_sliding_does_not(
    window: str, after_boundary: int
) -> None:
    now = [100.0]
    sandbox = Sandbox(rate_limit=2, rate_period=60, window=window, clock=lambda: now[0])
    async with raw_client(sandbox) as http:
        await http.get("/api/lists")
        now[0] = 159.0
        late = [(await http.get("/api/lists")).status_code for _ in range(2)]
        now[0] = 161.0  # a new fixed window; the sliding one still holds two calls
        after = (await http.get("/api/lists")).status_code
        now[0] = 219.5  # both windows have moved past every earlier call
        later = (await http.get("/api/lists")).status_code
    assert late == [200, 429]
    assert (after, later) == (after_boundary, 200)


async def test_unknown_route_is_404_in_the_envelope() -> None:
    async with raw_client(Sandbox()) as http:
        document = await call(http, "GET", "/api/nothing_here")
    assert document["status"] == 404
    assert document["metadata"]["error"] is True
