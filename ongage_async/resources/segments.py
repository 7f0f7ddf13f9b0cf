"""`client.segments`: `/api/segments` (get, list, iter, create, update, delete)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from .._types import Body, Id, Query
from ..models import Segment
from ._base import CollectionResource, Unpack

__all__ = ["SegmentFields", "SegmentsResource"]


class SegmentFields(TypedDict, total=False):
    """A segment's fields besides its `name`: the keywords of
    [`segments.create`][ongage_async.resources.SegmentsResource.create] and
    [`update`][ongage_async.resources.SegmentsResource.update], each sent only when
    given.

    Attributes:
        description: Its description.
        type: Ongage's segment `type` (such as `"Active"`).
        rules: Its rules, each a mapping as Ongage's page shows them (`field_name`,
            `type`, `operator`, `operand`, `case_sensitive`, `condition`, ...).
    """

    description: str | None
    type: str | None
    rules: Sequence[Mapping[str, Any]] | None


class SegmentsResource(CollectionResource[Segment]):
    """`client.segments`: a list's segments, `/api/segments`.

    `create` and `update` take the fields Ongage's segments page names (`name`, and
    the [`SegmentFields`][ongage_async.resources.SegmentFields]); any other goes in
    `extra_body=`.
    """

    _path = "/api/segments"
    _model = Segment.from_payload

    async def create(
        self,
        *,
        name: str,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[SegmentFields],
    ) -> Segment:
        """Create a segment: `POST /api/segments`; returns it as Ongage stored it.

        Not retried after an ambiguous failure (a 5xx, a timeout, a lost answer): a
        second call would create a second segment.

        Args:
            name: The segment's name.
            list_id: The list it belongs to (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: Its other fields (`description`, `type`, `rules`): see
                [`SegmentFields`][ongage_async.resources.SegmentFields].
        """
        values = {"name": name, **self._keywords("create", fields, SegmentFields)}
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        segment_id: Id,
        *,
        name: str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[SegmentFields],
    ) -> Segment:
        """Change a segment: `PUT /api/segments/<id>`; only the fields given are sent.

        Args:
            segment_id: The segment's id.
            name: Its new name.
            list_id: The list it belongs to (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: The other fields to change, as for `create`.
        """
        values = {"name": name, **self._keywords("update", fields, SegmentFields)}
        return await self._update(
            segment_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )
