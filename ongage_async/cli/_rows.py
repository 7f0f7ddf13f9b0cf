"""Reading contacts from files lazily (CSV, JSON Lines, JSON) and writing the record back.

The text encoding is ``--encoding`` when given, else read from a byte-order mark
(UTF-16 and UTF-32 carry one), else UTF-8.  :func:`scan` reads the whole file once
before anything is sent, so a wrong encoding or a broken CSV stops the run before its
first call, not after row 1,800.  A broken JSON Lines line is one bad row: it is
skipped with its reason, and its text kept (``ongage_raw``).

The failures file is a CSV with the input's columns plus ``ongage_status`` (what became
of the row: ``failed``, ``skipped``, ``duplicate``, ``unconfirmed`` or
``not_attempted``), ``ongage_row`` (its 1-based position among the input's rows) and
``ongage_error`` (why).  A row that is not in it was done (created or updated).
Reading the file back ignores those columns, so it can be fed straight into another run.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from .._rowcodec import RejectedRow
from ..resources._bulk import NEVER_SENT, UNCONFIRMED, BulkResult

__all__ = [
    "ERROR_COLUMN",
    "RAW_COLUMN",
    "ROW_COLUMN",
    "STATUS_COLUMN",
    "InputError",
    "Record",
    "Source",
    "open_source",
    "read_rows",
    "scan",
    "status_of",
    "write_record",
]

ERROR_COLUMN = "ongage_error"
STATUS_COLUMN = "ongage_status"
ROW_COLUMN = "ongage_row"
RAW_COLUMN = "ongage_raw"  # the text of a row that could not be read as a contact
_RECORD_COLUMNS = (STATUS_COLUMN, ROW_COLUMN, ERROR_COLUMN)
_ENCODING_HINT = (
    "pass --encoding (latin-1 or cp1252 for Western European text, utf-16 for Excel's "
    '"Unicode text")'
)

_NUL_HINT = (
    "it looks like UTF-16 without a byte-order mark; pass --encoding utf-16-le (or utf-16-be)"
)


class InputError(ValueError):
    """The input file cannot be read as contacts."""


@attrs.frozen
class Source:
    """An input file and the text encoding it is read in."""

    path: Path
    encoding: str


def open_source(path: Path, encoding: str | None = None) -> Source:
    """``path`` with its encoding: ``encoding`` if given, else its byte-order mark's, else UTF-8."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        # utf-8-sig reads plain UTF-8 too, and drops a BOM that would rename the 1st column.
        return Source(path, "utf-8-sig" if name == "utf-8" else name)
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00
        return Source(path, "utf-32")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Source(path, "utf-16")
    return Source(path, "utf-8-sig")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def read_rows(source: Source) -> Iterator[dict[str, Any] | RejectedRow]:
    """The contacts in the file, one at a time (a ``.json`` array is the one exception)."""
    try:
        yield from _read(source)
    except UnicodeDecodeError:
        raise InputError(_undecodable(source)) from None


def _read(source: Source) -> Iterator[dict[str, Any] | RejectedRow]:
    path, kind = source.path, _format(source.path)
    with path.open(encoding=source.encoding, newline="") as handle:
        if kind == "csv":
            yield from _csv_rows(path, handle)
        elif kind == "jsonl":
            for line_number, line in enumerate(handle, 1):
                if line.strip():
                    yield _object(line, line_number)
        else:
            try:
                document = json.load(handle)
            except ValueError as exc:
                raise InputError(f"{path}: not JSON ({exc})") from None
            if not isinstance(document, list):
                raise InputError(f"{path}: a JSON file must hold an array of contacts")
            for item in document:
                yield _strip(item) if isinstance(item, dict) else item


def _csv_rows(path: Path, handle: Any) -> Iterator[dict[str, Any] | RejectedRow]:
    reader = csv.DictReader(handle)
    try:
        names = reader.fieldnames
        if names is not None and any("\x00" in name for name in names):
            raise InputError(f"{path}: the header holds NUL characters: {_NUL_HINT}")
        if names is None or "email" not in names:
            raise InputError(f"{path}: the CSV needs a header row with an 'email' column")
        for row in reader:
            stripped = _strip({k: v for k, v in row.items() if k})
            if isinstance(stripped, RejectedRow):
                yield stripped
            else:
                email = stripped.pop("email", "")
                yield {"email": email, "fields": stripped}
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: not CSV ({exc})") from None


def _object(line: str, line_number: int) -> dict[str, Any] | RejectedRow:
    text = line.rstrip("\r\n")
    try:
        value = json.loads(line)
    except ValueError as exc:
        return RejectedRow(f"line {line_number}: not JSON ({exc})", text)
    if not isinstance(value, dict):
        return RejectedRow(
            f"line {line_number}: a JSON {type(value).__name__}, not an object", text
        )
    return _strip(value)


def _strip(row: dict[str, Any]) -> dict[str, Any] | RejectedRow:
    """A row as read, without the columns a failures file adds; a row that was unreadable
    in an earlier run (``ongage_raw`` and still no e-mail) stays unreadable, with its text."""
    raw = row.pop(RAW_COLUMN, None)
    reason = row.pop(ERROR_COLUMN, None)
    for column in _RECORD_COLUMNS:
        row.pop(column, None)
    if raw and not row.get("email"):
        return RejectedRow(str(reason or "unreadable in an earlier run"), str(raw))
    return row


def _undecodable(source: Source) -> str:
    """Where the file stops being text in its encoding: the line and the byte."""
    decoder = codecs.getincrementaldecoder(source.encoding)()
    encoding = "utf-8" if source.encoding == "utf-8-sig" else source.encoding
    with source.path.open("rb") as handle:
        wide = encoding.startswith(("utf-16", "utf-32"))
        if not wide and b"\x00" in handle.read(1024):  # text has no NULs; UTF-16's 1st line has
            return f"{source.path} is not {encoding} text: {_NUL_HINT}"
        handle.seek(0)
        for line_number, line in enumerate(handle, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                byte = exc.object[exc.start : exc.start + 1].hex()
                return (
                    f"{source.path} is not {encoding} text: line {line_number} holds byte "
                    f"0x{byte}; {_ENCODING_HINT}"
                )
    return f"{source.path} is not {encoding} text (it ends mid-character); {_ENCODING_HINT}"


def scan(source: Source) -> int:
    """How many rows the file holds, reading it all once; :class:`InputError` if it cannot
    be read to the end (so nothing is sent for a file that would break half-way)."""
    return sum(1 for _ in read_rows(source))


# -- the record of a run -------------------------------------------------------------


@attrs.frozen
class Record:
    """What the failures file holds: its rows by status, and how far the input could be read."""

    statuses: Mapping[str, int]
    #: Set when the input could not be read again to its end: the rows after the last
    #: one read are listed nowhere.
    unreadable: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.statuses.values())


def status_of(kind: str, reason: str) -> str:
    """A failed or skipped row's ``ongage_status``."""
    if kind == "skipped":
        return "duplicate" if reason.startswith("duplicate") else "skipped"
    if reason.startswith(UNCONFIRMED):
        return "not_attempted" if reason.endswith(NEVER_SENT) else "unconfirmed"
    return "failed"


class _Failures:
    """The input's rows that were not done, with their status, number and reason; rows
    past the ones the run read are ``not_attempted`` (only when ``stopped`` says why)."""

    def __init__(self, source: Source, result: BulkResult, stopped: str | None) -> None:
        self.source = source
        self.stopped = stopped
        self.unreadable: str | None = None
        self.by_row: dict[int, tuple[str, str]] = {}
        for kind, labels in (("failed", result.failed), ("skipped", result.skipped)):
            for label, reason in labels.items():
                number = result.row_numbers.get(label) or _row_in(label)
                if number is not None:
                    self.by_row[number] = (status_of(kind, reason), reason)
        self.read = result.total

    def __iter__(self) -> Iterator[tuple[dict[str, Any], str, int, str]]:
        number = 0
        try:
            for number, row in enumerate(read_rows(self.source), 1):
                if number <= self.read:
                    if number in self.by_row:
                        status, reason = self.by_row[number]
                        if status == "not_attempted" and self.stopped:
                            reason = f"not attempted: {self.stopped}"
                        yield _flat(row), status, number, reason
                elif self.stopped is None:
                    break
                else:
                    yield _flat(row), "not_attempted", number, f"not attempted: {self.stopped}"
        except (InputError, OSError):
            self.unreadable = f"the rows after row {number} could not be read again"


def _row_in(label: str) -> int | None:
    head, _, tail = label.rpartition(" (row ")
    return int(tail[:-1]) if head and tail.endswith(")") and tail[:-1].isdigit() else None


def _flat(row: Any) -> dict[str, Any]:
    if isinstance(row, RejectedRow):
        return {"email": "", RAW_COLUMN: row.text}
    if not isinstance(row, Mapping):
        return {"email": "", RAW_COLUMN: json.dumps(row, default=str)}
    fields = row.get("fields")
    flat = {k: v for k, v in row.items() if k != "fields"}
    return {**flat, **(fields if isinstance(fields, Mapping) else {})}


def write_record(
    path: Path, source: Source, result: BulkResult, stopped: str | None = None
) -> Record:
    """Write the failures file (none when every row was done; an old one is removed).

    Two passes over the input, the first for the columns, so memory stays flat however
    many rows were not attempted.
    """
    if stopped is None and not result.failed and not result.skipped:
        path.unlink(missing_ok=True)
        return Record({})
    failures = _Failures(source, result, stopped)
    columns = ["email"]
    statuses: Counter[str] = Counter()
    for row, status, _, _ in failures:
        columns += [c for c in row if c not in columns]
        statuses[status] += 1
    if not statuses:
        path.unlink(missing_ok=True)
        return Record({}, failures.unreadable)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, *_RECORD_COLUMNS])
        writer.writeheader()
        for row, status, number, reason in _Failures(source, result, stopped):
            writer.writerow(
                {**row, STATUS_COLUMN: status, ROW_COLUMN: number, ERROR_COLUMN: reason}
            )
    return Record(dict(statuses), failures.unreadable)
