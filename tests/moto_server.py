"""A real S3-compatible server for the import tests: moto's, in a process of its own.

Test modules import the ``*_fixture`` functions to use them (pytest finds fixtures
that a module imports).  Started once a session on a free 127.0.0.1 port.  Tests go through the real
``ObjectStoreStage`` (obstore's S3 client, multipart uploads, signed URLs) against it;
each test gets a bucket of its own.  Where moto is missing the tests skip, except in CI,
where ``moto[server]`` is a test dependency and they must run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .helpers import free_port

#: Any keys do: moto accepts every signature.
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: moto[server] is in pyproject's test group, which nox installs")
    pytest.skip(why)


@pytest.fixture(scope="session", name="moto_endpoint")
def moto_endpoint_fixture() -> Iterator[str]:
    """The URL of a moto S3 server for the whole session."""
    try:
        import moto.server  # noqa: F401
        import obstore  # noqa: F401
    except ImportError as exc:
        _missing(f"{exc.name} is not installed")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # setup, not a test step: wait for the server to accept connections
        try:
            httpx.get(endpoint, timeout=1.0)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.02)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


def s3_store(endpoint: str, bucket: str) -> Any:
    from obstore.store import S3Store

    return S3Store(
        bucket,
        endpoint=endpoint,
        region="us-east-1",
        allow_http=True,
        virtual_hosted_style_request=False,
        **CREDENTIALS,
    )


@pytest.fixture(name="bucket")
def bucket_fixture(moto_endpoint: str) -> str:
    """A new, empty bucket."""
    name = f"imports-{uuid.uuid4().hex[:12]}"
    httpx.put(f"{moto_endpoint}/{name}").raise_for_status()
    return name


@pytest.fixture(name="store")
def store_fixture(moto_endpoint: str, bucket: str) -> Any:
    return s3_store(moto_endpoint, bucket)


def objects(store: Any) -> list[str]:
    """Every object's path in the store's bucket."""
    import obstore

    return sorted(meta["path"] for batch in obstore.list(store) for meta in batch)
