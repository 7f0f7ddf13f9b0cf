"""`client.contacts`: write contacts (per-e-mail answers), look them up, change status.

Writes are checked before anything is sent: every row needs a valid e-mail (or, for
updates, a contact id), and `POST /api/v2/contacts` takes its list only in the route
(never `list_id` in the body), as Ongage documents.
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
    """One contact as the wire wants it; `{"email", "fields": {...}}` or flat fields."""
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
    """`client.contacts`: write contacts, look them up, change their status.

    Every write checks its rows before anything is sent (a valid e-mail, or an `id`
    for updates) and raises `InvalidArgumentError` naming the bad row. The `*_many`
    methods take any number of contacts and send them in chunks, at the full budget.
    """

    async def create(
        self,
        contacts: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        overwrite: bool = False,
        list_id: int | str | None = None,
    ) -> ContactWriteResult:
        """Add contacts to a list: `POST /api/v2/contacts`, in one call.

        The answer says what happened to each e-mail; a row that failed does not fail the
        call (Ongage still says `error: false`): read `result.failed`, or call
        `result.raise_for_failures()`. Ongage suggests 5-50 contacts a call (up to about
        100 small ones); for more, use
        [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many] or
        `client.imports`.

        Args:
            contacts: One contact (a mapping) or several. Each has an `email` and either
                `fields` (a mapping) or its fields at the top level; never `list_id`.
            overwrite: Also update contacts that exist already (otherwise they are left
                as they are).
            list_id: The list to write to (default: the client's list, else the
                account's default list); sent in the route, never in the body.
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
        """Update existing contacts (never adds one): `PUT /api/v2/contacts`.

        Args:
            contacts: One contact (a mapping) or several, each matched by its `id`
                (Ongage's contact id) when it has one, else by its `email`.
            list_id: The list (default: the client's list).
        """
        rows = _rows(contacts, by_id=True)
        payload = await self._client.request(
            "PUT", "/api/v2/contacts", json=_body(contacts, rows), list_id=list_id
        )
        return ContactWriteResult.from_payload(payload)

    async def get(self, email: str, *, list_id: int | str | None = None) -> Contact:
        """One contact by e-mail: `GET /api/contacts/by_email/<email>`.

        Raises `NotFoundError` when the list has no such contact.

        Args:
            email: The contact's e-mail address (URL-encoded in the path for you).
            list_id: The list (default: the client's list).
        """
        path = f"/api/contacts/by_email/{quote(_email(email), safe='@')}"
        return Contact.from_payload(await self._client.request("GET", path, list_id=list_id))

    async def get_by_id(
        self, contact_id: int | str, *, list_id: int | str | None = None
    ) -> Contact:
        """One contact by id: `GET /api/contacts/by_id/<id>`.

        Args:
            contact_id: Ongage's contact id, an opaque string such as
                `"5aae312578464ae01f8b4567"` (`Contact.id`).
            list_id: The list (default: the client's list).
        """
        path = f"/api/contacts/by_id/{check_contact_id(contact_id)}"
        return Contact.from_payload(await self._client.request("GET", path, list_id=list_id))

    async def find(self, email: str, *, behavior: bool | None = None) -> tuple[Contact, ...]:
        """The contact in every list the API user may see: `GET /api/contacts/cross_account`.

        Account-level: the client's `list_id` is not sent.

        Args:
            email: The e-mail address to look for.
            behavior: Ask Ongage to add the contact's open, click and sent statistics.
        """
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
        """Change the status of contacts: `POST /api/v2/contacts/change_status`.

        Safe to retry (a status set twice stays the same), so it is retried like a read.

        Args:
            emails: The contacts' e-mail addresses.
            change_to: `"unsubscribe"`, `"resubscribe"`, `"remove"`, `"bounce"`,
                `"complaint"` or `"soft_bounce"`.
            ocx_child_id: The sub-campaign an unsubscribe came from.
            ocx_connection_id: The ESP connection (`ocx_connection_id`, as Ongage names it).
            list_id: The list (default: the client's list).
        """
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
        """Change a contact's e-mail address: `PUT /api/contacts/change_email`.

        Undocumented: seen in public client code, not on Ongage's help pages. Returns
        Ongage's answer as a mapping (empty when it is not one).

        Retried after a lost answer (a PUT). If the lost attempt made the change, the
        repeat finds no contact at the old address: that raises
        ``AmbiguousOutcomeError`` (status 404), never ``NotFoundError``; ``get(new_email)``
        tells whether the change was made.

        Args:
            email: The current address.
            new_email: The new address.
            list_id: The list (default: the client's list).
        """
        body = {"email": _email(email), "new_email": _email(new_email, "new_email")}
        payload = await self._client.request(
            "PUT", "/api/contacts/change_email", json=body, list_id=list_id
        )
        return payload if isinstance(payload, Mapping) else {}

    async def delete(
        self, contact_ids: str | Sequence[int | str], *, list_id: int | str | None = None
    ) -> Any:
        """Delete contacts by id: `POST /api/contacts/delete`.

        Undocumented: seen in public client code, not on Ongage's help pages. Returns
        Ongage's answer as it came: its shape is not documented. Safe to retry.

        Args:
            contact_ids: One contact id (sent as `{"contact_id"}`) or a sequence of them
                (sent as `{"contact_ids": [...]}`).
            list_id: The list (default: the client's list).
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
        """A bulk `POST /api/v2/contacts` run, not started yet: `await op.run()`.

        Use this form to read `op.result()` at any time, even after cancelling the run;
        [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many] is the
        one-call shortcut and takes the same arguments.

        Args:
            contacts: Any iterable or async iterable of contacts (mappings, as for
                [`create`][ongage_async.resources.ContactsResource.create]).
            overwrite: Also update contacts that exist already.
            list_id: The list (default: the client's list).
            **options: `chunk_size`, `max_chunk_bytes`, `fail_fast`, `on_progress`,
                `total`, `dedupe_window`, `keep_ids`: see
                [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many].
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
        """Create or update any number of contacts: `POST /api/v2/contacts`, a chunk a call.

        Chunks go out in parallel at the full budget. Every input row is accounted for
        in the [`BulkResult`][ongage_async.BulkResult]: counted as created or updated,
        or listed in `failed` or `skipped` with the reason.

        Args:
            contacts: Any iterable or async iterable of contacts (mappings, as for
                [`create`][ongage_async.resources.ContactsResource.create]); read lazily.
            list_id: The list (default: the client's list).
            overwrite: Also update contacts that exist already.
            chunk_size: Contacts a call. `None` sizes chunks as Ongage advises: at most
                50 contacts and 8 KiB of JSON a call (fewer for wide rows); an explicit
                1-100 wins.
            on_progress: Called with a [`BulkProgress`][ongage_async.BulkProgress] after
                each chunk.
            **options: `max_chunk_bytes` (8 KiB, or 256 KiB with an explicit
                `chunk_size`), `fail_fast` (False; True stops the run at the first chunk
                that fails), `total` (for progress when the input has no `len`),
                `dedupe_window` (10,000 e-mails), `keep_ids` (False: successes are
                counted; True also maps each e-mail written to its id in `result.ids`).
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
        """Update any number of existing contacts: `PUT /api/v2/contacts`, a chunk a call.

        Args:
            contacts: Any iterable or async iterable of contacts, matched by e-mail.
            list_id: The list (default: the client's list).
            chunk_size: Contacts a call, as for
                [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many].
            on_progress: Called with a [`BulkProgress`][ongage_async.BulkProgress] after
                each chunk.
            **options: As for
                [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many].
        """
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
        """Change the status of any number of contacts, a chunk a call.

        `POST /api/v2/contacts/change_status` per chunk; each contact changed counts as
        `updated` in the result.

        Args:
            emails: Any iterable or async iterable of e-mail addresses.
            change_to: As for
                [`change_status`][ongage_async.resources.ContactsResource.change_status].
            list_id: The list (default: the client's list).
            chunk_size: E-mails a call, as for
                [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many].
            on_progress: Called with a [`BulkProgress`][ongage_async.BulkProgress] after
                each chunk.
            **options: As for
                [`upsert_many`][ongage_async.resources.ContactsResource.upsert_many].
        """
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
