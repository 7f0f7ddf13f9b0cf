"""Issue #12, item 5: bounded time and memory per answer.

A server that drips its answer, a 100 MB body and a gzip bomb each cost one attempt a
bounded time and a bounded amount of memory; downloads stream to disk unbounded.
"""

from __future__ import annotations

import functools
import gzip
import io
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

import anyio
import httpx
import pytest

from ongage_async import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    InvalidResponseError,
    OngageClient,
    ResponseTooLargeError,
    ServerError,
)
from ongage_async._sender import DEFAULT_MAX_RESPONSE_BYTES

from .helpers import creds
from .test_retry import POLICY, Sleeps

MiB = 1024 * 1024
JSON = {"content-type": "application/json"}
OK_BODY = b'{"metadata": {"error": false}, "payload": [1]}'


class Chunks(httpx.AsyncByteStream):
    """A body sent chunk by chunk (``pause`` seconds apart), counting what left the server."""

    def __init__(self, chunks: Iterable[bytes], pause: float = 0.0) -> None:
        self.chunks = chunks
        self.pause = pause
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await anyio.sleep(self.pause)  # also a checkpoint: a limit can cut in
            self.sent += len(chunk)
            yield chunk


def forever(chunk: bytes, first: bytes = b"") -> Iterator[bytes]:
    if first:
        yield first
    while True:
        yield chunk


def streamed(status: int, stream: httpx.AsyncByteStream, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers or JSON, stream=stream)


def client_for(
    answer: Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]],
    **options: Any,
) -> OngageClient:
    options.setdefault("retry", False)
    return OngageClient(**creds(transport=httpx.MockTransport(answer), **options))


@functools.lru_cache(maxsize=1)
def gzip_bomb(decoded: int) -> bytes:
    """``decoded`` zero bytes, gzipped: about a thousandth of the size."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        block = bytes(MiB)
        for _ in range(decoded // MiB):
            packed.write(block)
    return out.getvalue()


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def peak_memory(call: Callable[[], Awaitable[object]]) -> tuple[BaseException, int]:
    """Run ``call`` (which must raise) under tracemalloc: the error and the peak in bytes."""
    tracemalloc.start()
    try:
        await call()
    except Exception as exc:  # handed back to the test to check
        error: BaseException = exc
    else:
        raise AssertionError("the call did not fail")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, peak


# -- time ----------------------------------------------------------------------------


async def test_a_dripping_answer_is_cut_by_the_attempt_limit() -> None:
    drip = Chunks(forever(b" ", first=b'{"metadata": {}, "payload": '), pause=0.01)
    async with client_for(lambda r: streamed(200, drip), attempt_timeout=0.2) as client:
        started = anyio.current_time()
        with anyio.fail_after(3), pytest.raises(APITimeoutError) as caught:
            await client.request("GET", "/api/lists")
        took = anyio.current_time() - started
    assert 0.15 < took < 1.0
    assert "attempt_timeout" in str(caught.value)
    assert client.governor.statistics().in_flight == 0


async def test_the_default_attempt_limit_is_twice_the_timeout() -> None:
    # Each drop comes well within the read timeout; the whole never comes.
    drip = Chunks(forever(b" ", first=b"{"), pause=0.01)
    async with client_for(lambda r: streamed(200, drip), timeout=0.1) as client:
        started = anyio.current_time()
        with anyio.fail_after(3), pytest.raises(APITimeoutError):
            await client.request("GET", "/api/lists")
    assert 0.15 < anyio.current_time() - started < 1.0


async def test_an_answer_that_never_starts_is_cut_too() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async with client_for(never, attempt_timeout=0.05) as client:
        with anyio.fail_after(3), pytest.raises(APITimeoutError):
            await client.request("GET", "/api/lists")


async def test_a_cut_attempt_is_retried_only_when_a_repeat_is_safe() -> None:
    answers: list[httpx.Response] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if len(answers) == 0 or request.method == "POST":
            answers.append(streamed(200, Chunks(forever(b" ", first=b"{"), pause=0.01)))
        else:
            answers.append(httpx.Response(200, content=OK_BODY, headers=JSON))
        return answers[-1]

    sleeps = Sleeps()
    client = client_for(answer, attempt_timeout=0.05, retry=POLICY, sleep=sleeps)
    async with client:
        with anyio.fail_after(3):
            assert await client.request("GET", "/api/lists") == [1]
            assert sleeps.delays == [0.5]  # no whole answer: the seconds schedule
            with pytest.raises(APITimeoutError):
                await client.request("POST", "/api/transactional/send", json={})
    assert len(answers) == 3  # the send was not repeated: it may have gone out


async def test_a_download_is_bounded_per_read_not_in_total(tmp_path: Any) -> None:
    stream = Chunks([b"x" * 1000] * 5, pause=0.03)
    headers = {"content-type": "application/zip"}
    async with client_for(lambda r: streamed(200, stream, **headers), attempt_timeout=0.05) as c:
        with anyio.fail_after(3):
            written = await c.download("/api/export/1/retrieve", tmp_path / "a.zip")
    assert written == 5000 == (tmp_path / "a.zip").stat().st_size


# -- memory --------------------------------------------------------------------------


async def test_a_json_answer_past_the_cap_is_a_typed_error_and_not_retried() -> None:
    stream = Chunks([b'{"metadata": {}, "payload": "', *[b" " * 65536] * 640])  # 40 MiB
    sleeps = Sleeps()
    client = client_for(
        lambda r: streamed(200, stream), max_response_bytes=MiB, retry=POLICY, sleep=sleeps
    )
    async with client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.request("GET", "/api/lists")
    error = caught.value
    assert isinstance(error, InvalidResponseError)
    assert (error.status, error.limit) == (200, MiB)
    assert "max_response_bytes" in str(error)
    assert len(error.body) <= 1024
    assert stream.sent <= MiB + 2 * 65536  # it stopped reading at the cap
    assert sleeps.delays == []  # the same answer would come back


async def test_a_huge_html_502_is_refused_within_the_default_cap() -> None:
    page = b"<html><body>" + b"<p>Bad Gateway</p>" * 3640 + b"</body></html>"  # 64 KiB
    stream = Chunks([page] * 640)  # 40 MiB, past the default 16 MiB
    headers = {"content-type": "text/html"}

    async def call() -> None:
        async with client_for(lambda r: streamed(502, stream, **headers)) as client:
            await client.request("GET", "/api/lists")

    error, peak = await peak_memory(call)
    assert isinstance(error, ResponseTooLargeError)
    assert error.status == 502 and error.limit == DEFAULT_MAX_RESPONSE_BYTES == 16 * MiB
    assert stream.sent <= 16 * MiB + 2 * len(page)
    assert peak < 40 * MiB  # the body is held once, and only up to the cap


async def test_an_over_size_5xx_is_retried_like_any_5xx() -> None:
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return streamed(503, Chunks([b"x" * 65536] * 64), **{"content-type": "text/html"})

    sleeps = Sleeps()
    client = client_for(answer, max_response_bytes=MiB, retry=POLICY, sleep=sleeps)
    async with client:
        with pytest.raises(ResponseTooLargeError):
            await client.request("GET", "/api/lists")
    assert len(calls) == 4 and sleeps.delays == [0.01, 0.02, 0.04]


@pytest.mark.parametrize("raw_chunk", [16 * 1024, None], ids=["network-chunks", "one-chunk"])
async def test_a_gzip_bomb_is_stopped_at_the_cap(raw_chunk: int | None) -> None:
    bomb = gzip_bomb(64 * MiB)
    assert len(bomb) < 128 * 1024
    chunks = pieces(bomb, raw_chunk) if raw_chunk else [bomb]
    headers = {**JSON, "content-encoding": "gzip"}

    async def call() -> None:
        stream = Chunks(chunks)
        async with client_for(
            lambda r: streamed(200, stream, **headers), max_response_bytes=MiB
        ) as c:
            await c.request("GET", "/api/lists")

    error, peak = await peak_memory(call)
    assert isinstance(error, ResponseTooLargeError)
    assert peak < 6 * MiB  # httpx alone inflates all 64 MiB, here in one piece


async def test_a_body_gzipped_twice_is_decoded_twice() -> None:
    # Two encodings ("gzip, gzip") go through httpx's decoders, in order; only a single
    # gzip or deflate takes the bounded inflater.
    headers = {**JSON, "content-encoding": "gzip, gzip"}
    body = gzip.compress(gzip.compress(OK_BODY))
    async with client_for(lambda r: streamed(200, Chunks([body]), **headers)) as c:
        assert await c.request("GET", "/api/lists") == [1]


async def test_a_gzip_body_is_never_inflated_past_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small network chunks (about 256 KiB of zeros each): the room given to zlib shrinks
    # as the body grows, so what is inflated in all stops one byte past the cap, not a
    # chunk's worth past it.
    from ongage_async import _body

    inflated = 0
    feed = _body._Inflater.feed

    def counting(self: Any, data: bytes, room: int) -> bytes:
        nonlocal inflated
        out = feed(self, data, room)
        inflated += len(out)
        return out

    monkeypatch.setattr(_body._Inflater, "feed", counting)
    headers = {**JSON, "content-encoding": "gzip"}
    stream = Chunks(pieces(gzip_bomb(64 * MiB), 256))
    async with client_for(lambda r: streamed(200, stream, **headers), max_response_bytes=MiB) as c:
        with pytest.raises(ResponseTooLargeError):
            await c.request("GET", "/api/lists")
    assert MiB < inflated <= MiB + 1


@pytest.mark.parametrize(
    "packer",
    [
        lambda b: gzip.compress(b),
        lambda b: zlib.compress(b),
        lambda b: zlib.compress(b)[2:-4],  # "deflate" without its zlib header
    ],
    ids=["gzip", "deflate", "raw-deflate"],
)
async def test_compressed_answers_within_the_cap_are_read(packer: Callable[[bytes], bytes]) -> None:
    encoding = "gzip" if packer(b"")[:2] == b"\x1f\x8b" else "deflate"
    packed = packer(OK_BODY)
    headers = {**JSON, "content-encoding": encoding}
    answer = lambda r: streamed(200, Chunks(pieces(packed, 7)), **headers)  # noqa: E731
    async with client_for(answer, max_response_bytes=len(OK_BODY)) as client:
        assert await client.request("GET", "/api/lists") == [1]


async def test_a_corrupt_gzip_body_is_a_transport_error() -> None:
    headers = {**JSON, "content-encoding": "gzip"}
    answer = lambda r: streamed(200, Chunks([b"\x1f\x8b not gzip at all"]), **headers)  # noqa: E731
    async with client_for(answer) as client:
        with pytest.raises(APIConnectionError, match="DecodingError"):
            await client.request("GET", "/api/lists")


async def test_a_declared_length_past_the_cap_is_refused_unread() -> None:
    stream = Chunks([b"x" * 65536] * 64)
    headers = {**JSON, "content-length": str(64 * 65536)}
    async with client_for(lambda r: streamed(200, stream, **headers), max_response_bytes=MiB) as c:
        with pytest.raises(ResponseTooLargeError):
            await c.request("GET", "/api/lists")
    assert stream.sent == 0


async def test_a_body_a_transport_already_read_is_held_to_the_cap_too() -> None:
    big = httpx.Response(500, content=b"x" * (MiB + 1), headers={"content-type": "text/plain"})
    async with client_for(lambda r: big, max_response_bytes=MiB) as client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.request("GET", "/api/lists")
    assert caught.value.status == 500
    small = httpx.Response(500, content=b"x" * MiB, headers={"content-type": "text/plain"})
    async with client_for(lambda r: small, max_response_bytes=MiB) as client:
        with pytest.raises(ServerError):  # exactly at the cap: read as usual
            await client.request("GET", "/api/lists")


async def test_exports_stream_to_disk_and_are_not_capped(tmp_path: Any) -> None:
    data = bytes(range(256)) * (3 * 4096)  # 3 MiB
    stream = Chunks(pieces(data, 65536))
    headers = {"content-type": "application/zip"}
    async with client_for(lambda r: streamed(200, stream, **headers), max_response_bytes=MiB) as c:
        written = await c.download("/api/export/1/retrieve", tmp_path / "export.zip")
    assert written == len(data)
    assert (tmp_path / "export.zip").read_bytes() == data


@pytest.mark.parametrize(
    "options",
    [
        {"max_response_bytes": 0},
        {"max_response_bytes": -1},
        {"max_response_bytes": True},
        {"max_response_bytes": 1.5},
        {"attempt_timeout": 0},
        {"attempt_timeout": -1},
        {"attempt_timeout": float("inf")},
        {"attempt_timeout": float("nan")},
        {"attempt_timeout": "soon"},
    ],
)
def test_limits_that_bound_nothing_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        OngageClient(**creds(**options))
