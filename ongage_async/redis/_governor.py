"""``RedisGovernor``: one account's budget and in-flight cap shared by every process.

Same guarantees as the in-process governor, counted in Redis:

* the budget's tokens cool from each answer (a sorted set of "free again at" times),
  handed out by one Lua script, so no two processes can take the last token (``_budget``);
* the same priority levels and reserve: each process serves its own waiting callers
  highest level first, and the scripts make a lower level wait while another process's
  caller of a higher level waits; the reserve is the high calls' lane in Redis;
* the in-flight cap is a set of leases with an expiry: a killed worker's slots come
  back by themselves after ``lease_ttl``, and a live worker renews its leases while a
  long call runs; a call cut short on the wire keeps its lease while the server may
  still run it (``_cap``);
* errors come out as under the in-process governor: nothing wraps the caller's block in
  a task group, whose ``ExceptionGroup`` no ``except`` and no retry would see;
* a 429 seen by one process pauses all of them (a shared "paused until" key);
* keys are namespaced by account code, so two accounts on one Redis never share a
  budget.

When Redis cannot be reached the governor *fails closed* by default, raising
:class:`GovernorUnavailableError`.  With ``on_unavailable="local"`` it falls back to an
in-process governor with a conservative share of the limits (``1 / expected_processes``)
and tries Redis again after ``reconnect_after`` seconds.  It never drops the limit.  The
fallback share serves the levels in order but keeps no reserve: it is a small share
already, and a reserve of it would leave the lower levels almost nothing.

redis-py's asyncio client runs on asyncio only, so this governor does too.
"""

from __future__ import annotations

import os
from typing import Literal

import attrs

from .._budget import SlidingWindowBudget
from .._concurrency import LocalConcurrencyCap
from .._exceptions import ConfigurationError
from .._governor import Governor
from .._model import Model
from .._priority import Reserve, as_reserve
from ._budget import RedisRateBudget
from ._cap import RedisConcurrencyCap
from ._shared import Shared

__all__ = ["RedisGovernor", "SharedStatistics"]


@attrs.frozen
class SharedStatistics(Model):
    """The budget and the cap as Redis holds them for every process.

    Attributes:
        tokens_in_use: Tokens taken in the current window, by every process.
        leases: Slots held by calls in flight, by every process.
        paused_for: Seconds left of a shared pause after a 429 (0: none).
        next_free_in: Seconds before the next token frees up (0: one is free now).
    """

    tokens_in_use: int
    leases: int
    paused_for: float
    next_free_in: float


class RedisGovernor(Governor):
    """A governor whose budget, cap and pause live in Redis, shared by every process.

    ``RedisGovernor("redis://localhost:6379/0", account="ACCOUNT_CODE")``; the URL
    falls back to ``ONGAGE_REDIS_URL`` and the account to ``ONGAGE_ACCOUNT_CODE``.
    ``reserve`` and ``pace_low`` are as for :meth:`Governor.local`, and hold across
    every process sharing the account (give them all the same settings).
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        rate_limit: int = 300,
        rate_period: float = 60.0,
        max_concurrency: int = 10,
        account: str | None = None,
        lease_ttl: float = 30.0,
        on_unavailable: Literal["fail", "local"] = "fail",
        expected_processes: int = 4,
        reconnect_after: float = 5.0,
        key_prefix: str = "ongage-async",
        reserve: Reserve | None = Reserve(),  # noqa: B008 (a frozen value)
        pace_low: bool = False,
    ) -> None:
        url = redis_url or os.environ.get("ONGAGE_REDIS_URL")
        account = account or os.environ.get("ONGAGE_ACCOUNT_CODE")
        if not url:
            raise ConfigurationError("RedisGovernor needs redis_url= or ONGAGE_REDIS_URL")
        if not account:
            raise ConfigurationError(
                "RedisGovernor needs account= (or ONGAGE_ACCOUNT_CODE): the budget is per account"
            )
        if on_unavailable not in ("fail", "local"):
            raise ConfigurationError('on_unavailable must be "fail" or "local"')
        if not lease_ttl > 0 or expected_processes < 1:
            raise ConfigurationError("lease_ttl and expected_processes must be positive")
        if not isinstance(pace_low, bool):
            raise ConfigurationError(f"pace_low must be True or False, not {pace_low!r:.40}")
        kept = as_reserve(reserve)
        shared = Shared(url, f"{key_prefix}:{account}", on_unavailable, reconnect_after)
        share = expected_processes
        budget = RedisRateBudget(
            shared,
            rate_limit,
            rate_period,
            hold=300.0 + rate_period,
            fallback=SlidingWindowBudget(
                max(1, rate_limit // share), rate_period, pace_low=pace_low
            ),
            reserve=kept.calls(rate_limit),
            pace_low=pace_low,
        )
        cap = RedisConcurrencyCap(
            shared,
            max_concurrency,
            lease_ttl,
            LocalConcurrencyCap(max(1, max_concurrency // share)),
            reserve=kept.slots_of(max_concurrency),
        )
        super().__init__(budget, cap)
        self._shared = shared
        self._redis_budget = budget
        self._redis_cap = cap

    async def shared_statistics(self) -> SharedStatistics:
        """The shared state as Redis has it now: tokens in use, leases, pause, next free.

        `statistics()` is this process's counters; this reads every process's, in Redis.
        """
        keys = [self._shared.key(k) for k in ("tokens", "leases", "pause")]
        tokens, leases, paused, next_free = await self._shared.run("STATE", keys, [])
        return SharedStatistics(int(tokens), int(leases), float(paused), float(next_free))

    async def aclose(self) -> None:
        await self._redis_cap.aclose()
        # The pool was handed to the client, so the client's aclose() alone leaves its
        # connections open (redis-py closes only a pool it made itself).
        await self._shared.redis.aclose(close_connection_pool=True)
