"""When and how long to wait before trying a failed call again.

The defaults follow Ongage's own advice for both 429 and 5xx: wait 1, 2, 4, 8 and
16 minutes.  Jitter only ever *adds* to that, so a fleet of clients spreads out
without any of them coming back sooner than Ongage asks.
"""

from __future__ import annotations

import math
import random

import attrs

__all__ = ["RetryPolicy"]


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{attribute.name} must be a number >= 0, not {value!r}")
    if math.isinf(value) or math.isnan(value):
        raise ValueError(f"{attribute.name} must be finite, not {value!r}")


def _retries(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name} must be an int >= 0, not {value!r}")


@attrs.frozen
class RetryPolicy:
    """How often and how patiently to retry.

    * ``max_retries``: attempts after the first (so up to ``max_retries + 1`` sends).
    * ``base_delay * multiplier ** n``: the wait before retry ``n + 1``, at most ``max_delay``.
    * ``jitter``: a random extra of up to this fraction of the delay (0.1 = +0..10 %).
    * ``retry_statuses``: server errors worth retrying for idempotent calls; a 429 is
      always retried, since a rejected call did nothing on the server.
    """

    max_retries: int = attrs.field(default=5, validator=_retries)
    base_delay: float = attrs.field(default=60.0, validator=_non_negative)
    multiplier: float = attrs.field(default=2.0, validator=_non_negative)
    max_delay: float = attrs.field(default=960.0, validator=_non_negative)
    jitter: float = attrs.field(default=0.1, validator=_non_negative)
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({500, 502, 503, 504}), converter=frozenset
    )

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (0 for the first retry).

        A server's ``Retry-After`` wins over the schedule, but never beyond ``max_delay``.
        """
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        base = self.base_delay * self.multiplier**retry_number
        extra = base * self.jitter * random.random() if self.jitter else 0.0
        return min(base + extra, self.max_delay)
