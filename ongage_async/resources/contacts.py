"""``client.contacts``: write contacts (per-e-mail answers), look them up, change status.

Writes are checked before anything is sent: every row needs a valid e-mail (or, for
updates, a contact id), and ``POST /api/v2/contacts`` takes its list only in the route
(never ``list_id`` in the body), as Ongage documents.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .._bulk import BulkOperation, BulkProgress, BulkResult, status_outcome, write_outcome
from .._errors import InvalidArgumentError
from .._validation import contact_id as check_contact_id
from .._validation import items_of
from ..models import Contact, ContactWriteResult, StatusChangeResult
from ._base import APIResource, drop_none, list_id_of, one_of, rows_of

__all__ = ["CHANGE_TO", "ContactsResource", "is_valid_email"]

CHANGE_TO = ("unsubscribe", "resubscribe", "remove", "bounce", "complaint", "soft_bounce")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def is_valid_email(value: object) -> bool:
    """Ongage's own check is stricter server-side; this catches what can never pass."""
    return isinstance(value, str) and len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def _email(value: object, where: str = "email") -> str:
    if not is_valid_email(value):
        raise InvalidArgumentError(f"{where} is not a valid e-mail address: {value!r:.60}")
    assert isinstance(value, str)
    return value


def contact_row(contact: Mapping[str, Any], *, by_id: bool = False) -> dict[str, Any]:
    """One contact as the wire wants it; ``{"email", "fields": {...}}`` or flat fields."""
    if not isinstance(contact, Mapping):
        raise InvalidArgumentError(f"each contact must be a mapping, not {type(contact).__name__}")
    if "list_id" in contact:
        raise InvalidArgumentError("pass list_id= to the method, not inside a contact")
    row = dict(contact)
    if "fields" in row and not isinstance(row["fields"], Mapping):
        raise InvalidArgumentError("a contact's fields must be a mapping")
    if by_id and row.get("id") is not None:
        row["id"] = check_contact_id(row["id"], name="a contact's id")
        return row
    row["email"] = _email(row.get("email"), "a contact's email")
    return row


def _rows(contacts: Mapping[str, Any] | Iterable[Mapping[str, Any]], **kw: bool) -> list[Any]:
    items = [contacts] if isinstance(contacts, Mapping) else items_of(contacts, name="contacts")
    return [contact_row(item, **kw) for item in items]


def _body(given: object, rows: list[Any]) -> Any:
    """One contact goes as an object, several as an array: both as Ongage's page shows."""
    return rows[0] if isinstance(given, Mapping) else rows


class ContactsResource(APIResource):
    """Create, update, find and change the status of contacts."""

    async def create(
        self,
        contacts: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        overwrite: bool = False,
        list_id: int | str | None = None,
    ) -> ContactWriteResult:
        """``POST /api/v2/contacts``: add contacts (``overwrite=True`` also updates existing ones).

        Ongage suggests 5-50 contacts a call (up to ~100 when small); see ``imports`` beyond.
        """
        if not isinstance(overwrite, bool):
            raise InvalidArgumentError("overwrite must be True or False")
        rows = [{**row, "overwrite": overwrite} if overwrite else row for row in _rows(contacts)]
        payload = await self._client.request(
            "POST", "/api/v2/contacts", json=_body(contacts, rows), list_id=list_id
        )
        return ContactWriteResult.from_payload(payload)

    async def update(
        self,
        contacts: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        list_id: int | str | None = None,
    ) -> ContactWriteResult:
        """``PUT /api/v2/contacts``: update existing contacts, matched by e-mail or ``id``."""
        rows = _rows(contacts, by_id=True)
        payload = await self._client.request(
            "PUT", "/api/v2/contacts", json=_body(contacts, rows), list_id=list_id
        )
        return ContactWriteResult.from_payload(payload)

    async def get(self, email: str, *, list_id: int | str | None = None) -> Contact:
        """``GET /api/contacts/by_email/<email>`` (404 -> ``NotFoundError``)."""
        path = f"/api/contacts/by_email/{quote(_email(email), safe='@')}"
        return Contact.from_payload(await self._client.request("GET", path, list_id=list_id))

    async def get_by_id(
        self, contact_id: int | str, *, list_id: int | str | None = None
    ) -> Contact:
        """``GET /api/contacts/by_id/<id>``; Ongage's contact ids are opaque (hex) strings."""
        path = f"/api/contacts/by_id/{check_contact_id(contact_id)}"
        return Contact.from_payload(await self._client.request("GET", path, list_id=list_id))

    async def find(self, email: str, *, behavior: bool | None = None) -> tuple[Contact, ...]:
        """``GET /api/contacts/cross_account``: the contact in every list you may see."""
        params = drop_none({"email": _email(email), "behavior": behavior})
        payload = await self._client.request(
            "GET", "/api/contacts/cross_account", params=params, list_scoped=False
        )
        rows = rows_of(payload)
        return tuple(Contact.from_payload(row) for row in rows)

    async def change_status(
        self,
        emails: Sequence[str],
        change_to: str,
        *,
        ocx_child_id: int | str | None = None,
        ocx_connection_id: int | str | None = None,
        list_id: int | str | None = None,
    ) -> StatusChangeResult:
        """``POST /api/v2/contacts/change_status``: unsubscribe, resubscribe, remove, ..."""
        emails = items_of(emails, name="emails")
        body = drop_none(
            {
                "emails": [_email(e) for e in emails],
                "change_to": one_of(change_to, CHANGE_TO, name="change_to"),
                "ocx_child_id": ocx_child_id,
                "ocx_connection_id": ocx_connection_id,
            }
        )
        if body.get("change_to") is None:
            raise InvalidArgumentError("change_to is required")
        # Setting a status twice leaves it the same: safe to retry.
        payload = await self._client.request(
            "POST", "/api/v2/contacts/change_status", json=body, list_id=list_id, idempotent=True
        )
        return StatusChangeResult.from_payload(payload)

    async def change_email(
        self, email: str, new_email: str, *, list_id: int | str | None = None
    ) -> Mapping[str, Any]:
        """``PUT /api/contacts/change_email``.

        Seen in public client code, not on Ongage's help pages (undocumented).
        """
        body = {"email": _email(email), "new_email": _email(new_email, "new_email")}
        payload = await self._client.request(
            "PUT", "/api/contacts/change_email", json=body, list_id=list_id
        )
        return payload if isinstance(payload, Mapping) else {}

    async def delete(
        self, contact_ids: str | Sequence[int | str], *, list_id: int | str | None = None
    ) -> Any:
        """``POST /api/contacts/delete``: one id (``{"contact_id"}``) or several
        (``{"contact_ids": [...]}``).  Returns Ongage's answer as sent: its shape is not
        documented.  Seen in public client code, not on Ongage's help pages.
        """
        if isinstance(contact_ids, str):
            body: dict[str, Any] = {"contact_id": check_contact_id(contact_ids)}
        else:
            body = {
                "contact_ids": [
                    check_contact_id(c, name="each contact id")
                    for c in items_of(contact_ids, name="contact_ids")
                ]
            }
        # Deleting twice leaves the contacts deleted: safe to retry.
        return await self._client.request(
            "POST", "/api/contacts/delete", json=body, list_id=list_id, idempotent=True
        )

    # -- bulk ------------------------------------------------------------------------

    def bulk_upsert(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        overwrite: bool = True,
        list_id: int | str | None = None,
        **options: Any,
    ) -> BulkOperation:
        """A bulk ``POST /api/v2/contacts`` run, not started yet: ``await op.run()``.

        Use this form to read ``op.result()`` even after cancelling the run;
        :meth:`upsert_many` is the one-call shortcut.
        """
        lid = list_id_of(list_id)

        def prepare(raw: Any) -> tuple[dict[str, Any] | None, str]:
            try:
                row = contact_row(raw)
            except InvalidArgumentError as exc:
                return None, str(exc)
            return ({**row, "overwrite": True} if overwrite else row), ""

        async def send(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
            # An upsert that overwrites ends in the same state if repeated: safe to retry.
            payload = await self._client.request(
                "POST", "/api/v2/contacts", json=rows, list_id=lid, idempotent=overwrite
            )
            return write_outcome(ContactWriteResult.from_payload(payload))

        return BulkOperation(self._client, contacts, send, prepare, **options)

    async def upsert_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: int | str | None = None,
        overwrite: bool = True,
        chunk_size: int | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        **options: Any,
    ) -> BulkResult:
        """Create or update any number of contacts, a chunk per call, at full budget.

        ``chunk_size=None`` sizes chunks as Ongage advises: at most 50 contacts and 8 KiB of
        JSON a call (fewer for wide rows); an explicit 1-100 wins.
        Options: ``max_chunk_bytes`` (8 KiB, or 256 KiB with an explicit ``chunk_size``),
        ``fail_fast`` (False), ``total`` (for progress when the input has no ``len``),
        ``dedupe_window`` (10,000 e-mails), ``keep_ids`` (False: successes are counted; True
        also maps each e-mail written to its id).
        """
        operation = self.bulk_upsert(
            contacts,
            overwrite=overwrite,
            list_id=list_id,
            chunk_size=chunk_size,
            on_progress=on_progress,
            **options,
        )
        return await operation.run()

    async def update_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: int | str | None = None,
        chunk_size: int | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        **options: Any,
    ) -> BulkResult:
        """``PUT /api/v2/contacts`` for any number of existing contacts, matched by e-mail."""
        lid = list_id_of(list_id)

        def prepare(raw: Any) -> tuple[dict[str, Any] | None, str]:
            try:
                return contact_row(raw), ""
            except InvalidArgumentError as exc:
                return None, str(exc)

        async def send(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
            payload = await self._client.request("PUT", "/api/v2/contacts", json=rows, list_id=lid)
            return write_outcome(ContactWriteResult.from_payload(payload))

        operation = BulkOperation(
            self._client,
            contacts,
            send,
            prepare,
            chunk_size=chunk_size,
            on_progress=on_progress,
            **options,
        )
        return await operation.run()

    async def change_status_many(
        self,
        emails: Iterable[str] | AsyncIterable[str],
        change_to: str,
        *,
        list_id: int | str | None = None,
        chunk_size: int | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        **options: Any,
    ) -> BulkResult:
        """Change the status of any number of contacts; changed ones count as ``updated``."""
        one_of(change_to, CHANGE_TO, name="change_to")
        lid = list_id_of(list_id)

        def prepare(raw: Any) -> tuple[dict[str, Any] | None, str]:
            if not is_valid_email(raw):
                return None, f"not a valid e-mail address: {raw!r:.60}"
            return {"email": raw}, ""

        async def send(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
            emails = [row["email"] for row in rows]
            payload = await self._client.request(
                "POST",
                "/api/v2/contacts/change_status",
                list_id=lid,
                idempotent=True,
                json={"emails": emails, "change_to": change_to},
            )
            return status_outcome(emails, StatusChangeResult.from_payload(payload))

        operation = BulkOperation(
            self._client,
            emails,
            send,
            prepare,
            chunk_size=chunk_size,
            on_progress=on_progress,
            **options,
        )
        return await operation.run()
