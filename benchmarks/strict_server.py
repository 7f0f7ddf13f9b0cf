"""The server both benchmarks measure against: the sandbox in a process of its own,
with a strict sliding window and 5-30 ms of latency jitter."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ongage_async.sandbox import SandboxProcess, serve_in_subprocess


@contextlib.contextmanager
def strict_server(limit: int, period: float) -> Iterator[SandboxProcess]:
    options = [
        "--rate-limit",
        str(limit),
        "--rate-period",
        str(period),
        "--latency",
        "0.005,0.030",
        "--log-level",
        "error",
    ]
    with serve_in_subprocess(*options) as process:
        yield process
