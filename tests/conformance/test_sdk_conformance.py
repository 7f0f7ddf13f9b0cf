"""The SDK against Ongage's documented calls, through ``httpx.MockTransport`` (no sandbox).

For each case of the corpus, ``INVOCATIONS`` says which SDK call makes that documented
request.  The test runs it against a transport that records what was sent and answers
with the case's documented answer, then checks:

* the request: method, path, where the list id went (one of the places Ongage reads it,
  with the value the case documents or the client's list), the query and the body, key
  for key and value for value;
* the typed result: ids, counts converted from strings, statuses, and nothing lost
  (unknown keys land in ``extra``).

Every case must have an invocation, so a new documented call cannot go unchecked.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest

from ongage_async import NotFoundError, OngageClient
from ongage_async.models import (
    AllListsFieldResult,
    Contact,
    ContactStatus,
    ContactWriteResult,
    EmailMessage,
    EspConnection,
    Import,
    List,
    ListField,
    Mailing,
    MailingStatus,
    Page,
    Report,
    SearchStatus,
    SendResult,
)
from ongage_async.resources import ExportJob, ImportJob, SearchJob

from .corpus import fill_path, load_cases

CASES = {case["id"]: case for case in load_cases()}
#: The client's own list: a call that documents no list must carry this one.
CLIENT_LIST = 23939
ZIP = b"PK\x03\x04 documented as a binary file"
CSV = b"email\njohn@doe.com\n"
#: The answer when a case documents none: an empty object, or a new job's id.
EMPTY = {"metadata": {"error": False}, "payload": {"id": "1112223334"}}

Call = Callable[[OngageClient], Awaitable[Any]]
Check = Callable[[Any], None]


@attrs.frozen
class Invocation:
    """The SDK call that makes a case's documented request, and what it must return."""

    call: Call
    check: Check | None = None
    #: Answers after the case's own (e.g. the file after a 412 "not finished yet").
    then: tuple[httpx.Response, ...] = ()
    #: The exception the documented answer must become.
    raises: type[BaseException] | None = None
    #: Why the list check does not apply, when it does not.
    no_list_check: str | None = None


def answer(body: bytes, content_type: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": content_type})


# -- typed result checks --------------------------------------------------------------


def _contact(result: Any) -> None:
    assert isinstance(result, Contact)
    assert result.id == "5aae312578464ae01f8b4567"  # hex: opaque, never required digits
    assert result.status is ContactStatus.ACTIVE  # "Active" on the wire
    assert result.email == "test@gmail.com"
    assert result.created == dt.datetime.fromtimestamp(1521365285, tz=dt.timezone.utc)
    assert result.fields["first_name"] == "John" and result.fields["product_id"] == 123456
    assert result.extra["ocx_import_id"] is None  # unknown ocx_* fields are kept


def _written_one(result: Any) -> None:
    assert isinstance(result, ContactWriteResult) and result.ok and result.rows == 1
    assert result.created == {"john@doe.com": "5aae312578464ae01f8b4567"}
    assert result.extra["success"] == 1


def _written_many(result: Any) -> None:
    assert isinstance(result, ContactWriteResult) and not result.ok and result.rows == 2
    assert result.succeeded == {"john@doe.com": "5aae312578464ae01f8b4567"}
    assert result.failed == {"adam@xyz.com": "Email already exists"}


def _import(result: Any) -> None:
    assert isinstance(result, Import)
    assert (result.id, result.total, result.success, result.duplicate) == ("83513", 10, 8, 2)
    assert (result.failed, result.not_existing, result.incomplete, result.progress) == (0, 0, 0, 0)
    assert result.status == 40003 and result.done
    assert result.extra["csv_delimiter"] == "," and result.extra["imported_by"] == "1035"


def _import_page(result: Any) -> None:
    assert isinstance(result, Page) and len(result) == 1  # one object: a row, not nothing
    (row,) = result
    assert row.id == "1541564936" and row.status == 40002 and not row.done
    assert (row.total, row.success, row.progress) == (10000000, 4097000, 46)
    assert row.status_desc == "Processing (46%)"
    assert row.extra["type"] == "sending"


def _mailing(result: Any) -> None:
    assert isinstance(result, Mailing)
    assert result.id == "111670" and result.list_id == "23939"
    assert result.status is MailingStatus.NEW  # "60001"
    assert result.schedule_date is None  # "0": not scheduled
    assert result.extra["status_desc"] == "New"


def _esp(result: Any) -> None:
    assert isinstance(result, tuple) and all(isinstance(r, EspConnection) for r in result)
    first = result[0]
    assert (first.id, first.esp_id, first.esp_name, first.name) == (
        "14897",
        "4",
        "Amazon SES",
        "Amazon SES",
    )
    assert all(r.support_transactional is True for r in result)  # "1"


def _all_lists(result: Any) -> None:
    assert isinstance(result, AllListsFieldResult) and result.ok
    (field,) = result.created
    assert (field.id, field.name, field.type, field.list_id) == (
        "12345678",
        "birthday",
        "date",
        "11112",
    )
    assert field.extra["format"] == "yyyy-mm-dd"


def _list_fields(result: Any) -> None:
    assert isinstance(result, Page) and result.total == 2
    assert [(f.id, f.name, f.type, f.position) for f in result] == [
        ("1", "email", "email", 0),
        ("2", "address", "string", 1),
    ]
    assert all(isinstance(f, ListField) and f.extra["is_sms"] is False for f in result)


def _list(result: Any) -> None:
    assert isinstance(result, List) and result.id == "12345" and result.type == "sending"
    assert result.extra["default_transactional_id"] == 12345


def _lists_page(kind: str) -> Check:
    def check(result: Any) -> None:
        assert isinstance(result, Page) and result.total == 1
        (row,) = result
        assert isinstance(row, List) and row.type == kind

    return check


def _email(result: Any) -> None:
    assert isinstance(result, EmailMessage)
    assert (result.id, result.list_id, result.subject) == ("2025", "23939", "Email subject")
    assert result.extra["content_html"] == "Email html content"


def _search(status: int, done: bool) -> Check:
    def check(result: Any) -> None:
        assert isinstance(result, SearchStatus)
        assert (result.id, result.status, result.done) == ("1112223334", status, done)
        assert "status_desc" in result.extra

    return check


def _job(kind: type) -> Check:
    def check(result: Any) -> None:
        assert isinstance(result, kind) and result.id == "1112223334"

    return check


def _send(result: Any) -> None:
    assert isinstance(result, SendResult)
    assert result.payload == EMPTY["payload"]  # kept as sent; no key read from it


def _report(result: Any) -> None:
    assert isinstance(result, Report)


def _bytes(expected: bytes) -> Check:
    def check(result: Any) -> None:
        assert result == len(expected)

    return check


# -- the SDK call for each documented case ---------------------------------------------

CONTACT = {"email": "john@doe.com", "fields": {"name": "John Doe", "country": "USA"}}
ADAM = {"email": "adam@xyz.com", "fields": {"name": "Adam smith", "country": "UK"}}
GMAIL = {
    "type": "email",
    "field_name": "email",
    "operator": "LIKE",
    "operand": ["gmail.com"],
    "case_sensitive": "0",
    "condition": "and",
}
SELECT = ["segment_id", "segment_name", ("COUNT(clicks)", "total_clicks")]
SINCE = [("stats_date", ">=", dt.date(2013, 1, 15))]
MAILING = {
    "name": "My new campaign",
    "description": "Handle with care",
    "email_message": [27],
    "segments": [1429],
    "distribution": [{"esp_connection_id": 12345, "percent": 100}],
}
HEX = "5aae312578464ae01f8b4567"


def _download(job: Callable[[OngageClient], Any], method: str) -> Call:
    async def call(client: OngageClient) -> Any:
        return await getattr(job(client), method)(io.BytesIO())

    return call


INVOCATIONS: dict[str, Invocation] = {
    # Lists (List API): account-level, never a route list.
    "lists-get": Invocation(lambda c: c.lists.get(12345), _list),
    "lists-list-sending": Invocation(
        lambda c: c.lists.list(type="sending"), _lists_page("sending")
    ),
    "lists-list-suppression-md5": Invocation(
        lambda c: c.lists.list(type="suppression", hash_type="md5"), _lists_page("suppression")
    ),
    "lists-create": Invocation(
        lambda c: c.lists.create(name="testttt", type="sending"),
        no_list_check="creating a list acts on no list; the example's list_id is not sent",
    ),
    "lists-create-with-fields": Invocation(
        lambda c: c.lists.create(
            name="my_list_name",
            type="sending",
            description="This is my list",
            create_segment=True,
            fields=CASES["lists-create-with-fields"]["request"]["body"]["fields"],
        ),
        no_list_check="creating a list acts on no list: lists are account-level",
    ),
    "lists-update": Invocation(
        lambda c: c.lists.update(
            12345,
            **{
                k: v
                for k, v in CASES["lists-update"]["request"]["body"].items()
                if k not in ("type",)
            },
            type="sending",
        )
    ),
    "lists-copy": Invocation(lambda c: c.lists.copy(12345, name="<name>")),
    "lists-delete": Invocation(lambda c: c.lists.delete(12345)),
    # Contacts (1004175381).
    "contacts-create-one": Invocation(
        lambda c: c.contacts.create(CONTACT, overwrite=True), _written_one
    ),
    "contacts-create-many": Invocation(
        lambda c: c.contacts.create([CONTACT, ADAM], overwrite=True), _written_many
    ),
    "contacts-update-by-email": Invocation(
        lambda c: c.contacts.update({**CONTACT, "overwrite": True})
    ),
    "contacts-update-by-id": Invocation(
        lambda c: c.contacts.update({"id": HEX, "fields": CONTACT["fields"]})
    ),
    "contacts-get-by-email": Invocation(lambda c: c.contacts.get("test@gmail.com"), _contact),
    "contacts-get-by-id": Invocation(lambda c: c.contacts.get_by_id(HEX), _contact),
    "contacts-get-by-id-error-404": Invocation(
        lambda c: c.contacts.get_by_id("000000000000000000000000"), raises=NotFoundError
    ),
    "contacts-cross-account": Invocation(lambda c: c.contacts.find("example@example.com")),
    "contacts-change-status": Invocation(
        lambda c: c.contacts.change_status(["john@doe.com"], "unsubscribe")
    ),
    "contacts-change-email": Invocation(
        lambda c: c.contacts.change_email("john@doe.com", "john.doe@doe.com")
    ),
    "contacts-delete": Invocation(lambda c: c.contacts.delete(HEX)),
    "contacts-delete-many": Invocation(
        lambda c: c.contacts.delete([HEX, "5aae312578464ae01f8b4568"])
    ),
    # Mailings (939458561).
    "mailings-create-scheduled": Invocation(
        lambda c: c.mailings.create(**MAILING, schedule_date=1638229112)
    ),
    "mailings-create-immediate": Invocation(lambda c: c.mailings.create(**MAILING, send_now=True)),
    "mailings-get": Invocation(lambda c: c.mailings.get(111670), _mailing),
    "mailings-list": Invocation(lambda c: c.mailings.list(offset=0, limit=10)),
    "mailings-update": Invocation(
        lambda c: c.mailings.update(111670, name="My campaign name", schedule_date=1638229112)
    ),
    "mailings-delete": Invocation(lambda c: c.mailings.delete(111670)),
    "mailings-abort": Invocation(lambda c: c.mailings.abort(111670)),
    "mailings-cancel": Invocation(lambda c: c.mailings.cancel("111670")),
    "mailings-unschedule": Invocation(lambda c: c.mailings.unschedule(111670)),
    # Export (1027997823).
    "export-create-segments": Invocation(
        lambda c: c.exports.create(
            "My export",
            segment_ids=[77197, 77198],
            statuses=["active", "inactive"],
            date_format="mm/dd/yyyy",
        ),
        _job(ExportJob),
    ),
    "export-create-mailings": Invocation(
        lambda c: c.exports.create(
            "My export",
            mailing_ids=["4452", 4458],
            statuses=["active", "clicked", "opened"],
            date_format="mm/dd/yyyy",
            fields=["email", "ocx_contact_id", "ocx_created_date", "ocx_unsubscribe_date"],
        ),
        _job(ExportJob),
    ),
    # 412 "not finished yet" is pending: the file is fetched by the next poll.
    "export-retrieve": Invocation(
        lambda c: c.exports.job(1112223334).download(io.BytesIO(), poll_interval=0),
        _bytes(ZIP),
        then=(answer(ZIP, "application/zip"),),
    ),
    # Import (1014366212).
    "import-create": Invocation(
        lambda c: c.imports.create(
            "http://www.yourdomain.com/filename.csv",
            csv_delimiter=",",
            encoding="UTF-8",
            overwrite=False,
            ignore_empty=True,
            send_welcome_message=False,
            fields={"email": {"name": "email", "type": "email"}},
            import_action="add",
            import_type="sending",
            list_id=1234,
        ),
        _job(ImportJob),
    ),
    "import-get": Invocation(lambda c: c.imports.get(1112223334), _import),
    "import-list": Invocation(lambda c: c.imports.list(), _import_page),
    # Reports (868057089).
    "reports-query-all-lists": Invocation(
        lambda c: c.reports.query(SELECT, list_ids="all", source="mailing", filter=SINCE), _report
    ),
    "reports-query-list-ids": Invocation(
        lambda c: c.reports.query(
            SELECT,
            list_ids=[1001, "1002", 1003],
            group=["email_message_id", "segment_id"],
            filter=[("stats_date", ">=", "2013-01-15")],
        ),
        _report,
    ),
    "reports-query-route-list": Invocation(
        lambda c: c.reports.query(SELECT, group=["email_message_id", "segment_id"], filter=SINCE),
        _report,
    ),
    "reports-query-group-by-day": Invocation(
        lambda c: c.reports.query(
            ["stats_date", ("COUNT(clicks)", "total_clicks")],
            group=["stats_date", "day"],
            filter=SINCE,
        ),
        _report,
    ),
    "reports-query-order": Invocation(
        lambda c: c.reports.query(
            SELECT,
            group=["email_message_id", "segment_id"],
            order=["email_message_id", ("segment_name", "desc")],  # any case accepted
            filter=SINCE,
        ),
        _report,
    ),
    "reports-query-stats-date-filter": Invocation(
        lambda c: c.reports.query(
            SELECT, filter=[("email_message_id", "=", 3001), ("stats_date", ">=", "2013-01-15")]
        ),
        _report,
    ),
    # Contact search (1029308417) and contact activity (1027997911).
    "contact-search-create": Invocation(
        lambda c: c.contact_search.create(
            [GMAIL],
            title="Active gmail contacts",
            user_type="active",
            include_behavior=False,
            combined_as_and=True,
        ),
        _job(SearchJob),
    ),
    "contact-search-create-field-id": Invocation(
        lambda c: c.contact_search.create(
            [
                {
                    "type": "numeric",
                    "field_id": 63347,
                    "operator": "=",
                    "operand": [12345],
                    "case_sensitive": "0",
                    "condition": "and",
                }
            ],
            title="Product 12345 buyers",
            selected_fields=["email", "product_id"],
            combined_as_and=True,
        ),
        _job(SearchJob),
    ),
    "contact-search-create-behavioral": Invocation(
        lambda c: c.contact_search.create(
            [
                {
                    "type": "behavior",
                    "field_name": "opened",
                    "operator": "=",
                    "operand": {"mailing_ids": [111670]},
                    "condition": "and",
                }
            ],
            title="Opened campaign 111670",
            include_behavior=True,
            combined_as_and=True,
        ),
        _job(SearchJob),
    ),
    "contact-search-get": Invocation(
        lambda c: c.contact_search.get(1112223334), _search(2, done=True)
    ),
    "contact-search-list": Invocation(
        lambda c: c.contact_search.list(order="DESC", offset=0, limit=10)
    ),
    "contact-search-export": Invocation(
        _download(lambda c: c.contact_search.job(1112223334), "download"), _bytes(CSV)
    ),
    "contact-search-delete": Invocation(lambda c: c.contact_search.delete(1112223334)),
    "contact-activity-create": Invocation(
        lambda c: c.contact_activity.create(
            [GMAIL],
            title="Active gmail contacts",
            user_type="active",
            from_date=1638229112,
            to_date=1638833912,
            include_behavior=True,
            combined_as_and=True,
        ),
        _job(SearchJob),
    ),
    "contact-activity-get": Invocation(
        lambda c: c.contact_activity.get("1112223334"), _search(1, done=False)
    ),
    "contact-activity-list": Invocation(lambda c: c.contact_activity.list(offset=0, limit=10)),
    "contact-activity-export": Invocation(
        _download(lambda c: c.contact_activity.job(1112223334), "download"), _bytes(CSV)
    ),
    "contact-activity-export-detailed": Invocation(
        _download(lambda c: c.contact_activity.job(1112223334), "download_detailed"),
        _bytes(CSV),
    ),
    "contact-activity-delete": Invocation(lambda c: c.contact_activity.delete(1112223334)),
    # List fields (1027965094).
    "list-fields-list": Invocation(lambda c: c.list_fields.list(), _list_fields),
    "list-fields-create": Invocation(
        lambda c: c.list_fields.create(
            name="birthday",
            title="Birthday",
            type="date",
            format="yyyy-mm-dd",
            default="",
            mandatory=True,
            position=4,
            list_id=1,
        )
    ),
    "list-fields-create-all-lists": Invocation(
        lambda c: c.list_fields.all_lists(
            name="birthday",
            title="Birthday",
            type="date",
            format="yyyy-mm-dd",
            default="1986-03-17",
            mandatory=True,
            position=5,
        ),
        _all_lists,
    ),
    "list-fields-update": Invocation(
        lambda c: c.list_fields.update(
            12345678, title="Date of birth", format="dd/mm/yyyy", position=4
        )
    ),
    "list-fields-delete": Invocation(lambda c: c.list_fields.delete(12345678)),
    # ESP connections (820215810).
    "esp-connections-options": Invocation(lambda c: c.esp_connections.options(), _esp),
    "esp-connections-options-active-only": Invocation(
        lambda c: c.esp_connections.options(active_only=True)
    ),
    # Transactional (947486763).
    "transactional-send": Invocation(
        lambda c: c.transactional.send(
            168, ["email@email.com"], campaign_id=213, check_status=True, check_suppression=True
        ),
        _send,
    ),
    "transactional-send-embed-content": Invocation(
        lambda c: c.transactional.send_content(
            subject="Hello!",
            html="<html><body><p>This is my content</p></body></html>",
            from_name="John Doe",
            from_address="john@doe.com",
            reply_address="john@doe.com",
            campaign_id=213,
            recipients=["email@email.com"],
            sending_connection_id=1234,
        ),
        _send,
    ),
    "transactional-list": Invocation(
        lambda c: c.transactional.list(order="ASC", offset=0, limit=10)
    ),
    "transactional-create": Invocation(
        lambda c: c.transactional.create(
            name="My Transactional",
            description="My first transactional campaign",
            message_type="email",
        )
    ),
    "transactional-update": Invocation(
        lambda c: c.transactional.update(
            213, name="My Transactional", description="My first transactional campaign"
        )
    ),
    "transactional-delete": Invocation(lambda c: c.transactional.delete(213)),
    # Segments and e-mail messages.
    "segments-create": Invocation(
        lambda c: c.segments.create(**CASES["segments-create"]["request"]["body"])
    ),
    "segments-get": Invocation(lambda c: c.segments.get(1112223334)),
    "segments-list": Invocation(lambda c: c.segments.list()),
    "emails-get": Invocation(lambda c: c.emails.get(2025), _email),
    "emails-list": Invocation(lambda c: c.emails.list()),
}


def test_every_documented_case_has_an_sdk_call() -> None:
    assert sorted(CASES) == sorted(INVOCATIONS)


# -- the wire check ---------------------------------------------------------------------

_ROUTE = re.compile(r"^/(\d+)(/api/.*)$")


def _documented_answer(case: dict[str, Any]) -> httpx.Response:
    documented = case["response"]
    if documented is not None:
        return httpx.Response(documented["status"], json=documented["body"])
    if case["request"]["path"].endswith(("}/export", "}/export_detailed")):
        return answer(CSV, "text/csv")
    return httpx.Response(200, json=EMPTY)


def _wire(value: Any) -> Any:
    """A documented query value as it appears in a URL."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _list_placement(request: httpx.Request, body: Any) -> tuple[dict[str, Any], str]:
    """Where the request said its list, and the path without a route prefix."""
    found: dict[str, Any] = {}
    path = request.url.path
    routed = _ROUTE.match(path)
    if routed:
        found["route"], path = int(routed.group(1)), routed.group(2)
    if "list_id" in request.url.params:
        found["query"] = int(request.url.params["list_id"])
    if isinstance(body, dict) and "list_id" in body:
        found["body"] = int(body["list_id"])
    return found, path


async def run_case(case_id: str) -> tuple[list[httpx.Request], Any]:
    case = CASES[case_id]
    invocation = INVOCATIONS[case_id]
    answers = [_documented_answer(case), *invocation.then]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers[min(len(sent), len(answers)) - 1]

    client = OngageClient(
        "user",
        "secret",
        "ACCOUNT",
        list_id=CLIENT_LIST,
        transport=httpx.MockTransport(handler),
        retry=False,
    )
    async with client:
        if invocation.raises is not None:
            with pytest.raises(invocation.raises) as caught:
                await invocation.call(client)
            return sent, caught.value
        return sent, await invocation.call(client)


@pytest.mark.parametrize("case_id", sorted(CASES))
async def test_the_sdk_sends_the_documented_request(case_id: str) -> None:
    case = CASES[case_id]
    documented = case["request"]
    sent, _ = await run_case(case_id)
    assert sent, "nothing was sent"
    request = sent[0]
    body = json.loads(request.content) if request.content else None
    placed, path = _list_placement(request, body)

    assert request.method == documented["method"]
    assert path == fill_path(case)
    expected_query = {k: _wire(v) for k, v in (documented["query"] or {}).items()}
    query = {k: v for k, v in request.url.params.items() if k != "list_id"}
    assert query == expected_query

    expected_body = documented["body"]
    documented_list = None
    if isinstance(expected_body, dict) and "list_id" in expected_body:
        expected_body = dict(expected_body)
        documented_list = int(expected_body.pop("list_id"))
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "list_id"}
    assert body == expected_body

    invocation = INVOCATIONS[case_id]
    if invocation.no_list_check is None:
        accepted = documented["list_id"]["accepted_in"]
        assert set(placed) <= set(accepted), f"list id sent in {sorted(placed)}"
        if not accepted or (isinstance(expected_body, dict) and "list_ids" in expected_body):
            assert placed == {}, "an account-level call (or one with list_ids) carried a list"
        else:
            # The documented list, else the client's: never silently the account default.
            wanted = documented_list if documented_list is not None else CLIENT_LIST
            assert set(placed.values()) == {wanted}


@pytest.mark.parametrize("case_id", sorted(CASES))
async def test_the_documented_answer_becomes_the_typed_result(case_id: str) -> None:
    invocation = INVOCATIONS[case_id]
    _, result = await run_case(case_id)
    if invocation.raises is not None:
        documented = CASES[case_id]["response"]["body"]["payload"]
        assert result.status == documented["code"] and documented["message"] in str(result)
    if invocation.check is not None:
        invocation.check(result)
