"""Transactional, reports, segments, mailings, e-mails, list fields and ESP connections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ongage_async import (
    APIError,
    EmailMessage,
    InvalidArgumentError,
    ListField,
    Mailing,
    NotFoundError,
    OngageClient,
    Segment,
    SendResult,
    TransactionalCampaign,
    ValidationError,
)
from ongage_async.sandbox import Sandbox

pytestmark = pytest.mark.main_list


async def test_send_and_send_content(client: OngageClient, sandbox: Sandbox) -> None:
    sent = await client.transactional.send(1, ["a@example.com", "b@example.com"])
    assert isinstance(sent, SendResult)
    assert sent.success == 2 and sent.failed == {}
    embedded = await client.transactional.send_content(
        subject="Receipt",
        html="<p>thanks</p>",
        recipients=["a@example.com"],
        from_name="Shop",
        from_address="shop@example.com",
    )
    assert embedded.success == 1
    assert sandbox.recorder.transactional_sends == {"a@example.com": 2, "b@example.com": 1}
    assert all(c.list_id == 500 for c in sandbox.recorder.calls)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("send", {"message_id": 1, "recipients": []}),
        ("send", {"message_id": 1, "recipients": "a@example.com"}),
        ("send", {"message_id": 1, "recipients": ["nope"]}),
        ("send", {"message_id": " ", "recipients": ["a@example.com"]}),
        ("send_content", {"subject": "x", "recipients": ["a@example.com"]}),
        ("send_content", {"subject": "", "html": "x", "recipients": ["a@example.com"]}),
        (
            "send_content",
            {"subject": "x", "html": "x", "recipients": ["a@example.com"], "from_address": "bad"},
        ),
    ],
)
async def test_bad_send_arguments(
    client: OngageClient, sandbox: Sandbox, method: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError):
        await getattr(client.transactional, method)(**kwargs)
    assert sandbox.recorder.calls == []


async def test_transactional_campaigns(client: OngageClient) -> None:
    created = await client.transactional.create(name="receipts")
    assert isinstance(created, TransactionalCampaign)
    campaigns = [c async for c in client.transactional.iter()]
    assert [c.default for c in campaigns] == [True, False]
    updated = await client.transactional.update(created.id, name="orders")
    assert updated.name == "orders"
    sent = await client.transactional.send(1, ["a@example.com"], campaign_id=created.id)
    assert sent.campaign_id == created.id
    await client.transactional.delete(created.id)
    assert len(await client.transactional.list()) == 1


async def test_reports_query_and_daily(client: OngageClient) -> None:
    await client.transactional.send(1, ["a@example.com", "b@example.com"])
    await client.transactional.send(1, ["c@example.com"], list_id=10001)
    report = await client.reports.query(
        ["list_id", ("sum(`sent`)", "sent_total")],
        list_ids="all",
        group=["list_id"],
        order=[("sent_total", "DESC")],
        source="mailing",
    )
    assert list(report) == [{"list_id": 500, "sent_total": 2}, {"list_id": 10001, "sent_total": 1}]
    assert report.total == 2
    today = dt.datetime.now(dt.timezone.utc).date()
    daily = await client.reports.daily(since=today - dt.timedelta(days=1), until=today)
    assert [(r["sent"], r["opens"], r["clicks"]) for r in daily] == [(2, 0, 0)]
    assert len(await client.reports.daily(until=today - dt.timedelta(days=3))) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"select": []},
        {"select": ["x"], "source": "table"},
        {"select": ["x"], "list_ids": []},
        {"select": ["x"], "filter": [("a", "~", 1)]},
        {"select": ["x"], "order": [("a", "UP")]},
        {"select": [("a",)]},
        {"select": ["x"], "limit": -1},
    ],
)
async def test_bad_report_arguments(
    client: OngageClient, sandbox: Sandbox, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.reports.query(**kwargs)
    assert sandbox.recorder.calls == []


async def test_report_errors_from_the_server_are_typed(client: OngageClient) -> None:
    with pytest.raises(ValidationError):
        await client.reports.query(["no_such_metric"])


@pytest.mark.parametrize(
    ("namespace", "model", "values"),
    [
        ("segments", Segment, {"name": "VIP", "description": "big spenders"}),
        ("mailings", Mailing, {"name": "November"}),
        ("emails", EmailMessage, {"name": "Welcome", "subject": "Hi"}),
        ("list_fields", ListField, {"name": "city", "type": "string", "title": "City"}),
    ],
)
async def test_collections_crud(
    client: OngageClient, namespace: str, model: type, values: dict[str, Any]
) -> None:
    resource = getattr(client, namespace)
    created = await resource.create(**values)
    assert isinstance(created, model)
    assert created.name == values["name"] and created.list_id == 500
    assert (await resource.get(created.id)) == created
    updated = await resource.update(created.id, name="renamed")
    assert updated.name == "renamed"
    assert [item.id async for item in resource.iter()] == [created.id]
    await resource.delete(created.id)
    with pytest.raises(NotFoundError):
        await resource.get(created.id)


async def test_emails_page_by_page_and_size(client: OngageClient, sandbox: Sandbox) -> None:
    for n in range(5):
        await client.emails.create(name=f"e{n}")
    page = await client.emails.list(page=2, page_size=2)
    assert [e.name for e in page] == ["e2", "e3"] and page.total == 5
    calls = len(sandbox.recorder.calls)
    names = [e.name async for e in client.emails.iter(page_size=2)]
    assert names == [f"e{n}" for n in range(5)]
    assert len(sandbox.recorder.calls) - calls == 3
    assert sandbox.recorder.calls[-1].path == "/api/emails"
    with pytest.raises(InvalidArgumentError):
        await client.emails.list(page=0)


async def test_paging_across_many_pages(client: OngageClient) -> None:
    for n in range(11):
        await client.segments.create(name=f"s{n}")
    page = await client.segments.list(offset=4, limit=3)
    assert [s.name for s in page] == ["s4", "s5", "s6"] and page.total == 11
    assert len([s async for s in client.segments.iter(page_size=4)]) == 11


async def test_mailing_actions(client: OngageClient) -> None:
    mailing = await client.mailings.create(name="Black Friday")
    assert mailing.status == 60001
    aborted = await client.mailings.abort(mailing.id)
    assert aborted.status == 60008
    with pytest.raises(ValidationError):
        await client.mailings.cancel(mailing.id)
    other = await client.mailings.create(name="Cyber Monday")
    with pytest.raises(ValidationError):  # only a scheduled mailing can be unscheduled
        await client.mailings.unschedule(other.id)
    assert (await client.mailings.cancel(other.id)).status == 60009


async def test_list_fields_all_lists_and_esp_options(client: OngageClient) -> None:
    await client.list_fields.create(name="city", type="string")
    await client.list_fields.create(name="age", type="numeric", list_id=10001)
    assert sorted(f.name for f in await client.list_fields.all_lists()) == ["age", "city"]
    with pytest.raises(InvalidArgumentError):
        await client.list_fields.create(name="x", type="colour")
    options = await client.esp_connections.options()
    assert options and all(o.id and o.name for o in options)


@pytest.mark.parametrize("namespace", ["segments", "mailings", "emails", "list_fields"])
async def test_collection_arguments_are_checked(
    client: OngageClient, sandbox: Sandbox, namespace: str
) -> None:
    resource = getattr(client, namespace)
    with pytest.raises(InvalidArgumentError):
        await resource.get("abc")
    with pytest.raises(InvalidArgumentError):
        await resource.create(name="")
    with pytest.raises(InvalidArgumentError):
        await resource.create(name="x", type="string", list_id_in_body=1, id=3)
    assert sandbox.recorder.calls == []


async def test_a_list_scoped_object_of_another_list_is_not_found(client: OngageClient) -> None:
    segment = await client.segments.create(name="here")
    with pytest.raises(APIError) as caught:
        await client.segments.get(segment.id, list_id=10001)
    assert caught.value.status == 404
