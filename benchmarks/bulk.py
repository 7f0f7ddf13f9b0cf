"""The bulk engine against a strict sandbox over HTTP, and the naive way beside it.

Each bulk run happens in a fresh process (so its peak RSS is its own) against the
sandbox in another process, with a strict sliding window scaled down from 60 s to
``--period`` seconds and 5-30 ms of latency.  Chunks are sized automatically (at most 50
contacts and 8 KiB of JSON a call, as Ongage advises), for two kinds of rows: small ones
(an e-mail and 4 fields, ~150 bytes) and wide ones (20 fields, ~700 bytes).  Printed per
run: calls and contacts per call, a lower bound on the calls under that target
(max(ceil(n / 50), ceil(bytes / 8 KiB)): whole rows cannot always fill a call), wall
time against the ideal for the calls made at the budget, 429s seen by the server, and
the worker's peak RSS; then the naive way (one call per contact, ten at a time, no
budget) on a sample.

    python benchmarks/bulk.py [--contacts 100000] [--wide 100000] [--period 6] [--naive 1500]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
from strict_server import strict_server

from ongage_async import OngageClient, RetryPolicy
from ongage_async._chunking import DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_SIZE, row_bytes
from ongage_async.resources._bulk import ideal_seconds

CREDS = {"username": "sandbox", "password": "sandbox", "account_code": "SANDBOX"}


def contacts(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "email": f"user{i}@example.com",
            "fields": {
                "first_name": f"First{i}",
                "last_name": "Last",
                "city": "Lisbon",
                "plan": "pro" if i % 3 else "free",
            },
        }


def wide_contacts(n: int) -> Iterator[dict[str, Any]]:
    """Rows with 20 fields, as a CRM export has them."""
    for row in contacts(n):
        extra = {f"attr_{k:02d}": f"value {k} of {row['email'][:-12]}" for k in range(16)}
        yield {**row, "fields": {**row["fields"], **extra}}


ROWS = {"small": contacts, "wide": wide_contacts}


def fewest_calls(kind: str, n: int) -> int:
    """A lower bound on the calls: 50 rows and 8 KiB (less the brackets) a call, at most."""
    payload = sum(row_bytes({**row, "overwrite": True}) for row in ROWS[kind](n))
    return max(math.ceil(n / DEFAULT_CHUNK_SIZE), math.ceil(payload / (DEFAULT_CHUNK_BYTES - 2)))


async def bulk_worker(
    base_url: str, kind: str, n: int, limit: int, period: float
) -> dict[str, Any]:
    client = OngageClient(
        **CREDS,
        base_url=base_url,
        rate_limit=limit,
        rate_period=period,
        retry=RetryPolicy(base_delay=period, max_delay=4 * period),
        reserve=None,  # the job alone on the account: the whole budget, as README says
    )
    async with client:
        started = time.perf_counter()
        result = await client.contacts.upsert_many(ROWS[kind](n))
        wall = time.perf_counter() - started
    return {
        "n": n,
        "chunk_size": result.chunk_size,
        "splits": result.splits,
        "wall": wall,
        "calls": result.calls,
        "created": result.created,
        "failed": len(result.failed),
        "client_429": client.governor.statistics().rate_limited,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def naive(base_url: str, n: int) -> tuple[float, int, int]:
    """What most people write first: one call per contact, ten at a time, no budget."""
    headers = {"X_USERNAME": "sandbox", "X_PASSWORD": "sandbox", "X_ACCOUNT_CODE": "SANDBOX"}
    semaphore, written, rejected = anyio.Semaphore(10), 0, 0
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=httpx.Limits(max_connections=10)
    ) as http:

        async def one(row: dict[str, Any]) -> None:
            nonlocal written, rejected
            async with semaphore:
                answer = await http.post("/api/v2/contacts", json=[row])
            written += answer.status_code == 200
            rejected += answer.status_code == 429

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for row in contacts(n):
                tg.start_soon(one, {**row, "email": "naive-" + row["email"]})
        return time.perf_counter() - started, written, rejected


def run_bulk(base_url: str, kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        base_url,
        "--rows",
        kind,
        "--contacts",
        str(n),
        "--limit",
        str(args.limit),
        "--period",
        str(args.period),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--wide", type=int, default=100_000, help="contacts with 20 fields")
    parser.add_argument("--rows", choices=sorted(ROWS), default="small")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--period", type=float, default=6.0)
    parser.add_argument("--naive", type=int, default=1500, help="contacts for the naive run")
    parser.add_argument("--worker", metavar="BASE_URL")
    args = parser.parse_args()
    if args.worker:
        worker = (bulk_worker, args.worker, args.rows, args.contacts, args.limit, args.period)
        print(json.dumps(anyio.run(*worker)))
        return
    print(
        f"budget {args.limit} calls / {args.period:g} s (sliding, strict), 10 in flight, "
        "5-30 ms latency, over HTTP; chunks automatic (at most 50 contacts and 8 KiB a call)"
    )
    print(
        f"{'rows':>5} {'contacts':>9} {'calls':>6} {'per call':>8} {'bound':>6} "
        f"{'wall s':>7} {'ideal s':>7} {'x ideal':>7} {'429s':>5} {'peak RSS MB':>11}"
    )
    runs = [("small", n) for n in sorted({args.contacts // 5, args.contacts})]
    runs += [("wide", n) for n in sorted({args.wide // 5, args.wide} - {0})]
    for kind, n in runs:
        with strict_server(args.limit, args.period) as process:
            row = run_bulk(process.base_url, kind, n, args)
            view = process.statistics()
        ideal = ideal_seconds(row["calls"], args.limit, args.period)
        ratio = f"{row['wall'] / ideal:.3f}" if ideal else "-"
        print(
            f"{kind:>5} {n:>9} {row['calls']:>6} {n / row['calls']:>8.1f} "
            f"{fewest_calls(kind, n):>6} {row['wall']:>7.2f} {ideal:>7.1f} {ratio:>7} "
            f"{view.rejected_429:>5} {row['peak_rss_mb']:>11.1f}",
            flush=True,
        )
        assert row["created"] == n, row
        assert not row["splits"], row  # the sandbox sets no size limit: nothing to split
    with strict_server(args.limit, args.period) as process:
        wall, written, rejected = anyio.run(naive, process.base_url, args.naive)
    print(
        f"naive, one call per contact, 10 at a time, no budget: {args.naive} contacts in "
        f"{wall:.1f} s, {written} written, {rejected} answered 429 "
        f"({rejected / args.naive:.0%}); {args.contacts} that way would take at least "
        f"{args.contacts / args.limit * args.period / 60:.0f} min at the budget"
    )


if __name__ == "__main__":
    main()
