"""Four worker processes, one Ongage account: a shared RedisGovernor against per-process ones.

One sandbox server (its own process, strict sliding window scaled down to ``--period``
seconds, 5-30 ms latency) and one redis-server.  Four workers each run ``upsert_many``
over their own contacts through their own ``OngageClient``; first all sharing one
``RedisGovernor``, then each with an in-process governor (the problem it solves).
Printed: the server's view (most calls in any window, peak in flight, 429s), calls,
wall time and the budget used: the least time the calls needed under the budget
divided by the time they took.

    python benchmarks/multiprocess.py [--workers 4] [--contacts 150000] [--period 6]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
from typing import Any

import anyio
import redis
from strict_server import strict_server

from ongage_async import OngageClient, RetryPolicy
from ongage_async.governor import Governor
from ongage_async.redis import RedisGovernor
from ongage_async.resources._bulk import ideal_seconds

CREDS = {"username": "sandbox", "password": "sandbox", "account_code": "SANDBOX"}


async def worker(args: argparse.Namespace) -> dict[str, Any]:
    if args.mode == "redis":
        governor: Governor = RedisGovernor(
            args.redis,
            account="SANDBOX",
            rate_limit=args.limit,
            rate_period=args.period,
            key_prefix=args.prefix,
            reserve=None,  # bulk jobs only: no high calls to keep a reserve for
        )
    else:
        governor = Governor.local(args.limit, args.period, reserve=None)
    client = OngageClient(
        **CREDS,
        base_url=args.base_url,
        governor=governor,
        retry=RetryPolicy(base_delay=args.period, max_delay=4 * args.period),
    )
    rows = (
        {"email": f"w{args.index}-{i}@example.com", "fields": {"n": i}}
        for i in range(args.contacts)
    )
    async with client:
        started = time.time()
        result = await client.contacts.upsert_many(rows)
        ended = time.time()
    return {
        "start": started,
        "end": ended,
        "created": result.created,
        "failed": len(result.failed),
        "calls": result.calls,
        "client_429": client.governor.statistics().rate_limited,
    }


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(1000):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.01)
    return server, f"redis://127.0.0.1:{port}/0"


def run(mode: str, args: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    with strict_server(args.limit, args.period) as server:
        command = [
            sys.executable,
            __file__,
            "--worker",
            mode,
            "--base-url",
            server.base_url,
            "--redis",
            redis_url,
            "--prefix",
            f"bench-{mode}-{time.time()}",
            "--contacts",
            str(args.contacts),
            "--limit",
            str(args.limit),
            "--period",
            str(args.period),
        ]
        processes = [
            subprocess.Popen([*command, "--index", str(i)], stdout=subprocess.PIPE, text=True)
            for i in range(args.workers)
        ]
        outputs = [json.loads(p.communicate()[0]) for p in processes]
        # From the first worker's first call to the last one's end (not interpreter start-up).
        wall = max(o["end"] for o in outputs) - min(o["start"] for o in outputs)
        view = server.statistics()
    calls = view.calls
    return {
        "mode": mode,
        "wall": wall,
        "calls": calls,
        "view": view,
        "created": sum(o["created"] for o in outputs),
        "used": ideal_seconds(calls, args.limit, args.period) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--contacts", type=int, default=150_000, help="per worker")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--period", type=float, default=6.0)
    parser.add_argument("--worker", choices=("redis", "local"))
    parser.add_argument("--base-url")
    parser.add_argument("--redis")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        args.mode = args.worker
        print(json.dumps(anyio.run(worker, args)))
        return
    server, redis_url = start_redis()
    try:
        print(
            f"{args.workers} workers x {args.contacts} contacts, one account: budget "
            f"{args.limit} calls / {args.period:g} s (strict sliding window), 10 in flight"
        )
        print(
            f"{'governor':22} {'calls':>6} {'wall s':>7} {'most/window':>11} {'peak':>5} "
            f"{'429s':>5} {'budget used':>11} {'created':>8}"
        )
        for mode, label in (("redis", "shared RedisGovernor"), ("local", "4 in-process")):
            row = run(mode, args, redis_url)
            view = row["view"]
            print(
                f"{label:22} {row['calls']:>6} {row['wall']:>7.2f} "
                f"{view.most_in_any_window:>11} {view.peak_in_flight:>5} "
                f"{view.rejected_429:>5} {row['used']:>10.1%} {row['created']:>8}",
                flush=True,
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
