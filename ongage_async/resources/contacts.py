"""`client.contacts`: write contacts (per-e-mail answers), look them up, change status.

Writes are checked before anything is sent: every row needs a valid e-mail (or, for
updates, a contact id), and `POST /api/v2/contacts` takes its list only in the route
(never `list_id` in the body), as Ongage documents.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import quote

from .._compat import Unpack
from .._exceptions import InvalidArgumentError
from .._import import ImportProgress, ImportResult, ImportRunOptions, import_rows
from .._rowcodec import aiter_rows
from .._types import Body, Id, Query
from .._validation import contact_id as check_contact_id
from .._validation import items_of, non_negative_int
from ..models import Contact, ContactWriteResult, StatusChangeResult
from ._base import APIResource, chosen_list, drop_none, list_id_of, one_of, rows_of
from ._bulk import BulkOperation, BulkOptions, BulkResult, status_outcome, write_outcome
from .imports import IMPORT_ACTIONS, IMPORT_TYPES, ImportsResource

if TYPE_CHECKING:
    from ..staging import Stage

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
        list_id: Id | None = None,
        extra_query: Query | None = None,
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
            extra_query: Query parameters the SDK does not model (yours win).
        """
        if not isinstance(overwrite, bool):
            raise InvalidArgumentError("overwrite must be True or False")
        rows = [{**row, "overwrite": overwrite} if overwrite else row for row in _rows(contacts)]
        return await self._write("POST", contacts, rows, list_id, extra_query)

    async def update(
        self,
        contacts: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        list_id: Id | None = None,
        extra_query: Query | None = None,
    ) -> ContactWriteResult:
        """Update existing contacts (never adds one): `PUT /api/v2/contacts`.

        Args:
            contacts: One contact (a mapping) or several, each matched by its `id`
                (Ongage's contact id) when it has one, else by its `email`.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._write("PUT", contacts, _rows(contacts, by_id=True), list_id, extra_query)

    async def _write(
        self,
        method: str,
        given: object,
        rows: list[Any],
        list_id: Id | None,
        extra_query: Query | None,
    ) -> ContactWriteResult:
        """`POST` (create) or `PUT` (update) `/api/v2/contacts` with the checked rows."""
        payload = await self._call(
            method,
            "/api/v2/contacts",
            json=_body(given, rows),
            extra_query=extra_query,
            list_id=chosen_list(list_id),
        )
        return ContactWriteResult.from_payload(payload)

    async def get(
        self, email: str, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Contact:
        """One contact by e-mail: `GET /api/contacts/by_email/<email>`.

        Raises `NotFoundError` when the list has no such contact.

        Args:
            email: The contact's e-mail address (URL-encoded in the path for you).
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._contact(
            f"by_email/{quote(_email(email), safe='@')}", list_id, extra_query
        )

    async def get_by_id(
        self, contact_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Contact:
        """One contact by id: `GET /api/contacts/by_id/<id>`.

        Args:
            contact_id: Ongage's contact id, an opaque string such as
                `"5aae312578464ae01f8b4567"` (`Contact.id`).
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._contact(f"by_id/{check_contact_id(contact_id)}", list_id, extra_query)

    async def _contact(self, route: str, list_id: Id | None, extra_query: Query | None) -> Contact:
        """One contact: `GET /api/contacts/<route>`."""
        payload = await self._call(
            "GET", f"/api/contacts/{route}", extra_query=extra_query, list_id=chosen_list(list_id)
        )
        return Contact.from_payload(payload)

    async def find(
        self, email: str, *, behavior: bool | None = None, extra_query: Query | None = None
    ) -> tuple[Contact, ...]:
        """The contact in every list the API user may see: `GET /api/contacts/cross_account`.

        Account-level: the client's `list_id` is not sent.

        Args:
            email: The e-mail address to look for.
            behavior: Ask Ongage to add the contact's open, click and sent statistics.
            extra_query: Query parameters the SDK does not model (yours win).
        """
        params = drop_none({"email": _email(email), "behavior": behavior})
        payload = await self._call(
            "GET",
            "/api/contacts/cross_account",
            params=params,
            extra_query=extra_query,
            list_id=None,
            list_scoped=False,
        )
        rows = rows_of(payload)
        return tuple(Contact.from_payload(row) for row in rows)

    async def change_status(
        self,
        emails: Sequence[str],
        change_to: str,
        *,
        ocx_child_id: Id | None = None,
        ocx_connection_id: Id | None = None,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            extra_query: Query parameters the SDK does not model (yours win).
            extra_body: Body fields the SDK does not model (yours win).
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
        payload = await self._call(
            "POST",
            "/api/v2/contacts/change_status",
            json=body,
            extra_query=extra_query,
            extra_body=extra_body,
            list_id=chosen_list(list_id),
            idempotent=True,
        )
        return StatusChangeResult.from_payload(payload)

    async def change_email(
        self,
        email: str,
        new_email: str,
        *,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
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
            extra_query: Query parameters the SDK does not model (yours win).
            extra_body: Body fields the SDK does not model (yours win).
        """
        body = {"email": _email(email), "new_email": _email(new_email, "new_email")}
        payload = await self._call(
            "PUT",
            "/api/contacts/change_email",
            json=body,
            extra_query=extra_query,
            extra_body=extra_body,
            list_id=chosen_list(list_id),
        )
        return payload if isinstance(payload, Mapping) else {}

    async def delete(
        self,
        contact_ids: str | Sequence[int | str],
        *,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> Any:
        """Delete contacts by id: `POST /api/contacts/delete`.

        Undocumented: seen in public client code, not on Ongage's help pages. Returns
        Ongage's answer as it came: its shape is not documented. Safe to retry.

        Args:
            contact_ids: One contact id (sent as `{"contact_id"}`) or a sequence of them
                (sent as `{"contact_ids": [...]}`).
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
            extra_body: Body fields the SDK does not model (yours win).
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
        return await self._call(
            "POST",
            "/api/contacts/delete",
            json=body,
            extra_query=extra_query,
            extra_body=extra_body,
            list_id=chosen_list(list_id),
            idempotent=True,
        )

    # -- bulk ------------------------------------------------------------------------

    def bulk_upsert(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        overwrite: bool = True,
        list_id: Id | None = None,
        **options: Unpack[BulkOptions],
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
            **options: How the run goes: see
                [`BulkOptions`][ongage_async.resources.BulkOptions].
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
                "POST",
                "/api/v2/contacts",
                json=rows,
                list_id=chosen_list(lid),
                idempotent=overwrite,
            )
            return write_outcome(ContactWriteResult.from_payload(payload))

        return BulkOperation(self._client, contacts, send, prepare, **options)

    @overload
    async def upsert_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: Id | None = None,
        overwrite: bool = True,
        stage: None = None,
        import_threshold: int = 1000,
        on_import_progress: Callable[[ImportProgress], Any] | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult: ...

    @overload
    async def upsert_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: Id | None = None,
        overwrite: bool = True,
        stage: Stage,
        import_threshold: int = 1000,
        on_import_progress: Callable[[ImportProgress], Any] | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult | ImportResult: ...

    async def upsert_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: Id | None = None,
        overwrite: bool = True,
        stage: Stage | None = None,
        import_threshold: int = 1000,
        on_import_progress: Callable[[ImportProgress], Any] | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult | ImportResult:
        """Create or update any number of contacts: `POST /api/v2/contacts`, a chunk a call.

        Chunks go out in parallel at the full budget. Every input row is accounted for
        in the [`BulkResult`][ongage_async.resources.BulkResult]: counted as created or updated,
        or listed in `failed` or `skipped` with the reason.

        With a `stage`, more than `import_threshold` contacts go through one import
        instead ([`import_rows`][ongage_async.resources.ContactsResource.import_rows]),
        as Ongage advises for more than a hundred, and the result is an
        [`ImportResult`][ongage_async.resources.ImportResult]: counts, not a result per contact.
        `result.path` says which way they went (`"calls"` or `"import"`).

        Args:
            contacts: Any iterable or async iterable of contacts (mappings, as for
                [`create`][ongage_async.resources.ContactsResource.create]); read lazily.
            list_id: The list (default: the client's list).
            overwrite: Also update contacts that exist already.
            stage: Where an import's file is staged
                ([`ObjectStoreStage`][ongage_async.staging.ObjectStoreStage], say);
                without one, every contact goes through v2 calls.
            import_threshold: With a stage, more contacts than this go through an import
                (the first `import_threshold + 1` are read ahead to tell).
            on_import_progress: Called with an
                [`ImportProgress`][ongage_async.resources.ImportProgress] when the import runs.
            **options: How the v2 run goes (`chunk_size`, `on_progress`, `fail_fast`,
                ...): see [`BulkOptions`][ongage_async.resources.BulkOptions].
        """
        if stage is not None:
            non_negative_int(import_threshold, name="import_threshold")
            head, rest = await _read_ahead(contacts, import_threshold + 1)
            if rest is not None:  # more than the threshold: one import
                return await self.import_rows(
                    _chained(head, rest),
                    stage=stage,
                    overwrite=overwrite,
                    list_id=list_id,
                    on_progress=on_import_progress,
                )
            contacts = head
        operation = self.bulk_upsert(
            contacts,
            overwrite=overwrite,
            list_id=list_id,
            **options,
        )
        return await operation.run()

    async def import_rows(
        self,
        rows: Iterable[Mapping[str, Any]]
        | AsyncIterable[Mapping[str, Any]]
        | str
        | os.PathLike[str],
        *,
        stage: Stage,
        overwrite: bool = False,
        import_action: str = "add",
        fields: Sequence[str] | Mapping[str, Any] | None = None,
        list_id: Id | None = None,
        import_type: str | None = None,
        send_welcome_message: bool | None = None,
        ignore_empty: bool | None = None,
        overwrite_only_nulls: bool | None = None,
        **options: Unpack[ImportRunOptions],
    ) -> ImportResult:
        """Any number of contacts in one import: stage a CSV, `POST /api/import`, wait.

        The rows are streamed into a CSV on disk (a ZIP of it above `compress_above`
        bytes), the `stage` stores it and signs a URL, Ongage fetches and imports it,
        and the import is polled, at an interval drawn from the budget, until it ends.
        A few calls in all, however many rows. The result has Ongage's counts, not a
        result per contact. The staged file is deleted afterwards, unless `keep_file`.

        The import call is never sent twice: after an ambiguous failure it raises
        [`ImportUnconfirmedError`][ongage_async.ImportUnconfirmedError] (check
        `client.imports.list()`). An import that ends in status 90000 or above raises
        [`JobFailedError`][ongage_async.JobFailedError] with Ongage's description; a
        file that cannot be staged raises
        [`StagingError`][ongage_async.staging.StagingError], and nothing is imported.

        Args:
            rows: Contacts (mappings, `{"email", "fields": {...}}` or flat), as any
                iterable or async iterable, read lazily; or the path of a CSV file with
                a header (`,`, `|`, tab or `;`).
            stage: Where the file is staged: an
                [`ObjectStoreStage`][ongage_async.staging.ObjectStoreStage], or your own
                [`Stage`][ongage_async.staging.Stage].
            overwrite: Update contacts that exist already (else Ongage counts them as
                `existing` and leaves them).
            import_action: `"add"` (the default), `"remove"`, `"unsubscribe"`,
                `"resubscribe"`, `"bounce"` or `"complaint"`.
            fields: The file's columns (names), or Ongage's `fields` mapping (sent as
                it is); default: the first row's keys.
            list_id: The list (default: the client's list).
            import_type: `"sending"` (Ongage's default) or `"suppression"`.
            send_welcome_message: Send the list's welcome message to new contacts.
            ignore_empty: Ongage's `ignore_empty` flag.
            overwrite_only_nulls: Ongage's `overwrite_only_nulls` flag.
            **options: How the file is written and the import followed (`encoding`,
                `compress_above`, `keep_file`, `poll_interval`, `timeout`,
                `on_progress`): see
                [`ImportRunOptions`][ongage_async.resources.ImportRunOptions].
        """
        if not isinstance(overwrite, bool):
            raise InvalidArgumentError("overwrite must be True or False")
        one_of(import_action, IMPORT_ACTIONS, name="import_action")
        one_of(import_type, IMPORT_TYPES, name="import_type")
        lid = list_id_of(list_id)

        def create(url: str, name: str) -> Any:
            return ImportsResource(self._client).create(
                url,
                name=name,
                import_action=import_action,
                overwrite=overwrite,
                fields=fields if isinstance(fields, Mapping) else None,
                import_type=import_type,
                send_welcome_message=send_welcome_message,
                ignore_empty=ignore_empty,
                overwrite_only_nulls=overwrite_only_nulls,
                list_id=lid,
            )

        return await import_rows(
            self._client,
            rows,
            stage=stage,
            create=create,
            fields=fields,
            **self._keywords("import_rows", options, ImportRunOptions),
        )

    async def update_many(
        self,
        contacts: Iterable[Any] | AsyncIterable[Any],
        *,
        list_id: Id | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult:
        """Update any number of existing contacts: `PUT /api/v2/contacts`, a chunk a call.

        Args:
            contacts: Any iterable or async iterable of contacts, matched by e-mail.
            list_id: The list (default: the client's list).
            **options: How the run goes: see
                [`BulkOptions`][ongage_async.resources.BulkOptions].
        """
        lid = list_id_of(list_id)

        def prepare(raw: Any) -> tuple[dict[str, Any] | None, str]:
            try:
                return contact_row(raw), ""
            except InvalidArgumentError as exc:
                return None, str(exc)

        async def send(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
            payload = await self._client.request(
                "PUT", "/api/v2/contacts", json=rows, list_id=chosen_list(lid)
            )
            return write_outcome(ContactWriteResult.from_payload(payload))

        return await BulkOperation(self._client, contacts, send, prepare, **options).run()

    async def change_status_many(
        self,
        emails: Iterable[str] | AsyncIterable[str],
        change_to: str,
        *,
        list_id: Id | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult:
        """Change the status of any number of contacts, a chunk a call.

        `POST /api/v2/contacts/change_status` per chunk; each contact changed counts as
        `updated` in the result.

        Args:
            emails: Any iterable or async iterable of e-mail addresses.
            change_to: As for
                [`change_status`][ongage_async.resources.ContactsResource.change_status].
            list_id: The list (default: the client's list).
            **options: How the run goes: see
                [`BulkOptions`][ongage_async.resources.BulkOptions].
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
                list_id=chosen_list(lid),
                idempotent=True,
                json={"emails": emails, "change_to": change_to},
            )
            return status_outcome(emails, StatusChangeResult.from_payload(payload))

        return await BulkOperation(self._client, emails, send, prepare, **options).run()


async def _read_ahead(
    rows: Iterable[Any] | AsyncIterable[Any], count: int
) -> tuple[list[Any], AsyncIterator[Any] | None]:
    """The first `count` rows, and the rest (None when there were no more than that)."""
    if isinstance(rows, Sequence) and not isinstance(rows, (str, bytes)):
        if len(rows) < count:
            return list(rows), None
        return [], aiter_rows(rows)
    source = aiter_rows(rows)
    head = []
    async for row in source:
        head.append(row)
        if len(head) >= count:
            return head, source
    return head, None


async def _chained(head: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for row in head:
        yield row
    async for row in rest:
        yield row
