"""`client.segments`: `/api/segments` (get, list, iter, create, update, delete)."""

from __future__ import annotations

from ..models import Segment
from ._base import CollectionResource

__all__ = ["SegmentsResource"]


class SegmentsResource(CollectionResource[Segment]):
    """`client.segments`: a list's segments, `/api/segments`.

    A segment's `create` and `update` take its fields as Ongage's segments page names
    them (`name`, `description`, `rules`, ...).
    """

    _path = "/api/segments"
    _model = Segment.from_payload
