"""Shared fixtures: every async test runs under asyncio and trio, against the sandbox.

The fault matrix and the bulk tests also run under both governors (``governor_kind``):
the in-process one, and a ``RedisGovernor`` on one redis-server shared by the session.
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from ongage_async import OngageClient
from ongage_async.sandbox import Sandbox, SandboxConfig

from .helpers import FAST_RETRY, MAIN_LIST, Governors, flush_redis, free_port

#: ``pytester`` runs a pytest session inside a test (tests/test_hangs.py).
pytest_plugins = ("pytester",)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> None:
    """Bound every async test by its timeout inside the event loop, under both backends.

    pytest-timeout's signal fires between two bytecodes wherever the main thread is:
    under asyncio that fails the test, but under trio it can land in trio's own
    scheduler, which then hangs.  A cancel scope a little shorter than the timeout
    fails the test from inside the loop instead (`TimeoutError` where it waited), a
    fifth of the timeout earlier and at least a second if the timeout allows: the
    timeout also counts the fixtures' set-up, and with 0.4 s to spare pytest-timeout
    fired first once under trio on a loaded machine.  pytest-timeout stays behind it
    for code that never yields.
    """
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return
    marker = pyfuncitem.get_closest_marker("timeout")
    limit = float(marker.args[0] if marker and marker.args else pyfuncitem.config.getini("timeout"))
    if limit <= 0:  # timeout(0): no limit, as pytest-timeout reads it
        return
    test = pyfuncitem.obj

    @functools.wraps(test)
    async def bounded(*args: Any, **kwargs: Any) -> Any:
        with anyio.fail_after(limit - min(max(limit / 5, 1.0), limit / 2)):
            return await test(*args, **kwargs)

    pyfuncitem.obj = bounded


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0))


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[OngageClient]:
    async with sandbox.client(retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def main_sandbox() -> Sandbox:
    """A sandbox that has list 500 (``MAIN_LIST``), for ``main_client``."""
    seed = [{"id": MAIN_LIST, "name": "main"}]
    return Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0, seed_lists=seed))


@pytest.fixture
async def main_client(main_sandbox: Sandbox) -> AsyncIterator[OngageClient]:
    """A client of ``main_sandbox`` whose default list is 500."""
    async with main_sandbox.client(retry=FAST_RETRY, list_id=MAIN_LIST) as client:
        yield client


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USERNAME", "PASSWORD", "ACCOUNT_CODE", "API_KEY", "BASE_URL", "LIST_ID"):
        monkeypatch.delenv(f"ONGAGE_{name}", raising=False)


# -- the governors under test -------------------------------------------------------------


def _redis_missing(why: str) -> None:
    """Skip where Redis is absent, except in CI: there the Redis path must be tested."""
    if os.environ.get("CI"):
        pytest.fail(f"{why}: .ci/run installs Debian's redis-server, and nox the redis extra")
    pytest.skip(why)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One real redis-server on a free 127.0.0.1 port for the whole session."""
    try:
        import redis
    except ImportError:
        _redis_missing("the redis package is not installed (the [redis] extra)")
    binary = shutil.which("redis-server")
    if binary is None:
        _redis_missing("redis-server is not installed")
    assert binary is not None
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:  # setup, not a test step: wait for the server to accept connections
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.01)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(params=["local", "redis"])
def governor_kind(request: pytest.FixtureRequest, anyio_backend: str) -> str:
    if request.param == "redis" and anyio_backend != "asyncio":
        pytest.skip("RedisGovernor runs on asyncio only (redis-py's asyncio client)")
    return str(request.param)


@pytest.fixture
async def governors(governor_kind: str, request: pytest.FixtureRequest) -> AsyncIterator[Governors]:
    url: str | None = None
    if governor_kind == "redis":
        url = request.getfixturevalue("redis_url")
        flush_redis(url)
    made = Governors(governor_kind, url)
    try:
        yield made
    finally:
        await made.aclose()
