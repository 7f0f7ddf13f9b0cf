"""Handles on Ongage's asynchronous jobs: imports, exports, contact searches.

`await job.wait()` polls until the job is done (an export: until `/retrieve` gives
the file, the only readiness signal Ongage documents for one).  Each poll is an API
call that spends budget, so the default interval comes from the budget (20 token
periods: 4 s at 300 calls a minute, about 5 % of the budget) rather than a tight loop.
A 412 "not finished yet" is a pending answer, not an error; a final error status raises
`JobFailedError`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from .._call import chosen_list
from .._download import sink_for
from .._exceptions import InvalidArgumentError, JobFailedError, JobTimeoutError, ValidationError
from ..models import ExportStatus, Import, Page, SearchStatus
from ._base import offset_pages

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = ["ExportJob", "ImportJob", "Job", "JobFailedError", "JobTimeoutError", "SearchJob"]

StatusT = TypeVar("StatusT", Import, SearchStatus)


_SPOOL_BYTES = 8 * 1024 * 1024
T = TypeVar("T")


class _Handle:
    """What every job handle is: an id in a list, polled at a budget-drawn interval."""

    kind: str = "job"
    _path = "/api/job"

    def __init__(self, client: Requester, job_id: str, list_id: str | None) -> None:
        self._client = client
        self.id: str = job_id
        self.list_id: str | None = list_id

    def default_poll_interval(self) -> float:
        """Seconds between polls when none is given: 20 token periods of the budget
        (4 s at 300 calls a minute)."""
        budget = self._client.governor.budget
        return 20 * budget.period / budget.limit


async def _poll(
    job: _Handle,
    check: Callable[[], Awaitable[T | None]],
    poll_interval: float | None,
    timeout: float | None,
) -> T:
    """Call `check` until it gives something, sleeping `poll_interval` in between."""
    interval = job.default_poll_interval() if poll_interval is None else poll_interval
    if interval < 0 or (timeout is not None and timeout < 0):
        raise InvalidArgumentError("poll_interval and timeout must be >= 0")
    with anyio.move_on_after(timeout) as scope:
        while True:
            found = await check()
            if found is not None:
                return found
            await anyio.sleep(interval)
    assert scope.cancelled_caught
    raise JobTimeoutError(f"{job.kind} {job.id} not finished after {timeout} s")


class Job(_Handle, Generic[StatusT]):
    """A running job: poll it, wait for it, then read what it produced.

    The base of [`ImportJob`][ongage_async.resources.ImportJob] and
    [`SearchJob`][ongage_async.resources.SearchJob]; `client.imports.create(...)` and
    `client.contact_search.create(...)` return one, `client.imports.job(id)` makes one
    for a job started earlier.

    Attributes:
        id: The job's id.
        list_id: The list the job runs in; every poll is sent to it.
        kind: What the job is: `"import"`, `"contact_search"` or `"contact_activity"`.
    """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r} list_id={self.list_id!r}>"

    def _parse(self, payload: Any) -> StatusT:
        raise NotImplementedError

    def _failed(self, status: StatusT) -> bool:
        return False

    async def status(self) -> StatusT | None:
        """One poll, one call: the job's status now, or `None` while Ongage answers 412."""
        try:
            payload = await self._client.request(
                "GET", f"{self._path}/{self.id}", list_id=chosen_list(self.list_id)
            )
        except ValidationError:
            return None
        return self._parse(payload)

    async def wait(
        self,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,
        on_status: Callable[[StatusT], Any] | None = None,
    ) -> StatusT:
        """Poll until the job is done; return its final status.

        Raises [`JobFailedError`][ongage_async.JobFailedError] when the job ends in an
        error status, [`JobTimeoutError`][ongage_async.JobTimeoutError] when `timeout`
        runs out first.

        Args:
            poll_interval: Seconds between polls (default:
                [`default_poll_interval`][ongage_async.resources.Job.default_poll_interval]).
            timeout: Seconds to wait at most (default: no limit).
            on_status: Called with each status polled (an import's `progress`, say).
        """

        async def finished() -> StatusT | None:
            status = await self.status()
            if status is None:
                return None
            if on_status is not None:
                on_status(status)
            if self._failed(status):
                extra: Mapping[str, Any] = getattr(status, "extra", {})
                raise JobFailedError(
                    self.kind,
                    self.id,
                    status.status,
                    str(getattr(status, "status_desc", None) or extra.get("error", "")),
                )
            return status if status.done else None

        return await _poll(self, finished, poll_interval, timeout)


class ImportJob(Job[Import]):
    """An import (`client.imports.create`): polled with `GET /api/import/<id>`.

    Done at status 40003; failed at >= 90000. Its status is an
    [`Import`][ongage_async.models.Import].
    """

    kind: str = "import"
    _path = "/api/import"

    def _parse(self, payload: Any) -> Import:
        return Import.from_payload(payload)

    def _failed(self, status: Import) -> bool:
        return status.failed_for_good


class ExportJob(_Handle):
    """An export (`client.exports.create`); its file is a ZIP from
    `GET /api/export/<id>/retrieve`.

    Ongage documents no status call for one export: the only way to learn that it is
    ready is `/retrieve`, which answers 412 "not finished yet" until then and the
    file after (page 1027997823). So [`download`][ongage_async.resources.ExportJob.download]
    polls `/retrieve` itself, and [`wait`][ongage_async.resources.ExportJob.wait] does the same
    but keeps the file (in memory up to 8 MiB, then in a temporary file) so that a
    later `download` costs no second call.

    Attributes:
        id: The export's id.
        list_id: The list the export runs in; every call is sent to it.
        kind: `"export"`.
    """

    kind: str = "export"
    _path = "/api/export"

    def __init__(self, client: Requester, job_id: str, list_id: str | None) -> None:
        super().__init__(client, job_id, list_id)
        self._file: IO[bytes] | None = None

    def __repr__(self) -> str:
        return f"<ExportJob id={self.id!r} list_id={self.list_id!r} ready={self.ready}>"

    @property
    def ready(self) -> bool:
        """True once [`wait`][ongage_async.resources.ExportJob.wait] has fetched the file."""
        return self._file is not None

    async def _retrieve(self, destination: str | os.PathLike[str] | IO[bytes]) -> int | None:
        """One `GET .../retrieve` into `destination`; `None` while Ongage says 412."""
        try:
            return await self._client.download(
                f"{self._path}/{self.id}/retrieve", destination, list_id=chosen_list(self.list_id)
            )
        except ValidationError:
            return None

    async def wait(
        self, *, poll_interval: float | None = None, timeout: float | None = None
    ) -> ExportStatus:
        """Poll `/retrieve` until the file comes; keep it, and say its size in bytes.

        Raises [`JobTimeoutError`][ongage_async.JobTimeoutError] when `timeout` runs
        out first.

        Args:
            poll_interval: Seconds between polls (default: 20 token periods of the
                budget).
            timeout: Seconds to wait at most (default: no limit).
        """
        if self._file is None:
            spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
            try:
                await _poll(self, lambda: self._retrieve(spool), poll_interval, timeout)
            except BaseException:
                spool.close()
                raise
            self._file = spool
        return ExportStatus(self.id, self._file.seek(0, os.SEEK_END))

    async def download(
        self,
        destination: str | os.PathLike[str] | IO[bytes],
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,
    ) -> int:
        """Write the ZIP to a path or binary file, polling `/retrieve` until it is ready.

        Returns the number of bytes written. After [`wait`][ongage_async.resources.ExportJob.wait]
        the kept file is written without another call.

        Args:
            destination: A file path, or a binary file open for writing.
            poll_interval: Seconds between polls (default: 20 token periods of the
                budget).
            timeout: Seconds to wait at most (default: no limit).
        """
        sink = sink_for(destination)  # a bad destination fails before any call
        if self._file is None:
            return await _poll(self, lambda: self._retrieve(destination), poll_interval, timeout)
        self._file.seek(0)
        try:
            await sink.restart()
            while chunk := self._file.read(1 << 16):
                await sink.write(chunk)
        finally:
            await sink.close()
        return sink.written

    def close(self) -> None:
        """Drop a file kept by [`wait`][ongage_async.resources.ExportJob.wait]."""
        if self._file is not None:
            self._file.close()
            self._file = None


class SearchJob(Job[SearchStatus]):
    """A contact search or contact activity report: a CSV export, or JSON results.

    `client.contact_search.create(...)` and `client.contact_activity.create(...)` return
    one; it is polled with `GET .../<id>` (status 2 when done) and its status is a
    [`SearchStatus`][ongage_async.models.SearchStatus].
    """

    kind: str = "contact_search"
    _path = "/api/contact_search"

    def __init__(
        self, client: Requester, job_id: str, list_id: str | None, path: str | None = None
    ) -> None:
        super().__init__(client, job_id, list_id)
        if path is not None:
            self._path = path
            self.kind = path.rsplit("/", 1)[-1]

    def _parse(self, payload: Any) -> SearchStatus:
        return SearchStatus.from_payload(payload)

    async def results(self, *, page_size: int = 500) -> AsyncIterator[Mapping[str, Any]]:
        """Every result row as JSON, page by page (`offset`/`limit`) through the governor.

        Undocumented: `GET .../<id>/result` is no longer on Ongage's current pages
        (1029308417, 1027997911); [`download`][ongage_async.resources.SearchJob.download] (the CSV
        export) is the documented way.

        Args:
            page_size: Rows a call.
        """

        async def fetch(offset: int, limit: int) -> Page[Mapping[str, Any]]:
            response = await self._client.request(
                "GET",
                f"{self._path}/{self.id}/result",
                list_id=chosen_list(self.list_id),
                params={"offset": offset, "limit": limit},
                raw=True,
            )
            rows = response.payload if isinstance(response.payload, list) else []
            return Page(tuple(rows), response.total, offset, limit)

        async for row in offset_pages(fetch, page_size):
            yield row

    async def download(self, destination: str | os.PathLike[str] | IO[bytes]) -> int:
        """Stream the CSV to a path or binary file: `GET .../<id>/export`.

        Returns the number of bytes written. Call it once the job is done
        ([`wait`][ongage_async.resources.Job.wait]).

        Args:
            destination: A file path, or a binary file open for writing.
        """
        return await self._client.download(
            f"{self._path}/{self.id}/export", destination, list_id=chosen_list(self.list_id)
        )

    async def download_detailed(self, destination: str | os.PathLike[str] | IO[bytes]) -> int:
        """Stream the combined detailed report (a CSV) of a contact activity report.

        `GET /api/contact_activity/<id>/export_detailed` (page 1027997911); contact
        activity only. Returns the number of bytes written.

        Args:
            destination: A file path, or a binary file open for writing.
        """
        if self.kind != "contact_activity":
            raise InvalidArgumentError("export_detailed exists for contact activity only")
        return await self._client.download(
            f"{self._path}/{self.id}/export_detailed",
            destination,
            list_id=chosen_list(self.list_id),
        )
