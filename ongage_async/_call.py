"""One logical API call as it travels down the middleware chain.

A :class:`Call` is a frozen description of what to send; each middleware hands the
next one an evolved copy (``attrs.evolve``) instead of mutating shared state, so a
retry always starts again from what the caller asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

import attrs
import httpx

from ._priority import Priority
from ._response import Response
from ._retry import RetryPolicy

__all__ = [
    "USE_CLIENT_DEFAULT",
    "ByteSink",
    "Call",
    "Handler",
    "CallOptions",
    "Middleware",
    "SendOptions",
    "UseClientDefault",
    "chosen_list",
]


class UseClientDefault:
    """The default of a call's option: "what the client (or view) says", as in httpx.

    It is not ``None``, because ``None`` has a meaning of its own: ``list_id=None``
    sends no list id, ``deadline=None`` sets none.  Its one instance is
    :data:`USE_CLIENT_DEFAULT`.
    """

    _instance: UseClientDefault | None = None

    def __new__(cls) -> UseClientDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"

    def __bool__(self) -> bool:
        return False


#: Leave an option as the client (or view) has it; see :class:`UseClientDefault`.
USE_CLIENT_DEFAULT = UseClientDefault()


class SendOptions(TypedDict, total=False):
    """How one call goes; each option left out is the client's (or view's).

    `client.request(..., **options)` and `client.download(..., **options)` take these
    keywords (declared once, here); a misspelt one is a `TypeError` before anything is
    sent, and an error for a type checker.

    Attributes:
        params: The query string (strings, numbers, booleans, None, or lists of them).
        list_id: The list: `USE_CLIENT_DEFAULT` (leave it out) for the client's, `None`
            for none (the account's default list), or an id.
        list_scoped: False for an account-level endpoint, which takes no list id.
        retry: A `RetryPolicy`, or False for none.
        timeout: Seconds (or an `httpx.Timeout`) for each attempt's phases.
        deadline: Seconds the whole call may take, waits and retries included; None
            for none.
        priority: `"high"`, `"normal"` or `"low"`.
    """

    params: Mapping[str, Any] | None
    list_id: int | str | UseClientDefault | None
    list_scoped: bool
    retry: RetryPolicy | Literal[False] | UseClientDefault
    timeout: float | httpx.Timeout | UseClientDefault
    deadline: float | UseClientDefault | None
    priority: Priority | UseClientDefault


class CallOptions(SendOptions, total=False):
    """`SendOptions`, and what only `request` takes.

    Attributes:
        json: The body, sent as JSON.
        idempotent: Whether sending twice is harmless, so a 5xx or a lost answer may be
            retried (default: by method; GET, PUT and DELETE are, POST is not).
    """

    json: Any
    idempotent: bool | None


def chosen_list(list_id: int | str | None) -> int | str | UseClientDefault:
    """A namespace method's ``list_id`` as ``request()`` takes it.

    On a namespace method ``list_id=None`` means "the client's list" (a method for the
    account's default list takes a view: ``with_options(list_id=None)``); on
    ``request()`` None means no list id at all, so it becomes ``USE_CLIENT_DEFAULT``.
    """
    return USE_CLIENT_DEFAULT if list_id is None else list_id


_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _redact_headers(headers: Mapping[str, str]) -> str:
    return repr(dict.fromkeys(headers, "***"))


@runtime_checkable
class ByteSink(Protocol):
    """Where a downloaded body goes, chunk by chunk, without being held in memory."""

    async def restart(self) -> None:
        """Forget what was written (a retried download starts again)."""
        ...

    async def write(self, chunk: bytes) -> None: ...


@attrs.frozen
class Call:
    """What to send, and how: the unit every middleware sees.

    ``list_id`` is what the call asked for; ``default_list_id`` the client's (or
    view's) default.  ``list_scoped=False`` marks an account-level endpoint where a
    list id has no meaning and none is added.
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=_redact_headers)
    list_id: str | None = None
    default_list_id: str | None = None
    list_scoped: bool = True
    idempotent: bool | None = None
    retry: RetryPolicy | None = None
    timeout: httpx.Timeout = attrs.field(factory=lambda: httpx.Timeout(30.0))
    attempt: int = 0
    waited: float = 0.0  # seconds this attempt waited for a slot and a budget token
    deadline_at: float | None = None  # anyio.current_time() by which the call must be done
    sink: ByteSink | None = attrs.field(default=None, repr=False)
    #: Where the call waits in the governor's lines, and whether it may use the reserve.
    priority: Priority = "normal"

    @property
    def is_idempotent(self) -> bool:
        """Whether sending this call twice is harmless (explicit flag, else by method)."""
        if self.idempotent is not None:
            return self.idempotent
        return self.method in _IDEMPOTENT_METHODS


Handler = Callable[[Call], Awaitable[Response]]


class Middleware(Protocol):
    """One step of the chain: shape the call, pass it on, look at what comes back.

    ``async def __call__(self, call, call_next)`` must return ``await call_next(call)``
    (or an evolved call) and may catch what it raises.
    """

    async def __call__(self, call: Call, call_next: Handler) -> Response: ...
