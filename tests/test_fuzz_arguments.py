"""Arbitrary values thrown at the public methods: only documented errors come out.

A method may succeed, raise :class:`~ongage_async.OngageError` (an invalid argument
before sending, or the server's typed answer), and nothing else: no bare ``KeyError``,
``TypeError``, ``AttributeError`` or ``JSONDecodeError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ongage_async import OngageClient, OngageError
from ongage_async.sandbox import Sandbox, SandboxConfig

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.just("a@example.com"),
    st.just("10001"),
    st.just("x" * 5000),
    st.lists(st.one_of(st.integers(), st.text(max_size=10), st.just("a@example.com")), max_size=3),
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8)), max_size=3),
    st.just(object()),
)

CALLS: dict[str, Callable[[OngageClient, Any, Any], Any]] = {
    "request": lambda c, a, b: c.request(a, b),
    "request_json": lambda c, a, b: c.request("POST", "/api/mailings", json=a, params=b),
    "lists.get": lambda c, a, b: c.lists.get(a),
    "lists.list": lambda c, a, b: c.lists.list(type=a, limit=b),
    "lists.create": lambda c, a, b: c.lists.create(name=a, type=b),
    "lists.update": lambda c, a, b: c.lists.update(a, name=b),
    "lists.copy": lambda c, a, b: c.lists.copy(a, name=b),
    "contacts.create": lambda c, a, b: c.contacts.create(a, overwrite=b),
    "contacts.create_row": lambda c, a, b: c.contacts.create([{"email": a, "fields": b}]),
    "contacts.get": lambda c, a, b: c.contacts.get(a, list_id=b),
    "contacts.get_by_id": lambda c, a, b: c.contacts.get_by_id(a),
    "contacts.find": lambda c, a, b: c.contacts.find(a),
    "contacts.change_status": lambda c, a, b: c.contacts.change_status(a, b),
    "contacts.change_email": lambda c, a, b: c.contacts.change_email(a, b),
    "contacts.delete": lambda c, a, b: c.contacts.delete(a),
    "contacts.upsert_many": lambda c, a, b: c.contacts.upsert_many(a, chunk_size=b),
    "transactional.send": lambda c, a, b: c.transactional.send(a, b),
    "transactional.send_content": lambda c, a, b: c.transactional.send_content(
        subject=a, html=b, recipients=["a@example.com"]
    ),
    "reports.query": lambda c, a, b: c.reports.query(a, list_ids=b),
    "reports.filter": lambda c, a, b: c.reports.query(["sent"], filter=a, order=b),
    "segments.create": lambda c, a, b: c.segments.create(name=a, description=b),
    "segments.get": lambda c, a, b: c.segments.get(a, list_id=b),
    "emails.list": lambda c, a, b: c.emails.list(page=a, page_size=b),
    "imports.create": lambda c, a, b: c.imports.create(a, csv_delimiter=b),
    "exports.create": lambda c, a, b: c.exports.create(
        a, fields=b, statuses=["active"], date_format="mm/dd/yyyy", segment_ids=[1]
    ),
    "contact_search.create": lambda c, a, b: c.contact_search.create(a, title=b),
}


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=values, second=values)
def test_only_documented_errors_come_out(name: str, backend: str, first: Any, second: Any) -> None:
    sandbox = Sandbox(SandboxConfig(rate_limit=10**6, rate_period=1.0))

    async def attempt() -> None:
        async with sandbox.client(retry=False) as client:
            with contextlib.suppress(OngageError):
                await CALLS[name](client, first, second)
            # Whatever came out, nothing was left taken: no slot, no token in use.
            stats = client.governor.statistics()
            assert (stats.in_flight, stats.waiting, stats.budget.in_use) == (0, 0, 0)
        assert sandbox.app.limits.in_flight == 0

    anyio.run(attempt, backend=backend)
