"""Errors that every call would repeat stop a bulk run at once; a contact's own 404 does not.

Issue 14, item 4: an upsert into a list that does not exist made 50 calls and failed
4,994 rows one by one.  Now the run's first call goes alone, and a 404 that names the
list ("List 424242 not found") stops the run after it, as an authentication error does.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ongage_async import NotFoundError
from ongage_async._chunking import list_missing
from ongage_async.cli import app
from ongage_async.resources._bulk import BulkOperation
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import FAST_RETRY

MISSING = 424242


def people(n: int, prefix: str = "p") -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"email": f"{prefix}{i}@example.com", "fields": {"name": f"n{i}"}}


def slow_sandbox() -> Sandbox:
    # Latency: without the first call going alone, ten workers would all be in flight
    # before the first 404 came back.
    return Sandbox(
        SandboxConfig(
            rate_limit=1000,
            rate_period=1.0,
            latency=(0.005, 0.01),
            seed_lists=[{"id": 500, "name": "main"}],
        )
    )


async def test_an_upsert_into_a_missing_list_stops_within_3_calls() -> None:
    sandbox = slow_sandbox()
    async with sandbox.client(retry=FAST_RETRY, list_id=500) as client:
        operation = client.contacts.bulk_upsert(people(5000), list_id=MISSING)
        with pytest.raises(NotFoundError, match=f"List {MISSING} not found"):
            await operation.run()
        assert client.governor.statistics().in_flight == 0
    assert len(sandbox.recorder.calls) <= 3
    result = operation.result()
    assert result.calls <= 3 and result.created == result.updated == 0
    assert result.total == len(result.failed) + len(result.skipped) < 5000
    reasons = set(result.failed.values())
    # The summary says why; the rows were refused before anything was done: never sent.
    assert reasons and all(
        r.startswith(f"not confirmed: the run stopped: List {MISSING}") for r in reasons
    )
    assert all(r.endswith("never sent") for r in reasons)
    assert sandbox.store.find_contact(500, "p0@example.com") is None


async def test_a_missing_list_stops_update_many_and_change_status_many_too() -> None:
    sandbox = slow_sandbox()
    async with sandbox.client(retry=FAST_RETRY, list_id=500) as client:
        with pytest.raises(NotFoundError):
            await client.contacts.update_many(people(2000), list_id=MISSING)
        emails = [f"s{i}@example.com" for i in range(2000)]
        with pytest.raises(NotFoundError):
            await client.contacts.change_status_many(emails, "unsubscribe", list_id=MISSING)
    assert len(sandbox.recorder.calls) <= 6


async def test_a_contact_not_found_fails_its_chunk_and_the_run_goes_on() -> None:
    sandbox = slow_sandbox()
    sent: list[int] = []

    async def send(chunk: list[Any]) -> Mapping[str, tuple[str, str]]:
        sent.append(len(chunk))
        if len(sent) == 2:  # one chunk's contact is gone: about those rows only
            raise NotFoundError("Contact not found", status=404)
        return {row["email"]: ("updated", "") for row in chunk}

    async with sandbox.client(retry=FAST_RETRY, list_id=500) as client:
        operation = BulkOperation(
            client, list(people(500)), send, lambda raw: (raw, ""), chunk_size=50
        )
        result = await operation.run()
    assert len(sent) == 10
    assert result.updated == 450 and len(result.failed) == 50
    assert set(result.failed.values()) == {"NotFoundError: Contact not found"}


@pytest.mark.parametrize(
    ("message", "stops"),
    [
        (f"List {MISSING} not found", True),
        ("list 7 NOT FOUND", True),
        ("List id 7 not found", True),
        ("Contact not found", False),
        ("No route for POST /api/v2/contacts", False),
        ("List field 7 not found", False),
    ],
)
def test_only_a_404_that_names_the_list_stops_the_run(message: str, stops: bool) -> None:
    assert list_missing(NotFoundError(message, status=404)) is stops


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = slow_sandbox()
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


@pytest.mark.http
def test_the_cli_summary_says_the_list_is_missing(
    tmp_path: Path, served: tuple[Sandbox, str]
) -> None:
    sandbox, base_url = served
    creds = sandbox.credentials
    env = {
        "ONGAGE_USERNAME": creds.username,
        "ONGAGE_PASSWORD": creds.password,
        "ONGAGE_ACCOUNT_CODE": creds.account_code,
        "ONGAGE_BASE_URL": base_url,
    }
    source = tmp_path / "people.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name"])
        writer.writerows([f"c{i}@example.com", f"n{i}"] for i in range(2000))
    before = len(sandbox.recorder.calls)
    args = ["contacts", "upsert", str(source), "--list-id", str(MISSING), "-q"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 4, result.output
    assert f"stopped: the run stopped on NotFoundError: List {MISSING} not found" in result.output
    assert "2000 not attempted" in result.output
    assert len(sandbox.recorder.calls) - before <= 3
