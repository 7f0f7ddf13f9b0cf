"""`client.emails`: e-mail messages, the one collection paged by `page`/`page_size`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from .._validation import positive_int
from ..models import EmailMessage, Page
from ._base import ItemResource, chosen_list, drop_none, page_of

__all__ = ["EmailsResource"]


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
        type: str | None = None,
        name: str | None = None,
        parent_id: int | str | None = None,
        subject: str | None = None,
        modified_from: int | str | None = None,
        modified_to: int | str | None = None,
        created_by: int | str | None = None,
        favorite: bool | None = None,
        list_id: int | str | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Page[EmailMessage]:
        """One page of e-mail messages: `GET /api/emails`, with the `total`.

        Each filter is Ongage's, sent as given and only when given.

        Args:
            page: The page number, from 1.
            page_size: Messages a page (Ongage's default is 50).
            type: `"email_message"`, `"template"` or `"folder"`.
            name: The name.
            parent_id: The folder it is in.
            subject: The subject line.
            modified_from: Modified at or after this time.
            modified_to: Modified at or before this time.
            created_by: The id of the user who created it.
            favorite: Only favourites (`True`), or only the others (`False`).
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model, merged over the ones
                it builds (yours win).
        """
        positive_int(page, name="page (from 1)")
        positive_int(page_size, name="page_size")
        params = drop_none(
            {
                "type": type,
                "name": name,
                "parent_id": parent_id,
                "subject": subject,
                "modified_from": modified_from,
                "modified_to": modified_to,
                "created_by": created_by,
                "favorite": favorite,
                "page": page,
                "page_size": page_size,
            }
        )
        response = await self._call(
            "GET",
            self._path,
            params=params,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
            raw=True,
        )
        return page_of(response, EmailMessage.from_payload, (page - 1) * page_size, page_size)

    async def iter(
        self,
        *,
        page_size: int = 50,
        type: str | None = None,
        name: str | None = None,
        parent_id: int | str | None = None,
        subject: str | None = None,
        modified_from: int | str | None = None,
        modified_to: int | str | None = None,
        created_by: int | str | None = None,
        favorite: bool | None = None,
        list_id: int | str | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[EmailMessage]:
        """Every message, fetched one page (one call) at a time through the governor.

        Args:
            page_size: Messages a call.
            type: As for [`list`][ongage_async.resources.EmailsResource.list], as are
                the other filters.
            name: The name.
            parent_id: The folder it is in.
            subject: The subject line.
            modified_from: Modified at or after this time.
            modified_to: Modified at or before this time.
            created_by: The id of the user who created it.
            favorite: Only favourites, or only the others.
            list_id: The list (default: the client's list).
            extra_query: As for `list`, sent with every page.
        """
        positive_int(page_size, name="page_size")
        page_number = 1
        while True:
            page = await self.list(
                page=page_number,
                page_size=page_size,
                type=type,
                name=name,
                parent_id=parent_id,
                subject=subject,
                modified_from=modified_from,
                modified_to=modified_to,
                created_by=created_by,
                favorite=favorite,
                list_id=list_id,
                extra_query=extra_query,
            )
            for item in page:
                yield item
            if not page.has_next:
                return
            page_number += 1

    async def create(
        self,
        *,
        name: str,
        type: str | None = None,
        subject: str | None = None,
        description: str | None = None,
        content_html: str | None = None,
        content_text: str | None = None,
        unsubscribe_default_link: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> EmailMessage:
        """Create an e-mail message: `POST /api/emails`; returns it as Ongage stored it.

        Each optional field is sent only when given. Not retried after an ambiguous
        failure: a second call would create a second message.

        Args:
            name: The message's name.
            type: `"email_message"` or `"template"`.
            subject: Its subject line.
            description: Its description.
            content_html: Its HTML content.
            content_text: Its plain-text content.
            unsubscribe_default_link: Add Ongage's default unsubscribe link.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (the `unsubscribe_*` texts,
                addresses, ...), merged over the ones it builds (yours win; never `id`
                or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = {
            "name": name,
            "type": type,
            "subject": subject,
            "description": description,
            "content_html": content_html,
            "content_text": content_text,
            "unsubscribe_default_link": unsubscribe_default_link,
        }
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        email_id: int | str,
        *,
        name: str | None = None,
        type: str | None = None,
        subject: str | None = None,
        description: str | None = None,
        content_html: str | None = None,
        content_text: str | None = None,
        unsubscribe_default_link: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> EmailMessage:
        """Change an e-mail message: `PUT /api/emails/<id>`; only the fields given are sent.

        Args:
            email_id: The message's id.
            name: Its new name.
            type: Its new type.
            subject: Its new subject line.
            description: Its new description.
            content_html: Its new HTML content.
            content_text: Its new plain-text content.
            unsubscribe_default_link: Add Ongage's default unsubscribe link, or not.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = {
            "name": name,
            "type": type,
            "subject": subject,
            "description": description,
            "content_html": content_html,
            "content_text": content_text,
            "unsubscribe_default_link": unsubscribe_default_link,
        }
        return await self._update(
            email_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )
