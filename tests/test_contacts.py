"""``client.contacts`` against the sandbox."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ongage_async import ContactWriteError, InvalidArgumentError, NotFoundError, OngageClient
from ongage_async.models import Contact, ContactStatus
from ongage_async.sandbox import Sandbox


# This module works in list 500, the client's default list: its tests take the
# ``main_*`` fixtures under the usual names.
@pytest.fixture
def sandbox(main_sandbox: Sandbox) -> Sandbox:
    return main_sandbox


@pytest.fixture
def client(main_client: OngageClient) -> OngageClient:
    return main_client


async def test_create_reports_each_email_and_never_hides_failures(client: OngageClient) -> None:
    result = await client.contacts.create(
        [{"email": "a@example.com", "fields": {"name": "A"}}, {"email": "b@example.com"}]
    )
    assert result.ok
    assert set(result.created) == {"a@example.com", "b@example.com"}
    # Ongage's contact ids are opaque hex strings, as on its contacts page.
    assert all(re.fullmatch(r"[0-9a-f]{24}", cid) for cid in result.created.values())

    again = await client.contacts.create({"email": "a@example.com"})
    assert not again.ok
    assert again.failed == {"a@example.com": "Email already exists"}
    with pytest.raises(ContactWriteError, match="Email already exists"):
        again.raise_for_failures()

    over = await client.contacts.create({"email": "a@example.com", "city": "Paris"}, overwrite=True)
    assert list(over.updated) == ["a@example.com"]
    assert over.created == {}  # Ongage's [] for an empty object, as a mapping


async def test_update_by_email_and_by_id(client: OngageClient) -> None:
    created = await client.contacts.create({"email": "a@example.com"})
    contact_id = created.created["a@example.com"]
    by_email = await client.contacts.update({"email": "a@example.com", "fields": {"x": "1"}})
    by_id = await client.contacts.update([{"id": contact_id, "fields": {"y": "2"}}])
    missing = await client.contacts.update({"email": "zz@example.com"})
    assert by_email.ok and by_id.ok
    assert missing.failed == {"zz@example.com": "Contact not found"}
    contact = await client.contacts.get("a@example.com")
    assert contact.fields == {"x": "1", "y": "2"}


async def test_get_get_by_id_and_find(client: OngageClient) -> None:
    created = await client.contacts.create({"email": "a+tag@example.com", "fields": {"n": "A"}})
    contact_id = created.created["a+tag@example.com"]
    contact = await client.contacts.get("a+tag@example.com")
    assert isinstance(contact, Contact)
    assert (contact.id, contact.email, contact.status) == (
        contact_id,
        "a+tag@example.com",
        "active",
    )
    assert contact.fields == {"n": "A"}
    assert contact.created is not None and contact.created.tzinfo is not None
    assert (await client.contacts.get_by_id(contact_id)).email == "a+tag@example.com"
    with pytest.raises(NotFoundError):
        await client.contacts.get("nobody@example.com")
    found = await client.contacts.find("a+tag@example.com")
    assert [c.list_id for c in found] == ["500"]


@pytest.mark.parametrize(
    "change_to", ["unsubscribe", "resubscribe", "remove", "bounce", "complaint", "soft_bounce"]
)
async def test_change_status(client: OngageClient, change_to: str) -> None:
    await client.contacts.create({"email": "a@example.com"})
    result = await client.contacts.change_status(["a@example.com", "zz@example.com"], change_to)
    assert result.success == 1
    assert result.failed == {"zz@example.com": "Contact not found"}


async def test_change_email_and_delete(client: OngageClient, sandbox: Sandbox) -> None:
    created = await client.contacts.create({"email": "a@example.com"})
    await client.contacts.change_email("a@example.com", "b@example.com")
    assert (await client.contacts.get("b@example.com")).id == created.created["a@example.com"]
    await client.contacts.delete([created.created["a@example.com"]])
    assert sandbox.store.find_contact(500, "b@example.com") is None


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("create", ([{"email": "not-an-email"}],), {}),
        ("create", ([],), {}),
        ("create", ([{"email": "a@example.com", "list_id": 3}],), {}),
        ("create", ([{"email": "a@example.com", "fields": "x"}],), {}),
        ("create", ({"email": "a@example.com"},), {"overwrite": "yes"}),
        ("update", ([{"id": "a/b"}],), {}),
        ("update", ([{"id": ""}],), {}),
        ("get", ("nope",), {}),
        ("get_by_id", ("x/1",), {}),
        ("get_by_id", ("..",), {}),
        ("get_by_id", ("",), {}),
        ("get_by_id", (True,), {}),
        ("get_by_id", ("5aae 3125",), {}),
        ("get_by_id", ("a" * 129,), {}),
        ("get_by_id", (10**30,), {}),
        ("find", ("@example.com",), {}),
        ("change_status", (["a@example.com"], "vanish"), {}),
        ("change_status", ("a@example.com", "remove"), {}),
        ("change_status", ([], "remove"), {}),
        ("change_email", ("a@example.com", "bad"), {}),
        ("delete", ([],), {}),
        ("delete", (["x/y"],), {}),
        ("delete", (["ok", None],), {}),
    ],
)
async def test_bad_input_fails_before_sending(
    client: OngageClient,
    sandbox: Sandbox,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(InvalidArgumentError):
        await getattr(client.contacts, method)(*args, **kwargs)
    assert sandbox.recorder.calls == []


async def test_contact_writes_use_the_route_prefix(client: OngageClient, sandbox: Sandbox) -> None:
    await client.contacts.create({"email": "a@example.com"})
    await client.contacts.create({"email": "b@example.com"}, list_id=10001)
    assert [c.list_id for c in sandbox.recorder.calls] == [500, 10001]
    assert sandbox.store.find_contact(10001, "b@example.com") is not None


async def test_a_contact_is_reached_by_its_hex_id(client: OngageClient) -> None:
    written = await client.contacts.create({"email": "hex@example.com"})
    contact_id = written.created["hex@example.com"]
    contact = await client.contacts.get_by_id(contact_id)
    assert contact.id == contact_id and contact.email == "hex@example.com"
    assert contact.status is ContactStatus.ACTIVE  # "Active" on the wire
    updated = await client.contacts.update([{"id": contact_id, "fields": {"city": "Oslo"}}])
    assert updated.ok
    await client.contacts.delete(contact_id)  # one id: {"contact_id": ...}
    with pytest.raises(NotFoundError):
        await client.contacts.get_by_id(contact_id)
