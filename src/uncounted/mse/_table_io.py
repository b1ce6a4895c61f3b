"""Reading and validating capture tables: CSV files, DataFrames, rows and counts.

Every reader turns its input into named columns of cells and hands them to :func:`from_columns`,
which applies the file contract once (DESIGN.md): list columns hold 0 or 1, ``count`` holds
non-negative integers, an all-zero row with a positive count is an error, and a list with no
records is dropped with a :class:`~uncounted.exceptions.DataWarning`. Errors name the file, the
1-based data row, the column and the value, and say how to fix it.

CSV files are read with the standard library's ``csv`` module, so a capture table can be read and
estimated without importing pandas; DataFrames are accepted as they are.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .._cyrillic import AMBIGUOUS, UTF8_WORD, single_byte_encoding
from ..exceptions import CaptureTableError, DataWarning, Msg
from .table import COUNT_COLUMN, MAX_LISTS

_GLOB = set("*?[")
#: Three or more bytes >= 0x80 in a row: a word in a single-byte Cyrillic code page.
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")


def from_csv(cls, path: str | Path, *, strata=None, lists=None):
    """Read a capture-table CSV (see :meth:`CaptureTable.from_csv`)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise CaptureTableError(Msg("file not found. Check the path."), file=name)
    raw = path.read_bytes()
    if not raw.strip():
        raise CaptureTableError(Msg("the file is empty. A capture table needs a header row with "
                                    "one column per list and at least one data row."), file=name)
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        # a zip (XLSX, ODS) or an old compound document (XLS): not text at all
        raise CaptureTableError(Msg(
            "this is a spreadsheet workbook, not a CSV file. Save the sheet as CSV (UTF-8) and "
            "estimate from that file."), file=name)
    text = _decode(raw, name)
    delimiter = _delimiter(text)
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                      skipinitialspace=True)
                if any(cell.strip() for cell in r)]
    except csv.Error as err:
        raise CaptureTableError(Msg("cannot be read as CSV: {err}", err=str(err)),
                                file=name) from err
    header = [h.strip() for h in rows[0]]
    if len(header) > 1 and not header[-1]:
        header = header[:-1]        # a delimiter after the last name (spreadsheets write these)
    body = []
    for i, r in enumerate(rows[1:], start=1):
        if len(r) == len(header) + 1 and not r[-1].strip():
            r = r[:-1]              # an empty field after the last column; a value there is not
        if len(r) != len(header):   # dropped: it would mean the row's values have shifted
            raise CaptureTableError(Msg(
                "this row has {n} fields where the header has {n_header}. Each row needs "
                "one value per column.", n=len(r), n_header=len(header)), file=name, row=i)
        body.append(r)
    cells = np.array(body, dtype=str).reshape(len(body), len(header))
    columns = {h: cells[:, j] for j, h in enumerate(header)}
    return from_columns(cls, header, columns, len(body), strata=strata, lists=lists, source=name)


def _decode(raw: bytes, name: str) -> str:
    """The text of a capture-table file: UTF-8 (with or without a BOM), else cp1251 or KOI8-R
    when its Cyrillic letters say which (:func:`uncounted._cyrillic.single_byte_encoding`; list
    names and stratum values such as region names are where they occur), with a
    :class:`DataWarning` naming the code page. A file that is UTF-8 in part, or whose code page
    cannot be told, is refused with the line where UTF-8 breaks, and one holding a byte its code
    page leaves undefined with that byte's line: a wrong code page would rename lists and
    strata without a word."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        error = err
    counts = np.bincount(np.frombuffer(raw, dtype=np.uint8), minlength=256)[128:].tolist()
    # Russian words are runs of high bytes; a Latin-1 or cp1252 file ("Bogot\xe1", "M\xfcller")
    # has them one by one inside Latin words, and cp1251 would read those as Cyrillic letters
    in_words = sum(len(m) for m in _HIGH_RUN.findall(raw))
    enc = (None if UTF8_WORD.search(raw) or in_words < 0.8 * sum(counts)
           else single_byte_encoding(counts))
    if enc in ("cp1251", "koi8_r"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as bad:   # a byte the code page leaves undefined (0x98)
            where, row = _line_of(raw, bad.start)
            raise CaptureTableError(Msg(
                "{where} holds byte 0x{byte:02x} (offset {offset}), which is not a character in "
                "{enc}, the code page the rest of the file is in. Fix that byte, or save the "
                "file as UTF-8.", where=where, byte=raw[bad.start], offset=bad.start, enc=enc),
                file=name, row=row) from bad
        warnings.warn(DataWarning(Msg(
            "{file}: the file is not UTF-8; it was read as {enc} (its Cyrillic letters read "
            "as Russian only in that code page). Check the list and stratum names, or save the "
            "file as UTF-8.", file=name, enc={"cp1251": "cp1251 (Windows Cyrillic)",
                                                 "koi8_r": "KOI8-R"}[enc])), stacklevel=4)
        return text
    why = (Msg(" Its Cyrillic letters read as Russian both in cp1251 and in KOI8-R, so the "
               "code page cannot be told.") if enc == AMBIGUOUS else "")
    where, row = _line_of(raw, error.start)
    raise CaptureTableError(Msg(
        "{where} is not valid UTF-8 (byte 0x{byte:02x} at offset {offset}).{why} "
        "Save the file as UTF-8.", where=where, byte=raw[error.start], offset=error.start,
        why=why), file=name, row=row) from error


def _line_of(raw: bytes, offset: int) -> tuple[Msg, int | None]:
    """Where byte ``offset`` of a file is, for a message (the header, or line N) and as the
    error's data row (None for the header)."""
    line = raw[:offset].count(b"\n") + 1
    if line == 1:
        return Msg("the header"), None
    return Msg("line {line}", line=line), line - 1


def _delimiter(text: str) -> str:
    """The field separator, read off the header line: the one of comma, semicolon and tab that
    splits it into the most fields (comma when none splits it). Spreadsheets set to Russian (and
    most European) locales save CSV with semicolons, because the comma is their decimal mark.
    Every row must then have the header's number of fields, so a wrong choice cannot pass
    unnoticed."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    best, fields = ",", 1
    for sep in (",", ";", "\t"):
        n = len(next(csv.reader([first], delimiter=sep), []))
        if n > fields:
            best, fields = sep, n
    return best


def from_frame(cls, frame, *, strata=None, lists=None, source: str = "<DataFrame>"):
    """Build a table from a pandas DataFrame in the file contract's shape."""
    header = [str(c).strip() for c in frame.columns]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise CaptureTableError(Msg("two columns are named {name!r}", name=dup), file=source,
                                column=dup)
    columns = {h: frame.iloc[:, j].to_numpy() for j, h in enumerate(header)}
    return from_columns(cls, header, columns, len(frame), strata=strata, lists=lists, source=source)


def from_rows(cls, rows, lists=None, *, source: str = "<rows>"):
    """Build a table from individual capture histories, one row per individual."""
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        header = list(lists) if lists is not None else list(dict.fromkeys(k for r in rows for k in r))
        for i, r in enumerate(rows, start=1):
            missing = [h for h in header if h not in r]
            if missing:
                raise CaptureTableError(f"this row has no value for {', '.join(missing)}",
                                        file=source, row=i, column=missing[0])
        columns = {h: [r[h] for r in rows] for h in header}
    else:
        width = len(rows[0]) if rows else len(lists or ())
        header = list(lists) if lists is not None else [f"L{j + 1}" for j in range(width)]
        for i, r in enumerate(rows, start=1):
            if len(r) != len(header):
                raise CaptureTableError(f"this row has {len(r)} values for {len(header)} lists",
                                        file=source, row=i)
        columns = {h: [r[j] for r in rows] for j, h in enumerate(header)}
    return from_columns(cls, header, columns, len(rows), lists=lists, source=source)


def from_counts(cls, counts, lists=None, *, source: str = "<counts>"):
    """Build a table from a dense count vector or a mapping of pattern strings to counts."""
    if isinstance(counts, Mapping):
        keys = list(counts)
        if not keys:
            raise CaptureTableError("no patterns given", file=source)
        k = len(keys[0])
        header = list(lists) if lists is not None else [f"L{j + 1}" for j in range(k)]
        for key in keys:
            if len(key) != k or set(key) - {"0", "1"}:
                raise CaptureTableError(f"pattern {key!r} is not a string of {k} zeros and ones",
                                        file=source)
        columns = {h: [key[j] for key in keys] for j, h in enumerate(header)}
        columns[COUNT_COLUMN] = list(counts.values())
        return from_columns(cls, [*header, COUNT_COLUMN], columns, len(keys), lists=header,
                            source=source)
    arr = np.asarray(counts, dtype=np.int64)
    n = arr.size
    if n >= 2 and n & (n - 1) == 0:
        k = n.bit_length() - 1
    elif n >= 3 and (n + 1) & n == 0:
        k = (n + 1).bit_length() - 1
        arr = np.concatenate([[0], arr])
    else:
        raise CaptureTableError(f"{n} counts given; expected 2**k or 2**k - 1 for k lists", file=source)
    if arr[0] != 0:
        raise CaptureTableError("the count of the all-zero pattern must be 0 (it is the unknown)",
                                file=source, value=arr[0])
    header = list(lists) if lists is not None else [f"L{j + 1}" for j in range(k)]
    if len(header) != k:
        raise CaptureTableError(f"{len(header)} list names for {n} counts ({k} lists)", file=source)
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise CaptureTableError("counts must be non-negative integers", file=source,
                                row=int(neg[0]), column=COUNT_COLUMN, value=int(arr[neg[0]]))
    nz = np.flatnonzero(arr)
    return _finish(cls, header, nz.astype(np.uint64), arr[nz], None, (), (), source)


def from_patterns(cls, patterns, counts, lists, *, source: str = "<patterns>"):
    """Build a table from bit masks (see :meth:`CaptureTable.from_patterns`)."""
    lists = [str(x) for x in lists]
    k = len(lists)
    if not 2 <= k <= MAX_LISTS:
        raise CaptureTableError(f"{k} lists given; a capture table needs 2 to {MAX_LISTS}",
                                file=source)
    # A sequence is read as objects first: NumPy turns a mix of small ints and ints above 2**63
    # into float64, which would round high patterns silently.
    p = patterns if isinstance(patterns, np.ndarray) else np.asarray(patterns, dtype=object)
    if p.dtype.kind == "O":
        cells = p.ravel()
        if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in cells):
            p = np.array([-1])  # floats, strings, None: refused below
        else:
            try:
                p = np.array([int(x) for x in cells], dtype=np.uint64)
            except OverflowError:  # negative, or 2**64 and above
                p = np.array([-1])
    if p.size and (p.dtype.kind not in "iu" or (p.dtype.kind == "i" and p.min() < 0)):
        raise CaptureTableError("patterns are non-negative integer bit masks below 2**64",
                                file=source)
    p = p.astype(np.uint64)
    c = np.ones(p.size, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if c.shape != p.shape:
        raise CaptureTableError(f"{c.size} counts for {p.size} patterns", file=source)
    if (c < 0).any():
        raise CaptureTableError("counts must be non-negative integers", file=source)
    high = p >> np.uint64(k) if k < 64 else np.zeros_like(p)
    bad = np.flatnonzero(((p == 0) & (c > 0)) | (high != 0))
    if bad.size:
        raise CaptureTableError(f"pattern {int(p[bad[0]])} at position {int(bad[0])} is not a "
                                f"non-zero bit mask over {k} lists", file=source)
    if c.sum() == 0:
        raise CaptureTableError(Msg("all counts are zero; there is nothing to estimate"),
                                file=source)
    return _finish(cls, lists, p, c, None, (), (), source)


def from_columns(cls, header: Sequence[str], columns: Mapping[str, Sequence], nrows: int, *,
                 strata=None, lists=None, source: str):
    """Validate named columns against the file contract and build the table."""
    strata_cols = [strata] if isinstance(strata, str) else [str(s) for s in (strata or [])]
    header = [str(h) for h in header]
    lower = {c.lower(): c for c in header}
    count_col = lower.get(COUNT_COLUMN)
    for s in strata_cols:
        if s not in header:
            raise CaptureTableError(Msg("stratum column {name!r} is not in the table; columns are "
                                        "{columns}", name=s, columns=", ".join(header)),
                                    file=source, column=s)
    list_cols = _list_columns(header, lists, count_col, strata_cols, source)
    nameless = [i for i, h in enumerate(header, start=1) if h in list_cols and not h.strip()]
    if nameless:
        # a list called '' gave estimates, diagnostics and a report with an unnamed source
        raise CaptureTableError(Msg(
            "column {position} of the header has no name. Each list column needs the list's "
            "name (it says which source the people in it came from); name it, or leave it out "
            "with --lists.", position=nameless[0]), file=source)
    if len(set(list_cols)) != len(list_cols):
        raise CaptureTableError(Msg("two list columns have the same name"), file=source)
    if nrows == 0:
        raise CaptureTableError(Msg("the table has a header but no data rows"), file=source)
    k = len(list_cols)
    if k < 2:
        raise CaptureTableError(Msg(
            "a capture table needs at least two list columns; found {k} ({names}). Other columns "
            "must be 'count' or stratum columns.", k=k, names=", ".join(list_cols) or "-"),
            file=source)
    if k > MAX_LISTS:
        raise CaptureTableError(Msg("{k} list columns: a capture table holds at most {most} lists "
                                    "(one bit each). Choose the list columns, or merge lists.",
                                    k=k, most=MAX_LISTS), file=source)
    bits = np.zeros(nrows, dtype=np.uint64)
    for j, name in enumerate(list_cols):
        values = _int_column(columns[name], source, name, binary=True,
                             count_missing=count_col is None)
        bits |= values.astype(np.uint64) << np.uint64(j)
    if count_col is not None:
        counts = _int_column(columns[count_col], source, count_col, binary=False)
    else:
        counts = np.ones(nrows, dtype=np.int64)
    zero = np.flatnonzero((bits == 0) & (counts > 0))
    if zero.size:
        raise CaptureTableError(Msg(
            "an all-zero row (caught by no list) is not allowed: the number nobody caught is what "
            "the estimate is for. Remove the row."), file=source, row=int(zero[0]) + 1,
            column=list_cols[0])
    if counts.sum() == 0:
        raise CaptureTableError(Msg("all counts are zero; there is nothing to estimate"),
                                file=source)
    groups, keys = None, ()
    if strata_cols:
        groups, keys = _stratum_ids([columns[s] for s in strata_cols], nrows, strata_cols,
                                    source)
        people = int(counts.sum())
        if len(keys) >= 20 and people < 5 * len(keys):
            # an identifier given as a stratum: thousands of strata, none estimable, each named
            warnings.warn(DataWarning(Msg(
                "{file}: {n} strata of {columns} for {people} people, fewer than 5 people each on "
                "average: most will not be estimable. Is one of these columns an identifier?",
                file=source, n=format(len(keys), ","), columns=", ".join(strata_cols),
                people=format(people, ","))), stacklevel=4)
    return _finish(cls, list_cols, bits, counts, groups, tuple(strata_cols), keys, source)


def _finish(cls, lists, bits, counts, groups, strata_cols, keys, source):
    """Build, then drop the lists with no records (with a DataWarning naming them)."""
    table = cls._build(lists, bits, counts, strata_columns=strata_cols, strata_keys=keys,
                       groups=groups, source=source)
    trimmed = table.drop_empty_lists()
    if trimmed is table:
        return table
    empty = trimmed.dropped
    warnings.warn(f"{source}: list(s) {', '.join(empty)} have no records and were dropped",
                  DataWarning, stacklevel=4)
    if trimmed.k < 2:
        raise CaptureTableError(Msg("after dropping list(s) with no records ({names}) fewer than "
                                    "two lists remain", names=", ".join(empty)), file=source)
    return trimmed


def _list_columns(header, lists, count_col, strata_cols, source) -> list[str]:
    others = [c for c in header if c != count_col and c not in strata_cols]
    if lists is None:
        return others
    out: list[str] = []
    for item in [lists] if isinstance(lists, str) else lists:
        item = str(item)
        if item in header:
            out.append(item)
            continue
        matched = fnmatch.filter(others, item) if _GLOB & set(item) else []
        if not matched:
            raise CaptureTableError(Msg("list column {name!r} is not in the table; columns are "
                                        "{columns}", name=item, columns=", ".join(header)),
                                    file=source, column=item)
        out.extend(m for m in matched if m not in out)
    return out


def _stratum_ids(cols: list[Sequence], nrows: int, names: Sequence[str],
                 source: str) -> tuple[np.ndarray, tuple]:
    """Stratum id of each row and the keys (tuples of strings) in order of first appearance.

    Values are compared without surrounding blanks ('X ' is stratum 'X', as a spreadsheet user
    means it). A row with no value (blank, or a missing value of a data frame) is refused, naming
    its row and column: it used to become a stratum labelled 'region=', estimated and summed as
    if it were a place.
    """
    values = []
    for name, c in zip(names, cols, strict=True):
        col = [_cell_str(v) for v in (c.tolist() if isinstance(c, np.ndarray) else c)]
        empty = [i for i, v in enumerate(col) if not v]
        if empty:
            raise CaptureTableError(Msg(
                "no value in stratum column {name!r} (rows without one: {n}). Each stratum's "
                "estimate needs every person's stratum: fill the missing ones in (for instance "
                "'unknown', which is then estimated as a stratum of its own), or impute them and "
                "estimate over the imputed tables with --replicates.", name=name, n=len(empty)),
                file=source, row=empty[0] + 1, column=name)
        values.append(col)
        _warn_lookalike_strata(col, name, source)
    index: dict[tuple, int] = {}
    ids = np.empty(nrows, dtype=np.int64)
    for i, key in enumerate(zip(*values, strict=True)):
        ids[i] = index.setdefault(key, len(index))
    return ids, tuple(index)


def _stratum_twin_key(value: str) -> str:
    """What two spellings of one stratum share: case and inner blanks ignored, and a number by its
    value ('1999' and '1999.0', '5' and '05')."""
    try:
        f = float(value.replace(",", "."))
    except ValueError:
        return " ".join(value.casefold().split())
    return repr(f) if math.isfinite(f) else value.casefold()


def _warn_lookalike_strata(col: list[str], name: str, source: str) -> None:
    """Warn when distinct values of a stratum column differ only in how they are written: each is
    estimated as a stratum of its own, which is right for codes ('05' and '5' may be different
    departments) and wrong for a spreadsheet's mixed cells ('1999' and '1999.0'), so the values
    are kept and the user told."""
    twins: dict[str, set[str]] = {}
    for v in set(col):
        twins.setdefault(_stratum_twin_key(v), set()).add(v)
    groups = sorted(sorted(g) for g in twins.values() if len(g) > 1)
    if groups:
        shown = "; ".join(" / ".join(repr(v) for v in g) for g in groups[:3])
        warnings.warn(DataWarning(Msg(
            "{file}: stratum column {name!r} has values that differ only in how they are written "
            "({shown}{more}); each is estimated as a stratum of its own. If they are one stratum, "
            "write them the same way.", file=source, name=name, shown=shown,
            more=", ..." if len(groups) > 3 else "")), stacklevel=5)


def _cell_str(v) -> str:
    """A stratum value as text without surrounding blanks; '' for a missing one (None, NaN, NA)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    try:
        if v != v:          # NaN, NaT
            return ""
    except TypeError:       # pandas' NA has no truth value
        return ""
    return str(v).strip()


def _int_column(col, source: str, name: str, *, binary: bool,
                count_missing: bool = False) -> np.ndarray:
    """Parse a column as integers (0/1 for a list), raising a located error at the first bad cell.

    ``count_missing``: the table has no count column, so a list column holding whole numbers
    above 1 is likely the counts under another name ('freq'), and the error says so."""
    arr = np.asarray(col)
    out = None
    if arr.dtype.kind in "iub":
        out = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        ok = np.isfinite(arr) & (arr == np.round(arr))
        out = arr.astype(np.int64) if ok.all() else None
    else:
        text = arr if arr.dtype.kind == "U" else arr.astype(str)
        try:  # NumPy parses integers with surrounding blanks
            out = text.astype(np.int64)
        except (ValueError, OverflowError):
            out = None
    if out is None:
        out = _parse_slowly(list(col), source, name, binary)
    bad = np.flatnonzero((out != 0) & (out != 1)) if binary else np.flatnonzero(out < 0)
    if bad.size:
        _raise_cell(source, name, int(bad[0]), list(col)[int(bad[0])], binary,
                    counts=count_missing and out[bad[0]] > 1)
    return out


_GROUPED = re.compile("[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+")   # '1 023': a Russian spreadsheet's
                                                                 # thousands, spaced (NBSP)


def _parse_slowly(values: list, source: str, name: str, binary: bool) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        try:
            if isinstance(v, str) and not binary and _GROUPED.fullmatch(v.strip()):
                v = re.sub("[ \u00a0\u202f]", "", v)
            f = float(v.strip()) if isinstance(v, str) else float(v)
            if not math.isfinite(f) or f != int(f):
                raise ValueError
            out[i] = int(f)
        except (TypeError, ValueError):
            _raise_cell(source, name, i, v, binary)
    return out


def _raise_cell(source: str, name: str, i: int, value, binary: bool, counts: bool = False):
    """The located error of a bad cell; ``counts``: the list column looks like the counts."""
    if isinstance(value, np.generic):  # 'Иванов', not np.str_('Иванов')
        value = value.item()
    if isinstance(value, str) and not value.strip():
        # an empty cell is not read as 0: in a list column it may mean 'not known'
        raise CaptureTableError(Msg(
            "this cell is empty. Write 0 where the person is not on this list (or, in the count "
            "column, the number of people); an empty cell is not read as 0."),
            file=source, row=i + 1, column=name, value=value)
    if not binary:
        raise CaptureTableError(Msg("counts must be non-negative integers; got {value!r}",
                                    value=value), file=source, row=i + 1, column=name, value=value)
    if counts:      # 'freq' or 'n' holding the counts was read as a list
        raise CaptureTableError(Msg(
            "list columns hold 0 or 1 (caught by this list or not); got {value!r}. If {name!r} "
            "holds how many people have each pattern, name it 'count'; if it is not a list, name "
            "it as a stratum column or choose the list columns explicitly.",
            value=value, name=name), file=source, row=i + 1, column=name, value=value)
    raise CaptureTableError(Msg(
        "list columns hold 0 or 1 (caught by this list or not); got {value!r}. If {name!r} is not "
        "a list, name it as a stratum column or choose the list columns explicitly.",
        value=value, name=name), file=source, row=i + 1, column=name, value=value)


def is_dataframe(obj) -> bool:
    """True for a pandas DataFrame (without importing pandas when it is not loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)

