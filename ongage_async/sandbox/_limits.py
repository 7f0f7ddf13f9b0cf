"""Ongage's two limits as the server enforces them: calls per window, calls in parallel.

The strict readings chosen where the FAQ is silent (and why):

* A call is counted when its whole request has arrived, as behind a buffering proxy:
  a client cannot assume its send time is the server's count time.
* Every authenticated call counts toward the window, including the ones answered 429:
  "you can issue 300 API calls per minute" counts calls issued, not calls served.
  A client that overshoots is therefore punished for longer, never rewarded.
* ``sliding`` counts any span of ``rate_period`` seconds (no burst across a boundary
  can slip through); ``fixed`` counts in windows aligned to the server's start.
* A call over the in-flight cap is rejected at once with 429 and does not run.
* A call is in flight from the arrival of its whole request until its whole answer has
  been written; the 429 and 401 answers themselves are not in flight.
"""

from __future__ import annotations

import math
from collections import deque

import attrs

__all__ = ["Admission", "AccountLimits"]


@attrs.frozen
class Admission:
    """Whether an arrived call may run, and if not why."""

    allowed: bool
    reason: str = ""


class AccountLimits:
    """The per-account counters.  Single event loop, so no lock is needed."""

    def __init__(
        self, rate_limit: int, rate_period: float, max_concurrency: int, window: str = "sliding"
    ) -> None:
        self.rate_limit = rate_limit
        self.rate_period = rate_period
        self.max_concurrency = max_concurrency
        self.window = window
        self._arrivals: deque[float] = deque()
        self._fixed_calls: dict[int, int] = {}  # the current fixed window's, by its index
        self._origin: float | None = None
        self.in_flight: int = 0

    def _count_in_window(self, now: float) -> int:
        if self.window == "fixed":
            if self._origin is None:
                self._origin = now
            index = math.floor((now - self._origin) / self.rate_period)
            calls = self._fixed_calls.get(index, 0) + 1
            self._fixed_calls = {index: calls}  # an earlier window is over for good
            return calls
        arrivals = self._arrivals
        while arrivals and arrivals[0] <= now - self.rate_period:
            arrivals.popleft()
        arrivals.append(now)
        return len(arrivals)

    def admit(self, now: float) -> Admission:
        """Count one arrival at ``now`` and decide; on success the call is in flight."""
        if self._count_in_window(now) > self.rate_limit:
            return Admission(False, "Calls per minute exceeded")
        if self.in_flight >= self.max_concurrency:
            return Admission(False, "Too many API calls running in parallel")
        self.in_flight += 1
        return Admission(True)

    def finish(self) -> None:
        """An admitted call has sent its whole answer."""
        self.in_flight -= 1
