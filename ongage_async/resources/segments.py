"""``client.segments``: ``/api/segments`` (get, list, iter, create, update, delete)."""

from __future__ import annotations

from ..models import Segment
from ._base import CollectionResource

__all__ = ["SegmentsResource"]


class SegmentsResource(CollectionResource[Segment]):
    _path = "/api/segments"
    _model = Segment.from_payload
