"""One account budget across processes and hosts: ``from ongage_async.redis import RedisGovernor``.

Needs the ``[redis]`` extra (redis-py).  See :mod:`ongage_async.redis._governor`.
"""

from ._governor import GovernorUnavailableError, RedisConcurrencyCap, RedisGovernor, RedisRateBudget

__all__ = ["GovernorUnavailableError", "RedisConcurrencyCap", "RedisGovernor", "RedisRateBudget"]
