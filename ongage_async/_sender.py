"""The end of the chain: turn a :class:`Call` into one HTTP exchange.

Every :mod:`httpx` failure becomes an :class:`~ongage_async.APIConnectionError` (or
:class:`~ongage_async.APITimeoutError`) whose message names the failure and the URL,
never the headers.  The body is read in full before the governor slot is released,
because the server counts the call as running until it has answered.

Two bounds hold for every answer but a downloaded file.  Time: httpx's ``timeout``
bounds each read, so a server that drips a byte now and then could hold an attempt
for ever; ``attempt_timeout`` bounds the whole attempt.  Memory: the body is read up
to ``max_response_bytes`` decoded bytes, then refused with a typed error.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import anyio
import attrs
import httpx

from ._body import BodyTooLarge, read_limited
from ._call import ByteSink, Call
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    ResponseTooLargeError,
    describe_transport_error,
)
from ._response import Response, parse_response

__all__ = [
    "ATTEMPT_TIMEOUT_FACTOR",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "HTTPSender",
    "check_answer_limits",
]

logger = logging.getLogger("ongage_async")

# Exceptions after which no byte of the request can have reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

#: Ongage answers with small JSON envelopes; 16 MiB leaves room for a big report page.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: Without ``attempt_timeout``, an attempt may last this many times its longest timeout:
#: time to connect and send, then for the server to think, then for the answer to come.
ATTEMPT_TIMEOUT_FACTOR = 2.0


def check_answer_limits(max_response_bytes: object, attempt_timeout: object) -> None:
    """Refuse limits that would not bound anything (raised at construction)."""
    if (
        isinstance(max_response_bytes, bool)
        or not isinstance(max_response_bytes, int)
        or max_response_bytes < 1
    ):
        raise ConfigurationError(
            f"max_response_bytes must be a positive int, not {max_response_bytes!r:.40}"
        )
    if attempt_timeout is None:
        return
    if (
        isinstance(attempt_timeout, bool)
        or not isinstance(attempt_timeout, (int, float))
        or not 0 < attempt_timeout < math.inf
    ):
        raise ConfigurationError(
            f"attempt_timeout must be a positive, finite number of seconds or None, "
            f"not {attempt_timeout!r:.40}"
        )


def _clean_params(params: Any) -> dict[str, Any] | None:
    if params is None:
        return None
    # httpx would send None as "?name=": Ongage reads that as a filter on "".
    return {key: value for key, value in params.items() if value is not None}


@attrs.frozen
class HTTPSender:
    """Sends one call with a shared :class:`httpx.AsyncClient` and parses the answer.

    ``attempt_timeout=None`` bounds an attempt by :data:`ATTEMPT_TIMEOUT_FACTOR` times
    the longest of the call's timeouts (60 s for the default 30 s), so a view with a
    shorter ``timeout`` gets a shorter bound too.
    """

    http: httpx.AsyncClient
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    attempt_timeout: float | None = None

    def attempt_limit(self, call: Call) -> float:
        """Seconds one attempt of ``call`` may take in all, the answer's body included."""
        if self.attempt_timeout is not None:
            return self.attempt_timeout
        timeout = call.timeout
        parts = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
        return ATTEMPT_TIMEOUT_FACTOR * max(parts, default=30.0)

    async def __call__(self, call: Call) -> Response:
        request = self.http.build_request(
            call.method,
            call.path,
            params=_clean_params(call.params),
            json=call.json,
            headers=call.headers,
            timeout=call.timeout,
        )
        # For logs and errors: no query string (it can hold e-mail addresses).
        target = request.url
        url = f"{target.scheme}://{target.netloc.decode('ascii')}{target.path}"
        started = anyio.current_time()
        limit = self.attempt_limit(call)
        with anyio.CancelScope(deadline=started + limit) as scope:
            try:
                return await self._exchange(call, request, url, started, scope)
            except httpx.HTTPError as exc:
                raise _transport_error(call.method, url, exc) from exc
        # Only the scope's own deadline ends up here: the attempt as a whole took too long
        # (a server dripping its answer a byte at a time never trips the read timeout).
        raise APITimeoutError(
            f"{call.method} {url} timed out: the attempt took more than {limit:g}s in all "
            "(attempt_timeout)",
            method=call.method,
            url=url,
            request_sent=True,
        )

    async def _exchange(
        self,
        call: Call,
        request: httpx.Request,
        url: str,
        started: float,
        scope: anyio.CancelScope,
    ) -> Response:
        response = await self.http.send(request, stream=True)
        try:
            if call.sink is not None and _is_download(response):
                # A file may take longer than any answer and is not held in memory: only
                # each read is bounded (by the timeout), not the whole, nor its size.
                scope.deadline = math.inf
                await _drain(response, call.sink)
                return _logged(call, url, response, started)
            try:
                content = await read_limited(response, self.max_response_bytes)
            except BodyTooLarge as exc:
                _logged(call, url, response, started)
                raise self._too_large(call, url, response, exc.head) from None
        finally:
            # Shielded: a cancelled attempt must still give its connection back.  (A body
            # read to its end is closed already: no scope to pay for on the common path.)
            if not response.is_closed:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        _log(call, url, response, started)
        return parse_response(response, method=call.method, url=url, content=content)

    def _too_large(
        self, call: Call, url: str, response: httpx.Response, head: bytes
    ) -> ResponseTooLargeError:
        limit = self.max_response_bytes
        return ResponseTooLargeError(
            f"the answer is larger than max_response_bytes ({limit:,} bytes, decoded) "
            "and was not read further",
            limit=limit,
            status=response.status_code,
            body=head.decode("utf-8", "replace"),
            method=call.method,
            url=url,
            headers=response.headers,
        )


def _is_download(response: httpx.Response) -> bool:
    # A file comes back as 200 with its own content type; an error or "not finished
    # yet" (412) comes back in Ongage's JSON envelope and is parsed as usual.
    content_type = response.headers.get("content-type", "")
    return response.status_code == 200 and "json" not in content_type


async def _drain(response: httpx.Response, sink: ByteSink) -> None:
    await sink.restart()  # a retried download starts the file again
    async for chunk in response.aiter_bytes():
        await sink.write(chunk)


def _logged(call: Call, url: str, response: httpx.Response, started: float) -> Response:
    _log(call, url, response, started)
    return Response(response.status_code, None, {}, response.headers, call.method, url)


def _log(call: Call, url: str, response: httpx.Response, started: float) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return  # as logger.debug() would, before reading the clock for its arguments
    logger.debug(
        "%s %s -> %d (attempt %d, waited %.1f ms, took %.1f ms)",
        call.method,
        url,
        response.status_code,
        call.attempt + 1,
        call.waited * 1000,
        (anyio.current_time() - started) * 1000,
    )


def _transport_error(method: str, url: str, exc: httpx.HTTPError) -> APIConnectionError:
    """The typed error for an attempt the transport failed: a timeout, or any other."""
    detail = describe_transport_error(exc)
    timed_out = isinstance(exc, httpx.TimeoutException)
    error = APITimeoutError if timed_out else APIConnectionError
    return error(
        f"{method} {url} " + (f"timed out ({detail})" if timed_out else f"failed: {detail}"),
        method=method,
        url=url,
        request_sent=not isinstance(exc, _NOT_SENT),
    )
