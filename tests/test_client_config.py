"""Building, configuring and closing an OngageClient."""

from __future__ import annotations

import httpx
import pytest

from ongage_async import (
    ClientClosedError,
    ConfigurationError,
    OngageClient,
    RetryPolicy,
)
from ongage_async.sandbox import Sandbox

from .helpers import creds

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("username", "ONGAGE_USERNAME"),
        ("password", "ONGAGE_PASSWORD"),
        ("account_code", "ONGAGE_ACCOUNT_CODE"),
    ],
)
def test_missing_credential_names_its_variable(missing: str, variable: str) -> None:
    given = creds()
    del given[missing]
    with pytest.raises(ConfigurationError, match=variable):
        OngageClient(**given)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONGAGE_USERNAME", "envuser")
    monkeypatch.setenv("ONGAGE_PASSWORD", "envpass")
    monkeypatch.setenv("ONGAGE_ACCOUNT_CODE", "ENVCODE")
    monkeypatch.setenv("ONGAGE_LIST_ID", "4242")
    monkeypatch.setenv("ONGAGE_BASE_URL", "http://127.0.0.1:9")
    client = OngageClient()
    assert client.list_id == "4242"
    assert client.base_url == "http://127.0.0.1:9"


async def test_api_key_alone_is_enough() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"metadata": {"error": False}, "payload": []})

    async with OngageClient(api_key="k-123", transport=httpx.MockTransport(answer)) as client:
        assert await client.request("GET", "/api/lists") == []
    assert seen[0].headers["x-api-key"] == "k-123"
    assert "X_USERNAME" not in seen[0].headers


def test_repr_hides_every_credential() -> None:
    client = OngageClient(**creds(list_id=7))
    text = repr(client) + str(client) + repr(client._shared)
    for secret in ("s3cret-pass", "ACC-CODE"):
        assert secret not in text


@pytest.mark.parametrize(
    "url", ["http://api.ongage.net", "ftp://api.ongage.net", "not a url", "http://10.0.0.1"]
)
def test_base_url_must_be_https_unless_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError):
        OngageClient(**creds(base_url=url))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80", "https://x.y"]
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert httpx.URL(OngageClient(**creds(base_url=url)).base_url) == httpx.URL(url)


def test_insecure_http_needs_an_explicit_opt_in() -> None:
    with pytest.raises(ConfigurationError):
        OngageClient(**creds(base_url="http://ongage.internal"))
    client = OngageClient(**creds(base_url="http://ongage.internal", allow_insecure=True))
    assert client.base_url.rstrip("/") == "http://ongage.internal"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_limit": 0},
        {"rate_period": -1},
        {"max_concurrency": 0},
        {"timeout": 0},
        {"timeout": httpx.Timeout(None)},
        {"list_id": "abc"},
        {"list_id": -3},
        {"retry": "yes"},
        {"transport": object()},
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        OngageClient(**creds(**kwargs))


async def test_defaults_are_the_documented_ones() -> None:
    client = OngageClient(**creds())
    assert client.governor.budget.limit == 300
    assert client.governor.budget.period == 60.0
    assert client.governor.cap.max_concurrency == 10
    assert RetryPolicy() == RetryPolicy(
        max_retries=5, base_delay=60.0, multiplier=2.0, max_delay=960.0
    )
    stats = client.governor.statistics()  # a new client has spent nothing
    assert (stats.calls_started, stats.in_flight, stats.rate_limited) == (0, 0, 0)
    assert (stats.budget.available, stats.budget.paused_for) == (300, 0.0)
    assert client.base_url == "https://api.ongage.net"
    assert client.list_id is None


async def test_with_options_shares_pool_and_governor(sandbox: Sandbox) -> None:
    client = sandbox.client()
    view = client.with_options(list_id=sandbox.config.default_list_id, retry=False, timeout=2.0)
    assert view.governor is client.governor
    assert view._shared.http is client._shared.http
    assert view.list_id == str(sandbox.config.default_list_id)
    assert client.list_id is None
    await view.lists.get(sandbox.config.default_list_id)
    assert client.governor.statistics().calls_started == 1
    await client.aclose()
    assert view.is_closed


async def test_long_lived_client_and_context_manager(sandbox: Sandbox) -> None:
    client = sandbox.client()
    await client.lists.get(sandbox.config.default_list_id)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.lists.get(sandbox.config.default_list_id)
    with pytest.raises(ClientClosedError):
        async with client:
            pass
    async with sandbox.client() as other:
        await other.lists.list()
    assert other.is_closed


def test_connection_pool_matches_the_in_flight_cap() -> None:
    client = OngageClient(**creds(max_concurrency=4))
    pool = client._shared.http._transport._pool  # type: ignore[attr-defined]
    assert pool._max_connections == 4
