"""``OngageClient``: one connection pool, one governor, one middleware chain.

The client resolves its settings, has `_stack.assemble` build the pool and the chain
once (the chain is drawn there), builds each call in one place (`_build_call`) and
hands it to the chain.  Its namespaces (`client.lists`, ...) are properties, each made
on first use; a view made by `with_options` shares the pool, the governor and the
chain, and has its own defaults and namespaces.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Sequence
from types import TracebackType
from typing import IO, Any, Literal, TypeVar, overload

import anyio
import attrs
import httpx

from . import resources
from ._call import (
    USE_CLIENT_DEFAULT,
    ByteSink,
    Call,
    CallOptions,
    Middleware,
    SendOptions,
    UseClientDefault,
)
from ._compat import Unpack
from ._credentials import Credentials
from ._download import sink_for
from ._exceptions import ClientClosedError, ConfigurationError, InvalidArgumentError
from ._governor import Governor
from ._middleware.retry import Sleep
from ._priority import BULK_PRIORITY, Priority, Reserve, as_reserve, check_priority
from ._raw import RawResponse, capture_raw, record_raw
from ._response import Response
from ._retry import RetryHook, RetryPolicy, as_retry
from ._sender import DEFAULT_MAX_RESPONSE_BYTES, check_answer_limits
from ._stack import CallDefaults, assemble
from ._validation import (
    as_deadline,
    as_timeout,
    check_base_url,
    check_json,
    check_params,
    check_path,
    known_keywords,
    object_id,
)
from .resources._base import namespace

__all__ = ["DEFAULT_BASE_URL", "OngageClient"]

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.ongage.net"
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})


class OngageClient:
    """An async client for the Ongage API that respects the account's limits.

    Use it as ``async with OngageClient(...) as client:`` or keep one for the life of
    an application and ``await client.aclose()`` at shutdown.  Every call, whether
    from a resource namespace (``client.lists``) or :meth:`request`, goes through the
    same middleware chain and the same governor.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        account_code: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        list_id: int | str | None = None,
        rate_limit: int = 300,
        rate_period: float = 60.0,
        max_concurrency: int = 10,
        retry: RetryPolicy | Literal[False] = RetryPolicy(),  # noqa: B008 (frozen value)
        timeout: float | httpx.Timeout = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        api_key: str | None = None,
        governor: Governor | None = None,
        middleware: Sequence[Middleware] = (),
        allow_insecure: bool = False,
        sleep: Sleep | None = None,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        attempt_timeout: float | None = None,
        priority: Priority | None = None,
        reserve: Reserve | None = Reserve(),  # noqa: B008 (a frozen value)
        pace_low: bool = False,
        on_retry: Sequence[RetryHook] = (),
    ) -> None:
        try:
            credentials = Credentials.resolve(username, password, account_code, api_key)
        finally:
            # Out of this frame's locals: a traceback printed with them (Rich, Sentry) shows them.
            del username, password, account_code, api_key
        check_answer_limits(max_response_bytes, attempt_timeout)
        if base_url == DEFAULT_BASE_URL:
            base_url = os.environ.get("ONGAGE_BASE_URL") or base_url
        url = check_base_url(base_url, allow_insecure)
        if list_id is None:
            list_id = os.environ.get("ONGAGE_LIST_ID") or None
        policy = as_retry(retry, ConfigurationError)
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise ConfigurationError("transport must be an httpx.AsyncBaseTransport")
        level = None if priority is None else check_priority(priority, setting=True)
        kept = as_reserve(reserve)
        try:
            default_list = None if list_id is None else object_id(list_id, name="list_id")
            gov = governor or Governor.local(
                rate_limit, rate_period, max_concurrency, reserve=kept, pace_low=pace_low
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        self._defaults = CallDefaults(
            default_list, policy, as_timeout(timeout), as_deadline(deadline), level
        )

        self._shared = assemble(
            credentials,
            url,
            transport,
            gov,
            self._defaults.timeout,
            middleware,
            sleep,
            tuple(on_retry),
            max_response_bytes,
            attempt_timeout,
        )

    # -- views -----------------------------------------------------------------------

    def with_options(
        self,
        *,
        retry: RetryPolicy | Literal[False] | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: float | httpx.Timeout | UseClientDefault = USE_CLIENT_DEFAULT,
        list_id: int | str | UseClientDefault | None = USE_CLIENT_DEFAULT,
        deadline: float | UseClientDefault | None = USE_CLIENT_DEFAULT,
        priority: Priority | UseClientDefault | None = USE_CLIENT_DEFAULT,
        max_retries: int | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> OngageClient:
        """A view with other defaults that shares this client's pool and governor.

        ``client.with_options(deadline=2.0, priority="high")`` is the one-liner for a web
        handler: its calls go before the bulk jobs' and may use the reserve.
        ``priority=None`` goes back to not set ("normal" for calls, "low" for bulk runs).
        ``max_retries=`` is short for a ``retry=`` policy with only that changed (as in
        httpx and the OpenAI SDK); ``max_retries=0`` sends each call once.
        """
        changes: dict[str, Any] = {}
        if not isinstance(retry, UseClientDefault):
            changes["retry"] = as_retry(retry, ConfigurationError)
        if not isinstance(max_retries, UseClientDefault):
            policy = changes.get("retry", self._defaults.retry) or RetryPolicy()
            try:
                changes["retry"] = attrs.evolve(policy, max_retries=max_retries)
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
        if not isinstance(timeout, UseClientDefault):
            changes["timeout"] = as_timeout(timeout)
        if not isinstance(list_id, UseClientDefault):
            changes["list_id"] = None if list_id is None else object_id(list_id, name="list_id")
        if not isinstance(deadline, UseClientDefault):
            changes["deadline"] = as_deadline(deadline)
        if not isinstance(priority, UseClientDefault):
            level = None if priority is None else check_priority(priority, setting=True)
            changes["priority"] = level
        view = object.__new__(type(self))
        view._shared = self._shared
        view._defaults = attrs.evolve(self._defaults, **changes)
        return view

    async def with_raw_response(self, call: Awaitable[T]) -> RawResponse[T]:
        """Run a typed method and return its result with Ongage's answers to it.

        ```python
        raw = await client.with_raw_response(client.lists.get(5))
        raw.parsed          # the List, as client.lists.get(5) returns it
        raw.status_code, raw.headers, raw.metadata, raw.responses
        ```

        Pass the call itself (a coroutine not yet awaited).  Only answers to calls that
        the method makes are kept, even with other calls in flight on the same client.
        """
        return await capture_raw(call)

    # -- the low-level call ----------------------------------------------------------

    @overload
    async def request(
        self, method: str, path: str, *, raw: Literal[False] = ..., **options: Unpack[CallOptions]
    ) -> Any: ...

    @overload
    async def request(
        self, method: str, path: str, *, raw: Literal[True], **options: Unpack[CallOptions]
    ) -> Response: ...

    @overload
    async def request(
        self, method: str, path: str, *, raw: bool = ..., **options: Unpack[CallOptions]
    ) -> Any: ...

    async def request(
        self, method: str, path: str, *, raw: bool = False, **options: Unpack[CallOptions]
    ) -> Any:
        """Send one call through the chain; return the payload (or, with `raw=True`, the
        [`Response`][ongage_async.models.Response]).

        The options are [`CallOptions`][ongage_async.middleware.CallOptions]: `params`,
        `json`, `list_id`, `idempotent`, `list_scoped`, `retry`, `timeout`, `deadline`,
        `priority`.  Each one left out is the client's (or view's); `list_id=None` sends
        no list id (the account's default list), as `with_options(list_id=None)` does.
        """
        known_keywords(options, CallOptions, where="request")
        verb = method.upper() if isinstance(method, str) else ""
        if verb not in _METHODS:
            raise InvalidArgumentError(f"method must be one of {sorted(_METHODS)}, not {method!r}")
        idempotent = options.get("idempotent")
        if idempotent is not None and not isinstance(idempotent, bool):
            raise InvalidArgumentError("idempotent must be True, False or None")
        call = self._build_call(verb, path, options)
        body = options.get("json")
        if body is not None:
            check_json(body)
        call = attrs.evolve(call, json=body, idempotent=idempotent)
        response = await self._shared.lifetime.run(self._shared.chain, call)
        record_raw(response)
        return response if raw else response.payload

    def _build_call(
        self, method: str, path: str, options: SendOptions, sink: ByteSink | None = None
    ) -> Call:
        """The one place a call is built: each option, the call's or the view's, checked."""
        if self._shared.lifetime.closed:
            raise ClientClosedError("this OngageClient has been closed")
        params = options.get("params")
        check_params(params)
        list_id = options.get("list_id", USE_CLIENT_DEFAULT)
        retry = options.get("retry", USE_CLIENT_DEFAULT)
        timeout = options.get("timeout", USE_CLIENT_DEFAULT)
        defaults = self._defaults
        return Call(
            method=method,
            path=check_path(path),
            params=params,
            # USE_CLIENT_DEFAULT: the view's list; None: none; else this one.
            list_id=None
            if list_id is None or isinstance(list_id, UseClientDefault)
            else object_id(list_id, name="list_id"),
            default_list_id=None if list_id is None else defaults.list_id,
            list_scoped=options.get("list_scoped", True),
            retry=defaults.retry
            if isinstance(retry, UseClientDefault)
            else as_retry(retry, InvalidArgumentError),
            timeout=defaults.timeout
            if isinstance(timeout, UseClientDefault)
            else as_timeout(timeout, InvalidArgumentError),
            deadline_at=self._deadline_at(options.get("deadline", USE_CLIENT_DEFAULT)),
            priority=self._priority(options.get("priority", USE_CLIENT_DEFAULT)),
            sink=sink,
        )

    def _priority(self, priority: Priority | UseClientDefault) -> Priority:
        """The call's level: its own, else its bulk run's, else the view's, else "normal"."""
        if not isinstance(priority, UseClientDefault):
            return check_priority(priority)
        return BULK_PRIORITY.get() or self._defaults.priority or "normal"

    @property
    def priority(self) -> Priority | None:
        """The level this client or view sets for its calls (None: not set, see
        :meth:`with_options`)."""
        return self._defaults.priority

    def _deadline_at(self, deadline: float | UseClientDefault | None) -> float | None:
        seconds = (
            self._defaults.deadline
            if isinstance(deadline, UseClientDefault)
            else as_deadline(deadline, InvalidArgumentError)
        )
        return None if seconds is None else anyio.current_time() + seconds

    async def download(
        self,
        path: str,
        destination: str | os.PathLike[str] | IO[bytes],
        **options: Unpack[SendOptions],
    ) -> int:
        """`GET` a file (an export's ZIP, a search's CSV) into `destination`, streamed.

        Returns the number of bytes written.  A JSON answer instead of a file (an error,
        or 412 "not finished yet") raises as any call does.  Its options are
        [`SendOptions`][ongage_async.middleware.SendOptions], with the meaning they have
        for `request`: the client's (or view's) deadline bounds the whole download.
        """
        known_keywords(options, SendOptions, where="download")
        # Built (and so checked) before the destination is opened.
        call = self._build_call("GET", path, options)
        sink = sink_for(destination)
        try:
            await self._shared.lifetime.run(self._shared.chain, attrs.evolve(call, sink=sink))
        finally:
            await sink.close()
        return sink.written

    # -- the namespaces: each made on first use, and a view's bound to the view ---------

    lists: namespace[resources.ListsResource] = namespace(resources.ListsResource)
    """Lists: `get`, `list`, `iter`, `create`, `update`, `copy`, `delete`. See
    [`client.lists`][ongage_async.resources.ListsResource].
    """

    contacts: namespace[resources.ContactsResource] = namespace(resources.ContactsResource)
    """Contacts: `create`, `update`, `get`, `get_by_id`, `find`, `change_status`, ...; and
    `upsert_many` for any number. See
    [`client.contacts`][ongage_async.resources.ContactsResource].
    """

    imports: namespace[resources.ImportsResource] = namespace(resources.ImportsResource)
    """Imports (asynchronous jobs): `create`, `job`, `get`, `list`, `iter`. See
    [`client.imports`][ongage_async.resources.ImportsResource].
    """

    exports: namespace[resources.ExportsResource] = namespace(resources.ExportsResource)
    """Exports (asynchronous jobs, a ZIP): `create`, `job`. See
    [`client.exports`][ongage_async.resources.ExportsResource].
    """

    transactional: namespace[resources.TransactionalResource] = namespace(
        resources.TransactionalResource
    )
    """Transactional sends (`send`, `send_content`) and campaigns. See
    [`client.transactional`][ongage_async.resources.TransactionalResource].
    """

    reports: namespace[resources.ReportsResource] = namespace(resources.ReportsResource)
    """Reports: `query`, `daily`. See [`client.reports`][ongage_async.resources.ReportsResource]."""

    contact_search: namespace[resources.ContactSearchResource] = namespace(
        resources.ContactSearchResource
    )
    """Contact searches (asynchronous jobs): `create`, `job`, `get`, `list`, `delete`. See
    [`client.contact_search`][ongage_async.resources.ContactSearchResource].
    """

    contact_activity: namespace[resources.ContactActivityResource] = namespace(
        resources.ContactActivityResource
    )
    """Contact activity reports (asynchronous jobs), as contact searches. See
    [`client.contact_activity`][ongage_async.resources.ContactActivityResource].
    """

    segments: namespace[resources.SegmentsResource] = namespace(resources.SegmentsResource)
    """Segments: `get`, `list`, `iter`, `create`, `update`, `delete`. See
    [`client.segments`][ongage_async.resources.SegmentsResource].
    """

    mailings: namespace[resources.MailingsResource] = namespace(resources.MailingsResource)
    """Mailings: `get`, `list`, `iter`, `create`, `update`, `delete`, `abort`, `cancel`,
    `unschedule`. See [`client.mailings`][ongage_async.resources.MailingsResource].
    """

    emails: namespace[resources.EmailsResource] = namespace(resources.EmailsResource)
    """E-mail messages (paged by `page`/`page_size`). See
    [`client.emails`][ongage_async.resources.EmailsResource].
    """

    list_fields: namespace[resources.ListFieldsResource] = namespace(resources.ListFieldsResource)
    """List fields, and `all_lists` (one field in every list). See
    [`client.list_fields`][ongage_async.resources.ListFieldsResource].
    """

    esp_connections: namespace[resources.EspConnectionsResource] = namespace(
        resources.EspConnectionsResource
    )
    """ESP connections: `options`. See
    [`client.esp_connections`][ongage_async.resources.EspConnectionsResource].
    """

    # -- state and lifetime ------------------------------------------------------------

    @property
    def governor(self) -> Governor:
        """The governor shared by this client and its views (``governor.statistics()``)."""
        return self._shared.governor

    @property
    def base_url(self) -> str:
        return self._shared.base_url

    @property
    def list_id(self) -> str | None:
        """The default list id of this client or view (None: the account's default)."""
        return self._defaults.list_id

    @property
    def is_closed(self) -> bool:
        return self._shared.lifetime.closed

    async def aclose(self) -> None:
        """Close the client and all its views.

        Calls waiting for the governor or sleeping between attempts fail at once with
        :class:`ClientClosedError`.  Attempts already on the wire finish first (their
        answers are returned, and a failed one is not retried); then the pool closes.
        """
        try:
            await self._shared.lifetime.close()
        finally:
            with anyio.CancelScope(shield=True):
                await self._shared.http.aclose()
                if self._shared.governing is not None:
                    # Its connections are closed: the slots kept for cancelled calls go.
                    await self._shared.governing.release_held()

    async def __aenter__(self) -> OngageClient:
        if self._shared.lifetime.closed:
            raise ClientClosedError("this OngageClient has been closed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        try:
            return f"<OngageClient base_url={self.base_url!r} list_id={self.list_id!r}>"
        except AttributeError:  # __init__ failed part way; a traceback with locals shows it
            return "<OngageClient (not initialised)>"
