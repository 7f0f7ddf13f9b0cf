"""Every answer becomes a Response or a typed error, never a JSONDecodeError;
and no error or log line carries a credential."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ongage_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InvalidResponseError,
    NotFoundError,
    OngageClient,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ongage_async._exceptions import error_for_status
from ongage_async._response import Response, parse_response

from .helpers import creds


def envelope_error(code: int, message: str = "nope", errors: Any = ()) -> dict[str, Any]:
    return {
        "metadata": {"error": True},
        "payload": {"code": code, "message": message, "errors": list(errors)},
    }


def parse(status: int, **kwargs: Any) -> Any:
    return parse_response(httpx.Response(status, **kwargs), method="GET", url="https://h/api/x")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (412, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
def test_error_class_by_status(status: int, error: type[APIError]) -> None:
    with pytest.raises(error) as caught:
        parse(status, json=envelope_error(status, "said so", ["field: bad"]))
    exc = caught.value
    assert type(exc) is error
    assert (exc.status, exc.code, exc.message) == (status, status, "said so")
    assert exc.errors == ("field: bad",)
    assert '"said so"' in exc.body
    assert (exc.method, exc.url) == ("GET", "https://h/api/x")


def test_html_502_from_a_proxy_is_a_server_error_with_its_text() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    with pytest.raises(ServerError) as caught:
        parse(502, text=page, headers={"content-type": "text/html"})
    assert caught.value.status == 502
    assert "502 Bad Gateway" in caught.value.message
    assert caught.value.body == page


def test_error_true_on_a_200_is_an_error() -> None:
    with pytest.raises(BadRequestError) as caught:
        parse(200, json=envelope_error(400, "Please insert a valid Email address"))
    assert caught.value.message == "Please insert a valid Email address"


@pytest.mark.parametrize("body", ['{"metadata": {"error": fal', "<html>", "[1, 2]", '"text"'])
def test_unreadable_success_is_invalid_response(body: str) -> None:
    with pytest.raises(InvalidResponseError):
        parse(200, text=body)


def test_success_reads_payload_metadata_and_total() -> None:
    response = parse(200, json={"metadata": {"error": False, "total": "3"}, "payload": [1]})
    assert (response.payload, response.total, response.metadata["error"]) == ([1], 3, False)


@pytest.mark.timeout(20)  # 300 examples: about 1 s, 2 s under coverage
@settings(max_examples=300, deadline=None)
@given(status=st.integers(100, 599), body=st.binary(max_size=300))
def test_any_bytes_give_a_response_or_a_documented_error(status: int, body: bytes) -> None:
    outcome = _outcome(status, content=body)
    if isinstance(outcome, APIError):
        assert outcome.body == body.decode("utf-8", "replace")  # nothing the server said is lost


def _outcome(status: int, **kwargs: Any) -> Any:
    """Parse an answer and check what came out against its status; return it."""
    try:
        outcome: Response | APIError = parse(status, **kwargs)
    except APIError as exc:
        outcome = exc
    if not isinstance(outcome, APIError):
        assert status < 300
        assert outcome.status_code == status
    elif status >= 400:  # an error answer is the error of its status, whatever its body
        assert type(outcome) is error_for_status(status)
        assert outcome.status == status
    elif status >= 300:  # a redirect is never followed
        assert isinstance(outcome, InvalidResponseError) and outcome.status == status
    else:  # a success that is not Ongage's JSON, or one that says error: true
        assert isinstance(outcome, InvalidResponseError) or outcome.status >= 400
    return outcome


@pytest.mark.timeout(20)  # 300 examples: about 2 s, 4 s under coverage
@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from([200, 400, 429, 500]),
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["metadata", "payload", "error", "code", "message", "errors", "total"]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    ),
)
def test_any_json_gives_a_response_or_a_documented_error(status: int, document: Any) -> None:
    outcome = _outcome(status, json=document)
    if isinstance(outcome, Response) and isinstance(document, dict):
        assert outcome.payload == document["payload"]  # the envelope is read, not guessed
        assert outcome.metadata.get("error") is not True  # error: true is never a success


async def test_credentials_never_reach_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("boom"):
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(401, json=envelope_error(401, "Unauthorized"))

    # Secret values chosen so that none is a substring of ordinary text.
    secret = {"username": "u-8c1f0e", "password": "p-93b2aa71", "account_code": "AC-51d7e0"}
    client = OngageClient(**secret, transport=httpx.MockTransport(handler), retry=False)
    caplog.set_level(logging.DEBUG)
    texts = [repr(client)]
    async with client:
        for path in ("/api/lists", "/api/boom"):
            try:
                await client.request("GET", path)
            except Exception as exc:
                texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
                cause = exc.__cause__
                while cause is not None:
                    texts += [str(cause), repr(cause)]
                    cause = cause.__cause__
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records  # the calls were logged, and still nothing leaked
    joined = "\n".join(texts)
    for value in secret.values():
        assert value not in joined


async def test_one_debug_line_per_call(caplog: pytest.LogCaptureFixture) -> None:
    client = OngageClient(
        **creds(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(200, json={"metadata": {}, "payload": []})
            )
        )
    )
    caplog.set_level(logging.DEBUG, logger="ongage_async")
    async with client:
        await client.request("GET", "/api/lists")
    lines = [r.getMessage() for r in caplog.records if r.name == "ongage_async"]
    assert len(lines) == 1
    assert "GET" in lines[0] and "/api/lists" in lines[0] and "200" in lines[0]
    assert "attempt 1" in lines[0] and "waited" in lines[0]
