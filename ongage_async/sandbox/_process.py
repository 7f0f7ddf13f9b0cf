"""The sandbox in a process of its own, for benchmarks and multi-process tests.

A separate process keeps the server's CPU off the client's GIL, so what is measured is
the client, and it is the way several client processes can share one sandbox.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Mapping

import attrs
import httpx

from ._recorder import RecorderStatistics

__all__ = ["SandboxProcess", "serve_in_subprocess"]

_BANNER_LINES = 6


@attrs.frozen
class SandboxProcess:
    """A running ``python -m ongage_async.sandbox``: its URL and what it printed."""

    base_url: str
    banner: tuple[str, ...]

    def credentials(self) -> dict[str, str]:
        """The headers it accepts, as its banner printed them."""
        printed = dict(line.strip().split("=", 1) for line in self.banner if "=" in line)
        return {
            "X_USERNAME": printed["ONGAGE_USERNAME"],
            "X_PASSWORD": printed["ONGAGE_PASSWORD"],
            "X_ACCOUNT_CODE": printed["ONGAGE_ACCOUNT_CODE"],
        }

    def statistics(self) -> RecorderStatistics:
        """The server's own figures (``GET /_sandbox/recorder``): 429s, peak, window."""
        answer = httpx.get(f"{self.base_url}/_sandbox/recorder", headers=self.credentials())
        return RecorderStatistics(**answer.json())


@contextlib.contextmanager
def serve_in_subprocess(
    *options: str, env: Mapping[str, str] | None = None
) -> Iterator[SandboxProcess]:
    """Start the sandbox on a free 127.0.0.1 port with ``options`` (CLI flags); stop it after."""
    command = [sys.executable, "-m", "ongage_async.sandbox", "--port", "0", *options]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=None if env is None else dict(env)
    ) as process:
        try:
            assert process.stdout is not None
            banner = tuple(process.stdout.readline().rstrip("\n") for _ in range(_BANNER_LINES))
            if not banner[0].startswith("Ongage sandbox listening on "):
                raise RuntimeError(f"the sandbox did not start: {banner[0]!r}")
            yield SandboxProcess(banner[0].rsplit(" ", 1)[-1], banner)
        finally:
            process.terminate()
            process.wait(timeout=10)
