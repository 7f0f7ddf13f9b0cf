"""Read by mypy, never run: the public methods' keywords are typed.

`nox -s typecheck` runs `mypy --strict --warn-unused-ignores tests/typing`. Each typo
below must be an error (`call-arg`): if a method accepted any keyword again (a
`**kwargs`), its `# type: ignore` would be unused and mypy would fail. The calls
without an ignore must type-check as they are: the documented keywords, and the
`extra_query=`/`extra_body=` escape hatch.
"""

from __future__ import annotations

import datetime as dt

from ongage_async import OngageClient
from ongage_async.resources import Criterion


async def typos_are_errors(client: OngageClient) -> None:
    await client.segments.list(nmae="x")  # type: ignore[call-arg]
    client.segments.iter(nmae="x")  # type: ignore[call-arg]
    await client.segments.create(name="x", descripton="d")  # type: ignore[call-arg]
    await client.segments.update(1, nmae="x")  # type: ignore[call-arg]
    await client.mailings.list(ofset=10)  # type: ignore[call-arg]
    await client.mailings.create(name="m", shedule_date=1)  # type: ignore[call-arg]
    await client.mailings.update(1, nmae="m")  # type: ignore[call-arg]
    await client.mailings.abort(1, lsit_id=5)  # type: ignore[call-arg]
    await client.emails.list(pgae=2)  # type: ignore[call-arg]
    client.emails.iter(subjet="x")  # type: ignore[call-arg]
    await client.emails.create(name="e", subjet="x")  # type: ignore[call-arg]
    await client.transactional.list(ordr="ASC")  # type: ignore[call-arg]
    await client.transactional.create(name="t", description="d", typ="e")  # type: ignore[call-arg]
    await client.list_fields.update(1, titel="x")  # type: ignore[call-arg]
    await client.lists.update(1, name="n", frequncy_active=True)  # type: ignore[call-arg]
    client.lists.iter(tpye="sending")  # type: ignore[call-arg]
    await client.contact_search.list(ordr="DESC")  # type: ignore[call-arg]
    await client.contact_search.create([], title="t", user_tpye="a")  # type: ignore[call-arg]
    await client.contact_activity.create([], title="t", from_dat=1)  # type: ignore[call-arg]
    await client.imports.list(nmae="x")  # type: ignore[call-arg]
    await client.reports.query(["sent"], extra_bdy={})  # type: ignore[call-arg]
    await client.esp_connections.options(active=True)  # type: ignore[call-arg]


async def documented_calls_type_check(client: OngageClient) -> None:
    await client.segments.list(offset=0, limit=10, sort="name", order="ASC", list_id=5)
    await client.segments.create(
        name="s",
        description="d",
        type="Active",
        rules=[{"field_name": "email", "operator": "=", "operand": ["a@example.com"]}],
        extra_body={"favorite": True},
    )
    await client.segments.update(1, name="t", extra_query={"x": 1})
    await client.mailings.create(
        name="m",
        schedule_date=dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc),
        email_message=[27],
        segments=[1429],
        distribution=[{"esp_connection_id": 12345, "percent": 100}],
        extra_body={"image_domain": "img.example.com"},
    )
    await client.mailings.create(name="now", send_now=True)
    await client.mailings.cancel(1, extra_query={"x": "y"})
    await client.emails.list(page=2, page_size=10, type="template", favorite=True)
    await client.emails.create(name="e", subject="s", content_html="<p>hi</p>")
    await client.transactional.create(name="t", description="d", message_type="email")
    await client.transactional.send(1, ["a@example.com"], extra_body={"x": 1})
    await client.list_fields.create(name="f", title="F", type="string", position=1)
    await client.list_fields.update(1, title="F", format="dd/mm/yyyy", position=4)
    await client.lists.update(1, name="n", frequency_active=True, extra_body={"x": 1})
    await client.contact_search.create(
        [Criterion("state", "=", "NY")], title="NY", user_type="active", extra_query={"a": 1}
    )
    await client.contact_activity.create(
        [], title="t", from_date=dt.date(2026, 1, 1), to_date=dt.date(2026, 2, 1)
    )
    await client.reports.query(["sent"], extra_body={"value": "x"}, extra_query={"y": 1})
    await client.exports.create(
        "e", statuses=["active"], date_format="mm/dd/yyyy", segment_ids=[1], extra_body={}
    )
