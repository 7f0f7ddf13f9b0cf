"""Answers become the right error (issue 17's regression list)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ongage_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ValidationError,
)
from ongage_async._exceptions import error_for_status
from ongage_async._response import parse_response


def parse(status: int, **kwargs: Any) -> Any:
    return parse_response(httpx.Response(status, **kwargs), method="POST", url="https://h/api")


def test_a_413_is_a_bad_request_as_documented() -> None:
    assert error_for_status(413) is BadRequestError
    with pytest.raises(BadRequestError) as caught:
        parse(413, text="<html>413 Request Entity Too Large</html>")
    assert caught.value.status == 413


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (412, ValidationError),
        (500, ServerError),
    ],
)
def test_a_200_with_error_true_takes_the_class_and_status_of_its_payload_code(
    code: int, error: type[APIError]
) -> None:
    document = {"metadata": {"error": True}, "payload": {"code": code, "message": "said so"}}
    with pytest.raises(error) as caught:
        parse(200, json=document)
    assert (caught.value.status, caught.value.code, caught.value.message) == (code, code, "said so")


@pytest.mark.parametrize("code", [None, 0, 200, "x"])
def test_a_200_with_error_true_and_no_error_code_is_a_bad_request(code: Any) -> None:
    document = {"metadata": {"error": True}, "payload": {"code": code, "message": "no"}}
    with pytest.raises(BadRequestError) as caught:
        parse(200, json=document)
    assert caught.value.status == 400
