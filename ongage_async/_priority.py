"""Priority levels and the reserve only ``"high"`` calls may use.

Ongage gives an account one budget and no server-side priority, so the client is the
only place where "the person waiting on a web page goes first" can be enforced.  Three
levels are enough to say it: ``"high"`` (someone is waiting), ``"normal"`` (the
default) and ``"low"`` (a bulk job, which can always wait).

Waiting callers are served highest level first, first come first served within a level
(see ``_lanes``).  Order alone is not enough: once a low burst has spent the window, a
high call at the head of the queue still waits for the window to turn.  So a
:class:`Reserve` of the budget and of the in-flight cap is the ``"high"`` calls' lane:
the lower levels leave free as much of it as high calls are not using.
"""

from __future__ import annotations

import contextvars
import math
from typing import Literal

import attrs

from ._exceptions import ConfigurationError, InvalidArgumentError
from ._validation import non_negative_int, validator

__all__ = [
    "BULK_PRIORITY",
    "PRIORITIES",
    "Priority",
    "Reserve",
    "check_priority",
    "rank_of",
]

Priority = Literal["high", "normal", "low"]
#: Highest first: a level's rank is its index here.
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
_RANKS: dict[object, int] = {name: rank for rank, name in enumerate(PRIORITIES)}

#: The level the bulk engine's workers run at (set in their tasks only), so that every
#: call a bulk run makes through any namespace goes at it without being told.
BULK_PRIORITY: contextvars.ContextVar[Priority | None] = contextvars.ContextVar(
    "ongage_bulk_priority", default=None
)


def rank_of(priority: object) -> int:
    """0 for ``"high"``, 1 for ``"normal"``, 2 for ``"low"``; a typed error for anything else."""
    try:
        return _RANKS[priority]
    except (KeyError, TypeError):  # TypeError: an unhashable value
        raise InvalidArgumentError(
            f'priority must be "high", "normal" or "low", not {priority!r:.40}'
        ) from None


def check_priority(priority: object, *, setting: bool = False) -> Priority:
    """``priority`` if it is a level; else :class:`InvalidArgumentError` (for a call) or
    :class:`ConfigurationError` (``setting=True``: a client's or a view's)."""
    try:
        return PRIORITIES[rank_of(priority)]
    except InvalidArgumentError as exc:
        if setting:
            raise ConfigurationError(str(exc)) from None
        raise


def _share(_: Reserve, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < 1
        or math.isnan(value)
    ):
        raise ConfigurationError(
            f"Reserve.{attribute.name} must be a fraction of the window's calls, "
            f"0 <= share < 1, not {value!r:.40}"
        )


@attrs.frozen
class Reserve:
    """The part of the budget and of the in-flight cap that only ``"high"`` calls may use.

    It is the high calls' lane: of every window's calls, ``calls(limit)`` are kept for
    them, and of the in-flight slots ``slots_of(max_concurrency)``.  The ``"normal"`` and
    ``"low"`` calls leave free as many tokens (slots) as the high calls are not using, so
    a high call that arrives just after a bulk burst spent the rest of the window still
    starts at once.  High calls beyond their lane share the rest, first in line.  So,
    while they are busy, the other levels start at least ``limit - max(calls, H)`` calls
    a window, H being the high calls of that window: a light trickle of high calls costs
    a bulk job nothing beyond the reserve itself.

    The default keeps 10% of the window's calls (30 of 300) and one slot: a web handler
    making 4 calls a second at the benchmark's 6 s window (24 a window) never waits for
    the window to turn.  ``reserve=None`` keeps nothing back (a job alone on the account).
    """

    #: The fraction of the window's calls kept for ``"high"`` calls (rounded down).
    share: float = attrs.field(default=0.1, validator=_share)
    #: In-flight slots kept for ``"high"`` calls.
    slots: int = attrs.field(default=1, validator=validator(non_negative_int))

    def calls(self, limit: int) -> int:
        """Tokens kept for ``"high"`` calls out of a window of ``limit``: always fewer than
        ``limit``, so the other levels can always make progress."""
        # The epsilon: 0.29 * 100 is 28.999999999999996 in floating point, and means 29.
        return min(int(self.share * limit + 1e-9), max(0, limit - 1))

    def slots_of(self, max_concurrency: int) -> int:
        """Slots kept out of ``max_concurrency``: never all of them (at most one fewer)."""
        return min(self.slots, max(0, max_concurrency - 1))


NO_RESERVE = Reserve(share=0.0, slots=0)


def as_reserve(value: object) -> Reserve:
    """A client's or governor's ``reserve=`` setting: a :class:`Reserve`, or ``None``."""
    if value is None:
        return NO_RESERVE
    if not isinstance(value, Reserve):
        raise ConfigurationError(f"reserve must be a Reserve or None, not {value!r:.40}")
    return value
