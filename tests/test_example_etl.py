"""examples/etl_sync.py: CSV and SQLite sources, failures file, a crash and a resume."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ongage_async import OngageClient
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import load_example

EXAMPLE = Path(__file__).parent.parent / "examples" / "etl_sync.py"


def load() -> Any:
    return load_example("etl_sync")


def write_source(path: Path, n: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "city"])
        for i in range(n):
            writer.writerow([f"e{i}@example.com" if i % 97 else f"broken{i}", "Oslo"])
    return path


def sandbox_with_list() -> Sandbox:
    return Sandbox(
        SandboxConfig(rate_limit=5000, rate_period=1.0, seed_lists=[{"id": 500, "name": "main"}])
    )


async def test_csv_run_then_rerun_sends_nothing_twice(tmp_path: Path) -> None:
    etl = load()
    sandbox = sandbox_with_list()
    source = write_source(tmp_path / "people.csv", 450)
    async with sandbox.client(list_id=500) as client:
        first = await etl.sync(client, etl.read_csv(source), tmp_path / "state")
        second = await etl.sync(client, etl.read_csv(source), tmp_path / "state")
    assert first["sent"] == 445 and first["failed"] == 5
    assert second == {"sent": 0, "skipped_chunks": 5, "verified": 0, "failed": 0}
    assert set(sandbox.recorder.contact_writes.values()) == {1}
    failures = (tmp_path / "state" / "failures.csv").read_text().splitlines()
    assert failures[0] == "email,ongage_error" and len(failures) == 6


async def test_sqlite_source(tmp_path: Path) -> None:
    etl = load()
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE contacts (email TEXT, plan TEXT)")
        conn.executemany(
            "INSERT INTO contacts VALUES (?, ?)", [(f"s{i}@example.com", "pro") for i in range(120)]
        )
    sandbox = sandbox_with_list()
    async with sandbox.client(list_id=500) as client:
        counts = await etl.sync(client, etl.read_sqlite(db, "contacts"), tmp_path / "state")
    assert counts["sent"] == 120
    assert sandbox.store.find_contact(500, "s7@example.com").fields == {"plan": "pro"}


@pytest.mark.http
@pytest.mark.timeout(20)  # a worker process started, killed halfway and run again: ~2 s
async def test_a_run_killed_halfway_resumes_without_writing_anything_twice(
    tmp_path: Path,
) -> None:
    etl = load()
    sandbox = sandbox_with_list()
    source = write_source(tmp_path / "people.csv", 1200)
    state = tmp_path / "state"
    with sandbox.serve(log_level="critical") as base_url:
        env = {
            **os.environ,
            "ONGAGE_USERNAME": "sandbox",
            "ONGAGE_PASSWORD": "sandbox",
            "ONGAGE_ACCOUNT_CODE": "SANDBOX",
            "ONGAGE_BASE_URL": base_url,
        }
        crashed = subprocess.run(
            [
                sys.executable,
                str(EXAMPLE),
                str(source),
                "--state",
                str(state),
                "--list-id",
                "500",
                "--crash-after",
                "5",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert crashed.returncode == 137, crashed.stderr
        journal = (state / "journal.log").read_text()
        assert "sent 5" in journal and "done 5" not in journal  # died mid-chunk
        client = OngageClient(
            "sandbox",
            "sandbox",
            "SANDBOX",
            base_url=base_url,
            list_id=500,
            rate_limit=5000,
            rate_period=1.0,
        )  # the sandbox's own budget
        async with client:
            resumed = await etl.sync(client, etl.read_csv(source), state)
    assert resumed["verified"] > 0  # the unconfirmed chunks were checked with Ongage
    valid = [f"e{i}@example.com" for i in range(1200) if i % 97]
    stored = sandbox.store.contacts[500]
    assert all(email in stored for email in valid)
    assert set(sandbox.recorder.contact_writes.values()) == {1}  # each contact written once
