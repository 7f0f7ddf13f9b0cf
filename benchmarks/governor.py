"""How well does each rate-limiting strategy use Ongage's budget?

Runs N concurrent ``GET /api/lists/<id>`` calls against the sandbox served over real
HTTP on 127.0.0.1 (in its own process), with a strict sliding window (scaled down
from 60 s) and 5-30 ms of latency jitter, for:

* ``ongage-async``: ``OngageClient`` with its governor, alone on the account (no reserve
  for high calls: ``benchmarks/mixed.py`` measures the levels);
* ``AsyncLimiter(limit, period)`` + a semaphore of 10 (aiolimiter's leaky bucket);
* ``AsyncLimiter(1, period / limit)`` + a semaphore of 10 (smooth, never bursts).

For each it prints wall time / ideal time, where ideal = (ceil(N / limit) - 1) * period
(the first window's calls may all start at once; no compliant client can do better),
the 429s drawn, the most calls the server saw in any window, and the peak in flight.
The baselines send each call once and count its 429; ours retries (and must draw none).

    python benchmarks/governor.py [--calls 1500] [--limit 300] [--period 6]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
from aiolimiter import AsyncLimiter
from strict_server import strict_server

from ongage_async import OngageClient, RetryPolicy
from ongage_async.sandbox import Sandbox


async def run_ours(base_url: str, sandbox: Sandbox, args: argparse.Namespace) -> int:
    client = OngageClient(
        **sandbox.client_settings(),
        base_url=base_url,
        rate_limit=args.limit,
        rate_period=args.period,
        retry=RetryPolicy(base_delay=args.period, max_delay=args.period * 4),
        reserve=None,  # one job alone on the account: no high calls to keep a reserve for
    )
    async with client, anyio.create_task_group() as tg:
        for _ in range(args.calls):
            tg.start_soon(client.lists.get, sandbox.config.default_list_id)
    return client.governor.statistics().rate_limited


def baseline(limiter_factory: Callable[[], AsyncLimiter]) -> Callable[..., Awaitable[int]]:
    async def run(base_url: str, sandbox: Sandbox, args: argparse.Namespace) -> int:
        limiter, semaphore = limiter_factory(), anyio.Semaphore(10)
        creds = sandbox.credentials
        headers = {
            "X_USERNAME": creds.username,
            "X_PASSWORD": creds.password,
            "X_ACCOUNT_CODE": creds.account_code,
        }
        rejected = 0
        limits = httpx.Limits(max_connections=10)
        async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as http:

            async def one() -> None:
                nonlocal rejected
                async with limiter, semaphore:
                    response = await http.get(f"/api/lists/{sandbox.config.default_list_id}")
                rejected += response.status_code == 429

            async with anyio.create_task_group() as tg:
                for _ in range(args.calls):
                    tg.start_soon(one)
        return rejected

    return run


def measure(
    name: str, runner: Callable[..., Awaitable[int]], args: argparse.Namespace
) -> dict[str, object]:
    sandbox = Sandbox()  # only for its default credentials and list id
    with strict_server(args.limit, args.period) as process:
        started = time.perf_counter()
        client_429 = anyio.run(runner, process.base_url, sandbox, args)
        wall = time.perf_counter() - started
        view = process.statistics()
    ideal = (math.ceil(args.calls / args.limit) - 1) * args.period
    return {
        "strategy": name,
        "wall_s": round(wall, 2),
        "x_ideal": round(wall / ideal, 3) if ideal else float("nan"),
        "429s": max(client_429, int(view.rejected_429)),
        "most_in_window": view.most_in_any_window,
        "peak_in_flight": view.peak_in_flight,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--period", type=float, default=6.0)
    parser.add_argument("--only", choices=("ours", "leaky", "smooth"))
    args = parser.parse_args()
    strategies = {
        "ours": ("ongage-async governor", run_ours),
        "leaky": (
            f"AsyncLimiter({args.limit}, {args.period:g}) + sem(10)",
            baseline(lambda: AsyncLimiter(args.limit, args.period)),
        ),
        "smooth": (
            f"AsyncLimiter(1, {args.period / args.limit:g}) + sem(10)",
            baseline(lambda: AsyncLimiter(1, args.period / args.limit)),
        ),
    }
    ideal = (math.ceil(args.calls / args.limit) - 1) * args.period
    print(
        f"{args.calls} calls, budget {args.limit}/{args.period:g}s sliding, 10 in flight, "
        f"5-30 ms jitter, over HTTP; ideal {ideal:g}s"
    )
    header = (
        f"{'strategy':34} {'wall s':>7} {'x ideal':>8} {'429s':>5} {'max/window':>10} {'peak':>5}"
    )
    print(header)
    for key, (name, runner) in strategies.items():
        if args.only and key != args.only:
            continue
        row = measure(name, runner, args)
        print(
            f"{row['strategy']:34} {row['wall_s']:>7} {row['x_ideal']:>8} {row['429s']:>5} "
            f"{row['most_in_window']:>10} {row['peak_in_flight']:>5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
