"""The sandbox's configuration: a frozen value, so a test states the server it wants."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from ._faults import FaultPlan

__all__ = ["LATENCY_HELP", "SandboxConfig", "SandboxCredentials", "parse_latency"]


LATENCY_HELP = (
    "delay added to each answer: one duration, or LOW,HIGH for a uniform spread; "
    "seconds or ms (0.005, 5ms, 5ms,30ms)"
)
_UNITS = {"ms": 0.001, "s": 1.0}


def parse_latency(text: str) -> tuple[float, float]:
    """``"5ms"`` -> (0.005, 0.005); ``"0.005,0.03"`` -> (0.005, 0.03); raises ValueError."""
    parts = [part.strip().lower() for part in text.split(",")]
    if len(parts) > 2:
        raise ValueError(f"expected a duration or LOW,HIGH, not {text!r}")
    bounds = []
    for part in parts:
        unit = next((u for u in ("ms", "s") if part.endswith(u)), "")
        try:
            value = float(part.removesuffix(unit)) * _UNITS.get(unit, 1.0)
        except ValueError:
            raise ValueError(f"{part!r} is not a duration (examples: 0.005, 5ms)") from None
        if not 0 <= value < 3600:  # also refuses nan and inf
            raise ValueError(f"{part!r} is not a duration from 0 to an hour")
        bounds.append(value)
    low, high = bounds[0], bounds[-1]
    if high < low:
        raise ValueError(f"LOW is above HIGH in {text!r}")
    return low, high


@attrs.frozen
class SandboxCredentials:
    """The credentials the sandbox accepts (repr hides them, as the client does)."""

    username: str = attrs.field(default="sandbox", repr=False)
    password: str = attrs.field(default="sandbox", repr=False)
    account_code: str = attrs.field(default="SANDBOX", repr=False)
    api_key: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxCredentials:
        """``ONGAGE_USERNAME``/``PASSWORD``/``ACCOUNT_CODE``/``API_KEY`` when set, else defaults."""
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            username=env.get("ONGAGE_USERNAME") or default.username,
            password=env.get("ONGAGE_PASSWORD") or default.password,
            account_code=env.get("ONGAGE_ACCOUNT_CODE") or default.account_code,
            api_key=env.get("ONGAGE_API_KEY") or None,
        )


def _positive(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{attribute.name} must be positive, not {value!r}")


def _latency(_: object, attribute: attrs.Attribute[Any], value: tuple[float, float]) -> None:
    low, high = value
    if not 0 <= low <= high:
        raise ValueError(f"latency must be (low, high) with 0 <= low <= high, not {value!r}")


@attrs.frozen
class SandboxConfig:
    """How the sandbox behaves.

    * ``rate_limit`` calls per ``rate_period`` seconds and ``max_concurrency`` in flight,
      as Ongage documents (300 / 60 s / 10).
    * ``window``: ``"sliding"`` (the strict reading: any ``rate_period`` span) or
      ``"fixed"`` (windows aligned to the server's start).
    * ``latency``: each answer waits a random time in this range (seconds), while the
      call counts as in flight.
    * ``faults``: a :class:`FaultPlan` of injected failures.
    * ``default_list_id`` and ``seed_lists``: the account's lists at start.
    * ``max_contacts_per_call`` / ``max_body_bytes``: Ongage documents no hard limit
      (only "5-50, up to about 100"), so none applies unless a test sets one; past it
      the answer is 413.
    * ``job_polls_per_step``: how many status polls an asynchronous job (import,
      export, contact search or activity, a launched mailing's run) stays in each
      documented status.
    * ``import_fetch_hosts``: hosts an import's ``file_url`` may name besides loopback
      addresses (``"*"``: any); ``import_max_bytes``: the largest file (and unpacked
      ZIP) an import fetches; ``import_rows_per_poll``: how many rows an import
      processes per status poll (``None``: all of them over ``job_polls_per_step``
      polls), so a test can follow its ``progress`` row by row.
    """

    credentials: SandboxCredentials = attrs.field(factory=SandboxCredentials)
    rate_limit: int = attrs.field(default=300, validator=_positive)
    rate_period: float = attrs.field(default=60.0, validator=_positive)
    max_concurrency: int = attrs.field(default=10, validator=_positive)
    window: Literal["sliding", "fixed"] = attrs.field(
        default="sliding", validator=attrs.validators.in_(("sliding", "fixed"))
    )
    latency: tuple[float, float] = attrs.field(default=(0.0, 0.0), validator=_latency)
    faults: FaultPlan = attrs.field(factory=FaultPlan)
    default_list_id: int = 10001
    seed_lists: Sequence[Mapping[str, Any]] = ()
    max_contacts_per_call: int | None = None
    max_body_bytes: int | None = None
    job_polls_per_step: int = 1
    seed: int | None = 0
    import_fetch_hosts: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    import_max_bytes: int = attrs.field(default=1 << 30, validator=_positive)
    import_rows_per_poll: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_positive)
    )
