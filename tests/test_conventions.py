"""Conventions people know from httpx and the OpenAI SDK (issue 14, item 7).

`with_options(max_retries=)`, `APIError.status_code`/`.response`/`.request`, raw
responses from typed methods, `Page.has_next`/`next_offset`, and exceptions that
tracebacks name by their public path.
"""

from __future__ import annotations

import traceback
from typing import Any

import anyio
import httpx
import pytest

import ongage_async
from ongage_async import (
    APIError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    OngageClient,
    RetryPolicy,
    ServerError,
)
from ongage_async.models import List, Page, RawResponse
from ongage_async.sandbox import Sandbox

from .helpers import creds

FAST = RetryPolicy(base_delay=0, max_delay=0, connection_base_delay=0, jitter=0)


def failing_client(status: int, sent: list[httpx.Request], **answer: Any) -> OngageClient:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, **answer)

    return OngageClient(**creds(), transport=httpx.MockTransport(handler), retry=FAST)


# -- with_options(max_retries=) ------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 2])
async def test_max_retries_sets_how_often_a_call_is_sent(max_retries: int) -> None:
    sent: list[httpx.Request] = []
    async with failing_client(503, sent, json={"payload": {"message": "busy"}}) as client:
        with pytest.raises(ServerError):
            await client.with_options(max_retries=max_retries).lists.get(5)
        assert len(sent) == max_retries + 1
        sent.clear()
        with pytest.raises(ServerError):  # the client itself keeps its policy
            await client.lists.get(5)
        assert len(sent) == FAST.max_retries + 1


async def test_max_retries_keeps_the_rest_of_the_policy_and_refuses_nonsense() -> None:
    client = OngageClient(**creds(), retry=FAST)
    view = client.with_options(max_retries=1)
    assert view._defaults.retry == RetryPolicy(
        max_retries=1, base_delay=0, max_delay=0, connection_base_delay=0, jitter=0
    )
    # With retries switched off, max_retries switches them on with the default schedule.
    revived = client.with_options(retry=False, max_retries=3)._defaults.retry
    assert revived == RetryPolicy(max_retries=3)
    for wrong in (-1, 1.5, True):
        with pytest.raises(ConfigurationError, match="max_retries"):
            client.with_options(max_retries=wrong)  # type: ignore[arg-type]
    await client.aclose()


# -- APIError: status_code, response, request ------------------------------------------


async def test_api_error_carries_status_code_response_and_request() -> None:
    sent: list[httpx.Request] = []
    body = {"metadata": {"error": True}, "payload": {"code": 404, "message": "List 7 not found"}}
    async with failing_client(404, sent, json=body, headers={"X-Trace": "t1"}) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.lists.get(7)
    error = caught.value
    assert error.status_code == error.status == 404
    assert error.response.status_code == 404
    assert error.response.json() == body
    assert error.response.headers["x-trace"] == "t1"
    assert error.request.method == "GET"
    assert str(error.request.url).endswith("/api/lists/7")
    assert error.response.request is not None
    # The credentials went out on the wire, but the error's request holds none.
    assert "X_USERNAME" in sent[0].headers
    for request in (error.request, error.response.request):
        assert not any(name.lower().startswith("x_") for name in request.headers)
        assert creds()["password"] not in str(request.headers)


def test_response_of_an_error_whose_body_was_gzip_is_readable() -> None:
    error = APIError(
        "boom",
        status=502,
        body="<html>bad gateway</html>",
        headers={"Content-Encoding": "gzip", "Content-Length": "999"},
    )
    assert error.response.text == "<html>bad gateway</html>"


# -- raw responses from typed methods ---------------------------------------------------


async def test_with_raw_response_returns_the_model_and_the_answer(
    client: OngageClient, sandbox: Sandbox
) -> None:
    created = await client.lists.create(name="Raw", type="sending")
    raw = await client.with_raw_response(client.lists.get(created.id))
    assert isinstance(raw, RawResponse)
    assert isinstance(raw.parsed, List) and raw.parse() == created
    assert raw.status_code == 200
    assert raw.response.url.endswith(f"/api/lists/{created.id}")
    assert raw.headers["content-type"].startswith("application/json")
    assert len(raw.responses) == 1
    page = await client.with_raw_response(client.lists.list(limit=1))
    assert page.metadata.get("total") is not None and page.parsed.total is not None


async def test_raw_responses_of_concurrent_calls_are_not_mixed(client: OngageClient) -> None:
    first = await client.lists.create(name="One", type="sending")
    second = await client.lists.create(name="Two", type="sending")
    results: dict[str, RawResponse[List]] = {}

    async def fetch(name: str, list_id: str) -> None:
        results[name] = await client.with_raw_response(client.lists.get(list_id))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for _ in range(5):  # other calls on the same client at the same time
                tg.start_soon(client.lists.get, first.id)
            tg.start_soon(fetch, "one", first.id)
            tg.start_soon(fetch, "two", second.id)
    assert [r.url for r in results["one"].responses] == [results["one"].response.url]
    assert results["one"].response.url.endswith(f"/api/lists/{first.id}")
    assert results["two"].response.url.endswith(f"/api/lists/{second.id}")


async def test_with_raw_response_needs_a_call(client: OngageClient) -> None:
    async def nothing() -> int:
        return 1

    with pytest.raises(InvalidArgumentError, match="made no API call"):
        await client.with_raw_response(nothing())


# -- Page.has_next / next_offset --------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "total", "offset", "limit", "next_offset"),
    [
        (3, 10, 0, 3, 3),  # a total says more follow
        (3, 6, 3, 3, None),  # ... or that this page ends it
        (2, None, 4, 3, None),  # no total: a short page is the last
        (3, None, 3, 3, 6),  # no total, a full page: more may follow
        (3, None, 0, None, 3),  # neither total nor limit: assume more
        (0, None, 9, 3, None),  # an empty page ends it
        (0, 50, 0, 3, None),  # even when the total disagrees
    ],
)
def test_page_knows_where_the_next_one_starts(
    items: int, total: int | None, offset: int, limit: int | None, next_offset: int | None
) -> None:
    page = Page(tuple(range(items)), total=total, offset=offset, limit=limit)
    assert page.next_offset == next_offset
    assert page.has_next is (next_offset is not None)


async def test_walking_pages_by_hand_sees_what_iter_sees(
    client: OngageClient, sandbox: Sandbox
) -> None:
    for n in range(7):
        await client.lists.create(name=f"L{n}", type="sending")
    by_hand = []
    page = await client.lists.list(limit=3)
    by_hand += page.items
    while page.has_next:
        assert page.next_offset is not None
        page = await client.lists.list(offset=page.next_offset, limit=3)
        by_hand += page.items
    walked = [item async for item in client.lists.iter(page_size=3)]
    assert by_hand == walked and len(walked) >= 7


# -- public names in tracebacks ----------------------------------------------------------


def test_tracebacks_name_exceptions_by_their_public_path() -> None:
    try:
        raise NotFoundError("List 7 not found", status=404)
    except NotFoundError:
        last = traceback.format_exc().splitlines()[-1]
    assert last.startswith("ongage_async.NotFoundError: HTTP 404")
    for name in ongage_async.__all__:
        value = getattr(ongage_async, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert value.__module__ == "ongage_async", name
            assert getattr(ongage_async, value.__qualname__) is value


# -- the package's surface ------------------------------------------------------------------


def test_the_package_exports_the_client_its_options_and_its_errors() -> None:
    names = set(ongage_async.__all__)
    assert len(names) <= 30
    assert {"OngageClient", "RetryPolicy", "Reserve", "NotFoundError"} <= names
    errors = {n for n in names if isinstance(getattr(ongage_async, n), type)}
    errors -= {"OngageClient", "RetryPolicy", "Reserve"}
    assert all(issubclass(getattr(ongage_async, n), BaseException) for n in errors)


@pytest.mark.parametrize(
    ("old", "home", "new"),
    [
        ("List", "models", "List"),
        ("ImportJob", "resources", "ImportJob"),
        ("Governor", "governor", "Governor"),
        ("NOT_GIVEN", "middleware", "USE_CLIENT_DEFAULT"),
    ],
)
def test_a_name_that_moved_still_imports_with_a_warning(old: str, home: str, new: str) -> None:
    import importlib

    with pytest.warns(DeprecationWarning, match=f"from ongage_async.{home} import {new}"):
        value = getattr(ongage_async, old)
    assert value is getattr(importlib.import_module(f"ongage_async.{home}"), new)
    with pytest.raises(AttributeError):
        ongage_async.NoSuchName  # noqa: B018
