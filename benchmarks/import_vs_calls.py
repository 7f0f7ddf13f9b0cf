"""1,000,000 contacts through one import, and through v2 calls, against the sandbox.

The sandbox runs in a process of its own over HTTP, with a strict sliding window scaled
down from 60 s to ``--period`` seconds (300 calls a window) and 5-30 ms of latency, as
in ``bulk.py``.  The import stages its file in a real S3-compatible server (moto's, in
another process) through ``ObjectStoreStage``; the sandbox fetches the signed URL as
Ongage would.  Each client run happens in a fresh process, so its peak RSS is its own.

Printed per run: the calls made, the seconds of budget they consumed (a call is
``period / limit`` seconds of the account's whole budget: 0.2 s at 300 a minute, 0.02 s
at the 6 s window), the wall time, and the client's peak RSS.  The v2 path is run on
``--v2-sample`` contacts and extrapolated linearly to ``--contacts`` (calls, budget and
wall time; marked "extrapolated"): at the budget, 1,000,000 contacts take 20,000 calls.

    python benchmarks/import_vs_calls.py [--contacts 1000000] [--small 100000]
        [--v2-sample 50000] [--period 6]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
from bulk import CREDS, contacts
from strict_server import strict_server

from ongage_async import OngageClient, RetryPolicy


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Moto:
    """moto's S3 server on a free port, for as long as the ``with`` lasts."""

    def __enter__(self) -> str:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1.0)
                return endpoint
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def client_for(base_url: str, limit: int, period: float) -> OngageClient:
    return OngageClient(
        **CREDS,
        base_url=base_url,
        rate_limit=limit,
        rate_period=period,
        retry=RetryPolicy(base_delay=period, max_delay=4 * period),
        reserve=None,  # the job alone on the account: the whole budget
    )


async def import_worker(
    base_url: str, endpoint: str, bucket: str, n: int, limit: int, period: float
) -> dict[str, Any]:
    from obstore.store import S3Store

    from ongage_async.staging import ObjectStoreStage

    store = S3Store(
        bucket,
        endpoint=endpoint,
        region="us-east-1",
        allow_http=True,
        access_key_id="bench",
        secret_access_key="bench",
    )
    async with client_for(base_url, limit, period) as client:
        started = time.perf_counter()
        result = await client.contacts.import_rows(
            contacts(n), stage=ObjectStoreStage(store), overwrite=True
        )
        wall = time.perf_counter() - started
    return {
        "calls": result.calls,
        "wall": wall,
        "success": result.success,
        "total": result.total,
        "file_mb": result.file_bytes / 1e6,
        "zip": result.compressed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def calls_worker(base_url: str, n: int, limit: int, period: float) -> dict[str, Any]:
    async with client_for(base_url, limit, period) as client:
        started = time.perf_counter()
        result = await client.contacts.upsert_many(contacts(n))
        wall = time.perf_counter() - started
    return {
        "calls": result.calls,
        "wall": wall,
        "success": result.created + result.updated,
        "total": result.total,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_process(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def rows_of(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    yield from (("import", n) for n in sorted({args.small, args.contacts}))
    yield "calls", args.v2_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="a smaller import, for RSS")
    parser.add_argument("--v2-sample", type=int, default=50_000, help="contacts sent by v2")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--period", type=float, default=6.0)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, base_url, *rest = args.worker
        if kind == "import":
            endpoint, bucket, n = rest
            job = (import_worker, base_url, endpoint, bucket, int(n), args.limit, args.period)
        else:
            job = (calls_worker, base_url, int(rest[0]), args.limit, args.period)
        print(json.dumps(anyio.run(*job)))
        return
    print(
        f"budget {args.limit} calls / {args.period:g} s (sliding, strict), 10 in flight, "
        "5-30 ms latency, over HTTP; import staged in moto's S3 through ObjectStoreStage"
    )
    print(
        f"{'path':>6} {'contacts':>9} {'calls':>6} {'budget s':>8} {'wall s':>9} "
        f"{'peak RSS MB':>11}  note"
    )
    share = args.period / args.limit  # seconds of the account's budget a call uses
    rss: dict[int, float] = {}
    with Moto() as endpoint:
        for path, n in rows_of(args):
            with strict_server(args.limit, args.period) as server:
                if path == "import":
                    bucket = f"bench-{uuid.uuid4().hex[:8]}"
                    httpx.put(f"{endpoint}/{bucket}").raise_for_status()
                    row = in_process(path, server.base_url, endpoint, bucket, str(n))
                    rss[n] = row["peak_rss_mb"]
                    note = f"file {row['file_mb']:.1f} MB{' (ZIP)' if row['zip'] else ''}"
                else:
                    row = in_process(path, server.base_url, str(n))
                    note = "measured"
            assert row["success"] == n == row["total"], row
            print(
                f"{path:>6} {n:>9} {row['calls']:>6} {row['calls'] * share:>8.2f} "
                f"{row['wall']:>9.1f} {row['peak_rss_mb']:>11.1f}  {note}",
                flush=True,
            )
        factor = args.contacts / args.v2_sample
        print(
            f"{'calls':>6} {args.contacts:>9} {row['calls'] * factor:>6.0f} "
            f"{row['calls'] * factor * share:>8.2f} {row['wall'] * factor:>9.1f} "
            f"{'-':>11}  extrapolated from {args.v2_sample} (x{factor:g})"
        )
    if len(rss) == 2:
        small, large = sorted(rss)
        print(
            f"client peak RSS, import: {large} rows / {small} rows = {rss[large] / rss[small]:.2f}x"
        )


if __name__ == "__main__":
    main()
