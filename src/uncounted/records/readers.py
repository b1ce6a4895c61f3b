"""Readers for source lists: CSV (any delimiter, UTF-8 with or without BOM, UTF-16 with BOM,
cp1251, KOI8-R), XLSX and JSON lines, streamed in chunks of string-valued DataFrames.

:func:`open_source` scans the file once (SHA-256, encoding check, NUL bytes) and returns a
:class:`SourceFile` whose :meth:`~SourceFile.chunks` yields DataFrames with the original headers,
every value a string (``""`` when empty). Nothing is evaluated: a cell ``=cmd|' /C calc'!A0`` is the
text ``=cmd|' /C calc'!A0``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .._cyrillic import AMBIGUOUS as _AMBIGUOUS
from .._cyrillic import UTF8_WORD as _UTF8_WORD
from .._cyrillic import single_byte_encoding as _single_byte_encoding
from ..exceptions import DataWarning, Msg, RecordError

__all__ = ["SourceFile", "detect_encoding", "open_source", "sniff_delimiter"]

CHUNK_ROWS = 100_000
SAMPLE_BYTES = 1 << 20
_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
            ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


@dataclass
class SourceFile:
    """A source-list file, scanned: what it is and how to read it."""

    path: Path
    format: str
    sha256: str
    n_bytes: int
    encoding: str | None = None
    delimiter: str | None = None
    headers: list[str] = field(default_factory=list)
    sheet: str | None = None

    def chunks(self, progress: Callable[[int], None] | None = None,
               chunk_rows: int = CHUNK_ROWS) -> Iterator:
        """DataFrames of at most ``chunk_rows`` rows; ``progress(bytes_done)`` after each."""
        reader = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "jsonl": _jsonl_chunks}[self.format]
        yield from reader(self, progress, chunk_rows)


def _err(src: SourceFile | Path, message: str, **where) -> RecordError:
    path = src.path if isinstance(src, SourceFile) else src
    return RecordError(message, file=path.name, **where)


@dataclass
class _Scan:
    """What one pass over the bytes of a file found."""

    sha256: str
    size: int
    head: bytes
    nul_at: int | None = None
    bad_utf8_at: int | None = None       # offset of the first byte that breaks UTF-8
    first_high_at: int | None = None     # offset of the first byte >= 0x80
    utf8_word_at: int | None = None      # offset of the first run of UTF-8 Cyrillic letters
    high_before_break: int = 0           # bytes >= 0x80 before bad_utf8_at (valid UTF-8 there)
    high_counts: list[int] = field(default_factory=lambda: [0] * 128)  # bytes 0x80..0xFF

    @property
    def utf8_ok(self) -> bool:
        return self.bad_utf8_at is None


#: High bytes of valid UTF-8 before the first invalid one that make a file "UTF-8 that breaks"
#: rather than a single-byte file (four Cyrillic letters; chance pairs in cp1251 are one or two).
UTF8_EVIDENCE = 8
_HIGH = re.compile(rb"[\x80-\xff]")


def _scan(path: Path) -> _Scan:
    """SHA-256, size, the first 1 MB, where UTF-8 breaks, the first NUL, the high-byte counts."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    scan = _Scan("", 0, b"")
    size, head, tail = 0, b"", b""
    counts = [0] * 256
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            if scan.bad_utf8_at is None:
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as e:
                    scan.bad_utf8_at = size - len(pending) + e.start
                    scan.high_before_break = sum(counts[128:]) + len(_HIGH.findall(
                        block[:max(0, e.start - len(pending))]))
            if scan.nul_at is None and (i := block.find(b"\x00")) >= 0:
                scan.nul_at = size + i
            if scan.first_high_at is None and (m := _HIGH.search(block)):
                scan.first_high_at = size + m.start()
            if scan.first_high_at is not None:
                for b, n in enumerate(_byte_counts(block)):
                    counts[b] += n
                if scan.utf8_word_at is None and (m := _UTF8_WORD.search(tail + block)):
                    scan.utf8_word_at = size - len(tail) + m.start()
            tail = block[-6:]
            if len(head) < SAMPLE_BYTES:
                head += block[:SAMPLE_BYTES - len(head)]
            size += len(block)
    if scan.bad_utf8_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            scan.bad_utf8_at = size - len(decoder.getstate()[0])
    scan.sha256, scan.size, scan.head, scan.high_counts = digest.hexdigest(), size, head, counts[128:]
    return scan


def _byte_counts(block: bytes) -> list[int]:
    import numpy as np

    return np.bincount(np.frombuffer(block, dtype=np.uint8), minlength=256).tolist()


def detect_encoding(sample: bytes, utf8_ok: bool | None = None) -> str | None:
    """The encoding of a text sample: BOMs first, then UTF-8, then cp1251 or KOI8-R.

    cp1251 and KOI8-R both decode any byte, so they are told apart by which one turns the bytes
    into Russian letters with Russian frequencies (:func:`_single_byte_encoding`); with few
    Cyrillic letters, charset-normalizer decides. Returns ``None`` when nothing fits.
    (:func:`open_source` decides on the whole file, not a sample.)
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf8_ok is None:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            utf8_ok = True
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        return "utf-8"
    counts = [0] * 128
    for b in sample:
        if b >= 0x80:
            counts[b - 128] += 1
    best = _single_byte_encoding(counts)
    if best and best != _AMBIGUOUS:
        return best
    from charset_normalizer import from_bytes

    guess = from_bytes(sample).best()
    return guess.encoding if guess is not None else None


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV sample among ``, ; TAB |`` (``,`` for a single column)."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def open_source(path: str | Path, *, sheet: str | None = None) -> SourceFile:
    """Scan a source-list file and work out its format, encoding, delimiter and headers.

    The encoding holds for the whole file: a UTF-8 file in which one row further down is not
    UTF-8, or a cp1251/KOI8-R file holding a row of UTF-8 text, is refused with the row named
    (decoding either as one encoding would garble those rows, or all the others).

    Parameters
    ----------
    sheet
        For a workbook: the sheet to read (default the first; other sheets holding data are
        named in a warning).

    Raises
    ------
    RecordError
        For a missing or empty file, a binary file, an undetectable or mixed encoding, or no
        header row.
    """
    path = Path(path)
    if not path.is_file():
        raise _err(path, Msg("no such file. Check the path."))
    scan = _scan(path)
    head = scan.head
    if scan.size == 0:
        raise _err(path, Msg("the file is empty. Export the list with a header row and its "
                             "records."))
    fmt = _FORMATS.get(path.suffix.lower())
    if head.startswith(b"PK\x03\x04"):
        fmt = "xlsx"
    elif fmt is None:
        fmt = "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"
    src = SourceFile(path, fmt, scan.sha256, scan.size, sheet=sheet)
    if fmt == "xlsx":
        src.sheet = _sheet_name(src, sheet)
        return src
    if sheet is not None:
        raise _err(path, Msg("--sheet {sheet!r} is for workbooks (XLSX); this file is {fmt}.",
                             sheet=sheet, fmt=fmt))
    encoding = _file_encoding(src, scan)
    if scan.nul_at is not None and encoding != "utf-16":
        row = line = None
        if encoding is not None:
            src.encoding = encoding
            src.delimiter = sniff_delimiter(head.decode(encoding, errors="ignore"))
            row, line = _row_at(src, scan.nul_at)
        where = Msg(" (line {line:,})", line=line) if line else ""
        raise _err(path, Msg("the file holds a NUL byte at byte {byte:,}{where}: it is binary "
                             "or UTF-16 without a byte-order mark, not a text list. Save it as "
                             "CSV (UTF-8).", byte=scan.nul_at, where=where), row=row)
    if encoding is None:
        raise _err(path, Msg("cannot tell the text encoding. Save the file as UTF-8."))
    src.encoding = encoding
    if fmt == "csv":
        text = head.decode(encoding, errors="ignore")
        src.delimiter = sniff_delimiter(text)
    if encoding in ("cp1251", "koi8_r") and scan.utf8_word_at is not None:
        row, line = _row_at(src, scan.utf8_word_at)
        raise _err(src, Msg("the file reads as {encoding}, but line {line:,} holds UTF-8 text: "
                            "part of the file was saved in another encoding. Save the whole file "
                            "as UTF-8.", encoding=encoding, line=line), row=row)
    return src


def _file_encoding(src: SourceFile, scan: _Scan) -> str | None:
    """The encoding of the whole file (the BOM, UTF-8, or the single-byte code page that fits
    every high byte); a UTF-8 file that stops being UTF-8 part-way is an error naming the row."""
    head = scan.head
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom = head.startswith(codecs.BOM_UTF8)
    if scan.utf8_ok:
        return "utf-8-sig" if bom else "utf-8"
    if bom or scan.high_before_break >= UTF8_EVIDENCE:
        # UTF-8 text (a BOM, or several UTF-8 letters before the break) up to a byte that is not
        # UTF-8. A few high bytes can be valid UTF-8 by chance in cp1251 ("СЁ", "Р»"): those
        # files go on to the code-page test below
        src.encoding = "utf-8-sig" if bom else "utf-8"
        if src.format == "csv":
            src.delimiter = sniff_delimiter(head.decode(src.encoding, errors="ignore"))
        row, line = _row_at(src, scan.bad_utf8_at)
        byte = scan.bad_utf8_at
        raise _err(src, Msg("the file is UTF-8 up to line {line:,} (byte {byte:,}), where a byte "
                            "is not UTF-8: part of the file was saved in another encoding (often "
                            "cp1251). Save the whole file as UTF-8.", line=line, byte=byte),
                   row=row)
    best = _single_byte_encoding(scan.high_counts)
    if best == _AMBIGUOUS:
        raise _err(src, Msg("the file is not UTF-8, and its few Cyrillic letters read as Russian "
                            "both in cp1251 and in KOI8-R: cannot tell which. Save the file as "
                            "UTF-8."))
    if best is not None:
        return best
    # neither Russian code page fits: any other guess (charset-normalizer's on a few bytes) could
    # garble values without a word, so the file is refused
    return None


def _row_at(src: SourceFile, offset: int) -> tuple[int | None, int]:
    """The data row (1-based, header excluded; None for the header) and the file line holding
    byte ``offset``. Rows are counted as the reader counts them: quoted line breaks stay inside
    a row, blank lines are not rows."""
    line = 1
    prefix: list[str] = []
    with src.path.open("rb") as fh:
        pos = 0
        for raw in fh:
            if pos + len(raw) > offset:
                break
            prefix.append(raw.decode(src.encoding or "utf-8", errors="replace"))
            pos += len(raw)
            line += 1
    if src.format != "csv":
        return (line if src.format == "jsonl" else None), line
    if prefix and prefix[0].startswith("\ufeff"):
        prefix[0] = prefix[0][1:]
    try:
        n_records = sum(1 for rec in csv.reader(prefix, delimiter=src.delimiter or ",") if rec)
    except csv.Error:
        return None, line
    return (n_records if n_records else None), line


# ----------------------------------------------------------------------------- CSV
def _csv_header(src: SourceFile) -> list[str]:
    """The header row, read with Python's csv module from the first megabyte."""
    with src.path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    text = head.decode(src.encoding, errors="ignore")
    text = text.removeprefix("\ufeff")
    try:
        for rec in csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter):
            if any(c.strip() for c in rec):
                return rec
    except csv.Error as e:
        raise _err(src, f"the header row cannot be parsed: {e}.") from e
    raise _err(src, Msg("no header row. The first line must name the columns."))


def _csv_chunks(src: SourceFile, progress, chunk_rows: int):
    """Rows as DataFrames with the header's columns.

    A trailing delimiter (an empty field after the last column, in the header or in data rows)
    is recognised and dropped; a row with a value after the last column is an error naming the
    row, never a shift of the row's values into the wrong columns.
    """
    import pandas as pd

    headers = _csv_header(src)
    if len(headers) > 1 and headers[-1].strip() == "":
        headers = headers[:-1]                # the header row itself ends with a delimiter
    _check_headers(src, headers)
    n = len(headers)
    names = [f"_c{i}" for i in range(n + 1)]  # one more: the empty field of a trailing delimiter
    extra = names[-1]
    with src.path.open("rb") as fh:
        try:
            reader = pd.read_csv(fh, sep=src.delimiter, encoding=src.encoding, dtype=str,
                                 header=None, names=names,
                                 index_col=False, keep_default_na=False, na_filter=False,
                                 chunksize=chunk_rows, engine="c", skip_blank_lines=True,
                                 quoting=csv.QUOTE_MINIMAL)
            n_rows, header_seen = 0, False
            for chunk in reader:
                if not header_seen:   # the header row is read as data: pandas then takes the
                    chunk = chunk.iloc[1:]  # names' width as every row's, and errs beyond it
                    header_seen = True
                chunk = chunk.fillna("")
                spill = chunk[extra].to_numpy() != ""
                if spill.any():
                    i = int(spill.argmax())
                    raise _err(src, Msg("this row has a value after the last column ({n} columns "
                                        "in the header): {value!r}. A delimiter inside a value "
                                        "must be quoted; check the row.", n=n,
                                        value=_short(chunk[extra].iloc[i])),
                               row=n_rows + i + 1, column=f"#{n + 1}")
                chunk = chunk.drop(columns=extra).reset_index(drop=True)
                chunk.columns = headers
                if len(chunk):
                    n_rows += len(chunk)
                    yield chunk
                if progress:
                    progress(fh.tell())
            if not n_rows:
                raise _err(src, Msg("the file has a header row but no records."))
        except pd.errors.EmptyDataError as e:
            raise _err(src, Msg("the file has a header row but no records.")) from e
        except pd.errors.ParserError as e:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
            if m:
                row, _ = _row_at(src, _line_offset(src, int(m.group(2))))
                raise _too_many_fields(src, row, int(m.group(3)), n,
                                       line=int(m.group(2))) from e
            raise _err(src, f"the CSV cannot be parsed: {e}. Check quoting (a stray \" opens a "
                            "quoted field) and that every row has as many fields as the header.") from e
        except UnicodeDecodeError as e:
            raise _err(src, f"a byte is not valid {src.encoding} ({e.reason}). Save the file as "
                            "UTF-8.") from e


def _too_many_fields(src, row, n_fields, n, line=None) -> RecordError:
    where = Msg(" (line {line:,})", line=line) if line else ""
    return _err(src, Msg("this row{where} has {n_fields} fields, the header {n}: a delimiter "
                         "inside a value must be quoted, or a value is out of place. Check the "
                         "row.", where=where, n_fields=n_fields, n=n), row=row)


def _line_offset(src: SourceFile, line: int) -> int:
    """The byte offset where physical line ``line`` (1-based) starts."""
    pos = 0
    with src.path.open("rb") as fh:
        for i, raw in enumerate(fh, start=1):
            if i >= line:
                break
            pos += len(raw)
    return pos


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + f"... ({len(value):,} characters)"


def _check_headers(src: SourceFile, headers: list[str]) -> None:
    src.headers = [str(h) for h in headers]
    for i, h in enumerate(src.headers, start=1):
        if h.strip() == "":
            raise _err(src, Msg("a header cell is empty; every column needs a name."),
                       column=f"#{i}")
    seen: set[str] = set()
    for h in src.headers:
        if h in seen:
            raise _err(src, Msg("the header appears twice; rename one of the columns."), column=h)
        seen.add(h)


# ----------------------------------------------------------------------------- XLSX
def _cell_text(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_chunks(src: SourceFile, progress, chunk_rows: int):
    """Rows of one sheet (``src.sheet``, else the first). A formula cell is read by the value the
    spreadsheet saved with it; one saved without a value (written by a program that does not
    calculate) is an error naming the cells, never an empty value. Other sheets holding data are
    named in a warning."""
    import pandas as pd
    from openpyxl import load_workbook

    try:
        wb = load_workbook(src.path, read_only=True, data_only=True)
    except Exception as e:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise _err(src, f"not a readable XLSX workbook ({type(e).__name__}: {e}). Re-save it from "
                        "the spreadsheet program, or export CSV.") from e
    try:
        ws = _pick_sheet(src, wb)
        formulas = _formula_cells_without_value(src, ws) if _has_formulas(src, ws) else []
        if formulas:
            shown = ", ".join(formulas[:10]) + (f" and {len(formulas) - 10:,} more"
                                                if len(formulas) > 10 else "")
            raise _err(src, f"sheet {ws.title!r}: {len(formulas):,} formula cell(s) have no saved "
                            f"value ({shown}), so their values are unknown. Open the file in a "
                            "spreadsheet program, let it calculate, and save it (or export CSV).")
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise _err(src, Msg("the sheet {sheet!r} is empty.", sheet=ws.title))
        while header and header[-1] is None:
            header = header[:-1]
        headers = [_cell_text(h) for h in header]
        if any(h == "" for h in headers):
            raise _err(src, Msg("a header cell is empty; every column needs a name."))
        src.headers = headers
        batch: list[list[str]] = []
        n = 0
        for i, row in enumerate(rows, start=1):
            spill = [v for v in row[len(headers):] if v is not None and _cell_text(v).strip()]
            if spill:
                raise _err(src, f"sheet {ws.title!r}: this row has a value beyond the last "
                                f"named column ({len(headers)} columns): {_cell_text(spill[0])!r}. "
                                "Give the column a header or remove the value.", row=i)
            cells = [_cell_text(v) for v in row[:len(headers)]]
            if not any(cells):
                continue
            batch.append(cells + [""] * (len(headers) - len(cells)))
            if len(batch) >= chunk_rows:
                n += len(batch)
                yield pd.DataFrame(batch, columns=headers, dtype=object)
                batch = []
        if batch or not n:
            if not batch:
                raise _err(src, Msg("the sheet has a header row but no records."))
            yield pd.DataFrame(batch, columns=headers, dtype=object)
        if progress:
            progress(src.n_bytes)
    finally:
        wb.close()


def _sheet_name(src: SourceFile, sheet: str | None) -> str | None:
    """The sheet that will be read: ``sheet`` (checked) or the first (None if unreadable; the
    reader then says why)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(src.path, read_only=True)
    except Exception:  # noqa: BLE001  (the reader reports an unreadable workbook)
        return sheet
    try:
        names = wb.sheetnames
    finally:
        wb.close()
    if sheet is None:
        return names[0] if names else None
    if sheet not in names:
        raise _err(src, Msg("no sheet {sheet!r} in this workbook; its sheets: {sheets}.",
                            sheet=sheet, sheets=", ".join(map(repr, names))))
    return sheet


def _pick_sheet(src: SourceFile, wb):
    """The sheet to read; warns naming the other sheets that hold data."""
    names = [w.title for w in wb.worksheets]
    if src.sheet is not None:
        if src.sheet not in names:
            raise _err(src, f"no sheet {src.sheet!r} in this workbook; its sheets: "
                            f"{', '.join(map(repr, names))}.", column=None)
        ws = wb[src.sheet]
    else:
        ws = wb.worksheets[0]
    others = [w.title for w in wb.worksheets if w.title != ws.title and _has_data(w)]
    if others:
        warnings.warn(f"{src.path.name}: read sheet {ws.title!r} only; the workbook has other "
                      f"sheets with data: {', '.join(map(repr, others))}. Import one with "
                      "--sheet NAME (as its own list, or instead).", DataWarning, stacklevel=4)
    src.sheet = ws.title
    return ws


def _has_data(ws) -> bool:
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() for v in row):
            return True
    return False


def _has_formulas(src: SourceFile, ws) -> bool:
    """Whether the sheet's XML holds any formula element (streamed; most lists have none)."""
    import zipfile

    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return True
    with zipfile.ZipFile(src.path) as z, z.open(path.lstrip("/")) as fh:
        tail = b""
        while block := fh.read(1 << 20):
            if re.search(rb"<(?:\w+:)?f[ >/]", tail + block):
                return True
            tail = block[-8:]
    return False


def _formula_cells_without_value(src: SourceFile, ws) -> list[str]:
    """Coordinates of the formula cells whose saved value is empty."""
    from openpyxl import load_workbook

    wb = load_workbook(src.path, read_only=True, data_only=False)
    try:
        missing = []
        values = ws.iter_rows(values_only=True)
        for cells, vals in zip(wb[ws.title].iter_rows(), values, strict=False):
            for cell, value in zip(cells, vals, strict=False):
                if value is None and getattr(cell, "data_type", None) == "f":
                    missing.append(cell.coordinate)
        return missing
    finally:
        wb.close()


# ----------------------------------------------------------------------------- JSON lines
def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _jsonl_objects(src: SourceFile) -> tuple[list[dict], dict[str, None]]:
    objects: list[dict] = []
    headers: dict[str, None] = {}
    with open(src.path, encoding=src.encoding, newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as e:
                msg = getattr(e, "msg", "nested too deeply")
                raise _err(src, f"line {lineno} is not a JSON object ({msg}). Each line must be "
                                "one object such as {\"surname\": \"Иванов\"}.", row=lineno) from e
            if not isinstance(obj, dict):
                raise _err(src, f"line {lineno} is a JSON {type(obj).__name__}, not an object.",
                           row=lineno)
            headers.update(dict.fromkeys(str(k) for k in obj))
            objects.append(obj)
    return objects, headers


def _jsonl_chunks(src: SourceFile, progress, chunk_rows: int):
    import pandas as pd

    try:
        objects, headers = _jsonl_objects(src)
    except UnicodeDecodeError as e:
        raise _err(src, f"a byte is not valid {src.encoding} ({e.reason}). Save the file as "
                        "UTF-8.") from e
    if not objects:
        raise _err(src, Msg("no records: the file has no JSON objects."))
    src.headers = list(headers)
    for start in range(0, len(objects), chunk_rows):
        part = objects[start:start + chunk_rows]
        yield pd.DataFrame([[_json_text(o.get(h)) for h in src.headers] for o in part],
                           columns=src.headers, dtype=object)
        if progress:
            progress(int(src.n_bytes * min(1.0, (start + len(part)) / len(objects))))
