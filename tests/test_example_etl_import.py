"""examples/etl_sync.py's nightly full load: one import through a stage (moto's S3),
while incremental runs keep the v2 calls; and its summaries read as sentences."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ongage_async.staging import ObjectStoreStage

from .helpers import load_example
from .moto_server import (  # noqa: F401 - fixtures
    CREDENTIALS,
    bucket_fixture,
    moto_endpoint_fixture,
    objects,
    s3_store,
    store_fixture,
)
from .test_example_etl import EXAMPLE, sandbox_with_list, write_source

pytestmark = pytest.mark.http


def posts(sandbox: Any, path: str) -> int:
    return sum(c.method == "POST" and c.path.endswith(path) for c in sandbox.recorder.calls)


async def test_the_full_load_is_one_import_and_incremental_runs_use_v2(
    tmp_path: Path, store: Any
) -> None:
    etl = load_example("etl_sync")
    sandbox = sandbox_with_list()
    source = write_source(tmp_path / "people.csv", 2000)
    async with sandbox.client(list_id=500) as client:
        result = await etl.full_load(client, etl.read_csv(source), ObjectStoreStage(store))
        assert posts(sandbox, "/api/import") == 1 and posts(sandbox, "/api/v2/contacts") == 0
        counts = await etl.sync(client, etl.read_csv(source), tmp_path / "state")
    assert posts(sandbox, "/api/import") == 1 and posts(sandbox, "/api/v2/contacts") > 0
    invalid = len(range(0, 2000, 97))
    assert (result.total, result.success, result.invalid) == (2000, 2000 - invalid, invalid)
    assert etl.describe_import(result) == (
        f"Imported {2000 - invalid} of 2000 contacts in one Ongage import "
        f"({invalid} invalid e-mails), using {result.calls} API calls."
    )
    assert counts["sent"] == 2000 - invalid
    assert objects(store) == []


def test_the_incremental_summary_is_a_sentence(tmp_path: Path) -> None:
    etl = load_example("etl_sync")
    counts = {"sent": 445, "skipped_chunks": 0, "verified": 0, "failed": 5}
    assert etl.describe(counts, tmp_path) == (
        f"Sent 445 contacts to Ongage; 5 rows failed (see {tmp_path / 'failures.csv'})."
    )
    counts = {"sent": 0, "skipped_chunks": 5, "verified": 12, "failed": 0}
    assert etl.describe(counts, tmp_path) == (
        "Sent 0 contacts to Ongage; 5 chunks were already done and were skipped; "
        "12 contacts of unconfirmed chunks were checked first."
    )


@pytest.mark.timeout(20)  # a Python process that imports the SDK and obstore: ~1-2 s
def test_the_script_runs_a_full_load_with_a_stage(
    tmp_path: Path, moto_endpoint: str, bucket: str
) -> None:
    source = write_source(tmp_path / "people.csv", 300)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["secret_access_key"],
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            str(source),
            "--sandbox",
            "--full",
            "--stage",
            f"s3://{bucket}/nightly",
            "--state",
            str(tmp_path / "state"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 296 of 300 contacts in one Ongage import")
    assert objects(s3_store(moto_endpoint, bucket)) == []
