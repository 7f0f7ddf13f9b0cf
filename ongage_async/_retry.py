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

import math
import random

import attrs

from ._exceptions import OngageError
from ._validation import non_negative_int, validator

__all__ = ["RetryPolicy", "as_retry"]


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
