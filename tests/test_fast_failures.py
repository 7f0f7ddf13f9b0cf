"""When Ongage cannot be reached, a call with default settings fails fast, with a typed error.

Issue 14, item 1: "A connection-refused call with default settings fails with a typed
error within 30 s."  The back-off sleeps go through a fake ``sleep=`` that only records
them, so the test waits for nothing; it checks what a real run would have waited.
"""

from __future__ import annotations

import logging
import time

import anyio
import anyio.lowlevel
import pytest

from ongage_async import APIConnectionError, OngageClient, RetryPolicy

from .helpers import free_port

#: The README's promise: 0.5 + 1 + 2 + 4 + 4 s of back-off, then the error.
DEFAULT_CONNECTION_BACKOFF = 11.5


def test_the_default_connection_schedule_is_seconds_not_minutes() -> None:
    policy = RetryPolicy()
    assert policy.retries(connection=True) == 5
    steady = RetryPolicy(jitter=0)  # the defaults but for jitter
    assert [steady.connection_delay(n) for n in range(5)] == [0.5, 1, 2, 4, 4]
    assert policy.backoff_left(0, connection=True) == DEFAULT_CONNECTION_BACKOFF
    # Jitter only adds, up to 10 %, and never past the 4 s cap.
    worst = sum(min(step * 1.1, 4.0) for step in (0.5, 1, 2, 4, 4))
    assert worst < 12 < 30
    assert max(policy.connection_delay(n) for n in range(5) for _ in range(50)) <= 4.0


async def test_a_refused_connection_fails_with_a_typed_error_within_30_s(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # records the back-off; waits for nothing
        slept.append(seconds)
        await anyio.lowlevel.checkpoint()

    port = free_port()  # nothing listens there: every connection is refused at once
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ongage_async"):
        async with OngageClient(
            "user",
            "secret",
            "ACCOUNT",
            base_url=f"http://127.0.0.1:{port}",
            allow_insecure=True,
            sleep=sleep,
        ) as client:
            with pytest.raises(APIConnectionError):
                await client.lists.get(1)
    assert time.monotonic() - started < 30  # real time, with the back-off skipped
    assert len(slept) == 5  # the default connection schedule: 5 retries, 6 attempts
    assert DEFAULT_CONNECTION_BACKOFF <= sum(slept) < 30
    assert all(delay <= 4.0 for delay in slept)
    # The first retry's log line says when the call will give up.
    first = next(r.getMessage() for r in caplog.records if "retrying in" in r.getMessage())
    assert "gives up" in first
    assert any("giving up" in r.getMessage() for r in caplog.records)
