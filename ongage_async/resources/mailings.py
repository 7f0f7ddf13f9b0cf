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
from typing import Any

from .._exceptions import InvalidArgumentError
from ..models import Mailing
from ._base import CollectionResource, chosen_list

__all__ = ["MailingsResource", "schedule_timestamp"]

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


class MailingsResource(CollectionResource[Mailing]):
    """`client.mailings`: mailings (campaigns), and the `abort`, `cancel` and `unschedule`
    actions (page 939458561).

    Ongage **launches a mailing at once** when it is created without a
    `schedule_date`: `create` refuses to do that unless told `send_now=True`.
    A mailing's `status` is a [`MailingStatus`][ongage_async.MailingStatus].
    """

    _path = "/api/mailings"
    _model = Mailing.from_payload

    async def create(
        self,
        *,
        name: str,
        schedule_date: dt.datetime | int | None = None,
        send_now: bool = False,
        description: str | None = None,
        email_message: Sequence[int | str | Mapping[str, Any]] | None = None,
        segments: Sequence[int | str | Mapping[str, Any]] | None = None,
        distribution: Sequence[Mapping[str, Any]] | None = None,
        is_test: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Mailing:
        """Create a mailing: `POST /api/mailings`; scheduled, or launched with `send_now=True`.

        Without `schedule_date` Ongage starts sending at once; this method refuses that
        (`InvalidArgumentError`, nothing sent) unless `send_now=True` is passed. Not
        retried after an ambiguous failure: a second call would create (and maybe send)
        a second mailing. Each optional field is sent only when given.

        Args:
            name: The mailing's name.
            schedule_date: When to send: a `datetime` (a naive one is local time) or a
                Unix time in seconds. A time in the past is sent as given, with a
                warning: Ongage may start it at once.
            send_now: Launch the mailing now, with no `schedule_date`.
            description: Its description.
            email_message: The e-mail message ids it sends (`[27]`).
            segments: The segment ids it sends to (`[1429]`).
            distribution: How it spreads over the ESP connections, e.g.
                `[{"esp_connection_id": 12345, "percent": 100}]` (a `domain` key for
                per-domain distribution).
            is_test: Mark it as a test campaign.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id`, `list_id` or `schedule_date`, which has
                its own argument).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        if not isinstance(send_now, bool):
            raise InvalidArgumentError("send_now must be True or False")
        _no_schedule_in(extra_body)
        if send_now and schedule_date is not None:
            raise InvalidArgumentError("pass schedule_date= or send_now=True, not both")
        if not send_now and schedule_date is None:
            raise InvalidArgumentError(
                "Ongage launches a mailing created without schedule_date at once: pass "
                "schedule_date= to schedule it, or send_now=True to send it now"
            )
        values = {
            "name": name,
            "description": description,
            "email_message": email_message,
            "segments": segments,
            "distribution": distribution,
            "is_test": is_test,
            "schedule_date": None if schedule_date is None else schedule_timestamp(schedule_date),
        }
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        mailing_id: int | str,
        *,
        name: str | None = None,
        schedule_date: dt.datetime | int | None = None,
        description: str | None = None,
        email_message: Sequence[int | str | Mapping[str, Any]] | None = None,
        segments: Sequence[int | str | Mapping[str, Any]] | None = None,
        distribution: Sequence[Mapping[str, Any]] | None = None,
        is_test: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Mailing:
        """Change a mailing: `PUT /api/mailings/<id>`; with `schedule_date`, Ongage
        schedules it.

        Only the fields given are sent.

        Args:
            mailing_id: The mailing's id.
            name: Its new name.
            schedule_date: When to send it: a `datetime` or a Unix time in seconds (a
                time in the past is sent as given, with a warning).
            description: Its new description.
            email_message: Its e-mail message ids.
            segments: Its segment ids.
            distribution: Its ESP distribution (as for `create`).
            is_test: Mark it as a test campaign, or not.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id`,
                `list_id` or `schedule_date`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        _no_schedule_in(extra_body)
        values = {
            "name": name,
            "description": description,
            "email_message": email_message,
            "segments": segments,
            "distribution": distribution,
            "is_test": is_test,
            "schedule_date": None if schedule_date is None else schedule_timestamp(schedule_date),
        }
        return await self._update(
            mailing_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def _act(
        self,
        mailing_id: int | str,
        verb: str,
        list_id: int | str | None,
        extra_query: Mapping[str, Any] | None,
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
        self,
        mailing_id: int | str,
        *,
        list_id: int | str | None = None,
        extra_query: Mapping[str, Any] | None = None,
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
        self,
        mailing_id: int | str,
        *,
        list_id: int | str | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Mailing:
        """Cancel (delete) a mailing: `PUT /api/mailings/<id>/cancel` (status 60006).

        Args:
            mailing_id: The mailing's id.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._act(mailing_id, "cancel", list_id, extra_query)

    async def unschedule(
        self,
        mailing_id: int | str,
        *,
        list_id: int | str | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Mailing:
        """A scheduled mailing back to new: `PUT /api/mailings/<id>/unschedule` (60001).

        Args:
            mailing_id: The mailing's id.
            list_id: The list (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._act(mailing_id, "unschedule", list_id, extra_query)


def _no_schedule_in(extra_body: Mapping[str, Any] | None) -> None:
    """`schedule_date` decides whether Ongage sends at once: only its own argument sets it."""
    if isinstance(extra_body, Mapping) and "schedule_date" in extra_body:
        raise InvalidArgumentError("pass schedule_date= as its own argument, not in extra_body")
