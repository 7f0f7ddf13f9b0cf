"""A report's answer: rows keyed by the select names or aliases, and Ongage's total."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .._model import Model

__all__ = ["Report"]


@attrs.frozen
class Report(Model):
    """The answer of a report: its rows, and the total when Ongage sends one.

    Iterate it (`for row in report`) or take `len(report)`.

    Attributes:
        rows: One mapping a row, keyed by the select names or aliases.
        total: How many rows the whole report has (Ongage's `metadata.total`), when sent.
    """

    rows: tuple[Mapping[str, Any], ...]
    total: int | None = None

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)
