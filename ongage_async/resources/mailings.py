"""``client.mailings``: ``/api/mailings`` plus ``abort``, ``cancel`` and ``unschedule``."""

from __future__ import annotations

from ..models import Mailing
from ._base import CollectionResource

__all__ = ["MailingsResource"]


class MailingsResource(CollectionResource[Mailing]):
    _path = "/api/mailings"
    _model = Mailing.from_payload

    async def _act(self, mailing_id: int | str, verb: str, list_id: int | str | None) -> Mailing:
        payload = await self._client.request(
            "POST", f"{self._item(mailing_id)}/{verb}", list_id=list_id, idempotent=True
        )
        return Mailing.from_payload(payload)

    async def abort(self, mailing_id: int | str, *, list_id: int | str | None = None) -> Mailing:
        """Stop a mailing that is sending."""
        return await self._act(mailing_id, "abort", list_id)

    async def cancel(self, mailing_id: int | str, *, list_id: int | str | None = None) -> Mailing:
        return await self._act(mailing_id, "cancel", list_id)

    async def unschedule(
        self, mailing_id: int | str, *, list_id: int | str | None = None
    ) -> Mailing:
        """Back to draft (only from scheduled)."""
        return await self._act(mailing_id, "unschedule", list_id)
