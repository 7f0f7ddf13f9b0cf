"""``python -m ongage_async demo``: the SDK against an embedded sandbox, end to end.

It shows what the SDK is for: real calls through the one middleware chain, per-e-mail
results, and a burst of calls that uses the whole (scaled-down) budget without a
single 429.  Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import anyio

from ._client import OngageClient
from .sandbox import Sandbox, SandboxConfig


@contextlib.contextmanager
def _reach(sandbox: Sandbox, over_http: bool) -> Iterator[dict[str, Any]]:
    if not over_http:
        yield {"transport": sandbox.transport(), "base_url": "http://sandbox.localhost"}
        return
    with sandbox.serve(log_level="error") as base_url:
        yield {"base_url": base_url}


async def _tour(client: OngageClient, sandbox: Sandbox, calls: int) -> None:
    config = sandbox.config
    newsletter = await client.lists.create(name="Demo newsletter", type="sending")
    print(f"1. created list {newsletter.id} {newsletter.name!r}")

    view = client.with_options(list_id=newsletter.id)
    rows = [
        {"email": f"reader{n}@example.com", "fields": {"first_name": f"R{n}"}} for n in range(4)
    ]
    written = await view.contacts.create(rows)
    again = await view.contacts.create([rows[0], {"email": "reader9@example.com"}])
    print(
        f"2. wrote contacts: {len(written.created)} created; a second write reports "
        f"per e-mail: created={list(again.created)} failed={dict(again.failed)}"
    )

    sent = await view.transactional.send(message_id=1, recipients=["reader0@example.com"])
    print(f"3. sent a transactional e-mail: success={sent.success} (never retried blindly)")

    report = await client.reports.query(["list_id", "sent"], list_ids="all", group=["list_id"])
    print(f"4. report of e-mails sent per list: {list(report)}")

    burst = max(0, calls - client.governor.stats().calls_started)
    print(f"5. {burst} concurrent lists.get calls through the governor ...", flush=True)
    started = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(burst):
            tg.start_soon(client.lists.get, newsletter.id)
    elapsed = anyio.current_time() - started
    ideal = (math.ceil(calls / config.rate_limit) - 1) * config.rate_period
    recorder = sandbox.recorder
    print(
        f"   {calls} calls in all; the burst took {elapsed:.2f} s "
        f"(a compliant client needs at least {ideal:g} s)"
    )
    print(
        f"   server saw: {recorder.rejected_429} x 429, peak {recorder.peak_in_flight} in "
        f"flight, at most {recorder.most_in_any_window(config.rate_period)} calls in any "
        f"{config.rate_period:g} s window (limit {config.rate_limit})"
    )
    stats = client.governor.stats()
    print(
        f"   governor: {stats.calls_started} calls, peak {stats.peak_in_flight} in flight, "
        f"{stats.rate_limited} x 429, {stats.retries} retries"
    )


def run(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ongage_async demo", description=__doc__)
    parser.add_argument("--http", action="store_true", help="serve the sandbox on 127.0.0.1")
    parser.add_argument("--calls", type=int, default=900, help="calls in all, tour included")
    parser.add_argument("--rate-limit", type=int, default=300)
    parser.add_argument(
        "--rate-period",
        type=float,
        default=3.0,
        help="seconds (Ongage's is 60; scaled down so the demo is quick)",
    )
    args = parser.parse_args(argv)
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=args.rate_limit, rate_period=args.rate_period, latency=(0.005, 0.03)
        )
    )
    where = "over HTTP on 127.0.0.1" if args.http else "in process"
    print(
        f"ongage-async demo: an embedded Ongage sandbox {where}, budget "
        f"{args.rate_limit} calls / {args.rate_period:g} s, 10 in flight"
    )

    async def main() -> None:
        with _reach(sandbox, args.http) as reach:
            client = OngageClient(
                **sandbox.client_settings(),
                **reach,
                rate_limit=args.rate_limit,
                rate_period=args.rate_period,
            )
            async with client:
                await _tour(client, sandbox, args.calls)

    anyio.run(main)
