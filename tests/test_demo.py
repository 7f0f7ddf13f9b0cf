"""The README's demo command works: every contact accounted for, no 429."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ongage_async", "demo"],
        [sys.executable, "-c", "from ongage_async.cli import main; main()", "demo"],
    ],
)
@pytest.mark.timeout(20)  # a new Python process runs the whole demo: ~2 s
def test_demo_runs_against_the_embedded_sandbox(command: list[str]) -> None:
    arguments = ["--contacts", "1500", "--rate-limit", "6", "--rate-period", "0.2"]
    done = subprocess.run(
        [*command, *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (
        "every row accounted for: 1493 created + 0 updated + 0 failed + 7 skipped = 1500"
        in done.stdout
    )
    assert "0 x 429" in done.stdout and "the server saw 0 x 429" in done.stdout
    assert "1500/1500 done" in done.stderr  # progress, as plain lines off a terminal
    # Human words, not a dict with Unix times.
    assert re.search(r"the daily report says \d{4}-\d\d-\d\d: 3 sent$", done.stdout, re.M)
    assert "{" not in done.stdout and "stats_date" not in done.stdout


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
