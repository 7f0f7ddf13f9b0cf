"""``ongage-async demo`` (or ``python -m ongage_async demo``): the SDK's main job, end to end.

It starts the embedded sandbox in process, creates a list, generates realistic contacts
(with a few invalid and duplicate rows, as real exports have), pushes them with
``upsert_many`` under a scaled-down budget with live progress, and shows where every
contact went, the governor's figures (no 429) and a report read back.  It needs no
credentials and no network.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import anyio

from ._client import OngageClient
from .resources._bulk import BulkOperation, BulkProgress, BulkResult, ideal_seconds
from .sandbox import Sandbox, SandboxConfig

_FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivo", "June")
_LAST = ("Okafor", "Smith", "Tanaka", "Novak", "Garcia", "Cohen", "Berg", "Silva")
_CITIES = ("Paris", "Lagos", "Osaka", "Austin", "Lima", "Oslo", "Pune", "Tel Aviv")


def generate(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` contacts, lazily; about 1 in 200 is invalid and 1 in 250 repeats an earlier one."""
    rng = random.Random(seed)
    for i in range(n):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if i and i % 250 == 0:
            j = rng.randrange(i)
            email = f"{_FIRST[j % 10].lower()}.{j}@example.com"  # a repeat of an earlier row
        elif i % 200 == 199:
            email = f"{first.lower()}.{i}@example"  # no top-level domain: invalid
        else:
            email = f"{first.lower()}.{i}@example.com"
        yield {
            "email": email,
            "fields": {"first_name": first, "last_name": last, "city": rng.choice(_CITIES)},
        }


class _PlainProgress:
    """Progress as a line every second, when Rich (the [cli] extra) is not installed."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._at = 0.0

    def __enter__(self) -> _PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, p: BulkProgress) -> None:
        now = anyio.current_time()
        if not self.quiet and (now - self._at >= 1.0 or p.done == p.total):
            self._at = now
            print(
                f"   {p.done}/{p.total} contacts, {p.calls} calls, {p.rate_limited} x 429, "
                f"{p.in_flight} in flight, {p.rate:.0f}/s",
                flush=True,
            )


def _progress_view(budget: int, quiet: bool) -> Any:
    try:
        from .cli._progress import ProgressView
    except ImportError:
        return _PlainProgress(quiet)
    return ProgressView("upsert_many", budget=budget, quiet=quiet)


async def _run_shown(operation: BulkOperation, progress: Any, client: OngageClient) -> BulkResult:
    """Run it; with the Rich view, refreshed twice a second (pauses, waits for budget)."""
    if isinstance(progress, _PlainProgress):
        return await operation.run()
    from .cli._progress import follow, waiting_on

    waiting = waiting_on(client.governor, operation)
    return await follow(progress, operation.statistics, waiting, operation.run)


async def _main(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=args.rate_limit, rate_period=args.rate_period, latency=(0.005, 0.03)
        )
    )
    where = "over HTTP on 127.0.0.1" if args.http else "in process"
    print(
        f"ongage-async demo: an embedded Ongage sandbox {where}; budget {args.rate_limit} "
        f"calls / {args.rate_period:g} s (Ongage's is 300 / 60 s), 10 in flight"
    )
    with contextlib.ExitStack() as stack:
        reach: dict[str, Any] = {
            "transport": sandbox.transport(),
            "base_url": "http://sandbox.localhost",
        }
        if args.http:
            reach = {"base_url": stack.enter_context(sandbox.serve(log_level="error"))}
        client = OngageClient(
            **sandbox.client_settings(),
            **reach,
            rate_limit=args.rate_limit,
            rate_period=args.rate_period,
        )
        async with client:
            await _tour(client, sandbox, args)


async def _tour(client: OngageClient, sandbox: Sandbox, args: argparse.Namespace) -> None:
    newsletter = await client.lists.create(name="Demo newsletter", type="sending")
    view = client.with_options(list_id=newsletter.id)
    print(f"1. created list {newsletter.id} {newsletter.name!r}")

    print(f"2. upsert_many: {args.contacts} generated contacts, chunked as Ongage advises")
    before = client.governor.statistics().calls_started
    with _progress_view(args.rate_limit, args.quiet) as progress:
        operation = view.contacts.bulk_upsert(
            generate(args.contacts),
            total=args.contacts,
            on_progress=progress.update,
            keep_ids=True,
        )
        result = await _run_shown(operation, progress, client)
    # Group by the reason's kind ("...: 'value'" names each row's own value).
    reasons = Counter(r.split(":")[0] for r in [*result.skipped.values(), *result.failed.values()])
    print(
        f"   every row accounted for: {result.created} created + {result.updated} "
        f"updated + {len(result.failed)} failed + {len(result.skipped)} skipped = "
        f"{result.accounted} of {result.total}"
    )
    for reason, count in reasons.most_common(3):
        print(f"     {count} x {reason}")
    calls = client.governor.statistics().calls_started - before
    ideal = ideal_seconds(calls, args.rate_limit, args.rate_period)
    print(
        f"   {calls} calls in {result.elapsed:.1f} s (the budget allows it in {ideal:g} s at "
        "best, plus the last window's own time)"
    )

    stats = client.governor.statistics()
    recorder = sandbox.recorder
    print(
        f"3. governor: {stats.calls_started} calls, peak {stats.peak_in_flight} in flight, "
        f"{stats.rate_limited} x 429, {stats.retries} retries; the server saw "
        f"{recorder.rejected_429} x 429 and at most "
        f"{recorder.most_in_any_window(args.rate_period)} calls in any window"
    )

    welcome = list(result.ids)[:3]
    await view.transactional.send(message_id=1, recipients=welcome)
    today = dt.datetime.now(dt.timezone.utc).date()
    daily = await client.reports.daily(("sent",), list_id=newsletter.id, since=today)
    days = "; ".join(_day_line(row) for row in daily) or "no rows yet"
    print(f"4. sent {len(welcome)} welcome e-mails; the daily report says {days}")


def _day_line(row: Mapping[str, Any]) -> str:
    """``{"stats_date": 1795478400, "sent": 3}`` -> ``"2026-11-24: 3 sent"``."""
    day = row.get("stats_date")
    when = (
        dt.datetime.fromtimestamp(day, dt.timezone.utc).date().isoformat()
        if isinstance(day, (int, float))
        else str(day)
    )
    counts = ", ".join(f"{value} {name}" for name, value in row.items() if name != "stats_date")
    return f"{when}: {counts}"


def run(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ongage_async demo", description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--rate-limit", type=int, default=60)
    parser.add_argument(
        "--rate-period",
        type=float,
        default=2.0,
        help="seconds (Ongage's is 60; scaled down so the demo is quick)",
    )
    parser.add_argument("--http", action="store_true", help="serve the sandbox on 127.0.0.1")
    parser.add_argument("--quiet", action="store_true")
    anyio.run(_main, parser.parse_args(argv))
