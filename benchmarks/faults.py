"""The fault matrix at scale, under the in-process governor and a RedisGovernor.

Totals: calls tried, faults injected, contacts lost, duplicate sends, calls left in
flight, and the server's own 429s.  For each fault kind, in process and over HTTP:
100 reads, 100 transactional sends and a bulk upsert of 2,000 contacts, with the fault
on 30 % of calls.  "Lost" counts a contact the result does not account for, or one
reported written that the server does not have.  "Server 429s" are the sandbox's own
refusals (its in-flight cap or window), apart from the faults it injects.

Each run goes once under the in-process governor and once under a ``RedisGovernor``
on a throwaway ``redis-server`` (a free port on 127.0.0.1, no persistence, stopped at
the end; asyncio only, as redis-py's asyncio client is).

    python benchmarks/faults.py [--governor local|redis|both]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio

from ongage_async import OngageClient, OngageError, RetryPolicy
from ongage_async.governor import Governor
from ongage_async.sandbox import Fault, FaultPlan, Sandbox, SandboxConfig

KINDS = [
    ("rate_limit", None),
    ("server_error", 500),
    ("server_error", 503),
    ("server_error", 504),
    ("html_error", 502),
    ("html_error", 504),
    ("slow", None),
    ("drop", None),
    ("truncated", None),
    ("lost_answer", None),
]
POLICY = RetryPolicy(max_retries=4, base_delay=0.001, max_delay=0.005, jitter=0)
RATE_LIMIT, RATE_PERIOD, MAX_CONCURRENCY = 10**6, 1.0, 10
COLUMNS = ("calls", "faults", "lost", "duplicates", "in_flight", "server_429")


async def exercise(sandbox: Sandbox, client: OngageClient) -> dict[str, int]:
    errors = 0
    for _ in range(100):
        try:
            await client.lists.get(500)
        except OngageError:
            errors += 1
    for n in range(100):
        with contextlib.suppress(OngageError):
            await client.transactional.send(1, [f"r{n}@example.com"])
    rows = [{"email": f"c{n}@example.com"} for n in range(2000)]
    result = await client.contacts.upsert_many(rows, keep_ids=True)
    stored = sandbox.store.contacts[500]
    lost = (2000 - result.accounted) + sum(1 for email in result.ids if email not in stored)
    return {
        "read_errors": errors,
        "lost": lost,
        "in_flight": client.governor.statistics().in_flight,
    }


def make_governor(redis_url: str | None) -> Governor:
    if redis_url is None:
        return Governor.local(RATE_LIMIT, RATE_PERIOD, MAX_CONCURRENCY)
    from ongage_async.redis import RedisGovernor

    return RedisGovernor(
        redis_url,
        account="SANDBOX",
        key_prefix=f"faults-{uuid.uuid4().hex}",  # a fresh budget and cap for each run
        rate_limit=RATE_LIMIT,
        rate_period=RATE_PERIOD,
        max_concurrency=MAX_CONCURRENCY,
    )


async def one(
    kind: str, status: int | None, over_http: bool, redis_url: str | None
) -> dict[str, Any]:
    fault = Fault(kind, probability=0.3, status=status, delay=0.3)  # type: ignore[arg-type]
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=RATE_LIMIT,
            rate_period=RATE_PERIOD,
            seed=5,
            faults=FaultPlan(rules=(fault,)),
            seed_lists=[{"id": 500, "name": "main"}],
        )
    )
    governor = make_governor(redis_url)
    options: dict[str, Any] = {
        "retry": POLICY,
        "timeout": 0.1,
        "list_id": 500,
        "governor": governor,
    }
    try:
        with contextlib.ExitStack() as stack:
            if over_http:
                base_url = stack.enter_context(sandbox.serve(log_level="critical"))
                client = OngageClient(**sandbox.client_settings(), base_url=base_url, **options)
            else:
                client = sandbox.client(**options)
            async with client:
                row = await exercise(sandbox, client)
    finally:
        aclose = getattr(governor, "aclose", None)
        if aclose is not None:  # a RedisGovernor: its connection pool
            await aclose()
    calls = sandbox.recorder.calls
    return {
        **row,
        "calls": len(calls),
        # A call the server refused over its limits is recorded with the fault "limit".
        "faults": sum(1 for c in calls if c.fault and c.fault != "limit"),
        "server_429": sandbox.recorder.rejected_429,
        "duplicates": sum(n - 1 for n in sandbox.recorder.duplicate_sends().values()),
    }


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free 127.0.0.1 port, stopped on the way out."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(binary):
        sys.exit(
            "redis-server is not installed (apt-get install redis-server); or --governor local"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.01)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def matrix(name: str, redis_url: str | None) -> dict[str, int]:
    totals = dict.fromkeys(COLUMNS, 0)
    started = time.monotonic()
    print(f"\ngovernor: {name}")
    print(
        f"{'fault':16} {'where':10} {'calls':>6} {'faults':>6} {'lost':>5} {'dup sends':>9} "
        f"{'in flight':>9} {'server 429s':>11}"
    )
    for kind, status in KINDS:
        for over_http in (False, True):
            row = anyio.run(one, kind, status, over_http, redis_url)
            for key in totals:
                totals[key] += row[key]
            label = f"{kind} {status or ''}".strip()
            print(
                f"{label:16} {'http' if over_http else 'in-process':10} {row['calls']:>6} "
                f"{row['faults']:>6} {row['lost']:>5} {row['duplicates']:>9} "
                f"{row['in_flight']:>9} {row['server_429']:>11}",
                flush=True,
            )
    print(
        f"{'total':27} {totals['calls']:>6} {totals['faults']:>6} {totals['lost']:>5} "
        f"{totals['duplicates']:>9} {totals['in_flight']:>9} {totals['server_429']:>11}   "
        f"({time.monotonic() - started:.1f} s)"
    )
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--governor",
        choices=("local", "redis", "both"),
        default="both",
        help="the in-process governor, a RedisGovernor on a throwaway redis-server, or both",
    )
    args = parser.parse_args()
    # Each retry logs a WARNING line: thousands of them would bury the table.
    logging.getLogger("ongage_async").setLevel(logging.ERROR)
    results: dict[str, dict[str, int]] = {}
    if args.governor in ("local", "both"):
        results["local"] = matrix("local (in-process)", None)
    if args.governor in ("redis", "both"):
        with redis_server() as url:
            results["redis"] = matrix("RedisGovernor (real redis-server)", url)
    if len(results) > 1:
        print()
        for name, totals in results.items():
            print(
                f"{name:6} calls {totals['calls']:,}, faults {totals['faults']:,}, lost "
                f"{totals['lost']}, duplicate sends {totals['duplicates']}, left in flight "
                f"{totals['in_flight']}, server 429s {totals['server_429']}"
            )


if __name__ == "__main__":
    main()
