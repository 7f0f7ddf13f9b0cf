"""The middleware chain: auth headers, list_id resolution, user middleware."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ongage_async import InvalidArgumentError, ListIdConflictError, OngageClient
from ongage_async._call import USE_CLIENT_DEFAULT, UseClientDefault
from ongage_async.middleware import Call, Handler
from ongage_async.models import Response

from .helpers import creds

pytestmark = pytest.mark.usefixtures("clean_env")


class Capture:
    """A MockTransport that records requests and answers with a fixed envelope."""

    def __init__(self, payload: Any = None, metadata: dict[str, Any] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.document = {"metadata": metadata or {"error": False}, "payload": payload or []}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.document)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def make(capture: Capture, **extra: Any) -> OngageClient:
    return OngageClient(**creds(transport=httpx.MockTransport(capture), **extra))


async def test_auth_headers_use_underscores() -> None:
    capture = Capture()
    async with make(capture) as client:
        await client.request("GET", "/api/lists")
    headers = capture.last.headers
    assert headers["X_USERNAME"] == "user"
    assert headers["X_PASSWORD"] == "s3cret-pass"
    assert headers["X_ACCOUNT_CODE"] == "ACC-CODE"
    assert "x-api-key" not in headers


async def test_api_key_replaces_the_three_headers() -> None:
    capture = Capture()
    client = OngageClient(api_key="key-1", transport=httpx.MockTransport(capture))
    async with client:
        await client.request("GET", "/api/lists")
    assert capture.last.headers["x-api-key"] == "key-1"
    assert "X_PASSWORD" not in capture.last.headers


@pytest.mark.parametrize(
    ("client_list", "call_list", "expected_path"),
    [
        (None, USE_CLIENT_DEFAULT, "/api/mailings"),
        (111, USE_CLIENT_DEFAULT, "/111/api/mailings"),
        (111, None, "/api/mailings"),  # None is "no list id", as in with_options
        (None, 222, "/222/api/mailings"),
        (111, "222", "/222/api/mailings"),
    ],
)
async def test_list_id_goes_in_the_route_prefix_by_precedence(
    client_list: int | None, call_list: str | UseClientDefault | None, expected_path: str
) -> None:
    capture = Capture()
    async with make(capture, list_id=client_list) as client:
        await client.request("GET", "/api/mailings", list_id=call_list)
    assert capture.last.url.path == expected_path
    assert "list_id" not in capture.last.url.params


async def test_request_and_download_are_built_alike() -> None:
    """One call builder: download takes the options request takes, with the same meaning."""
    import io

    from ongage_async import RetryPolicy, ServerError

    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503, json={"payload": {"message": "busy"}})

    fast = RetryPolicy(base_delay=0, max_delay=0, jitter=0, max_retries=3)
    client = OngageClient(**creds(transport=httpx.MockTransport(handler), list_id=111, retry=fast))
    async with client:
        for send in (
            lambda **o: client.request("GET", "/api/export/1/retrieve", **o),
            lambda **o: client.download("/api/export/1/retrieve", io.BytesIO(), **o),
        ):
            sent.clear()
            with pytest.raises(ServerError):
                await send(list_id=None, retry=False)
            assert [r.url.path for r in sent] == ["/api/export/1/retrieve"]  # once, no list
            sent.clear()
            with pytest.raises(ServerError):
                await send()
            assert [r.url.path for r in sent] == ["/111/api/export/1/retrieve"] * 4
            with pytest.raises(InvalidArgumentError, match="retry must be"):
                await send(retry="twice")
            with pytest.raises(InvalidArgumentError, match="timeout"):
                await send(timeout=-1)


async def test_list_id_already_in_the_body_is_said_once() -> None:
    capture = Capture()
    async with make(capture) as client:
        await client.request("POST", "/api/mailings", json={"list_id": 333, "name": "x"})
        await client.request("POST", "/api/mailings", json={"list_id": 333}, list_id=333)
        await client.request("GET", "/api/mailings", params={"list_id": "444"})
    paths = [r.url.path for r in capture.requests]
    assert paths == ["/api/mailings", "/api/mailings", "/api/mailings"]
    assert json.loads(capture.requests[0].content)["list_id"] == 333


@pytest.mark.parametrize(
    ("client_list", "kwargs"),
    [
        (None, {"list_id": 1, "json": {"list_id": 2}}),
        (None, {"list_id": 1, "params": {"list_id": "2"}}),
        (None, {"json": {"list_id": 1}, "params": {"list_id": 2}}),
        (5, {"json": {"list_id": 6}}),
    ],
)
async def test_two_different_list_ids_fail_before_sending(
    client_list: int | None, kwargs: dict[str, Any]
) -> None:
    capture = Capture()
    async with make(capture, list_id=client_list) as client:
        with pytest.raises(ListIdConflictError):
            await client.request("POST", "/api/mailings", **kwargs)
    assert capture.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"list_id": "abc"},
        {"list_id": 0},
        {"list_id": True},
        {"json": {"list_id": "x1"}},
        {"json": {"bad": float("nan")}},
        {"json": {"bad": object()}},
        {"params": ["a"]},
        {"idempotent": "yes"},
        {"retry": 3},
    ],
)
async def test_bad_arguments_fail_before_sending(kwargs: dict[str, Any]) -> None:
    capture = Capture()
    async with make(capture) as client:
        with pytest.raises(InvalidArgumentError):
            await client.request("POST", "/api/mailings", **kwargs)
    assert capture.requests == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "https://evil.example/api/lists"),
        ("GET", "//evil.example/api"),
        ("BREW", "/api"),
        ("GET", ""),
    ],
)
async def test_bad_method_or_absolute_path_is_refused(method: str, path: str) -> None:
    capture = Capture()
    async with make(capture) as client:
        with pytest.raises(InvalidArgumentError):
            await client.request(method, path)
    assert capture.requests == []


async def test_account_level_calls_take_no_list_id() -> None:
    capture = Capture()
    async with make(capture, list_id=9) as client:
        await client.request("GET", "/api/lists", list_scoped=False)
        with pytest.raises(ListIdConflictError):
            await client.request("GET", "/api/lists", list_scoped=False, list_id=3)
    assert capture.last.url.path == "/api/lists"


async def test_user_middleware_sees_each_call_in_order() -> None:
    seen: list[str] = []

    class Tag:
        def __init__(self, name: str) -> None:
            self.name = name

        async def __call__(self, call: Call, call_next: Handler) -> Response:
            seen.append(f"{self.name}>{call.path}")
            headers = {**call.headers, f"x-{self.name}": "1"}
            response = await call_next(call.__class__(**{**_fields(call), "headers": headers}))
            seen.append(f"{self.name}<{response.status_code}")
            return response

    capture = Capture()
    async with make(capture, list_id=7, middleware=[Tag("a"), Tag("b")]) as client:
        await client.request("GET", "/api/mailings")
    # User middleware runs after list_id resolution and sees the final path.
    assert seen == ["a>/7/api/mailings", "b>/7/api/mailings", "b<200", "a<200"]
    assert capture.last.headers["x-a"] == capture.last.headers["x-b"] == "1"


def _fields(call: Call) -> dict[str, Any]:
    import attrs

    return attrs.asdict(call, recurse=False)


async def test_raw_response_exposes_metadata_total() -> None:
    capture = Capture(payload=[{"id": 1}], metadata={"error": False, "total": "12"})
    async with make(capture) as client:
        raw = await client.request("GET", "/api/lists", raw=True)
        payload = await client.request("GET", "/api/lists")
    assert raw.total == 12
    assert raw.payload == payload == [{"id": 1}]
    assert raw.status_code == 200


async def test_none_params_are_not_sent() -> None:
    capture = Capture()
    async with make(capture) as client:
        await client.request("GET", "/api/lists", params={"name": None, "limit": 5})
    assert dict(capture.last.url.params) == {"limit": "5"}
