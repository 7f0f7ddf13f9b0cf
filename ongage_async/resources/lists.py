"""``client.lists``: the List API methods of ``ongage-list-api.txt``.

Lists are account-level objects addressed by id in the path, so these calls carry no
list id context (``list_scoped=False``): adding the client's default list to the
route of ``GET /api/lists/7`` would only add a second, confusing list id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from .._errors import InvalidArgumentError
from .._validation import normalize_list_id, require_text
from ..models import List, Page
from ._base import APIResource, drop_none, offset_pages, one_of, page_bounds, page_of

__all__ = ["ListsResource"]

_TYPES = ("sending", "suppression")
_SCOPES = ("global", "list", "campaign")
_HASH_TYPES = ("md5", "sha256", "sha512")
_ORDERS = ("ASC", "DESC")


def _list_from(response: Any) -> List:
    return List.from_payload(response)


class ListsResource(APIResource):
    """Fetch, search, create, update, copy and delete lists."""

    async def get(self, list_id: int | str) -> List:
        """``GET /api/lists/<id>``."""
        lid = normalize_list_id(list_id)
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
        """``GET /api/lists``: one page of lists, with ``total``."""
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
        return page_of(response, List.from_payload, offset or 0)

    def iter(self, *, page_size: int = 100, **filters: Any) -> AsyncIterator[List]:
        """Every list matching ``filters``, fetched page by page through the governor."""

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
        """``POST /api/lists``.  Not retried after an ambiguous failure (it would duplicate)."""
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
        """``PUT /api/lists/<id>``; ``settings`` are the other documented list fields."""
        lid = normalize_list_id(list_id)
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
        """``POST /api/lists/<id>/copy``.  Not retried after an ambiguous failure."""
        lid = normalize_list_id(list_id)
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
        """``DELETE /api/lists/<id>``."""
        lid = normalize_list_id(list_id)
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
