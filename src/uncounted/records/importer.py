"""Import a source list into the project store: read, validate, normalise, write in one transaction.

- All-or-nothing by default: every bad row is reported at once (:class:`ImportFailed` carries the
  list of :class:`~uncounted.records.schema.RowError`) and the store is left as it was.
- ``skip_invalid=True`` imports the good rows and writes the rejects to ``<file>.rejects.csv``
  beside the input (original columns plus ``_row`` and ``_errors``).
- Re-importing a file with the same SHA-256 as the list's live import changes no record; it is
  logged in ``imports`` with status ``unchanged``.
- A new version of a list replaces the old records in the same transaction; the old import stays in
  ``imports`` with status ``superseded``. A version with less than half the records, or a file
  that is already another list's live import, is refused unless ``force=True``.
- Rows are normalised chunk by chunk into Parquet parts in a scratch folder inside the project
  (memory stays flat in the file size; the store is neither touched nor locked while reading),
  then moved into ``records`` by one ``INSERT ... SELECT FROM read_parquet`` inside the one
  transaction that also logs the import: the write lock is held for that transaction only. A
  killed process leaves at most an uncommitted transaction, which DuckDB discards, and a scratch
  folder, removed at the next start.
- Counts: rows read = rows stored + rows rejected, always.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._extras import require_extra
from .._safe_csv import SafeWriter
from ..exceptions import DataWarning, Lines, Msg, RecordError
from ..project import Project
from ..store.records import ImportLog
from ..store.schema import RECORD_COLUMNS
from ..store.staging import StagedParts, scratch
from .readers import open_source
from .schema import RowError, map_headers
from .transform import normalise_chunk

__all__ = ["ImportFailed", "ImportResult", "import_list", "list_summary"]

require_extra("lists", "uncounted.records.importer")

MAX_ERRORS_KEPT = 100_000
IMPORT_MEMORY = "512MB"  # DuckDB's working memory while importing; it spills to disk beyond this


class ImportFailed(RecordError):
    """Rows that cannot be read; ``errors`` lists every one (up to 100,000), nothing was written."""

    def __init__(self, file: str, errors: list[RowError], n_rows: int, total: int):
        self.errors = errors
        self.n_rows = n_rows
        self.n_errors = total
        more = Msg("\n  ... and {n:,} more", n=total - 20) if total > 20 else ""
        super().__init__(Msg(
            "{total:,} bad value(s) in {n_rows:,} rows; nothing was imported.\n{shown}{more}\n"
            "Fix the file and import again, or pass --skip-invalid to import the good rows and "
            "write the rejects to a CSV beside the file.", total=total, n_rows=n_rows,
            shown=Lines(errors[:20]), more=more), file=file)


@dataclass
class ImportResult:
    """What an import did."""

    list_name: str
    import_id: int | None
    status: str                    # active | unchanged
    file: str
    sha256: str
    format: str
    encoding: str | None
    delimiter: str | None
    n_bytes: int = 0
    n_rows: int = 0
    n_imported: int = 0
    n_rejected: int = 0
    replaced_import_id: int | None = None
    rejects_path: Path | None = None
    unresolved_regions: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    extras: list[str] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)   # checks overridden with force=True
    sheet: str | None = None                           # the workbook sheet read


def _project(project_or_dir) -> Project:
    return project_or_dir if isinstance(project_or_dir, Project) else Project.open(project_or_dir)


def _check_list_name(name: str) -> str:
    name = (name or "").strip()
    if not name or "/" in name or len(name) > 200 or not name.isprintable():
        raise RecordError(Msg("list name {name!r} is not usable: give a short printable name "
                              "without '/' (it becomes part of each record's uid "
                              "'<list>/<record_id>').", name=name), column="--list", value=name)
    return name


def import_list(project_or_dir, path: str | Path, list_name: str, *, skip_invalid: bool = False,
                description: str | None = None, actor: str | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                sheet: str | None = None, force: bool = False,
                wait: float | None = None) -> ImportResult:
    """Import one source list into a project.

    Parameters
    ----------
    project_or_dir
        A :class:`~uncounted.project.Project` or its folder.
    path
        The list: CSV, XLSX or JSON lines (see DESIGN.md, "A source list").
    list_name
        The list's name in the project; importing under an existing name replaces that list.
    skip_invalid
        Import the good rows and write the bad ones to ``<file>.rejects.csv``.
    progress
        Called as ``progress(bytes_done, bytes_total, stage)`` with stage ``"read"`` while
        reading and ``"commit"`` once the records are written, just before the commit.
    sheet
        The sheet of a workbook to read (default: the first).
    force
        Import although the same file is already another list's live import, or although it
        would replace a list by one with less than half its records (both refused otherwise).
    wait
        Seconds to wait for another program's lock on the store (default ``$UNCOUNTED_WAIT`` or
        30). The file is read and checked before the lock is taken; the lock is held only for the
        writing transaction.

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFailed
        Some rows cannot be read (all are listed); nothing was written.
    RecordError
        The file itself cannot be read (encoding, format, headers).
    """
    project = _project(project_or_dir)
    list_name = _check_list_name(list_name)
    src = open_source(path, sheet=sheet)
    result = ImportResult(list_name, None, "active", src.path.name, src.sha256, src.format,
                          src.encoding, src.delimiter, src.n_bytes)
    # 0. what the store holds now: a short read-only look, no lock kept
    with project.store(read_only=True, wait=wait) as store:
        live = store.records.live_import(list_name)
        holders = [(n, i) for n, i in store.records.lists_holding_file(src.sha256, src.sheet)
                   if n != list_name]
    if _same(live, src):
        with project.store(wait=wait) as store:
            return _log_unchanged(store, result, store.records.live_import(list_name) or live,
                                  actor)
    if holders:
        _same_file_elsewhere(result, holders, force)
    with scratch(project.root, "import") as tmp:
        # 1. read, validate and normalise into Parquet parts (the store is not touched or locked)
        errors, total_errors, rejects = _stage(tmp, src, result, skip_invalid, progress)
        if total_errors and not skip_invalid:
            raise ImportFailed(src.path.name, errors, result.n_rows, total_errors)
        if result.n_imported == 0:
            raise RecordError(Msg("no row could be imported; see the rejected rows above."),
                              file=src.path.name) if total_errors else RecordError(
                Msg("the list has no records."), file=src.path.name)
        # 2. the write lock, for one transaction: replace the list's records, log the import
        with project.store(wait=wait) as store:
            live = store.records.live_import(list_name)   # again: another import may have landed
            if _same(live, src):
                return _log_unchanged(store, result, live, actor)
            if live is not None:
                _much_smaller(result, live, force)
            store.records.prepare_bulk_load(IMPORT_MEMORY)
            with store.transaction():
                result.import_id = store.records.next_import_id()
                store.records.replace_records(list_name, str(tmp / "part-*.parquet"),
                                              result.import_id, replace=live is not None)
                _commit_list(store, result, live, description, actor, skip_invalid)
                if progress:
                    progress(src.n_bytes, src.n_bytes, "commit")
    if rejects:
        result.rejects_path = _write_rejects(src.path, rejects)
    if result.unresolved_regions:
        sample = ", ".join(f"{k!r} ({v})" for k, v in list(result.unresolved_regions.items())[:5])
        warnings.warn(f"{src.path.name}: {sum(result.unresolved_regions.values()):,} rows have a "
                      f"region that is not a known federal subject (kept as written, region_iso "
                      f"empty): {sample}", DataWarning, stacklevel=2)
    return result


def _same(live, src) -> bool:
    """The list's live import is this very file (and sheet)."""
    return live is not None and live.sha256 == src.sha256 and live.sheet == src.sheet


#: Replacing a list by a file with fewer than this share of its records needs ``force``.
SHRINK_LIMIT = 0.5


def _same_file_elsewhere(result, holders, force: bool) -> None:
    names = ", ".join(f"{n!r} (import {i})" for n, i in holders)
    message = (f"this file (sha256 {result.sha256[:12]}) is already imported as list {names}. "
               f"Importing it again as {result.list_name!r} would count everyone on it twice, "
               "as if two sources had found them.")
    if not force:
        raise RecordError(message + " Pass --force if it really is another source's list.",
                          file=result.file)
    result.forced.append("same_file_as:" + ",".join(n for n, _ in holders))
    warnings.warn(f"{result.file}: {message} Imported anyway (--force).", DataWarning,
                  stacklevel=3)


def _much_smaller(result, live, force: bool) -> None:
    old, new = live.n_imported, result.n_imported
    if not (new < SHRINK_LIMIT * old and old - new >= 10):
        return
    message = (f"list {result.list_name!r} holds {old:,} records (import {live.import_id}); this "
               f"file has {new:,}, so replacing it would drop {old - new:,} records.")
    if not force:
        raise RecordError(message + " Check it is the right file; pass --force if the list "
                                    "really shrank.", file=result.file)
    result.forced.append(f"shrunk_from:{old}")
    warnings.warn(f"{result.file}: {message} Replaced anyway (--force).", DataWarning,
                  stacklevel=3)


def _stage(tmp: Path, src, result, skip_invalid, progress):
    """Read, validate and normalise every chunk into Parquet parts in ``tmp``; returns errors.

    Memory stays flat in the file size: one chunk at a time in Python, and DuckDB later streams
    the parts into the store. Repeated record ids are found across all parts at the end.
    """
    import pyarrow.parquet as pq

    errors: list[RowError] = []
    total_errors = 0
    rejects: list[tuple[int, dict | None, list[str]]] = []
    mapping = extras = None
    offset = part = 0
    for chunk in src.chunks(progress=(lambda b: progress(b, src.n_bytes, "read"))
                            if progress else None):
        if mapping is None:
            mapping, extras = map_headers(list(chunk.columns), src.path.name)
            result.columns, result.extras = mapping, extras
        good, bad, unresolved = normalise_chunk(chunk, mapping, extras, src.path.name, offset,
                                                result.list_name, 0)
        total_errors += len(bad)
        errors.extend(bad[:max(MAX_ERRORS_KEPT - len(errors), 0)])
        for reg, n in unresolved.items():
            result.unresolved_regions[reg] = result.unresolved_regions.get(reg, 0) + n
        if skip_invalid and bad:
            rejects.extend(_rejected_rows(chunk, bad, offset))
        offset += len(chunk)
        if good.num_rows:
            part += 1
            pq.write_table(good.select(RECORD_COLUMNS), tmp / f"part-{part:05d}.parquet")
    result.n_rows = offset
    result.sheet = src.sheet
    n_good = 0
    dups: list[RowError] = []
    if part:
        with StagedParts(tmp, IMPORT_MEMORY) as parts:
            dups = _duplicates(parts, src.path.name, mapping.get("record_id", "record_id"))
            n_good = parts.count()
    if dups:
        total_errors += len(dups)
        errors.extend(e for e, _ in dups[:max(MAX_ERRORS_KEPT - len(errors), 0)])
        if skip_invalid:
            rejects.extend((e.row, values, [str(e)]) for e, values in dups)
    result.n_imported = n_good
    result.n_rejected = result.n_rows - n_good
    rejected_rows = {r for r, _, _ in rejects}
    if skip_invalid and len(rejected_rows) != result.n_rejected:  # the counts must add up
        raise RuntimeError(f"{src.path.name}: {result.n_rows:,} rows read, {n_good:,} staged but "
                           f"{len(rejected_rows):,} rejected; please report this bug")
    return errors, total_errors, rejects


def _duplicates(parts: StagedParts, file: str,
                id_column: str) -> list[tuple[RowError, dict | None]]:
    """Repeated record ids: each repeat after the first is an error, removed from the parts;
    returned with the repeated row's original values (for the rejects file)."""
    rows = parts.repeated_ids()
    if rows:
        parts.keep_first_of_repeats()
    return [(RowError(file, int(r), id_column, rid,
                      Msg("this record id is already used by an earlier row."),
                      Msg("Record ids must be unique within a list.")), _json_dict(raw))
            for rid, r, raw in rows]


def _json_dict(raw) -> dict | None:
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _commit_list(store, result, live, description, actor, skip_invalid) -> None:
    name = result.list_name
    if live is not None:
        result.replaced_import_id = live.import_id
    settings = {"skip_invalid": skip_invalid, "columns": result.columns, "extras": result.extras}
    if result.forced:
        settings["forced"] = result.forced
    if result.sheet:
        settings["sheet"] = result.sheet
    store.records.log_import(ImportLog(
        result.import_id, name, result.file, result.sha256, result.n_bytes, result.format,
        result.encoding, result.delimiter, result.n_rows, result.n_imported, result.n_rejected,
        "active", actor, settings), description=description)
    store.audit("replace_list" if live is not None else "import", actor=actor, target=name,
                detail={"import_id": result.import_id, "file": result.file,
                        "sha256": result.sha256, "n_imported": result.n_imported,
                        "n_rejected": result.n_rejected,
                        "replaced_import_id": result.replaced_import_id,
                        **({"forced": result.forced} if result.forced else {})})


def _log_unchanged(store, result, live, actor) -> ImportResult:
    with store.transaction():
        import_id = store.records.next_import_id()
        store.records.log_import(ImportLog(
            import_id, result.list_name, result.file, result.sha256, result.n_bytes,
            result.format, result.encoding, result.delimiter, None, 0, 0, "unchanged", actor,
            {"same_as_import_id": live.import_id}))
        store.audit("import_unchanged", actor=actor, target=result.list_name,
                    detail={"import_id": import_id, "same_as_import_id": live.import_id})
    result.import_id, result.status, result.n_imported = import_id, "unchanged", 0
    result.n_rows = live.n_imported
    return result


def _rejected_rows(chunk, bad: list[RowError], offset: int):
    by_row: dict[int, list[str]] = {}
    for e in bad:
        by_row.setdefault(e.row, []).append(str(e))
    for row, msgs in by_row.items():
        yield row, chunk.iloc[row - offset - 1].to_dict(), msgs


def _write_rejects(path: Path, rejects) -> Path:
    out = path.with_name(path.stem + ".rejects.csv")
    headers: dict[str, None] = {}
    for _, row, _ in rejects:
        headers.update(dict.fromkeys(row or {}))
    merged: dict[int, tuple[dict, list[str]]] = {}
    for r, row, msgs in rejects:
        old = merged.get(r, ({}, []))
        merged[r] = (row or old[0], old[1] + msgs)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        w = SafeWriter(fh)   # spreadsheet-safe: = + - @ cells get a leading '
        w.writerow(["_row", "_errors", *headers])
        for r in sorted(merged):
            row, msgs = merged[r]
            w.writerow([r, " | ".join(msgs), *(row.get(h, "") for h in headers)])
    return out


def list_summary(project_or_dir):
    """The project's lists: name, records, live import, file, hash, dates (a DataFrame)."""
    project = _project(project_or_dir)
    import pandas as pd

    with project.store(read_only=True) as store:
        rows = store.records.lists_overview()
    return pd.DataFrame(rows, columns=list(store.records.OVERVIEW))[
        ["list_name", "n_records", "import_id", "file_name", "file_sha256", "format", "encoding",
         "n_rows", "n_rejected", "created_at", "updated_at", "n_imports"]]
