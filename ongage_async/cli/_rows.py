"""Reading contacts from files lazily (CSV, JSON Lines, JSON) and writing failures back.

A failures file is a CSV with the input's columns plus ``ongage_error``; reading it
back ignores that column, so it can be fed straight into another run.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .._bulk import BulkResult

__all__ = ["ERROR_COLUMN", "count_rows", "failure_rows", "read_rows", "write_failures"]

ERROR_COLUMN = "ongage_error"


class InputError(ValueError):
    """The input file cannot be read as contacts."""


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The contacts in ``path``, one at a time (a ``.json`` array is the one exception)."""
    kind = _format(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if kind == "csv":
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "email" not in reader.fieldnames:
                raise InputError(f"{path}: the CSV needs a header row with an 'email' column")
            for row in reader:
                row.pop(ERROR_COLUMN, None)
                email = row.pop("email", "")
                yield {"email": email, "fields": {k: v for k, v in row.items() if k}}
        elif kind == "jsonl":
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield _object(line, f"{path}:{number}")
        else:
            try:
                document = json.load(handle)
            except ValueError as exc:
                raise InputError(f"{path}: not JSON ({exc})") from None
            if not isinstance(document, list):
                raise InputError(f"{path}: a JSON file must hold an array of contacts")
            yield from document


def _object(line: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON ({exc})") from None
    if isinstance(value, dict):
        value.pop(ERROR_COLUMN, None)
    return value if isinstance(value, dict) else {"email": None, "raw": value}


def count_rows(path: Path) -> int | None:
    """How many contacts the file holds (a quick streaming pass), for the progress bar."""
    try:
        return sum(1 for _ in read_rows(path))
    except (InputError, OSError, UnicodeDecodeError):
        return None


def failure_rows(rows: Iterator[Any], result: BulkResult) -> Iterator[tuple[dict[str, Any], str]]:
    """Each input row that did not succeed, with its reason (matched by row or e-mail)."""
    by_row: dict[int, str] = {}
    by_email: dict[str, str] = {}
    for label, reason in [*result.failed.items(), *result.skipped.items()]:
        head, _, tail = label.rpartition(" (row ")
        if head and tail.endswith(")") and tail[:-1].isdigit():
            by_row[int(tail[:-1])] = reason
        else:
            by_email[label] = reason
    for number, row in enumerate(rows, 1):
        email = row.get("email") if isinstance(row, Mapping) else None
        if number in by_row:
            yield _flat(row), by_row[number]
        elif isinstance(email, str) and email in by_email:
            yield _flat(row), by_email.pop(email)


def _flat(row: Any) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        return {"email": "", "raw": json.dumps(row, default=str)}
    fields = row.get("fields")
    flat = {k: v for k, v in row.items() if k != "fields"}
    return {**flat, **(fields if isinstance(fields, Mapping) else {})}


def write_failures(path: Path, failures: Iterator[tuple[dict[str, Any], str]]) -> int:
    """Write the failures CSV; returns how many rows it holds (none: no file is left)."""
    rows = list(failures)
    if not rows:
        path.unlink(missing_ok=True)
        return 0
    columns = ["email"]
    for row, _ in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, ERROR_COLUMN])
        writer.writeheader()
        for row, reason in rows:
            writer.writerow({**row, ERROR_COLUMN: reason})
    return len(rows)
