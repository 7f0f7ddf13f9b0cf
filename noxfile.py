"""Sessions: ``nox`` runs tests (every installed Python 3.10-3.13), lint, typecheck, docs.

``nox -s bench`` runs the benchmarks (not by default: they measure, they do not test).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
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


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    session.install("-e", ".[sandbox,cli,redis]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis]", *nox.project.dependency_groups(PYPROJECT, "typecheck")
    )
    session.run("mypy", "--strict", "ongage_async")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    session.install(
        "-e", ".[sandbox,cli,redis]", *nox.project.dependency_groups(PYPROJECT, "bench")
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
