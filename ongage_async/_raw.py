"""Raw responses from typed methods: `await client.with_raw_response(client.lists.get(5))`.

A typed method turns Ongage's answer into a model and drops the envelope: the headers,
`metadata`, the status.  `with_raw_response` runs one such method with a recorder set in
a context variable; every answer `client.request` receives while it runs is kept, and
the method's own result comes back beside them.  A context variable rather than a flag
on the client: the method's helper tasks (a bulk run's workers) inherit it, and calls
made elsewhere at the same time, on the same client, are not mixed in.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._exceptions import InvalidArgumentError
from ._model import Model
from ._response import Response

__all__ = ["RawResponse", "capture_raw", "record_raw"]

T = TypeVar("T")

_RECORDING: contextvars.ContextVar[list[Response] | None] = contextvars.ContextVar(
    "ongage_async_raw_responses", default=None
)


@attrs.frozen
class RawResponse(Model, Generic[T]):
    """A typed method's result with the answers it was built from.

    Attributes:
        parsed: What the method returns (`parse()` returns it too, as in the OpenAI SDK).
        responses: Every answer the method received, in order: one for most methods,
            several for a job's polls or a paged walk.
    """

    parsed: T
    responses: tuple[Response, ...]

    def parse(self) -> T:
        """The method's typed result."""
        return self.parsed

    @property
    def response(self) -> Response:
        """The last answer (the only one, for most methods)."""
        return self.responses[-1]

    @property
    def status_code(self) -> int:
        """The last answer's HTTP status."""
        return self.response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        """The last answer's headers."""
        return self.response.headers

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The last answer's envelope `metadata` (`total`, ...)."""
        return self.response.metadata


def record_raw(response: Response) -> None:
    """Keep `response` for the `with_raw_response` running in this context, if any."""
    recording = _RECORDING.get()
    if recording is not None:
        recording.append(response)


async def capture_raw(call: Awaitable[T]) -> RawResponse[T]:
    """Await `call` (a typed method's coroutine) and return its result with its answers."""
    recording: list[Response] = []
    token = _RECORDING.set(recording)
    try:
        parsed = await call
    finally:
        _RECORDING.reset(token)
    if not recording:
        raise InvalidArgumentError(
            "with_raw_response() got an awaitable that made no API call "
            "(pass a call such as client.lists.get(5), not its result)"
        )
    return RawResponse(parsed=parsed, responses=tuple(recording))
