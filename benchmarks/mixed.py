"""A web handler and a bulk job on one account: FIFO against priority levels (issue 13).

The sandbox runs in its own process with a strict sliding window (300 calls per 6 s,
scaled down from 60 s) and 5-30 ms of latency.  A bulk job gathers 1,500 calls at
once; from t = 1.5 s a web handler makes 20 calls, one every 0.25 s, each with the
2-second deadline docs/fastapi.md recommends.  Three ways to run them:

* ``fifo``: every call "normal", no reserve: the governor before priorities;
* ``priorities``: the bulk job's calls "low", the web handler's "high", the default
  reserve (10% of the window and one slot);
* ``paced``: the same, and ``pace_low=True``: the low calls spread over the window.

Printed per way: the web calls that failed, their wait for the governor (p50 and max:
from the call to its request going out), the bulk job's time against the ideal for all
the scenario's calls, ``(ceil(1520 / 300) - 1) x 6 s``, and the server's view: 429s, the
most calls in any window, the peak in flight.  ``--redis`` runs the same across two
processes sharing a ``RedisGovernor`` (the bulk job in one, the web handler in the
other; needs a ``redis-server`` binary).

    python benchmarks/mixed.py [--ways fifo,priorities,paced] [--redis] [--period 6]
"""

from __future__ import annotations

import argparse
import contextvars
import json
import math
import statistics
import subprocess
import sys
import time
from typing import Any

import anyio
import httpx
from strict_server import strict_server

from ongage_async import OngageClient, Reserve, RetryPolicy
from ongage_async.governor import Governor, Priority

CREDS = {"username": "sandbox", "password": "sandbox", "account_code": "SANDBOX"}
LIST_ID = 10001  # the sandbox's default list
WAYS = ("fifo", "priorities", "paced")
#: Which web call a request belongs to, read by the transport that notes its send time.
_WEB_CALL: contextvars.ContextVar[int | None] = contextvars.ContextVar("web_call", default=None)


class SendTimes(httpx.AsyncBaseTransport):
    """Notes when each web call's request goes out: its wait for the governor ends there."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=10))
        self.sent: dict[int, float] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = _WEB_CALL.get()
        if index is not None:
            self.sent.setdefault(index, time.time())
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def levels(way: str) -> tuple[Priority, Priority]:
    """(bulk, web) levels of a way of running."""
    return ("normal", "normal") if way == "fifo" else ("low", "high")


def settings(args: argparse.Namespace, way: str) -> dict[str, Any]:
    return {
        "reserve": None if way == "fifo" else Reserve(),
        "pace_low": way == "paced",
    }


def make_client(args: argparse.Namespace, way: str, transport: SendTimes) -> OngageClient:
    options: dict[str, Any] = {
        **CREDS,
        "base_url": args.base_url,
        "transport": transport,
        "retry": RetryPolicy(base_delay=args.period, max_delay=4 * args.period),
    }
    if args.redis:
        from ongage_async.redis import RedisGovernor

        governor: Governor = RedisGovernor(
            args.redis,
            account="SANDBOX",
            rate_limit=args.limit,
            rate_period=args.period,
            key_prefix=args.prefix,
            **settings(args, way),
        )
        return OngageClient(**options, governor=governor)
    return OngageClient(
        **options, rate_limit=args.limit, rate_period=args.period, **settings(args, way)
    )


async def bulk_job(client: OngageClient, start: float, args: argparse.Namespace) -> float:
    """The bulk job's calls, gathered at once; returns when the last one ended."""
    await anyio.sleep(max(0.0, start - time.time()))
    async with anyio.create_task_group() as tg:
        for _ in range(args.bulk):
            tg.start_soon(client.lists.get, LIST_ID)
    return time.time()


async def web_handler(
    client: OngageClient, start: float, args: argparse.Namespace, transport: SendTimes
) -> dict[str, Any]:
    """The web calls, one every ``--every`` seconds from ``--web-from``; their waits."""
    waits: list[float] = []
    failed: list[str] = []

    async def one(index: int) -> None:
        asked = time.time()
        _WEB_CALL.set(index)
        try:
            await client.lists.get(LIST_ID)
        except Exception as exc:  # a web call that fails is counted, as a user sees it
            failed.append(type(exc).__name__)
        else:
            waits.append(transport.sent[index] - asked)

    async with anyio.create_task_group() as tg:
        for index in range(args.web):
            await anyio.sleep(max(0.0, start + args.web_from + index * args.every - time.time()))
            tg.start_soon(one, index)  # a handler does not wait for the one before
    return {"waits": waits, "failed": failed}


async def run_in_process(args: argparse.Namespace, way: str) -> dict[str, Any]:
    transport = SendTimes()
    client = make_client(args, way, transport)
    bulk_level, web_level = levels(way)
    bulk = client.with_options(priority=bulk_level)
    web = client.with_options(priority=web_level, deadline=args.deadline)
    start = time.time() + 0.5
    result: dict[str, Any] = {}
    async with client:

        async def run_bulk() -> None:
            result["bulk_end"] = await bulk_job(bulk, start, args)

        async def run_web() -> None:
            result.update(await web_handler(web, start, args, transport))

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_bulk)
            tg.start_soon(run_web)
    result["start"] = start
    result["client_429"] = client.governor.statistics().rate_limited
    return result


async def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One of the two processes sharing a RedisGovernor: the bulk job or the web handler."""
    transport = SendTimes()
    client = make_client(args, args.way, transport)
    bulk_level, web_level = levels(args.way)
    result: dict[str, Any] = {}
    async with client:
        if args.worker == "bulk":
            result["bulk_end"] = await bulk_job(
                client.with_options(priority=bulk_level), args.start, args
            )
        else:
            view = client.with_options(priority=web_level, deadline=args.deadline)
            result.update(await web_handler(view, args.start, args, transport))
    result["client_429"] = client.governor.statistics().rate_limited
    await client.governor.aclose()  # type: ignore[attr-defined]
    return result


def across_processes(args: argparse.Namespace, way: str) -> dict[str, Any]:
    start = time.time() + 3.0  # both interpreters are up by then
    command = [
        sys.executable,
        __file__,
        "--way",
        way,
        "--base-url",
        args.base_url,
        "--redis",
        args.redis,
        "--prefix",
        f"mixed-{way}-{time.time()}",
        "--start",
        repr(start),
        *(f"--{name}={getattr(args, name)}" for name in ("limit", "period", "bulk", "web")),
    ]
    processes = [
        subprocess.Popen([*command, "--worker", role], stdout=subprocess.PIPE, text=True)
        for role in ("bulk", "web")
    ]
    bulk, web = (json.loads(p.communicate()[0]) for p in processes)
    return {**bulk, **web, "start": start, "client_429": bulk["client_429"] + web["client_429"]}


def report(name: str, result: dict[str, Any], view: dict[str, Any], ideal: float) -> str:
    waits = sorted(result["waits"])
    wall = result["bulk_end"] - result["start"]
    wait_text = (
        f"{statistics.median(waits):>7.3f} {max(waits):>7.3f}" if waits else f"{'-':>7} {'-':>7}"
    )
    return (
        f"{name:32} {len(result['failed']):>6} {wait_text} {wall:>8.2f} {wall / ideal:>7.3f} "
        f"{max(result['client_429'], int(view.rejected_429)):>5} "
        f"{view.most_in_any_window:>10} {view.peak_in_flight:>5}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--redis", nargs="?", const="start", default=None)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--period", type=float, default=6.0)
    parser.add_argument("--bulk", type=int, default=1500)
    parser.add_argument("--web", type=int, default=20)
    parser.add_argument("--web-from", type=float, default=1.5)
    parser.add_argument("--every", type=float, default=0.25)
    parser.add_argument("--deadline", type=float, default=2.0)
    # A worker of the two-process run (started by the run itself):
    parser.add_argument("--worker", choices=("bulk", "web"))
    parser.add_argument("--way", choices=WAYS)
    parser.add_argument("--base-url")
    parser.add_argument("--prefix", default="mixed")
    parser.add_argument("--start", type=float)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(anyio.run(worker, args)))
        return
    ideal = (math.ceil((args.bulk + args.web) / args.limit) - 1) * args.period
    server = None
    if args.redis == "start":
        from multiprocess import start_redis

        server, args.redis = start_redis()
    where = "two processes, one RedisGovernor" if args.redis else "one process"
    print(
        f"{args.bulk} low calls at once + {args.web} high calls every {args.every:g} s from "
        f"t = {args.web_from:g} s (deadline {args.deadline:g} s); budget {args.limit} calls "
        f"/ {args.period:g} s, strict, 10 in flight, 5-30 ms; {where}; ideal {ideal:g} s"
    )
    print(
        f"{'way':32} {'failed':>6} {'p50 s':>7} {'max s':>7} {'bulk s':>8} {'x ideal':>7} "
        f"{'429s':>5} {'max/window':>10} {'peak':>5}"
    )
    try:
        for way in args.ways.split(","):
            with strict_server(args.limit, args.period) as process:
                args.base_url = process.base_url
                if args.redis:
                    result = across_processes(args, way)
                else:
                    result = anyio.run(run_in_process, args, way)
                view = process.statistics()
            print(report(way, result, view, ideal), flush=True)
    finally:
        if server is not None:
            server.terminate()


if __name__ == "__main__":
    main()
