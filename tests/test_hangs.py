"""A test that hangs fails within its timeout, under asyncio and trio, with a message.

Run in a pytest session of its own (``pytester``), with this suite's conftest and
settings, so that what is checked is the suite's own guard, not a copy of it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HANGING = """
import anyio
import pytest

@pytest.mark.timeout(3)
async def test_waits_for_an_event_nobody_sets() -> None:
    await anyio.Event().wait()

@pytest.mark.timeout(3)
async def test_spins_on_calls(client) -> None:
    while True:
        await client.lists.list()
"""


@pytest.mark.timeout(30)  # an inner pytest session: four tests of two seconds each
def test_a_hanging_test_fails_within_its_timeout(pytester: pytest.Pytester) -> None:
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(helpers=(ROOT / "tests" / "helpers.py").read_text())
    pytester.makepyprojecttoml((ROOT / "pyproject.toml").read_text())
    pytester.makepyfile(test_hanging=HANGING)
    (pytester.path / "__init__.py").write_text("")
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=25)
    took = time.monotonic() - started
    result.assert_outcomes(failed=4)  # both tests, under asyncio and trio
    assert result.stdout.str().count("TimeoutError") >= 4
    assert took < 20
