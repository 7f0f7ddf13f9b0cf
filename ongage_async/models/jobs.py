"""Status snapshots of Ongage's asynchronous jobs (imports, exports, contact searches)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._model import Model
from ._convert import WireModel, as_int, as_str, wire

__all__ = ["ExportStatus", "Import", "SearchStatus"]

_count = wire(lambda v: as_int(v) or 0, default=0)

IMPORT_COMPLETED = 40003


@attrs.frozen
class Import(WireModel):
    """An import's progress (`client.imports.get`, `ImportJob.status`, `ImportJob.wait`).

    Ongage sends the counts as strings; here they are ints.

    Attributes:
        id: The import's id.
        status: 40001 queued, 40010 validating, 40002 processing, 40003 completed,
            40004 updating list stats; >= 90000 failed (90001 error, 90008 invalid).
        status_desc: Ongage's words for it (such as `"Processing (46%)"`).
        progress: How far it is, when Ongage says.
        total: Rows in the file.
        success: Rows imported.
        failed: Rows that failed.
        duplicate: Rows that repeated an earlier row.
        existing: Rows whose contact existed already.
        not_existing: Rows whose contact did not exist (for actions on existing ones).
        incomplete: Rows missing required values.
        invalid: Rows with invalid values.
        extra: Every other field of Ongage's answer, as sent.
    """

    id: str = wire(lambda v: as_str(v) or "", default="")
    status: int | None = wire(as_int)
    status_desc: str | None = wire(as_str)
    progress: int | None = wire(as_int)
    total: int = _count
    success: int = _count
    failed: int = _count
    duplicate: int = _count
    existing: int = _count
    not_existing: int = _count
    incomplete: int = _count
    invalid: int = _count
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def done(self) -> bool:
        """True once the import completed (status 40003)."""
        return self.status == IMPORT_COMPLETED

    @property
    def failed_for_good(self) -> bool:
        """True once the import ended in an error (status >= 90000)."""
        return self.status is not None and self.status >= 90000


@attrs.frozen
class ExportStatus(Model):
    """What [`ExportJob.wait`][ongage_async.resources.ExportJob.wait] learned: the export's file
    is ready, and its size.

    Ongage documents no status call for one export, so there is no status code here:
    only `/retrieve` answering with the file (instead of 412) says it is ready.

    Attributes:
        id: The export's id.
        size: The size of its file (a ZIP), in bytes.
        done: Always True: the file is there.
    """

    id: str
    size: int
    done: bool = True


@attrs.frozen
class SearchStatus(WireModel):
    """A contact search's (or contact activity report's) progress.

    Attributes:
        id: The search's id.
        title: Its title.
        status: 1 pending, 2 completed.
        total: How many contacts it found, when Ongage says.
        extra: Every other field of Ongage's answer (`status_desc`, ...), as sent.
    """

    id: str = wire(lambda v: as_str(v) or "", default="")
    title: str | None = wire(as_str)
    status: int | None = wire(as_int)
    total: int | None = wire(as_int)
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def done(self) -> bool:
        """True once the search completed (status 2)."""
        return self.status == 2
