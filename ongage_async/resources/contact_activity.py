"""`client.contact_activity`: the contact activity report, a search over a date range.

Same shape as `client.contact_search` (a job with results or a CSV), plus `from_date`
and `to_date`; typically used to sync Ongage activity into a CRM or warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from ._base import Unpack
from ._jobs import SearchJob
from .contact_search import ContactSearchResource, Criterion, SearchOptions

__all__ = ["ContactActivityResource"]


def _stamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class ContactActivityResource(ContactSearchResource):
    """`client.contact_activity`: contact activity reports, searches over a date range.

    The methods are those of `client.contact_search` on `/api/contact_activity`
    (page 1027997911). `create` also takes `from_date` and `to_date` (a `datetime` is
    sent as a Unix time, a `date` as `YYYY-MM-DD`; anything else as given) and the
    job's [`download_detailed`][ongage_async.resources.SearchJob.download_detailed] gives the
    combined detailed report. Typically used to sync Ongage activity into a CRM or a
    data warehouse.
    """

    _path = "/api/contact_activity"

    async def create(
        self,
        criteria: Sequence[Criterion | Mapping[str, Any]],
        *,
        title: str,
        from_date: dt.date | int | str | None = None,
        to_date: dt.date | int | str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **options: Unpack[SearchOptions],
    ) -> SearchJob:
        """Start a contact activity report: `POST /api/contact_activity`; returns its job.

        Not retried after an ambiguous failure: Ongage saves each report it starts, so
        a repeat would leave two.

        Args:
            criteria: The conditions, each a [`Criterion`][ongage_async.resources.Criterion] or a
                mapping with the same keys.
            title: The report's title (required by Ongage).
            from_date: The first day: a `datetime` (sent as a Unix time), a `date`
                (sent as `YYYY-MM-DD`), or a value sent as given.
            to_date: The last day, as `from_date`; not before it.
            list_id: The list (default: the client's list); the job's polls go to the
                same list.
            extra_body: Body fields the SDK does not model, merged over the top level of
                the body it builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
            **options: As for `client.contact_search`: see
                [`SearchOptions`][ongage_async.resources.SearchOptions].
        """
        if (
            from_date is not None
            and to_date is not None
            and type(from_date) is type(to_date)
            and from_date > to_date  # type: ignore[operator]  # same type: comparable
        ):
            raise InvalidArgumentError("from_date must not be after to_date")
        return await self._start(
            "create",
            criteria,
            {"from_date": _stamp(from_date), "to_date": _stamp(to_date)},
            title=title,
            options=options,
            list_id=list_id,
            extra_body=extra_body,
            extra_query=extra_query,
        )
