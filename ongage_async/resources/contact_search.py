"""``client.contact_search``: asynchronous searches of a list (by any field, segment, ...).

``job = await client.contact_search.create([Criterion("state", "=", "NY")], title="NY")``
then ``await job.wait()`` and ``async for row in job.results()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._errors import InvalidArgumentError
from .._jobs import SearchJob
from .._validation import items_of
from ..models import SearchStatus
from ._base import ListedResource, drop_none, one_of

__all__ = ["ContactSearchResource", "Criterion"]

CONDITIONS = ("and", "or")


@attrs.frozen
class Criterion:
    """One search condition (Ongage's ``criteria`` item)."""

    field_name: str
    operator: str
    operand: Sequence[Any] | str | int = ()
    type: str = "string"
    case_sensitive: bool = False
    condition: str = "and"

    def to_wire(self) -> dict[str, Any]:
        if not isinstance(self.field_name, str) or not self.field_name:
            raise InvalidArgumentError("a criterion needs a field_name")
        operand = self.operand
        values = list(operand) if isinstance(operand, (list, tuple)) else [operand]
        return {
            "type": self.type,
            "field_name": self.field_name,
            "operator": self.operator,
            "operand": values,
            "case_sensitive": self.case_sensitive,
            "condition": one_of(self.condition, CONDITIONS, name="condition"),
        }


def _criteria(criteria: Sequence[Criterion | Mapping[str, Any]]) -> list[dict[str, Any]]:
    wire = []
    for item in items_of(criteria, name="criteria"):
        if isinstance(item, Criterion):
            wire.append(item.to_wire())
        elif isinstance(item, Mapping) and item.get("field_name"):
            wire.append(dict(item))
        else:
            raise InvalidArgumentError(f"not a criterion: {item!r:.60}")
    return wire


class ContactSearchResource(ListedResource[SearchStatus]):
    """Create, follow, list and delete contact searches."""

    _path = "/api/contact_search"
    _model = SearchStatus.from_payload

    def _filters(self, **extra: Any) -> dict[str, Any]:
        return drop_none(extra)

    async def create(
        self,
        criteria: Sequence[Criterion | Mapping[str, Any]],
        *,
        title: str = "",
        selected_fields: Sequence[str] = ("email",),
        user_type: str | None = None,
        list_id: int | str | None = None,
        **filters: Any,
    ) -> SearchJob:
        """Start the search; returns a job handle (``wait``, ``results``, ``download``)."""
        body = {
            "title": title,
            "selected_fields": list(selected_fields),
            "filters": {
                "criteria": _criteria(criteria),
                **self._filters(user_type=user_type, **filters),
            },
        }
        lid = self._list_context(list_id)
        # Starting a search twice only costs a second search: safe to retry.
        payload = await self._client.request(
            "POST", self._path, json=body, list_id=lid, idempotent=True
        )
        return SearchJob(self._client, str(payload["id"]), lid, self._path)

    def job(self, search_id: int | str, *, list_id: int | str | None = None) -> SearchJob:
        lid = self._list_context(list_id)
        return SearchJob(self._client, str(search_id), lid, self._path)

    async def get(self, search_id: int | str, *, list_id: int | str | None = None) -> SearchStatus:
        status = await self.job(search_id, list_id=list_id).status()
        return status if status is not None else SearchStatus(id=str(search_id))

    async def delete(self, search_id: int | str, *, list_id: int | str | None = None) -> None:
        await self._client.request("DELETE", self._item(search_id), list_id=list_id)
