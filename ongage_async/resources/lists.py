"""`client.lists`: the List API methods of `ongage-list-api.txt`.

Lists are account-level objects addressed by id in the path, so these calls carry no
list id context (`list_scoped=False`): adding the client's default list to the
route of `GET /api/lists/7` would only add a second, confusing list id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypedDict

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import object_id, one_of, page_bounds, require_text
from ..models import List, Page
from ._base import APIResource, Unpack, drop_none, offset_pages, page_of, with_extra

__all__ = ["ListFilters", "ListsResource"]

_TYPES = ("sending", "suppression")
_SCOPES = ("global", "list", "campaign")
_HASH_TYPES = ("md5", "sha256", "sha512")
_ORDERS = ("ASC", "DESC")


def _list_from(response: Any) -> List:
    return List.from_payload(response)


class ListFilters(TypedDict, total=False):
    """The filters of [`lists.list`][ongage_async.resources.ListsResource.list] and
    [`iter`][ongage_async.resources.ListsResource.iter], each sent only when given.

    Attributes:
        name: The exact name.
        name_like: A part of the name (Ongage's "contains").
        type: `"sending"` or `"suppression"`.
        hash_type: `"md5"`, `"sha256"` or `"sha512"` (suppression lists).
        scope: `"global"`, `"list"` or `"campaign"` (suppression lists).
        archive: Ongage's `archive` filter (`True` or `False`).
        deleted: Ongage's `deleted` filter (`True` or `False`).
        sort: The column to sort by.
        order: `"ASC"` or `"DESC"`.
    """

    name: str | None
    name_like: str | None
    type: str | None
    hash_type: str | None
    scope: str | None
    archive: bool | None
    deleted: bool | None
    sort: str | None
    order: str | None


class ListsResource(APIResource):
    """`client.lists`: fetch, search, create, update, copy and delete lists.

    Lists are account-level: these calls never carry the client's `list_id`, since the
    list is named by the path (or is being created).
    """

    async def get(self, list_id: Id, *, extra_query: Query | None = None) -> List:
        """One list by id: `GET /api/lists/<id>` (`NotFoundError` when there is none).

        Args:
            list_id: The list's id.
            extra_query: Query parameters the SDK does not model (yours win).
        """
        lid = object_id(list_id, name="list_id")
        return _list_from(
            await self._call("GET", f"/api/lists/{lid}", extra_query=extra_query, list_scoped=False)
        )

    async def list(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        extra_query: Query | None = None,
        **filters: Unpack[ListFilters],
    ) -> Page[List]:
        """One page of the account's lists: `GET /api/lists`, with the `total`.

        Args:
            offset: How many lists to skip.
            limit: How many lists to return at most.
            extra_query: Query parameters the SDK does not model, merged over the ones
                it builds (yours win).
            **filters: Ongage's filters and order (`name`, `type`, `scope`, `sort`,
                ...), each sent only when given: see
                [`ListFilters`][ongage_async.resources.ListFilters].
        """
        given = self._keywords("list", filters, ListFilters)
        offset, limit = page_bounds(offset, limit)
        params = drop_none(
            {
                **given,
                "type": one_of(given.get("type"), _TYPES, name="type"),
                "hash_type": one_of(given.get("hash_type"), _HASH_TYPES, name="hash_type"),
                "scope": one_of(given.get("scope"), _SCOPES, name="scope"),
                "archive": _flag(given.get("archive"), "archive"),
                "deleted": _flag(given.get("deleted"), "deleted"),
                "order": one_of(given.get("order"), _ORDERS, name="order"),
                "offset": offset,
                "limit": limit,
            }
        )
        response = await self._call(
            "GET",
            "/api/lists",
            params=params,
            extra_query=extra_query,
            list_scoped=False,
            raw=True,
        )
        return page_of(response, List.from_payload, offset or 0, limit)

    def iter(
        self,
        *,
        page_size: int = 100,
        extra_query: Query | None = None,
        **filters: Unpack[ListFilters],
    ) -> AsyncIterator[List]:
        """Every list matching the filters, fetched one page (one call) at a time.

        `async for lst in client.lists.iter(type="sending"): ...`

        Args:
            page_size: Lists per call.
            extra_query: As for `list`, sent with every page.
            **filters: As for [`list`][ongage_async.resources.ListsResource.list]: see
                [`ListFilters`][ongage_async.resources.ListFilters].
        """
        self._keywords("iter", filters, ListFilters)

        async def fetch(offset: int, limit: int) -> Page[List]:
            return await self.list(offset=offset, limit=limit, extra_query=extra_query, **filters)

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
        extra_body: Body | None = None,
        extra_query: Query | None = None,
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
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
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
            await self._call(
                "POST",
                "/api/lists",
                json=body,
                extra_body=extra_body,
                extra_query=extra_query,
                list_scoped=False,
            )
        )

    async def update(
        self,
        list_id: Id,
        *,
        name: str,
        description: str | None = None,
        type: str | None = None,
        expiration_date: int | str | None = None,
        scope: str | None = None,
        welcome_email_active: bool | None = None,
        unsubscribe_default_link: bool | None = None,
        unsubscribe_confirmation_html: str | None = None,
        unsubscribe_confirmation_button: str | None = None,
        unsubscribe_success_html: str | None = None,
        frequency_active: bool | None = None,
        frequency_html: str | None = None,
        frequencies: Sequence[Mapping[str, Any]] | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
    ) -> List:
        """Change a list: `PUT /api/lists/<id>`.

        Every setting but `name` is sent only when given.

        Args:
            list_id: The list's id.
            name: Its name (required by Ongage on every update).
            description: Its description.
            type: `"sending"` or `"suppression"`, as the List API's example sends it.
            expiration_date: When a suppression list expires (suppression lists only).
            scope: `"global"`, `"list"` or `"campaign"` (suppression lists only).
            welcome_email_active: Send the list's welcome e-mail to new contacts.
            unsubscribe_default_link: Add Ongage's default unsubscribe link (with
                `False`, every message must carry its own).
            unsubscribe_confirmation_html: The page shown after the unsubscribe link.
            unsubscribe_confirmation_button: The text of its confirmation button.
            unsubscribe_success_html: The page shown after a successful unsubscribe.
            frequency_active: Turn the list-level frequencies on (then give
                `frequency_html` and `frequencies`).
            frequency_html: The text shown before the frequencies' select box.
            frequencies: The frequencies, each `{"active": True, "title": "Weekly",
                "value": "Frequency1"}` (`Frequency1` to `Frequency3`).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`: the list is the first
                argument).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        lid = object_id(list_id, name="list_id")
        settings = {
            "name": require_text(name, name="name"),
            "type": one_of(type, _TYPES, name="type"),
            "description": description,
            "expiration_date": expiration_date,
            "scope": one_of(scope, _SCOPES, name="scope"),
            "welcome_email_active": welcome_email_active,
            "unsubscribe_default_link": unsubscribe_default_link,
            "unsubscribe_confirmation_html": unsubscribe_confirmation_html,
            "unsubscribe_confirmation_button": unsubscribe_confirmation_button,
            "unsubscribe_success_html": unsubscribe_success_html,
            "frequency_active": frequency_active,
            "frequency_html": frequency_html,
            "frequencies": frequencies,
        }
        body = with_extra(drop_none(settings), extra_body, name="extra_body") or {}
        if "list_id" in body or "id" in body:
            raise InvalidArgumentError("the list is named by list_id=, not in the body")
        return _list_from(
            await self._call(
                "PUT", f"/api/lists/{lid}", json=body, extra_query=extra_query, list_scoped=False
            )
        )

    async def copy(
        self,
        list_id: Id,
        *,
        name: str,
        description: str = "",
        type: str = "sending",
        default: bool = False,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
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
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
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
            await self._call(
                "POST",
                f"/api/lists/{lid}/copy",
                json=body,
                extra_body=extra_body,
                extra_query=extra_query,
                list_scoped=False,
            )
        )

    async def delete(self, list_id: Id, *, extra_query: Query | None = None) -> None:
        """Delete a list: `DELETE /api/lists/<id>`.

        Args:
            list_id: The list's id.
            extra_query: Query parameters the SDK does not model (yours win).
        """
        lid = object_id(list_id, name="list_id")
        await self._call("DELETE", f"/api/lists/{lid}", extra_query=extra_query, list_scoped=False)


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
