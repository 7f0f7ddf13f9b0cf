"""Retries what can succeed and is safe to repeat, and nothing else.

* A 429 is always retried: the server rejected the call and did nothing.
* 5xx, timeouts, dropped connections and bodies cut short are retried only for
  idempotent calls, because the request may have reached the server and done its
  work (a 504 after the e-mail went out).  A transactional send is never sent twice
  unless the caller says ``idempotent=True``.
* A connection that was never made (connect error, DNS failure, pool timeout) is
  retried for any call: nothing reached the server.
* A redirect, or a 200 that is not JSON (a captive portal's page), is final: the next
  try would get the same.
* No answer, or one cut short, waits seconds (the policy's connection schedule); an
  answer that says "later" (429, 5xx) waits the documented minutes.
* When a write is repeated after an attempt whose outcome is unknown and the server
  refuses the repeat with a 4xx, that refusal may be the first attempt's doing (the
  contact was already renamed, the list already deleted): the caller gets an
  :class:`~ongage_async.AmbiguousOutcomeError`, never a misleading ``NotFoundError``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeGuard

import attrs

from .._call import Call, Handler
from .._exceptions import (
    AmbiguousOutcomeError,
    APIConnectionError,
    APIError,
    InvalidResponseError,
    OngageError,
    RateLimitError,
)
from .._response import Response
from .._retry import RetryEvent, RetryHook, RetryPolicy, retry_after_seconds
from .deadline import remaining

__all__ = ["RetryMiddleware", "log_retry"]

logger = logging.getLogger("ongage_async")

Sleep = Callable[[float], Awaitable[None]]

# Methods that change nothing: a 4xx on their retry says nothing about an earlier try.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Refusals an earlier attempt cannot have caused: the credentials, or the rate.
_NOT_CAUSED_BY_AN_EARLIER_TRY = frozenset({401, 403, 429})


def _retryable(call: Call, exc: APIError | APIConnectionError, policy: RetryPolicy) -> bool:
    if isinstance(exc, APIConnectionError):
        return call.is_idempotent or not exc.request_sent
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, InvalidResponseError):
        # A redirect or a page that is not JSON comes back the same; a body cut short,
        # or a 5xx too big to read, may not.
        return call.is_idempotent and (exc.transient or exc.status in policy.retry_statuses)
    return call.is_idempotent and exc.status in policy.retry_statuses


def _no_answer(exc: Exception) -> bool:
    """Whether the attempt got no whole answer (the connection's schedule, in seconds)."""
    if isinstance(exc, InvalidResponseError):
        return exc.transient  # cut short: the connection broke, as with a drop
    return isinstance(exc, APIConnectionError)


def _outcome_unknown(exc: APIError | APIConnectionError) -> bool:
    """Whether the failed attempt may have done its work on the server."""
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    if isinstance(exc, RateLimitError):
        return False  # rejected before anything was done
    if isinstance(exc, InvalidResponseError):
        return exc.status < 300 or exc.status >= 500  # a 2xx cut short did its work
    return exc.status >= 500


def _refused_after_unknown(exc: Exception, call: Call) -> TypeGuard[APIError]:
    """A write's retry refused in a way an earlier, unconfirmed attempt can explain."""
    return (
        call.method not in _SAFE_METHODS
        and isinstance(exc, APIError)
        and not isinstance(exc, InvalidResponseError)
        and 400 <= exc.status < 500
        and exc.status not in _NOT_CAUSED_BY_AN_EARLIER_TRY
    )


#: What an `APIError` knows of the answer that raised it (`APIError.__init__`'s keywords).
_ANSWER = ("status", "code", "errors", "body", "method", "url", "headers")


def _ambiguous(exc: APIError, earlier: OngageError) -> AmbiguousOutcomeError:
    what = f"HTTP {earlier.status}" if isinstance(earlier, APIError) else type(earlier).__name__
    return AmbiguousOutcomeError(
        f"the outcome is unknown: an earlier attempt got no clear answer ({what}) and may "
        f"have done the work, then the repeat was refused: {exc.message}",
        earlier=earlier,
        **{name: getattr(exc, name) for name in _ANSWER},  # the refusal's own answer
    )


def _give_up_note(call: Call, policy: RetryPolicy, first_delay: float, connection: bool) -> str:
    """When the call gives up if every attempt fails: said once, with the first retry."""
    retries = policy.retries(connection=connection)
    backoff = first_delay + policy.backoff_left(1, connection=connection)
    left = remaining(call)
    # As the retries themselves decide: a back-off that ends at the deadline is not waited.
    if left is not None and left <= backoff:
        seconds, how = left, "at its deadline"
    else:
        seconds, how = backoff, f"after {retries} retries"
    when = dt.datetime.fromtimestamp(time.time() + seconds, tz=dt.timezone.utc)
    return f"; if every attempt fails it gives up {how}, at about {when:%Y-%m-%d %H:%M:%S} UTC"


def log_retry(event: RetryEvent) -> None:
    """The SDK's own retry hook: one WARNING line a retry."""
    logger.warning(
        "%s %s attempt %d failed (%s); retrying in %.3fs%s",
        event.method,
        event.path,
        event.attempt,
        event.error,
        event.delay,
        event.give_up_note,
    )


@attrs.frozen
class RetryMiddleware:
    """Re-runs the rest of the chain after a retryable failure, sleeping in between.

    Before each back-off it tells its hooks (`RetryEvent`): the log line, the
    governor's counter and the user's `on_retry`.  A hook that raises is logged and
    does not change what the call does.
    """

    hooks: tuple[RetryHook, ...]
    sleep: Sleep

    async def __call__(self, call: Call, call_next: Handler) -> Response:
        policy = call.retry
        answer_retries = connection_retries = 0
        unknown: OngageError | None = None  # an attempt that may have done the work
        while True:
            retry_number = answer_retries + connection_retries
            try:
                attempt = attrs.evolve(call, attempt=retry_number) if retry_number else call
                return await call_next(attempt)
            except (APIError, APIConnectionError) as exc:
                if unknown is not None and _refused_after_unknown(exc, call):
                    raise _ambiguous(exc, unknown) from exc
                if policy is None or not _retryable(call, exc, policy):
                    raise
                connection = _no_answer(exc)
                done = connection_retries if connection else answer_retries
                if done >= policy.retries(connection=connection):
                    logger.warning(
                        "giving up on %s %s after %d attempts: %s",
                        call.method,
                        call.path,
                        retry_number + 1,
                        exc,
                    )
                    raise
                if connection:
                    delay = policy.connection_delay(done)
                else:
                    hinted = retry_after_seconds(exc.headers) if isinstance(exc, APIError) else None
                    delay = policy.delay(done, hinted)
                left = remaining(call)
                if left is not None and delay >= left:
                    raise  # a back-off past the deadline: the caller hears why, now
                note = _give_up_note(call, policy, delay, connection) if not retry_number else ""
                event = RetryEvent(
                    call.method, call.path, retry_number + 1, delay, exc, connection, note
                )
                if unknown is None and _outcome_unknown(exc):
                    unknown = exc
            self._tell(event)
            # Sleeps outside the governor: a back-off holds no in-flight slot.
            await self.sleep(delay)
            if connection:
                connection_retries += 1
            else:
                answer_retries += 1

    def _tell(self, event: RetryEvent) -> None:
        for hook in self.hooks:
            try:
                hook(event)
            except Exception:  # a monitoring hook must not change what the call does
                logger.exception("a retry hook failed: %r", hook)
