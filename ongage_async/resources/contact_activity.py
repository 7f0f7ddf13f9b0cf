"""`client.contact_activity`: the contact activity report, a search over a date range.

Same shape as `client.contact_search` (a job with results or a CSV), plus `from_date`
and `to_date`; typically used to sync Ongage activity into a CRM or warehouse.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .._exceptions import InvalidArgumentError
from .contact_search import ContactSearchResource

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
    job's [`download_detailed`][ongage_async.SearchJob.download_detailed] gives the
    combined detailed report. Typically used to sync Ongage activity into a CRM or a
    data warehouse.
    """

    _path = "/api/contact_activity"

    def _filters(self, **extra: Any) -> dict[str, Any]:
        start, end = extra.get("from_date"), extra.get("to_date")
        if start is not None and end is not None and type(start) is type(end) and start > end:
            raise InvalidArgumentError("from_date must not be after to_date")
        return super()._filters(**{k: _stamp(v) for k, v in extra.items()})
