"""An import's file: rows streamed into a CSV on disk, zipped when large.

Ongage reads a CSV (or a ZIP of one) with a delimiter and an encoding named in the
call (page 1014366212); the file written here is always comma-separated UTF-8 with a
header, the page's defaults, so nothing about it needs saying twice.

* Rows are written as they are read, to a temporary file: memory does not grow with
  the number of rows.  A long synchronous input yields to the event loop every 1,000
  rows, as the bulk engine's does.
* The columns are fixed by the first row (`email` first), or by `fields=` when given.
  A later row with a column not among them is skipped with the reason, never written
  under the wrong header; a row missing a column gets an empty value.
* A contact may be given as for the v2 calls (`{"email", "fields": {...}}`) or flat.
  Values are encoded as for the v2 calls (`_rowcodec`: dates as `YYYY-MM-DD`, ...),
  then as text: `None` is empty, booleans are `1`/`0`.  A value that cannot be encoded
  skips its row with the reason.  E-mails are not checked here: Ongage counts the bad
  ones as `invalid`, and duplicates as `duplicate`.
* Above `compress_above` bytes the CSV is zipped (deflate), in a worker thread: a
  ZIP of one CSV is what Ongage accepts, and contact files shrink several times.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs

from ._exceptions import InvalidArgumentError
from ._rowcodec import (
    RowError,
    aiter_rows,  # one way to walk rows, sync or async
    encode_value,
)

__all__ = ["ImportFile", "read_chunks", "write_import_file"]

_BLOCK = 1024 * 1024
#: How many skipped rows are kept with their reasons (the rest are only counted).
MAX_SKIPPED_KEPT = 10_000


@attrs.frozen
class ImportFile:
    """The file written: where, how big, how many rows, and the rows left out."""

    path: Path
    size: int
    rows: int
    columns: tuple[str, ...]
    compressed: bool
    skipped: Mapping[str, str]
    skipped_count: int


def _flatten(raw: Any) -> dict[str, Any]:
    """A contact as one flat row: `email`, then its fields."""
    if not isinstance(raw, Mapping):
        raise RowError(f"each contact must be a mapping, not {type(raw).__name__}")
    if "list_id" in raw:
        raise RowError("pass list_id= to the method, not inside a contact")
    row = {k: v for k, v in raw.items() if k not in ("fields", "overwrite")}
    nested = raw.get("fields")
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise RowError("a contact's fields must be a mapping")
        row.update(nested)
    return row


def _cell(value: Any, where: str) -> str:
    value = encode_value(value, where)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, dict)):
        raise RowError(f"{where}: a list or mapping cannot go in a CSV cell")
    return str(value)


def _columns_of(fields: Sequence[str] | Mapping[str, Any] | None) -> list[str] | None:
    if fields is None:
        return None
    names = list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidArgumentError("fields must name the file's columns (non-empty strings)")
    if "email" not in names:
        raise InvalidArgumentError("fields must include 'email'")
    return ["email", *[n for n in names if n != "email"]]


def csv_rows(path: Path, encoding: str = "utf-8-sig") -> Iterable[dict[str, Any]]:
    """The rows of a CSV file, its delimiter guessed from the header (, | tab ;)."""
    with path.open(newline="", encoding=encoding) as handle:
        header = handle.readline()
        delimiter = max(",|\t;", key=header.count)
        handle.seek(0)
        yield from csv.DictReader(handle, delimiter=delimiter)


async def write_import_file(
    rows: Iterable[Any] | AsyncIterable[Any],
    directory: Path,
    name: str,
    *,
    fields: Sequence[str] | Mapping[str, Any] | None = None,
    compress_above: int | None = None,
    on_rows: Callable[[int], Any] | None = None,
) -> ImportFile:
    """Write `rows` as `directory/name.csv` (or `.zip`); see the module's notes."""
    columns = _columns_of(fields)
    csv_path = directory / f"{name}.csv"
    skipped: dict[str, str] = {}
    skipped_count = written = number = 0
    with csv_path.open("wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False)
        writer = csv.writer(text, lineterminator="\n")
        async for item in aiter_rows(rows):
            number += 1
            try:
                row = _flatten(item)
                if columns is None:
                    columns = ["email", *[str(k) for k in row if k != "email"]]
                    writer.writerow(columns)
                extra = [str(k) for k in row if k not in columns]
                if extra:
                    raise RowError(
                        f"column {extra[0]!r} is not in the file's header (the first row's "
                        "columns): pass fields= naming every column"
                    )
                writer.writerow([_cell(row.get(c), c) for c in columns])
                written += 1
            except RowError as exc:
                skipped_count += 1
                if len(skipped) < MAX_SKIPPED_KEPT:
                    skipped[f"row {number}"] = str(exc)
            if on_rows is not None and number % 10_000 == 0:
                on_rows(written)
        if not written:  # a file without rows: Ongage would refuse it (90008)
            why = next(iter(skipped.values()), "")
            raise InvalidArgumentError(
                "there are no rows to import" + (f": every row was skipped ({why})" if why else "")
            )
        text.flush()
        text.detach()
    if on_rows is not None:
        on_rows(written)
    size = csv_path.stat().st_size
    if compress_above is not None and size > compress_above:
        zip_path = directory / f"{name}.zip"
        await anyio.to_thread.run_sync(_zip, csv_path, zip_path, f"{name}.csv", size)
        csv_path.unlink()
        return ImportFile(
            zip_path,
            zip_path.stat().st_size,
            written,
            tuple(columns or ()),
            True,
            skipped,
            skipped_count,
        )
    return ImportFile(csv_path, size, written, tuple(columns or ()), False, skipped, skipped_count)


def _zip(source: Path, target: Path, member: str, size: int) -> None:
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out,
        source.open("rb") as src,
    ):
        while block := src.read(_BLOCK):
            out.write(block)


async def read_chunks(
    path: Path, on_bytes: Callable[[int], Any] | None = None, block: int = _BLOCK
) -> AsyncIterator[bytes]:
    """The file's bytes, a block at a time, reporting the running total."""
    done = 0
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(block):
            done += len(chunk)
            if on_bytes is not None:
                on_bytes(done)
            yield chunk
