"""Mutation testing of the critical modules: ``nox -s mutants`` runs this.

Two kinds of mutant, each one small bug put into a copy of the tree:

* the regression list (``regression.toml``): bugs the suite once let through; each must
  be killed by the tests it names, and an entry whose code is gone is reported stale;
* operator mutants generated from the critical modules (``modules.toml``): a comparison
  flipped (``<`` and ``<=``, ``==`` and ``!=``, ``in`` and ``not in``...), ``and`` and
  ``or`` swapped, a ``not`` dropped, ``+``/``-`` and ``*``/``/`` swapped, ``max`` and
  ``min`` swapped, a bool or a 0/1 flipped, a call statement deleted; in the Lua of the
  Redis scripts, comparisons and ``+``/``-`` flipped.

A mutant runs only the tests that executed its line, measured once per run with
coverage (one context per test), fastest first, and stops at the first failure: a
failure, an error or a timeout kills it.  The working tree is never touched: the
mutants are written into copies under a temporary directory, so others can keep
editing while it runs.

Survivors that are equivalent to the original (no test can tell them apart) go on the
allow-list (``allow.toml``) with a reason; any other survivor fails the run.

Why not mutmut or cosmic-ray (issue 17; CONTRIBUTING.md says more).  mutmut 3.8 was
tried: it runs this code's anyio/trio tests, and faster per mutant (``_retry.py``'s 104
mutants in 16 s), but it mutates every string and message (survivors to silence with
pragmas through the SDK), cannot mutate the Lua of ``redis/_scripts.py``, and has no
regression list nor changed-lines mode.  cosmic-ray runs one fixed test command per
mutant: for the code on every call's path that is most of the suite, ~95 s a mutant
here.  This runner selects per mutant the tests that ran its line.

Usage::

    python tests/mutants/run.py                    # every critical module
    python tests/mutants/run.py --base origin/main # only lines changed since a revision
    python tests/mutants/run.py --regression-only  # replay the regression list only
    python tests/mutants/run.py ongage_async/_budget.py --list
    python tests/mutants/run.py --json out.json    # keep every outcome, then later:
    python tests/mutants/run.py --survivors-of out.json  # re-run only its survivors
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MUTANT_TESTS = "tests/test_mutants_*.py"
#: A mutant's test run is stopped (and the mutant counted killed: it hung) after this.
RUN_TIMEOUT = 180.0


@dataclass
class Mutant:
    file: str
    kind: str  # "regression" or "generated"
    name: str
    line: int
    source_line: str
    mutation: str
    text: str = ""  # the whole mutated file
    why: str = ""
    tests: list[str] = field(default_factory=list)  # for regression entries
    status: str = "pending"  # killed / survived / stale / error / not run
    detail: str = ""
    allowed: str = ""  # the allow-list's reason, for an allowed survivor
    span: tuple[int, int] = (0, 0)  # the lines of the mutated code
    seconds: float = 0.0


# -- the configuration ---------------------------------------------------------------------


def load_toml(name: str) -> dict[str, object]:
    with (HERE / name).open("rb") as handle:
        return tomllib.load(handle)


def critical_modules() -> dict[str, dict[str, object]]:
    return dict(load_toml("modules.toml")["modules"])  # type: ignore[arg-type]


def allow_list() -> list[dict[str, str]]:
    entries = list(load_toml("allow.toml").get("allow", []))  # type: ignore[call-overload]
    for entry in entries:
        missing = {"file", "line", "mutation", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise SystemExit(f"allow.toml: an entry lacks {sorted(missing) or 'a reason'}: {entry}")
    return entries


# -- generated mutants ---------------------------------------------------------------------

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
}
_SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.And: "and",
    ast.Or: "or",
}  # fmt: skip
#: Calls whose deletion says nothing about behaviour (a log line).
_QUIET_CALLS = ("logger.", "logging.", "warnings.")


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
    )


class _Sites:
    """Walks a module and lists every place a mutation applies, in a stable order."""

    def __init__(self, tree: ast.Module, lines: list[str]) -> None:
        self.lines = lines
        self.sites: list[tuple[int, str, int, tuple[int, int], Callable[..., None]]] = []
        self._index: dict[int, int] = {}  # id(node) -> its position in ast.walk
        for position, node in enumerate(ast.walk(tree)):
            self._index[id(node)] = position
        self._visit(tree, None, 0, skip=False)

    def _add(self, node: ast.AST, line: int, what: str, apply: Callable[..., None]) -> None:
        first = getattr(node, "lineno", line)
        span = (first, getattr(node, "end_lineno", None) or first)
        self.sites.append((self._index[id(node)], what, line, span, apply))

    def _visit(self, node: ast.AST, parent: ast.AST | None, line: int, *, skip: bool) -> None:
        if isinstance(node, ast.stmt):
            line = node.lineno
        skip = skip or self._skipped(node)
        if not skip:
            self._mutations(node, parent, line)
        for name, value in ast.iter_fields(node):
            quiet = name in ("annotation", "returns", "decorator_list", "type_comment")
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self._visit(child, node, line, skip=skip or quiet)

    def _skipped(self, node: ast.AST) -> bool:
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return True
        return isinstance(node, ast.Call) and ast.unparse(node.func).startswith(_QUIET_CALLS)

    def _mutations(self, node: ast.AST, parent: ast.AST | None, line: int) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = _COMPARE_SWAPS.get(type(op))
                if swap is not None:
                    what = f"{_SYMBOL[type(op)]} -> {_SYMBOL[swap]}"
                    self._add(node, line, what, _set_op(i, swap))
        elif isinstance(node, ast.BoolOp):
            swap = ast.Or if isinstance(node.op, ast.And) else ast.And
            what = f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[swap]}"
            self._add(node, line, what, _set_attr("op", swap))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self._add(node, line, "not x -> x", _drop_not)
        elif isinstance(node, (ast.BinOp, ast.AugAssign)):
            swap = _BINOP_SWAPS.get(type(node.op))
            strings = isinstance(node, ast.BinOp) and (
                _is_string(node.left) or _is_string(node.right)
            )
            if swap is not None and not strings:
                what = f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[swap]}"
                self._add(node, line, what, _set_attr("op", swap))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("max", "min") and len(node.args) > 1:
                other = "min" if node.func.id == "max" else "max"
                self._add(node, line, f"{node.func.id} -> {other}", _rename_call(other))
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
            # Booleans, and the boundary numbers 0 and 1 (an index, a floor, a first
            # retry); other numbers are tunings (a pool size, a poll interval) whose
            # change no test should pin.
            value = node.value
            if isinstance(value, bool):
                self._add(node, line, f"{value} -> {not value}", _set_attr("value", not value))
            elif isinstance(value, (int, float)) and value in (0, 1):
                new = type(value)(1 - value)
                self._add(node, line, f"{value} -> {new}", _set_attr("value", new))
        elif isinstance(node, ast.Expr) and not _is_string(node.value):
            call = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(call, ast.Call) and not self._skipped(call):
                self._add(node, line, "call deleted", _to_pass)


def _set_op(i: int, op: type[ast.cmpop]) -> Callable[..., None]:
    def apply(node: ast.AST, parent: ast.AST | None) -> None:
        node.ops[i] = op()  # type: ignore[attr-defined]

    return apply


def _set_attr(name: str, value: object) -> Callable[..., None]:
    def apply(node: ast.AST, parent: ast.AST | None) -> None:
        setattr(node, name, value() if isinstance(value, type) else value)

    return apply


def _rename_call(name: str) -> Callable[..., None]:
    def apply(node: ast.AST, parent: ast.AST | None) -> None:
        node.func = ast.Name(id=name, ctx=ast.Load())  # type: ignore[attr-defined]

    return apply


def _replace(parent: ast.AST | None, old: ast.AST, new: ast.AST) -> None:
    assert parent is not None
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise AssertionError("node not found in its parent")


def _drop_not(node: ast.AST, parent: ast.AST | None) -> None:
    _replace(parent, node, node.operand)  # type: ignore[attr-defined]


def _to_pass(node: ast.AST, parent: ast.AST | None) -> None:
    _replace(parent, node, ast.Pass())


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def python_mutants(file: str, text: str) -> Iterator[Mutant]:
    tree = ast.parse(text)
    lines = text.splitlines()
    for position, what, line, span, apply in _Sites(tree, lines).sites:
        mutated = copy.deepcopy(tree)
        nodes = list(ast.walk(mutated))
        target = nodes[position]
        apply(target, _parents(mutated).get(id(target)))
        ast.fix_missing_locations(mutated)
        source = lines[line - 1].strip() if line else ""
        yield Mutant(
            file=file,
            kind="generated",
            name=f"{file}:{line}: {what}",
            line=line,
            source_line=source,
            mutation=what,
            text=ast.unparse(mutated) + "\n",
            span=span,
        )


_LUA_SWAPS = [
    (re.compile(r"(?<=[\s)])<(?=[\s(])"), "<", "<="),
    (re.compile(r"(?<=[\s)])<=(?=[\s(])"), "<=", "<"),
    (re.compile(r"(?<=[\s)])>(?=[\s(])"), ">", ">="),
    (re.compile(r"(?<=[\s)])>=(?=[\s(])"), ">=", ">"),
    (re.compile(r"(?<=\s)\+(?=\s)"), "+", "-"),
    (re.compile(r"(?<=\s)-(?=\s)"), "-", "+"),
]


def lua_mutants(file: str, text: str) -> Iterator[Mutant]:
    """Comparisons and ``+``/``-`` flipped inside the multi-line strings (the Lua)."""
    tree = ast.parse(text)
    lua_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.end_lineno:
            lua_lines.update(range(node.lineno + 1, node.end_lineno))
    lines = text.splitlines(keepends=True)
    for number in sorted(lua_lines):
        line = lines[number - 1]
        code = line.split("--", 1)[0]  # not in a Lua comment
        for pattern, old, new in _LUA_SWAPS:
            for found in pattern.finditer(code):
                mutated = line[: found.start()] + new + line[found.end() :]
                what = f"lua {old} -> {new}"
                yield Mutant(
                    file=file,
                    kind="generated",
                    name=f"{file}:{number}: {what} (col {found.start()})",
                    line=number,
                    source_line=line.strip(),
                    mutation=what,
                    text="".join([*lines[: number - 1], mutated, *lines[number:]]),
                    span=(number, number),
                )


# -- regression mutants --------------------------------------------------------------------


def regression_mutants(tree: Path, files: set[str] | None) -> Iterator[Mutant]:
    for entry in load_toml("regression.toml").get("mutant", []):  # type: ignore[attr-defined]
        file = entry["file"]
        if files is not None and file not in files:
            continue
        path = tree / file
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        mutant = Mutant(
            file=file,
            kind="regression",
            name=entry["id"],
            line=0,
            source_line=entry["original"].strip().splitlines()[0] if entry["original"] else "",
            mutation=f"{entry['original'].strip()!r} -> {entry['mutated'].strip()!r}",
            why=entry["why"],
            tests=list(entry.get("tests", [])),
        )
        found = text.count(entry["original"])
        if found != 1:
            mutant.status = "stale"
            mutant.detail = f"the original text occurs {found} times in {file}, not once"
        else:
            mutant.line = text[: text.index(entry["original"])].count("\n") + 1
            mutant.text = text.replace(entry["original"], entry["mutated"])
        yield mutant


# -- the copies, the coverage map, the runs ------------------------------------------------


def snapshot(into: Path, rev: str | None = None) -> None:
    """Copy the working tree's files (tracked and new, not ignored) into ``into``; or,
    given ``rev``, the files of that revision."""
    into.mkdir(parents=True, exist_ok=True)
    if rev is not None:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        name = raw.decode()
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree
            continue
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def environment(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)  # the copy's package, also in subprocesses of the tests
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # never a mutant's bytecode left for the next run
    env.pop("PYTEST_ADDOPTS", None)
    return env


_PLUGIN = """
import json, os, time
import coverage
import pytest

_durations = {}

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(item.nodeid)
    started = time.perf_counter()
    yield
    _durations[item.nodeid] = time.perf_counter() - started
    if cov is not None:
        cov.switch_context("")

def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["MUTANTS_DURATIONS"], "w") as handle:
        json.dump(_durations, handle)
"""


@dataclass
class CoverageMap:
    lines: dict[str, dict[int, set[str]]]  # file -> line -> node ids
    durations: dict[str, float]
    candidates: dict[str, list[str]]  # file -> its test files

    def tests_for(self, mutant: Mutant) -> list[str]:
        if mutant.mutation.startswith("lua "):  # runs in Redis, where coverage cannot see
            return list(self.candidates.get(mutant.file, []))
        tests = set(self.lines.get(mutant.file, {}).get(mutant.line, set()))
        if not tests:
            # No test recorded the line: run at import only (a default, a class
            # attribute: a test may reach it through attrs' generated __init__), or lost
            # by coverage (on 3.11 the lines after awaiting a future that raises, such as
            # a cancelled task: coveragepy#2124).  Every owning test file then, so a line
            # never seen is never counted as a survivor untried.
            return list(self.candidates.get(mutant.file, []))
        return sorted(tests, key=lambda t: (self.durations.get(t, 1e9), t))


def measure(tree: Path, files: list[str], modules: dict[str, dict[str, object]]) -> CoverageMap:
    """Run the owning tests once, unmutated, under coverage with one context per test."""
    test_files: list[str] = []
    candidates: dict[str, list[str]] = {}
    mutant_tests = sorted(str(p.relative_to(tree)) for p in tree.glob(MUTANT_TESTS))
    for file in files:
        owned = [*modules.get(file, {}).get("tests", []), *mutant_tests]  # type: ignore[misc]
        for gone in [t for t in owned if not (tree / t).exists()]:
            print(f"modules.toml: {gone} (a test file of {file}) does not exist")
            owned.remove(gone)
        candidates[file] = owned
        test_files += [t for t in owned if t not in test_files]
    plugin_dir = tree / ".mutants-plugin"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / "mutants_contexts.py").write_text(_PLUGIN)
    env = environment(tree)
    env["PYTHONPATH"] = f"{tree}{os.pathsep}{plugin_dir}"
    env["MUTANTS_DURATIONS"] = str(tree / ".mutants-durations.json")
    data_file = tree / ".mutants-coverage"
    sources = ",".join(str(tree / f) for f in files)
    rcfile = plugin_dir / "coveragerc"  # not the project's: only these files, no branches
    rcfile.write_text("[run]\n")
    command = [
        sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", f"--data-file={data_file}",
        f"--include={sources}", "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-p", "mutants_contexts", *test_files,
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    print(f"measured which tests run which lines: {time.monotonic() - started:.0f}s", flush=True)
    flaky = unmutated_failures(done)
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    lines: dict[str, dict[int, set[str]]] = {}
    for file in files:
        by_line = data.contexts_by_lineno(str(tree / file))
        lines[file] = {n: {c for c in cs if c} for n, cs in by_line.items()}
        for tests in lines[file].values():
            tests -= flaky
    durations = json.loads((tree / ".mutants-durations.json").read_text())
    return CoverageMap(lines, durations, candidates)


def unmutated_failures(done: subprocess.CompletedProcess[str]) -> set[str]:
    """The tests that failed without any mutant: they can kill nothing, so no mutant runs
    them (a timing-sensitive test that lost a race, say).  Any other error stops the run."""
    if done.returncode == 0:
        return set()
    failed = set(re.findall(r"^FAILED (.+?)(?: - .*)?$", done.stdout, re.MULTILINE))
    if done.returncode != 1 or not failed:
        print(done.stdout[-6000:], done.stderr[-3000:], sep="\n")
        raise SystemExit("the tests fail without any mutant: fix them first")
    for test in sorted(failed):
        print(f"WARNING: {test} fails without any mutant: no mutant runs it")
    return failed


def run_mutant(mutant: Mutant, tree: Path, tests: list[str]) -> None:
    target = tree / mutant.file
    original = target.read_bytes()
    started = time.monotonic()
    try:
        target.write_text(mutant.text, encoding="utf-8")
        command = [
            sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
            "--no-header", *tests,
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command,
                cwd=tree,
                env=environment(tree),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            mutant.status, mutant.detail = "killed", f"timeout after {RUN_TIMEOUT:.0f}s"
            return
        lost = re.search(r"^ERROR: (?:not found|file or directory not found)", done.stdout, re.M)
        if done.returncode == 0:
            mutant.status = "survived"
        elif done.returncode in (1, 2, 4) and not lost:
            # A test failed, or the mutant broke an import (a test module's: 2; the
            # conftest's: 4, as pytest calls any conftest failure a usage error).
            mutant.status = "killed"
            failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
            mutant.detail = failed[0] if failed else f"pytest exit {done.returncode}"
        elif done.returncode == 3 and "Timeout (>" in done.stdout:
            # pytest-timeout fired inside pytest's own code (a hang it caught at a bad
            # moment): pytest ends in an internal error, but the mutant hung a test.
            mutant.status, mutant.detail = "killed", "timeout (pytest-timeout, exit 3)"
        else:
            mutant.status = "error"
            mutant.detail = f"pytest exit {done.returncode}: {done.stdout[-500:]}"
    finally:
        target.write_bytes(original)
        mutant.seconds = time.monotonic() - started


# -- the report ------------------------------------------------------------------------------


def apply_allow_list(
    mutants: list[Mutant], allowed: list[dict[str, str]], *, partial: bool = False
) -> list[str]:
    """Mark allowed survivors; return the entries that matched no survivor (stale).

    ``partial``: the run mutated some lines only (``--base``): an entry is stale only if
    its mutant ran here and was killed, not because its line was left alone.
    """
    used: set[int] = set()
    for mutant in mutants:
        if mutant.status != "survived" or mutant.kind != "generated":
            continue
        for i, entry in enumerate(allowed):
            if (
                entry["file"] == mutant.file
                and entry["line"].strip() == mutant.source_line
                and entry["mutation"] == mutant.mutation
            ):
                mutant.allowed = entry["reason"]
                used.add(i)
                break
    killed = {(m.file, m.source_line, m.mutation) for m in mutants if m.status == "killed"}
    return [
        f"{e['file']}: {e['line']!r} ({e['mutation']})"
        for i, e in enumerate(allowed)
        if i not in used
        and (not partial or (e["file"], e["line"].strip(), e["mutation"]) in killed)
    ]


def report(mutants: list[Mutant], stale_allowed: list[str], checked_files: set[str]) -> int:
    rows: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        rows.setdefault(mutant.file, []).append(mutant)
    print()
    header = (
        f"{'module':40} {'mutants':>7} {'killed':>6} {'survived':>8} {'allowed':>7} "
        f"{'new':>4}  rate"
    )
    print(header)
    print("-" * len(header))
    totals = [0] * 5

    def row(name: str, counts: list[int]) -> None:
        ran, killed, survived, allowed, new = counts
        rate = f"{100 * survived / ran:5.1f}%" if ran else "   -  "
        print(f"{name:40} {ran:7} {killed:6} {survived:8} {allowed:7} {new:4}  {rate}")

    for file in sorted(rows):
        ran = [m for m in rows[file] if m.status in ("killed", "survived")]
        counts = [
            len(ran),
            sum(m.status == "killed" for m in ran),
            sum(m.status == "survived" for m in ran),
            sum(bool(m.allowed) for m in ran),
            sum(m.status == "survived" and not m.allowed for m in ran),
        ]
        row(file, counts)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    print("-" * len(header))
    row("all", totals)

    failing = 0
    regression = [m for m in mutants if m.kind == "regression"]
    if regression:
        print("\nregression list:")
        for m in regression:
            print(f"  {m.status:9} {m.name:36} {m.file}" + (f"  ({m.detail})" if m.detail else ""))
            failing += m.status != "killed"
    survivors = [m for m in mutants if m.kind == "generated" and m.status == "survived"]
    if survivors:
        print("\nsurvivors (allowed: on allow.toml, with its reason; NEW: fails the run):")
        for m in sorted(survivors, key=lambda m: (m.file, m.line)):
            mark = "allowed" if m.allowed else "NEW    "
            print(f"  {mark} {m.file}:{m.line}: {m.mutation}   | {m.source_line}")
            failing += not m.allowed
    broken = [m for m in mutants if m.status in ("error", "stale")]
    for m in broken:
        if m.kind == "generated":
            print(f"  error   {m.name}: {m.detail}")
            failing += 1
    not_run = [m for m in mutants if m.status == "not run"]
    if not_run:
        print(f"\n{len(not_run)} mutants not run: the time budget ran out (see --budget)")
    stale = [s for s in stale_allowed if s.split(":", 1)[0] in checked_files]
    if stale and not not_run:
        print("\nallow-list entries that matched no survivor (remove them):")
        for entry in stale:
            print(f"  {entry}")
        failing += len(stale)
    print()
    if failing:
        print(f"FAILED: {failing} new survivors, stale entries or errors")
        return 1
    print("OK: every mutant killed or allowed with a reason")
    return 0


# -- the command -----------------------------------------------------------------------------


def changed_since(base: str, rev: str | None) -> set[str] | None:
    """Files changed since ``base`` (in ``rev``, or the working tree); None if ``base`` is
    no revision here (a fresh clone of one commit has no ``HEAD~1``)."""
    known = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
    )
    if known.returncode != 0:
        return None
    command = ["git", "diff", "--name-only", base, *([rev] if rev else []), "--"]
    names = subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout.split()
    return set(names)


def lines_changed_since(base: str, rev: str | None, files: list[str]) -> dict[str, set[int]]:
    """For each file, the lines (in the new version) that differ from ``base``."""
    command = ["git", "diff", "-U0", "--no-color", base, *([rev] if rev else []), "--", *files]
    diff = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    changed: dict[str, set[int]] = {}
    current: set[int] = set()
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].removeprefix("b/")
            current = changed.setdefault(name, set())
        elif line.startswith("@@"):
            found = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            if found:
                start, count = int(found[1]), int(found[2] or 1)
                current.update(range(start, start + count))
    return changed


def baseline(tree: Path, tests: list[str]) -> set[str]:
    """Run the tests the regression list names, unmutated; return those that failed."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    done = subprocess.run(command, cwd=tree, env=environment(tree), capture_output=True, text=True)
    print(f"the regression list's tests ran unmutated: {time.monotonic() - started:.0f}s")
    return unmutated_failures(done)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="critical modules to mutate (default: all)")
    parser.add_argument("--base", help="mutate only files changed since this revision")
    parser.add_argument("--rev", help="mutate this revision's files, not the working tree's")
    parser.add_argument("--regression-only", action="store_true")
    parser.add_argument("--generated-only", action="store_true")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--budget", type=float, help="start no mutant after this many seconds")
    parser.add_argument(
        "--owning-tests",
        action="store_true",
        help="run each regression mutant against the critical modules' own test files "
        "(modules.toml), not the tests it names: to re-check an entry, or a new one",
    )
    parser.add_argument(
        "--survivors-of",
        metavar="JSON",
        help="run only the generated mutants that survived in a run saved with --json",
    )
    parser.add_argument("--json", help="write every mutant's outcome to this file")

    args = parser.parse_args(argv)
    started = time.monotonic()

    modules = critical_modules()
    files: set[str] | None = set(args.files) if args.files else None
    regression_files = files  # the regression list is replayed whole unless files are named
    if args.base:
        changed = changed_since(args.base, args.rev)
        if changed is None:
            print(f"{args.base} is no revision here: replaying the regression list only")
            args.regression_only = True
        else:
            files = changed if files is None else files & changed
            print(f"files changed since {args.base}: {len(changed)}")
    critical = sorted(modules if files is None else set(modules) & files)
    for gone in [f for f in critical if not (ROOT / f).exists() and not args.rev]:
        print(f"modules.toml: {gone} does not exist (moved? update modules.toml)")
        critical.remove(gone)
    changed_lines = None
    if args.base and not args.regression_only:
        changed_lines = lines_changed_since(args.base, args.rev, critical)

    with tempfile.TemporaryDirectory(prefix="mutants-") as scratch:
        first = Path(scratch) / "tree-0"
        snapshot(first, args.rev)
        mutants: list[Mutant] = []
        if not args.generated_only:
            mutants += regression_mutants(first, regression_files)
        if not args.regression_only:
            for file in critical:
                text = (first / file).read_text(encoding="utf-8")
                make = lua_mutants if modules[file].get("lua") else python_mutants
                for mutant in make(file, text):
                    # With --base, only the code that changed: a survivor there is new.
                    span = set(range(mutant.span[0], mutant.span[1] + 1))
                    if changed_lines is None or span & changed_lines.get(file, set()):
                        mutants.append(mutant)
        wanted: set[tuple[str, str, str]] | None = None
        if args.survivors_of:
            saved = json.loads(Path(args.survivors_of).read_text(encoding="utf-8"))
            wanted = {
                (m["file"], m["source_line"], m["mutation"])
                for m in saved
                if m["kind"] == "generated" and m["status"] == "survived"
            }
        if wanted is not None:
            mutants = [
                m
                for m in mutants
                if m.kind != "generated" or (m.file, m.source_line, m.mutation) in wanted
            ]
        generated = [m for m in mutants if m.kind == "generated"]
        regression = [m for m in mutants if m.kind == "regression" and m.status == "pending"]
        print(
            f"{len(mutants) - len(generated)} regression mutants, {len(generated)} generated "
            f"in {len(critical)} critical modules"
        )
        if args.list:
            for m in mutants:
                print(f"  {m.kind:10} {m.file}:{m.line}: {m.mutation}  | {m.source_line}")
            return 0
        if not mutants:
            print("no critical module changed: nothing to mutate")
            return 0

        owning = sorted({t for m in modules.values() for t in m.get("tests", [])})  # type: ignore[attr-defined]
        for mutant in regression:
            mutant.tests = owning if args.owning_tests else mutant.tests
        named = sorted({t for m in regression for t in m.tests})
        if named:
            flaky = baseline(first, named)
            for mutant in regression:  # run the named files, less the tests that failed
                if flaky:
                    mutant.tests = [*mutant.tests, *(f"--deselect={t}" for t in sorted(flaky))]
        cover = measure(first, critical, modules) if generated else None
        trees = [first] + [Path(scratch) / f"tree-{n}" for n in range(1, max(1, args.jobs))]
        for tree in trees[1:]:
            shutil.copytree(first, tree, symlinks=True)
        free = list(trees)
        lock = threading.Lock()
        # Spread the generated mutants over the modules and lines (stable, not in file
        # order), so a run cut by its budget still samples every module.
        generated.sort(key=lambda m: zlib.crc32(m.name.encode()))
        todo = regression + generated
        done_count = 0

        def work(mutant: Mutant) -> None:
            nonlocal done_count
            if args.budget is not None and time.monotonic() - started > args.budget:
                mutant.status = "not run"
                return
            if mutant.kind == "regression":
                tests = mutant.tests
            else:
                assert cover is not None
                tests = cover.tests_for(mutant)
                if not tests:
                    mutant.status, mutant.detail = "survived", "no test runs this line"
                    return
            with lock:
                tree = free.pop()
            try:
                run_mutant(mutant, tree, tests)
            finally:
                with lock:
                    free.append(tree)
                    done_count += 1
                    if mutant.status != "killed" or done_count % 25 == 0:
                        print(
                            f"[{done_count}/{len(todo)} {time.monotonic() - started:5.0f}s] "
                            f"{mutant.status}: {mutant.name} ({mutant.seconds:.1f}s)",
                            flush=True,
                        )

        with ThreadPoolExecutor(max_workers=len(trees)) as pool:
            list(pool.map(work, todo))

    stale_allowed = apply_allow_list(mutants, allow_list(), partial=changed_lines is not None)
    # A run of some mutants only (--survivors-of) cannot tell a stale entry.
    code = report(mutants, stale_allowed if wanted is None else [], set(critical))
    if args.json:
        Path(args.json).write_text(
            json.dumps([{k: v for k, v in vars(m).items() if k != "text"} for m in mutants])
        )
    print(f"{time.monotonic() - started:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
