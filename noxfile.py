"""Sessions: ``nox`` runs tests (every installed Python 3.10-3.13), lint, typecheck, docs,
and mutants_changed (mutation testing of the critical lines changed by the last commit).

``nox -s bench`` runs the benchmarks (not by default: they measure, they do not test).
``nox -s mutants`` mutates every critical module (``-- --base REV``: only the lines
changed since REV); see CONTRIBUTING.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - nox itself may run on 3.10
    tomllib = None

nox.options.sessions = ["tests", "lint", "typecheck", "docs", "mutants_changed"]
nox.options.error_on_missing_interpreters = False  # skip Pythons this machine lacks
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _pyenv_pythons() -> None:
    """Let nox find every Python in PYTHONS that pyenv holds, not only the active one.

    pyenv's `python3.12` shim answers "command not found" unless 3.12 is in the active
    versions, and nox would skip that session. Unless PYENV_VERSION is set already (as
    `.ci/run` sets it), make the installed 3.10-3.13 active, the current version first.
    """
    if os.environ.get("PYENV_VERSION") or shutil.which("pyenv") is None:
        return
    try:
        run = [
            subprocess.run(["pyenv", *args], capture_output=True, text=True, timeout=30)
            for args in (["version-name"], ["versions", "--bare"])
        ]
    except (OSError, subprocess.SubprocessError):
        return
    current = run[0].stdout.strip().split(":")
    found = [v for v in run[1].stdout.split() if re.fullmatch(r"3\.1[0-3]\.\d+", v)]
    versions = [v for v in current if v] + [v for v in found if v not in current]
    if found:
        os.environ["PYENV_VERSION"] = ":".join(versions)


_pyenv_pythons()


#: The Python whose test run measures branch coverage (asyncio and trio together: both
#: run in one pytest process).  One Python is enough to see what the tests reach, and it
#: keeps CI's four runs from all paying coverage's slowdown.
COVERAGE_PYTHON = "3.11"
#: Branch coverage of the critical modules (tests/mutants/modules.toml) may not fall
#: below this.  Measured when set (issue 17, Python 3.11, the whole suite): 97.03 % of
#: the critical modules (2,030 statements, 464 branches; 44 lines and 28 branches
#: missed), 93.10 % of the whole package.
COVERAGE_FLOOR = 96.5


def _critical_modules() -> list[str]:
    """The modules where a bug costs users most, as tests/mutants/modules.toml lists them."""
    text = open("tests/mutants/modules.toml", encoding="utf-8").read()  # noqa: SIM115
    if tomllib is not None:
        return sorted(tomllib.loads(text)["modules"])
    return sorted(re.findall(r'^\[modules\."([^"]+)"\]', text, re.MULTILINE))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis,import]", *nox.project.dependency_groups(PYPROJECT, "test")
    )
    if session.python != COVERAGE_PYTHON:
        session.run("pytest", *session.posargs)
        return
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    critical = ",".join(_critical_modules())
    session.log("Branch coverage of the whole package:")
    session.run("coverage", "report", "--skip-covered", "--format=total")
    session.log("Uncovered lines and branches of the critical modules:")
    # With pytest arguments (a subset of the tests) the floor means nothing.
    floor = [] if session.posargs else [f"--fail-under={COVERAGE_FLOOR}"]
    session.run("coverage", "report", f"--include={critical}", *floor)


def _mutants(session: nox.Session, *args: str) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis,import]", *nox.project.dependency_groups(PYPROJECT, "test")
    )
    session.run("python", "tests/mutants/run.py", *args)


@nox.session(python="3.11")
def mutants(session: nox.Session) -> None:
    """Mutation testing of every critical module (tests/mutants/run.py, about 40 min on 2 cores).

    ``nox -s mutants -- --base origin/main`` mutates only the lines changed since then;
    ``-- ongage_async/_budget.py`` one module; ``-- --regression-only`` replays the list.
    """
    _mutants(session, *session.posargs)


@nox.session(python="3.11")
def mutants_changed(session: nox.Session) -> None:
    """CI's mutation testing: the regression list, and the lines of critical modules the
    last commit changed (``HEAD~1``; ``-- --base REV`` for another base).  No mutant
    starts after 150 s, so it ends within about three minutes on 2 cores."""
    _mutants(session, "--base", "HEAD~1", "--budget", "150", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis,import]", *nox.project.dependency_groups(PYPROJECT, "typecheck")
    )
    session.run("mypy", "--strict", "ongage_async")
    # Typos in the public methods' keywords must be errors: each is marked
    # `# type: ignore[call-arg]`, so a method that accepted them would leave an unused
    # ignore, and this run would fail.
    session.run("mypy", "--strict", "--warn-unused-ignores", "tests/typing")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis,import]", *nox.project.dependency_groups(PYPROJECT, "bench")
    )
    session.run("python", "benchmarks/governor.py", *session.posargs)
    session.run("python", "benchmarks/bulk.py")
    session.run("python", "benchmarks/mixed.py")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )
