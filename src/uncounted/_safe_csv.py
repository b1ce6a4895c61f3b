"""Cells that a spreadsheet will not run: the one guard for every CSV and XLSX uncounted writes.

A spreadsheet program opening a CSV treats a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, a tab or carriage return before one) as a formula: ``=HYPERLINK(...)`` or
``=cmd|' /C calc'!A0`` from a list's record id or list name would run on the reviewer's machine
(OWASP, "CSV Injection"). :func:`neutralise` puts an apostrophe before such a text cell, which
spreadsheets show as text; numbers stay numbers (``-5``, ``+7``, ``-1.5e3`` are left alone, as
are int and float values). The apostrophe is the only change, and :func:`restore` undoes it: a
text that already starts with apostrophes before a trigger character gets one more, so the
mapping is one-to-one.

In an XLSX file a formula is a cell type, not text: :func:`xlsx_text_cell` stores a text value as
a string cell, verbatim and inert.

Imports nothing from the package (every layer may use it, the estimators included).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["TRIGGERS", "SafeWriter", "neutralise", "restore", "write_csv", "write_frame",
           "xlsx_text_cell"]

#: First characters that make a spreadsheet read a cell as a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: a text starting with ``= + - @``, tab or CR (or
    apostrophes before one) gets an apostrophe in front; numbers and non-text values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    body = value.lstrip("'")
    if not body.startswith(TRIGGERS):
        return value
    if body == value and _NUMBER.fullmatch(value):
        return value                       # -5, +7, -1.5e3: a number, not a formula
    return "'" + value


def restore(value: Any) -> Any:
    """The inverse of :func:`neutralise`: ``restore(neutralise(x)) == x`` for every text."""
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value


class SafeWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`neutralise`.

    A row with a carriage return inside a text cell is written with every cell quoted: Python's
    writer quotes only the characters of its own line terminator, and an unquoted CR is a line
    break to most readers (the row would split in two).
    """

    def __init__(self, fh, **kwargs):
        self._w = csv.writer(fh, **kwargs)
        self._quoted = csv.writer(fh, **{**kwargs, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]):
        cells = [neutralise(c) for c in row]
        if any(isinstance(c, str) and "\r" in c for c in cells):
            return self._quoted.writerow(cells)
        return self._w.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(path: str | Path, header: Sequence[Any], rows: Iterable[Iterable[Any]], *,
              encoding: str = "utf-8", lineterminator: str = "\n") -> None:
    """Write a header and rows as CSV, every cell neutralised."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = SafeWriter(fh, lineterminator=lineterminator)
        w.writerow(header)
        w.writerows(rows)


def write_frame(frame, path, **to_csv_kwargs) -> None:
    """``frame.to_csv(path, ...)`` with every text cell, column name and index label
    neutralised (numeric columns untouched)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str", "category"):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutralise)
    if out.index.names is not None:
        out.index.names = [neutralise(n) if isinstance(n, str) else n for n in out.index.names]
    if "quoting" not in to_csv_kwargs and _has_cr(out):   # see SafeWriter
        to_csv_kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    out.to_csv(path, **to_csv_kwargs)


def _has_cr(frame) -> bool:
    def cr(x):
        return isinstance(x, str) and "\r" in x

    if any(cr(c) for c in frame.columns) or any(cr(x) for x in frame.index):
        return True
    return any(frame[c].map(cr).any() for c in frame.columns if frame[c].dtype == object)


def xlsx_text_cell(cell, value: Any) -> None:
    """Put ``value`` in an openpyxl cell; a text is stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
