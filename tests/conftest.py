"""Shared fixtures: every async test runs under asyncio and trio, against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ongage_async import OngageClient, RetryPolicy
from ongage_async.sandbox import Sandbox, SandboxConfig

#: Retries as in production, but with delays short enough for a test.
FAST_RETRY = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01, jitter=0)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


#: The list that modules marked ``main_list`` work in (the client's default list).
MAIN_LIST = 500


def _uses_main_list(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("main_list") is not None


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    seed = [{"id": MAIN_LIST, "name": "main"}] if _uses_main_list(request) else []
    return Sandbox(SandboxConfig(rate_limit=1000, rate_period=1.0, seed_lists=seed))


@pytest.fixture
async def client(sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[OngageClient]:
    list_id = MAIN_LIST if _uses_main_list(request) else None
    async with sandbox.client(retry=FAST_RETRY, list_id=list_id) as client:
        yield client


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USERNAME", "PASSWORD", "ACCOUNT_CODE", "API_KEY", "BASE_URL", "LIST_ID"):
        monkeypatch.delenv(f"ONGAGE_{name}", raising=False)


def creds(**extra: Any) -> dict[str, Any]:
    return {"username": "user", "password": "s3cret-pass", "account_code": "ACC-CODE", **extra}


def load_example(name: str) -> Any:
    """Import ``examples/<name>.py`` (the examples are scripts, not a package)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
