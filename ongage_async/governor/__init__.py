"""The governor: the account's call budget and in-flight cap, shared by a client's calls.

`OngageClient` builds one for you (`Governor.local(...)`); reach for these to share one
between clients, to read its figures (`client.governor.statistics()`), or to plug in a
budget or cap of your own (`RateBudget`, `ConcurrencyCap`). The Redis governor, which
shares one budget across processes, is `ongage_async.redis.RedisGovernor`.
"""

from .._budget import BudgetStatistics, RateBudget, SlidingWindowBudget
from .._concurrency import CapStatistics, ConcurrencyCap, LocalConcurrencyCap
from .._governor import Governor, GovernorStatistics
from .._priority import PRIORITIES, Priority, Reserve

__all__ = [
    "PRIORITIES",
    "BudgetStatistics",
    "CapStatistics",
    "ConcurrencyCap",
    "Governor",
    "GovernorStatistics",
    "LocalConcurrencyCap",
    "Priority",
    "RateBudget",
    "Reserve",
    "SlidingWindowBudget",
]
