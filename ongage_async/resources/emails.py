"""``client.emails``: e-mail messages, the one collection paged by ``page``/``page_size``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .._errors import InvalidArgumentError
from ..models import EmailMessage, Page
from ._base import CollectionResource, check_page_size, drop_none, page_of

__all__ = ["EmailsResource"]


class EmailsResource(CollectionResource[EmailMessage]):
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
        """One page (``page`` from 1, ``page_size`` default 50, as Ongage pages e-mails)."""
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise InvalidArgumentError(f"page starts at 1, not {page!r:.40}")
        check_page_size(page_size)
        params = drop_none({**filters, "page": page, "page_size": page_size})
        response = await self._client.request(
            "GET", self._path, params=params, list_id=list_id, raw=True
        )
        return page_of(response, EmailMessage.from_payload, (page - 1) * page_size)

    async def iter(
        self, *, page_size: int = 50, list_id: int | str | None = None, **filters: Any
    ) -> AsyncIterator[EmailMessage]:
        check_page_size(page_size)
        page_number = 1
        while True:
            page = await self.list(
                page=page_number, page_size=page_size, list_id=list_id, **filters
            )
            for item in page:
                yield item
            seen = (page_number - 1) * page_size + len(page)
            if len(page) < page_size or (page.total is not None and seen >= page.total):
                return
            page_number += 1
