"""Per-call client overhead: ``OngageClient`` against raw ``httpx`` on the same transport.

Both send the same sequential ``GET /api/lists/<id>`` calls to the sandbox in process
(an ``httpx.ASGITransport``, no sockets, no latency), so the difference is what the
SDK adds per call: the middleware chain, the governor, envelope parsing and the typed
model.  Rounds alternate between the two to even out noise; the best round of each
counts.

    python benchmarks/overhead.py [--calls 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

import anyio
import httpx

from ongage_async import OngageClient
from ongage_async.sandbox import Sandbox, SandboxConfig


async def raw(sandbox: Sandbox, calls: int) -> float:
    creds = sandbox.credentials
    headers = {
        "X_USERNAME": creds.username,
        "X_PASSWORD": creds.password,
        "X_ACCOUNT_CODE": creds.account_code,
    }
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url="http://s", headers=headers
    ) as http:
        started = time.perf_counter()
        for _ in range(calls):
            response = await http.get("/api/lists/10001")
            response.json()["payload"]
        return time.perf_counter() - started


async def sdk(sandbox: Sandbox, calls: int, typed: bool) -> float:
    client: OngageClient = sandbox.client()
    async with client:
        started = time.perf_counter()
        for _ in range(calls):
            if typed:
                await client.lists.get(10001)
            else:
                await client.request("GET", "/api/lists/10001", list_scoped=False)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # A budget no run can reach: this measures overhead, not waiting.
    sandbox = Sandbox(SandboxConfig(rate_limit=10**9, rate_period=60))
    best = {
        "raw httpx": float("inf"),
        "client.request": float("inf"),
        "client.lists.get": float("inf"),
    }
    for _ in range(args.rounds):
        best["raw httpx"] = min(best["raw httpx"], anyio.run(raw, sandbox, args.calls))
        best["client.request"] = min(
            best["client.request"], anyio.run(sdk, sandbox, args.calls, False)
        )
        best["client.lists.get"] = min(
            best["client.lists.get"], anyio.run(sdk, sandbox, args.calls, True)
        )
    base = best["raw httpx"]
    print(f"{args.calls} sequential calls, in-process sandbox, best of {args.rounds}")
    for name, seconds in best.items():
        print(f"{name:18} {seconds / args.calls * 1e6:8.1f} us/call  {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
