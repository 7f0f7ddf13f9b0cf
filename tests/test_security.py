"""Credentials stay with the API host, and nothing prints them."""

from __future__ import annotations

import httpx
import pytest

from ongage_async import InvalidResponseError, OngageClient
from ongage_async.middleware import Call

from .helpers import creds

pytestmark = pytest.mark.usefixtures("clean_env")


async def test_redirects_are_not_followed_with_the_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://evil.example/steal"})

    client = OngageClient(**creds(transport=httpx.MockTransport(handler), retry=False))
    async with client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.request("GET", "/api/lists")
    assert [r.url.host for r in seen] == ["api.ongage.net"]  # never the other host
    assert caught.value.status == 302
    assert "s3cret-pass" not in str(caught.value)


def test_a_call_prints_its_header_names_but_never_their_values() -> None:
    call = Call("GET", "/api/lists", headers={"X_PASSWORD": "s3cret-pass", "X_USERNAME": "u"})
    text = repr(call)
    assert "X_PASSWORD" in text
    assert "s3cret-pass" not in text


def test_timeouts_are_always_on() -> None:
    client = OngageClient(**creds())
    timeout = client._shared.http.timeout
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)
    assert timeout.read == 30.0
