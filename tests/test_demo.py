"""The README's demo command works and shows a burst that draws no 429."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_against_the_embedded_sandbox() -> None:
    command = [
        sys.executable,
        "-m",
        "ongage_async",
        "demo",
        "--calls",
        "70",
        "--rate-limit",
        "30",
        "--rate-period",
        "0.2",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "failed={'reader0@example.com': 'Email already exists'}" in done.stdout
    assert "server saw: 0 x 429" in done.stdout
    assert "at most 30 calls in any 0.2 s window" in done.stdout


def test_module_without_a_command_explains_usage() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ongage_async"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "usage: python -m ongage_async demo" in done.stderr
