"""Converters absorb Ongage's quirks, and unknown fields never break a model."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ongage_async import Contact, ContactWriteResult, Import, List, Mailing, SendResult


def test_numbers_and_ids_sent_as_strings() -> None:
    lst = List.from_payload({"id": "12345", "name": "x", "last_count": "7", "archive": "false"})
    assert (lst.id, lst.last_count, lst.archive) == (12345, 7, False)
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
    assert SendResult.from_payload([]).success == 0


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
        model.from_payload(payload)


def test_infinite_or_nan_timestamps_are_no_time() -> None:
    # Found by the property test above: json allows Infinity and NaN.
    assert List.from_payload({"id": 1, "created": float("inf")}).created is None
    assert List.from_payload({"id": 1, "created": float("nan")}).created is None
