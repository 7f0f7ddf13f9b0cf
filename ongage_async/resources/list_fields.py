"""``client.list_fields``: a list's fields, plus ``all_lists`` across the account."""

from __future__ import annotations

from ..models import ListField
from ._base import CollectionResource, one_of

__all__ = ["ListFieldsResource"]

FIELD_TYPES = ("string", "numeric", "date", "email", "boolean", "phone")


class ListFieldsResource(CollectionResource[ListField]):
    _path = "/api/list_fields"
    _model = ListField.from_payload
    _required = ("name", "type")

    def _check_values(self, values: dict[str, object], *, creating: bool) -> None:  # type: ignore[override]
        super()._check_values(values, creating=creating)
        if "type" in values:
            one_of(values["type"], FIELD_TYPES, name="type")

    async def all_lists(self) -> tuple[ListField, ...]:
        """``GET /api/list_fields/all_lists``: the fields of every list."""
        payload = await self._client.request("GET", "/api/list_fields/all_lists", list_scoped=False)
        rows = payload if isinstance(payload, list) else []
        return tuple(ListField.from_payload(row) for row in rows)
