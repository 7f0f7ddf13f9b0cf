"""``client.imports``: bulk CSV imports, which Ongage runs asynchronously."""

from __future__ import annotations

from collections.abc import Mapping

from .._jobs import ImportJob
from .._validation import require_text
from ..models import Import
from ._base import ListedResource, drop_none, one_of

__all__ = ["ImportsResource"]

_DELIMITERS = (",", "|", "tab", ";")
_ACTIONS = ("add", "remove", "unsubscribe", "resubscribe", "bounce", "complaint")


class ImportsResource(ListedResource[Import]):
    """Start an import and follow it: ``job = await client.imports.create(...)``."""

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
        fields: Mapping[str, str] | None = None,
        list_id: int | str | None = None,
    ) -> ImportJob:
        """``POST /api/import``; returns a job handle (``await job.wait()``).

        Not retried after an ambiguous failure: a repeated import runs twice.
        """
        body = drop_none(
            {
                "file_url": require_text(file_url, name="file_url"),
                "name": name,
                "csv_delimiter": one_of(csv_delimiter, _DELIMITERS, name="csv_delimiter"),
                "encoding": encoding,
                "import_action": one_of(import_action, _ACTIONS, name="import_action"),
                "overwrite": overwrite,
                "ignore_empty": ignore_empty,
                "overwrite_only_nulls": overwrite_only_nulls,
                "send_welcome_message": send_welcome_message,
                "fields": dict(fields) if fields is not None else None,
            }
        )
        lid = self._list_context(list_id)
        payload = await self._client.request("POST", "/api/import", json=body, list_id=lid)
        return ImportJob(self._client, str(payload["id"]), lid)

    def job(self, import_id: int | str, *, list_id: int | str | None = None) -> ImportJob:
        """A handle on an import started earlier."""
        return ImportJob(self._client, str(import_id), self._list_context(list_id))

    async def get(self, import_id: int | str, *, list_id: int | str | None = None) -> Import:
        """``GET /api/import/<id>``: its status and counts."""
        status = await self.job(import_id, list_id=list_id).status()
        return status if status is not None else Import(id=str(import_id))
