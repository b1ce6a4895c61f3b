"""Write simulated lists as files, byte for byte reproducibly: CSV (any encoding) and XLSX.

XLSX files are zip archives that normally carry the time of writing twice (the zip entries' dates
and ``docProps/core.xml``); both are fixed here so the same seed gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .._safe_csv import SafeWriter, xlsx_text_cell
from ..exceptions import ConfigError

#: column headers by language; ``record_id`` is kept as is in Russian files
HEADERS = {
    "en": {"record_id": "record_id", "surname": "surname", "given_name": "given_name",
           "patronymic": "patronymic", "full_name": "full_name", "birth_date": "birth_date",
           "death_date": "death_date", "region": "region", "unit": "unit", "rank": "rank",
           "category": "category", "source_url": "source_url", "age": "age"},
    "ru": {"record_id": "record_id", "surname": "фамилия", "given_name": "имя",
           "patronymic": "отчество", "full_name": "ФИО", "birth_date": "дата рождения",
           "death_date": "дата смерти", "region": "регион", "unit": "часть", "rank": "звание",
           "category": "категория", "source_url": "источник", "age": "возраст"},
}
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def columns_for(layout: str) -> list[str]:
    """Field order of a list file for a name layout (``split`` or ``full_name``)."""
    names = ["full_name"] if layout == "full_name" else ["surname", "given_name", "patronymic"]
    return ["record_id", *names, "birth_date", "death_date", "region", "unit", "rank", "category",
            "source_url"]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str) -> None:
    """Write a CSV with ``\\n`` line ends in ``encoding`` (``utf-8-sig`` adds a BOM)."""
    buf = io.StringIO()
    w = SafeWriter(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError as err:
        bad = err.object[err.start:err.end]
        raise ConfigError(f"cannot be written in {encoding}: the character {bad!r} has no code in it. "
                          "Use encoding = \"utf-8\" for this list or another transliteration.",
                          file=str(path), column="encoding", value=encoding) from err
    path.write_bytes(data)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], sheet: str) -> None:
    """Write an XLSX with one sheet, every cell text, with fixed timestamps (reproducible bytes)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "list"
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            xlsx_text_cell(ws.cell(row=r, column=c), value)  # text, never a formula
    wb.properties.creator = "uncounted simulate"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)  # sets 'modified' to now: fixed below
    path.write_bytes(_normalise_zip(raw.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and fixed dates inside docProps/core.xml."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\3",
                              text)
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()
