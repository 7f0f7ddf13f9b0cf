"""The ``ongage-async`` command line, against the sandbox over HTTP."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ongage_async.cli import app
from ongage_async.sandbox import Sandbox, SandboxConfig, serve_in_subprocess

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(
        SandboxConfig(rate_limit=1000, rate_period=1.0, seed_lists=[{"id": 500, "name": "main"}])
    )
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


@pytest.fixture
def env(served: tuple[Sandbox, str]) -> dict[str, str]:
    sandbox, base_url = served
    creds = sandbox.credentials
    return {
        "ONGAGE_USERNAME": creds.username,
        "ONGAGE_PASSWORD": creds.password,
        "ONGAGE_ACCOUNT_CODE": creds.account_code,
        "ONGAGE_BASE_URL": base_url,
    }


def invoke(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args, env=env)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_upsert_csv_writes_failures_that_can_be_fed_back(
    tmp_path: Path, env: dict[str, str], served: tuple[Sandbox, str]
) -> None:
    sandbox, _ = served
    source = write_csv(
        tmp_path / "people.csv",
        [
            {"email": "cli1@example.com", "city": "Oslo"},
            {"email": "broken", "city": "Lima"},
            {"email": "cli2@example.com", "city": "Pune"},
            {"email": "cli1@example.com", "city": "again"},
        ],
    )
    result = invoke(["contacts", "upsert", str(source), "--list-id", "500", "-q"], env)
    assert result.exit_code == 1, result.output
    assert "4 rows: 2 created, 0 updated, 0 failed, 2 skipped" in result.output
    failures = tmp_path / "people.failures.csv"
    with failures.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["email"], r["city"]) for r in rows] == [
        ("broken", "Lima"),
        ("cli1@example.com", "again"),
    ]
    assert rows[0]["ongage_error"].startswith("a contact's email is not a valid")
    assert sandbox.store.find_contact(500, "cli2@example.com").fields == {"city": "Pune"}

    again = invoke(["contacts", "upsert", str(failures), "--list-id", "500", "-q"], env)
    assert again.exit_code == 1
    assert "2 rows: 0 created, 1 updated, 0 failed, 1 skipped" in again.output


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_upsert_json_all_good_exits_0(tmp_path: Path, env: dict[str, str], suffix: str) -> None:
    rows = [{"email": f"j{n}{suffix[1:]}@example.com", "fields": {"n": n}} for n in range(120)]
    source = tmp_path / f"people{suffix}"
    text = "\n".join(json.dumps(r) for r in rows) if suffix == ".jsonl" else json.dumps(rows)
    source.write_text(text)
    result = invoke(["contacts", "upsert", str(source), "--list-id", "500"], env)
    assert result.exit_code == 0, result.output
    assert "120 rows: 120 created" in result.output
    assert "120/120 done" in result.output  # plain progress lines off a terminal
    assert not (tmp_path / f"people{suffix}.failures.csv").exists()
    assert not list(tmp_path.glob("*.failures.csv"))


def test_dry_run_sends_nothing(
    tmp_path: Path, env: dict[str, str], served: tuple[Sandbox, str]
) -> None:
    sandbox, _ = served
    source = write_csv(tmp_path / "dry.csv", [{"email": "d@example.com"}, {"email": "x"}])
    before = len(sandbox.recorder.calls)
    result = invoke(["contacts", "upsert", str(source), "--dry-run"], env)
    assert result.exit_code == 1
    assert "dry run: 2 rows: 1 valid" in result.output
    assert len(sandbox.recorder.calls) == before


def test_usage_and_auth_errors_have_their_own_exit_codes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = write_csv(tmp_path / "a.csv", [{"email": "a@example.com"}])
    wrong = {**env, "ONGAGE_PASSWORD": "wrong-secret-123"}
    denied = invoke(["contacts", "upsert", str(source), "-q"], wrong)
    assert denied.exit_code == 3
    assert "wrong-secret-123" not in denied.output
    missing = {k: v for k, v in env.items() if k != "ONGAGE_PASSWORD"}
    missing["ONGAGE_PASSWORD"] = ""
    unset = invoke(["lists", "ls"], missing)
    assert unset.exit_code == 2 and "ONGAGE_PASSWORD" in unset.output
    headless = tmp_path / "no_email.csv"
    headless.write_text("name\nx\n")
    assert invoke(["contacts", "upsert", str(headless)], env).exit_code == 2


def test_get_status_lists_and_reports(env: dict[str, str], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "s.csv", [{"email": "st@example.com", "city": "Rome"}])
    assert invoke(["contacts", "upsert", str(source), "--list-id", "500", "-q"], env).exit_code == 0
    got = invoke(["contacts", "get", "st@example.com", "--list-id", "500"], env)
    assert got.exit_code == 0 and json.loads(got.output)["fields"] == {"city": "Rome"}
    changed = invoke(
        [
            "contacts",
            "status",
            "st@example.com",
            "zz@example.com",
            "--to",
            "unsubscribe",
            "--list-id",
            "500",
            "-q",
        ],
        env,
    )
    assert changed.exit_code == 1
    assert "1 of 2 contacts unsubscribed, 1 not (listed below)." in changed.output
    assert "zz@example.com: Contact not found" in changed.output
    listed = invoke(["lists", "ls"], env)
    assert listed.exit_code == 0 and "500\tsending\tmain" in listed.output
    report = invoke(
        ["reports", "query", "-s", "list_id", "-s", "sum(`sent`)=sent", "-g", "list_id"], env
    )
    assert report.exit_code == 0, report.output
    bad = invoke(["contacts", "status", "st@example.com", "--to", "vanish"], env)
    assert bad.exit_code == 2


def test_real_subprocess_against_a_sandbox_process(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "p.csv", [{"email": f"s{n}@example.com"} for n in range(250)])
    with serve_in_subprocess("--rate-limit", "5", "--rate-period", "0.2") as process:
        env = {
            **os.environ,
            "ONGAGE_USERNAME": "sandbox",
            "ONGAGE_PASSWORD": "sandbox",
            "ONGAGE_ACCOUNT_CODE": "SANDBOX",
            "ONGAGE_BASE_URL": process.base_url,
        }
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from ongage_async.cli import main; main()",
                "contacts",
                "upsert",
                str(source),
                "--chunk-size",
                "25",
                "--rate-limit",
                "5",
                "--rate-period",
                "0.2",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "250 rows: 250 created" in done.stdout
