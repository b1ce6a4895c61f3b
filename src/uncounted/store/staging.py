"""SQL over an import in progress, before it reaches the project store (in-memory DuckDB).

An import reads a list chunk by chunk; each chunk is turned into rows of ``records`` by
:func:`assemble_records` (DuckDB builds ``uid`` and the ``raw``/``extras`` JSON from Arrow
columns, so no Python string is made per row) and written to a Parquet part. When every part is
written, :func:`repeated_ids` finds record ids used twice and :func:`keep_first_of_repeats`
rewrites the parts without the repeats. Only then does the import open the store
(:meth:`uncounted.store.records.Records.replace_records`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Self

from .schema import RECORD_COLUMNS

PART_PATTERN = "part-*.parquet"
#: Scratch folders live in the project, beside the store (never in /tmp, where a killed run's
#: parts would stay unseen): ``<project>/.uncounted-tmp/<kind>-<pid>-<token>``.
SCRATCH_DIR = ".uncounted-tmp"


@contextlib.contextmanager
def scratch(project_dir: str | Path, kind: str) -> Iterator[Path]:
    """A scratch folder inside the project for one run, removed when the run ends."""
    clean_scratch(project_dir)
    folder = Path(project_dir) / SCRATCH_DIR / f"{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clean_scratch(project_dir: str | Path) -> list[Path]:
    """Remove the scratch folders of runs whose process is gone (killed); returns them."""
    root = Path(project_dir) / SCRATCH_DIR
    removed = []
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        parts = folder.name.rsplit("-", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@lru_cache(maxsize=1)
def _duck():
    import duckdb

    return duckdb.connect()


def _json_object(columns: list[int]) -> str:
    """SQL for a JSON object of the chunk columns ``_c<i>`` keyed by headers ``_k<i>``."""
    if not columns:
        return "NULL::VARCHAR"
    return "json_object(" + ", ".join(f"_h._k{i}, _t._c{i}" for i in columns) + ")::VARCHAR"


def assemble_records(data, headers: list[str], extras: list[int], list_name: str,
                     import_id: int):
    """Rows of ``records`` (an Arrow table with :data:`RECORD_COLUMNS`) from a normalised chunk.

    Parameters
    ----------
    data
        Arrow table with every record column except ``uid``, ``list_name``, ``import_id``,
        ``raw`` and ``extras``, plus the chunk's original columns as ``_c0``, ``_c1`` ...
    headers
        The original header of each ``_c<i>`` column (they go in as data, a one-row table, never
        into the SQL text).
    extras
        Positions of the columns kept as ``extras``.
    """
    import pyarrow as pa

    heads = pa.table({f"_k{i}": [str(c)] for i, c in enumerate(headers)})
    select = []
    for c in RECORD_COLUMNS:
        if c == "uid":
            select.append("(?::VARCHAR || '/' || _t.record_id) AS uid")
        elif c == "list_name":
            select.append("?::VARCHAR AS list_name")
        elif c == "import_id":
            select.append("?::BIGINT AS import_id")
        elif c == "raw":
            select.append(f"{_json_object(list(range(len(headers))) if len(data) else [])} AS raw")
        elif c == "extras":
            select.append(f"{_json_object(extras)} AS extras")
        else:
            select.append(f"_t.{c}")
    con = _duck().cursor()  # its own connection: registered names do not clash across threads
    try:
        con.register("_uncounted_t", data)
        con.register("_uncounted_h", heads)
        rel = con.sql(f"SELECT {', '.join(select)} FROM _uncounted_t AS _t, _uncounted_h AS _h",
                      params=[list_name, list_name, import_id])
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow  # duckdb < 1.4: .arrow()
        return fetch()
    finally:
        con.close()


class StagedParts:
    """The Parquet parts of one import in a folder, and the checks made on them together."""

    def __init__(self, folder: str | Path, memory_limit: str):
        import duckdb

        self.folder = Path(folder)
        self.con = duckdb.connect(config={"memory_limit": memory_limit,
                                          "preserve_insertion_order": False})

    @property
    def glob(self) -> str:
        return str(self.folder / PART_PATTERN)

    def count(self) -> int:
        """Rows in all parts."""
        return int(self.con.execute("SELECT count(*) FROM read_parquet(?)",
                                    [self.glob]).fetchall()[0][0])

    def repeated_ids(self) -> list[tuple[str, int, str]]:
        """``(record_id, row_number, raw)`` of every row whose record id an earlier row already
        used; ``raw`` is the row's original values (JSON), for the rejects file."""
        # a hash aggregate finds the repeated ids (usually none); only their rows are then sorted
        found = self.con.execute(
            "SELECT record_id, row_number, raw FROM read_parquet(?) WHERE record_id IN (SELECT "
            "record_id FROM read_parquet(?) GROUP BY record_id HAVING count(*) > 1) "
            "ORDER BY row_number", [self.glob, self.glob]).fetchall()
        seen: set[str] = set()
        rows = []
        for rid, r, raw in found:
            if rid in seen:
                rows.append((rid, int(r), raw))
            seen.add(rid)
        return rows

    def keep_first_of_repeats(self) -> None:
        """Rewrite the parts as one, keeping the first row of each record id (rare; small)."""
        def lit(path: Path | str) -> str:   # our temporary folder, quoted as a SQL literal
            return "'" + str(path).replace("'", "''") + "'"

        kept = self.folder / "dedup.parquet"
        self.con.execute(f"COPY (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY "
                         f"record_id ORDER BY row_number) AS _k FROM "
                         f"read_parquet({lit(self.glob)})) WHERE _k = 1) TO {lit(kept)} "
                         "(FORMAT parquet)")
        for f in self.folder.glob(PART_PATTERN):
            f.unlink()
        self.con.execute(f"COPY (SELECT * EXCLUDE (_k) FROM read_parquet({lit(kept)})) TO "
                         f"{lit(self.folder / 'part-00000.parquet')} (FORMAT parquet)")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
