"""Queries of the records stage: lists, the import log and the records themselves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .base import Queries, default_actor, now
from .schema import RECORD_COLUMNS, UNKNOWN

#: Record columns a caller may ask for by name (every column of ``records``).
_COLUMNS = frozenset(RECORD_COLUMNS)


@dataclass(frozen=True)
class LiveImport:
    """The import whose records are live for a list."""

    import_id: int
    sha256: str
    n_imported: int
    sheet: str | None = None   # the workbook sheet it was read from


@dataclass(frozen=True)
class ImportLog:
    """One row of the import log (``imports``)."""

    import_id: int
    list_name: str
    file_name: str
    sha256: str
    n_bytes: int
    format: str
    encoding: str | None
    delimiter: str | None
    n_rows: int | None
    n_imported: int
    n_rejected: int
    status: str
    actor: str | None
    settings: dict


def _checked(columns: Sequence[str]) -> list[str]:
    bad = [c for c in columns if c not in _COLUMNS]
    if bad:
        raise ValueError(f"not a column of records: {', '.join(bad)}")
    return list(columns)


class Records(Queries):
    """``store.records``: lists, imports and records."""

    # ------------------------------------------------------------------ lists
    def list_names(self) -> list[str]:
        """Names of the lists that have live records, sorted (the bit order of capture patterns)."""
        return [r[0] for r in self._con.execute(
            "SELECT DISTINCT list_name FROM records ORDER BY list_name").fetchall()]

    #: The columns of :meth:`lists_overview`.
    OVERVIEW = ("list_name", "description", "n_records", "import_id", "file_name", "file_sha256",
                "format", "encoding", "n_rows", "n_rejected", "imported_at", "created_at", "updated_at",
                "n_imports")

    def lists_overview(self) -> list[dict[str, Any]]:
        """One dict per list, ordered by name: name, description, records, the live import
        (file, hash, format ...), dates and how many imports it has had (:attr:`OVERVIEW`)."""
        return self._dicts(
            "SELECT l.list_name, l.description, l.n_records, l.current_import_id AS import_id, "
            "i.file_name, i.file_sha256, i.format, i.encoding, i.n_rows, i.n_rejected, i.imported_at, "
            "l.created_at, l.updated_at, "
            "(SELECT count(*) FROM imports j WHERE j.list_name = l.list_name) AS n_imports "
            "FROM lists l LEFT JOIN imports i ON i.import_id = l.current_import_id "
            "ORDER BY l.list_name")

    def imports(self) -> list[dict[str, Any]]:
        """The import log, oldest first (without the per-import settings)."""
        return self._dicts(
            "SELECT import_id, list_name, file_name, file_sha256, file_bytes, format, encoding, "
            "n_rows, n_imported, n_rejected, status, imported_at, actor FROM imports "
            "ORDER BY import_id")

    def live_import(self, list_name: str) -> LiveImport | None:
        """The import whose records are live for ``list_name`` (None for a new list)."""
        row = self._row(
            "SELECT i.import_id, i.file_sha256, i.n_imported, "
            "json_extract_string(i.settings, '$.sheet') FROM lists l JOIN imports i "
            "ON i.import_id = l.current_import_id WHERE l.list_name = ?", [list_name])
        return None if row is None else LiveImport(int(row[0]), row[1], int(row[2] or 0), row[3])

    def lists_holding_file(self, sha256: str, sheet: str | None = None) -> list[tuple[str, int]]:
        """``(list_name, import_id)`` of the lists whose live import is the file ``sha256``
        (read from ``sheet``, for a workbook)."""
        return [(r[0], int(r[1])) for r in self._con.execute(
            "SELECT l.list_name, l.current_import_id FROM lists l JOIN imports i "
            "ON i.import_id = l.current_import_id WHERE i.file_sha256 = ? AND "
            "json_extract_string(i.settings, '$.sheet') IS NOT DISTINCT FROM ? "
            "ORDER BY l.list_name", [sha256, sheet]).fetchall()]

    # ------------------------------------------------------------------ writing an import
    def next_import_id(self) -> int:
        return int(self._scalar("SELECT nextval('import_seq')"))

    def prepare_bulk_load(self, memory_limit: str) -> None:
        """Settings for a large insert: a memory cap (DuckDB spills beyond it), no order kept."""
        self._store.set_memory_limit(memory_limit)
        self._con.execute("SET preserve_insertion_order = false")

    def replace_records(self, list_name: str, parts_glob: str, import_id: int, *,
                        replace: bool) -> None:
        """Insert the staged Parquet parts as ``list_name``'s records (deleting its old ones first
        when ``replace``).

        The parts have the columns :data:`~uncounted.store.schema.RECORD_COLUMNS`; their
        ``import_id`` is replaced by ``import_id``. Call inside a transaction.
        """
        if replace:
            self._con.execute("DELETE FROM records WHERE list_name = ?", [list_name])
        select = ", ".join("?::BIGINT" if c == "import_id" else c for c in RECORD_COLUMNS)
        self._con.execute(f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) SELECT {select} "
                          "FROM read_parquet(?)", [import_id, parts_glob])

    def log_import(self, log: ImportLog, *, description: str | None = None) -> None:
        """Write an import to the log; an ``active`` one becomes the list's live import.

        Call inside the transaction that changed the records.
        """
        t = now()
        if log.status == "active":
            self._con.execute("UPDATE imports SET status = 'superseded' WHERE list_name = ? AND "
                              "status = 'active'", [log.list_name])
        self._con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [log.import_id, log.list_name, log.file_name, log.sha256, log.n_bytes, log.format,
             log.encoding, log.delimiter, log.n_rows, log.n_imported, log.n_rejected, log.status,
             t, log.actor or default_actor(), json.dumps(log.settings, ensure_ascii=False)])
        if log.status != "active":
            return
        self._con.execute(
            "INSERT INTO lists VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list_name) DO UPDATE SET "
            "current_import_id = excluded.current_import_id, n_records = excluded.n_records, "
            "updated_at = excluded.updated_at, description = coalesce(excluded.description, "
            "lists.description)", [log.list_name, description, log.import_id, log.n_imported, t, t])

    # ------------------------------------------------------------------ reading records
    def count(self) -> int:
        """Live records in the store."""
        return int(self._scalar("SELECT count(*) FROM records"))

    def keys(self):
        """``uid``, ``list_name``, ``record_id`` of every live record, ordered by uid."""
        return self._df("SELECT uid, list_name, record_id FROM records ORDER BY uid")

    def columns(self, columns: Sequence[str]):
        """``uid`` and the given columns of every live record, ordered by uid (a DataFrame)."""
        cols = ["uid"] + [c for c in _checked(columns) if c != "uid"]
        return self._df(f"SELECT {', '.join(cols)} FROM records ORDER BY uid")

    def known(self, uids: Sequence[str]) -> set[str]:
        """The subset of ``uids`` that are live records."""
        return {r[0] for r in self._con.execute(
            "SELECT uid FROM records WHERE uid IN (SELECT unnest(?::VARCHAR[]))",
            [list(uids)]).fetchall()}

    def by_uid(self, uids: Sequence[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{uid: {column: value}}`` for the live records among ``uids`` (``uid`` included)."""
        if not uids:
            return {}
        cols = ["uid"] + [c for c in _checked(columns) if c != "uid"]
        cur = self._con.execute(f"SELECT {', '.join(cols)} FROM records "
                                "WHERE uid IN (SELECT unnest(?::VARCHAR[]))", [list(uids)])
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}

    def matching_name(self, text: str) -> set[str]:
        """Uids of records whose surname or full name (as written) contains ``text``, any case."""
        return {r[0] for r in self._con.execute(
            "SELECT uid FROM records WHERE contains(lower(coalesce(surname_raw, '') || ' ' || "
            "coalesce(full_name_raw, '')), lower(?))", [text]).fetchall()}

    def region_counts(self) -> dict[str, int]:
        """Live records per ``region_iso`` (records without one under ``"unknown"``)."""
        rows = self._con.execute(
            "SELECT coalesce(nullif(trim(region_iso), ''), ?) AS r, count(*) FROM records "
            "GROUP BY r", [UNKNOWN]).fetchall()
        return {r: int(n) for r, n in rows}

    def lists_changed_since(self, when) -> list[str]:
        """Lists imported or replaced after ``when`` (a timestamp), sorted."""
        return [r[0] for r in self._con.execute(
            "SELECT list_name FROM lists WHERE updated_at > ? ORDER BY list_name",
            [when]).fetchall()]
