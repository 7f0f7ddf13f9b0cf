"""Issue #12, items 3, 6 and 7: no pause without a bound; retry only what can succeed,
on a schedule that fits the failure; idempotency per endpoint, as the server sees it."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ongage_async import (
    AmbiguousOutcomeError,
    APIConnectionError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    OngageClient,
    OngageError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from ongage_async._retry import retry_after_seconds
from ongage_async.governor import SlidingWindowBudget
from ongage_async.middleware import Call
from ongage_async.middleware import Handler as CallHandler
from ongage_async.models import Response
from ongage_async.resources import Criterion
from ongage_async.resources._base import namespace
from ongage_async.sandbox import Fault

from .helpers import creds
from .test_retry import POLICY, Sleeps, faulty

Handler = Callable[[httpx.Request], httpx.Response]
FAR_FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"


def envelope(payload: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"metadata": {"error": False}, "payload": payload or []})


def ongage_error(status: int, message: str, **headers: str) -> httpx.Response:
    body = {"metadata": {"error": True}, "payload": {"code": status, "message": message}}
    return httpx.Response(status, json=body, headers=headers)


class Script:
    """A MockTransport handler: answers (or raises) from a script, then repeats the last."""

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


def mock_client(handler: Handler, **options: Any) -> OngageClient:
    return OngageClient(**creds(transport=httpx.MockTransport(handler), **options))


# -- item 3: no pause without a bound --------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "1e400", "-5", "soon", ""])
def test_a_retry_after_with_no_usable_length_counts_as_absent(value: str) -> None:
    assert retry_after_seconds({"Retry-After": value}) is None


def test_a_retry_after_is_read_but_not_bounded_by_the_parser() -> None:
    assert retry_after_seconds({"retry-after": "99999999"}) == 99999999.0
    assert retry_after_seconds({"Retry-After": FAR_FUTURE}) > 200_000_000_000  # type: ignore[operator]
    assert retry_after_seconds({"Retry-After": "Thu, 01 Jan 1998 00:00:00 GMT"}) == 0.0


@pytest.mark.parametrize("value", ["99999999", "inf", "1e400", FAR_FUTURE])
async def test_a_huge_retry_after_pauses_the_governor_no_longer_than_max_delay(value: str) -> None:
    # rate_period=60 makes the default pause (no usable header) a minute: max_delay wins too.
    policy = RetryPolicy(max_retries=0, max_delay=2.0)
    client = mock_client(
        Script(ongage_error(429, "slow down", **{"Retry-After": value})), retry=policy
    )
    async with client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        assert 1.0 < client.governor.statistics().budget.paused_for <= 2.0


@pytest.mark.parametrize("value", ["-5", "nan"])
async def test_a_negative_or_nan_retry_after_still_pauses_the_governor(value: str) -> None:
    policy = RetryPolicy(max_retries=0, max_delay=2.0)
    client = mock_client(
        Script(ongage_error(429, "slow down", **{"Retry-After": value})), retry=policy
    )
    async with client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        # As without the header: one rate period (60 s), bounded by max_delay.
        assert 1.0 < client.governor.statistics().budget.paused_for <= 2.0


async def test_a_year_long_retry_after_delays_the_retry_by_max_delay_only() -> None:
    script = Script(ongage_error(429, "slow down", **{"Retry-After": "99999999"}), envelope())
    sleeps = Sleeps()
    policy = RetryPolicy(max_retries=2, max_delay=0.02, jitter=0)
    async with mock_client(script, retry=policy, sleep=sleeps) as client:
        with anyio.fail_after(5):  # today: the governor pauses for three years
            assert await client.request("GET", "/api/lists") == []
    assert sleeps.delays == [0.02]


async def test_without_a_retry_policy_a_pause_is_bounded_by_the_default_max_delay() -> None:
    script = Script(ongage_error(429, "slow down", **{"Retry-After": "99999999"}))
    async with mock_client(script, retry=False) as client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/api/lists")
        assert 900 < client.governor.statistics().budget.paused_for <= RetryPolicy().max_delay


@pytest.mark.parametrize("seconds", [math.inf, math.nan, -5.0])
async def test_the_budget_refuses_a_pause_without_a_bound(seconds: float) -> None:
    budget = SlidingWindowBudget(10, 1.0)
    await budget.pause(seconds)
    assert budget.statistics().paused_for == 0.0
    async with budget.spend():  # not stopped for good
        pass


def test_policy_delays_are_bounded_whatever_they_are_given() -> None:
    policy = RetryPolicy(jitter=0)
    for hint in (math.inf, math.nan, -5.0):
        assert policy.delay(0, retry_after=hint) == 60.0  # as if there were no header
    assert policy.delay(0, retry_after=99999999) == 960.0
    assert policy.delay(5000) == 960.0  # 2.0 ** 5000 overflows a float
    assert policy.connection_delay(5000) == 4.0
    assert policy.pause_bound(99999999) == 960.0


# -- item 6: retry only what can succeed, on a schedule that fits ------------------------


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message"),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["refused", "dns", "connect-timeout", "dropped", "read-timeout"],
)
async def test_no_answer_is_retried_for_seconds_not_half_an_hour(error: Exception) -> None:
    script = Script(error)
    sleeps = Sleeps()
    async with mock_client(script, retry=RetryPolicy(jitter=0), sleep=sleeps) as client:
        with pytest.raises(APIConnectionError):
            await client.request("GET", "/api/lists")
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0, 4.0]  # was 1, 2, 4, 8 and 16 minutes
    assert len(script.requests) == 6


async def test_a_body_cut_short_is_retried_on_the_short_schedule() -> None:
    cut = httpx.Response(
        200, content=b'{"metadata": {"error": fal', headers={"content-type": "application/json"}
    )
    script = Script(cut, envelope([1]))
    sleeps = Sleeps()
    async with mock_client(script, retry=RetryPolicy(jitter=0), sleep=sleeps) as client:
        assert await client.request("GET", "/api/lists") == [1]
    assert sleeps.delays == [0.5]


async def test_429_and_5xx_keep_ongages_minutes() -> None:
    sleeps = Sleeps()
    script = Script(ongage_error(503, "Service Unavailable"))
    async with mock_client(script, retry=RetryPolicy(jitter=0), sleep=sleeps) as client:
        with pytest.raises(ServerError):
            await client.request("GET", "/api/lists")
    assert sleeps.delays == [60, 120, 240, 480, 960]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_final(status: int) -> None:
    script = Script(httpx.Response(status, headers={"location": "https://portal.example/"}))
    sleeps = Sleeps()
    async with mock_client(script, retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.request("GET", "/api/lists")
    assert caught.value.status == status
    assert (len(script.requests), sleeps.delays) == (1, [])


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Sign in to the hotel Wi-Fi</body></html>", "text/html"),
        (b"Service temporarily moved", "text/plain"),
        (b'{"login": "required"}', "application/json"),  # JSON, but not Ongage's envelope
    ],
    ids=["captive-portal", "text", "other-json"],
)
async def test_a_200_that_is_not_ongages_json_is_final(body: bytes, content_type: str) -> None:
    script = Script(httpx.Response(200, content=body, headers={"content-type": content_type}))
    sleeps = Sleeps()
    async with mock_client(script, retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await client.request("GET", "/api/lists")
    assert not caught.value.transient
    assert (len(script.requests), sleeps.delays) == (1, [])


async def test_the_connection_schedule_is_the_users_to_change() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    policies = {
        RetryPolicy(
            connection_retries=2, connection_base_delay=0.1, connection_max_delay=0.15, jitter=0
        ): [0.1, 0.15],
        RetryPolicy(connection_retries=0): [],
        RetryPolicy(max_retries=0): [],  # no retries means none of either kind
        RetryPolicy(max_retries=2, jitter=0): [0.5, 1.0],  # as many as max_retries says
        RetryPolicy(max_retries=0, connection_retries=1, jitter=0): [0.5],
        RetryPolicy(max_delay=0.01, jitter=0): [0.01] * 5,  # max_delay bounds every wait
    }
    for policy, expected in policies.items():
        sleeps = Sleeps()
        async with mock_client(Script(refused), retry=policy, sleep=sleeps) as client:
            with pytest.raises(APIConnectionError):
                await client.request("POST", "/api/transactional/send", json={})
        assert sleeps.delays == expected


async def test_jitter_never_takes_a_connection_delay_past_its_cap() -> None:
    policy = RetryPolicy(jitter=0.5)
    delays = [policy.connection_delay(n) for n in range(4) for _ in range(50)]
    assert all(0.5 <= d <= 4.0 for d in delays)


def _gives_up_at(caplog: pytest.LogCaptureFixture) -> tuple[str, float]:
    notes = [r.getMessage() for r in caplog.records if "gives up" in r.getMessage()]
    assert len(notes) == 1, notes  # said once, with the first retry
    found = re.search(r"gives up (.+?), at about (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", notes[0])
    assert found is not None, notes[0]
    when = dt.datetime.strptime(found[2], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    return found[1], when.timestamp() - time.time()


async def test_the_first_retry_logs_when_the_call_gives_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ongage_async")
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    async with mock_client(Script(refused), retry=RetryPolicy(jitter=0), sleep=Sleeps()) as c:
        with pytest.raises(APIConnectionError):
            await c.request("GET", "/api/lists")
    how, seconds = _gives_up_at(caplog)
    assert how == "after 5 retries"
    assert 9.5 <= seconds <= 13.5  # 0.5 + 1 + 2 + 4 + 4 s of back-off

    caplog.clear()
    script = Script(ongage_error(503, "Service Unavailable"))
    async with mock_client(script, retry=RetryPolicy(jitter=0), sleep=Sleeps()) as c:
        with pytest.raises(ServerError):
            await c.request("GET", "/api/lists")
    how, seconds = _gives_up_at(caplog)
    assert how == "after 5 retries"
    assert 1858 <= seconds <= 1862  # 1 + 2 + 4 + 8 + 16 minutes

    caplog.clear()
    async with mock_client(script, retry=RetryPolicy(jitter=0), sleep=Sleeps()) as c:
        with pytest.raises(ServerError):
            await c.request("GET", "/api/lists", deadline=100)
    how, seconds = _gives_up_at(caplog)
    assert how == "at its deadline"
    assert 98 <= seconds <= 101


# -- item 7: idempotency, per endpoint, as the server sees it ---------------------------


async def test_contact_search_create_is_not_repeated_after_a_lost_answer() -> None:
    sandbox = faulty(Fault("lost_answer"))
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps) as client:
        with pytest.raises(ServerError):
            await client.contact_search.create(
                [Criterion("email", "LIKE", "example")], title="NY", list_id=500
            )
    assert sleeps.delays == []
    searches = [job for job in sandbox.store.jobs.values() if job.kind == "contact_search"]
    assert len(searches) == 1  # the lost answer's search, and no second one


async def test_change_email_after_a_lost_answer_is_never_not_found() -> None:
    sandbox = faulty(None, Fault("lost_answer", path="change_email"))
    sleeps = Sleeps()
    async with sandbox.client(retry=POLICY, sleep=sleeps, list_id=500) as client:
        await client.contacts.create({"email": "a@example.com"})
        with pytest.raises(AmbiguousOutcomeError) as caught:
            await client.contacts.change_email("a@example.com", "b@example.com")
    error = caught.value
    assert not isinstance(error, NotFoundError)
    assert error.status == 404
    assert isinstance(error.earlier, ServerError) and error.earlier.status == 504
    assert isinstance(error.__cause__, NotFoundError)
    assert len(sleeps.delays) == 1
    # The first attempt did the change; the error says so may have happened.
    assert sandbox.store.find_contact(500, "b@example.com") is not None
    assert sandbox.store.find_contact(500, "a@example.com") is None


async def test_a_real_not_found_is_still_not_found() -> None:
    sandbox = faulty()
    async with sandbox.client(retry=POLICY, sleep=Sleeps(), list_id=500) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.contacts.change_email("nobody@example.com", "b@example.com")
    assert not isinstance(caught.value, AmbiguousOutcomeError)


async def test_a_delete_repeated_after_a_lost_answer_is_ambiguous_not_missing() -> None:
    sandbox = faulty(Fault("lost_answer"))
    async with sandbox.client(retry=POLICY, sleep=Sleeps()) as client:
        with pytest.raises(AmbiguousOutcomeError) as caught:
            await client.lists.delete(500)
    assert caught.value.status == 404
    assert sandbox.store.live_list(500) is None  # the first attempt deleted it


async def test_a_read_retried_after_a_5xx_still_says_not_found() -> None:
    script = Script(ongage_error(503, "busy"), ongage_error(404, "Contact not found"))
    async with mock_client(script, retry=POLICY, sleep=Sleeps()) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.request("GET", "/api/contacts/by_email/a@example.com")
    assert not isinstance(caught.value, AmbiguousOutcomeError)


async def test_a_write_retried_after_a_429_keeps_its_plain_error() -> None:
    # A 429 did nothing on the server: the 404 that follows is the whole truth.
    script = Script(ongage_error(429, "slow down"), ongage_error(404, "Contact not found"))
    policy = RetryPolicy(max_retries=1, base_delay=0, max_delay=0.001, jitter=0)
    async with mock_client(script, retry=policy, sleep=Sleeps()) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.request("PUT", "/api/contacts/change_email", json={})
    assert not isinstance(caught.value, AmbiguousOutcomeError)


async def test_a_refused_credential_after_a_lost_answer_stays_what_it_is() -> None:
    script = Script(ongage_error(504, "Gateway Time-out"), ongage_error(401, "Unauthorized"))
    async with mock_client(script, retry=POLICY, sleep=Sleeps()) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.request("DELETE", "/api/lists/5")
    assert not isinstance(caught.value, AmbiguousOutcomeError)


# -- item 7: the idempotency table in docs/reliability.md --------------------------------

RELIABILITY = Path(__file__).parent.parent / "docs" / "reliability.md"


def idempotency_table() -> dict[str, tuple[str, str]]:
    """``{"lists.create": ("POST /api/lists", "no ..."), ...}`` from the documented table."""
    text = RELIABILITY.read_text(encoding="utf-8")
    section = text.split("## Idempotency", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        for name in cells[0].split(","):
            rows[name.strip().strip("`")] = (cells[1], cells[2])
    return rows


def namespace_methods() -> set[str]:
    names = set()
    for attribute, prop in vars(OngageClient).items():
        if not isinstance(prop, namespace):
            continue
        resource = type(getattr(OngageClient(**creds()), attribute))
        names |= {
            f"{attribute}.{name}"
            for name, member in inspect.getmembers(resource)
            if not name.startswith("_") and callable(member)
        }
    return names


def test_the_idempotency_table_names_every_method() -> None:
    documented = set(idempotency_table())
    assert documented - {"client.request", "client.download"} == namespace_methods()


class Recording:
    """A middleware that notes each call as the retry middleware will see it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    async def __call__(self, call: Call, call_next: CallHandler) -> Response:
        self.calls.append(call)
        return await call_next(call)


def _later() -> int:
    return int(time.time()) + 86400


class _UrlStage:
    """A stage that keeps nothing: the file's URL is a fixed one (for the table's sample)."""

    async def put(self, name: str, chunks: Any) -> str:
        async for _ in chunks:
            pass
        return "https://example.com/c.csv"

    async def delete(self, name: str) -> None:
        return None


def _search(c: OngageClient, namespace: str) -> Any:
    return getattr(c, namespace).create([Criterion("email", "LIKE", "a")], title="t")


WRITES: dict[str, Callable[[OngageClient], Awaitable[Any]]] = {
    "lists.create": lambda c: c.lists.create(name="n", type="sending"),
    "lists.update": lambda c: c.lists.update(500, name="n"),
    "lists.copy": lambda c: c.lists.copy(500, name="copy"),
    "lists.delete": lambda c: c.lists.delete(999),
    "contacts.create": lambda c: c.contacts.create({"email": "a@example.com"}, overwrite=True),
    "contacts.update": lambda c: c.contacts.update({"email": "a@example.com"}),
    "contacts.change_status": lambda c: c.contacts.change_status(["a@example.com"], "unsubscribe"),
    "contacts.change_email": lambda c: c.contacts.change_email("a@example.com", "b@example.com"),
    "contacts.delete": lambda c: c.contacts.delete("a1b2c3"),
    "contacts.bulk_upsert": lambda c: c.contacts.bulk_upsert([{"email": "c@example.com"}]).run(),
    "contacts.upsert_many": lambda c: c.contacts.upsert_many([{"email": "d@example.com"}]),
    "contacts.update_many": lambda c: c.contacts.update_many([{"email": "d@example.com"}]),
    "contacts.change_status_many": lambda c: c.contacts.change_status_many(
        ["d@example.com"], "unsubscribe"
    ),
    "imports.create": lambda c: c.imports.create("https://example.com/c.csv"),
    "contacts.import_rows": lambda c: c.contacts.import_rows(
        [{"email": "i@example.com"}], stage=_UrlStage()
    ),
    "exports.create": lambda c: c.exports.create(
        "e", statuses=["active"], date_format="mm/dd/yyyy", segment_ids=[1]
    ),
    "transactional.send": lambda c: c.transactional.send(1, ["a@example.com"]),
    "transactional.send_content": lambda c: c.transactional.send_content(
        subject="s", recipients=["a@example.com"], text="t"
    ),
    "transactional.create": lambda c: c.transactional.create(name="n", description="d"),
    "transactional.update": lambda c: c.transactional.update(1, name="n"),
    "transactional.delete": lambda c: c.transactional.delete(1),
    "reports.query": lambda c: c.reports.query(["sent"]),
    "reports.daily": lambda c: c.reports.daily(),
    "contact_search.create": lambda c: _search(c, "contact_search"),
    "contact_search.delete": lambda c: c.contact_search.delete(1),
    "contact_activity.create": lambda c: _search(c, "contact_activity"),
    "contact_activity.delete": lambda c: c.contact_activity.delete(1),
    "segments.create": lambda c: c.segments.create(name="s"),
    "segments.update": lambda c: c.segments.update(1, name="s"),
    "segments.delete": lambda c: c.segments.delete(1),
    "mailings.create": lambda c: c.mailings.create(name="m", schedule_date=_later()),
    "mailings.update": lambda c: c.mailings.update(1, name="m"),
    "mailings.delete": lambda c: c.mailings.delete(1),
    "mailings.abort": lambda c: c.mailings.abort(1),
    "mailings.cancel": lambda c: c.mailings.cancel(1),
    "mailings.unschedule": lambda c: c.mailings.unschedule(1),
    "emails.create": lambda c: c.emails.create(name="e"),
    "emails.update": lambda c: c.emails.update(1, name="e"),
    "emails.delete": lambda c: c.emails.delete(1),
    "list_fields.create": lambda c: c.list_fields.create(
        name="f", title="F", type="string", position=1
    ),
    "list_fields.update": lambda c: c.list_fields.update(1, title="F"),
    "list_fields.delete": lambda c: c.list_fields.delete(1),
    "list_fields.all_lists": lambda c: c.list_fields.all_lists(
        name="f", title="F", type="string", position=1
    ),
}


def test_every_write_of_the_table_has_a_sample() -> None:
    writes = {
        name
        for name, (http, _) in idempotency_table().items()
        if http.split()[0] in ("POST", "PUT", "DELETE")
    }
    assert writes == set(WRITES)


async def test_each_write_is_sent_as_the_table_says() -> None:
    table = idempotency_table()
    sandbox = faulty()
    recording = Recording()
    client = sandbox.client(retry=POLICY, sleep=Sleeps(), list_id=500, middleware=[recording])
    wrong = {}
    async with client:
        for name, sample in WRITES.items():
            recording.calls.clear()
            with contextlib.suppress(OngageError):
                await sample(client)
            assert recording.calls, f"{name} sent nothing"
            http, said = table[name]
            call = recording.calls[0]
            assert http.startswith(call.method), (name, call.method, http)
            if call.is_idempotent != said.startswith("yes"):
                wrong[name] = (call.is_idempotent, said)
    assert wrong == {}
