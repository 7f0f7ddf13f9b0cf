"""Sessions: ``nox`` runs tests (every installed Python 3.10-3.13), lint, typecheck, docs.

``nox -s bench`` runs the benchmarks (not by default: they measure, they do not test).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.error_on_missing_interpreters = False  # skip Pythons this machine lacks
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


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
    session.install("-e", ".[sandbox,cli,redis]")
    session.run("python", "benchmarks/governor.py", *session.posargs)
    session.run("python", "benchmarks/bulk.py")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )
