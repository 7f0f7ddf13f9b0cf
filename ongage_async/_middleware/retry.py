"""Retries what is safe to retry, and nothing else.

* A 429 is always retried: the server rejected the call and did nothing.
* 5xx, timeouts, dropped connections and unreadable answers are retried only for
  idempotent calls, because the request may have reached the server and done its
  work (a 504 after the e-mail went out).  A transactional send is never sent twice
  unless the caller says ``idempotent=True``.
* A connection that was never made (connect error, pool timeout) is retried for any
  call: nothing reached the server.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import attrs

from .._call import Call, Handler
from .._errors import APIConnectionError, APIError, RateLimitError
from .._governor import Governor
from .._response import InvalidResponseError, Response
from .._retry import RetryPolicy
from .deadline import remaining

__all__ = ["RetryMiddleware", "retry_after_seconds"]

logger = logging.getLogger("ongage_async")

Sleep = Callable[[float], Awaitable[None]]


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds, if there is one."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable(call: Call, exc: Exception, policy: RetryPolicy) -> bool:
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, APIConnectionError):
        return call.is_idempotent or not exc.request_sent
    if isinstance(exc, InvalidResponseError):
        return call.is_idempotent
    if isinstance(exc, APIError):
        return call.is_idempotent and exc.status in policy.retry_statuses
    return False


@attrs.frozen
class RetryMiddleware:
    """Re-runs the rest of the chain after a retryable failure, sleeping in between."""

    governor: Governor
    sleep: Sleep

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        policy = call.retry
        retry_number = 0
        while True:
            try:
                attempt = attrs.evolve(call, attempt=retry_number) if retry_number else call
                return await call_next(attempt)
            except (APIError, APIConnectionError) as exc:
                if policy is None or not _retryable(call, exc, policy):
                    raise
                if retry_number >= policy.max_retries:
                    logger.warning(
                        "giving up on %s %s after %d attempts: %s",
                        call.method,
                        call.path,
                        retry_number + 1,
                        exc,
                    )
                    raise
                hinted = retry_after_seconds(exc.headers) if isinstance(exc, APIError) else None
                delay = policy.delay(retry_number, hinted)
                left = remaining(call)
                if left is not None and delay >= left:
                    raise  # a back-off past the deadline: the caller hears why, now
                logger.warning(
                    "%s %s attempt %d failed (%s); retrying in %.3fs",
                    call.method,
                    call.path,
                    retry_number + 1,
                    exc,
                    delay,
                )
            self.governor.retrying()
            # Sleeps outside the governor: a back-off holds no in-flight slot.
            await self.sleep(delay)
            retry_number += 1
