"""A raw httpx client on the sandbox: tests of the server must not depend on our client."""

from __future__ import annotations

from typing import Any

import httpx

from ongage_async.sandbox import Sandbox


def raw_client(sandbox: Sandbox, **headers: str) -> httpx.AsyncClient:
    creds = sandbox.credentials
    auth = {
        "X_USERNAME": creds.username,
        "X_PASSWORD": creds.password,
        "X_ACCOUNT_CODE": creds.account_code,
    }
    return httpx.AsyncClient(
        transport=sandbox.transport(), base_url="http://sandbox", headers={**auth, **headers}
    )


async def call(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """The parsed envelope of one call (any status)."""
    response = await http.request(method, path, **kwargs)
    document = response.json()
    document["status"] = response.status_code
    return document
