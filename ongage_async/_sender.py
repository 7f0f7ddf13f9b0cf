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

from ._call import Call
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
        url = str(request.url.copy_with(query=None))
        started = anyio.current_time()
        try:
            response = await self.http.send(request)
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
        logger.debug(
            "%s %s -> %d (attempt %d, %.1f ms)",
            call.method,
            url,
            response.status_code,
            call.attempt + 1,
            (anyio.current_time() - started) * 1000,
        )
        return parse_response(response, method=call.method, url=url)
