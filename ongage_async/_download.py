"""Byte sinks for downloads: a file path, or a binary file object the caller owns."""

from __future__ import annotations

import os
from typing import IO

import anyio

from ._exceptions import InvalidArgumentError

__all__ = ["FileObjectSink", "PathSink", "sink_for"]


class PathSink:
    """Writes to a path; a restart truncates, and the file is complete when the call returns."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = anyio.Path(path)
        self.written = 0
        self._file: anyio.AsyncFile[bytes] | None = None

    async def restart(self) -> None:
        await self.close()
        self._file = await anyio.open_file(self.path, "wb")
        self.written = 0

    async def write(self, chunk: bytes) -> None:
        if self._file is None:
            await self.restart()
        assert self._file is not None
        await self._file.write(chunk)
        self.written += len(chunk)

    async def close(self) -> None:
        if self._file is not None:
            await self._file.aclose()
            self._file = None


class FileObjectSink:
    """Writes to a binary file object; a restart rewinds it when it can."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.written = 0
        self._start = file.tell() if _seekable(file) else None

    async def restart(self) -> None:
        if self.written and self._start is None:
            raise InvalidArgumentError("cannot retry a download into an unseekable file")
        if self._start is not None:
            self.file.seek(self._start)
            self.file.truncate()
        self.written = 0

    async def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.written += len(chunk)

    async def close(self) -> None:
        self.file.flush()


def _seekable(file: IO[bytes]) -> bool:
    # Not every file object has seekable(): SpooledTemporaryFile lacks it before 3.11.
    seekable = getattr(file, "seekable", None)
    if seekable is not None:
        return bool(seekable())
    try:
        file.tell()
    except (OSError, ValueError):
        return False
    return True


def sink_for(destination: str | os.PathLike[str] | IO[bytes]) -> PathSink | FileObjectSink:
    if isinstance(destination, (str, os.PathLike)):
        return PathSink(destination)
    if hasattr(destination, "write"):
        return FileObjectSink(destination)
    raise InvalidArgumentError("download to a path or a binary file object")
