"""``contacts.import_rows`` end to end: ObjectStoreStage -> moto S3 -> signed URL -> the
sandbox fetching it -> the import -> the result.  Under asyncio and trio."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ongage_async import (
    ImportUnconfirmedError,
    InvalidArgumentError,
    JobFailedError,
    JobTimeoutError,
    OngageClient,
    ValidationError,
)
from ongage_async.resources import BulkResult, ImportProgress, ImportResult
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig
from ongage_async.staging import ObjectStoreStage, Stage, StagingError, redact_url

from .helpers import FAST_RETRY, MAIN_LIST, free_port
from .moto_server import (  # noqa: F401 - fixtures
    bucket_fixture,
    moto_endpoint_fixture,
    objects,
    s3_store,
    store_fixture,
)

pytestmark = pytest.mark.http


def make_sandbox(**settings: Any) -> Sandbox:
    config = {
        "rate_limit": 1000,
        "rate_period": 1.0,
        "seed_lists": [{"id": MAIN_LIST, "name": "main"}],
        **settings,
    }
    return Sandbox(SandboxConfig(**config))


def client_of(sandbox: Sandbox) -> OngageClient:
    return sandbox.client(retry=FAST_RETRY, list_id=MAIN_LIST)


def people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"email": f"p{i}@example.com", "fields": {"city": "Oslo", "n": i}}
        for i in range(start, start + n)
    ]


def import_posts(sandbox: Sandbox) -> int:
    return sum(
        c.method == "POST" and c.path.endswith("/api/import") for c in sandbox.recorder.calls
    )


class Recording:
    """A Stage that wraps another and lets a test see or change what passes."""

    def __init__(self, inner: Stage, url: Any = None) -> None:
        self.inner, self.rewrite, self.urls = inner, url, []  # type: ignore[var-annotated]
        self.deleted: list[str] = []

    async def put(self, name: str, chunks: AsyncIterator[bytes]) -> str:
        url = await self.inner.put(name, chunks)
        self.urls.append(url)
        return self.rewrite(url) if self.rewrite else url

    async def delete(self, name: str) -> None:
        self.deleted.append(name)
        await self.inner.delete(name)


# -- the happy path --------------------------------------------------------------------


async def test_rows_go_through_one_import_and_the_file_is_deleted(store: Any) -> None:
    sandbox = make_sandbox(job_polls_per_step=3)
    seen: list[ImportProgress] = []
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(
            people(1000),
            stage=ObjectStoreStage(store, prefix="nightly/"),
            overwrite=True,
            on_progress=seen.append,
            poll_interval=0,
        )
    assert isinstance(result, ImportResult) and result.path == "import"
    assert (result.status, result.status_desc) == (40003, "Completed")
    assert (result.total, result.success, result.rows, result.counted) == (1000, 1000, 1000, 1000)
    assert result.ok and not result.compressed and not result.kept
    assert result.calls == 1 + 13  # the import, then 3 polls a step and the final one
    assert import_posts(sandbox) == 1
    stored = sandbox.store.find_contact(MAIN_LIST, "p7@example.com")
    assert stored is not None and stored.fields == {"city": "Oslo", "n": "7"}
    assert objects(store) == []  # deleted once imported
    phases = [p.phase for p in seen]
    assert phases == sorted(phases, key=["writing", "staging", "importing"].index)
    staged = [p.bytes_staged for p in seen if p.phase == "staging"]
    assert staged[-1] == result.file_bytes == seen[-1].bytes_total
    percents = [p.progress for p in seen if p.status == 40002]
    assert percents == [25, 50, 75]  # Ongage's progress, rising
    assert seen[-1].status == 40003


async def test_fifty_thousand_contacts_in_at_most_thirty_calls(store: Any) -> None:
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(
            ({"email": f"c{i}@example.com", "plan": "pro"} for i in range(50_000)),
            stage=ObjectStoreStage(store),
        )
    assert len(sandbox.recorder.calls) <= 30 and result.calls <= 30
    assert (result.total, result.success, result.counted) == (50_000, 50_000, 50_000)
    writes = sandbox.recorder.contact_writes
    assert len(writes) == 50_000 and set(writes.values()) == {1}  # each stored exactly once
    assert len(sandbox.store.contacts[MAIN_LIST]) == 50_000


async def test_duplicates_invalid_and_existing_rows_are_counted(store: Any) -> None:
    sandbox = make_sandbox()
    rows = [
        {"email": "a@example.com", "name": "A"},
        {"email": "A@EXAMPLE.COM", "name": "again"},  # the same contact, other case
        {"email": "not-an-email", "name": "X"},
        {"email": "old@example.com", "name": "Old"},
        {"email": "b@example.com", "name": "B"},
    ]
    async with client_of(sandbox) as client:
        await client.contacts.create({"email": "old@example.com", "fields": {"name": "Kept"}})
        result = await client.contacts.import_rows(rows, stage=ObjectStoreStage(store))
    assert (result.total, result.success, result.duplicate) == (5, 2, 1)
    assert (result.invalid, result.existing, result.counted) == (1, 1, 5)
    assert not result.ok
    assert sandbox.store.find_contact(MAIN_LIST, "old@example.com").fields == {"name": "Kept"}


async def test_a_large_file_goes_as_a_zip(store: Any) -> None:
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(
            people(2000), stage=ObjectStoreStage(store), compress_above=10_000
        )
    assert result.compressed and result.file_name.endswith(".zip")
    assert result.success == 2000 and result.file_bytes < 40_000  # the CSV is ~60 KB


async def test_a_csv_path_is_imported(store: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\ufeffemail;city\nx@example.com;Rome\ny@example.com;Bari\n")
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(source, stage=ObjectStoreStage(store))
    assert result.success == 2
    assert sandbox.store.find_contact(MAIN_LIST, "y@example.com").fields == {"city": "Bari"}


async def test_rows_that_cannot_be_written_are_skipped_with_why(store: Any) -> None:
    sandbox = make_sandbox()
    rows: list[Any] = [
        {"email": "a@example.com", "city": "Oslo"},
        {"email": "b@example.com", "city": "Oslo", "surprise": 1},
        ["not", "a", "mapping"],
        {"email": "c@example.com", "city": float("nan")},
        {"email": "d@example.com"},  # a missing column is an empty value
    ]
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(rows, stage=ObjectStoreStage(store))
    assert (result.rows, result.skipped_count, result.success) == (2, 3, 2)
    assert "surprise" in result.skipped["row 2"] and "fields=" in result.skipped["row 2"]
    assert "mapping" in result.skipped["row 3"]
    assert "row 4" in result.skipped


# -- failures --------------------------------------------------------------------------


async def test_an_unreachable_url_fails_the_import_with_90001(store: Any) -> None:
    closed = f"http://127.0.0.1:{free_port()}/gone.csv?X-Amz-Signature=abc"
    stage = Recording(ObjectStoreStage(store), url=lambda _: closed)
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        with pytest.raises(JobFailedError) as caught:
            await client.contacts.import_rows(people(3), stage=stage, poll_interval=0)
    assert caught.value.status == 90001 and "could not be fetched" in caught.value.description
    assert objects(store) == [] and len(stage.deleted) == 1  # the failed import's file
    assert sandbox.store.contacts[MAIN_LIST] == {}


async def test_a_url_that_no_longer_serves_the_file_fails_with_90001(store: Any) -> None:
    # moto enforces no expiry; an expired URL is an answer other than 200 all the same
    # (S3 says 403), as is a file deleted before Ongage came for it (404), made here.
    stage = Recording(ObjectStoreStage(store), url=lambda url: url.replace(".csv?", "-x.csv?"))
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        with pytest.raises(JobFailedError) as caught:
            await client.contacts.import_rows(people(3), stage=stage, poll_interval=0)
    assert caught.value.status == 90001 and "HTTP 404" in caught.value.description
    assert sandbox.store.contacts[MAIN_LIST] == {}


async def test_a_failed_upload_imports_nothing(moto_endpoint: str) -> None:
    missing_bucket = s3_store(moto_endpoint, "no-such-bucket")
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        with pytest.raises(StagingError) as caught:
            await client.contacts.import_rows(people(5), stage=ObjectStoreStage(missing_bucket))
    assert "no-such-bucket" in str(caught.value) or caught.value.__cause__ is not None
    assert sandbox.recorder.calls == [] and sandbox.store.contacts[MAIN_LIST] == {}


async def test_a_custom_stage_that_fails_raises_a_staging_error() -> None:
    class Broken:
        async def put(self, name: str, chunks: AsyncIterator[bytes]) -> str:
            raise OSError("disk full at https://x.example/f.csv?sig=SECRET")

        async def delete(self, name: str) -> None:
            return None

    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        with pytest.raises(StagingError) as caught:
            await client.contacts.import_rows(people(2), stage=Broken())
    assert "SECRET" not in str(caught.value) and "disk full" in str(caught.value)
    assert sandbox.recorder.calls == []


@pytest.mark.timeout(15)  # a 6 MB file is written before the upload starts: ~1 s
async def test_cancelling_in_the_middle_of_staging_deletes_the_object(store: Any) -> None:
    sandbox = make_sandbox()
    staging = anyio.Event()

    def progress(p: ImportProgress) -> None:
        if p.phase == "staging" and p.bytes_staged:
            staging.set()

    pad = "x" * 300
    rows = ({"email": f"w{i}@example.com", "pad": pad} for i in range(20_000))
    async with client_of(sandbox) as client, anyio.create_task_group() as tg:

        async def run() -> None:
            await client.contacts.import_rows(
                rows, stage=ObjectStoreStage(store), compress_above=None, on_progress=progress
            )

        tg.start_soon(run)
        await staging.wait()
        tg.cancel_scope.cancel()
    assert objects(store) == []
    assert import_posts(sandbox) == 0 and sandbox.store.contacts[MAIN_LIST] == {}


async def test_an_ambiguous_import_call_is_never_sent_twice(store: Any) -> None:
    lost = Fault("lost_answer", method="POST", path=r"/api/import$")
    sandbox = make_sandbox(faults=FaultPlan(rules=(lost,)))
    async with client_of(sandbox) as client:
        with pytest.raises(ImportUnconfirmedError) as caught:
            await client.contacts.import_rows(people(5), stage=ObjectStoreStage(store))
        listed = await client.imports.list()
    assert import_posts(sandbox) == 1
    assert "client.imports.list()" in str(caught.value)
    assert objects(store) == [caught.value.file_name]  # kept: the import may need it
    assert [row.extra["name"] for row in listed] == [caught.value.file_name]


async def test_a_refused_import_deletes_the_file(store: Any) -> None:
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        with pytest.raises(ValidationError):
            await client.contacts.import_rows(
                people(2), stage=ObjectStoreStage(store), import_type="suppression"
            )
    assert objects(store) == []


async def test_bad_arguments_are_refused_before_anything_is_written(store: Any) -> None:
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        for bad in (
            {"import_action": "explode"},
            {"overwrite": "yes"},
            {"stage": object()},
            {"compress_above": -1},
            {"fields": ["name"]},
        ):
            arguments: dict[str, Any] = {"stage": ObjectStoreStage(store), **bad}
            with pytest.raises(InvalidArgumentError):
                await client.contacts.import_rows(people(2), **arguments)
        with pytest.raises(InvalidArgumentError):
            await client.contacts.import_rows([], stage=ObjectStoreStage(store))
    assert sandbox.recorder.calls == [] and objects(store) == []


# -- signed URLs are credentials -----------------------------------------------------------


async def test_signed_urls_are_never_logged_or_shown_in_full(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stage = Recording(ObjectStoreStage(store))
    sandbox = make_sandbox()
    with caplog.at_level(logging.DEBUG, logger="ongage_async"):
        async with client_of(sandbox) as client:
            result = await client.contacts.import_rows(people(3), stage=stage)
    signature = stage.urls[0].split("?", 1)[1]
    assert "X-Amz-Signature" in signature
    assert signature not in caplog.text and "<redacted>" in caplog.text
    assert signature not in repr(result) and signature not in repr(stage.inner)
    assert redact_url(stage.urls[0]) == stage.urls[0].split("?")[0] + "?<redacted>"


def test_redact_url() -> None:
    assert redact_url("https://h/p/a.csv?sig=1#frag") == "https://h/p/a.csv?<redacted>"
    assert redact_url("https://h/p/a.csv") == "https://h/p/a.csv"
    assert redact_url("https://h/a.csv#x") == "https://h/a.csv"


# -- upsert_many picks the way ------------------------------------------------------------


async def test_upsert_many_with_a_stage_imports_above_the_threshold(store: Any) -> None:
    sandbox = make_sandbox()
    stage = ObjectStoreStage(store)
    async with client_of(sandbox) as client:
        big = await client.contacts.upsert_many(iter(people(11)), stage=stage, import_threshold=10)
        small = await client.contacts.upsert_many(people(10, 100), stage=stage, import_threshold=10)
        none = await client.contacts.upsert_many(people(20, 200))
    assert isinstance(big, ImportResult) and big.path == "import" and big.success == 11
    assert isinstance(small, BulkResult) and small.path == "calls" and small.created == 10
    assert isinstance(none, BulkResult) and none.path == "calls" and none.created == 20
    assert import_posts(sandbox) == 1


async def test_upsert_many_reads_an_async_input_ahead_only_as_far_as_it_must(
    store: Any,
) -> None:
    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in people(1001):
            yield row

    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        result = await client.contacts.upsert_many(rows(), stage=ObjectStoreStage(store))
    assert isinstance(result, ImportResult) and result.total == 1001
    assert len(sandbox.recorder.calls) < 10


def test_object_store_stage_checks_its_arguments(store: Any) -> None:
    from datetime import timedelta

    for bad in ({"prefix": 1}, {"expires": timedelta(0)}, {"part_size": 1}, {"max_concurrency": 0}):
        with pytest.raises(InvalidArgumentError):
            ObjectStoreStage(store, **bad)


async def test_the_stage_deletes_what_is_not_there_without_error(store: Any) -> None:
    await ObjectStoreStage(store).delete("never-put.csv")


def test_staged_files_are_fetchable_by_anyone_with_the_url(store: Any) -> None:
    async def put() -> str:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"email\n"
            yield b"a@example.com\n"

        return await ObjectStoreStage(store, prefix="p/").put("f.csv", chunks())

    url = anyio.run(put)
    assert httpx.get(url).text == "email\na@example.com\n"
    assert objects(store) == ["p/f.csv"]


async def test_a_wait_that_ends_before_ongage_fetched_the_file_keeps_it(store: Any) -> None:
    sandbox = make_sandbox(job_polls_per_step=1000)  # queued for as long as the test lasts
    async with client_of(sandbox) as client:
        with pytest.raises(JobTimeoutError):
            await client.contacts.import_rows(
                people(3), stage=ObjectStoreStage(store), poll_interval=0.01, timeout=0.05
            )
    assert len(objects(store)) == 1  # a queued import has not fetched it yet


async def test_keep_file_leaves_the_staged_file(store: Any) -> None:
    sandbox = make_sandbox()
    async with client_of(sandbox) as client:
        result = await client.contacts.import_rows(
            people(3), stage=ObjectStoreStage(store, prefix="keep/"), keep_file=True
        )
    assert result.kept and objects(store) == [f"keep/{result.file_name}"]
