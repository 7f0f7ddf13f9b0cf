"""`client.mailings`: `/api/mailings` and the `PUT` actions `abort`, `cancel` and
`unschedule` (page 939458561).

Ongage **launches a mailing at once** when `POST /api/mailings` carries no
`schedule_date`.  So `MailingsResource.create` never sends one without it by
accident: either a `schedule_date`, or `send_now=True` in so many words; anything
else raises before a byte is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from ..models import Mailing
from ._base import CollectionResource, Unpack, chosen_list

__all__ = ["MailingFields", "MailingsResource", "schedule_timestamp"]

logger: logging.Logger = logging.getLogger("ongage_async")
_FAR = 253402300800  # 9999-12-31: past that, no datetime (or Ongage) can place it


def schedule_timestamp(value: object, *, now: Callable[[], float] = time.time) -> int:
    """`schedule_date` as the Unix time Ongage wants (an aware datetime or seconds).

    A time in the past is sent as given, with a warning: Ongage may start it at once.
    """
    seconds: float
    if isinstance(value, dt.datetime):
        seconds = value.timestamp()  # a naive datetime is local time, as Python reads it
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value if value < _FAR else math.inf  # no float overflow on huge ints
    elif isinstance(value, float):
        seconds = value
    else:
        raise InvalidArgumentError(
            f"schedule_date must be a datetime or a Unix time, not {value!r:.40}"
        )
    if not math.isfinite(seconds) or not 1 <= seconds < _FAR:
        raise InvalidArgumentError("schedule_date must be a positive Unix time before 9999")
    if seconds <= now():
        # Sent as given (the caller named a time), but said out loud: Ongage may start
        # a mailing whose time has passed at once.
        logger.warning("schedule_date %d is in the past: Ongage may send at once", seconds)
    return int(seconds)


class MailingFields(TypedDict, total=False):
    """A mailing's fields besides its `name`: the keywords of
    [`mailings.create`][ongage_async.resources.MailingsResource.create] and
    [`update`][ongage_async.resources.MailingsResource.update], each sent only when
    given.

    Attributes:
        schedule_date: When to send: a `datetime` (a naive one is local time) or a
            Unix time in seconds. A time in the past is sent as given, with a
            warning: Ongage may start it at once.
        description: Its description.
        email_message: The e-mail message ids it sends (`[27]`).
        segments: The segment ids it sends to (`[1429]`).
        distribution: How it spreads over the ESP connections, e.g.
            `[{"esp_connection_id": 12345, "percent": 100}]` (a `domain` key for
            per-domain distribution).
        is_test: Mark it as a test campaign (or not).
    """

    schedule_date: dt.datetime | int | None
    description: str | None
    email_message: Sequence[int | str | Mapping[str, Any]] | None
    segments: Sequence[int | str | Mapping[str, Any]] | None
    distribution: Sequence[Mapping[str, Any]] | None
    is_test: bool | None


class MailingsResource(CollectionResource[Mailing]):
    """`client.mailings`: mailings (campaigns), and the `abort`, `cancel` and `unschedule`
    actions (page 939458561).

    Ongage **launches a mailing at once** when it is created without a
    `schedule_date`: `create` refuses to do that unless told `send_now=True`.
    A mailing's `status` is a [`MailingStatus`][ongage_async.models.MailingStatus].
    """

    _path = "/api/mailings"
    _model = Mailing.from_payload

    async def create(
        self,
        *,
        name: str,
        send_now: bool = False,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[MailingFields],
    ) -> Mailing:
        """Create a mailing: `POST /api/mailings`; scheduled, or launched with `send_now=True`.

        Without `schedule_date` Ongage starts sending at once; this method refuses that
        (`InvalidArgumentError`, nothing sent) unless `send_now=True` is passed. Not
        retried after an ambiguous failure: a second call would create (and maybe send)
        a second mailing.

        Args:
            name: The mailing's name.
            send_now: Launch the mailing now, with no `schedule_date`.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id`, `list_id` or `schedule_date`, which has
                its own keyword).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: Its schedule and other fields (`schedule_date`, `description`,
                `email_message`, `segments`, `distribution`, `is_test`): see
                [`MailingFields`][ongage_async.resources.MailingFields].
        """
        values = self._mailing("create", name, fields, extra_body)
        if not isinstance(send_now, bool):
            raise InvalidArgumentError("send_now must be True or False")
        if send_now and values["schedule_date"] is not None:
            raise InvalidArgumentError("pass schedule_date= or send_now=True, not both")
        if not send_now and values["schedule_date"] is None:
            raise InvalidArgumentError(
                "Ongage launches a mailing created without schedule_date at once: pass "
                "schedule_date= to schedule it, or send_now=True to send it now"
            )
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        mailing_id: Id,
        *,
        name: str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[MailingFields],
    ) -> Mailing:
        """Change a mailing: `PUT /api/mailings/<id>`; with `schedule_date`, Ongage
        schedules it.

        Only the fields given are sent.

        Args:
            mailing_id: The mailing's id.
            name: Its new name.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id`,
                `list_id` or `schedule_date`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: The fields to change, as for `create`.
        """
        values = self._mailing("update", name, fields, extra_body)
        return await self._update(
            mailing_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    def _mailing(
        self, method: str, name: str | None, fields: Mapping[str, Any], extra_body: Body | None
    ) -> dict[str, Any]:
        """The body's fields, checked: `schedule_date` as a Unix time, and set only by its
        own keyword (it decides whether Ongage sends at once)."""
        values: dict[str, Any] = {"name": name, **self._keywords(method, fields, MailingFields)}
        if isinstance(extra_body, Mapping) and "schedule_date" in extra_body:
            raise InvalidArgumentError("pass schedule_date= as its own argument, not in extra_body")
        date = values.get("schedule_date")
        values["schedule_date"] = None if date is None else schedule_timestamp(date)
        return values

    async def _act(
        self, mailing_id: Id, verb: str, list_id: Id | None, extra_query: Query | None
    ) -> Mailing:
        # Documented as PUT.  abort toggles, so a repeat could undo it: never retried
        # blindly; cancel and unschedule end in the same state if repeated.
        payload = await self._call(
            "PUT",
            f"{self._item(mailing_id)}/{verb}",
            extra_query=extra_query,
            list_id=chosen_list(list_id),
            idempotent=verb != "abort",
        )
        return Mailing.from_payload(payload)

    async def abort(
        self, mailing_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Mailing:
        """Abort, or resume, a mailing: `PUT /api/mailings/<id>/abort`.

        Toggles it between On Hold (60009), Stopped (60010) and In Progress (60003), as
        Ongage documents. Never retried blindly: a repeat could undo it.

        Args:
            mailing_id: The mailing's id.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._act(mailing_id, "abort", list_id, extra_query)

    async def cancel(
        self, mailing_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Mailing:
        """Cancel (delete) a mailing: `PUT /api/mailings/<id>/cancel` (status 60006).

        Args:
            mailing_id: The mailing's id.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._act(mailing_id, "cancel", list_id, extra_query)

    async def unschedule(
        self, mailing_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> Mailing:
        """A scheduled mailing back to new: `PUT /api/mailings/<id>/unschedule` (60001).

        Args:
            mailing_id: The mailing's id.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._act(mailing_id, "unschedule", list_id, extra_query)
