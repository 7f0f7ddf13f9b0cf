"""``client.lists`` against the sandbox: every method of the List API."""

from __future__ import annotations

import datetime as dt

import pytest

from ongage_async import InvalidArgumentError, NotFoundError, OngageClient, ValidationError
from ongage_async.models import List
from ongage_async.sandbox import Sandbox


async def test_create_get_update_delete(client: OngageClient, sandbox: Sandbox) -> None:
    created = await client.lists.create(name="Newsletter", type="sending", description="weekly")
    assert isinstance(created, List)
    assert (created.name, created.type, created.description) == ("Newsletter", "sending", "weekly")
    assert isinstance(created.created, dt.datetime) and created.created.tzinfo is not None
    assert "default_transactional_id" in created.extra  # unknown fields are kept

    fetched = await client.lists.get(created.id)
    assert fetched == created

    updated = await client.lists.update(
        created.id, name="Weekly news", unsubscribe_default_link=True
    )
    assert updated.name == "Weekly news"
    assert updated.extra["unsubscribe_default_link"] is True

    await client.lists.delete(created.id)
    with pytest.raises(NotFoundError):
        await client.lists.get(created.id)


async def test_list_pages_filters_and_total(client: OngageClient) -> None:
    for n in range(5):
        await client.lists.create(name=f"promo {n}", type="sending")
    await client.lists.create(name="blocked", type="suppression", scope="list")
    page = await client.lists.list(type="sending", limit=2, offset=1)
    assert len(page) == 2
    assert page.total == 6  # five promos and the default list
    suppression = await client.lists.list(type="suppression")
    assert [lst.name for lst in suppression] == ["blocked"]
    like = await client.lists.list(name_like="promo", order="DESC", sort="name")
    assert [lst.name for lst in like][:2] == ["promo 4", "promo 3"]


async def test_iter_walks_every_page_through_the_governor(client: OngageClient) -> None:
    for n in range(7):
        await client.lists.create(name=f"l{n}", type="sending")
    before = client.governor.statistics().calls_started
    names = [lst.name async for lst in client.lists.iter(page_size=3)]
    assert len(names) == 8
    assert client.governor.statistics().calls_started - before == 3


async def test_copy_copies_contacts(client: OngageClient, sandbox: Sandbox) -> None:
    source = await client.lists.create(name="src", type="sending")
    await client.request(
        "POST",
        "/api/v2/contacts",
        list_id=source.id,
        json=[{"email": "a@example.com"}, {"email": "b@example.com"}],
    )
    copy = await client.lists.copy(source.id, name="copy")
    assert copy.id != source.id
    assert copy.last_count == 2


async def test_server_validation_is_a_typed_error(client: OngageClient) -> None:
    with pytest.raises(ValidationError):
        await client.request("POST", "/api/lists", json={"name": "x"}, list_scoped=False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "", "type": "sending"},
        {"name": "x", "type": "other"},
        {"name": "x", "type": "sending", "scope": "global"},
        {"name": "x", "type": "sending", "fields": [{"title": "no name"}]},
        {"name": "x", "type": "sending", "create_segment": "yes"},
    ],
)
async def test_bad_create_arguments_fail_before_sending(
    client: OngageClient, sandbox: Sandbox, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.lists.create(**kwargs)  # type: ignore[arg-type]
    assert sandbox.recorder.calls == []


@pytest.mark.parametrize("bad", ["abc", 0, -1, None, 1.5, True])
async def test_bad_list_ids_fail_before_sending(
    client: OngageClient, sandbox: Sandbox, bad: object
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.lists.get(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        await client.lists.list(limit=-1)
    assert sandbox.recorder.calls == []
