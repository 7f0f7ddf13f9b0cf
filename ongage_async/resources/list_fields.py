"""`client.list_fields`: a list's fields (page 1027965094), and `all_lists`, which
creates one field in every list of the account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import InvalidArgumentError
from .._validation import non_negative_int, one_of, require_text
from ..models import AllListsFieldResult, ListField
from ._base import CollectionResource, drop_none, with_extra

__all__ = ["FIELD_TYPES", "ListFieldsResource"]

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
        format: str | None = None,
        default: Any = None,
        mandatory: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> ListField:
        """Create a field in one list: `POST /api/list_fields`.

        Not retried after an ambiguous failure: a repeat would try to add the field
        again. Each optional field is sent only when given.

        Args:
            name: The field's name (its key in contacts).
            title: The title the Ongage UI shows.
            type: `"date"`, `"email"`, `"numeric"` or `"string"`.
            position: Its position among the list's fields (an int >= 0).
            format: The date format, required for a date field (such as `dd/mm/yyyy`,
                `yyyy-mm-dd` or `mm/dd/yyyy hh24:mi`).
            default: The value of contacts that have none.
            mandatory: Whether every contact must have a value.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win; never `id` or `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = _field(name, title, type, position, format, default, mandatory)
        return await self._create(
            values, list_id=list_id, extra_body=extra_body, extra_query=extra_query
        )

    async def update(
        self,
        field_id: int | str,
        *,
        name: str | None = None,
        title: str | None = None,
        type: str | None = None,
        position: int | None = None,
        format: str | None = None,
        default: Any = None,
        mandatory: bool | None = None,
        list_id: int | str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> ListField:
        """Change a field: `PUT /api/list_fields/<id>`; only the fields given are sent.

        Args:
            field_id: The field's id.
            name: Its new name.
            title: Its new title.
            type: Its new type (`"date"`, `"email"`, `"numeric"` or `"string"`).
            position: Its new position.
            format: Its new date format.
            default: Its new default value.
            mandatory: Whether every contact must have a value.
            list_id: The list (default: the client's list).
            extra_body: Body fields the SDK does not model (yours win; never `id` or
                `list_id`).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        values = _field(name, title, type, position, format, default, mandatory)
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
        format: str | None = None,
        default: Any = None,
        mandatory: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> AllListsFieldResult:
        """Create one field in every list of the account: `POST /api/list_fields/all_lists`.

        The answer says which lists got it (`created`) and why the others did not
        (`failed`, by list id). Not retried after an ambiguous failure: a second call
        would try to create the field again.

        Args:
            name: The field's name (its key in contacts).
            title: The title the Ongage UI shows.
            type: `"date"`, `"email"`, `"numeric"` or `"string"`.
            position: Its position among the list's fields (an int >= 0).
            format: The date format, required for a date field (such as `dd/mm/yyyy`,
                `yyyy-mm-dd` or `mm/dd/yyyy hh24:mi`).
            default: The value of contacts that have none.
            mandatory: Whether every contact must have a value.
            extra_body: Body fields the SDK does not model, merged over the ones it
                builds (yours win).
            extra_query: Query parameters the SDK does not model (yours win).
        """
        body = with_extra(
            drop_none(_field(name, title, type, position, format, default, mandatory)),
            extra_body,
            name="extra_body",
        )
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
    name: str | None,
    title: str | None,
    type: str | None,
    position: int | None,
    format: str | None,
    default: Any,
    mandatory: bool | None,
) -> dict[str, Any]:
    """A field's values in the order Ongage's page lists them (`None`: not given)."""
    return {
        "name": name,
        "title": title,
        "type": type,
        "format": format,
        "default": default,
        "mandatory": mandatory,
        "position": position,
    }
