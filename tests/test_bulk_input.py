"""The bulk engine with odd input: nothing lost, nothing written twice (issue #12, item 8).

Case variants of one e-mail are one contact (the first row wins); an answer that
confirms nothing leaves its rows unconfirmed, not "updated"; a value that cannot be
sent skips its own row, never its chunk; a run that stops says which rows it never sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ongage_async.resources import BulkProgress, BulkResult
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import fast_retry

RETRY = fast_retry(max_retries=2, max_delay=0.005)


def make_sandbox() -> Sandbox:
    return Sandbox(
        SandboxConfig(rate_limit=10_000, rate_period=1.0, seed_lists=[{"id": 500, "name": "m"}])
    )


def accounted(result: BulkResult) -> int:
    return result.created + result.updated + len(result.failed) + len(result.skipped)


class Rewrite(httpx.AsyncBaseTransport):
    """The sandbox behind a wire that lets the sandbox act, then rewrites the answer of
    each call to ``path`` with ``answer(payload, request)`` and records the bodies sent."""

    def __init__(self, sandbox: Sandbox, path: str, answer: Any) -> None:
        self.inner = sandbox.transport()
        self.path = path
        self.answer = answer
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith(self.path):
            return response
        self.bodies.append(request.content)
        await response.aread()
        payload = self.answer(response.json()["payload"], json.loads(request.content))
        return httpx.Response(200, json={"metadata": {"error": False}, "payload": payload})

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- case variants -------------------------------------------------------------------


async def test_case_variants_of_one_email_write_one_contact_and_the_first_row_wins() -> None:
    sandbox = make_sandbox()
    rows = [
        {"email": "Ann@Example.com", "fields": {"city": "Oslo"}},
        {"email": "bob@example.com", "fields": {"city": "Lima"}},
        {"email": "ann@example.com", "fields": {"city": "Pune"}},
        {"email": "ANN@EXAMPLE.COM", "fields": {"city": "Rome"}},
    ]
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        # One row a call: without the case-blind dedupe each variant is its own write.
        result = await client.contacts.upsert_many(rows, chunk_size=1)
    assert result.total == 4 == accounted(result)
    assert (result.created, result.updated) == (2, 0)
    assert result.skipped == {
        "ann@example.com (row 3)": "duplicate: an earlier row wins (Ann@Example.com)",
        "ANN@EXAMPLE.COM (row 4)": "duplicate: an earlier row wins (Ann@Example.com)",
    }
    assert result.row_numbers == {"ann@example.com (row 3)": 3, "ANN@EXAMPLE.COM (row 4)": 4}
    assert sandbox.store.find_contact(500, "ann@example.com").fields == {"city": "Oslo"}
    assert sandbox.recorder.contact_writes[(500, "ann@example.com")] == 1


async def test_an_answer_that_echoes_another_case_still_confirms_the_row() -> None:
    sandbox = make_sandbox()

    def lower_case(payload: Any, _: Any) -> Any:
        for key in ("created_emails", "updated_emails", "failed_emails"):
            if isinstance(payload.get(key), dict):
                payload[key] = {email.lower(): v for email, v in payload[key].items()}
        return payload

    wire = Rewrite(sandbox, "/api/v2/contacts", lower_case)
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(
            [{"email": "Zoe@Example.com"}, {"email": "Max@Example.com"}], keep_ids=True
        )
    assert (result.created, result.failed) == (2, {})
    assert set(result.ids) == {"Zoe@Example.com", "Max@Example.com"}


# -- empty answers -------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, [], {}, {"success": 0, "failed_emails": []}])
async def test_an_empty_status_answer_confirms_nothing(empty: Any) -> None:
    sandbox = make_sandbox()
    wire = Rewrite(sandbox, "/change_status", lambda _payload, _body: empty)
    emails = [f"s{i}@example.com" for i in range(3)]
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        await client.contacts.upsert_many([{"email": e} for e in emails])
        result = await client.contacts.change_status_many(emails, "unsubscribe")
    assert result.total == 3 == accounted(result)
    assert result.updated == 0 and not result.ok
    assert set(result.failed) == set(emails)
    assert set(result.failed.values()) == {"not confirmed: the answer confirmed 0 of 3 changes"}


async def test_a_status_answer_whose_count_does_not_add_up_confirms_only_its_failures() -> None:
    sandbox = make_sandbox()

    def short(payload: Any, _: Any) -> Any:  # one change counted for two e-mails not failed
        return {**payload, "success": 1}

    wire = Rewrite(sandbox, "/change_status", short)
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        await client.contacts.upsert_many([{"email": "a@example.com"}, {"email": "b@example.com"}])
        result = await client.contacts.change_status_many(
            ["a@example.com", "b@example.com", "Gone@example.com"], "unsubscribe"
        )
    assert result.updated == 0 and accounted(result) == 3
    assert result.failed["Gone@example.com"] == "Contact not found"
    assert result.failed["a@example.com"] == "not confirmed: the answer confirmed 1 of 2 changes"


async def test_an_empty_write_answer_leaves_rows_unconfirmed() -> None:
    sandbox = make_sandbox()
    wire = Rewrite(sandbox, "/api/v2/contacts", lambda _payload, _body: [])
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many([{"email": "e@example.com"}])
    assert result.failed == {
        "e@example.com": "not confirmed: the answer did not mention this contact"
    }


# -- bad values ----------------------------------------------------------------------


async def test_a_bad_value_skips_its_own_row_and_the_chunk_goes_through() -> None:
    sandbox = make_sandbox()
    wire = Rewrite(sandbox, "/api/v2/contacts", lambda payload, _body: payload)
    oslo = dt.timezone(dt.timedelta(hours=2))
    good = [{"email": f"g{i}@example.com", "fields": {"n": i}} for i in range(95)]
    good[0]["fields"] = {
        "born": dt.date(1990, 2, 28),
        "seen": dt.datetime(2024, 5, 1, 14, 30, 15, 999, tzinfo=oslo),
        "local": dt.datetime(2024, 5, 1, 9, 0),
        "price": Decimal("12.50"),
        "big": Decimal("1E+3"),
        "tags": ("a", "b"),
    }
    bad = [
        {"email": "nan@example.com", "fields": {"score": float("nan")}},
        {"email": "inf@example.com", "fields": {"score": float("inf")}},
        {"email": "dnan@example.com", "fields": {"price": Decimal("NaN")}},
        {"email": "set@example.com", "fields": {"tags": {"a", "b"}}},
        {"email": "obj@example.com", "fields": {"when": object()}},
    ]
    rows = good[:40] + bad + good[40:]
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(rows, chunk_size=100)
    assert result.total == 100 == accounted(result)
    assert (result.created, result.failed, result.calls) == (95, {}, 1)
    assert result.skipped == {
        "nan@example.com (row 41)": "fields.score is nan: not a number Ongage can store",
        "inf@example.com (row 42)": "fields.score is inf: not a number Ongage can store",
        "dnan@example.com (row 43)": "fields.price is NaN: not a number Ongage can store",
        "set@example.com (row 44)": "fields.tags is a set: JSON has none "
        "(pass a list or a joined string)",
        "obj@example.com (row 45)": "fields.when is of type object: format it as text first",
    }
    assert sandbox.store.find_contact(500, "g0@example.com").fields == {
        "born": "1990-02-28",
        "seen": "2024-05-01 12:30:15",  # aware: in UTC, to the second
        "local": "2024-05-01 09:00:00",
        "price": "12.50",
        "big": "1000",
        "tags": ["a", "b"],
    }
    [body] = wire.bodies
    sent = json.loads(body)
    assert len(sent) == 95 and sent[0]["fields"]["price"] == "12.50"


async def test_the_byte_count_is_of_the_body_sent() -> None:
    sandbox = make_sandbox()
    wire = Rewrite(sandbox, "/api/v2/contacts", lambda payload, _body: payload)
    rows = [
        {
            "email": f"d{i}@example.com",
            "fields": {"when": dt.datetime(2024, 1, 1, 0, 0, i % 60), "amount": Decimal(i) / 7},
        }
        for i in range(300)
    ]
    async with sandbox.client(retry=RETRY, list_id=500, transport=wire) as client:
        result = await client.contacts.upsert_many(rows, chunk_size=100, max_chunk_bytes=2000)
    assert result.created == 300
    assert all(len(body) <= 2000 for body in wire.bodies)
    assert all(len(body) > 2000 - 200 for body in wire.bodies[:-1])  # packed: the count is true


# -- unreadable rows and stopped runs ------------------------------------------------


async def test_an_unreadable_row_is_counted_and_skipped_with_its_reason() -> None:
    from ongage_async._rowcodec import RejectedRow

    sandbox = make_sandbox()
    rows: list[Any] = [{"email": "r1@example.com"}, RejectedRow("line 2: not JSON", "{")]
    async with sandbox.client(retry=RETRY, list_id=500) as client:
        result = await client.contacts.upsert_many([*rows, {"email": "r3@example.com"}])
    assert (result.total, result.created) == (3, 2)
    assert result.skipped == {"<unreadable> (row 2)": "line 2: not JSON"}


async def test_a_stopped_run_tells_rows_in_flight_from_rows_never_sent() -> None:
    from ongage_async.resources._bulk import NEVER_SENT

    sandbox = make_sandbox()

    def people() -> Iterator[dict[str, Any]]:
        for i in range(2000):
            yield {"email": f"c{i}@example.com"}

    async with sandbox.client(retry=RETRY, list_id=500, max_concurrency=3) as client:
        operation = client.contacts.bulk_upsert(people(), chunk_size=20)
        with anyio.CancelScope() as scope:

            def stop(progress: BulkProgress) -> None:
                if progress.done >= 200:
                    scope.cancel()

            operation._on_progress = stop
            await operation.run()
    result = operation.result()
    assert result.total == accounted(result) < 2000
    never = {label for label, why in result.failed.items() if why.endswith(NEVER_SENT)}
    assert never, "the chunk read ahead was never sent"
    assert all(why.startswith("not confirmed: ") for why in result.failed.values())
    written = {email for _, email in sandbox.recorder.contact_writes}
    assert not never & written  # "never sent" is a promise


# -- the invariant, with odd input ---------------------------------------------------

odd_rows = st.lists(
    st.one_of(
        st.tuples(
            st.integers(0, 15),
            st.sampled_from(["lower", "upper", "title"]),
            st.integers(0, 9),
        ).map(
            lambda t: {
                "email": getattr(f"u{t[0]}@example.com", t[1])(),
                "fields": {"v": t[2]},
            }
        ),
        st.sampled_from(
            [
                {"email": "nan@example.com", "fields": {"x": float("nan")}},
                {"email": "set@example.com", "fields": {"x": {1}}},
                {"email": "bad"},
                "not a mapping",
            ]
        ),
        st.integers(0, 15).map(
            lambda i: {"email": f"u{i}@example.com", "fields": {"d": dt.date(2020, 1, 1 + i)}}
        ),
    ),
    max_size=80,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=odd_rows, chunk=st.integers(1, 30))
def test_odd_input_is_written_once_first_row_wins_and_every_row_is_accounted(
    rows: list[Any], chunk: int
) -> None:
    sandbox = make_sandbox()

    async def go() -> BulkResult:
        async with sandbox.client(retry=RETRY, list_id=500) as client:
            return await client.contacts.upsert_many(rows, chunk_size=chunk)

    result = anyio.run(go)
    assert result.total == len(rows) == accounted(result) and result.ok
    first: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and "@example.com" in row["email"].lower():
            fields = row["fields"]
            if not any(isinstance(v, (float, set)) for v in fields.values()):
                first.setdefault(row["email"].lower(), fields)
    stored = sandbox.store.contacts[500]
    assert set(stored) == set(first) and result.created == len(first)
    assert set(sandbox.recorder.contact_writes.values()) <= {1}
    for email, fields in first.items():
        expect = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in fields.items()}
        assert stored[email].fields == expect
