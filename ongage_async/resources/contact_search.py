"""`client.contact_search`: asynchronous searches of a list (page 1029308417).

`job = await client.contact_search.create([Criterion("state", "=", "NY")], title="NY")`
then `await job.wait()` and `await job.download(path)` (the documented CSV export).
`job.results()` reads `/result` as JSON, which Ongage's current page no longer lists.

Operators are the documented ones (`OPERATORS`); a criterion names its field by
`field_name` or by `field_id`; behavioural criteria take an object operand such as
`{"mailing_ids": [...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import attrs

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import items_of, object_id, one_of, require_text
from ..models import SearchStatus
from ._base import CollectionResource, Unpack, chosen_list, created_id, drop_none
from ._jobs import SearchJob

__all__ = [
    "OPERATORS",
    "ContactSearchResource",
    "Criterion",
    "SearchOptions",
    "criterion_wire",
]

CONDITIONS = ("and", "or")
#: The operators of Ongage's contact search: `><` is "in range" (two operands),
#: `LIKE` contains, `LIKE_` begins with, `_LIKE` ends with.
OPERATORS = (
    *("=", "<", ">", "<=", ">=", "!=", "><"),
    *("empty", "notempty", "LIKE", "NOT LIKE", "LIKE_", "_LIKE"),
)


@attrs.frozen
class Criterion:
    """One search condition (an item of Ongage's `criteria`), for `client.contact_search`.

    `Criterion("state", "=", "NY")`. Name the field by `field_name` or by `field_id`
    (one of them). `operand` is a list of values, one value, or an object for
    behavioural criteria
    (`Criterion(type="behavior", operator="=", operand={"mailing_ids": [1]}, ...)`).
    A plain mapping with the same keys works too.

    Attributes:
        field_name: The list field to test, by name.
        operator: One of Ongage's operators: `=`, `<`, `>`, `<=`, `>=`, `!=`, `><` (in
            range: two operands), `empty`, `notempty`, `LIKE` (contains), `NOT LIKE`,
            `LIKE_` (begins with), `_LIKE` (ends with).
        operand: The value or values to compare with, or an object for behavioural
            criteria.
        type: The criterion's type (`"string"` by default; `"behavior"` for
            behavioural criteria).
        case_sensitive: Compare case-sensitively.
        condition: `"and"` or `"or"`: how it joins the criteria before it.
        field_id: The list field to test, by id (instead of `field_name`).
    """

    field_name: str | None = None
    operator: str = "="
    operand: Sequence[Any] | Mapping[str, Any] | str | int | float = ()
    type: str = "string"
    case_sensitive: bool = False
    condition: str = "and"
    field_id: Id | None = None

    def to_wire(self) -> dict[str, Any]:
        """The criterion as Ongage's body carries it, checked."""
        return criterion_wire(attrs.asdict(self, recurse=False))


def criterion_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """One criterion as sent, checked: a field by name or id, a documented operator."""
    wire = {k: v for k, v in item.items() if v is not None}
    name, field_id = wire.get("field_name"), wire.get("field_id")
    if (name is None) == (field_id is None):
        raise InvalidArgumentError("a criterion names its field by field_name or field_id")
    if name is not None and (not isinstance(name, str) or not name):
        raise InvalidArgumentError(f"field_name must be a non-empty string, not {name!r:.40}")
    if field_id is not None:
        wire["field_id"] = int(object_id(field_id, name="field_id"))
    one_of(wire.get("operator"), OPERATORS, name="operator")
    if "condition" in wire:
        one_of(wire["condition"], CONDITIONS, name="condition")
    operand = wire.get("operand", ())
    if not isinstance(operand, Mapping):  # an object operand goes as it is
        values = list(operand) if isinstance(operand, (list, tuple)) else [operand]
        if wire["operator"] == "><" and len(values) != 2:
            raise InvalidArgumentError("operator >< (in range) takes two operands: low, high")
        wire["operand"] = values
    else:
        wire["operand"] = dict(operand)
    return wire


def _criteria(criteria: Sequence[Criterion | Mapping[str, Any]]) -> list[dict[str, Any]]:
    wire = []
    for item in items_of(criteria, name="criteria"):
        if isinstance(item, Criterion):
            wire.append(item.to_wire())
        elif isinstance(item, Mapping):
            wire.append(criterion_wire(item))
        else:
            raise InvalidArgumentError(f"not a criterion: {item!r:.60}")
    return wire


class SearchOptions(TypedDict, total=False):
    """A search's options: keywords of
    [`contact_search.create`][ongage_async.resources.ContactSearchResource.create] and
    [`contact_activity.create`][ongage_async.resources.ContactActivityResource.create],
    each sent only when given.

    Attributes:
        selected_fields: The list fields the results carry (default `("email",)`).
        user_type: Ongage's `user_type` filter (such as `"active"`), sent inside
            `filters`.
        include_behavior: Add behaviour (activity) to the results; sent at the top of
            the body, as Ongage documents.
        combined_as_and: Ongage's `combined_as_and`, at the top of the body.
    """

    selected_fields: Sequence[str]
    user_type: str | None
    include_behavior: bool | None
    combined_as_and: bool | None


class ContactSearchResource(CollectionResource[SearchStatus]):
    """`client.contact_search`: start, follow, list and delete contact searches.

    A search runs asynchronously: `create` returns a
    [`SearchJob`][ongage_async.resources.SearchJob]; `await job.wait()` polls it until it
    is done, then `await job.download(path)` streams its CSV (the documented export).
    """

    _path = "/api/contact_search"
    _model = SearchStatus.from_payload

    async def _start(
        self,
        method: str,
        criteria: Sequence[Criterion | Mapping[str, Any]],
        filters: Mapping[str, Any],
        *,
        title: str,
        options: Mapping[str, Any],
        list_id: Id | None,
        extra_body: Body | None,
        extra_query: Query | None,
    ) -> SearchJob:
        """`POST <path>` with the criteria, `filters` and the `SearchOptions` (checked)."""
        given = self._keywords(method, options, SearchOptions)
        selected = given.get("selected_fields", ("email",))
        body = {
            "title": require_text(title, name="title"),
            "selected_fields": list(items_of(selected, name="selected_fields")),
            "filters": {
                "criteria": _criteria(criteria),
                **drop_none({"user_type": given.get("user_type"), **filters}),
            },
            **drop_none(
                {
                    "include_behavior": given.get("include_behavior"),
                    "combined_as_and": given.get("combined_as_and"),
                }
            ),
        }
        lid = self._list_context(list_id)
        # Not retried after an ambiguous failure: Ongage saves each search it starts,
        # so a repeat would leave two.
        payload = await self._call(
            "POST",
            self._path,
            json=body,
            extra_body=extra_body,
            extra_query=extra_query,
            list_id=chosen_list(lid),
        )
        return SearchJob(self._client, created_id(payload, "search"), lid, self._path)

    async def create(
        self,
        criteria: Sequence[Criterion | Mapping[str, Any]],
        *,
        title: str,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **options: Unpack[SearchOptions],
    ) -> SearchJob:
        """Start a search: `POST /api/contact_search`; returns its job handle.

        Not retried after an ambiguous failure: Ongage saves each search it starts, so a
        repeat would leave two.

        Args:
            criteria: The conditions, each a [`Criterion`][ongage_async.resources.Criterion] or a
                mapping with the same keys.
            title: The search's title (required by Ongage).
            list_id: The list to search (default: the client's list); the job's polls
                go to the same list.
            extra_body: Body fields the SDK does not model, merged over the top level of
                the body it builds (yours win: an `extra_body={"filters": ...}` replaces
                the whole `filters` object, criteria included).
            extra_query: Query parameters the SDK does not model (yours win).
            **options: `selected_fields`, `user_type`, `include_behavior` and
                `combined_as_and`: see
                [`SearchOptions`][ongage_async.resources.SearchOptions].
        """
        return await self._start(
            "create",
            criteria,
            {},
            title=title,
            options=options,
            list_id=list_id,
            extra_body=extra_body,
            extra_query=extra_query,
        )

    def job(self, search_id: Id, *, list_id: Id | None = None) -> SearchJob:
        """A handle on a search started earlier (no call is made).

        Args:
            search_id: The search's id.
            list_id: The list it runs in (default: the client's list).
        """
        lid = self._list_context(list_id)
        return SearchJob(self._client, object_id(search_id, name="search_id"), lid, self._path)

    async def get(
        self, search_id: Id, *, list_id: Id | None = None, extra_query: Query | None = None
    ) -> SearchStatus:
        """A search's status: `GET /api/contact_search/<id>` (status 1 pending, 2 done).

        (`GET /api/contact_activity/<id>` for `client.contact_activity`.) While Ongage
        answers 412 the search is pending: the status has its `id` only.

        Args:
            search_id: The search's id.
            list_id: The list it runs in (default: the client's list).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        return await self._job_status(
            search_id,
            name="search_id",
            list_id=list_id,
            extra_query=extra_query,
            pending=lambda sid: SearchStatus(id=sid),
        )
