"""The sandbox's fault plan: each kind of failure, scripted or by rule."""

from __future__ import annotations

import httpx
import pytest

from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig, create_app

from .sandbox_helpers import raw_client


def with_faults(*script: Fault | None, rules: tuple[Fault, ...] = ()) -> Sandbox:
    return Sandbox(SandboxConfig(faults=FaultPlan(script=script, rules=rules)))


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_server_error_has_the_json_envelope(status: int) -> None:
    sandbox = with_faults(Fault("server_error", status=status))
    async with raw_client(sandbox) as http:
        response = await http.get("/api/lists")
    assert response.status_code == status
    assert response.json()["payload"]["code"] == status
    assert sandbox.recorder.calls[0].fault == "server_error"


@pytest.mark.parametrize("status", [502, 504])
async def test_html_error_is_an_html_page(status: int) -> None:
    sandbox = with_faults(Fault("html_error", status=status))
    async with raw_client(sandbox) as http:
        response = await http.get("/api/lists")
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html"
    assert response.text.startswith("<html>")


async def test_truncated_and_lost_answer_do_the_work() -> None:
    sandbox = with_faults(Fault("truncated"), Fault("lost_answer"))
    async with raw_client(sandbox) as http:
        cut = await http.post("/api/v2/contacts", json={"email": "a@example.com"})
        lost = await http.post("/api/v2/contacts", json={"email": "b@example.com"})
    assert cut.status_code == 200
    with pytest.raises(ValueError):  # noqa: PT011
        cut.json()
    assert lost.status_code == 504
    assert set(sandbox.store.contacts[10001]) == {"a@example.com", "b@example.com"}


async def test_drop_cuts_the_connection_after_doing_the_work() -> None:
    sandbox = with_faults(Fault("drop"))
    async with raw_client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/api/v2/contacts", json={"email": "a@example.com"})
    assert sandbox.recorder.contact_writes[(10001, "a@example.com")] == 1
    assert sandbox.app.limits.in_flight == 0


async def test_script_entries_apply_in_order_then_normal_answers() -> None:
    sandbox = with_faults(Fault("rate_limit"), None, Fault("rate_limit"))
    async with raw_client(sandbox) as http:
        statuses = [(await http.get("/api/lists")).status_code for _ in range(4)]
    assert statuses == [429, 200, 429, 200]


async def test_rules_match_method_and_path() -> None:
    rule = Fault("server_error", probability=1.0, method="POST", path=r"/transactional/")
    sandbox = with_faults(rules=(rule,))
    async with raw_client(sandbox) as http:
        listed = await http.get("/api/lists")
        sent = await http.post(
            "/api/transactional/send", json={"message_id": 1, "recipients": ["a@example.com"]}
        )
    assert (listed.status_code, sent.status_code) == (200, 500)
    assert sandbox.recorder.transactional_sends == {}


async def test_probability_is_seeded_and_roughly_right() -> None:
    sandbox = with_faults(rules=(Fault("server_error", probability=0.3),))
    async with raw_client(sandbox) as http:
        statuses = [(await http.get("/api/lists")).status_code for _ in range(200)]
    assert 30 <= statuses.count(500) <= 90


def test_create_app_exposes_store_and_recorder() -> None:
    app = create_app(
        SandboxConfig(
            seed_lists=[{"id": 7, "name": "seeded", "contacts": [{"email": "s@example.com"}]}]
        )
    )
    assert app.store.find_contact(7, "s@example.com") is not None
    assert app.recorder.calls == []
