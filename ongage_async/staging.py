"""Staging: put an import's file where Ongage can fetch it, and take it away after.

`POST /api/import` carries no file: it names a URL that Ongage fetches itself (page
1014366212).  A [`Stage`][ongage_async.staging.Stage] is that place: it stores the
file, hands out a URL that works without credentials for a while (a signed URL), and
deletes the file afterwards.  [`ObjectStoreStage`][ongage_async.staging.ObjectStoreStage]
does it on S3, GCS, Azure or any S3-compatible store through
[obstore](https://developmentseed.org/obstore/) (the `[import]` extra); anything else
is a few lines (see the docs' "Imports" page).

A signed URL's query string is a credential: anyone holding it can read the file
until it expires.  [`redact_url`][ongage_async.staging.redact_url] is how this package
shows one, in logs, reprs and error messages alike.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import anyio

from ._exceptions import InvalidArgumentError, StagingError

if TYPE_CHECKING:
    from obstore.store import AzureStore, GCSStore, S3Store

    SignCapableStore = AzureStore | GCSStore | S3Store

__all__ = ["ObjectStoreStage", "Stage", "StagingError", "redact_url"]


@runtime_checkable
class Stage(Protocol):
    """Where an import's file waits for Ongage to fetch it."""

    async def put(self, name: str, chunks: AsyncIterator[bytes]) -> str:
        """Store the bytes of `chunks` under `name`; return a URL Ongage can GET.

        The URL must work without credentials (signed), from Ongage's servers, for as
        long as the import may take to start; it should expire after that.
        """
        ...

    async def delete(self, name: str) -> None:
        """Remove the file `name`; a file that is not there is no error."""
        ...


def redact_url(url: str) -> str:
    """`url` without its query string, which for a signed URL is a credential.

    `https://bucket.s3.amazonaws.com/imports/a.csv?X-Amz-Signature=...` becomes
    `https://bucket.s3.amazonaws.com/imports/a.csv?<redacted>`.
    """
    base, sep, _ = str(url).partition("?")
    base = base.split("#", 1)[0]
    return f"{base}?<redacted>" if sep else base


class ObjectStoreStage:
    """A [`Stage`][ongage_async.staging.Stage] on any obstore store that can sign URLs.

    ```python
    from obstore.store import S3Store
    stage = ObjectStoreStage(S3Store("my-bucket"), prefix="ongage-imports/")
    result = await client.contacts.import_rows(rows, stage=stage)
    ```

    Args:
        store: An obstore store that can sign URLs: `S3Store`, `GCSStore` or
            `AzureStore` (S3-compatible servers too, with `endpoint=`).
        prefix: Put before each file's name (`"imports/"`).
        expires: How long a signed URL works. Ongage fetches the file when the import
            starts, which may wait behind the account's other imports: the 6 hours by
            default leave room for that.
        part_size: Bytes per part of a multipart upload (at least 5 MiB, as S3 wants).
        max_concurrency: Parts uploaded at once; each holds `part_size` bytes in memory.
    """

    def __init__(
        self,
        store: SignCapableStore,
        *,
        prefix: str = "",
        expires: timedelta = timedelta(hours=6),
        part_size: int = 5 * 1024 * 1024,
        max_concurrency: int = 2,
    ) -> None:
        if not isinstance(prefix, str):
            raise InvalidArgumentError("prefix must be a string")
        if not isinstance(expires, timedelta) or expires <= timedelta(0):
            raise InvalidArgumentError("expires must be a positive timedelta")
        if isinstance(part_size, bool) or not isinstance(part_size, int) or part_size < 5 << 20:
            raise InvalidArgumentError("part_size must be an int of at least 5 MiB")
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise InvalidArgumentError("max_concurrency must be a positive int")
        self.store = store
        self.prefix = prefix
        self.expires = expires
        self.part_size = part_size
        self.max_concurrency = max_concurrency

    def __repr__(self) -> str:
        return f"ObjectStoreStage({self.store!r}, prefix={self.prefix!r}, expires={self.expires})"

    def path(self, name: str) -> str:
        """Where `name` goes in the store."""
        return f"{self.prefix}{name}"

    async def put(self, name: str, chunks: AsyncIterator[bytes]) -> str:
        import obstore

        path = self.path(name)
        options: dict[str, Any] = {
            "use_multipart": True,
            "chunk_size": self.part_size,
            "max_concurrency": self.max_concurrency,
        }
        stop = threading.Event()

        # obstore's blocking calls in a worker thread, under asyncio and trio alike: its
        # `*_async` calls complete Python futures from the store's own (tokio) threads,
        # which was seen to abort the interpreter at exit now and then (SIGABRT, no
        # message) when a program ended right after an import.
        async def upload() -> None:
            await anyio.to_thread.run_sync(
                lambda: obstore.put(self.store, path, _pulled(chunks, stop), **options)
            )

        try:
            await _stop_on_cancel(upload, stop)
            url = await anyio.to_thread.run_sync(
                lambda: obstore.sign(self.store, "GET", path, self.expires)
            )
        except (_Stopped, anyio.get_cancelled_exc_class()):
            raise
        except Exception as exc:
            raise StagingError(f"could not stage {path}: {type(exc).__name__}: {exc}") from exc
        return str(url)

    async def delete(self, name: str) -> None:
        import obstore

        path = self.path(name)
        try:
            await anyio.to_thread.run_sync(obstore.delete, self.store, path)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise StagingError(f"could not delete {path}: {type(exc).__name__}: {exc}") from exc


class _Stopped(Exception):
    """Ends an upload whose caller was cancelled (the store then aborts it)."""


def _pulled(chunks: AsyncIterator[bytes], stop: threading.Event) -> Iterator[bytes]:
    """`chunks`, read from a worker thread: each chunk is awaited on the event loop."""
    while True:
        if stop.is_set():
            raise _Stopped
        try:
            yield anyio.from_thread.run(_next, chunks)
        except StopAsyncIteration:
            return


async def _next(chunks: AsyncIterator[bytes]) -> bytes:
    return await anext(chunks)


async def _stop_on_cancel(upload: Callable[[], Awaitable[None]], stop: threading.Event) -> None:
    """Run `upload` to its end even when cancelled, but make it stop at its next chunk.

    Cancelling the await alone would leave the store's side running (obstore's future,
    or a worker thread) and possibly completing the file after the caller deleted it.
    So the upload is shielded, a cancellation sets `stop`, and the source then raises
    at its next chunk: the store aborts the multipart upload, and only then does the
    cancellation go on.
    """
    failed: list[BaseException] = []

    async def watch() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            stop.set()

    async def run(scope: anyio.CancelScope) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await upload()
            except BaseException as exc:  # raised below, outside the task group
                failed.append(exc)
        scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        tg.start_soon(run, tg.cancel_scope)
    if failed:
        raise failed[0]
