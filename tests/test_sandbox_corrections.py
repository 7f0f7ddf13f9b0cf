"""The sandbox follows the "Corrections" of API.md: raw HTTP, status codes and envelopes."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig

from .sandbox_helpers import call, raw_client

HEX_ID = re.compile(r"[0-9a-f]{24}")


@pytest.fixture
def sandbox() -> Sandbox:
    lists = [{"id": 500, "name": "main"}, {"id": 600, "name": "blocked", "type": "suppression"}]
    return Sandbox(SandboxConfig(seed_lists=lists))


def payload_of(document: dict[str, Any]) -> Any:
    assert document["status"] == 200, document
    assert document["metadata"]["error"] is False
    return document["payload"]


def refused(document: dict[str, Any], status: int, *words: str) -> None:
    assert document["status"] == status, document
    assert document["metadata"]["error"] is True
    assert document["payload"]["code"] == status
    for word in words:
        assert word in document["payload"]["message"], document["payload"]["message"]


def no_route(document: dict[str, Any]) -> None:
    refused(document, 404, "No route")


async def add_contacts(http: httpx.AsyncClient, *rows: dict[str, Any]) -> dict[str, str]:
    answer = payload_of(await call(http, "POST", "/500/api/v2/contacts", json=list(rows)))
    return dict(answer["created_emails"])


# 1. Contact ids are opaque hex strings; other objects keep digit ids.


async def test_contact_ids_are_hex_and_accepted_wherever_a_contact_id_goes(
    sandbox: Sandbox,
) -> None:
    async with raw_client(sandbox) as http:
        ids = await add_contacts(http, {"email": "a@example.com"}, {"email": "b@example.com"})
        a, b = ids["a@example.com"], ids["b@example.com"]
        found = payload_of(await call(http, "GET", f"/500/api/contacts/by_id/{a}"))
        absent = await call(http, "GET", "/500/api/contacts/by_id/5aae312578464ae01f8b4567")
        odd = await call(http, "GET", "/500/api/contacts/by_id/not-an-id")
        updated = payload_of(
            await call(http, "PUT", "/500/api/v2/contacts", json={"id": b, "fields": {"x": "1"}})
        )
        one = payload_of(
            await call(http, "POST", "/500/api/contacts/delete", json={"contact_id": a})
        )
        many = payload_of(
            await call(http, "POST", "/500/api/contacts/delete", json={"contact_ids": [b, "zz"]})
        )
    assert all(HEX_ID.fullmatch(i) and not i.isdigit() for i in (a, b))
    assert found["id"] == a and found["email"] == "a@example.com"
    refused(absent, 404, "Contact not found")
    refused(odd, 404, "Contact not found")  # the route took it: only the contact is missing
    assert updated["updated_emails"] == {"b@example.com": b}
    assert (one["deleted"], many["deleted"]) == (1, 1)
    assert list(sandbox.store.contacts_of(500)) == []


async def test_other_objects_keep_digit_ids(sandbox: Sandbox) -> None:
    sandbox.files["https://f.example/c.csv"] = "email\na@example.com\n"
    async with raw_client(sandbox) as http:
        lists = payload_of(await call(http, "GET", "/api/lists"))
        segment = payload_of(await call(http, "POST", "/500/api/segments", json={"name": "s"}))
        mailing = payload_of(await call(http, "POST", "/500/api/mailings", json={"name": "m"}))
        job = payload_of(
            await call(
                http,
                "POST",
                "/500/api/import",
                json={"file_url": "https://f.example/c.csv", "csv_delimiter": ","},
            )
        )
    assert all(isinstance(row["id"], int) for row in lists)
    assert all(str(o["id"]).isdigit() for o in (segment, mailing, job))


# 2. ocx_status is capitalised in answers; statuses from a client ignore case.


@pytest.mark.parametrize(
    ("change_to", "shown"),
    [("unsubscribe", "Unsubscribed"), ("bounce", "Bounced"), ("soft_bounce", "Soft bounce")],
)
async def test_ocx_status_is_capitalised(sandbox: Sandbox, change_to: str, shown: str) -> None:
    async with raw_client(sandbox) as http:
        await add_contacts(http, {"email": "a@example.com"})
        before = payload_of(await call(http, "GET", "/500/api/contacts/by_email/a%40example.com"))
        await call(
            http,
            "POST",
            "/500/api/v2/contacts/change_status",
            json={"emails": ["a@example.com"], "change_to": change_to},
        )
        after = payload_of(await call(http, "GET", "/500/api/contacts/by_email/a%40example.com"))
    assert (before["ocx_status"], after["ocx_status"]) == ("Active", shown)


async def test_statuses_sent_by_a_client_ignore_case(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        await add_contacts(http, {"email": "a@example.com"})
        criterion = {"field_name": "ocx_status", "operator": "=", "operand": ["ACTIVE"]}
        search = await start_search(http, [{**criterion, "case_sensitive": True}])
        segment, _ = await segment_and_mailing(http)
        body = export_body(status=["Active", "UNJOIN-member"], segment_id=[segment])
        export = await call(http, "POST", "/500/api/export", json=body)
    assert search["rows"] == [{"email": "a@example.com"}]
    payload_of(export)


# 3. Mailings: POST launches at once or schedules; the actions are PUTs.


async def mailing(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    return dict(
        payload_of(await call(http, "POST", "/500/api/mailings", json={"name": "m", **body}))
    )


async def status(http: httpx.AsyncClient, mailing_id: str) -> str:
    return str(payload_of(await call(http, "GET", f"/500/api/mailings/{mailing_id}"))["status"])


async def act(http: httpx.AsyncClient, mailing_id: str, action: str) -> dict[str, Any]:
    return dict(await call(http, "PUT", f"/500/api/mailings/{mailing_id}/{action}"))


async def test_post_without_schedule_date_launches_then_completes() -> None:
    sandbox = Sandbox(seed_lists=[{"id": 500, "name": "main"}], job_polls_per_step=2)
    async with raw_client(sandbox) as http:
        launched = await mailing(http)
        seen = [await status(http, launched["id"]) for _ in range(3)]
        listed = payload_of(await call(http, "GET", "/500/api/mailings"))
    assert (launched["status"], launched["status_desc"]) == ("60003", "In Progress")
    assert seen == ["60003", "60003", "60004"]
    assert listed[0]["status_desc"] == "Completed"
    assert sandbox.recorder.mailing_launches == [(500, launched["id"])]


@pytest.mark.parametrize(
    "when", [lambda: int(time.time()) + 86400, lambda: str(int(time.time()) + 600)]
)
async def test_post_with_schedule_date_schedules(sandbox: Sandbox, when: Any) -> None:
    async with raw_client(sandbox) as http:
        scheduled = await mailing(http, schedule_date=when())
        again = await status(http, scheduled["id"])
    assert (scheduled["status"], scheduled["status_desc"], again) == ("60002", "Scheduled", "60002")
    assert sandbox.recorder.mailing_launches == []


@pytest.mark.parametrize("when", [1, int(time.time()) - 60, "tomorrow", 1.5e10, True, [1]])
async def test_past_or_invalid_schedule_date_is_412(sandbox: Sandbox, when: Any) -> None:
    async with raw_client(sandbox) as http:
        refused(
            await call(
                http, "POST", "/500/api/mailings", json={"name": "m", "schedule_date": when}
            ),
            412,
            "schedule_date",
        )
    assert sandbox.recorder.mailing_launches == []


@pytest.mark.parametrize("action", ["abort", "cancel", "unschedule"])
async def test_actions_are_put_and_post_is_no_route(sandbox: Sandbox, action: str) -> None:
    async with raw_client(sandbox) as http:
        running = await mailing(http)
        no_route(await call(http, "POST", f"/500/api/mailings/{running['id']}/{action}"))


async def test_abort_toggles_on_hold_and_in_progress(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        running = await mailing(http)
        held = payload_of(await act(http, running["id"], "abort"))
        still_held = await status(http, running["id"])  # a paused run does not advance
        resumed = payload_of(await act(http, running["id"], "abort"))
        finishing = [await status(http, running["id"]) for _ in range(2)]
        refused(await act(http, running["id"], "abort"), 412, "Completed", "abort")
        scheduled = await mailing(http, schedule_date=int(time.time()) + 3600)
        refused(await act(http, scheduled["id"], "abort"), 412, "Scheduled")
    assert (held["status"], held["status_desc"], still_held) == ("60009", "On Hold", "60009")
    assert resumed["status"] == "60003"
    assert finishing == ["60003", "60004"]


async def test_cancel_and_unschedule(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        scheduled = await mailing(http, schedule_date=int(time.time()) + 3600)
        unscheduled = payload_of(await act(http, scheduled["id"], "unschedule"))
        refused(await act(http, scheduled["id"], "unschedule"), 412, "New", "Scheduled")
        cancelled = payload_of(await act(http, scheduled["id"], "cancel"))
        refused(await act(http, scheduled["id"], "cancel"), 412, "Cancelled")
        running = await mailing(http)
        stopped = payload_of(await act(http, running["id"], "cancel"))
        after = await status(http, running["id"])
        done = await mailing(http)
        assert [await status(http, done["id"]) for _ in range(2)] == ["60003", "60004"]
        refused(await act(http, done["id"], "cancel"), 412, "Completed")
        refused(await act(http, done["id"], "unschedule"), 412)
    assert (unscheduled["status"], cancelled["status"]) == ("60001", "60006")
    assert (stopped["status"], after) == ("60006", "60006")


async def test_put_with_schedule_date_schedules_a_new_mailing_only(sandbox: Sandbox) -> None:
    later = int(time.time()) + 3600
    async with raw_client(sandbox) as http:
        scheduled = await mailing(http, schedule_date=later)
        draft = payload_of(await act(http, scheduled["id"], "unschedule"))
        body = {"schedule_date": later + 60}
        again = payload_of(await call(http, "PUT", f"/500/api/mailings/{draft['id']}", json=body))
        running = await mailing(http)
        late = await call(http, "PUT", f"/500/api/mailings/{running['id']}", json=body)
    assert (draft["status"], again["status"], again["schedule_date"]) == (
        "60001",
        "60002",
        str(later + 60),
    )
    refused(late, 412, "In Progress")


# 4. Exports.


def export_body(**changes: Any) -> dict[str, Any]:
    body = {"name": "My export", "date_format": "dd/mm/yyyy", "file_format": "csv"}
    return {k: v for k, v in {**body, "status": ["active"], **changes}.items() if v is not None}


async def segment_and_mailing(http: httpx.AsyncClient) -> tuple[int, int]:
    segment = payload_of(await call(http, "POST", "/500/api/segments", json={"name": "s"}))
    return int(segment["id"]), int((await mailing(http))["id"])


async def test_export_retrieve_is_412_until_ready_then_a_zip(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        ids = await add_contacts(http, {"email": "a@example.com", "city": "Pune"})
        segment, _ = await segment_and_mailing(http)
        fields = ["email", "city", "ocx_contact_id", "ocx_created_date"]
        body = export_body(segment_id=[segment], fields_selected=fields)
        export_id = payload_of(await call(http, "POST", "/500/api/export", json=body))["id"]
        no_route(await call(http, "GET", f"/500/api/export/{export_id}"))
        early = [await call(http, "GET", f"/500/api/export/{export_id}/retrieve") for _ in range(2)]
        ready = await http.get(f"/500/api/export/{export_id}/retrieve")
    for document in early:
        refused(document, 412, "not finished")
    assert ready.status_code == 200
    assert ready.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(ready.content)) as zipped:
        text = zipped.read(zipped.namelist()[0]).decode()
    today = datetime.now(timezone.utc).strftime("%d/%m/%Y")
    assert list(csv.DictReader(io.StringIO(text))) == [
        {
            "email": "a@example.com",
            "city": "Pune",
            "ocx_contact_id": ids["a@example.com"],
            "ocx_created_date": today,
        }
    ]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": None}, ["name"]),
        ({"date_format": None}, ["date_format", "mm/dd/yyyy", "dd-mm-yy"]),
        ({"date_format": "yyyy-mm-dd"}, ["date_format", "dd/mm/yy"]),
        ({"file_format": "xlsx"}, ["file_format", "csv"]),
        ({"status": None}, ["status", "unjoin-member"]),
        ({"status": []}, ["status"]),
        ({"status": ["gone"]}, ["gone", "active, unjoin-member, clicked"]),
        ({"status": ["bounced"], "segment_id": None}, ["segment"]),
        ({"segment_id": None, "mailing_id": None}, ["segment_id or mailing_id"]),
        ({"segment_id": [999]}, ["999"]),
        ({"segment_id": None, "mailing_id": ["x"]}, ["mailing_id"]),
        ({"fields_selected": ["ocx_bounce_date"]}, ["ocx_contact_id"]),
    ],
)
async def test_export_validation_names_what_is_allowed(
    sandbox: Sandbox, changes: dict[str, Any], words: list[str]
) -> None:
    async with raw_client(sandbox) as http:
        segment, mailing_id = await segment_and_mailing(http)
        body = export_body(**{"segment_id": [segment], "mailing_id": [mailing_id], **changes})
        if "segment_id" in body:
            body.pop("mailing_id", None)
        refused(await call(http, "POST", "/500/api/export", json=body), 412, *words)
        payload_of(
            await call(http, "POST", "/500/api/export", json=export_body(mailing_id=[mailing_id]))
        )


async def test_suppression_list_export_needs_only_the_list(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        payload_of(await call(http, "POST", "/api/export", json=export_body(list_id=600)))
        refused(await call(http, "POST", "/api/export", json=export_body()), 412, "segment_id")


# 5. Reports act on the call's list unless list_ids is given.


async def send_to(http: httpx.AsyncClient, prefix: str, *recipients: str) -> None:
    body = {"message_id": 1, "recipients": list(recipients)}
    payload_of(await call(http, "POST", f"{prefix}/api/transactional/send", json=body))


@pytest.mark.parametrize(
    ("path", "extra", "sent"),
    [
        ("/500/api/reports/query", {}, 2),
        ("/api/reports/query?list_id=500", {}, 2),
        ("/api/reports/query", {"list_id": 500}, 2),
        ("/api/reports/query", {}, 1),  # the account's default list
        ("/500/api/reports/query", {"list_ids": "all"}, 3),
        ("/500/api/reports/query", {"list_ids": [10001]}, 1),
    ],
)
async def test_reports_use_the_calls_list_unless_list_ids(
    sandbox: Sandbox, path: str, extra: dict[str, Any], sent: int
) -> None:
    async with raw_client(sandbox) as http:
        await send_to(http, "/500", "a@example.com", "b@example.com")
        await send_to(http, "", "c@example.com")
        report = await call(http, "POST", path, json={"select": ["sent"], **extra})
    assert payload_of(report) == [{"sent": sent}]


async def test_reports_date_groups_date_filters_order_value_and_csv(sandbox: Sandbox) -> None:
    now = datetime.now(timezone.utc)
    around = [
        (now - timedelta(days=1)).strftime("%Y-%m-%d"),
        (now + timedelta(days=1)).strftime("%Y-%m-%d"),
    ]
    query = {
        "select": ["stats_date", ["sum(`sent`)", "total"]],
        "group": [["stats_date", "day"]],
        "filter": [["stats_date", ">=", around[0]], ["stats_date", "<=", around[1]]],
        "order": [["stats_date", "asc"]],
        "value": "total",
        "calculate_rates": True,
        "time_zone": "UTC",
    }
    async with raw_client(sandbox) as http:
        await send_to(http, "/500", "a@example.com", "b@example.com")
        rows = payload_of(await call(http, "POST", "/500/api/reports/query", json=query))
        by_month = {**query, "group": [["stats_date", "month"]], "order": [["total", "DESC"]]}
        months = payload_of(await call(http, "POST", "/500/api/reports/query", json=by_month))
        later = {**query, "filter": [["stats_date", ">", around[1]]]}
        none = payload_of(await call(http, "POST", "/500/api/reports/query", json=later))
        as_csv = await http.post("/500/api/reports/query", json={**query, "format": "csv"})
    sent_at = sandbox.store.sends[0]["time"]
    assert rows == [{"stats_date": sent_at - sent_at % 86400, "total": 2}]
    first_of_month = datetime.fromtimestamp(sent_at, timezone.utc).replace(
        day=1, hour=0, minute=0, second=0
    )
    assert months == [{"stats_date": int(first_of_month.timestamp()), "total": 2}]
    assert none == []
    assert as_csv.headers["content-type"] == "text/csv"
    assert as_csv.text.splitlines() == ["stats_date,total", f"{sent_at - sent_at % 86400},2"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"order": [["sent", "up"]]}, ["ASC or DESC"]),
        ({"group": [["stats_date", "hour"]]}, ["day, week, month, year"]),
        ({"value": "opens"}, ["value"]),
        ({"format": "xml"}, ["csv"]),
        ({"filter": [["stats_date", ">=", "2024-13-45"]]}, ["2024-13-45"]),
        ({"filter": [["sent", "LIKE", 1]]}, ["=, !=, >"]),
        ({"from": "contacts"}, ["mailing or list"]),
    ],
)
async def test_reports_refuse_what_the_page_does_not_allow(
    sandbox: Sandbox, changes: dict[str, Any], words: list[str]
) -> None:
    async with raw_client(sandbox) as http:
        answer = await call(
            http, "POST", "/500/api/reports/query", json={"select": ["sent"], **changes}
        )
    refused(answer, 412, *words)


# 6. Contact search and contact activity.


async def start_search(
    http: httpx.AsyncClient, criteria: list[Any], base: str = "/500/api/contact_search", **top: Any
) -> dict[str, Any]:
    body = {"title": "t", "selected_fields": ["email"], "filters": {"criteria": criteria}, **top}
    search_id = payload_of(await call(http, "POST", base, json=body))["id"]
    polled = [payload_of(await call(http, "GET", f"{base}/{search_id}")) for _ in range(2)]
    assert [(p["status"], p["status_desc"]) for p in polled] == [(1, "Pending"), (2, "Completed")]
    exported = await http.get(f"{base}/{search_id}/export")
    return {"id": search_id, "rows": list(csv.DictReader(io.StringIO(exported.text)))}


PEOPLE = [
    {"email": "ann@example.com", "age": "31", "city": "Paris"},
    {"email": "bob@example.org", "age": "45", "city": ""},
    {"email": "cy@example.com", "age": "9", "city": "Pune"},
]


@pytest.mark.parametrize(
    ("operator", "operand", "found"),
    [
        ("=", ["PARIS", "pune"], ["ann", "cy"]),
        ("!=", ["paris"], ["bob", "cy"]),
        ("<", ["31"], ["cy"]),  # numbers compare as numbers: 9 < 31
        (">", ["31"], ["bob"]),
        ("<=", ["31"], ["ann", "cy"]),
        (">=", ["45"], ["bob"]),
        ("><", ["10", "40"], ["ann"]),
        ("empty", [], ["bob"]),
        ("notempty", [], ["ann", "cy"]),
        ("LIKE", ["AR"], ["ann"]),
        ("NOT LIKE", ["p"], ["bob"]),
        ("LIKE_", ["pu"], ["cy"]),
        ("_LIKE", ["is"], ["ann"]),
    ],
)
async def test_search_operators(
    sandbox: Sandbox, operator: str, operand: list[str], found: list[str]
) -> None:
    field = "age" if operator in ("<", ">", "<=", ">=", "><") else "city"
    async with raw_client(sandbox) as http:
        await add_contacts(http, *PEOPLE)
        rule = {"type": "string", "field_name": field, "operator": operator, "operand": operand}
        result = await start_search(http, [rule])
    assert [row["email"].split("@")[0] for row in result["rows"]] == found


async def test_search_field_id_behaviour_and_top_level_flags(sandbox: Sandbox) -> None:
    field = {"name": "city", "title": "City", "type": "string", "position": 1}
    async with raw_client(sandbox) as http:
        await add_contacts(http, *PEOPLE)
        field_id = payload_of(await call(http, "POST", "/500/api/list_fields", json=field))["id"]
        by_id = await start_search(
            http,
            [{"field_id": int(field_id), "operator": "=", "operand": ["pune"]}],
            include_behavior=True,
            combined_as_and=False,
        )
        opened = {"type": "behavior", "operator": "opened", "operand": {"mailing_ids": [1]}}
        either = {"field_name": "city", "operator": "=", "operand": ["paris"], "condition": "or"}
        behaviour = await start_search(http, [opened, either], base="/500/api/contact_activity")
        detailed = await http.get(f"/500/api/contact_activity/{behaviour['id']}/export_detailed")
        no_route(await call(http, "GET", f"/500/api/contact_search/{by_id['id']}/export_detailed"))
    assert [row["email"] for row in by_id["rows"]] == ["cy@example.com"]
    assert [row["email"] for row in behaviour["rows"]] == ["ann@example.com"]
    assert detailed.headers["content-type"] == "text/csv"
    assert detailed.text.splitlines() == ["email", "ann@example.com"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {"filters": {"criteria": [{"field_name": "city", "operator": "~", "operand": ["x"]}]}},
            ["'~'", "=, <, >, <=, >=, !=, ><, empty, notempty, LIKE, NOT LIKE, LIKE_, _LIKE"],
        ),
        (
            {
                "filters": {
                    "criteria": [{"field_name": "city", "operator": "like", "operand": ["x"]}]
                }
            },
            ["'like'"],
        ),
        (
            {"filters": {"criteria": [{"field_id": 424242, "operator": "=", "operand": ["x"]}]}},
            ["424242"],
        ),
        (
            {"filters": {"criteria": [{"type": "behavior", "operator": "opened", "operand": [1]}]}},
            ["object operand"],
        ),
        (
            {"filters": {"criteria": [{"field_name": "age", "operator": "><", "operand": ["1"]}]}},
            ["><"],
        ),
        ({"title": "", "filters": {"criteria": []}}, ["title"]),
    ],
)
async def test_search_refusals(sandbox: Sandbox, body: dict[str, Any], words: list[str]) -> None:
    async with raw_client(sandbox) as http:
        answer = await call(http, "POST", "/500/api/contact_search", json={"title": "t", **body})
    refused(answer, 412, *words)


async def test_search_without_criteria_selects_everyone(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        await add_contacts(http, *PEOPLE)
        result = await start_search(http, [])
    assert len(result["rows"]) == len(PEOPLE)


# 7. List fields: all_lists creates in every list; types and required keys.


async def test_list_field_in_all_lists(sandbox: Sandbox) -> None:
    field = {
        "name": "birthday",
        "title": "Birthday",
        "type": "date",
        "format": "yyyy-mm-dd",
        "position": 5,
    }
    async with raw_client(sandbox) as http:
        first = payload_of(await call(http, "POST", "/api/list_fields/all_lists", json=field))
        second = payload_of(await call(http, "POST", "/api/list_fields/all_lists", json=field))
        in_main = payload_of(await call(http, "GET", "/500/api/list_fields"))
        no_route(await call(http, "GET", "/api/list_fields/all_lists"))
    assert sorted(f["list_id"] for f in first["success_list_fields"]) == [500, 600, 10001]
    assert first["failed_lists_errors"] == []
    assert {f["name"] for f in first["success_list_fields"]} == {"birthday"}
    assert second["success_list_fields"] == []
    assert sorted(second["failed_lists_errors"]) == ["10001", "500", "600"]
    assert [(f["name"], f["type"], f["position"]) for f in in_main] == [("birthday", "date", 5)]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"type": "text"}, ["date, email, numeric, string"]),
        ({"title": None}, ["title"]),
        ({"position": None}, ["position"]),
        ({"name": None}, ["name"]),
        ({"type": "date"}, ["format", "yyyy-mm-dd"]),
    ],
)
async def test_list_field_validation(
    sandbox: Sandbox, changes: dict[str, Any], words: list[str]
) -> None:
    field = {"name": "city", "title": "City", "type": "string", "position": 2, **changes}
    body = {k: v for k, v in field.items() if v is not None}
    async with raw_client(sandbox) as http:
        refused(await call(http, "POST", "/500/api/list_fields", json=body), 412, *words)
        refused(await call(http, "POST", "/api/list_fields/all_lists", json=body), 412, *words)
    assert sandbox.store.collection("list_fields") == {}


# 8. ESP connection options.


@pytest.mark.parametrize(
    ("query", "count"),
    [("", 3), ("?active_only=true", 2), ("?active_only=1", 2), ("?active_only=FALSE", 3)],
)
async def test_esp_options_rows_and_active_only(sandbox: Sandbox, query: str, count: int) -> None:
    async with raw_client(sandbox) as http:
        rows = payload_of(await call(http, "GET", f"/api/esp_connections/options{query}"))
        refused(
            await call(http, "GET", "/api/esp_connections/options?active_only=maybe"), 412, "true"
        )
    assert len(rows) == count
    assert all(
        set(r) == {"id", "esp_id", "esp_name", "support_transactional", "name"} for r in rows
    )


# 9. Imports.


async def test_import_tab_delimiter_string_counts_and_progress() -> None:
    sandbox = Sandbox(seed_lists=[{"id": 500, "name": "main"}], job_polls_per_step=2)
    sandbox.files["https://f.example/t.txt"] = "email\tname\na@example.com\tA\na@example.com\tA\n"
    body = {"file_url": "https://f.example/t.txt", "csv_delimiter": "\t", "import_type": "sending"}
    async with raw_client(sandbox) as http:
        import_id = payload_of(await call(http, "POST", "/500/api/import", json=body))["id"]
        seen = [
            payload_of(await call(http, "GET", f"/500/api/import/{import_id}")) for _ in range(10)
        ]
    descs = [p["status_desc"] for p in seen]
    assert descs[4:6] == ["Processing (33%)", "Processing (66%)"]
    assert descs[-1] == "Completed" and seen[-1]["status"] == 40003
    counts = {k: seen[-1][k] for k in ("total", "success", "duplicate", "existing", "progress")}
    assert counts == {
        "total": "2",
        "success": "1",
        "duplicate": "1",
        "existing": "0",
        "progress": "100",
    }
    assert sandbox.store.find_contact(500, "a@example.com").fields == {"name": "A"}


async def test_import_actions_count_contacts_not_in_the_list(sandbox: Sandbox) -> None:
    sandbox.files["https://f.example/u.csv"] = "email\na@example.com\nnobody@example.com\n"
    body = {
        "file_url": "https://f.example/u.csv",
        "csv_delimiter": ",",
        "import_action": "unsubscribe",
    }
    async with raw_client(sandbox) as http:
        await add_contacts(http, {"email": "a@example.com"})
        import_id = payload_of(await call(http, "POST", "/500/api/import", json=body))["id"]
        for _ in range(5):
            done = payload_of(await call(http, "GET", f"/500/api/import/{import_id}"))
        contact = payload_of(await call(http, "GET", "/500/api/contacts/by_email/a%40example.com"))
    assert (done["status_desc"], done["success"], done["not_existing"]) == ("Completed", "1", "1")
    assert contact["ocx_status"] == "Unsubscribed"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"csv_delimiter": None}, ["csv_delimiter"]),
        ({"csv_delimiter": "tab"}, ["','", "'|'", "'\\t'", "';'"]),
        ({"file_url": None}, ["file_url"]),
        ({"import_type": "other"}, ["'sending'", "'suppression'"]),
        ({"import_type": "suppression"}, ["sending"]),
        ({"import_action": "delete"}, ["'add'", "'remove'", "'complaint'"]),
    ],
)
async def test_import_refusals(sandbox: Sandbox, changes: dict[str, Any], words: list[str]) -> None:
    body = {"file_url": "https://f.example/c.csv", "csv_delimiter": ",", **changes}
    async with raw_client(sandbox) as http:
        answer = await call(
            http, "POST", "/500/api/import", json={k: v for k, v in body.items() if v is not None}
        )
    refused(answer, 412, *words)


# 10. Transactional campaigns need a description.


async def test_transactional_campaign_needs_description(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        bare = await call(http, "POST", "/500/api/transactional", json={"name": "receipts"})
        full = await call(
            http, "POST", "/500/api/transactional", json={"name": "r", "description": "d"}
        )
    refused(bare, 412, "description")
    assert payload_of(full)["description"] == "d"
