"""`client.list_fields`: a list's fields (page 1027965094), and `all_lists`, which
creates one field in every list of the account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from .._exceptions import InvalidArgumentError
from .._types import Body, Id, Query
from .._validation import non_negative_int, one_of, require_text
from ..models import AllListsFieldResult, ListField
from ._base import CollectionResource, Unpack, drop_none, with_extra

__all__ = ["FIELD_TYPES", "ListFieldFields", "ListFieldsResource"]

#: The types Ongage's list fields page documents.
FIELD_TYPES = ("date", "email", "numeric", "string")


def check_field(values: Mapping[str, Any], *, creating: bool) -> None:
    """The page's rules: `name`, `title`, `type` and `position` are required to
    create a field, and a date field needs its `format`."""
    if "type" in values:
        one_of(values["type"], FIELD_TYPES, name="type")
    if not creating:
        return
    for name in ("name", "title"):
        require_text(values.get(name), name=name)
    if values.get("type") is None:
        raise InvalidArgumentError(f"type is required, one of {', '.join(FIELD_TYPES)}")
    non_negative_int(values.get("position"), name="position (required)")
    if values["type"] == "date":
        require_text(values.get("format"), name="format (required for a date field)")


class ListFieldFields(TypedDict, total=False):
    """A list field's optional settings: the keywords of
    [`list_fields.create`][ongage_async.resources.ListFieldsResource.create],
    [`update`][ongage_async.resources.ListFieldsResource.update] and
    [`all_lists`][ongage_async.resources.ListFieldsResource.all_lists], each sent only
    when given.

    Attributes:
        format: The date format, required to create a date field (such as
            `dd/mm/yyyy`, `yyyy-mm-dd` or `mm/dd/yyyy hh24:mi`).
        default: The value of contacts that have none.
        mandatory: Whether every contact must have a value.
    """

    format: str | None
    default: Any
    mandatory: bool | None


class ListFieldsResource(CollectionResource[ListField]):
    """`client.list_fields`: a list's fields, and `all_lists` to add one to every list.

    To `create` a field Ongage requires its `name`, `title`, `type` (`date`, `email`,
    `numeric` or `string`) and `position`, and a `format` for a date field (such as
    `dd/mm/yyyy` or `yyyy-mm-dd hh24:mi`); `default` and `mandatory` are optional.
    These are checked before anything is sent.
    """

    _path = "/api/list_fields"
    _model = ListField.from_payload

    def _check_values(self, values: Mapping[str, Any], *, creating: bool) -> None:
        super()._check_values(values, creating=creating)
        check_field(values, creating=creating)

    async def create(
        self,
        *,
        name: str,
        title: str,
        type: str,
        position: int,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[ListFieldFields],
    ) -> ListField:
        """Create a field in one list: `POST /api/list_fields`.

        Not retried after an ambiguous failure: a repeat would try to add the field
        again.

        Args:
            name: The field's name (its key in contacts).
            title: The title the Ongage UI shows.
            type: `"date"`, `"email"`, `"numeric"` or `"string"`.
            position: Its position among the list's fields (an int >= 0).
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: `format` (required for a date field), `default` and `mandatory`:
                see [`ListFieldFields`][ongage_async.resources.ListFieldFields].
        """
        values = self._field("create", name, title, type, position, fields)
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        field_id: Id,
        *,
        name: str | None = None,
        title: str | None = None,
        type: str | None = None,
        position: int | None = None,
        list_id: Id | None = None,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[ListFieldFields],
    ) -> ListField:
        """Change a field: `PUT /api/list_fields/<id>`; only the fields given are sent.

        Args:
            field_id: The field's id.
            name: Its new name.
            title: Its new title.
            type: Its new type (`"date"`, `"email"`, `"numeric"` or `"string"`).
            position: Its new position.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: Its new `format`, `default` or `mandatory`, as for `create`.
        """
        values = self._field("update", name, title, type, position, fields)
        return await self._update(
            field_id, values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def all_lists(
        self,
        *,
        name: str,
        title: str,
        type: str,
        position: int,
        extra_body: Body | None = None,
        extra_query: Query | None = None,
        **fields: Unpack[ListFieldFields],
    ) -> AllListsFieldResult:
        """Create one field in every list of the account: `POST /api/list_fields/all_lists`.

        The answer says which lists got it (`created`) and why the others did not
        (`failed`, by list id). Not retried after an ambiguous failure: a second call
        would try to create the field again. The arguments are those of
        [`create`][ongage_async.resources.ListFieldsResource.create], but `list_id`.

        Args:
            name: The field's name.
            title: Its title in the Ongage UI.
            type: Its type.
            position: Its position (an int >= 0).
            extra_body: Body fields the SDK does not model (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
            **fields: See [`ListFieldFields`][ongage_async.resources.ListFieldFields].
        """
        values = self._field("all_lists", name, title, type, position, fields)
        body = with_extra(drop_none(values), extra_body, name="extra_body")
        check_field(body or {}, creating=True)
        payload = await self._call(
            "POST",
            "/api/list_fields/all_lists",
            json=body,
            extra_query=extra_query,
            list_scoped=False,
        )
        return AllListsFieldResult.from_payload(payload)

    def _field(
        self,
        method: str,
        name: str | None,
        title: str | None,
        type: str | None,
        position: int | None,
        fields: Mapping[str, Any],
    ) -> dict[str, Any]:
        """A field's values in the order Ongage's page lists them (`None`: not given)."""
        given = self._keywords(method, fields, ListFieldFields)
        return {"name": name, "title": title, "type": type, **given, "position": position}
