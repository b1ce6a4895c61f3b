"""The source-list contract: canonical fields, their English and Russian headers, row errors.

A source list (CSV, XLSX or JSON lines) has headers in English or Russian, in any case and with any
spacing or punctuation (``Дата рождения``, ``date_of_birth``, ``DOB``). :func:`map_headers` maps
them onto the fields below; columns it does not know are kept as *extras* (JSON in the store).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import Msg, RecordError

__all__ = ["FIELDS", "HEADER_SYNONYMS", "RowError", "header_token", "map_headers"]

FIELDS = ("record_id", "surname", "given_name", "patronymic", "full_name", "birth_date",
          "age", "death_date", "reported_date", "region", "unit", "rank", "source_url", "notes")

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "id", "record", "no", "n", "nr", "№", "номер", "код",
                  "идентификатор", "номер записи"),
    "surname": ("surname", "last name", "lastname", "family name", "фамилия"),
    "given_name": ("given_name", "given name", "first name", "firstname", "forename", "имя"),
    "patronymic": ("patronymic", "middle name", "middlename", "father's name", "отчество"),
    "full_name": ("full_name", "full name", "name", "person", "фио", "ф.и.о.", "полное имя",
                  "имя фамилия", "фамилия имя отчество", "фамилия, имя, отчество"),
    "birth_date": ("birth_date", "birth date", "date of birth", "dob", "born", "birth",
                   "birth year", "birthyear", "year of birth", "дата рождения", "год рождения",
                   "родился", "рождение", "д.р.", "др"),
    "age": ("age", "age at death", "aged", "возраст", "лет", "полных лет",
            "возраст на момент гибели", "возраст на момент смерти"),
    "death_date": ("death_date", "death date", "date of death", "died", "death", "year of death",
                   "дата смерти", "дата гибели", "год смерти", "год гибели", "погиб", "умер",
                   "дата смерти/гибели", "смерть"),
    "reported_date": ("reported_date", "reported date", "date reported", "report date",
                      "death confirmed date", "date confirmed", "confirmed", "published",
                      "дата сообщения", "дата публикации", "дата подтверждения", "сообщено",
                      "опубликовано"),
    "region": ("region", "oblast", "federal subject", "subject", "home region", "регион",
               "область", "субъект", "субъект рф", "регион происхождения", "откуда"),
    "unit": ("unit", "unit type", "unittype", "military unit", "branch", "часть",
             "воинская часть", "подразделение", "в/ч", "вч", "род войск", "формирование"),
    "rank": ("rank", "military rank", "звание", "воинское звание"),
    "source_url": ("source_url", "source", "sources", "source url", "url", "link", "links",
                   "ссылка", "ссылки", "источник", "источники"),
    "notes": ("notes", "note", "comment", "comments", "remarks", "примечание", "примечания",
              "комментарий", "комментарии"),
}


def header_token(header: object) -> str:
    """A header reduced for matching: lower case, ё -> е, letters and digits only (and №)."""
    s = str(header).strip().lower().replace("ё", "е")
    return re.sub(r"[^\w№]|_", "", s)


_LOOKUP = {header_token(syn): field for field, syns in HEADER_SYNONYMS.items() for syn in syns}


@dataclass(frozen=True)
class RowError:
    """One bad value: where it is, what is wrong, and how to fix it (rows are 1-based data rows)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.file, self.row and f"row {self.row}",
                                      self.column and f"column {self.column!r}") if x)
        value = "" if self.value is None else f" {_short(self.value)!r}:"
        if self.message.startswith(repr(self.value)):
            value = ""
        return f"{where}:{value} {self.message}" + (f" {self.hint}" if self.hint else "")


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + f"... ({len(value):,} characters)"


def map_headers(headers: list[str], file: str = "") -> tuple[dict[str, str], list[str]]:
    """Map original headers to fields; returns ({field: original header}, extra headers).

    Raises
    ------
    RecordError
        When two headers map to one field, a header is empty or repeated, or there is neither a
        name, nor a record id, nor any other field (a file that is not a casualty list).
    """
    fields: dict[str, str] = {}
    extras: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(headers, start=1):
        if str(h).strip() == "":
            raise RecordError(Msg("header {i} is empty; every column needs a name.", i=i),
                              file=file, column=f"#{i}")
        if h in seen:
            raise RecordError(Msg("the header appears twice; rename one of the columns."),
                              file=file, column=h)
        seen.add(h)
        field = _LOOKUP.get(header_token(h))
        if field is None:
            extras.append(h)
        elif field in fields:
            raise RecordError(Msg("both {first!r} and {second!r} mean {field!r}; keep one or "
                                  "rename the other.", first=fields[field], second=h, field=field),
                              file=file, column=h)
        else:
            fields[field] = h
    if not set(fields) - {"record_id", "notes", "source_url"}:
        raise RecordError(Msg(
            "no column is a known field (headers: {headers}). "
            "Name the columns surname, given_name, patronymic or full_name, birth_date, death_date, "
            "region ... (English or Russian: фамилия, имя, отчество, дата рождения, регион).",
            headers=", ".join(map(repr, headers[:10]))), file=file)
    return fields, extras
