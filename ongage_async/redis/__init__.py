"""One account budget across processes and hosts: ``from ongage_async.redis import RedisGovernor``.

Needs the ``[redis]`` extra (redis-py).  See :mod:`ongage_async.redis._governor`.
"""

from .._exceptions import GovernorUnavailableError
from ._budget import RedisRateBudget
from ._cap import RedisConcurrencyCap
from ._governor import RedisGovernor, SharedStatistics

__all__ = [
    "GovernorUnavailableError",
    "RedisConcurrencyCap",
    "RedisGovernor",
    "RedisRateBudget",
    "SharedStatistics",
]

# Tracebacks name the public path, as the package's other errors do.
GovernorUnavailableError.__module__ = __name__
