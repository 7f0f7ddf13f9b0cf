"""Reads an answer's body into memory, no further than a limit on its *decoded* size.

httpx inflates gzip and deflate a chunk at a time with no bound, so one 64 KiB chunk
of a gzip bomb becomes 64 MiB (and a whole in-process body far more) before anything
could count it.  Here gzip and deflate are inflated with zlib's ``max_length``: never
more than the room left under the limit is produced.  Other encodings (br, zstd, only
when their optional packages are installed) go through httpx's decoders and are
counted per decoded chunk.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

from ._exceptions import BodyTooLarge

__all__ = ["BodyTooLarge", "read_limited"]

#: How much of an over-size body an error keeps, for the message and ``body``.
_KEEP = 1024


class _Inflater:
    """gzip or deflate (zlib-wrapped or raw, as servers differ), bounded per call."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        wbits = zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate ``data``, producing at most ``room`` bytes (more means over the limit)."""
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise
            # "deflate" without the zlib header, as some servers send it.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, room)
        self._started = True
        # zlib fills the room before it leaves input over (`unconsumed_tail`), so input
        # left over means the room is full: the caller sees the body past its limit.
        return out

    def flush(self) -> bytes:
        return self._zlib.flush()


def _encodings(response: httpx.Response) -> list[str]:
    value = response.headers.get("content-encoding", "")
    names = [name.strip().lower() for name in value.split(",")]
    return [name for name in names if name and name != "identity"]


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.strip().isdigit() else None


async def read_limited(response: httpx.Response, limit: int) -> bytes:
    """The whole decoded body of a streamed response, or :class:`BodyTooLarge`."""
    # Already in memory (a transport such as httpx.MockTransport reads it whole): nothing
    # left to bound but what is handed on.  httpx reads a body by iterating its stream,
    # so one whose stream is untouched is not in memory: no error to raise and catch.
    if response.is_stream_consumed:
        try:
            content = response.content
        except httpx.ResponseNotRead:
            pass
        else:
            if len(content) > limit:
                raise BodyTooLarge(content[:_KEEP])
            return content
    encodings = _encodings(response)
    if not encodings:
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise BodyTooLarge(b"")  # refused before a byte is read
        return await _collect(response.aiter_raw(), limit)
    if len(encodings) == 1 and encodings[0] in ("gzip", "x-gzip", "deflate"):
        return await _inflate(response, _Inflater(encodings[0]), limit)
    return await _collect(response.aiter_bytes(), limit)


async def _collect(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(bytes(body[:_KEEP]))
    return bytes(body)


async def _inflate(response: httpx.Response, inflater: _Inflater, limit: int) -> bytes:
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            body += inflater.feed(chunk, limit + 1 - len(body))
            if len(body) > limit:
                raise BodyTooLarge(bytes(body[:_KEEP]))
        body += inflater.flush()
    except zlib.error as exc:
        raise httpx.DecodingError(
            f"the body is not valid {_encodings(response)[0]}: {exc}", request=response.request
        ) from exc
    if len(body) > limit:
        raise BodyTooLarge(bytes(body[:_KEEP]))
    return bytes(body)
