"""`client.segments`: `/api/segments` (get, list, iter, create, update, delete)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import Segment
from ._base import CollectionResource

__all__ = ["SegmentsResource"]


class SegmentsResource(CollectionResource[Segment]):
    """`client.segments`: a list's segments, `/api/segments`.

    `create` and `update` take the fields Ongage's segments page names (`name`,
    `description`, `type`, `rules`); any other goes in `extra_body=`.
    """

    _path = "/api/segments"
    _model = Segment.from_payload

    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        type: str | None = None,
        rules: Sequence[Mapping[str, Any]] | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Segment:
        """Create a segment: `POST /api/segments`; returns it as Ongage stored it.

        Each optional field is sent only when given. Not retried after an ambiguous
        failure (a 5xx, a timeout, a lost answer): a second call would create a second
        segment.

        Args:
            name: The segment's name.
            description: Its description.
            type: Ongage's segment `type` (such as `"Active"`).
            rules: Its rules, each a mapping as Ongage's page shows them (`field_name`,
                `type`, `operator`, `operand`, `case_sensitive`, `condition`, ...).
            list_id: The list it belongs to (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = {"name": name, "description": description, "type": type, "rules": rules}
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        segment_id: int | str,
        *,
        name: str | None = None,
        description: str | None = None,
        type: str | None = None,
        rules: Sequence[Mapping[str, Any]] | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Segment:
        """Change a segment: `PUT /api/segments/<id>`; returns it as Ongage stored it.

        Only the fields given are sent.

        Args:
            segment_id: The segment's id.
            name: Its new name.
            description: Its new description.
            type: Its new `type`.
            rules: Its new rules (as for `create`).
            list_id: The list it belongs to (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = {"name": name, "description": description, "type": type, "rules": rules}
        return await self._update(
            segment_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )
