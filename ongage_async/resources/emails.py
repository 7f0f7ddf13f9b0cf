"""`client.emails`: e-mail messages, the one collection paged by `page`/`page_size`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypedDict

from .._types import Body, Id, Query
from .._validation import positive_int
from ..models import EmailMessage, Page
from ._base import ItemResource, Unpack, drop_none, offset_pages

__all__ = ["EmailFields", "EmailFilters", "EmailsResource"]


class EmailFilters(TypedDict, total=False):
    """The filters of [`emails.list`][ongage_async.resources.EmailsResource.list] and
    [`iter`][ongage_async.resources.EmailsResource.iter]: Ongage's, each sent as given
    and only when given.

    Attributes:
        type: `"email_message"`, `"template"` or `"folder"`.
        name: The name.
        parent_id: The folder it is in.
        subject: The subject line.
        modified_from: Modified at or after this time.
        modified_to: Modified at or before this time.
        created_by: The id of the user who created it.
        favorite: Only favourites (`True`), or only the others (`False`).
    """

    type: str | None
    name: str | None
    parent_id: Id | None
    subject: str | None
    modified_from: int | str | None
    modified_to: int | str | None
    created_by: Id | None
    favorite: bool | None


class EmailFields(TypedDict, total=False):
    """A message's fields besides its `name`: the keywords of
    [`emails.create`][ongage_async.resources.EmailsResource.create] and
    [`update`][ongage_async.resources.EmailsResource.update], each sent only when given.

    Attributes:
        type: `"email_message"` or `"template"`.
        subject: Its subject line.
        description: Its description.
        content_html: Its HTML content.
        content_text: Its plain-text content.
        unsubscribe_default_link: Add Ongage's default unsubscribe link (or not).
    """

    type: str | None
    subject: str | None
    description: str | None
    content_html: str | None
    content_text: str | None
    unsubscribe_default_link: bool | None


class EmailsResource(ItemResource[EmailMessage]):
    """`client.emails`: e-mail messages (and templates), `/api/emails`.

    The one collection Ongage pages by `page`/`page_size` rather than
    `offset`/`limit`.
    """

    _path = "/api/emails"
    _model = EmailMessage.from_payload

    async def list(
        self,
        *,
        page: int = 1,
        page_size: int = 50,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        **filters: Unpack[EmailFilters],
    ) -> Page[EmailMessage]:
        """One page of e-mail messages: `GET /api/emails`, with the `total`.

        Args:
            page: The page number, from 1.
            page_size: Messages a page (Ongage's default is 50).
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model, merged over the ones
                it builds (yours win).
            **filters: Ongage's filters (`type`, `name`, `subject`, `favorite`, ...):
                see [`EmailFilters`][ongage_async.resources.EmailFilters].
        """
        positive_int(page, name="page (from 1)")
        positive_int(page_size, name="page_size")
        given = self._keywords("list", filters, EmailFilters)
        params = drop_none({**given, "page": page, "page_size": page_size})
        return await self._list(
            params,
            list_id=list_id,
            extra_query=extra_query,
            offset=(page - 1) * page_size,
            limit=page_size,
        )

    def iter(
        self,
        *,
        page_size: int = 50,
        list_id: Id | None = None,
        extra_query: Query | None = None,
        **filters: Unpack[EmailFilters],
    ) -> AsyncIterator[EmailMessage]:
        """Every message, fetched one page (one call) at a time through the governor.

        Args:
            page_size: Messages a call.
            list_id: The list (default: the client's list).
            extra_query: As for `list`, sent with every page.
            **filters: As for [`list`][ongage_async.resources.EmailsResource.list]:
                see [`EmailFilters`][ongage_async.resources.EmailFilters].
        """
        self._keywords("iter", filters, EmailFilters)
        return self._pages(page_size, list_id, extra_query, filters)

    async def _pages(
        self, page_size: int, list_id: Id | None, extra_query: Query | None, filters: EmailFilters
    ) -> AsyncIterator[EmailMessage]:

        async def fetch(offset: int, limit: int) -> Page[EmailMessage]:
            # This collection pages by number: the pager's offsets are whole pages.
            return await self.list(
                page=offset // limit + 1,
                page_size=limit,
                list_id=list_id,
                extra_query=extra_query,
                **filters,
            )

        async for item in offset_pages(fetch, page_size):
            yield item

    async def create(
        self,
        *,
        name: str,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[EmailFields],
    ) -> EmailMessage:
        """Create an e-mail message: `POST /api/emails`; returns it as Ongage stored it.

        Not retried after an ambiguous failure: a second call would create a second
        message.

        Args:
            name: The message's name.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (the `unsubscribe_*` texts,
                addresses, ...), merged over the ones it builds (yours win; never `id`
                or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: Its other fields (`type`, `subject`, `content_html`, ...): see
                [`EmailFields`][ongage_async.resources.EmailFields].
        """
        values = {"name": name, **self._keywords("create", fields, EmailFields)}
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        email_id: Id,
        *,
        name: str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[EmailFields],
    ) -> EmailMessage:
        """Change an e-mail message: `PUT /api/emails/<id>`; only the fields given are sent.

        Args:
            email_id: The message's id.
            name: Its new name.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: The fields to change, as for `create`.
        """
        values = {"name": name, **self._keywords("update", fields, EmailFields)}
        return await self._update(
            email_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )
