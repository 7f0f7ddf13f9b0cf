"""The account of a bulk run: where each row went, and how an answer is read.

Every row read ends in exactly one place, and a row whose fate is unknown says so: its
reason begins ``UNCONFIRMED`` (it may have been written: in flight when the run
stopped, or an answer that did not vouch for it) and, when the run never sent it, ends
``NEVER_SENT`` (so it surely was not written).  Rows are matched by ``fold_key``:
Ongage matches e-mails in any case, so ``Ann@X.com`` and ``ann@x.com`` are one contact.
"""

from __future__ import annotations

import attrs

from .models import ContactWriteResult, StatusChangeResult

__all__ = [
    "NEVER_SENT",
    "UNCONFIRMED",
    "UNMENTIONED",
    "Tally",
    "fold_key",
    "status_outcome",
    "write_outcome",
]

#: How the reason of a row whose fate is unknown begins (it may have been written).
UNCONFIRMED = "not confirmed: "
#: How the reason of such a row ends when the run never sent it (so it was not written).
NEVER_SENT = "; never sent"

UNMENTIONED = "the answer did not mention this contact"


def fold_key(key: str) -> str:
    """The key two rows for one contact share: Ongage matches e-mails in any case."""
    return key.lower() if "@" in key else key


@attrs.define
class Tally:
    """The mutable account of a run; every change happens synchronously (no await)."""

    created: int = 0
    updated: int = 0
    failed: dict[str, str] = attrs.field(factory=dict)
    skipped: dict[str, str] = attrs.field(factory=dict)
    ids: dict[str, str] | None = None  # e-mail -> contact id, when asked to keep them
    # folded key -> (row number, key as given): read, fate unknown.  ``sent`` holds the
    # folded keys among them handed to a call, which may have written them.
    pending: dict[str, tuple[int, str]] = attrs.field(factory=dict)
    sent: set[str] = attrs.field(factory=set)
    rows: dict[str, int] = attrs.field(factory=dict)  # failed/skipped label -> row number
    rows_read: int = 0

    def done(self) -> int:
        return self.created + self.updated + len(self.failed) + len(self.skipped)

    def record(self, kind: str, key: str, row_number: int, detail: str) -> None:
        """Count one row's outcome; a failure is filed under a label no other row has."""
        if kind == "created" or kind == "updated":
            setattr(self, kind, getattr(self, kind) + 1)
            if self.ids is not None:
                self.ids[key] = detail
            return
        target: dict[str, str] = getattr(self, kind)
        label = f"{key} (row {row_number})" if key in target else key
        target[label] = detail
        self.rows[label] = row_number

    def skip(self, label: str, row_number: int, reason: str) -> None:
        self.skipped[label] = reason
        self.rows[label] = row_number

    def settle_pending(self, reason: str) -> None:
        for folded, (row_number, key) in list(self.pending.items()):
            why = reason if folded in self.sent else reason + NEVER_SENT
            self.record("failed", key, row_number, why)
        self.pending.clear()
        self.sent.clear()


def write_outcome(result: ContactWriteResult) -> dict[str, tuple[str, str]]:
    """A contact write's answer as ``email -> (kind, detail)`` for the tally."""
    outcome: dict[str, tuple[str, str]] = {}
    for email, contact_id in {**result.created, **result.revived}.items():
        outcome[email] = ("created", contact_id)
    for email, contact_id in result.updated.items():
        outcome[email] = ("updated", contact_id)
    for email, reason in result.failed.items():
        outcome[email] = ("failed", reason or "failed")
    return outcome


def status_outcome(emails: list[str], result: StatusChangeResult) -> dict[str, tuple[str, str]]:
    """A status change's answer: the e-mails in ``failed`` failed; the others were changed
    only if ``success`` counts exactly them.

    The answer names only failures, so silence proves nothing: an empty answer (``null``,
    ``[]``, ``{}``: ``success`` 0) or a count that does not add up leaves those rows
    unconfirmed, never "updated".
    """
    failed = {fold_key(email): reason for email, reason in result.failed.items()}
    changed = [email for email in emails if fold_key(email) not in failed]
    if result.success == len(changed):
        outcome = ("updated", "")
    else:
        confirmed = f"the answer confirmed {result.success} of {len(changed)} changes"
        outcome = ("unconfirmed", confirmed)
    answers: dict[str, tuple[str, str]] = {}
    for email in emails:
        reason = failed.get(fold_key(email))
        answers[email] = outcome if reason is None else ("failed", reason or "failed")
    return answers
