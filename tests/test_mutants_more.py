"""Survivors of a full `nox -s mutants` run over code added after the first rounds."""

from __future__ import annotations

import zlib

import httpx
import pytest

from ongage_async._body import BodyTooLarge, _Inflater, read_limited
from ongage_async._budget import BudgetStatistics
from ongage_async._call import Call
from ongage_async._exceptions import (
    APIError,
    ContactWriteError,
    InvalidResponseError,
    error_for_status,
)
from ongage_async._middleware.governor import _LONGEST_HOLD, GovernorMiddleware
from ongage_async._middleware.retry import _outcome_unknown
from ongage_async._priority import Reserve
from ongage_async._response import parse_response
from ongage_async.governor import Governor


@pytest.mark.parametrize(
    ("status", "unknown"),
    [(200, True), (299, True), (300, False), (404, False), (499, False), (500, True)],
)
def test_an_unreadable_answer_leaves_the_outcome_unknown_for_2xx_and_5xx(
    status: int, unknown: bool
) -> None:
    # A 2xx cut short did its work; a 5xx may have; a 3xx or 4xx refused it.
    exc = InvalidResponseError("not JSON", status=status)
    assert _outcome_unknown(exc) is unknown


@pytest.mark.parametrize(
    ("available", "next_free_in", "paused_for", "tail"),
    [
        (0, 2.5, 0.0, ", next call in 2.5 s"),  # spent: when the next token comes
        (0, None, 0.0, ""),  # spent, every token in flight: nobody knows
        (5, 2.5, 0.0, ""),  # tokens free: nothing to wait for
        (0, 2.5, 1.0, ", paused 1.0 s"),  # the pause says more
    ],
)
def test_a_snapshot_says_what_a_caller_waits_for(
    available: int, next_free_in: float | None, paused_for: float, tail: str
) -> None:
    snapshot = BudgetStatistics(300, 60.0, available, 0, next_free_in, paused_for)
    assert snapshot.describe() == f"{available} of 300 calls free per 60 s{tail}"


@pytest.mark.parametrize(
    ("count", "more"), [(4, ""), (5, ""), (6, " and 1 more"), (9, " and 4 more")]
)
def test_a_contact_write_error_shows_five_failures_and_counts_the_rest(
    count: int, more: str
) -> None:
    failed = {f"p{i}@example.com": "bad" for i in range(count)}
    message = str(ContactWriteError(failed))
    shown = ", ".join(f"p{i}@example.com: bad" for i in range(min(count, 5)))
    assert message == f"{count} contact(s) failed: {shown}{more}"
    assert ContactWriteError(failed).failed == failed


@pytest.mark.parametrize("status", [400, 404, 500])
def test_an_error_status_is_an_error_even_when_its_body_says_otherwise(status: int) -> None:
    document = {"metadata": {"error": False}, "payload": {"id": "1"}}
    answer = httpx.Response(status, json=document)
    with pytest.raises(APIError) as caught:
        parse_response(answer, method="GET", url="https://h/api/x")
    assert type(caught.value) is error_for_status(status)


@pytest.mark.parametrize(
    ("read", "limit", "end"),
    [
        (30.0, 60.0, 131.0),  # the read timeout after the send comes first
        (30.0, 20.0, 120.0),  # the attempt limit from the start comes first
        (None, 60.0, 160.0),  # no read timeout: the attempt limit
        (None, None, 101.0 + _LONGEST_HOLD),  # neither: the longest hold
    ],
)
def test_a_cut_calls_slot_is_kept_until_its_own_wait_would_have_ended(
    read: float | None, limit: float | None, end: float
) -> None:
    governor = Governor.local()
    attempt_limit = None if limit is None else (lambda call: limit)
    step = GovernorMiddleware(governor, pause_on_429=1.0, attempt_limit=attempt_limit)
    call = Call("GET", "/api/lists", timeout=httpx.Timeout(30.0, read=read))
    assert step._plausible_end(call, started=100.0, sent_at=101.0) == end


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.Response(503, json=["down for maintenance"]), '["down for maintenance"]'),
        (httpx.Response(503, content=b""), "Service Unavailable"),
        (httpx.Response(503, content=b"<h1>down</h1>"), "<h1>down</h1>"),
    ],
)
def test_an_error_that_is_no_envelope_keeps_what_the_server_said(
    answer: httpx.Response, message: str
) -> None:
    with pytest.raises(APIError) as caught:
        parse_response(answer, method="GET", url="https://h/api/x")
    assert caught.value.message == message


def test_a_deflate_body_broken_mid_stream_is_never_read_as_another_stream() -> None:
    # Raw deflate (no zlib header) is tried only on the first chunk, as some servers
    # send it so; later, a broken stream is an error, not a new start.
    body = zlib.compress(b'{"metadata": {"error": false}, "payload": [' + b"1, " * 200 + b"1]}")
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    other = raw.compress(b'{"payload": "injected"}') + raw.flush()
    broken = 0
    for cut in range(3, len(body)):
        reference = zlib.decompressobj()
        reference.decompress(body[:cut])
        try:
            reference.decompress(other)
        except zlib.error:  # a broken stream here: the inflater must say so too
            broken += 1
            inflater = _Inflater("deflate")
            inflater.feed(body[:cut], 1 << 20)
            with pytest.raises(zlib.error):
                inflater.feed(other, 1 << 20)
    assert broken > 0


@pytest.mark.parametrize("declared", [True, False])
async def test_a_body_of_exactly_the_limit_is_read(declared: bool) -> None:
    headers = {"Content-Length": "10"} if declared else {}
    answer = httpx.Response(200, stream=httpx.ByteStream(b"x" * 10), headers=headers)
    assert await read_limited(answer, 10) == b"x" * 10
    answer = httpx.Response(200, stream=httpx.ByteStream(b"x" * 10), headers=headers)
    with pytest.raises(BodyTooLarge):
        await read_limited(answer, 9)


def test_a_body_too_large_says_so() -> None:
    error = BodyTooLarge(b"{")
    assert (str(error), error.head) == ("the body is larger than the limit", b"{")


def test_a_reserve_never_keeps_every_token_or_slot() -> None:
    assert Reserve(share=0.9999999999999).calls(1000) == 999
    assert Reserve(share=0.5).calls(1) == 0
    assert Reserve(share=0.1).calls(300) == 30
    assert (Reserve(slots=1).slots_of(1), Reserve(slots=5).slots_of(3)) == (0, 2)
    assert Reserve(slots=1).slots_of(10) == 1


def test_an_error_envelope_without_a_message_takes_the_reason_phrase() -> None:
    document = {"metadata": {"error": True}, "payload": {"code": 404}}
    with pytest.raises(APIError) as caught:
        parse_response(httpx.Response(404, json=document), method="GET", url="https://h/x")
    assert caught.value.message == "Not Found"
