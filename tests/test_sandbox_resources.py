"""The sandbox's endpoints: contacts, transactional, reports and asynchronous jobs."""

from __future__ import annotations

from typing import Any

import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig

from .sandbox_helpers import call, raw_client


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}]))


async def contacts(sandbox: Sandbox, method: str, rows: Any, prefix: str = "/500") -> Any:
    async with raw_client(sandbox) as http:
        return await call(http, method, f"{prefix}/api/v2/contacts", json=rows)


async def test_post_contacts_answers_per_email(sandbox: Sandbox) -> None:
    first = await contacts(
        sandbox,
        "POST",
        [{"email": "a@example.com", "fields": {"name": "A"}}, {"email": "not-an-email"}],
    )
    payload = first["payload"]
    assert first["metadata"]["error"] is False  # even with a failed row
    assert (payload["rows"], payload["created"], payload["failed"], payload["success"]) == (
        2,
        1,
        1,
        1,
    )
    assert payload["failed_emails"] == {"not-an-email": "Please insert a valid Email address"}

    again = (await contacts(sandbox, "POST", {"email": "a@example.com"}))["payload"]
    assert again["failed_emails"] == {"a@example.com": "Email already exists"}
    over = (
        await contacts(
            sandbox, "POST", {"email": "a@example.com", "overwrite": True, "city": "Paris"}
        )
    )["payload"]
    assert list(over["updated_emails"]) == ["a@example.com"]
    assert sandbox.store.find_contact(500, "a@example.com").fields == {"name": "A", "city": "Paris"}
    assert sandbox.recorder.contact_writes[(500, "a@example.com")] == 2


async def test_put_contacts_updates_only(sandbox: Sandbox) -> None:
    await contacts(sandbox, "POST", {"email": "a@example.com"})
    answer = (
        await contacts(
            sandbox,
            "PUT",
            [{"email": "a@example.com", "fields": {"x": 1}}, {"email": "b@example.com"}],
        )
    )["payload"]
    assert list(answer["updated_emails"]) == ["a@example.com"]
    assert answer["failed_emails"] == {"b@example.com": "Contact not found"}
    assert sandbox.store.find_contact(500, "b@example.com") is None


async def test_lookups_by_email_id_and_across_lists(sandbox: Sandbox) -> None:
    created = await contacts(sandbox, "POST", {"email": "a@example.com"})
    contact_id = created["payload"]["created_emails"]["a@example.com"]
    await contacts(sandbox, "POST", {"email": "a@example.com"}, prefix="")  # default list
    async with raw_client(sandbox) as http:
        by_email = await call(http, "GET", "/500/api/contacts/by_email/a%40example.com")
        by_id = await call(http, "GET", f"/500/api/contacts/by_id/{contact_id}")
        missing = await call(http, "GET", "/500/api/contacts/by_email/zz%40example.com")
        across = await call(http, "GET", "/api/contacts/cross_account?email=a@example.com")
    assert by_email["payload"]["id"] == by_id["payload"]["id"] == contact_id
    assert by_email["payload"]["ocx_status"] == "Active"  # capitalised, as on the contacts page
    assert missing["status"] == 404
    assert sorted(row["list_id"] for row in across["payload"]) == [500, 10001]


@pytest.mark.parametrize(
    ("change_to", "status"),
    [
        ("unsubscribe", "unsubscribed"),
        ("resubscribe", "active"),
        ("remove", "removed"),
        ("bounce", "bounced"),
        ("complaint", "complaint"),
        ("soft_bounce", "soft_bounce"),
    ],
)
async def test_change_status_every_change_to(sandbox: Sandbox, change_to: str, status: str) -> None:
    await contacts(sandbox, "POST", {"email": "a@example.com"})
    async with raw_client(sandbox) as http:
        answer = await call(
            http,
            "POST",
            "/500/api/v2/contacts/change_status",
            json={"emails": ["a@example.com", "zz@example.com"], "change_to": change_to},
        )
    assert answer["payload"]["success"] == 1
    assert answer["payload"]["failed_emails"] == {"zz@example.com": "Contact not found"}
    assert sandbox.store.find_contact(500, "a@example.com").status == status


async def test_change_status_rejects_unknown_change_to(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        answer = await call(
            http,
            "POST",
            "/500/api/v2/contacts/change_status",
            json={"emails": ["a@example.com"], "change_to": "vanish"},
        )
    assert answer["status"] == 412


async def test_change_email_and_delete(sandbox: Sandbox) -> None:
    created = await contacts(sandbox, "POST", {"email": "a@example.com"})
    contact_id = created["payload"]["created_emails"]["a@example.com"]
    async with raw_client(sandbox) as http:
        moved = await call(
            http,
            "PUT",
            "/500/api/contacts/change_email",
            json={"email": "a@example.com", "new_email": "b@example.com"},
        )
        deleted = await call(
            http, "POST", "/500/api/contacts/delete", json={"contact_id": contact_id}
        )
    assert moved["payload"]["email"] == "b@example.com"
    assert deleted["payload"]["deleted"] == 1
    assert sandbox.store.find_contact(500, "b@example.com") is None


async def test_removed_contact_is_revived(sandbox: Sandbox) -> None:
    await contacts(sandbox, "POST", {"email": "a@example.com"})
    sandbox.store.find_contact(500, "a@example.com").status = "removed"
    answer = (await contacts(sandbox, "POST", {"email": "a@example.com"}))["payload"]
    assert list(answer["revived_emails"]) == ["a@example.com"]


async def test_max_contacts_per_call_answers_413() -> None:
    sandbox = Sandbox(max_contacts_per_call=2)
    answer = await contacts(
        sandbox, "POST", [{"email": f"{n}@example.com"} for n in range(3)], prefix=""
    )
    assert answer["status"] == 413


async def test_transactional_send_is_recorded_and_check_status_skips(sandbox: Sandbox) -> None:
    await contacts(sandbox, "POST", [{"email": "a@example.com"}, {"email": "u@example.com"}])
    sandbox.store.find_contact(500, "u@example.com").status = "unsubscribed"
    async with raw_client(sandbox) as http:
        sent = await call(
            http,
            "POST",
            "/500/api/transactional/send",
            json={
                "message_id": 77,
                "recipients": ["a@example.com", "u@example.com"],
                "check_status": True,
            },
        )
        embedded = await call(
            http,
            "POST",
            "/500/api/transactional/send_embed_content",
            json={
                "recipients": ["a@example.com"],
                "message": {"subject": "Hi", "content_html": "<p>x</p>"},
            },
        )
        bad = await call(
            http,
            "POST",
            "/500/api/transactional/send",
            json={"message_id": 77, "recipients": ["nope"]},
        )
    assert sent["payload"]["success"] == 1
    assert list(sent["payload"]["failed_recipients"]) == ["u@example.com"]
    assert embedded["payload"]["success"] == 1
    assert bad["status"] == 400
    assert sandbox.recorder.transactional_sends == {"a@example.com": 2}
    assert sandbox.recorder.duplicate_sends() == {"a@example.com": 2}


async def test_transactional_campaigns_crud(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        created = await call(
            http,
            "POST",
            "/500/api/transactional",
            json={"name": "receipts", "description": "order receipts"},
        )
        campaign_id = created["payload"]["id"]
        listed = await call(http, "GET", "/500/api/transactional")
        updated = await call(
            http, "PUT", f"/500/api/transactional/{campaign_id}", json={"name": "orders"}
        )
        gone = await call(http, "DELETE", f"/500/api/transactional/{campaign_id}")
        default = listed["payload"][0]["id"]
        refused = await call(http, "DELETE", f"/500/api/transactional/{default}")
    assert listed["metadata"]["total"] == 2
    assert updated["payload"]["name"] == "orders"
    assert gone["status"] == 200 and refused["status"] == 412


async def test_reports_are_computed_from_what_was_sent(sandbox: Sandbox) -> None:
    async with raw_client(sandbox) as http:
        for recipients, prefix in (
            (["a@example.com", "b@example.com"], "/500"),
            (["c@example.com"], ""),
        ):
            await call(
                http,
                "POST",
                f"{prefix}/api/transactional/send",
                json={"message_id": 1, "recipients": recipients},
            )
        report = await call(
            http,
            "POST",
            "/api/reports/query",
            json={
                "list_ids": "all",
                "select": ["list_id", ["sum(`sent`)", "total_sent"], "opens"],
                "group": ["list_id"],
                "order": [["total_sent", "DESC"]],
            },
        )
        one = await call(
            http,
            "POST",
            "/api/reports/query",
            json={"list_ids": [500], "select": ["sent"], "filter": [["list_id", "=", 500]]},
        )
        bad = await call(http, "POST", "/api/reports/query", json={"select": ["list_id"]})
    assert report["payload"] == [
        {"list_id": 500, "total_sent": 2, "opens": 0},
        {"list_id": 10001, "total_sent": 1, "opens": 0},
    ]
    assert one["payload"] == [{"sent": 2}]
    assert bad["status"] == 412


async def test_import_moves_through_its_statuses_then_writes(sandbox: Sandbox) -> None:
    sandbox.files["https://files.example/c.csv"] = "email,name\na@example.com,A\nbad,B\n"
    async with raw_client(sandbox) as http:
        job = await call(
            http,
            "POST",
            "/500/api/import",
            json={"file_url": "https://files.example/c.csv", "csv_delimiter": ","},
        )
        statuses = []
        for _ in range(6):
            polled = await call(http, "GET", f"/500/api/import/{job['payload']['id']}")
            statuses.append(polled["payload"]["status"])
        missing = await call(
            http,
            "POST",
            "/500/api/import",
            json={"file_url": "https://files.example/none.csv", "csv_delimiter": ","},
        )
        failed = []
        for _ in range(5):
            failed.append(
                (await call(http, "GET", f"/500/api/import/{missing['payload']['id']}"))["payload"][
                    "status"
                ]
            )
    assert statuses == [40001, 40010, 40002, 40004, 40003, 40003]
    assert polled["payload"]["success"] == "1" and polled["payload"]["invalid"] == "1"
    assert sandbox.store.find_contact(500, "a@example.com") is not None
    assert failed[-1] == 90001


async def test_contact_search_is_asynchronous(sandbox: Sandbox) -> None:
    await contacts(
        sandbox,
        "POST",
        [{"email": "ny@example.com", "state": "NY"}, {"email": "ca@example.com", "state": "CA"}],
    )
    async with raw_client(sandbox) as http:
        job = await call(
            http,
            "POST",
            "/500/api/contact_search",
            json={
                "title": "NY",
                "selected_fields": ["email", "state"],
                "filters": {
                    "criteria": [
                        {
                            "type": "string",
                            "field_name": "state",
                            "operator": "=",
                            "operand": ["ny"],
                        }
                    ]
                },
            },
        )
        search_id = job["payload"]["id"]
        early = await call(http, "GET", f"/500/api/contact_search/{search_id}/result")
        first = await call(http, "GET", f"/500/api/contact_search/{search_id}")
        second = await call(http, "GET", f"/500/api/contact_search/{search_id}")
        result = await call(http, "GET", f"/500/api/contact_search/{search_id}/result")
        export = await http.get(f"/500/api/contact_search/{search_id}/export")
    assert early["status"] == 412
    assert (first["payload"]["status"], second["payload"]["status"]) == (1, 2)
    assert result["payload"] == [{"email": "ny@example.com", "state": "NY"}]
    assert result["metadata"]["total"] == 1
    assert export.headers["content-type"] == "text/csv"
    assert export.text.splitlines() == ["email,state", "ny@example.com,NY"]
