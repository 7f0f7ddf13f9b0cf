"""Transactional, reports, segments, mailings, e-mails, list fields and ESP connections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ongage_async import (
    APIError,
    InvalidArgumentError,
    NotFoundError,
    OngageClient,
    ValidationError,
)
from ongage_async.models import (
    AllListsFieldResult,
    EmailMessage,
    ListField,
    Mailing,
    MailingStatus,
    Segment,
    SendResult,
    TransactionalCampaign,
)
from ongage_async.sandbox import Sandbox


# This module works in list 500, the client's default list: its tests take the
# ``main_*`` fixtures under the usual names.
@pytest.fixture
def sandbox(main_sandbox: Sandbox) -> Sandbox:
    return main_sandbox


@pytest.fixture
def client(main_client: OngageClient) -> OngageClient:
    return main_client


async def test_send_and_send_content(client: OngageClient, sandbox: Sandbox) -> None:
    sent = await client.transactional.send(1, ["a@example.com", "b@example.com"])
    # The answer's shape is undocumented: kept whole, read by no guessed key.
    assert isinstance(sent, SendResult) and sent.payload is not None
    assert not hasattr(sent, "success")
    await client.transactional.send_content(
        subject="Receipt",
        html="<p>thanks</p>",
        recipients=["a@example.com"],
        from_name="Shop",
        from_address="shop@example.com",
    )
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
    with pytest.raises(TypeError, match="description"):  # required: a type checker sees it
        await client.transactional.create(name="receipts")  # type: ignore[call-arg]
    with pytest.raises(InvalidArgumentError, match="description"):
        await client.transactional.create(name="receipts", description="")
    created = await client.transactional.create(name="receipts", description="order receipts")
    assert isinstance(created, TransactionalCampaign)
    campaigns = [c async for c in client.transactional.iter()]
    assert [c.default for c in campaigns] == [True, False]
    updated = await client.transactional.update(created.id, name="orders")
    assert updated.name == "orders"
    await client.transactional.send(1, ["a@example.com"], campaign_id=created.id)
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
        ("mailings", Mailing, {"name": "November", "schedule_date": 4102444800}),
        ("emails", EmailMessage, {"name": "Welcome", "subject": "Hi"}),
        (
            "list_fields",
            ListField,
            {"name": "city", "type": "string", "title": "City", "position": 1},
        ),
    ],
)
async def test_collections_crud(
    client: OngageClient, namespace: str, model: type, values: dict[str, Any]
) -> None:
    resource = getattr(client, namespace)
    created = await resource.create(**values)
    assert isinstance(created, model)
    assert created.name == values["name"] and created.list_id == "500"
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


LATER = 4102444800  # 2100-01-01, a schedule_date safely in the future


async def test_a_mailing_is_never_launched_by_accident(
    client: OngageClient, sandbox: Sandbox
) -> None:
    with pytest.raises(InvalidArgumentError, match="send_now"):
        await client.mailings.create(name="Black Friday")
    bad_dates = (0, -5, 10**400, float("nan"), float("inf"), "soon", dt.date(2100, 1, 1), True)
    for bad in bad_dates:
        with pytest.raises(InvalidArgumentError):
            await client.mailings.create(name="Black Friday", schedule_date=bad)
    with pytest.raises(InvalidArgumentError):
        await client.mailings.create(name="x", schedule_date=LATER, send_now=True)
    assert sandbox.recorder.calls == []
    launched = await client.mailings.create(name="Flash sale", send_now=True)
    assert launched.status == MailingStatus.IN_PROGRESS


async def test_a_past_schedule_date_is_sent_with_a_warning(
    client: OngageClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="ongage_async"):
        with pytest.raises(ValidationError):  # the sandbox refuses a past time, as a 412
            await client.mailings.create(name="Late", schedule_date=1638229112)
    assert "in the past" in caplog.text


async def test_mailing_actions_are_put(client: OngageClient, sandbox: Sandbox) -> None:
    mailing = await client.mailings.create(name="Black Friday", schedule_date=LATER)
    assert mailing.status is MailingStatus.SCHEDULED
    assert mailing.schedule_date == dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
    back = await client.mailings.unschedule(mailing.id)
    assert back.status == MailingStatus.NEW
    with pytest.raises(ValidationError):  # only a scheduled mailing can be unscheduled
        await client.mailings.unschedule(mailing.id)
    other = await client.mailings.create(name="Cyber Monday", schedule_date=LATER)
    assert (await client.mailings.cancel(other.id)).status == MailingStatus.CANCELLED
    running = await client.mailings.create(name="Now", send_now=True)
    assert (await client.mailings.abort(running.id)).status == MailingStatus.ON_HOLD
    actions = [c for c in sandbox.recorder.calls if c.path.rsplit("/", 1)[-1] in _ACTIONS]
    assert [c.method for c in actions] == ["PUT"] * 4


_ACTIONS = ("abort", "cancel", "unschedule")


async def test_list_fields_all_lists_and_esp_options(client: OngageClient) -> None:
    field = {"name": "city", "title": "City", "type": "string", "position": 3}
    created = await client.list_fields.all_lists(**field)
    assert isinstance(created, AllListsFieldResult) and created.ok
    assert {f.list_id for f in created.created} == {"500", "10001"}
    assert all(f.name == "city" and f.type == "string" for f in created.created)
    for bad in ({"type": "colour"}, {"type": "boolean"}, {"title": ""}, {"type": "date"}):
        with pytest.raises(InvalidArgumentError):
            await client.list_fields.all_lists(**{**field, **bad})
    with pytest.raises(TypeError, match="position"):  # required: a type checker sees it
        await client.list_fields.create(name="x", title="X", type="string")  # type: ignore[call-arg]
    with pytest.raises(InvalidArgumentError):
        await client.list_fields.create(name="x", title="X", type="string", position=-1)
    options = await client.esp_connections.options()
    assert options and all(o.id and o.name and o.esp_name for o in options)
    assert all(o.support_transactional is not None for o in options)
    active = await client.esp_connections.options(active_only=True)
    assert 0 < len(active) < len(options)


@pytest.mark.parametrize("namespace", ["segments", "mailings", "emails", "list_fields"])
async def test_collection_arguments_are_checked(
    client: OngageClient, sandbox: Sandbox, namespace: str
) -> None:
    resource = getattr(client, namespace)
    for bad_id in ("abc", "²", "٣", 0, -1, 10**30, "9" * 40, True):
        with pytest.raises(InvalidArgumentError):
            await resource.get(bad_id)
    required = _REQUIRED[namespace]
    with pytest.raises(InvalidArgumentError):
        await resource.create(**{**required, "name": ""})
    for smuggled in ({"id": 3}, {"list_id": 1}):
        with pytest.raises(InvalidArgumentError):
            await resource.create(**required, extra_body=smuggled)
    with pytest.raises(TypeError):  # an unknown keyword: never sent as a field
        await resource.create(**required, list_id_in_body=1)
    assert sandbox.recorder.calls == []


_REQUIRED: dict[str, dict[str, Any]] = {
    "segments": {"name": "x"},
    "mailings": {"name": "x", "send_now": True},
    "emails": {"name": "x"},
    "list_fields": {"name": "x", "title": "X", "type": "string", "position": 1},
}


async def test_a_list_scoped_object_of_another_list_is_not_found(client: OngageClient) -> None:
    segment = await client.segments.create(name="here")
    with pytest.raises(APIError) as caught:
        await client.segments.get(segment.id, list_id=10001)
    assert caught.value.status == 404
