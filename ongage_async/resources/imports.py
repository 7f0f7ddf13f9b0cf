"""`client.imports`: bulk CSV imports (page 1014366212), which Ongage runs asynchronously.

Ongage fetches the file itself from `file_url` (a CSV/TXT, or a ZIP of one).  The
status answers carry their counts as strings (`"total": "10"`); `Import`
turns them into ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._types import Body, Id, Query
from .._validation import require_text
from ..models import Import
from ._base import ListedResource, created_id, drop_none, one_of
from ._jobs import ImportJob

__all__ = ["CSV_DELIMITERS", "IMPORT_ACTIONS", "IMPORT_TYPES", "ImportsResource"]

#: Delimiters as Ongage reads them; the page writes tab as "Tab (t)", a tab character.
CSV_DELIMITERS = (",", "|", "\t", ";")
#: Spellings accepted for them here: `"tab"` and `"t"` name the tab character.
_DELIMITER_NAMES = {"tab": "\t", "t": "\t", "comma": ",", "pipe": "|", "semicolon": ";"}
IMPORT_ACTIONS = ("add", "remove", "unsubscribe", "resubscribe", "bounce", "complaint")
IMPORT_TYPES = ("sending", "suppression")


def csv_delimiter_of(value: object) -> str:
    """`value` as the delimiter Ongage expects (`"tab"` -> a tab character)."""
    if isinstance(value, str):
        value = _DELIMITER_NAMES.get(value.lower(), value)
    return one_of(value, CSV_DELIMITERS, name="csv_delimiter") or ","


class ImportsResource(ListedResource[Import]):
    """`client.imports`: bulk CSV imports, which Ongage runs asynchronously.

    `job = await client.imports.create(url)`, then `final = await job.wait()`. Ongage
    fetches the file itself from `file_url` (a CSV or TXT file, or a ZIP of one).
    """

    _path = "/api/import"
    _model = Import.from_payload

    async def create(
        self,
        file_url: str,
        *,
        name: str | None = None,
        csv_delimiter: str = ",",
        encoding: str | None = None,
        import_action: str = "add",
        overwrite: bool | None = None,
        ignore_empty: bool | None = None,
        overwrite_only_nulls: bool | None = None,
        send_welcome_message: bool | None = None,
        fields: Mapping[str, Any] | None = None,
        import_type: str | None = None,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> ImportJob:
        """Start an import: `POST /api/import`; returns its job handle.

        Not retried after an ambiguous failure: a repeated import runs twice.

        Args:
            file_url: The full URL Ongage downloads the file from: a CSV or TXT file,
                or a ZIP holding one.
            name: The import's name.
            csv_delimiter: `","` (the default), `"|"`, `";"` or a tab (`"\\t"`, or
                `"tab"`).
            encoding: The file's encoding (Ongage assumes UTF-8).
            import_action: `"add"` (the default), `"remove"`, `"unsubscribe"`,
                `"resubscribe"`, `"bounce"` or `"complaint"`.
            overwrite: Update contacts that exist already.
            ignore_empty: Ongage's `ignore_empty` flag (false by default).
            overwrite_only_nulls: Ongage's `overwrite_only_nulls` flag (false by
                default).
            send_welcome_message: Send the list's welcome message to new contacts.
            fields: Ongage's `fields` object: the file's fields, keyed by name
                (`{"email": {"name": "email", "type": "email"}}`; default: every list
                field).
            import_type: The type of list imported into: `"sending"` (Ongage's default)
                or `"suppression"`.
            list_id: The list (default: the client's list); the job's polls go to the
                same list.
            extra_query: Query parameters the SDK does not model (yours win).
            extra_body: Body fields the SDK does not model (yours win).
        """
        body = drop_none(
            {
                "file_url": require_text(file_url, name="file_url"),
                "name": name,
                "csv_delimiter": csv_delimiter_of(csv_delimiter),
                "encoding": encoding,
                "import_action": one_of(import_action, IMPORT_ACTIONS, name="import_action"),
                "overwrite": overwrite,
                "ignore_empty": ignore_empty,
                "overwrite_only_nulls": overwrite_only_nulls,
                "send_welcome_message": send_welcome_message,
                "fields": dict(fields) if fields is not None else None,
                "import_type": one_of(import_type, IMPORT_TYPES, name="import_type"),
            }
        )
        lid = self._list_context(list_id)
        payload = await self._call(
            "POST",
            "/api/import",
            json=body,
            extra_query=extra_query,
            extra_body=extra_body,
            list_id=lid,
        )
        return ImportJob(self._client, created_id(payload, "import"), lid)

    def job(self, import_id: Id, *, list_id: Id | None = None) -> ImportJob:
        """A handle on an import started earlier (no call is made).

        Args:
            import_id: The import's id.
            list_id: The list it runs in (default: the client's list).
        """
        return ImportJob(self._client, str(import_id), self._list_context(list_id))

    async def get(
        self, import_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Import:
        """An import's status and counts: `GET /api/import/<id>`.

        Args:
            import_id: The import's id.
            list_id: The list it runs in (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._job_status(
            import_id,
            name="import_id",
            list_id=list_id,
            extra_query=extra_query,
            pending=lambda iid: Import(id=iid),
        )
