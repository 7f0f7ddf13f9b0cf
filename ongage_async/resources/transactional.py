"""``client.transactional``: sends (never repeated blindly) and transactional campaigns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import InvalidArgumentError
from .._validation import items_of, require_text
from ..models import SendResult, TransactionalCampaign
from ._base import CollectionResource, drop_none
from .contacts import _email

__all__ = ["TransactionalResource"]


def _recipients(recipients: Sequence[str]) -> list[str]:
    return [_email(r, "a recipient") for r in items_of(recipients, name="recipients")]


class TransactionalResource(CollectionResource[TransactionalCampaign]):
    """``send``/``send_content`` and the campaigns (``list``, ``create``, ``update``, ...).

    A send is not idempotent: after a 5xx, a timeout or a dropped connection it is
    *not* retried (the e-mail may have gone out) unless you pass ``idempotent=True``.
    A 429 is still retried, since a rejected call sent nothing.

    The answer of a send is not documented publicly: :class:`SendResult` keeps its
    ``payload`` as Ongage sent it.  Campaigns (page 947486763): ``list``, ``create``
    (``name`` and ``description`` required), ``update``, ``delete``; ``get``
    (``GET /api/transactional/<id>``) is undocumented.
    """

    _path = "/api/transactional"
    _model = TransactionalCampaign.from_payload
    _required = ("name", "description")

    async def get(
        self, item_id: int | str, *, list_id: int | str | None = None
    ) -> TransactionalCampaign:
        """``GET /api/transactional/<id>``: undocumented (no Ongage page shows it)."""
        return await super().get(item_id, list_id=list_id)

    async def send(
        self,
        message_id: int | str,
        recipients: Sequence[str],
        *,
        campaign_id: int | str | None = None,
        sending_connection_id: int | str | None = None,
        check_status: bool | None = None,
        check_global_and_list_suppression: bool | None = None,
        check_suppression: bool | None = None,
        dynamic_fields: Mapping[str, Mapping[str, Any]] | None = None,
        list_id: int | str | None = None,
        idempotent: bool = False,
    ) -> SendResult:
        """``POST /api/transactional/send``: a stored e-mail message to each recipient.

        ``check_suppression`` is the flag the transactional page's example sends;
        ``check_global_and_list_suppression`` is the one the FAQ names.  Each is sent
        only when given.
        """
        if isinstance(message_id, bool) or not str(message_id).strip():
            raise InvalidArgumentError("message_id is required")
        body = drop_none(
            {
                "message_id": message_id,
                "recipients": _recipients(recipients),
                "campaign_id": campaign_id,
                "sending_connection_id": sending_connection_id,
                "check_status": check_status,
                "check_global_and_list_suppression": check_global_and_list_suppression,
                "check_suppression": check_suppression,
                "message_dynamic_fields_per_recipient": dynamic_fields,
            }
        )
        payload = await self._client.request(
            "POST", "/api/transactional/send", json=body, list_id=list_id, idempotent=idempotent
        )
        return SendResult.from_payload(payload)

    async def send_content(
        self,
        *,
        subject: str,
        recipients: Sequence[str],
        html: str | None = None,
        text: str | None = None,
        from_name: str | None = None,
        from_address: str | None = None,
        reply_address: str | None = None,
        campaign_id: int | str | None = None,
        sending_connection_id: int | str | None = None,
        list_id: int | str | None = None,
        idempotent: bool = False,
    ) -> SendResult:
        """``POST /api/transactional/send_embed_content``: inline subject and content."""
        if html is None and text is None:
            raise InvalidArgumentError("send_content needs html= or text=")
        addresses = drop_none(
            {
                "from_name": from_name,
                "from_address": _email(from_address, "from_address") if from_address else None,
                "reply_address": _email(reply_address, "reply_address") if reply_address else None,
            }
        )
        message = drop_none(
            {
                "subject": require_text(subject, name="subject"),
                "content_html": html,
                "content_text": text,
                "addresses": addresses or None,
            }
        )
        body = drop_none(
            {
                "message": message,
                "recipients": _recipients(recipients),
                "campaign_id": campaign_id,
                "sending_connection_id": sending_connection_id,
            }
        )
        payload = await self._client.request(
            "POST",
            "/api/transactional/send_embed_content",
            json=body,
            list_id=list_id,
            idempotent=idempotent,
        )
        return SendResult.from_payload(payload)
