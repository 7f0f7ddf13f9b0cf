"""``ongage-async contacts import FILE --stage s3://...`` against a served sandbox and moto;
and ``contacts status`` speaking in sentences."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ongage_async._import import ImportProgress
from ongage_async.cli import app
from ongage_async.cli._contacts import _status_summary
from ongage_async.cli._importview import ImportView
from ongage_async.resources._bulk import BulkResult
from ongage_async.sandbox import Sandbox, SandboxConfig

from .moto_server import (  # noqa: F401 - fixtures
    CREDENTIALS,
    bucket_fixture,
    moto_endpoint_fixture,
    objects,
    s3_store,
)

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(
        SandboxConfig(rate_limit=1000, rate_period=1.0, seed_lists=[{"id": 500, "name": "main"}])
    )
    with sandbox.serve(log_level="critical") as base_url:
        yield sandbox, base_url


def env_for(base_url: str, moto_endpoint: str) -> dict[str, str]:
    return {
        "ONGAGE_USERNAME": "sandbox",
        "ONGAGE_PASSWORD": "sandbox",
        "ONGAGE_ACCOUNT_CODE": "SANDBOX",
        "ONGAGE_BASE_URL": base_url,
        "ONGAGE_RATE_LIMIT": "1000",
        "ONGAGE_RATE_PERIOD": "1",
        # obstore reads its S3 settings from these, as for any S3 deployment.
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["secret_access_key"],
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
    }


def test_import_stages_the_file_and_reports_counts(
    tmp_path: Path, served: tuple[Sandbox, str], moto_endpoint: str, bucket: str
) -> None:
    sandbox, base_url = served
    source = tmp_path / "people.csv"
    source.write_text(
        "email,city\n" + "".join(f"cli{i}@example.com,Rome\n" for i in range(300)) + "bad,X\n"
    )
    done = CliRunner().invoke(
        app,
        [
            "contacts",
            "import",
            str(source),
            "--stage",
            f"s3://{bucket}/nightly",
            "--list-id",
            "500",
        ],
        env=env_for(base_url, moto_endpoint),
    )
    assert done.exit_code == 1, done.output  # a row was invalid: not every row imported
    assert "Imported 300 of 301 rows; 1 with an invalid e-mail" in done.output
    assert "staging" in done.output and "Ongage says Completed" in done.output
    assert sandbox.store.find_contact(500, "cli299@example.com") is not None
    assert objects(s3_store(moto_endpoint, bucket)) == []
    assert "X-Amz-Signature" not in done.output


def test_import_refuses_a_stage_it_cannot_read(
    tmp_path: Path, served: tuple[Sandbox, str], moto_endpoint: str
) -> None:
    _, base_url = served
    source = tmp_path / "p.csv"
    source.write_text("email\na@example.com\n")
    env = env_for(base_url, moto_endpoint)
    for stage in ("bucket-without-scheme", "ftp://x/y", "s3://"):
        done = CliRunner().invoke(
            app, ["contacts", "import", str(source), "--stage", stage], env=env
        )
        assert done.exit_code == 2 and "--stage" in done.output


def test_import_that_cannot_stage_says_so(
    tmp_path: Path, served: tuple[Sandbox, str], moto_endpoint: str
) -> None:
    sandbox, base_url = served
    source = tmp_path / "p.csv"
    source.write_text("email\nnever@example.com\n")
    done = CliRunner().invoke(
        app,
        ["contacts", "import", str(source), "--stage", "s3://no-such-bucket/x", "-q"],
        env=env_for(base_url, moto_endpoint),
    )
    assert done.exit_code == 4 and "could not stage" in done.output
    assert sandbox.store.find_contact(500, "never@example.com") is None


def result(total: int, changed: int, calls: int = 1) -> BulkResult:
    failed = {f"x{i}@example.com": "Contact not found" for i in range(total - changed)}
    return BulkResult(changed, 0, failed, {}, total, calls, 0.04)


@pytest.mark.parametrize(
    ("total", "changed", "to", "said"),
    [
        (1, 1, "unsubscribe", "1 contact unsubscribed. 1 call in 0.0 s."),
        (3, 3, "bounce", "All 3 contacts marked as bounced. 1 call in 0.0 s."),
        (2, 1, "remove", "1 of 2 contacts removed, 1 not (listed below). 1 call in 0.0 s."),
        (2, 0, "resubscribe", "No contact resubscribed (listed below). 1 call in 0.0 s."),
    ],
)
def test_status_summary_is_a_sentence(total: int, changed: int, to: str, said: str) -> None:
    assert _status_summary(result(total, changed), to) == said


def test_import_view_prints_a_line_per_change(capsys: Any) -> None:
    import io

    stream = io.StringIO()
    clock = iter([0.0, 0.1, 0.2, 0.3, 1.5])
    with ImportView("import f.csv", stream=stream, terminal=False, clock=lambda: next(clock)) as v:
        v.update(ImportProgress("writing", rows=10))
        v.update(ImportProgress("staging", rows=10, bytes_staged=5, bytes_total=10))
        v.update(ImportProgress("staging", rows=10, bytes_staged=10, bytes_total=10))
        v.update(ImportProgress("importing", 10, 10, 10, 50, 40002, "Processing (50%)"))
        v.update(ImportProgress("importing", 10, 10, 10, 100, 40003, "Completed"))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "import f.csv: writing the file, 10 rows",
        "import f.csv: staging 10 rows, 5 of 10 bytes",
        "import f.csv: Ongage says Processing (50%), 50%",
        "import f.csv: Ongage says Completed, 100%",
    ]
    rich = io.StringIO()
    with ImportView("import f.csv", stream=rich, terminal=True) as view:
        view.update(ImportProgress("staging", rows=1, bytes_staged=5, bytes_total=10))
        view.update(ImportProgress("importing", 1, 10, 10, 50, 40002, "Processing (50%)"))
    assert "Processing (50%)" in rich.getvalue()
