"""Asynchronous jobs: imports, exports, contact searches and activity reports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ongage_async import InvalidArgumentError, JobFailedError, JobTimeoutError, OngageClient
from ongage_async.resources import Criterion, ImportJob
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import FAST_RETRY, MAIN_LIST

CSV = "email,name,state\na@example.com,A,NY\nb@example.com,B,CA\nbad,C,NY\na@example.com,A2,NY\n"


@pytest.fixture
def sandbox() -> Sandbox:
    config = SandboxConfig(
        rate_limit=1000,
        rate_period=1.0,
        job_polls_per_step=2,
        seed_lists=[{"id": MAIN_LIST, "name": "main"}],
    )
    sandbox = Sandbox(config)
    sandbox.files["https://files.example/contacts.csv"] = CSV
    return sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[OngageClient]:
    """This module works in list 500 (``MAIN_LIST``), the client's default list."""
    async with sandbox.client(retry=FAST_RETRY, list_id=MAIN_LIST) as client:
        yield client


async def test_import_goes_pending_processing_completed(
    client: OngageClient, sandbox: Sandbox
) -> None:
    job = await client.imports.create("https://files.example/contacts.csv", name="nightly")
    assert isinstance(job, ImportJob)
    seen = []
    while True:
        status = await job.status()
        assert status is not None
        seen.append(status.status)
        if status.done:
            break
    assert seen == [40001, 40001, 40010, 40010, 40002, 40002, 40004, 40004, 40003]
    assert (status.success, status.invalid, status.duplicate) == (2, 1, 1)
    assert sandbox.store.find_contact(500, "b@example.com") is not None
    listed = [imp.id async for imp in client.imports.iter(page_size=1)]
    assert listed == [job.id]


async def test_import_wait_returns_the_final_status(client: OngageClient) -> None:
    job = await client.imports.create("https://files.example/contacts.csv")
    final = await job.wait(poll_interval=0)
    assert final.done and final.status == 40003
    assert (await client.imports.get(job.id)).status == 40003


async def test_import_that_fails_raises_a_typed_error(client: OngageClient) -> None:
    job = await client.imports.create("https://files.example/missing.csv")
    with pytest.raises(JobFailedError) as caught:
        await job.wait(poll_interval=0)
    assert caught.value.status == 90001
    assert caught.value.job_id == job.id


async def test_wait_times_out(client: OngageClient) -> None:
    job = await client.imports.create("https://files.example/contacts.csv")
    with pytest.raises(JobTimeoutError):
        await job.wait(poll_interval=0.05, timeout=0.01)


def test_default_poll_interval_comes_from_the_budget(sandbox: Sandbox) -> None:
    client = sandbox.client(rate_limit=300, rate_period=60)
    assert client.imports.job(1).default_poll_interval() == pytest.approx(4.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"csv_delimiter": "#"}, {"import_action": "explode"}, {"file_url": ""}],
)
async def test_bad_import_arguments(
    client: OngageClient, sandbox: Sandbox, kwargs: dict[str, str]
) -> None:
    arguments = {"file_url": "https://files.example/contacts.csv", **kwargs}
    with pytest.raises(InvalidArgumentError):
        await client.imports.create(**arguments)  # type: ignore[arg-type]
    assert sandbox.recorder.calls == []


async def test_export_412_is_pending_then_zip_is_streamed(
    client: OngageClient, tmp_path: Path
) -> None:
    await client.contacts.create([{"email": "a@example.com"}, {"email": "b@example.com"}])
    segment = await client.segments.create(name="everyone")
    job = await client.exports.create(
        "all contacts",
        fields=["email"],
        segment_ids=[segment.id],
        statuses=["active"],
        date_format="mm/dd/yyyy",
    )
    with pytest.raises(JobTimeoutError):  # 412 "not finished yet" is pending, not an error
        await job.download(tmp_path / "early.zip", poll_interval=0, timeout=0)
    assert not (tmp_path / "early.zip").exists()  # nothing written while pending
    final = await job.wait(poll_interval=0)
    assert job.ready and final.done and final.id == job.id
    size = final.size
    assert size > 0
    calls = client.governor.statistics().calls_started
    written = await job.download(tmp_path / "export.zip")
    assert client.governor.statistics().calls_started == calls  # the file was kept by wait()
    assert written == size == (tmp_path / "export.zip").stat().st_size
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        (name,) = archive.namelist()
        lines = archive.read(name).decode().splitlines()
    assert lines == ["email", "a@example.com", "b@example.com"]

    buffer = io.BytesIO()
    assert await job.download(buffer) == written


async def test_download_polls_retrieve_until_the_file_is_ready(
    client: OngageClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    await client.contacts.create([{"email": "a@example.com"}])
    segment = await client.segments.create(name="everyone")
    job = await client.exports.create(
        "seg", segment_ids=[segment.id], statuses=["active"], date_format="dd-mm-yyyy"
    )
    written = await job.download(tmp_path / "export.zip", poll_interval=0)
    assert written == (tmp_path / "export.zip").stat().st_size > 0
    paths = {c.path for c in sandbox.recorder.calls if c.path.startswith("/api/export")}
    assert paths == {"/api/export", f"/api/export/{job.id}/retrieve"}  # no status call


@pytest.mark.parametrize(
    "kwargs",
    [
        {"segment_ids": [1], "mailing_ids": [2]},
        {"segment_ids": [1], "statuses": ["gone"]},
        {"segment_ids": [1], "statuses": []},
        {"segment_ids": [1], "date_format": "yyyy-mm-dd"},
        {"segment_ids": [1], "date_format": None},
        {"segment_ids": ["x"]},
        {},  # neither segment nor mailing
        {"mailing_ids": [3], "statuses": ["bounced"]},  # bounced: by segment only
    ],
)
async def test_export_arguments_are_checked(
    client: OngageClient, sandbox: Sandbox, kwargs: dict[str, Any]
) -> None:
    values: dict[str, Any] = {"statuses": ["active"], "date_format": "mm/dd/yyyy", **kwargs}
    with pytest.raises(InvalidArgumentError):
        await client.exports.create("x", **values)
    assert sandbox.recorder.calls == []


async def test_contact_search_results_are_paged_and_exported(
    client: OngageClient, tmp_path: Path
) -> None:
    await client.contacts.create(
        [{"email": f"ny{n}@example.com", "state": "NY"} for n in range(7)]
        + [{"email": "ca@example.com", "state": "CA"}]
    )
    job = await client.contact_search.create(
        [Criterion("state", "=", ["ny"])], title="NY", selected_fields=["email", "state"]
    )
    assert await job.status() is not None
    await job.wait(poll_interval=0)
    before = client.governor.statistics().calls_started
    rows = [row async for row in job.results(page_size=3)]
    assert client.governor.statistics().calls_started - before == 3  # 3 + 3 + 1 rows
    assert sorted(r["email"] for r in rows) == [f"ny{n}@example.com" for n in range(7)]
    assert all(r["state"] == "NY" for r in rows)
    size = await job.download(tmp_path / "ny.csv")
    data = (tmp_path / "ny.csv").read_bytes()
    assert size == len(data)
    assert data.decode().splitlines()[0] == "email,state"
    assert [s.id async for s in client.contact_search.iter()] == [job.id]
    assert (await client.contact_search.get(job.id)).done
    await client.contact_search.delete(job.id)
    assert [s.id async for s in client.contact_search.iter()] == []


async def test_contact_activity_is_a_search_with_dates(client: OngageClient) -> None:
    import datetime as dt

    await client.contacts.create({"email": "a@example.com"})
    job = await client.contact_activity.create(
        [{"field_name": "email", "operator": "notempty", "operand": []}],
        title="January",
        from_date=dt.date(2026, 1, 1),
        to_date=dt.date(2026, 2, 1),
    )
    await job.wait(poll_interval=0)
    assert [row["email"] async for row in job.results()] == ["a@example.com"]
    detailed = io.BytesIO()
    assert await job.download_detailed(detailed) == len(detailed.getvalue()) > 0
    with pytest.raises(InvalidArgumentError):
        await client.contact_activity.create(
            [Criterion("email", "notempty")],
            title="backwards",
            from_date=dt.date(2026, 2, 1),
            to_date=dt.date(2026, 1, 1),
        )


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        "state",
        [{"no": "field"}],
        [Criterion("s", "=", "x", condition="xor")],
        [Criterion("s", "IN", ["x"])],  # not one of Ongage's operators
        [Criterion("s", "><", [1])],  # in range takes two operands
        [{"field_name": "s", "field_id": 3, "operator": "="}],  # name or id, not both
        [Criterion(field_id="x3", operator="=")],
    ],
)
async def test_bad_criteria(client: OngageClient, sandbox: Sandbox, criteria: object) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.contact_search.create(criteria, title="t")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):  # a search needs its title
        await client.contact_search.create([Criterion("s", "=", "x")], title="")
    assert sandbox.recorder.calls == []
