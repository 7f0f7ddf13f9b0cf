"""`client.lists`: the List API methods of `ongage-list-api.txt`.

Lists are account-level objects addressed by id in the path, so these calls carry no
list id context (`list_scoped=False`): adding the client's default list to the
route of `GET /api/lists/7` would only add a second, confusing list id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from .._exceptions import InvalidArgumentError
from .._validation import object_id, one_of, page_bounds, require_text
from ..models import List, Page
from ._base import APIResource, drop_none, offset_pages, page_of

__all__ = ["ListsResource"]

_TYPES = ("sending", "suppression")
_SCOPES = ("global", "list", "campaign")
_HASH_TYPES = ("md5", "sha256", "sha512")
_ORDERS = ("ASC", "DESC")


def _list_from(response: Any) -> List:
    return List.from_payload(response)


class ListsResource(APIResource):
    """`client.lists`: fetch, search, create, update, copy and delete lists.

    Lists are account-level: these calls never carry the client's `list_id`, since the
    list is named by the path (or is being created).
    """

    async def get(self, list_id: int | str) -> List:
        """One list by id: `GET /api/lists/<id>` (`NotFoundError` when there is none).

        Args:
            list_id: The list's id.
        """
        lid = object_id(list_id, name="list_id")
        return _list_from(await self._client.request("GET", f"/api/lists/{lid}", list_scoped=False))

    async def list(
        self,
        *,
        name: str | None = None,
        name_like: str | None = None,
        type: str | None = None,
        hash_type: str | None = None,
        scope: str | None = None,
        archive: bool | None = None,
        deleted: bool | None = None,
        sort: str | None = None,
        order: str | None = None,
        offset: int | None = None,
        limit: int | None = None,
    ) -> Page[List]:
        """One page of the account's lists: `GET /api/lists`, with the `total`.

        Every filter is sent only when given.

        Args:
            name: The exact name.
            name_like: A part of the name (Ongage's "contains").
            type: `"sending"` or `"suppression"`.
            hash_type: `"md5"`, `"sha256"` or `"sha512"` (suppression lists).
            scope: `"global"`, `"list"` or `"campaign"` (suppression lists).
            archive: Ongage's `archive` filter (`True` or `False`).
            deleted: Ongage's `deleted` filter (`True` or `False`).
            sort: The column to sort by.
            order: `"ASC"` or `"DESC"`.
            offset: How many lists to skip.
            limit: How many lists to return at most.
        """
        offset, limit = page_bounds(offset, limit)
        params = drop_none(
            {
                "name": name,
                "name_like": name_like,
                "type": one_of(type, _TYPES, name="type"),
                "hash_type": one_of(hash_type, _HASH_TYPES, name="hash_type"),
                "scope": one_of(scope, _SCOPES, name="scope"),
                "archive": _flag(archive, "archive"),
                "deleted": _flag(deleted, "deleted"),
                "sort": sort,
                "order": one_of(order, _ORDERS, name="order"),
                "offset": offset,
                "limit": limit,
            }
        )
        response = await self._client.request(
            "GET", "/api/lists", params=params, list_scoped=False, raw=True
        )
        return page_of(response, List.from_payload, offset or 0, limit)

    def iter(self, *, page_size: int = 100, **filters: Any) -> AsyncIterator[List]:
        """Every list matching `filters`, fetched one page (one call) at a time.

        `async for lst in client.lists.iter(type="sending"): ...`

        Args:
            page_size: Lists per call.
            **filters: The filters of [`list`][ongage_async.resources.ListsResource.list]
                (`name`, `type`, `archive`, ...).
        """

        async def fetch(offset: int, limit: int) -> Page[List]:
            return await self.list(offset=offset, limit=limit, **filters)

        return offset_pages(fetch, page_size)

    async def create(
        self,
        *,
        name: str,
        type: str,
        description: str | None = None,
        create_segment: bool | None = None,
        fields: Sequence[Mapping[str, Any]] | None = None,
        expiration_date: int | str | None = None,
        scope: str | None = None,
    ) -> List:
        """Create a list: `POST /api/lists`.

        Not retried after an ambiguous failure (a 5xx, a timeout, a lost answer): a
        second call would create a second list.

        Args:
            name: The new list's name.
            type: `"sending"` or `"suppression"`.
            description: Its description.
            create_segment: Also create an "All List Contacts" segment for it.
            fields: Its fields, each a mapping with at least a `name` (default: a copy
                of the default list's fields).
            expiration_date: When a suppression list expires (suppression lists only).
            scope: `"global"` (Ongage's default), `"list"` or `"campaign"` (suppression
                lists only).
        """
        list_type = one_of(type, _TYPES, name="type")
        if list_type != "suppression" and (expiration_date is not None or scope is not None):
            raise InvalidArgumentError("expiration_date and scope apply to suppression lists only")
        body = drop_none(
            {
                "name": require_text(name, name="name"),
                "type": list_type,
                "description": description,
                "create_segment": _flag(create_segment, "create_segment"),
                "fields": _fields(fields),
                "expiration_date": expiration_date,
                "scope": one_of(scope, _SCOPES, name="scope"),
            }
        )
        return _list_from(
            await self._client.request("POST", "/api/lists", json=body, list_scoped=False)
        )

    async def update(
        self,
        list_id: int | str,
        *,
        name: str,
        description: str | None = None,
        **settings: Any,
    ) -> List:
        """Change a list: `PUT /api/lists/<id>`.

        Args:
            list_id: The list's id.
            name: Its name (required by Ongage on every update).
            description: Its description.
            **settings: The other list settings Ongage documents, sent as given (such as
                `frequency_active`, with `frequency_html` and `frequencies`).
        """
        lid = object_id(list_id, name="list_id")
        if "list_id" in settings or "id" in settings:
            raise InvalidArgumentError("the list is named by list_id=, not in the settings")
        body = drop_none(
            {"name": require_text(name, name="name"), "description": description, **settings}
        )
        return _list_from(
            await self._client.request("PUT", f"/api/lists/{lid}", json=body, list_scoped=False)
        )

    async def copy(
        self,
        list_id: int | str,
        *,
        name: str,
        description: str = "",
        type: str = "sending",
        default: bool = False,
    ) -> List:
        """Copy a list into a new one: `POST /api/lists/<id>/copy`.

        Not retried after an ambiguous failure: a second call would make a second copy.

        Args:
            list_id: The list to copy.
            name: The new list's name.
            description: The new list's description.
            type: `"sending"` or `"suppression"`.
            default: Ongage's `default` flag for the copy (whether it becomes the
                default list).
        """
        lid = object_id(list_id, name="list_id")
        body = {
            "create": True,
            "name": require_text(name, name="name"),
            "description": description,
            "type": one_of(type, _TYPES, name="type"),
            "default": _flag(default, "default"),
        }
        return _list_from(
            await self._client.request(
                "POST", f"/api/lists/{lid}/copy", json=body, list_scoped=False
            )
        )

    async def delete(self, list_id: int | str) -> None:
        """Delete a list: `DELETE /api/lists/<id>`.

        Args:
            list_id: The list's id.
        """
        lid = object_id(list_id, name="list_id")
        await self._client.request("DELETE", f"/api/lists/{lid}", list_scoped=False)


def _flag(value: object, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, not {value!r:.40}")
    return value


def _fields(fields: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if fields is None:
        return None
    if isinstance(fields, (str, bytes)) or not all(isinstance(f, Mapping) for f in fields):
        raise InvalidArgumentError("fields must be a sequence of mappings")
    for field in fields:
        require_text(field.get("name"), name="each field's name")
    return [dict(f) for f in fields]
