"""The sandbox against Ongage's documented calls: raw HTTP, never through the SDK.

Each case's documented request is sent to the sandbox, after a set-up that creates
what the request names (the example's ids are replaced by the ids the sandbox gave, and
an example ``schedule_date`` that has since passed by one in the future).  The answer
must have the documented status and envelope, and where the page shows an answer, every
key it shows with the same JSON type (a count given as ``"10"`` stays a string).  A
method Ongage has no route for on that path (``wrong_methods``) must be a 404.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig

from ..sandbox_helpers import raw_client
from .corpus import fill_path, load_cases

CASES = {case["id"]: case for case in load_cases()}
#: The list the calls act on when the example names none (sent in the route).
LIST = 23939
#: Lists the examples name: in bodies (32, 1, 1234), in list_ids (1001-1003), as objects.
SEEDED = (LIST, 1, 32, 1001, 1002, 1003, 1234, 12345)
CSV_URL = "http://www.yourdomain.com/filename.csv"
FUTURE = int(time.time()) + 30 * 86400


@pytest.fixture
def sandbox() -> Sandbox:
    lists = [{"id": n, "name": f"list {n}"} for n in SEEDED]
    box = Sandbox(SandboxConfig(seed_lists=lists, job_polls_per_step=2))
    box.files[CSV_URL] = "email\njohn@doe.com\nadam@xyz.com\n"
    return box


# -- set-ups: create what a case names, and say which example values to replace ----------


async def _ok(http: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    response = await http.request(method, f"/{LIST}{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()["payload"]


async def _contact(http: httpx.AsyncClient, email: str) -> str:
    written = await _ok(http, "POST", "/api/v2/contacts", [{"email": email, "fields": FIELDS}])
    return str(written["created_emails"][email])


#: The list fields of the contacts page's example contact, so its answer can be compared.
FIELDS = {
    key: value
    for key, value in CASES["contacts-get-by-email"]["response"]["body"]["payload"].items()
    if key not in ("email", "id") and not key.startswith("ocx_")
}


async def _segment(http: httpx.AsyncClient) -> int:
    return int((await _ok(http, "POST", "/api/segments", {"name": "everyone"}))["id"])


async def _email_message(http: httpx.AsyncClient) -> int:
    body = {"name": "Welcome", "subject": "Hi", "content_html": "<p>hi</p>"}
    return int((await _ok(http, "POST", "/api/emails", body))["id"])


async def _esp(http: httpx.AsyncClient) -> int:
    return int((await _ok(http, "GET", "/api/esp_connections/options"))[0]["id"])


async def _campaign(http: httpx.AsyncClient) -> int:
    body = {"name": "Receipts", "description": "order receipts"}
    return int((await _ok(http, "POST", "/api/transactional", body))["id"])


async def _mailing_refs(http: httpx.AsyncClient) -> dict[str, Any]:
    esp = await _esp(http)
    return {
        "email_message": [await _email_message(http)],
        "segments": [await _segment(http)],
        "distribution": [{"esp_connection_id": esp, "percent": 100}],
    }


async def _mailing(http: httpx.AsyncClient, *, scheduled: bool) -> str:
    body = {"name": "Campaign", **(await _mailing_refs(http))}
    if scheduled:
        body["schedule_date"] = FUTURE
    return str((await _ok(http, "POST", "/api/mailings", body))["id"])


async def _list_field(http: httpx.AsyncClient) -> int:
    body = {"name": "product_id", "title": "Product", "type": "numeric", "position": 2}
    return int((await _ok(http, "POST", "/api/list_fields", body))["id"])


async def _search(http: httpx.AsyncClient, kind: str) -> str:
    await _contact(http, "someone@gmail.com")
    created = CASES[f"{kind.replace('_', '-')}-create"]["request"]["body"]
    job_id = str((await _ok(http, "POST", f"/api/{kind}", created))["id"])
    for _ in range(20):  # bounded: the sandbox moves a job one step every two polls
        if int((await _ok(http, "GET", f"/api/{kind}/{job_id}"))["status"]) == 2:
            return job_id
    raise AssertionError(f"{kind} {job_id} never completed")


async def _export(http: httpx.AsyncClient) -> str:
    body = {**CASES["export-create-segments"]["request"]["body"]}
    body["segment_id"] = [await _segment(http)]
    return str((await _ok(http, "POST", "/api/export", body))["id"])


async def _import(http: httpx.AsyncClient) -> str:
    body = {k: v for k, v in CASES["import-create"]["request"]["body"].items() if k != "list_id"}
    return str((await _ok(http, "POST", "/api/import", body))["id"])


def _params(**values: Any) -> dict[str, Any]:
    return {"params": values}


def _body(**values: Any) -> dict[str, Any]:
    return {"body": values}


#: Cases whose example names a contact that must exist (by its e-mail).
CONTACT_NAMED = {
    "contacts-create-many": "adam@xyz.com",
    "contacts-update-by-email": "john@doe.com",
    "contacts-change-status": "john@doe.com",
    "contacts-change-email": "john@doe.com",
    "contacts-cross-account": "example@example.com",
    "contacts-get-by-email": "test@gmail.com",
}


async def _setup(case_id: str, http: httpx.AsyncClient) -> dict[str, Any]:
    """What to create for a case; returns ``params``/``body`` replacements."""
    if case_id in CONTACT_NAMED:
        await _contact(http, CONTACT_NAMED[case_id])
        return {}
    if case_id == "contacts-get-by-id":
        return _params(contact_id=await _contact(http, "test@gmail.com"))
    if case_id == "contacts-update-by-id":
        return _body(id=await _contact(http, "john@doe.com"))
    if case_id == "contacts-delete":
        return _body(contact_id=await _contact(http, "john@doe.com"))
    if case_id == "contacts-delete-many":
        ids = [await _contact(http, "john@doe.com"), await _contact(http, "adam@xyz.com")]
        return _body(contact_ids=ids)
    if case_id == "mailings-create-scheduled":
        return {"body": {**(await _mailing_refs(http)), "schedule_date": FUTURE}}
    if case_id == "mailings-create-immediate":
        return {"body": await _mailing_refs(http)}
    if case_id in ("mailings-get", "mailings-update", "mailings-delete"):
        found = _params(mailing_id=await _mailing(http, scheduled=True))
        return {**found, **_body(schedule_date=FUTURE)} if case_id == "mailings-update" else found
    if case_id in ("mailings-cancel", "mailings-unschedule"):
        return _params(mailing_id=await _mailing(http, scheduled=True))
    if case_id == "mailings-abort":
        return _params(mailing_id=await _mailing(http, scheduled=False))
    if case_id == "mailings-list":
        await _mailing(http, scheduled=True)
        return {}
    if case_id == "export-create-segments":
        return _body(segment_id=[await _segment(http), await _segment(http)])
    if case_id == "export-create-mailings":
        mailings = [await _mailing(http, scheduled=True), await _mailing(http, scheduled=True)]
        return _body(mailing_id=[int(m) for m in mailings])
    if case_id == "export-retrieve":
        return _params(export_id=await _export(http))
    if case_id == "import-get":
        return _params(import_id=await _import(http))
    if case_id == "import-list":
        await _import(http)
        return {}
    if case_id.startswith(("contact-search-", "contact-activity-")):
        kind = "contact_search" if case_id.startswith("contact-search-") else "contact_activity"
        if case_id == "contact-search-create-field-id":
            criteria = CASES[case_id]["request"]["body"]["filters"]["criteria"]
            field_id = await _list_field(http)
            replaced = [{**c, "field_id": field_id} for c in criteria]
            return {"filters": {"criteria": replaced}}
        if case_id.endswith("-create") or case_id.endswith("-create-behavioral"):
            return {}
        job_id = await _search(http, kind)
        return {} if case_id.endswith("-list") else _params(**{_id_of(case_id): job_id})
    if case_id in ("list-fields-update", "list-fields-delete"):
        return _params(list_field_id=str(await _list_field(http)))
    if case_id == "list-fields-list":
        await _list_field(http)
        return {}
    if case_id in ("transactional-update", "transactional-delete"):
        return _params(transactional_id=str(await _campaign(http)))
    if case_id == "transactional-send":
        return _body(message_id=await _email_message(http), campaign_id=await _campaign(http))
    if case_id == "transactional-send-embed-content":
        return _body(campaign_id=await _campaign(http), sending_connection_id=await _esp(http))
    if case_id == "segments-get":
        return _params(segment_id=str(await _segment(http)))
    if case_id == "emails-get":
        return _params(email_id=str(await _email_message(http)))
    return {}


def _id_of(case_id: str) -> str:
    return "search_id" if case_id.startswith("contact-search-") else "activity_id"


# -- the check ------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _same_shape(documented: Any, answered: Any, where: str) -> None:
    """Every key the page shows is there, with the JSON type the page shows.

    Two readings the pages themselves impose: an empty object arrives as ``[]`` (the
    FAQ), so ``{}`` and ``[]`` stand for each other when empty; and the import page
    shows its collection as one object, so a list of such objects matches it.
    """
    if documented is None:
        return
    if {_json_type(documented), _json_type(answered)} == {"dict", "list"}:
        if not documented or not answered:
            return
        if isinstance(documented, dict) and isinstance(answered, list):
            _same_shape(documented, answered[0], f"{where}[0]")
            return
    assert _json_type(answered) == _json_type(documented), (
        f"{where}: {answered!r:.80} is a {_json_type(answered)}, the page shows a "
        f"{_json_type(documented)}"
    )
    if isinstance(documented, dict):
        missing = sorted(set(documented) - set(answered))
        assert not missing, f"{where}: missing {missing}"
        for key, value in documented.items():
            _same_shape(value, answered[key], f"{where}.{key}")
    elif isinstance(documented, list) and documented and answered:
        _same_shape(documented[0], answered[0], f"{where}[0]")


def _request_of(case: dict[str, Any], replaced: dict[str, Any]) -> tuple[str, Any]:
    documented = case["request"]
    path = fill_path(case, replaced.get("params"))
    body = documented["body"]
    if isinstance(body, dict):
        body = {**body, **replaced.get("body", {})}
        if "filters" in replaced:
            body["filters"] = {**body["filters"], **replaced["filters"]}
    if "route" in documented["list_id"]["accepted_in"] and not (
        isinstance(body, dict) and ("list_id" in body or "list_ids" in body)
    ):
        path = f"/{LIST}{path}"
    return path, body


@pytest.mark.parametrize("case_id", sorted(CASES))
async def test_the_sandbox_answers_as_documented(sandbox: Sandbox, case_id: str) -> None:
    case = CASES[case_id]
    async with raw_client(sandbox) as http:
        path, body = _request_of(case, await _setup(case_id, http))
        method = case["request"]["method"]
        response = await http.request(
            method, path, params=case["request"]["query"], json=body if body is not None else None
        )
    documented = case["response"]
    status = documented["status"] if documented is not None else 200
    assert response.status_code == status, response.text[:300]
    content_type = response.headers.get("content-type", "")
    if status == 200 and case["request"]["path"].endswith(("}/export", "}/export_detailed")):
        assert "json" not in content_type and response.content  # a file, not an envelope
        return
    envelope = response.json()
    assert envelope["metadata"]["error"] is (status >= 400)
    if status >= 400:
        assert envelope["payload"]["code"] == status and envelope["payload"]["message"]
    if documented is not None:
        _same_shape(documented["body"]["payload"], envelope["payload"], "payload")
        if "total" in documented["body"]["metadata"]:
            assert "total" in envelope["metadata"]


WRONG = [(cid, m) for cid, case in sorted(CASES.items()) for m in case["wrong_methods"]]


@pytest.mark.parametrize(("case_id", "method"), WRONG)
async def test_a_method_ongage_has_no_route_for_is_404(
    sandbox: Sandbox, case_id: str, method: str
) -> None:
    case = CASES[case_id]
    async with raw_client(sandbox) as http:
        path, _ = _request_of(case, await _setup(case_id, http))
        response = await http.request(method, path)
    assert response.status_code == 404
    assert response.json()["metadata"]["error"] is True


def test_the_wrong_method_cases_are_there() -> None:
    assert {cid for cid, _ in WRONG} >= {"mailings-abort", "mailings-cancel", "mailings-unschedule"}
