"""``POST /api/reports/query``, computed from what the sandbox actually sent.

Every transactional e-mail sent is one event row (``sent``/``success`` = 1; opens and
clicks stay 0, since nobody opens sandbox mail).  Strict readings: an unknown select,
group or filter field is a 412, and selecting a dimension that is not grouped is a
412 (a real SQL-backed report would refuse it too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._http import ApiError, Reply, ok
from .._routing import Context, Route
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
DIMENSIONS = ("list_id", "mailing_id", "email_message_id", "stats_date")
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
_AGGREGATE = re.compile(r"(?i)\s*sum\(\s*`?(\w+)`?\s*\)\s*")


def _field(expression: Any) -> str:
    if not isinstance(expression, str):
        raise ApiError(412, "select items are names or [expression, alias]")
    found = _AGGREGATE.fullmatch(expression)
    name = found.group(1) if found else expression.strip().strip("`")
    if name not in METRICS and name not in DIMENSIONS:
        raise ApiError(412, f"Unknown report field {name!r}")
    return name


def _select(data: dict[str, Any]) -> list[tuple[str, str]]:
    select = data.get("select")
    if not isinstance(select, list) or not select:
        raise ApiError(412, "select is required")
    items = []
    for item in select:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], str):
            items.append((_field(item[0]), item[1]))
        else:
            items.append((_field(item), str(item)))
    return items


def _events(ctx: Context, list_ids: Any) -> list[dict[str, Any]]:
    if list_ids == "all":
        wanted = None
    elif list_ids is None:
        wanted = {ctx.list_id}
    elif isinstance(list_ids, list) and all(str(x).isdigit() for x in list_ids):
        wanted = {int(x) for x in list_ids}
    else:
        raise ApiError(412, 'list_ids must be "all" or an array of list ids')
    rows = []
    for send in ctx.store.sends:
        if wanted is None or send["list_id"] in wanted:
            day = send["time"] - send["time"] % 86400
            rows.append(
                {
                    "list_id": send["list_id"],
                    "mailing_id": send["mailing_id"],
                    "email_message_id": send["message_id"],
                    "stats_date": day,
                    **dict.fromkeys(METRICS, 0),
                    "sent": 1,
                    "success": 1,
                }
            )
    return rows


def _keep(row: dict[str, Any], filters: Any) -> bool:
    for clause in filters or []:
        if not isinstance(clause, list) or len(clause) != 3 or clause[1] not in _OPS:
            raise ApiError(412, "filter clauses are [field, operator, value]")
        field = _field(clause[0])
        try:
            if not _OPS[clause[1]](row[field], clause[2]):
                return False
        except (TypeError, ValueError):
            raise ApiError(412, f"Bad value for filter on {field}") from None
    return True


def query(ctx: Context) -> Reply:
    data = body_object(ctx.body)
    select = _select(data)
    group = [_field(g) for g in data.get("group") or []]
    for name, alias in select:
        if name in DIMENSIONS and name not in group:
            raise ApiError(412, f"{alias} is not grouped")
    buckets: dict[tuple[Any, ...], dict[str, Any]] = {}
    for event in _events(ctx, data.get("list_ids")):
        if not _keep(event, data.get("filter")):
            continue
        key = tuple(event[g] for g in group)
        bucket = buckets.setdefault(
            key, {**dict(zip(group, key, strict=True)), **dict.fromkeys(METRICS, 0)}
        )
        for metric in METRICS:
            bucket[metric] += event[metric]
    if not group and not buckets:
        buckets[()] = dict.fromkeys(METRICS, 0)
    rows = [{alias: bucket[name] for name, alias in select} for bucket in buckets.values()]
    for spec in reversed(data.get("order") or []):
        field, direction = (spec, "ASC") if isinstance(spec, str) else tuple(spec)
        if field not in {alias for _, alias in select}:
            raise ApiError(412, f"Cannot order by {field!r}: it is not selected")
        rows.sort(key=lambda r: r[field], reverse=str(direction).upper() == "DESC")
    total = len(rows)
    offset, limit = int(data.get("offset") or 0), data.get("limit")
    rows = rows[offset : offset + int(limit)] if limit else rows[offset:]
    return ok(rows, total=total)


ROUTES = [Route("POST", r"/api/reports/query", query, list_scoped=False)]
