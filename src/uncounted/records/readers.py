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
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import RecordError

__all__ = ["SourceFile", "detect_encoding", "open_source", "sniff_delimiter"]

CHUNK_ROWS = 100_000
SAMPLE_BYTES = 1 << 20
_FREQUENT_RU = set("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё")
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

    def chunks(self, progress: Callable[[int], None] | None = None,
               chunk_rows: int = CHUNK_ROWS) -> Iterator:
        """DataFrames of at most ``chunk_rows`` rows; ``progress(bytes_done)`` after each."""
        reader = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "jsonl": _jsonl_chunks}[self.format]
        yield from reader(self, progress, chunk_rows)


def _err(src: SourceFile | Path, message: str, **where) -> RecordError:
    path = src.path if isinstance(src, SourceFile) else src
    return RecordError(message, file=path.name, **where)


def _scan(path: Path) -> tuple[str, int, bool, int | None, bytes]:
    """SHA-256, size, whether the whole file is valid UTF-8, first NUL offset, first 1 MB."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, nul_at, size, head = True, None, 0, b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            if utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
            if nul_at is None and (i := block.find(b"\x00")) >= 0:
                nul_at = size + i
            if len(head) < SAMPLE_BYTES:
                head += block[:SAMPLE_BYTES - len(head)]
            size += len(block)
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    return digest.hexdigest(), size, utf8_ok, nul_at, head


def detect_encoding(sample: bytes, utf8_ok: bool | None = None) -> str | None:
    """The encoding of a text sample: BOMs first, then UTF-8, then cp1251 or KOI8-R.

    cp1251 and KOI8-R both decode any byte, so they are told apart by which one turns the bytes
    into the frequent lower-case Russian letters; with few Cyrillic letters, charset-normalizer
    decides. Returns ``None`` when nothing fits.
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
    high = sum(b >= 0x80 for b in sample)
    scores = {}
    for enc in ("cp1251", "koi8_r"):
        try:
            scores[enc] = sum(ch in _FREQUENT_RU for ch in sample.decode(enc))
        except UnicodeDecodeError:  # cp1251 leaves 0x98 undefined
            continue
    best = max(scores, key=scores.get) if scores else None
    if best and high and scores[best] >= 0.5 * high:
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


def open_source(path: str | Path) -> SourceFile:
    """Scan a source-list file and work out its format, encoding, delimiter and headers.

    Raises
    ------
    RecordError
        For a missing or empty file, a binary file, an undetectable encoding, or no header row.
    """
    path = Path(path)
    if not path.is_file():
        raise _err(path, "no such file. Check the path.")
    sha, size, utf8_ok, nul_at, head = _scan(path)
    if size == 0:
        raise _err(path, "the file is empty. Export the list with a header row and its records.")
    fmt = _FORMATS.get(path.suffix.lower())
    if head.startswith(b"PK\x03\x04"):
        fmt = "xlsx"
    elif fmt is None:
        fmt = "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"
    src = SourceFile(path, fmt, sha, size)
    if fmt == "xlsx":
        return src
    encoding = detect_encoding(head, utf8_ok)
    if nul_at is not None and encoding != "utf-16":
        raise _err(path, f"the file holds a NUL byte at byte {nul_at:,}: it is binary or UTF-16 "
                         "without a byte-order mark, not a text list. Save it as CSV (UTF-8).")
    if encoding is None:
        raise _err(path, "cannot tell the text encoding. Save the file as UTF-8.")
    src.encoding = encoding
    if fmt == "csv":
        text = head.decode(encoding, errors="ignore")
        src.delimiter = sniff_delimiter(text)
    return src


# ----------------------------------------------------------------------------- CSV
def _csv_chunks(src: SourceFile, progress, chunk_rows: int):
    import pandas as pd

    with src.path.open("rb") as fh:
        try:
            reader = pd.read_csv(fh, sep=src.delimiter, encoding=src.encoding, dtype=str,
                                 keep_default_na=False, na_filter=False, chunksize=chunk_rows,
                                 engine="c", skip_blank_lines=True, quoting=csv.QUOTE_MINIMAL)
            first, n_rows = True, 0
            for chunk in reader:
                if first:
                    _check_headers(src, list(chunk.columns))
                    first = False
                if len(chunk):
                    n_rows += len(chunk)
                    yield chunk.fillna("")
                if progress:
                    progress(fh.tell())
            if not n_rows:
                raise _err(src, "the file has a header row but no records.")
        except pd.errors.EmptyDataError as e:
            raise _err(src, "no header row. The first line must name the columns.") from e
        except pd.errors.ParserError as e:
            raise _err(src, f"the CSV cannot be parsed: {e}. Check quoting (a stray \" opens a "
                            "quoted field) and that every row has as many fields as the header.") from e
        except UnicodeDecodeError as e:
            raise _err(src, f"a byte is not valid {src.encoding} ({e.reason}). Save the file as "
                            "UTF-8.") from e


def _check_headers(src: SourceFile, headers: list[str]) -> None:
    src.headers = [str(h) for h in headers]
    for h in src.headers:
        if h.startswith("Unnamed: "):
            raise _err(src, "a header cell is empty; every column needs a name.", column=h)
        if "." in h and h.rsplit(".", 1)[0] in src.headers and h.rsplit(".", 1)[1].isdigit():
            raise _err(src, "the header appears twice; rename one of the columns.",
                       column=h.rsplit(".", 1)[0])


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
    import pandas as pd
    from openpyxl import load_workbook

    try:
        wb = load_workbook(src.path, read_only=True, data_only=True)
    except Exception as e:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise _err(src, f"not a readable XLSX workbook ({type(e).__name__}: {e}). Re-save it from "
                        "the spreadsheet program, or export CSV.") from e
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise _err(src, "the first sheet is empty.")
        while header and header[-1] is None:
            header = header[:-1]
        headers = [_cell_text(h) for h in header]
        if any(h == "" for h in headers):
            raise _err(src, "a header cell is empty; every column needs a name.")
        src.headers = headers
        batch: list[list[str]] = []
        n = 0
        for row in rows:
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
                raise _err(src, "the sheet has a header row but no records.")
            yield pd.DataFrame(batch, columns=headers, dtype=object)
        if progress:
            progress(src.n_bytes)
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
        raise _err(src, "no records: the file has no JSON objects.")
    src.headers = list(headers)
    for start in range(0, len(objects), chunk_rows):
        part = objects[start:start + chunk_rows]
        yield pd.DataFrame([[_json_text(o.get(h)) for h in src.headers] for o in part],
                           columns=src.headers, dtype=object)
        if progress:
            progress(int(src.n_bytes * min(1.0, (start + len(part)) / len(objects))))
