"""What every resource namespace shares: a reference to the client, and nothing else.

Namespaces build paths and arguments and convert payloads to models; sending is
always `client.request`, so every method goes through the one middleware chain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._call import chosen_list
from .._exceptions import InvalidArgumentError, InvalidResponseError
from .._response import Response
from .._validation import object_id, one_of, page_bounds, positive_int, require_text
from ..models import Page

if TYPE_CHECKING:
    from .._client import OngageClient

__all__ = [
    "chosen_list",
    "APIResource",
    "CollectionResource",
    "ListedResource",
    "created_id",
    "drop_none",
    "list_id_of",
    "offset_pages",
    "one_of",
    "page_bounds",
    "page_of",
    "rows_of",
]

T = TypeVar("T")


class APIResource:
    """Base of the namespaces; holds the client (or view) it was reached from."""

    def __init__(self, client: OngageClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


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


def list_id_of(value: int | str | None) -> str | None:
    return None if value is None else object_id(value, name="list_id")


class ListedResource(APIResource, Generic[T]):
    """A list-scoped collection that can be listed (`offset`/`limit`) and iterated.

    Subclasses name the path and the model of one row.
    """

    _path: str = ""
    _model: Callable[[Any], T]

    def _list_context(self, list_id: int | str | None) -> str | None:
        """The list a new job lives in, so that its polls go to the same list."""
        return list_id_of(list_id) or self._client.list_id

    def _item(self, item_id: int | str) -> str:
        return f"{self._path}/{object_id(item_id)}"

    async def list(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        list_id: int | str | None = None,
        **filters: Any,
    ) -> Page[T]:
        """One page of the collection: `GET ...`, with the collection's `total`.

        Args:
            offset: How many items to skip.
            limit: How many items to return at most (Ongage's default when not given).
            list_id: The list to read (default: the client's list, else the account's
                default list).
            **filters: Other query parameters Ongage documents for the collection, sent
                as given.
        """
        offset, limit = page_bounds(offset, limit)
        params = drop_none({**filters, "offset": offset, "limit": limit})
        response = await self._client.request(
            "GET", self._path, params=params, list_id=chosen_list(list_id), raw=True
        )
        return page_of(response, type(self)._model, offset or 0, limit)

    def iter(
        self, *, page_size: int = 100, list_id: int | str | None = None, **filters: Any
    ) -> AsyncIterator[T]:
        """Every item, fetched one page (one call: `GET ...`) at a time through the governor.

        Use it as `async for item in client.<namespace>.iter(...)`.

        Args:
            page_size: Items per call.
            list_id: The list to read (default: the client's list).
            **filters: As for `list`.
        """

        async def fetch(offset: int, limit: int) -> Page[T]:
            return await self.list(offset=offset, limit=limit, list_id=list_id, **filters)

        return offset_pages(fetch, page_size)


class CollectionResource(ListedResource[T]):
    """A list-scoped collection with the five usual methods, e.g. `/api/segments`.

    In these methods' docstrings `...` stands for the collection's path.
    """

    async def get(self, item_id: int | str, *, list_id: int | str | None = None) -> T:
        """One item by its id: `GET .../<id>` (`NotFoundError` when there is none).

        Args:
            item_id: The item's id.
            list_id: The list it belongs to (default: the client's list).
        """
        payload = await self._client.request(
            "GET", self._item(item_id), list_id=chosen_list(list_id)
        )
        return type(self)._model(payload)

    async def create(self, *, list_id: int | str | None = None, **values: Any) -> T:
        """Create one: `POST ...`; returns it as Ongage stored it.

        Not retried after an ambiguous failure (a 5xx, a timeout, a lost answer): a
        second call would create a second one.

        Args:
            list_id: The list it belongs to (default: the client's list).
            **values: The fields of the new item, as Ongage's page names them (never
                `id` or `list_id`).
        """
        self._check_values(values, creating=True)
        payload = await self._client.request(
            "POST", self._path, json=values, list_id=chosen_list(list_id)
        )
        return type(self)._model(payload)

    async def update(
        self, item_id: int | str, *, list_id: int | str | None = None, **values: Any
    ) -> T:
        """Change one: `PUT .../<id>`; returns it as Ongage stored it.

        Args:
            item_id: The item's id.
            list_id: The list it belongs to (default: the client's list).
            **values: The fields to change (never `id` or `list_id`).
        """
        self._check_values(values, creating=False)
        payload = await self._client.request(
            "PUT", self._item(item_id), json=values, list_id=chosen_list(list_id)
        )
        return type(self)._model(payload)

    async def delete(self, item_id: int | str, *, list_id: int | str | None = None) -> None:
        """Delete one: `DELETE .../<id>`.

        Args:
            item_id: The item's id.
            list_id: The list it belongs to (default: the client's list).
        """
        await self._client.request("DELETE", self._item(item_id), list_id=chosen_list(list_id))

    def _check_values(self, values: Mapping[str, Any], *, creating: bool) -> None:
        if "id" in values or "list_id" in values:
            raise InvalidArgumentError("pass the list as list_id=, and never an id in the body")
        for name in self._required:
            if creating:
                require_text(values.get(name), name=name)

    _required: tuple[str, ...] = ("name",)
