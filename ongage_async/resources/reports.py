"""`client.reports`: `POST /api/reports/query` (page 868057089) with typed arguments,
and `daily`.

Rows come back as mappings keyed by the select names or aliases.  A report changes
nothing on the server, so it is sent as idempotent (retried after a 5xx).

Which lists a report covers: `list_ids` when given (`"all"` or ids); otherwise the
list of the call (`list_id=`), else the client's list, sent in the route as for any
list-scoped call, else the account's default list.  Ongage reports on that one list
when `list_ids` is absent, so the client's list must travel with the query.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import items_of, one_of, page_bounds
from ..models.reports import Report
from ._base import APIResource, chosen_list, drop_none, list_id_of

__all__ = ["Report", "ReportsResource"]

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "LIKE")
SOURCES = ("mailing", "list")
DIRECTIONS = ("ASC", "DESC")
#: Filters on these fields take dates: a `date` or a `"YYYY-MM-DD"` string.
DATE_FIELDS = ("stats_date",)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

SelectItem = str | tuple[str, str]
FilterClause = tuple[str, str, Any]
OrderItem = str | tuple[str, str]


def _select(select: Sequence[SelectItem]) -> list[Any]:
    wire: list[Any] = []
    for item in items_of(select, name="select"):
        if isinstance(item, str) and item.strip():
            wire.append(item)
        elif (
            isinstance(item, (tuple, list))
            and len(item) == 2
            and all(isinstance(part, str) and part for part in item)
        ):
            wire.append([item[0], item[1]])
        else:
            raise InvalidArgumentError(
                f"a select item is a name or (expression, alias): {item!r:.60}"
            )
    return wire


def _filters(clauses: Sequence[FilterClause] | None) -> list[list[Any]] | None:
    if clauses is None:
        return None
    wire = []
    for clause in items_of(clauses, name="filter", allow_empty=True):
        if not isinstance(clause, (tuple, list)) or len(clause) != 3:
            raise InvalidArgumentError(f"a filter is (field, operator, value): {clause!r:.60}")
        field, operator, value = clause
        one_of(operator, OPERATORS, name="filter operator")
        if field in DATE_FIELDS:
            value = [_day(v) for v in value] if isinstance(value, (list, tuple)) else _day(value)
        wire.append([field, operator, value])
    return wire


def _day(value: object) -> str:
    """A date filter value as Ongage documents it: `"YYYY-MM-DD"`."""
    if isinstance(value, dt.date):  # a datetime too: its calendar date
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise InvalidArgumentError(f"a date filter takes a date or 'YYYY-MM-DD', not {value!r:.40}")


def _group(group: Sequence[str | Sequence[str]] | None) -> list[Any] | None:
    """Field names, and date grouping as documented: `["stats_date", "day"]`."""
    if group is None:
        return None
    wire: list[Any] = []
    for item in items_of(group, name="group"):
        if isinstance(item, str) and item:
            wire.append(item)
        elif isinstance(item, (list, tuple)) and item and all(isinstance(p, str) for p in item):
            wire.append(list(item))
        else:
            raise InvalidArgumentError(f"a group item is a field name: {item!r:.60}")
    return wire


def _order(order: Sequence[OrderItem] | None) -> list[Any] | None:
    if order is None:
        return None
    wire: list[Any] = []
    for item in items_of(order, name="order", allow_empty=True):
        if isinstance(item, str) and item:
            wire.append(item)  # a bare name, as the page's example sends it
            continue
        if isinstance(item, (tuple, list)) and len(item) == 2:
            field, direction = item
        else:
            raise InvalidArgumentError(
                f"an order item is a name or (name, direction): {item!r:.60}"
            )
        if not isinstance(field, str) or not field:
            raise InvalidArgumentError(f"an order field must be a name, not {field!r:.60}")
        # Any case is accepted ("asc", as a public client sends it); sent as documented.
        upper = direction.upper() if isinstance(direction, str) else direction
        wire.append([field, one_of(upper, DIRECTIONS, name="order direction") or "ASC"])
    return wire


def _list_ids(list_ids: Literal["all"] | Sequence[int | str] | None) -> Any:
    if list_ids is None or list_ids == "all":
        return list_ids
    return [int(list_id_of(lid) or 0) for lid in items_of(list_ids, name="list_ids")]


class ReportsResource(APIResource):
    """`client.reports`: aggregated statistics, as the Ongage UI computes them.

    A report changes nothing on the server, so it is sent as idempotent (retried after
    a 5xx). Without `list_ids` it covers one list: the call's `list_id`, else the
    client's, else the account's default list.
    """

    async def query(
        self,
        select: Sequence[SelectItem],
        *,
        list_ids: Literal["all"] | Sequence[int | str] | None = None,
        source: Literal["mailing", "list"] | None = None,
        group: Sequence[str | Sequence[str]] | None = None,
        filter: Sequence[FilterClause] | None = None,
        order: Sequence[OrderItem] | None = None,
        offset: int | None = None,
        limit: int | None = None,
        calculate_rates: bool | None = None,
        time_zone: str | None = None,
        value: str | None = None,
        format: str | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
    ) -> Report:
        """Run a report: `POST /api/reports/query`.

        `await client.reports.query(["list_id", "sent"], list_ids="all",
        group=["list_id"])`. Without `list_ids` the report covers `list_id` (else the
        client's list); the two together are refused.

        Args:
            select: The columns: names, or `(expression, alias)` pairs.
            list_ids: `"all"` (every list the API user may see) or list ids.
            source: `"mailing"` (Ongage's default) or `"list"` (Ongage's `from`).
            group: Field names to group by; dates group with Ongage's aliases, such as
                `["stats_date", "day"]` (`day`, `week`, `month`, `year`).
            filter: `(field, operator, value)` clauses; operators `=`, `!=`, `>`, `>=`,
                `<`, `<=`, `IN`, `NOT IN`, `LIKE`. Date filters (`stats_date`) take
                `date` objects or `"YYYY-MM-DD"` strings. Without a `stats_date` filter
                Ongage returns about the last month only.
            order: Names, or `(name, direction)` pairs; `"ASC"` or `"DESC"` in any case.
            offset: How many rows to skip.
            limit: How many rows to return at most.
            calculate_rates: Ongage's `calculate_rates` flag.
            time_zone: Ongage's `time_zone`, sent as given.
            value: Ongage's `value`, sent as given.
            format: Ongage's `format` (such as `"csv"`), sent as given.
            list_id: The one list to report on when `list_ids` is not given.
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        offset, limit = page_bounds(offset, limit)
        if list_ids is not None and list_id is not None:
            raise InvalidArgumentError("pass list_ids= or list_id=, not both")
        body = drop_none(
            {
                "select": _select(select),
                "list_ids": _list_ids(list_ids),
                "from": one_of(source, SOURCES, name="source"),
                "group": _group(group),
                "filter": _filters(filter),
                "order": _order(order),
                "offset": offset,
                "limit": limit,
                "calculate_rates": calculate_rates,
                "time_zone": time_zone,
                "value": value,
                "format": format,
            }
        )
        response = await self._call(
            "POST",
            "/api/reports/query",
            json=body,
            extra_body=extra_body,
            extra_query=extra_query,
            list_id=chosen_list(list_id),
            list_scoped=list_ids is None,
            idempotent=True,
            raw=True,
        )
        rows = response.payload if isinstance(response.payload, list) else []
        return Report(tuple(dict(r) for r in rows if isinstance(r, Mapping)), response.total)

    async def daily(
        self,
        metrics: Sequence[str] = ("sent", "opens", "clicks"),
        *,
        list_id: Id | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
    ) -> Report:
        """One row a day (`stats_date`) with `metrics`, oldest first: a dashboard in a call.

        A `POST /api/reports/query` grouped by `stats_date`, for one list (the call's,
        else the client's) or, when neither is set, every list.

        Args:
            metrics: The columns of each day.
            list_id: The list (default: the client's list, else every list).
            since: The first day. Give it: without a `stats_date` filter Ongage covers
                about a month.
            until: The last day.
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        if since is not None and until is not None and since > until:
            raise InvalidArgumentError("since must not be after until")
        lid = list_id_of(list_id) or self._client.list_id
        clauses: list[FilterClause] = []
        if since is not None:
            clauses.append(("stats_date", ">=", since))
        if until is not None:
            clauses.append(("stats_date", "<=", until))
        return await self.query(
            ["stats_date", *metrics],
            list_ids=None if lid else "all",
            list_id=lid,
            group=["stats_date"],
            filter=clauses or None,
            order=[("stats_date", "ASC")],
            extra_body=extra_body,
            extra_query=extra_query,
        )
