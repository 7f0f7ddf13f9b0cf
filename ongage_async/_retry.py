"""When and how long to wait before trying a failed call again.

Two schedules, because failures differ.  When the server *answers* 429 or 5xx, the
defaults follow Ongage's own advice: wait 1, 2, 4, 8 and 16 minutes.  When no answer
comes at all (connection refused, DNS failure, a dropped connection, a timeout), the
network blinked or the host is down: a few tries seconds apart (0.5, 1, 2, 4, 4 s) find
out which, instead of holding the caller for half an hour.

Jitter only ever *adds* to a delay, so a fleet of clients spreads out without any of
them coming back sooner than Ongage asks.  No wait is ever longer than ``max_delay``,
whatever a ``Retry-After`` header says.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping

import attrs

from ._exceptions import OngageError
from ._validation import non_negative_int, validator

__all__ = ["RetryPolicy", "as_retry", "retry_after_seconds", "RetryEvent", "RetryHook"]


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{attribute.name} must be a number >= 0, not {value!r}")
    if math.isinf(value) or math.isnan(value):
        raise ValueError(f"{attribute.name} must be finite, not {value!r}")


@attrs.frozen
class RetryPolicy:
    """How often and how patiently to retry.

    * ``max_retries``: retries after a 429 or a 5xx (so up to ``max_retries + 1`` sends).
    * ``base_delay * multiplier ** n``: the wait before retry ``n + 1``, at most ``max_delay``.
    * ``jitter``: a random extra of up to this fraction of the delay (0.1 = +0..10 %).
    * ``retry_statuses``: server errors worth retrying for idempotent calls; a 429 is
      always retried, since a rejected call did nothing on the server.
    * ``connection_retries``, ``connection_base_delay``, ``connection_max_delay``: the
      same for a call that got no whole answer (``APIConnectionError``, timeouts
      included, or JSON cut short), with the same ``multiplier`` and ``jitter``: 0.5,
      1, 2, 4 and 4 s.  ``connection_retries=None`` (the default) retries as often as
      ``max_retries`` says, so ``max_retries=0`` still means no retries at all.
    * ``max_delay`` bounds every wait: both schedules, ``Retry-After``, and the pause
      of the whole governor after a 429.
    """

    max_retries: int = attrs.field(default=5, validator=validator(non_negative_int))
    base_delay: float = attrs.field(default=60.0, validator=_non_negative)
    multiplier: float = attrs.field(default=2.0, validator=_non_negative)
    max_delay: float = attrs.field(default=960.0, validator=_non_negative)
    jitter: float = attrs.field(default=0.1, validator=_non_negative)
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({500, 502, 503, 504}), converter=frozenset
    )
    connection_retries: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(validator(non_negative_int))
    )
    connection_base_delay: float = attrs.field(default=0.5, validator=_non_negative)
    connection_max_delay: float = attrs.field(default=4.0, validator=_non_negative)

    def retries(self, *, connection: bool) -> int:
        """How many retries the schedule for this kind of failure allows."""
        if connection and self.connection_retries is not None:
            return self.connection_retries
        return self.max_retries

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (0 for the first) after an answer.

        A server's ``Retry-After`` wins over the schedule, but never beyond ``max_delay``;
        a negative or non-finite one means nothing and is ignored.
        """
        if retry_after is not None and 0 <= retry_after < math.inf:
            return min(retry_after, self.max_delay)
        return self._with_jitter(
            self._step(self.base_delay, retry_number, self.max_delay), self.max_delay
        )

    def connection_delay(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` after a call got no answer."""
        cap = min(self.connection_max_delay, self.max_delay)
        return self._with_jitter(self._step(self.connection_base_delay, retry_number, cap), cap)

    def pause_bound(self, pause: float) -> float:
        """``pause`` (seconds the governor stops everyone after a 429), at most ``max_delay``."""
        return min(pause, self.max_delay)

    def backoff_left(self, retry_number: int, *, connection: bool) -> float:
        """Seconds of back-off from retry ``retry_number`` on, if every attempt failed at once.

        Without jitter: what the log line says when a call starts retrying.
        """
        limit = self.retries(connection=connection)
        if connection:
            base, cap = self.connection_base_delay, min(self.connection_max_delay, self.max_delay)
        else:
            base, cap = self.base_delay, self.max_delay
        total = 0.0
        for n in range(retry_number, limit):
            step = self._step(base, n, cap)
            if step >= cap and self.multiplier >= 1:  # every later step is the cap too
                return total + cap * (limit - n)
            total += step
        return total

    def _step(self, base: float, retry_number: int, cap: float) -> float:
        try:
            return min(base * self.multiplier**retry_number, cap)
        except OverflowError:  # multiplier ** 2000: far past any cap
            return cap

    def _with_jitter(self, delay: float, cap: float) -> float:
        extra = delay * self.jitter * random.random() if self.jitter else 0.0
        return min(delay + extra, cap)


def as_retry(value: object, error: type[OngageError]) -> RetryPolicy | None:
    """A ``retry=`` option: a :class:`RetryPolicy`, or ``False`` (None: no retries)."""
    if value is False:
        return None
    if not isinstance(value, RetryPolicy):
        raise error(f"retry must be a RetryPolicy or False, not {value!r:.60}")
    return value


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds, if there is a usable one.

    A negative, infinite or NaN number of seconds is no instruction at all: None, as if
    the header were absent.  A date in the past means "now" (0).  The result is not
    bounded here; the retry policy's ``max_delay`` bounds what is waited.
    """
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if 0 <= seconds < math.inf else None
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


@attrs.frozen
class RetryEvent:
    """A retry about to happen: what hooks (`OngageClient(on_retry=[...])`) receive.

    The SDK's own subscribers are the log line and the governor's `retries` counter;
    yours may count, trace or alert, as stamina's hooks do.

    Attributes:
        method: The call's HTTP method.
        path: The call's path.
        attempt: The attempt that failed (1 for the first).
        delay: Seconds it waits before the next one.
        error: What the failed attempt raised.
        connection: True when the attempt got no whole answer (the seconds schedule),
            False for an answer that said "later" (a 429, a retryable 5xx).
        give_up_note: With the first retry only, when the call gives up if every
            attempt fails (`"; if every attempt fails it gives up after 5 retries, at
            about ..."`); empty otherwise.
    """

    method: str
    path: str
    attempt: int
    delay: float
    error: OngageError
    connection: bool
    give_up_note: str = ""


#: A retry hook: called before each back-off, never with the call's credentials.
RetryHook = Callable[[RetryEvent], None]
