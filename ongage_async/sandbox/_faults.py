"""Failures on demand: the things a real network and a real Ongage do to a client.

A :class:`FaultPlan` is either scripted (``script``: one entry per call in arrival
order, ``None`` for a normal answer) or random (``rules``: each :class:`Fault` has a
probability), or both (the script first).  A fault can be limited to calls whose
method and path match.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Literal

import attrs

__all__ = ["Fault", "FaultKind", "FaultPlan"]

FaultKind = Literal[
    "rate_limit",  # 429 "Calls per minute exceeded"; the call does nothing
    "server_error",  # 500/503/504 with Ongage's JSON error envelope; nothing done
    "html_error",  # 502/504 with an HTML body, as a proxy sends; nothing done
    "slow",  # the answer waits `delay` seconds first (past the client's timeout)
    "drop",  # the connection closes mid-answer; the work IS done
    "truncated",  # a 200 whose JSON is cut short; the work IS done
    "lost_answer",  # the work is done, but the answer is a 504
]

_STATUS = {"rate_limit": 429, "server_error": 500, "html_error": 502, "lost_answer": 504}


@attrs.frozen
class Fault:
    """One kind of failure, with what it needs."""

    kind: FaultKind
    probability: float = 1.0
    status: int | None = None
    delay: float = 5.0
    method: str | None = None
    path: str | None = None  # a regular expression searched in the path

    @property
    def http_status(self) -> int:
        return self.status or _STATUS.get(self.kind, 200)

    @property
    def does_the_work(self) -> bool:
        """Whether the server acts on the call before failing (the ambiguous faults)."""
        return self.kind in ("drop", "truncated", "lost_answer", "slow")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@attrs.frozen
class FaultPlan:
    """Which calls fail, and how."""

    script: Sequence[Fault | None] = ()
    rules: Sequence[Fault] = ()


@attrs.define
class FaultPicker:
    """The plan's state while the server runs (position in the script, the random source)."""

    plan: FaultPlan
    rng: random.Random
    position: int = 0

    def pick(self, method: str, path: str) -> Fault | None:
        if self.position < len(self.plan.script):
            scripted = self.plan.script[self.position]
            self.position += 1
            return scripted if scripted is None or scripted.matches(method, path) else None
        for rule in self.plan.rules:
            if rule.matches(method, path) and self.rng.random() < rule.probability:
                return rule
        return None
