"""`client.exports`: contact exports (page 1027997823), produced asynchronously as a
ZIP of one CSV.

`job = await client.exports.create("actives", segment_ids=[4567], statuses=["active"],
date_format="mm/dd/yyyy")`, then `await job.download(path)`: Ongage documents no
status call for one export, so readiness is learned from `/retrieve` alone (412 until
the file is ready).
"""

from __future__ import annotations

from collections.abc import Sequence

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import items_of, object_id, one_of, require_text
from ._base import APIResource, chosen_list, created_id, list_id_of
from ._jobs import ExportJob

__all__ = ["DATE_FORMATS", "EXPORT_STATUSES", "ExportsResource"]

#: The `date_format` values Ongage's export page lists.
DATE_FORMATS = (
    "mm/dd/yyyy",
    "mm/dd/yy",
    "mm-dd-yyyy",
    "mm-dd-yy",
    "dd/mm/yyyy",
    "dd/mm/yy",
    "dd-mm-yyyy",
    "dd-mm-yy",
)
#: The contact statuses an export may select (`status[]`).
EXPORT_STATUSES = (
    "active",
    "unjoin-member",
    "clicked",
    "opened",
    "inactive",
    "bounced",
    "complaint",
)
#: Statuses Ongage allows only in an export by segment.
SEGMENT_ONLY_STATUSES = ("bounced", "complaint")


def _ids(values: Sequence[int | str], name: str) -> list[int]:
    return [int(object_id(v, name=f"each of {name}")) for v in items_of(values, name=name)]


class ExportsResource(APIResource):
    """`client.exports`: start an export of contacts and fetch its file (a ZIP of a CSV).

    Ongage documents no status call for one export: its file is ready when
    `GET /api/export/<id>/retrieve` gives it (412 until then), so the job handle's
    `wait` and `download` poll that call.
    """

    async def create(
        self,
        name: str,
        *,
        statuses: Sequence[str],
        date_format: str,
        segment_ids: Sequence[int | str] | None = None,
        mailing_ids: Sequence[int | str] | None = None,
        suppression_list: bool = False,
        fields: Sequence[str] | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
    ) -> ExportJob:
        """Start an export: `POST /api/export`; returns its job handle.

        `job = await client.exports.create("actives", segment_ids=[4567],
        statuses=["active"], date_format="mm/dd/yyyy")`, then
        `await job.download("actives.zip")`. Export by `segment_ids` or by
        `mailing_ids`; a suppression list needs neither, but its `list_id` and
        `suppression_list=True`. Not retried after an ambiguous failure: it would
        export twice.

        Args:
            name: The export's name.
            statuses: The contact statuses to export (Ongage's `status[]`): `active`,
                `unjoin-member`, `clicked`, `opened`, `inactive`, and with `segment_ids`
                only `bounced` and `complaint`.
            date_format: How dates are written in the file: `mm/dd/yyyy`, `mm/dd/yy`,
                `mm-dd-yyyy`, `mm-dd-yy`, `dd/mm/yyyy`, `dd/mm/yy`, `dd-mm-yyyy` or
                `dd-mm-yy`.
            segment_ids: Export the contacts of these segments (`segment_id[]`).
            mailing_ids: Or the contacts of these mailings (`mailing_id[]`).
            suppression_list: Or the whole list named by `list_id`, a suppression list.
            fields: The fields to export (`fields_selected[]`; default: every list
                field); may name system fields such as `ocx_contact_id`.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        status_list = [
            one_of(s, EXPORT_STATUSES, name="each status")
            for s in items_of(statuses, name="statuses")
        ]
        body: dict[str, object] = {
            "name": require_text(name, name="name"),
            "date_format": one_of(date_format, DATE_FORMATS, name="date_format")
            or _missing("date_format", DATE_FORMATS),
            "file_format": "csv",
            "status": status_list,
        }
        lid = list_id_of(list_id) or self._client.list_id
        if segment_ids is not None and mailing_ids is not None:
            raise InvalidArgumentError("export by segment_ids or by mailing_ids, not both")
        if segment_ids is not None:
            body["segment_id"] = _ids(segment_ids, "segment_ids")
        elif mailing_ids is not None:
            body["mailing_id"] = _ids(mailing_ids, "mailing_ids")
        elif not suppression_list:
            raise InvalidArgumentError(
                "pass segment_ids= or mailing_ids= (or suppression_list=True with its list_id)"
            )
        elif lid is None:
            raise InvalidArgumentError("a suppression list export needs its list_id")
        if segment_ids is None and any(s in SEGMENT_ONLY_STATUSES for s in status_list):
            raise InvalidArgumentError("statuses bounced and complaint need segment_ids")
        if fields is not None:
            body["fields_selected"] = [
                require_text(f, name="each field") for f in items_of(fields, name="fields")
            ]
        payload = await self._call(
            "POST",
            "/api/export",
            json=body,
            extra_body=extra_body,
            extra_query=extra_query,
            list_id=chosen_list(lid),
        )
        return ExportJob(self._client, created_id(payload, "export"), lid)

    def job(self, export_id: Id, *, list_id: Id | None = None) -> ExportJob:
        """A handle on an export started earlier (no call is made).

        Args:
            export_id: The export's id.
            list_id: The list it was started in (default: the client's list).
        """
        lid = list_id_of(list_id) or self._client.list_id
        return ExportJob(self._client, object_id(export_id, name="export_id"), lid)


def _missing(name: str, allowed: tuple[str, ...]) -> str:
    raise InvalidArgumentError(f"{name} is required, one of {', '.join(allowed)}")
