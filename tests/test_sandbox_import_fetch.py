"""The sandbox's ``POST /api/import`` fetches ``file_url`` as Ongage does, and no further:
loopback only, same-host redirects only, one file a ZIP, a size cap; and it steps through
the documented statuses with a rising ``progress``."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ongage_async.sandbox import Sandbox, SandboxConfig
from ongage_async.sandbox._fetch import _host_allowed

from .sandbox_helpers import call, raw_client

pytestmark = pytest.mark.http

#: path -> (status, headers, body); the server below answers from it.
Routes = dict[str, tuple[int, dict[str, str], bytes]]


@pytest.fixture(scope="module")
def files() -> Iterator[tuple[str, Routes]]:
    """A small HTTP server on 127.0.0.1 serving what a test puts in its routes."""
    routes: Routes = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.get(self.path.split("?")[0], (404, {}, b"missing"))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


def zipped(*members: tuple[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(name, text)
    return out.getvalue()


def sandbox(**settings: Any) -> Sandbox:
    return Sandbox(SandboxConfig(seed_lists=[{"id": 500, "name": "main"}], **settings))


async def run_import(box: Sandbox, url: str, polls: int = 8, **body: Any) -> list[dict[str, Any]]:
    """Start an import of ``url`` and poll it ``polls`` times; every answer's payload."""
    async with raw_client(box) as http:
        created = await call(
            http, "POST", "/500/api/import", json={"file_url": url, "csv_delimiter": ",", **body}
        )
        job_id = created["payload"]["id"]
        return [
            (await call(http, "GET", f"/500/api/import/{job_id}"))["payload"] for _ in range(polls)
        ]


async def test_a_loopback_url_is_fetched_and_imported(files: tuple[str, Routes]) -> None:
    base, routes = files
    routes["/a.csv"] = (200, {}, b"email,city\na@example.com,Rome\nb@example.com,Bari\n")
    box = sandbox()
    seen = await run_import(box, f"{base}/a.csv?X-Amz-Signature=s")
    assert [p["status"] for p in seen[:5]] == [40001, 40010, 40002, 40004, 40003]
    assert (seen[-1]["total"], seen[-1]["success"]) == ("2", "2")
    assert box.store.find_contact(500, "b@example.com").fields == {"city": "Bari"}
    assert seen[-1]["name"] == "a.csv"  # without the query: a signed URL's is a credential


async def test_a_zip_of_one_file_is_unpacked(files: tuple[str, Routes]) -> None:
    base, routes = files
    routes["/one.zip"] = (200, {}, zipped(("c.csv", "email\nz@example.com\n")))
    seen = await run_import(sandbox(), f"{base}/one.zip")
    assert seen[-1]["status"] == 40003 and seen[-1]["success"] == "1"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (zipped(("a.csv", "email\na@x.com\n"), ("b.csv", "email\nb@x.com\n")), "exactly one"),
        (b"name,city\nA,Rome\n", "no email column"),
        (b"email\n", "no rows"),
        (b"PK\x03\x04 not really a zip", "not a readable zip"),
        ("email\nå@example.com\n".encode("utf-16"), "not utf-8"),
    ],
)
async def test_a_file_that_cannot_be_imported_ends_in_90008(
    files: tuple[str, Routes], body: bytes, why: str
) -> None:
    base, routes = files
    routes["/bad"] = (200, {}, body)
    seen = await run_import(sandbox(), f"{base}/bad", polls=3)
    assert seen[1]["status"] == 90008 and seen[-1]["status"] == 90008
    assert why in seen[-1]["status_desc"].lower()


@pytest.mark.parametrize(
    ("path", "status", "headers", "why"),
    [
        ("/missing.csv", 404, {}, "http 404"),
        ("/denied.csv", 403, {}, "http 403"),
        ("/away.csv", 302, {"Location": "http://localhost:1/x.csv"}, "another host"),
        ("/loop.csv", 302, {"Location": "/loop.csv"}, "redirects"),
    ],
)
async def test_a_file_that_cannot_be_fetched_ends_in_90001(
    files: tuple[str, Routes], path: str, status: int, headers: dict[str, str], why: str
) -> None:
    base, routes = files
    routes[path] = (status, headers, b"")
    box = sandbox()
    seen = await run_import(box, f"{base}{path}", polls=3)
    assert seen[1]["status"] == 90001 and why in seen[1]["status_desc"].lower()
    assert box.store.contacts[500] == {}


async def test_a_same_host_redirect_is_followed(files: tuple[str, Routes]) -> None:
    base, routes = files
    routes["/moved.csv"] = (301, {"Location": "/here.csv"}, b"")
    routes["/here.csv"] = (200, {}, b"email\nmoved@example.com\n")
    seen = await run_import(sandbox(), f"{base}/moved.csv")
    assert seen[-1]["success"] == "1"


async def test_other_hosts_are_not_fetched_unless_configured() -> None:
    seen = await run_import(sandbox(), "https://files.example/a.csv", polls=2)
    assert seen[1]["status"] == 90001 and "loopback only" in seen[1]["status_desc"]
    assert seen[1]["status_desc"].count("files.example") == 1  # the host, never the query
    for url, hosts, allowed in [
        ("http://127.0.0.9/x", (), True),
        ("http://[::1]/x", (), True),
        ("http://localhost/x", (), True),
        ("http://10.0.0.1/x", (), False),
        ("http://files.example/x", (), False),
        ("http://files.example/x", ("files.example",), True),
        ("http://anything/x", ("*",), True),
    ]:
        assert _host_allowed(httpx.URL(url), hosts) is allowed, url


async def test_a_file_over_the_size_cap_is_refused(files: tuple[str, Routes]) -> None:
    base, routes = files
    routes["/big.csv"] = (200, {}, b"email\n" + b"a@example.com\n" * 100)
    seen = await run_import(sandbox(import_max_bytes=500), f"{base}/big.csv", polls=2)
    assert seen[1]["status"] == 90001 and "larger than 500" in seen[1]["status_desc"]
    bomb = zipped(("c.csv", "email\n" + "a@example.com\n" * 1000))
    routes["/bomb.zip"] = (200, {}, bomb)
    seen = await run_import(sandbox(import_max_bytes=len(bomb) + 10), f"{base}/bomb.zip", polls=2)
    assert seen[1]["status"] == 90008 and "unpacks to more" in seen[1]["status_desc"]


async def test_progress_follows_the_rows_when_the_speed_is_set(files: tuple[str, Routes]) -> None:
    base, routes = files
    routes["/ten.csv"] = (
        200,
        {},
        b"email\n" + b"".join(b"r%d@example.com\n" % i for i in range(10)),
    )
    box = sandbox(import_rows_per_poll=3)
    async with raw_client(box) as http:
        body = {"file_url": f"{base}/ten.csv", "csv_delimiter": ","}
        job_id = (await call(http, "POST", "/500/api/import", json=body))["payload"]["id"]
        seen, stored = [], []
        for _ in range(9):
            seen.append((await call(http, "GET", f"/500/api/import/{job_id}"))["payload"])
            stored.append(len(box.store.contacts[500]))
    processing = [p for p in seen if p["status"] == 40002]
    assert [p["progress"] for p in processing] == ["20", "40", "60", "80"]
    assert stored[2:6] == [2, 4, 6, 8]  # written as processing goes, not at the end
    assert seen[-1]["status"] == 40003 and seen[-1]["success"] == "10" and stored[-1] == 10
