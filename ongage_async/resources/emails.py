"""`client.emails`: e-mail messages, the one collection paged by `page`/`page_size`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .._validation import positive_int
from ..models import EmailMessage, Page
from ._base import CollectionResource, chosen_list, drop_none, page_of

__all__ = ["EmailsResource"]


class EmailsResource(CollectionResource[EmailMessage]):
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
        list_id: int | str | None = None,
        **filters: Any,
    ) -> Page[EmailMessage]:
        """One page of e-mail messages: `GET /api/emails`, with the `total`.

        Args:
            page: The page number, from 1.
            page_size: Messages a page (Ongage's default is 50).
            list_id: The list (default: the client's list).
            **filters: Ongage's filters, sent as given: `type` (`email_message`,
                `template` or `folder`), `name`, `parent_id`, `subject`,
                `modified_from`, `modified_to`, `created_by`, `favorite`.
        """
        positive_int(page, name="page (from 1)")
        positive_int(page_size, name="page_size")
        params = drop_none({**filters, "page": page, "page_size": page_size})
        response = await self._client.request(
            "GET", self._path, params=params, list_id=chosen_list(list_id), raw=True
        )
        return page_of(response, EmailMessage.from_payload, (page - 1) * page_size, page_size)

    async def iter(
        self, *, page_size: int = 50, list_id: int | str | None = None, **filters: Any
    ) -> AsyncIterator[EmailMessage]:
        """Every message, fetched one page (one call) at a time through the governor.

        Args:
            page_size: Messages a call.
            list_id: The list (default: the client's list).
            **filters: As for [`list`][ongage_async.resources.EmailsResource.list].
        """
        positive_int(page_size, name="page_size")
        page_number = 1
        while True:
            page = await self.list(
                page=page_number, page_size=page_size, list_id=list_id, **filters
            )
            for item in page:
                yield item
            if not page.has_next:
                return
            page_number += 1
