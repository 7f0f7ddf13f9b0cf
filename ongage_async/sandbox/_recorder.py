"""What the sandbox saw, for tests to read: every call, and every write that matters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import attrs

from .._model import Model

__all__ = ["CallRecord", "Recorder", "RecorderStatistics", "most_in_any_window"]


@attrs.frozen
class CallRecord:
    """One call as the server saw it (arrival = when its whole request had arrived)."""

    arrived: float
    method: str
    path: str
    list_id: int | None
    status: int
    fault: str | None = None


def most_in_any_window(times: list[float], period: float) -> int:
    """The most arrivals in any half-open span ``(t - period, t]``."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - period:
            start += 1
        best = max(best, end - start + 1)
    return best


@attrs.frozen
class RecorderStatistics(Model):
    """What a sandbox saw, in figures: the same from Python and over HTTP.

    Attributes:
        calls: Every request answered, 401s and 429s included.
        rejected_429: Calls refused for the rate or the in-flight limit.
        peak_in_flight: The most calls answered at once.
        most_in_any_window: The most calls that arrived in any `rate_period` span.
        contact_writes: Contacts created or updated, summed over every list.
        transactional_sends: Transactional e-mails "sent".
        duplicate_sends: Recipients who got more than one, with how many.
        mailing_launches: Campaigns launched.
    """

    calls: int
    rejected_429: int
    peak_in_flight: int
    most_in_any_window: int
    contact_writes: int
    transactional_sends: int
    duplicate_sends: Mapping[str, int]
    mailing_launches: int


@attrs.define
class Recorder:
    """The sandbox's log.  Counters are keyed by e-mail so duplicates are plain to see."""

    calls: list[CallRecord] = attrs.field(factory=list)
    peak_in_flight: int = 0
    rejected_429: int = 0
    #: (list_id, email) -> how many times the contact was created or updated
    contact_writes: Counter[tuple[int, str]] = attrs.field(factory=Counter)
    #: recipient e-mail -> how many transactional e-mails were sent to it
    transactional_sends: Counter[str] = attrs.field(factory=Counter)
    #: every transactional send: (recipient, message_id or "embedded", campaign_id)
    sent_messages: list[tuple[str, str, str | None]] = attrs.field(factory=list)
    #: every mailing (campaign) launched: (list_id, mailing_id), in launch order
    mailing_launches: list[tuple[int, str]] = attrs.field(factory=list)

    def most_in_any_window(self, period: float) -> int:
        """The most calls that arrived in any span of ``period`` seconds."""
        return most_in_any_window([c.arrived for c in self.calls], period)

    def statistics(self, period: float) -> RecorderStatistics:
        """The headline figures (``GET /_sandbox/recorder`` sends their ``to_dict()``)."""
        return RecorderStatistics(
            calls=len(self.calls),
            rejected_429=self.rejected_429,
            peak_in_flight=self.peak_in_flight,
            most_in_any_window=self.most_in_any_window(period),
            contact_writes=sum(self.contact_writes.values()),
            transactional_sends=sum(self.transactional_sends.values()),
            duplicate_sends=self.duplicate_sends(),
            mailing_launches=len(self.mailing_launches),
        )

    def duplicate_sends(self) -> dict[str, int]:
        """Recipients who got more than one transactional e-mail."""
        return {email: n for email, n in self.transactional_sends.items() if n > 1}

    def reset(self) -> None:
        """Forget what was seen (the store is left as it is)."""
        self.calls.clear()
        self.peak_in_flight = 0
        self.rejected_429 = 0
        self.contact_writes.clear()
        self.transactional_sends.clear()
        self.sent_messages.clear()
        self.mailing_launches.clear()
