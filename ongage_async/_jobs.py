"""Handles on Ongage's asynchronous jobs: imports, exports, contact searches.

``await job.wait()`` polls until the job is done.  Each poll is an API call that spends
budget, so the default interval comes from the budget (20 token periods: 4 s at 300
calls a minute, about 5 % of the budget) rather than a tight loop.  A 412 "not finished
yet" is a pending answer, not an error; a final error status raises
:class:`JobFailedError`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from ._errors import InvalidArgumentError, OngageError, ValidationError
from .models import ExportStatus, Import, SearchStatus

if TYPE_CHECKING:
    from ._client import OngageClient

__all__ = ["ExportJob", "ImportJob", "Job", "JobFailedError", "JobTimeoutError", "SearchJob"]

StatusT = TypeVar("StatusT", Import, ExportStatus, SearchStatus)


class JobFailedError(OngageError):
    """The job ended in an error status (an import's >= 90000)."""

    def __init__(self, kind: str, job_id: str, status: int | None, description: str) -> None:
        super().__init__(f"{kind} {job_id} failed with status {status}: {description}")
        self.job_id = job_id
        self.status = status
        self.description = description


class JobTimeoutError(OngageError, TimeoutError):
    """``wait(timeout=...)`` ran out before the job finished."""


class Job(Generic[StatusT]):
    """A running job: poll it, wait for it, then read what it produced."""

    kind = "job"
    _path = "/api/job"

    def __init__(self, client: OngageClient, job_id: str, list_id: str | None) -> None:
        self._client = client
        self.id = job_id
        self.list_id = list_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r} list_id={self.list_id!r}>"

    def _parse(self, payload: Any) -> StatusT:
        raise NotImplementedError

    def _failed(self, status: StatusT) -> bool:
        return False

    async def status(self) -> StatusT | None:
        """One poll; ``None`` while Ongage answers 412 "not finished yet"."""
        try:
            payload = await self._client.request(
                "GET", f"{self._path}/{self.id}", list_id=self.list_id
            )
        except ValidationError:
            return None
        return self._parse(payload)

    def default_poll_interval(self) -> float:
        budget = self._client.governor.budget
        return 20 * budget.period / budget.limit

    async def wait(
        self, *, poll_interval: float | None = None, timeout: float | None = None
    ) -> StatusT:
        """Poll until the job is done; return its final status."""
        interval = self.default_poll_interval() if poll_interval is None else poll_interval
        if interval < 0 or (timeout is not None and timeout < 0):
            raise InvalidArgumentError("poll_interval and timeout must be >= 0")
        with anyio.move_on_after(timeout) as scope:
            while True:
                status = await self.status()
                if status is not None:
                    if self._failed(status):
                        extra: Mapping[str, Any] = getattr(status, "extra", {})
                        raise JobFailedError(
                            self.kind,
                            self.id,
                            status.status,
                            str(getattr(status, "status_desc", None) or extra.get("error", "")),
                        )
                    if status.done:
                        return status
                await anyio.sleep(interval)
        assert scope.cancelled_caught
        raise JobTimeoutError(f"{self.kind} {self.id} not finished after {timeout} s")


class ImportJob(Job[Import]):
    """``POST /api/import``: done at 40003, failed at >= 90000."""

    kind = "import"
    _path = "/api/import"

    def _parse(self, payload: Any) -> Import:
        return Import.from_payload(payload)

    def _failed(self, status: Import) -> bool:
        return status.failed_for_good


class ExportJob(Job[ExportStatus]):
    """``POST /api/export``; its file is a ZIP from ``/retrieve``."""

    kind = "export"
    _path = "/api/export"

    def _parse(self, payload: Any) -> ExportStatus:
        return ExportStatus.from_payload(payload)

    async def download(self, destination: str | os.PathLike[str] | IO[bytes]) -> int:
        """Stream the ZIP to a path or binary file; raises 412 if it is not ready yet."""
        return await self._client.download(
            f"{self._path}/{self.id}/retrieve", destination, list_id=self.list_id
        )


class SearchJob(Job[SearchStatus]):
    """A contact search or contact activity report: JSON results or a CSV export."""

    kind = "contact_search"
    _path = "/api/contact_search"

    def __init__(
        self, client: OngageClient, job_id: str, list_id: str | None, path: str | None = None
    ) -> None:
        super().__init__(client, job_id, list_id)
        if path is not None:
            self._path = path
            self.kind = path.rsplit("/", 1)[-1]

    def _parse(self, payload: Any) -> SearchStatus:
        return SearchStatus.from_payload(payload)

    async def results(self, *, page_size: int = 500) -> AsyncIterator[Mapping[str, Any]]:
        """Every result row, fetched page by page (``offset``/``limit``) through the governor."""
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidArgumentError("page_size must be a positive int")
        offset = 0
        while True:
            response = await self._client.request(
                "GET",
                f"{self._path}/{self.id}/result",
                list_id=self.list_id,
                params={"offset": offset, "limit": page_size},
                raw=True,
            )
            rows = response.payload if isinstance(response.payload, list) else []
            for row in rows:
                yield row
            offset += len(rows)
            total = response.total
            if len(rows) < page_size or (total is not None and offset >= total):
                return

    async def download(self, destination: str | os.PathLike[str] | IO[bytes]) -> int:
        """Stream the CSV export to a path or binary file."""
        return await self._client.download(
            f"{self._path}/{self.id}/export", destination, list_id=self.list_id
        )
