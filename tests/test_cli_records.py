"""``ongage-async contacts upsert`` keeps a record whatever happens (issue #12, item 9).

A file in another encoding is refused before anything is sent (and read with
``--encoding``, or by its byte-order mark); a broken JSON line is one skipped row; a
Ctrl-C or an input that breaks half-way still leaves the summary and a failures file
that tells rows done from rows not attempted, and a documented exit code.
"""

from __future__ import annotations

import csv
import functools
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from typer.testing import CliRunner

from ongage_async.cli import _contacts as contacts_cli
from ongage_async.cli import app
from ongage_async.cli._progress import ProgressView
from ongage_async.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.http

LIST = 500


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(
        SandboxConfig(rate_limit=1000, rate_period=1.0, seed_lists=[{"id": LIST, "name": "main"}])
    )
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


@pytest.fixture
def sandbox(served: tuple[Sandbox, str]) -> Sandbox:
    return served[0]


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


def upsert(path: Path, env: dict[str, str], *extra: str) -> Any:
    args = ["contacts", "upsert", str(path), "--list-id", str(LIST), "-q", *extra]
    try:
        return CliRunner().invoke(app, args, env=env)
    except BaseException as exc:  # a Ctrl-C must never escape the command
        pytest.fail(f"the command let {exc!r} escape")


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def writes(sandbox: Sandbox, prefix: str) -> dict[str, int]:
    """How many times each contact whose e-mail starts with ``prefix`` was written."""
    return {
        email: n
        for (list_id, email), n in sandbox.recorder.contact_writes.items()
        if list_id == LIST and email.startswith(prefix)
    }


def people(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"email": f"{prefix}{i}@example.com", "name": f"P{i}"} for i in range(1, n + 1)]


# -- encodings -----------------------------------------------------------------------


def test_a_latin1_csv_is_refused_before_anything_is_sent_then_read_with_encoding(
    tmp_path: Path, env: dict[str, str], sandbox: Sandbox
) -> None:
    rows = people("lat", 3001)
    for row in rows[1800:]:
        row["name"] = "Zoë"  # from row 1,801 on: one byte 0xeb in latin-1, not UTF-8
    source = write_csv(tmp_path / "people.csv", rows, encoding="latin-1")

    refused = upsert(source, env)
    assert refused.exit_code == 2, refused.output
    assert "is not utf-8 text: line 1802 holds byte 0xeb" in refused.output
    assert "--encoding" in refused.output and "nothing was sent" in refused.output
    assert writes(sandbox, "lat") == {}

    done = upsert(source, env, "--encoding", "latin-1")
    assert done.exit_code == 0, done.output
    assert "3001 rows: 3001 created" in done.output
    assert sandbox.store.find_contact(LIST, "lat3001@example.com").fields == {"name": "Zoë"}
    assert set(writes(sandbox, "lat").values()) == {1}


def test_a_utf16_csv_is_read_by_its_byte_order_mark(
    tmp_path: Path, env: dict[str, str], sandbox: Sandbox
) -> None:
    rows = [{"email": f"u16n{i}@example.com", "name": "Zoë"} for i in range(120)]
    with_bom = write_csv(tmp_path / "excel.csv", rows, encoding="utf-16")
    done = upsert(with_bom, env)
    assert done.exit_code == 0, done.output
    assert "120 rows: 120 created" in done.output
    assert sandbox.store.find_contact(LIST, "u16n7@example.com").fields == {"name": "Zoë"}

    bare = [{"email": f"u16b{i}@example.com", "name": "Zoë"} for i in range(5)]
    no_bom = write_csv(tmp_path / "bare.csv", bare, encoding="utf-16-le")
    refused = upsert(no_bom, env)
    assert refused.exit_code == 2 and "--encoding utf-16-le" in refused.output
    assert upsert(no_bom, env, "--encoding", "utf-16-le").exit_code == 0
    assert writes(sandbox, "u16b") == {f"u16b{i}@example.com": 1 for i in range(5)}
    assert upsert(no_bom, env, "--encoding", "klingon").exit_code == 2


# -- a broken JSON line --------------------------------------------------------------


def test_a_broken_jsonl_line_is_one_skipped_row_kept_for_the_record(
    tmp_path: Path, env: dict[str, str], sandbox: Sandbox
) -> None:
    lines = [
        json.dumps({"email": f"jl{i}@example.com", "fields": {"n": i}}) for i in range(1, 3002)
    ]
    broken = '{"email": "jl2501@example.com", "fields": {"n": 2501}'
    lines[2500] = broken
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(lines) + "\n")

    result = upsert(source, env)
    assert result.exit_code == 1, result.output
    assert "3001 rows: 3000 created, 0 updated, 0 failed, 1 skipped" in result.output
    [row] = read_csv(tmp_path / "people.failures.csv")
    assert (row["ongage_status"], row["ongage_row"], row["ongage_raw"]) == (
        "skipped",
        "2501",
        broken,
    )
    assert row["ongage_error"].startswith("line 2501: not JSON")
    assert len(writes(sandbox, "jl")) == 3000

    # Fed back as it is, the row stays unreadable and keeps its text ...
    failures = tmp_path / "people.failures.csv"
    again = upsert(failures, env)
    assert (
        again.exit_code == 1 and "1 rows: 0 created, 0 updated, 0 failed, 1 skipped" in again.output
    )
    assert read_csv(tmp_path / "people.failures.failures.csv")[0]["ongage_raw"] == broken
    # ... and once its e-mail is filled in, it is written.
    row["email"] = "jl2501@example.com"
    write_csv(failures, [row])
    assert upsert(failures, env).exit_code == 0
    assert writes(sandbox, "jl2501@") == {"jl2501@example.com": 1}


# -- Ctrl-C --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["raise", "signal"])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_ctrl_c_leaves_a_record_of_rows_done_and_not_attempted(
    tmp_path: Path,
    env: dict[str, str],
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    how: str,
) -> None:
    prefix = f"cc{backend[0]}{how[0]}"
    source = write_csv(tmp_path / "people.csv", people(prefix, 1000))
    monkeypatch.setattr(anyio, "run", functools.partial(anyio.run, backend=backend))
    update = ProgressView.update

    def interrupt_at_300(view: ProgressView, progress: Any) -> None:
        update(view, progress)
        if progress.done >= 300:
            monkeypatch.setattr(ProgressView, "update", update)  # once
            if how == "signal":
                signal.raise_signal(signal.SIGINT)  # what a Ctrl-C does
            else:
                raise KeyboardInterrupt

    monkeypatch.setattr(ProgressView, "update", interrupt_at_300)
    stopped = upsert(source, env, "--chunk-size", "50")
    monkeypatch.undo()

    assert stopped.exit_code == 130, stopped.output
    assert "stopped: the run was interrupted (Ctrl-C)" in stopped.output
    failures = tmp_path / "people.failures.csv"
    listed = {int(r["ongage_row"]): r for r in read_csv(failures)}
    statuses = {r["ongage_status"] for r in listed.values()}
    assert statuses <= {"unconfirmed", "not_attempted"} and "not_attempted" in statuses
    done = set(range(1, 1001)) - set(listed)
    assert len(done) >= 300
    written = writes(sandbox, prefix)
    for n in done:  # done: written, once
        assert written[f"{prefix}{n}@example.com"] == 1
    for n, row in listed.items():
        assert row["email"] == f"{prefix}{n}@example.com" and row["name"] == f"P{n}"
        if row["ongage_status"] == "not_attempted":  # never sent, so surely not written
            assert f"{prefix}{n}@example.com" not in written
            assert row["ongage_error"] == "not attempted: the run was interrupted (Ctrl-C)"
    unconfirmed = sum(r["ongage_status"] == "unconfirmed" for r in listed.values())
    not_attempted = len(listed) - unconfirmed
    assert (
        f"1000 rows: {len(done)} created, 0 updated, 0 failed, 0 skipped, "
        f"{unconfirmed} unconfirmed, {not_attempted} not attempted"
    ) in stopped.output

    # The failures file finishes the job; the rows done are not written again.
    resumed = upsert(failures, env)
    assert resumed.exit_code == 0, resumed.output
    written = writes(sandbox, prefix)
    assert len(written) == 1000
    assert all(written[f"{prefix}{n}@example.com"] == 1 for n in done)


# -- an input that breaks half-way ---------------------------------------------------


def test_an_input_that_breaks_mid_run_keeps_a_record_and_exits_5(
    tmp_path: Path, env: dict[str, str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = people("mid", 3001)
    for row in rows[1800:]:
        row["name"] = "Zoë"
    source = write_csv(tmp_path / "people.csv", rows, encoding="latin-1")
    # As if the file changed after the scan that would have refused it.
    monkeypatch.setattr(contacts_cli, "scan", lambda _source: 3001, raising=False)

    result = upsert(source, env)
    assert result.exit_code == 5, result.output
    assert "stopped: the input broke" in result.output and "--encoding" in result.output
    written = writes(sandbox, "mid")
    assert 0 < len(written) <= 1800 and set(written.values()) == {1}
    assert (
        f"3001 rows: {len(written)} created, 0 updated, 0 failed, 0 skipped, "
        f"0 unconfirmed, {3001 - len(written)} not attempted"
    ) in result.output
    assert f"the rows after row {len(written)} could not be read again" in result.output
