"""``POST /api/reports/query`` (page 868057089), computed from what the sandbox sent.

Every transactional e-mail sent is one event row (``sent``/``success`` = 1; opens and
clicks stay 0, since nobody opens sandbox mail; a transactional send has no segment,
so its ``segment_id`` and ``segment_name`` are null).  The report acts on the call's
list (body ``list_id`` > query > route prefix > the account's default list, as
everywhere) unless ``list_ids`` is given: ``"all"`` or an array of list ids.

Accepted as documented: ``select`` items as names or ``[expression, alias]``, where an
expression is a field or ``SUM(metric)`` / ``COUNT(field)`` / ``COUNT(*)`` (any case,
backticks allowed: the page's ``["COUNT(clicks)", "total_clicks"]``); a plain metric
is summed.  ``COUNT`` counts the event rows of a result row whose field is not null, as
SQL does (so ``COUNT(clicks)`` is the number of rows, ``COUNT(segment_id)`` 0 for
transactional sends).  ``group`` items are field names; a date is grouped by one of
the predefined aliases ``day`` ``week`` ``month`` ``year``, written as the page does
(``"group": ["stats_date", "day"]``: the alias stands as an item of its own) or as one
item ``["stats_date", "day"]``; a plain ``stats_date`` groups by day, and the grouped
``stats_date`` is the unix time at the start of its day, ISO week (Monday) or month or
year, in UTC.  ``filter`` clauses ``[field, operator, value]`` where a ``stats_date``
value may be ``"YYYY-MM-DD"`` (a null field matches no clause, as in SQL); ``order``
items as names or ``[name, "ASC"|"DESC"]`` in any case, naming a selected alias or a
grouped field (the page orders by ``email_message_id`` while selecting
``segment_name``); ``from`` (``mailing`` default, or ``list``); ``calculate_rates``;
``time_zone``; ``value`` (the field used for payload values: it must name a selected
field; the page gives no example answer, so the rows are unchanged); ``format``
``"csv"``, which answers the rows as CSV (``text/csv``, a header of the select aliases)
instead of JSON.  As the page warns, a ``mailing`` query without a ``stats_date``
filter covers only the last month (31 days here).

A selected field that is not grouped is read as MySQL reads it, which the page's
examples rely on (``segment_name`` selected beside ``"group": ["email_message_id",
"segment_id"]``, and ``segment_id`` with no group at all): it answers the value the
rows of its result row share, and null when they differ.

Strict readings: an unknown select, group, filter or order field, or ``SUM`` of a field
that is not a metric, is a 412; and so is a query with nothing to aggregate (no group,
no metric, no aggregate expression): the report answers aggregated rows, never raw ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs

from .._http import ApiError, Reply, ok, raw
from .._routing import Context, Route
from .._store import now_ts
from ._args import body_object

METRICS = (
    "sent",
    "success",
    "failed",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "unsubscribes",
    "complaints",
    "bounces",
)
DIMENSIONS = (
    "list_id",
    "mailing_id",
    "email_message_id",
    "segment_id",
    "segment_name",
    "stats_date",
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: str(a) == str(b),
    "!=": lambda a, b: str(a) != str(b),
    ">": lambda a, b: float(a) > float(b),
    ">=": lambda a, b: float(a) >= float(b),
    "<": lambda a, b: float(a) < float(b),
    "<=": lambda a, b: float(a) <= float(b),
    "IN": lambda a, b: str(a) in {str(x) for x in b},
    "NOT IN": lambda a, b: str(a) not in {str(x) for x in b},
}
_AGGREGATE = re.compile(r"(?i)\s*(sum|count)\(\s*(\*|`?\w+`?)\s*\)\s*")


def _name(value: Any, what: str = "report field") -> str:
    """A plain field name (a select name, a group, filter or order field)."""
    name = value.strip().strip("`") if isinstance(value, str) else ""
    if name not in METRICS and name not in DIMENSIONS:
        raise ApiError(412, f"Unknown {what} {value!r}")
    return name


@attrs.frozen
class Item:
    """A ``select`` item: ``how`` is ``value``, ``sum`` or ``count`` (``field`` None: *)."""

    expression: str
    alias: str
    how: str
    field: str | None


def _item(expression: Any, alias: str) -> Item:
    if not isinstance(expression, str):
        raise ApiError(412, "select items are names or [expression, alias]")
    found = _AGGREGATE.fullmatch(expression)
    if found is None:
        name = _name(expression)
        return Item(expression, alias, "sum" if name in METRICS else "value", name)
    how, operand = found.group(1).lower(), found.group(2)
    field = None if operand == "*" else _name(operand)
    if how == "sum" and field not in METRICS:
        raise ApiError(412, f"SUM applies to a metric ({', '.join(METRICS)}), not {operand!r}")
    return Item(expression, alias, how, field)


def _select(data: dict[str, Any]) -> list[Item]:
    select = data.get("select")
    if not isinstance(select, list) or not select:
        raise ApiError(412, "select is required")
    items = []
    for entry in select:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str):
            items.append(_item(entry[0], entry[1]))
        else:
            items.append(_item(entry, str(entry)))
    return items


DATE_GROUPS = ("day", "week", "month", "year")
_LAST_MONTH = 31 * 86400
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _bucket(stamp: int, unit: str) -> int:
    """The unix time at the start of the day, ISO week, month or year holding ``stamp``."""
    day = datetime.fromtimestamp(stamp - stamp % 86400, tz=timezone.utc)
    if unit == "week":
        return int(day.timestamp()) - day.weekday() * 86400
    if unit == "month":
        day = day.replace(day=1)
    elif unit == "year":
        day = day.replace(month=1, day=1)
    return int(day.timestamp())


Group = list[tuple[str, str | None]]


def _groups(value: Any) -> Group:
    """The ``group`` fields in order, each with its date unit (``stats_date`` only)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(412, "group is an array of field names")
    names: list[str] = []
    units: list[str] = []
    for item in value:
        if isinstance(item, list):
            if len(item) != 2 or item[0] != "stats_date" or item[1] not in DATE_GROUPS:
                raise ApiError(
                    412,
                    f'A date group is ["stats_date", unit], unit one of: {", ".join(DATE_GROUPS)}',
                )
            units.append(item[1])
            name = "stats_date"
        elif isinstance(item, str) and item in DATE_GROUPS:
            units.append(item)
            name = "stats_date"
        else:
            name = _name(item, "group field")
        if name not in names:
            names.append(name)
    if len(set(units)) > 1:
        raise ApiError(412, f"A query groups dates by one unit, not {', '.join(units)}")
    unit = units[0] if units else "day"
    return [(name, unit if name == "stats_date" else None) for name in names]


def _list_ids(ctx: Context, list_ids: Any) -> set[int] | None:
    """The lists reported on (None: every list of the account)."""
    if list_ids == "all":
        return None
    if list_ids is None:
        return {ctx.list_id}
    if isinstance(list_ids, list) and list_ids and all(str(x).isdigit() for x in list_ids):
        return {int(x) for x in list_ids}
    raise ApiError(412, 'list_ids must be "all" or an array of list ids')


def _events(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = _list_ids(ctx, data.get("list_ids"))
    dated = any(isinstance(c, list) and c and c[0] == "stats_date" for c in _clauses(data))
    since = 0 if dated or data.get("from", "mailing") == "list" else now_ts() - _LAST_MONTH
    rows = []
    for send in ctx.store.sends:
        if (wanted is None or send["list_id"] in wanted) and send["time"] >= since:
            rows.append(
                {
                    "list_id": send["list_id"],
                    "mailing_id": send["mailing_id"],
                    "email_message_id": send["message_id"],
                    "segment_id": None,
                    "segment_name": None,
                    "stats_date": send["time"],
                    **dict.fromkeys(METRICS, 0),
                    "sent": 1,
                    "success": 1,
                }
            )
    return rows


def _clauses(data: dict[str, Any]) -> list[Any]:
    filters = data.get("filter") or []
    if not isinstance(filters, list):
        raise ApiError(412, "filter is an array of [field, operator, value]")
    return filters


def _date_value(value: Any) -> Any:
    """A stats_date operand: ``"YYYY-MM-DD"`` (UTC midnight) or unix seconds."""
    if isinstance(value, list):
        return [_date_value(v) for v in value]
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, str):
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            raise ApiError(
                412, f"Bad date {value!r} in filter on stats_date: use YYYY-MM-DD"
            ) from None
        return int(day.timestamp())
    return value


Clause = tuple[str, Callable[[Any, Any], bool], Any]


def _filters(data: dict[str, Any]) -> list[Clause]:
    """The filter clauses, checked before any row is read: (field, test, operand)."""
    parsed = []
    for clause in _clauses(data):
        if not isinstance(clause, list) or len(clause) != 3 or str(clause[1]) not in _OPS:
            raise ApiError(
                412,
                f"filter clauses are [field, operator, value]; operators: {', '.join(_OPS)}",
            )
        field = _name(clause[0], "filter field")
        operand = _date_value(clause[2]) if field == "stats_date" else clause[2]
        parsed.append((field, _OPS[str(clause[1])], operand))
    return parsed


def _keep(row: dict[str, Any], filters: list[Clause]) -> bool:
    for field, test, operand in filters:
        value = _day(row, field)
        if value is None:
            return False  # as in SQL: a comparison with null is never true
        try:
            if not test(value, operand):
                return False
        except (TypeError, ValueError):
            raise ApiError(412, f"Bad value for filter on {field}") from None
    return True


def _day(row: dict[str, Any], field: str) -> Any:
    """A row's field; ``stats_date`` as the start of its day."""
    value = row[field]
    return value - value % 86400 if field == "stats_date" and value is not None else value


def _options(data: dict[str, Any], select: list[Item]) -> str | None:
    """Checks ``from``, ``value`` and ``format``; the format asked for, if any."""
    if data.get("from", "mailing") not in ("mailing", "list"):
        raise ApiError(412, "from must be mailing or list")
    value = data.get("value")
    if value is not None and str(value) not in {n for i in select for n in (i.expression, i.alias)}:
        raise ApiError(412, f"value {value!r} must name a selected field")
    answer_format = data.get("format")
    if answer_format is not None and str(answer_format).lower() != "csv":
        raise ApiError(412, "format must be csv (or absent for JSON)")
    return None if answer_format is None else "csv"


Row = tuple[dict[str, Any], dict[str, Any]]  # (the answered row, its group values)


def _order(order: Any, known: set[str]) -> list[tuple[str, bool]]:
    """The ``order`` items as (field, descending), checked before any row is read."""
    if order is not None and not isinstance(order, list):
        raise ApiError(412, "order is an array of names or [name, direction]")
    specs = []
    for spec in order or []:
        field, direction = (spec, "ASC") if isinstance(spec, str) else (spec, None)
        if isinstance(spec, list) and len(spec) == 2:
            field, direction = spec
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise ApiError(
                412, "order items are a name or [name, direction], direction ASC or DESC"
            )
        if field not in known:
            raise ApiError(412, f"Cannot order by {field!r}: it is neither selected nor grouped")
        specs.append((str(field), direction.upper() == "DESC"))
    return specs


def _sortable(row: Row, field: str) -> tuple[bool, Any]:
    """Nulls first in ascending order, as MySQL sorts them."""
    answered, grouped = row
    value = answered[field] if field in answered else grouped[field]
    return value is not None, value


def _csv(rows: list[dict[str, Any]], select: list[Item]) -> Reply:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[item.alias for item in select])
    writer.writeheader()
    writer.writerows(rows)
    return raw(out.getvalue().encode(), "text/csv")


def _value(item: Item, events: list[dict[str, Any]], grouped: dict[str, Any]) -> Any:
    """One selected value of a result row made of ``events``."""
    if item.how == "sum":
        return sum(event[str(item.field)] for event in events)
    if item.how == "count":
        return sum(item.field is None or event[item.field] is not None for event in events)
    field = str(item.field)
    if field in grouped:
        return grouped[field]
    shared = {_day(event, field) for event in events}
    return shared.pop() if len(shared) == 1 else None


def query(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    select = _select(data)
    answer_format = _options(data, select)
    group = _groups(data.get("group"))
    if not group and all(item.how == "value" for item in select):
        raise ApiError(
            412,
            f"{select[0].alias} is not grouped, and nothing is aggregated: "
            "group it or select a metric",
        )
    filters = _filters(data)
    names = [name for name, _ in group]
    order = _order(data.get("order"), {item.alias for item in select} | set(names))
    buckets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for event in _events(ctx, data):
        if _keep(event, filters):
            key = tuple(_bucket(event[f], unit) if unit else event[f] for f, unit in group)
            buckets.setdefault(key, []).append(event)
    if not group and not buckets:
        buckets[()] = []
    rows: list[Row] = []
    for key, events in buckets.items():
        grouped = dict(zip(names, key, strict=True))
        rows.append(({item.alias: _value(item, events, grouped) for item in select}, grouped))
    for field, descending in reversed(order):
        rows.sort(key=lambda row: _sortable(row, field), reverse=descending)
    total = len(rows)
    try:
        offset, limit = int(data.get("offset") or 0), int(data.get("limit") or 0)
    except (TypeError, ValueError):
        raise ApiError(412, "offset and limit must be integers") from None
    answered = [row for row, _ in rows]
    answered = answered[offset : offset + limit] if limit else answered[offset:]
    return _csv(answered, select) if answer_format == "csv" else ok(answered, total=total)


ROUTES = [Route("POST", r"/api/reports/query", query)]
