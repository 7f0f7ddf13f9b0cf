"""What every resource namespace shares: a reference to the client, and nothing else.

Namespaces build paths and arguments and convert payloads to models; sending is
always `client.request`, so every method goes through the one middleware chain.

Every public method that sends a call takes `extra_query=` (and, when it sends a JSON
body, `extra_body=`), the escape hatch for fields the SDK does not model.
`with_extra` is the one place they are
merged over what the method built: the caller's value wins, key by key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import attrs

from .._call import USE_CLIENT_DEFAULT, UseClientDefault, chosen_list
from .._compat import Unpack
from .._exceptions import InvalidArgumentError, InvalidResponseError, ValidationError
from .._response import Response
from .._types import Body, Id, Query
from .._validation import (
    check_json,
    check_params,
    known_keywords,
    object_id,
    one_of,
    page_bounds,
    positive_int,
    require_text,
)
from ..models import Page

if TYPE_CHECKING:
    from .._requester import Requester

__all__ = [
    "chosen_list",
    "APIResource",
    "CollectionResource",
    "ItemResource",
    "ListedResource",
    "PathResource",
    "Unpack",
    "created_id",
    "drop_none",
    "list_id_of",
    "offset_pages",
    "one_of",
    "page_bounds",
    "page_of",
    "rows_of",
    "with_extra",
]

T = TypeVar("T")

#: The directions of `order=` on a collection's `list`/`iter`.
ORDERS = ("ASC", "DESC")


def with_extra(built: Any, extra: Mapping[str, Any] | None, *, name: str) -> Any:
    """What a method built, with the caller's `extra_query`/`extra_body` merged over it.

    The one place the escape hatch is applied. A key of `extra` replaces the SDK's
    value for it (top level only, as in the Anthropic SDK); `extra` is checked as
    everything else is (`check_params` for a query, `check_json` for a body), so a bad
    value raises `InvalidArgumentError` before anything is sent.

    Args:
        built: The query or body the method built (`None`: none).
        extra: The caller's `extra_query=` or `extra_body=` (`None`: nothing to add).
        name: `"extra_query"` or `"extra_body"`, for the error messages.
    """
    if extra is None:
        return built  # as built: an array body (several contacts) too
    if built is not None and not isinstance(built, Mapping):
        raise InvalidArgumentError(f"{name} cannot join a body that is an array")
    if not isinstance(extra, Mapping):
        raise InvalidArgumentError(f"{name} must be a mapping, not {type(extra).__name__}")
    if not all(isinstance(key, str) for key in extra):
        raise InvalidArgumentError(f"the keys of {name} must be strings")
    if name == "extra_query":
        check_params(extra)
    else:
        check_json(dict(extra))
    return {**(built or {}), **extra}


class APIResource:
    """Base of the namespaces; holds the client (or view) it was reached from."""

    def __init__(self, client: Requester) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _keywords(self, method: str, given: Mapping[str, Any], declared: Any) -> dict[str, Any]:
        """The `**fields` a method was given, checked against the `TypedDict` declaring them.

        `**fields: Unpack[SegmentFields]` lets a type checker catch a misspelt keyword;
        this makes Python catch it too, as it does for a named parameter: a keyword the
        TypedDict does not declare raises `TypeError` before anything is sent (never a
        `?nmae=x` Ongage would ignore). They come back in the order the TypedDict
        declares them.
        """
        known_keywords(given, declared, where=f"{type(self).__name__}.{method}")
        return {name: given[name] for name in declared.__annotations__ if name in given}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        list_id: Id | UseClientDefault | None = USE_CLIENT_DEFAULT,
        list_scoped: bool = True,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> Any:
        """`client.request` with the caller's `extra_query`/`extra_body` merged in."""
        response = await self._client.request(
            method,
            path,
            params=with_extra(params, extra_query, name="extra_query"),
            json=with_extra(json, extra_body, name="extra_body"),
            list_id=list_id,
            list_scoped=list_scoped,
            idempotent=idempotent,
            raw=True,
        )
        return response if raw else response.payload


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the arguments the caller gave: `None` means "not given" at the wire."""
    return {key: value for key, value in values.items() if value is not None}


async def offset_pages(
    fetch: Callable[[int, int], Awaitable[Page[T]]], page_size: int
) -> AsyncIterator[T]:
    """Every item of an `offset`/`limit` collection, one page (one call) at a time."""
    positive_int(page_size, name="page_size")
    offset: int | None = 0
    while offset is not None:
        page = await fetch(offset, page_size)
        for item in page:
            yield item
        offset = attrs.evolve(page, limit=page_size).next_offset


def created_id(payload: Any, what: str) -> str:
    """The id of a job Ongage just started (`payload.id`), or a typed error saying so."""
    value = payload.get("id") if isinstance(payload, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise InvalidResponseError(
            f"Ongage started the {what} but its answer has no id", status=200, body=repr(payload)
        )
    return str(value)


def rows_of(payload: Any) -> list[Any]:
    """A collection's rows: an array, or one object where Ongage sends a single row
    (the import page's collection example is one object), never silently nothing."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, Mapping) and payload:
        return [payload]
    return []


def page_of(
    response: Response, model: Callable[[Any], T], offset: int = 0, limit: int | None = None
) -> Page[T]:
    rows = tuple(model(row) for row in rows_of(response.payload))
    return Page(rows, response.total, offset, limit)


def list_id_of(value: Id | None) -> str | None:
    return None if value is None else object_id(value, name="list_id")


class PathResource(APIResource, Generic[T]):
    """A list-scoped collection's path and the model of one of its rows."""

    _path: str = ""
    _model: Callable[[Any], T]

    def _list_context(self, list_id: Id | None) -> str | None:
        """The list a new job lives in, so that its polls go to the same list."""
        return list_id_of(list_id) or self._client.list_id

    def _item(self, item_id: Id) -> str:
        return f"{self._path}/{object_id(item_id)}"

    async def _list(
        self,
        params: Mapping[str, Any],
        *,
        list_id: Id | None,
        extra_query: Query | None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[T]:
        """One page: `GET <path>` with `params` (already without the not-given ones)."""
        response = await self._call(
            "GET",
            self._path,
            params=params,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
            raw=True,
        )
        return page_of(response, type(self)._model, offset, limit)

    async def _job_status(
        self,
        job_id: Id,
        *,
        name: str,
        list_id: Id | None,
        extra_query: Query | None,
        pending: Callable[[str], T],
    ) -> T:
        """A job's status, `GET <path>/<id>`, in the list it runs in; `pending(id)` while
        Ongage answers 412 (not started yet, as the job handles read it)."""
        jid = object_id(job_id, name=name)
        try:
            payload = await self._call(
                "GET",
                f"{self._path}/{jid}",
                extra_query=extra_query,
                list_id=chosen_list(self._list_context(list_id)),
            )
        except ValidationError:
            return pending(jid)
        return type(self)._model(payload)


class ListedResource(PathResource[T]):
    """A list-scoped collection that can be listed (`offset`/`limit`) and iterated.

    Subclasses name the path and the model of one row.
    """

    async def list(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        sort: str | None = None,
        order: str | None = None,
        list_id: Id | None = None,
        extra_query: Query | None = None,
    ) -> Page[T]:
        """One page of the collection: `GET ...`, with the collection's `total`.

        Each paging argument is sent only when given.

        Args:
            offset: How many items to skip.
            limit: How many items to return at most (Ongage's default when not given).
            sort: The column to sort by.
            order: `"ASC"` or `"DESC"`.
            list_id: The list to read (default: the client's list, else the account's
                default list).
            extra_query: Query parameters the SDK does not model, merged over the ones
                it builds (yours win).
        """
        offset, limit = page_bounds(offset, limit)
        params = drop_none(
            {
                "offset": offset,
                "limit": limit,
                "sort": sort,
                "order": one_of(order, ORDERS, name="order"),
            }
        )
        return await self._list(
            params, list_id=list_id, extra_query=extra_query, offset=offset or 0, limit=limit
        )

    def iter(
        self,
        *,
        page_size: int = 100,
        sort: str | None = None,
        order: str | None = None,
        list_id: Id | None = None,
        extra_query: Query | None = None,
    ) -> AsyncIterator[T]:
        """Every item, fetched one page (one call: `GET ...`) at a time through the governor.

        Use it as `async for item in client.<namespace>.iter(...)`.

        Args:
            page_size: Items per call.
            sort: The column to sort by.
            order: `"ASC"` or `"DESC"`.
            list_id: The list to read (default: the client's list).
            extra_query: As for `list`, sent with every page.
        """

        async def fetch(offset: int, limit: int) -> Page[T]:
            return await self.list(
                offset=offset,
                limit=limit,
                sort=sort,
                order=order,
                list_id=list_id,
                extra_query=extra_query,
            )

        return offset_pages(fetch, page_size)


class ItemResource(PathResource[T]):
    """A list-scoped collection's items: `get` and `delete` by id, and the protected
    `_create`/`_update` that each namespace's typed `create`/`update` call.

    In these methods' docstrings `...` stands for the collection's path.
    """

    async def get(
        self, item_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> T:
        """One item by its id: `GET .../<id>` (`NotFoundError` when there is none).

        Args:
            item_id: The item's id.
            list_id: The list it belongs to (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        payload = await self._call(
            "GET", self._item(item_id), extra_query=extra_query, list_id=chosen_list(list_id)
        )
        return type(self)._model(payload)

    async def _create(
        self,
        values: Mapping[str, Any],
        *,
        list_id: Id | None,
        extra_body: Body | None,
        extra_query: Query | None,
    ) -> T:
        """`POST ...` with the given fields (`None` ones dropped) and `extra_body` over them.

        Not retried after an ambiguous failure: a second call would create a second one.
        """
        body = with_extra(drop_none(values), extra_body, name="extra_body") or {}
        self._check_values(body, creating=True)
        payload = await self._call(
            "POST", self._path, json=body, extra_query=extra_query, list_id=chosen_list(list_id)
        )
        return type(self)._model(payload)

    async def _update(
        self,
        item_id: Id,
        values: Mapping[str, Any],
        *,
        list_id: Id | None,
        extra_body: Body | None,
        extra_query: Query | None,
    ) -> T:
        """`PUT .../<id>` with the given fields (`None` ones dropped), `extra_body` over them."""
        body = with_extra(drop_none(values), extra_body, name="extra_body") or {}
        self._check_values(body, creating=False)
        payload = await self._call(
            "PUT",
            self._item(item_id),
            json=body,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
        )
        return type(self)._model(payload)

    async def delete(
        self, item_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> None:
        """Delete one: `DELETE .../<id>`.

        Args:
            item_id: The item's id.
            list_id: The list it belongs to (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        await self._call(
            "DELETE", self._item(item_id), extra_query=extra_query, list_id=chosen_list(list_id)
        )

    def _check_values(self, values: Mapping[str, Any], *, creating: bool) -> None:
        if "id" in values or "list_id" in values:
            raise InvalidArgumentError("pass the list as list_id=, and never an id in the body")
        for name in self._required:
            if creating:
                require_text(values.get(name), name=name)

    _required: tuple[str, ...] = ("name",)


class CollectionResource(ItemResource[T], ListedResource[T]):
    """A list-scoped collection with the usual methods, e.g. `/api/segments`: `get`,
    `list`, `iter` and `delete` here, and each namespace's own typed `create` and
    `update`.
    """


R = TypeVar("R")


class namespace(Generic[R]):
    """A client's namespace (`client.lists`): made on first use, kept on the client.

    A non-data descriptor, as `functools.cached_property` is, so the namespace made for
    a client (or a view: each has its own) is found in its `__dict__` from then on.
    """

    def __init__(self, make: Callable[[Requester], R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, client: None, owner: type) -> namespace[R]: ...

    @overload
    def __get__(self, client: Requester, owner: type) -> R: ...

    def __get__(self, client: Requester | None, owner: type) -> namespace[R] | R:
        if client is None:
            return self
        made: R = self._make(client)
        vars(client)[self._name] = made
        return made
