"""The pause after a 429 (issue 17's regression list: mutants that once survived).

Every caller of a governor stops after a 429: for the server's ``Retry-After`` when it
gives one (seconds or an HTTP date), else for one rate period; never past the retry
policy's ``max_delay``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any

import anyio
import httpx
import pytest

from ongage_async import OngageClient, RateLimitError, RetryPolicy

from .helpers import creds
from .test_retry import Sleeps


def rate_limited(**headers: str) -> httpx.Response:
    body = {"metadata": {"error": True}, "payload": {"code": 429, "message": "slow down"}}
    return httpx.Response(429, json=body, headers=headers)


def refusing_client(**options: Any) -> OngageClient:
    """A client whose every call is answered 429 with ``headers``, and no retry."""
    headers = options.pop("headers", {})
    transport = httpx.MockTransport(lambda request: rate_limited(**headers))
    options.setdefault("retry", RetryPolicy(max_retries=0, max_delay=100.0))
    return OngageClient(**creds(transport=transport, **options))


async def paused_for_after_a_429(**options: Any) -> float:
    async with refusing_client(**options) as client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        return client.governor.statistics().budget.paused_for


async def test_a_429_without_retry_after_pauses_every_caller_for_one_rate_period() -> None:
    paused = await paused_for_after_a_429(rate_period=30.0)
    assert 29.0 < paused <= 30.0


async def test_a_429_without_retry_after_keeps_the_next_call_waiting() -> None:
    answers = [rate_limited(), httpx.Response(200, json={"metadata": {}, "payload": []})]
    transport = httpx.MockTransport(lambda request: answers.pop(0))
    client = OngageClient(**creds(transport=transport, retry=False, rate_period=0.2))
    async with client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        before = anyio.current_time()
        with anyio.fail_after(5):
            await client.request("GET", "/api/lists")
        assert anyio.current_time() - before >= 0.15  # paused for the rate period


async def test_the_pause_is_the_servers_retry_after_not_the_rate_period() -> None:
    paused = await paused_for_after_a_429(rate_period=60.0, headers={"Retry-After": "5"})
    assert 4.0 < paused <= 5.0


async def test_a_retry_after_shorter_than_the_rate_period_is_honoured_by_the_next_call() -> None:
    answers = [
        rate_limited(**{"Retry-After": "0.05"}),
        httpx.Response(200, json={"metadata": {}, "payload": []}),
    ]
    transport = httpx.MockTransport(lambda request: answers.pop(0))
    client = OngageClient(**creds(transport=transport, retry=False, rate_period=60.0))
    async with client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        before = anyio.current_time()
        with anyio.fail_after(5):  # with the rate period's pause: a minute
            await client.request("GET", "/api/lists")
        waited = anyio.current_time() - before
    assert 0.04 <= waited < 1.0


def http_date(seconds_from_now: float) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(when, usegmt=True)


async def test_a_retry_after_date_sets_the_pause_and_the_retry_delay() -> None:
    answers = [
        rate_limited(**{"Retry-After": http_date(10)}),
        httpx.Response(200, json={"metadata": {}, "payload": [1]}),
    ]
    sleeps = Sleeps()
    policy = RetryPolicy(max_retries=1, base_delay=50.0, max_delay=100.0, jitter=0)
    transport = httpx.MockTransport(lambda request: answers.pop(0))
    client = OngageClient(**creds(transport=transport, retry=policy, sleep=sleeps))
    async with client:
        # The pause holds the retry back: look at it from the 429 itself.
        with anyio.move_on_after(0.5):
            await client.request("GET", "/api/lists")
        paused = client.governor.statistics().budget.paused_for
    # An HTTP date has whole seconds: 10 s ahead is 9-10 s away.
    assert len(sleeps.delays) == 1 and 8.0 < sleeps.delays[0] <= 10.0
    assert 8.0 < paused <= 10.0


async def test_a_pause_is_never_longer_than_max_delay() -> None:
    paused = await paused_for_after_a_429(
        rate_period=60.0, retry=RetryPolicy(max_retries=0, max_delay=3.0)
    )
    assert 2.0 < paused <= 3.0
