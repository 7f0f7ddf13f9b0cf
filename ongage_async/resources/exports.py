"""``client.exports``: contact exports, produced asynchronously as a ZIP of one CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._errors import InvalidArgumentError
from .._jobs import ExportJob
from .._validation import items_of, require_text
from ..models import ExportStatus
from ._base import ListedResource, drop_none

__all__ = ["ExportsResource"]

_STATUSES = ("active", "unsubscribed", "bounced", "complaint", "soft_bounce", "removed")


class ExportsResource(ListedResource[ExportStatus]):
    """``job = await client.exports.create(name=...)``, then ``await job.download(path)``."""

    _path = "/api/export"
    _model = ExportStatus.from_payload

    async def create(
        self,
        name: str,
        *,
        segment_ids: Sequence[int | str] | None = None,
        mailing_ids: Sequence[int | str] | None = None,
        fields: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        date_format: str | None = None,
        list_id: int | str | None = None,
    ) -> ExportJob:
        """``POST /api/export``; returns a job handle."""
        if segment_ids is not None and mailing_ids is not None:
            raise InvalidArgumentError("export by segment_ids or by mailing_ids, not both")

        def listed(value: object, name: str) -> list[Any] | None:
            return None if value is None else items_of(value, name=name)

        status_list = listed(statuses, "statuses")
        if status_list is not None and not all(s in _STATUSES for s in status_list):
            raise InvalidArgumentError(f"statuses must be among {', '.join(_STATUSES)}")
        body = drop_none(
            {
                "name": require_text(name, name="name"),
                "segment_id": listed(segment_ids, "segment_ids"),
                "mailing_id": listed(mailing_ids, "mailing_ids"),
                "fields_selected": listed(fields, "fields"),
                "status": status_list,
                "date_format": date_format,
                "file_format": "csv",
            }
        )
        lid = self._list_context(list_id)
        payload = await self._client.request("POST", "/api/export", json=body, list_id=lid)
        return ExportJob(self._client, str(payload["id"]), lid)

    def job(self, export_id: int | str, *, list_id: int | str | None = None) -> ExportJob:
        return ExportJob(self._client, str(export_id), self._list_context(list_id))

    async def get(self, export_id: int | str, *, list_id: int | str | None = None) -> ExportStatus:
        status = await self.job(export_id, list_id=list_id).status()
        return status if status is not None else ExportStatus(id=str(export_id))
