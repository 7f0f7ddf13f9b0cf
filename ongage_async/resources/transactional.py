"""`client.transactional`: sends (never repeated blindly) and transactional campaigns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import items_of, require_text
from ..models import SendResult, TransactionalCampaign
from ._base import CollectionResource, Unpack, chosen_list, drop_none
from .contacts import _email

__all__ = ["TransactionalSendOptions", "TransactionalFields", "TransactionalResource"]


def _recipients(recipients: Sequence[str]) -> list[str]:
    return [_email(r, "a recipient") for r in items_of(recipients, name="recipients")]


class TransactionalFields(TypedDict, total=False):
    """A transactional campaign's fields besides `name` and `description`: the keywords
    of [`transactional.create`][ongage_async.resources.TransactionalResource.create]
    and [`update`][ongage_async.resources.TransactionalResource.update], each sent only
    when given.

    Attributes:
        message_type: Ongage's `message_type` (such as `"email"`).
    """

    message_type: str | None


class TransactionalSendOptions(TypedDict, total=False):
    """How a transactional send goes: the keywords
    [`send`][ongage_async.resources.TransactionalResource.send] and
    [`send_content`][ongage_async.resources.TransactionalResource.send_content] share.

    Attributes:
        campaign_id: The transactional campaign (default: the list's default one).
        sending_connection_id: The ESP connection to send through.
        idempotent: Allow retries after an ambiguous failure (default `False`: it may
            send twice).
    """

    campaign_id: Id | None
    sending_connection_id: Id | None
    idempotent: bool


class TransactionalResource(CollectionResource[TransactionalCampaign]):
    """`client.transactional`: transactional sends, and the transactional campaigns.

    A send is not idempotent: after a 5xx, a timeout or a dropped connection it is
    *not* retried (the e-mail may have gone out) unless you pass `idempotent=True`.
    A 429 is still retried, since a rejected call sent nothing.

    The answer of a send is not documented publicly:
    [`SendResult`][ongage_async.models.SendResult] keeps its `payload` as Ongage sent it.
    Campaigns (page 947486763): `list`, `create` (`name` and `description` required),
    `update`, `delete`; `get` (`GET /api/transactional/<id>`) is undocumented.
    """

    _path = "/api/transactional"
    _model = TransactionalCampaign.from_payload
    _required = ("name", "description")

    async def create(
        self,
        *,
        name: str,
        description: str,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[TransactionalFields],
    ) -> TransactionalCampaign:
        """Create a transactional campaign: `POST /api/transactional`.

        Not retried after an ambiguous failure: a second call would make a second
        campaign.

        Args:
            name: The campaign's name.
            description: Its description (required by Ongage).
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: Its other fields (`message_type`): see
                [`TransactionalFields`][ongage_async.resources.TransactionalFields].
        """
        given = self._keywords("create", fields, TransactionalFields)
        values = {"name": name, "description": description, **given}
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        campaign_id: Id,
        *,
        name: str | None = None,
        description: str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[TransactionalFields],
    ) -> TransactionalCampaign:
        """Change a transactional campaign: `PUT /api/transactional/<id>`.

        Only the fields given are sent.

        Args:
            campaign_id: The campaign's id.
            name: Its new name.
            description: Its new description.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: The other fields to change, as for `create`.
        """
        given = self._keywords("update", fields, TransactionalFields)
        values = {"name": name, "description": description, **given}
        return await self._update(
            campaign_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def send(
        self,
        message_id: Id,
        recipients: Sequence[str],
        *,
        check_status: bool | None = None,
        check_global_and_list_suppression: bool | None = None,
        check_suppression: bool | None = None,
        dynamic_fields: Mapping[str, Mapping[str, Any]] | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **options: Unpack[TransactionalSendOptions],
    ) -> SendResult:
        """Send a stored e-mail message to each recipient: `POST /api/transactional/send`.

        Not retried after a 5xx, a timeout or a lost answer (the e-mail may have gone
        out) unless `idempotent=True`. By default Ongage ignores the contacts' status and
        the suppression lists: the `check_*` flags turn those checks on, and each is sent
        only when given.

        Args:
            message_id: The stored e-mail message to send.
            recipients: The recipients' e-mail addresses.
            check_status: Skip recipients whose status forbids sending.
            check_global_and_list_suppression: Skip suppressed recipients (the flag the
                FAQ names).
            check_suppression: The same check, as the transactional page's example
                names it.
            dynamic_fields: Per-recipient values for the message's fields, keyed by
                e-mail (Ongage's `message_dynamic_fields_per_recipient`).
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
            **options: `campaign_id`, `sending_connection_id` and `idempotent`: see
                [`TransactionalSendOptions`][ongage_async.resources.TransactionalSendOptions].
        """
        if message_id is None or isinstance(message_id, bool) or not str(message_id).strip():
            raise InvalidArgumentError("message_id is required")
        body = {
            "message_id": message_id,
            "check_status": check_status,
            "check_global_and_list_suppression": check_global_and_list_suppression,
            "check_suppression": check_suppression,
            "message_dynamic_fields_per_recipient": dynamic_fields,
        }
        return await self._send("send", recipients, body, options, list_id, extra_body, extra_query)

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
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **options: Unpack[TransactionalSendOptions],
    ) -> SendResult:
        """Send a subject and content given inline: `POST /api/transactional/send_embed_content`.

        Not retried after an ambiguous failure unless `idempotent=True`, as for
        [`send`][ongage_async.resources.TransactionalResource.send].

        Args:
            subject: The subject line.
            recipients: The recipients' e-mail addresses.
            html: The HTML content (`html` or `text` is required).
            text: The plain-text content.
            from_name: The sender's name.
            from_address: The sender's address.
            reply_address: The reply-to address.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
            **options: As for `send`: see
                [`TransactionalSendOptions`][ongage_async.resources.TransactionalSendOptions].
        """
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
        return await self._send(
            "send_content",
            recipients,
            {"message": message},
            options,
            list_id,
            extra_body,
            extra_query,
        )

    async def _send(
        self,
        method: str,
        recipients: Sequence[str],
        body: Mapping[str, Any],
        options: Mapping[str, Any],
        list_id: Id | None,
        extra_body: Body | None,
        extra_query: Query | None,
    ) -> SendResult:
        """`POST /api/transactional/<route>` with the recipients and the send options."""
        given = self._keywords(method, options, TransactionalSendOptions)
        wire = drop_none(
            {
                **body,
                "recipients": _recipients(recipients),
                "campaign_id": given.get("campaign_id"),
                "sending_connection_id": given.get("sending_connection_id"),
            }
        )
        payload = await self._call(
            "POST",
            f"/api/transactional/{_ROUTES[method]}",
            json=wire,
            extra_body=extra_body,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
            idempotent=given.get("idempotent", False),
        )
        return SendResult.from_payload(payload)


#: Each send method's route under `/api/transactional/`.
_ROUTES = {"send": "send", "send_content": "send_embed_content"}
