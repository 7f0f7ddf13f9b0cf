"""The answer to one call, and the reading of Ongage's envelope.

Ongage wraps everything as ``{"metadata": {...}, "payload": ...}``.  This module is
the only place that knows that shape: it turns a raw :class:`httpx.Response` into a
:class:`Response` value, or into the right :class:`~ongage_async.APIError`.  Nothing
that a server can send makes it raise anything else, because a proxy's HTML error
page or a truncated body must not surface as a ``JSONDecodeError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ._exceptions import InvalidResponseError, ResponseTooLargeError, error_for_status
from ._model import Model

__all__ = ["InvalidResponseError", "Response", "ResponseTooLargeError", "parse_response"]

_MAX_MESSAGE = 300


def _as_int(value: object) -> int | None:
    # Ongage sends counts as numbers or as strings ("total": "12"), depending on the call.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


@attrs.frozen
class Response(Model):
    """One successful answer: the payload plus the envelope's metadata.

    ``client.request(...)`` hands back just :attr:`payload`; ask for ``raw=True`` to
    get this object and reach :attr:`total` or the response headers.

    Attributes:
        status_code: The HTTP status.
        payload: The envelope's ``payload``: what ``client.request`` returns.
        metadata: The envelope's ``metadata`` (``total``, ``error``...).
        headers: The response headers.
        method: The request's method.
        url: The request's URL.
    """

    status_code: int
    payload: Any
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    method: str = ""
    url: str = ""

    @property
    def total(self) -> int | None:
        """``metadata.total`` as an ``int`` (it arrives as a number or a string), if present."""
        return _as_int(self.metadata.get("total"))


def _decoded(response: httpx.Response, content: bytes) -> str:
    """The body as text, in the answer's charset; never a decoding error."""
    try:
        return content.decode(response.charset_encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return content.decode("utf-8", "replace")


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."


def _cut_short(content: bytes) -> bool:
    # JSON that breaks off: the connection was cut mid-answer, so another try may work.
    return content.lstrip()[:1] in (b"{", b"[")


def parse_response(
    response: httpx.Response, *, method: str, url: str, content: bytes | None = None
) -> Response:
    """Read Ongage's envelope from a fully-read response, or raise the matching error.

    ``content`` is the decoded body when it was read outside httpx (under a size limit);
    by default it is ``response.content``.
    """
    status = response.status_code
    headers = response.headers
    if content is None:
        content = response.content
    if 300 <= status < 400:
        # Never followed: the credentials must not travel to wherever it points.
        where = headers.get("location", "?")
        raise InvalidResponseError(
            f"the server answered a redirect (to {where}), which is not followed",
            status=status,
            body=_decoded(response, content),
            method=method,
            url=url,
            headers=headers,
        )
    # The fast path reads the bytes as JSON at once; the text is decoded only for errors.
    if status < 400 and content[:1] == b"{":
        try:
            fast = json.loads(content)
        except (ValueError, RecursionError):
            fast = None
        if isinstance(fast, dict) and "payload" in fast:
            fast_metadata = fast.get("metadata")
            if isinstance(fast_metadata, dict) and fast_metadata.get("error") is not True:
                return Response(status, fast["payload"], fast_metadata, headers, method, url)
    text = _decoded(response, content)
    context: dict[str, Any] = {"body": text, "method": method, "url": url, "headers": headers}

    try:
        document = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        if status < 400:
            raise InvalidResponseError(
                f"the answer is not JSON: {_snippet(text)!r}",
                status=status,
                transient=_cut_short(content),
                **context,
            ) from None
        message = _snippet(text) or response.reason_phrase or "error"
        raise error_for_status(status)(message, status=status, **context) from None

    if not isinstance(document, dict) or "payload" not in document:
        if status < 400 and document is None:
            return Response(status, None, {}, headers, method, url)
        if status < 400:
            raise InvalidResponseError(
                f"the answer is not an Ongage envelope: {_snippet(text)!r}",
                status=status,
                **context,
            )
        message = _snippet(text) or response.reason_phrase or "error"
        raise error_for_status(status)(message, status=status, **context)

    raw_metadata = document.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    payload = document["payload"]
    if status < 400 and metadata.get("error") is not True:
        return Response(status, payload, metadata, headers, method, url)

    details: Mapping[str, Any] = payload if isinstance(payload, dict) else {}
    code = _as_int(details.get("code"))
    said = details.get("message")
    message = said if isinstance(said, str) and said else response.reason_phrase or "error"
    errors = details.get("errors")
    error_list = list(errors.values()) if isinstance(errors, dict) else errors
    if not isinstance(error_list, list):
        error_list = []
    # A 200 that says error: true is still an error: a 400, or its payload code if higher.
    effective = status if status >= 400 else max(code or 400, 400)
    raise error_for_status(effective)(
        message, status=effective, code=code, errors=error_list, **context
    )
