"""Converters absorb Ongage's quirks, and unknown fields never break a model."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ongage_async.models import (
    Contact,
    ContactStatus,
    ContactWriteResult,
    Import,
    List,
    Mailing,
    MailingStatus,
    SendResult,
)


def test_numbers_and_ids_sent_as_strings() -> None:
    lst = List.from_payload({"id": "12345", "name": "x", "last_count": "7", "archive": "false"})
    assert (lst.id, lst.last_count, lst.archive) == ("12345", 7, False)
    mailing = Mailing.from_payload({"id": 111670, "name": "m", "status": "60001"})
    assert (mailing.id, mailing.status) == ("111670", 60001)


def test_unix_timestamps_become_aware_datetimes() -> None:
    lst = List.from_payload(
        {"id": 1, "created": 1617541368, "modified": "1617541368", "deleted": None}
    )
    assert lst.created == dt.datetime(2021, 4, 4, 13, 2, 48, tzinfo=dt.timezone.utc)
    assert lst.modified == lst.created
    assert lst.deleted is None


def test_empty_object_as_empty_array() -> None:
    result = ContactWriteResult.from_payload(
        {"rows": 1, "created_emails": [], "updated_emails": {"a@x.com": "5"}, "failed_emails": []}
    )
    assert result.created == {} and result.failed == {} and result.ok
    assert result.updated == {"a@x.com": "5"}
    assert SendResult.from_payload([]).payload == []  # kept as sent: its shape is undocumented


def test_unknown_fields_are_kept_in_extra() -> None:
    lst = List.from_payload({"id": 1, "name": "x", "brand_new_field": {"a": 1}})
    assert lst.extra == {"brand_new_field": {"a": 1}}
    imp = Import.from_payload({"id": "9", "status": "40003", "eta": 3})
    assert imp.done and imp.extra == {"eta": 3}


def test_contact_splits_list_fields_from_system_fields() -> None:
    contact = Contact.from_payload(
        {
            "id": "5",
            "email": "a@x.com",
            "city": "Paris",
            "ocx_status": "active",
            "ocx_created_date": "1617541368",
            "ocx_new_thing": 1,
        }
    )
    assert contact.fields == {"city": "Paris"}
    assert contact.extra == {"ocx_new_thing": 1}
    assert contact.status == "active" and contact.created is not None


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        ("Active", ContactStatus.ACTIVE),
        ("ACTIVE", ContactStatus.ACTIVE),
        ("active", ContactStatus.ACTIVE),
        ("Unsubscribed", ContactStatus.UNSUBSCRIBED),
        ("Soft Bounce", ContactStatus.SOFT_BOUNCE),
        ("hard_bounce", ContactStatus.BOUNCED),
        ("Complaint", ContactStatus.COMPLAINT),
    ],
)
def test_contact_status_is_typed_whatever_its_case(wire: str, status: ContactStatus) -> None:
    contact = Contact.from_payload({"id": "5aae312578464ae01f8b4567", "ocx_status": wire})
    assert contact.status is status
    assert str(contact.status) == status.value and "ocx_status" not in contact.extra


def test_an_unknown_contact_status_is_kept_not_lost() -> None:
    contact = Contact.from_payload({"id": "x", "ocx_status": "Pending double opt-in"})
    assert contact.status is None
    assert contact.extra["ocx_status"] == "Pending double opt-in"


def test_mailing_status_codes_are_typed() -> None:
    assert Mailing.from_payload({"status": "60009"}).status is MailingStatus.ON_HOLD
    assert Mailing.from_payload({"status": 60010}).status is MailingStatus.STOPPED
    odd = Mailing.from_payload({"status": 61234}).status
    assert odd == 61234 and not isinstance(odd, MailingStatus)


def test_import_counts_given_as_strings_are_ints() -> None:
    imp = Import.from_payload(
        {
            "id": 83513,
            "total": "10",
            "success": "8",
            "duplicate": "2",
            "not_existing": "0",
            "incomplete": "1",
            "status": "40002",
            "status_desc": "Processing (46%)",
            "progress": "46",
        }
    )
    assert (imp.id, imp.total, imp.success, imp.duplicate) == ("83513", 10, 8, 2)
    assert (imp.incomplete, imp.progress, imp.status) == (1, 46, 40002)
    assert imp.status_desc == "Processing (46%)" and not imp.done


payloads = (
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "name",
                "created",
                "last_count",
                "archive",
                "status",
                "rows",
                "created_emails",
                "failed_emails",
                "email",
                "ocx_status",
                "other",
            ]
        ),
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=8)
        | st.lists(st.integers(), max_size=3)
        | st.dictionaries(st.text(max_size=3), st.integers()),
    )
    | st.none()
    | st.lists(st.integers())
    | st.text()
)


@given(payloads)
def test_no_payload_makes_a_model_raise(payload: object) -> None:
    for model in (List, Mailing, Import, ContactWriteResult, SendResult, Contact):
        assert isinstance(model.from_payload(payload), model)


def test_infinite_or_nan_timestamps_are_no_time() -> None:
    # Found by the property test above: json allows Infinity and NaN.
    assert List.from_payload({"id": 1, "created": float("inf")}).created is None
    assert List.from_payload({"id": 1, "created": float("nan")}).created is None


# -- to_dict(): what a web handler returns ---------------------------------------------

import json  # noqa: E402

import attrs  # noqa: E402

import ongage_async.models as models_module  # noqa: E402
from ongage_async._model import Model  # noqa: E402


def test_every_model_converts_to_json_ready_dicts() -> None:
    attrs_models = [
        getattr(models_module, name)
        for name in models_module.__all__
        if attrs.has(getattr(models_module, name))
    ]
    assert len(attrs_models) >= 15
    missing = [cls.__name__ for cls in attrs_models if not issubclass(cls, Model)]
    assert missing == []


def test_to_dict_turns_times_enums_and_nested_models_into_json() -> None:
    from ongage_async.models import Contact, Mailing, Page

    contact = Contact.from_payload(
        {
            "id": "5aae312578464ae01f8b4567",
            "email": "a@example.com",
            "ocx_status": "Active",
            "ocx_created_date": 1700000000,
            "first_name": "Ann",
            "ocx_custom": "kept",
        }
    )
    mailing = Mailing.from_payload({"id": "7", "name": "m", "status": "60004", "odd": [1]})
    page = Page(items=(contact,), total=1)
    as_dict = page.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict  # nothing JSON cannot carry
    item = as_dict["items"][0]
    assert item["created"] == "2023-11-14T22:13:20+00:00"
    assert item["status"] == "active" and type(item["status"]) is str
    assert item["fields"] == {"first_name": "Ann"}
    assert item["extra"] == {"ocx_custom": "kept"}
    mailing_dict = mailing.to_dict()
    assert mailing_dict["status"] == 60004 and type(mailing_dict["status"]) is int
    assert mailing_dict["extra"] == {"odd": [1]}
    assert json.dumps(mailing_dict)
