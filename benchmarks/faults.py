"""The fault matrix at scale, with totals: calls tried, faults injected, contacts lost,
duplicate sends.

For each fault kind, in process and over HTTP: 100 reads, 100 transactional sends and
a bulk upsert of 2,000 contacts, with the fault on 30 % of calls.  "Lost" counts a
contact the result does not account for, or one reported written that the server
does not have.

    python benchmarks/faults.py
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio

from ongage_async import OngageClient, OngageError, RetryPolicy
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
    return {"read_errors": errors, "lost": lost, "in_flight": client.governor.stats().in_flight}


async def one(kind: str, status: int | None, over_http: bool) -> dict[str, Any]:
    fault = Fault(kind, probability=0.3, status=status, delay=0.3)  # type: ignore[arg-type]
    sandbox = Sandbox(
        SandboxConfig(
            rate_limit=10**6,
            rate_period=1.0,
            seed=5,
            faults=FaultPlan(rules=(fault,)),
            seed_lists=[{"id": 500, "name": "main"}],
        )
    )
    options: dict[str, Any] = {
        "retry": POLICY,
        "timeout": 0.1,
        "list_id": 500,
        "rate_limit": 10**6,
        "rate_period": 1.0,
    }
    with contextlib.ExitStack() as stack:
        if over_http:
            base_url = stack.enter_context(sandbox.serve(log_level="critical"))
            client = OngageClient(**sandbox.client_settings(), base_url=base_url, **options)
        else:
            client = sandbox.client(**options)
        async with client:
            row = await exercise(sandbox, client)
    calls = sandbox.recorder.calls
    return {
        **row,
        "calls": len(calls),
        "faults": sum(1 for c in calls if c.fault),
        "duplicates": sum(n - 1 for n in sandbox.recorder.duplicate_sends().values()),
    }


def main() -> None:
    totals = dict.fromkeys(("calls", "faults", "lost", "duplicates", "in_flight"), 0)
    print(f"{'fault':16} {'where':10} {'calls':>6} {'faults':>6} {'lost':>5} {'dup sends':>9}")
    for kind, status in KINDS:
        for over_http in (False, True):
            row = anyio.run(one, kind, status, over_http)
            for key in totals:
                totals[key] += row[key]
            name = f"{kind} {status or ''}".strip()
            print(
                f"{name:16} {'http' if over_http else 'in-process':10} {row['calls']:>6} "
                f"{row['faults']:>6} {row['lost']:>5} {row['duplicates']:>9}",
                flush=True,
            )
    print(
        f"{'total':27} {totals['calls']:>6} {totals['faults']:>6} {totals['lost']:>5} "
        f"{totals['duplicates']:>9}   (left in flight: {totals['in_flight']})"
    )


if __name__ == "__main__":
    main()
