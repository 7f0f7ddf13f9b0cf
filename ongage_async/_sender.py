"""The end of the chain: turn a :class:`Call` into one HTTP exchange.

Every :mod:`httpx` failure becomes an :class:`~ongage_async.APIConnectionError` (or
:class:`~ongage_async.APITimeoutError`) whose message names the failure and the URL,
never the headers.  The body is read in full before the governor slot is released,
because the server counts the call as running until it has answered.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import attrs
import httpx

from ._call import ByteSink, Call
from ._errors import APIConnectionError, APITimeoutError, describe_transport_error
from ._response import Response, parse_response

__all__ = ["HTTPSender"]

logger = logging.getLogger("ongage_async")

# Exceptions after which no byte of the request can have reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _clean_params(params: Any) -> dict[str, Any] | None:
    if params is None:
        return None
    # httpx would send None as "?name=": Ongage reads that as a filter on "".
    return {key: value for key, value in params.items() if value is not None}


@attrs.frozen
class HTTPSender:
    """Sends one call with a shared :class:`httpx.AsyncClient` and parses the answer."""

    http: httpx.AsyncClient

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
        try:
            if call.sink is None:
                response = await self.http.send(request)
            else:
                response = await self.http.send(request, stream=True)
                try:
                    if _is_download(response):
                        await _drain(response, call.sink)
                        return _logged(call, url, response, started)
                    await response.aread()
                finally:
                    await response.aclose()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{call.method} {url} timed out ({describe_transport_error(exc)})",
                method=call.method,
                url=url,
                request_sent=not isinstance(exc, _NOT_SENT),
            ) from exc
        except httpx.HTTPError as exc:
            raise APIConnectionError(
                f"{call.method} {url} failed: {describe_transport_error(exc)}",
                method=call.method,
                url=url,
                request_sent=not isinstance(exc, _NOT_SENT),
            ) from exc
        _logged(call, url, response, started)
        return parse_response(response, method=call.method, url=url)


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
    logger.debug(
        "%s %s -> %d (attempt %d, waited %.1f ms, took %.1f ms)",
        call.method,
        url,
        response.status_code,
        call.attempt + 1,
        call.waited * 1000,
        (anyio.current_time() - started) * 1000,
    )
    return Response(response.status_code, None, {}, response.headers, call.method, url)
