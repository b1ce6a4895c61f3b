"""Queries of the linkage stage: link runs, scored pairs, saved clusterings, Splink's workspace."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .base import Queries, now

WORK_SCHEMA = "splink_work"
#: The linkage input table; its name is unique across schemas (Splink looks columns up by name).
INPUT_NAME = "uncounted_link_input"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


class Runs(Queries):
    """``store.runs``: link runs, the pairs each scored, and the clustering saved with each."""

    # ------------------------------------------------------------------ runs
    def latest_id(self) -> int | None:
        """The id of the most recent link run (None before any)."""
        value = self._scalar("SELECT max(run_id) FROM link_runs")
        return None if value is None else int(value)

    def get(self, run_id: int | None = None) -> dict[str, Any] | None:
        """A ``link_runs`` row as a dict (default: the latest; None when there is none)."""
        rows = self._dicts("SELECT * FROM link_runs WHERE run_id = coalesce(?, (SELECT max(run_id) "
                           "FROM link_runs))", [run_id])
        return rows[0] if rows else None

    # ------------------------------------------------------------------ pairs
    def edges(self, run_id: int, threshold: float):
        """``uid_l``, ``uid_r``, ``match_probability`` of the run's pairs at or above
        ``threshold``."""
        return self._df("SELECT uid_l, uid_r, match_probability FROM pairs WHERE run_id = ? AND "
                        "match_probability >= ? ORDER BY uid_l, uid_r", [run_id, threshold])

    def pairs(self, run_id: int):
        """Every scored pair of a run: ``uid_l``, ``uid_r``, ``match_probability``."""
        return self._df("SELECT uid_l, uid_r, match_probability FROM pairs WHERE run_id = ? "
                        "ORDER BY uid_l, uid_r", [run_id])

    def pairs_among(self, run_id: int, uids: Sequence[str]):
        """The run's scored pairs whose two records are both in ``uids``: ``uid_l``, ``uid_r``,
        ``match_probability``, ``match_weight``, ``detail`` (the edges of one person)."""
        return self._df(
            "WITH q AS (SELECT unnest(?::VARCHAR[]) AS uid) "
            "SELECT p.uid_l, p.uid_r, p.match_probability, p.match_weight, p.detail FROM pairs p "
            "WHERE p.run_id = ? AND p.uid_l IN (SELECT uid FROM q) AND p.uid_r IN (SELECT uid FROM q) "
            "ORDER BY p.match_probability DESC, p.uid_l, p.uid_r", [list(uids), run_id])

    def probabilities(self, run_id: int):
        """The match probabilities of a run's pairs (a float NumPy array)."""
        import numpy as np

        rows = self._con.execute("SELECT match_probability FROM pairs WHERE run_id = ? AND "
                                 "match_probability IS NOT NULL", [run_id]).fetchall()
        return np.array([r[0] for r in rows], dtype=float)

    def band_pairs(self, run_id: int, band: tuple[float, float]):
        """Pairs of a run with ``band[0] <= match_probability < band[1]``, each with the decision
        in force on it, if any (``decision``, ``decision_id``, ``reviewer``; NULL otherwise).

        The band is half-open so that its upper end can be the clustering threshold: a pair at
        the threshold is joined by the model and is not in the band.
        """
        return self._df(
            "SELECT p.uid_l, p.uid_r, p.match_probability, p.match_weight, p.detail, d.decision, "
            "d.decision_id, d.reviewer FROM pairs p LEFT JOIN decision_in_force d "
            "ON d.uid_l = p.uid_l AND d.uid_r = p.uid_r "
            "WHERE p.run_id = ? AND p.match_probability >= ? AND p.match_probability < ? "
            "ORDER BY p.uid_l, p.uid_r", [run_id, float(band[0]), float(band[1])])

    def latest_details(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """``detail`` (comparison levels) of each pair from the most recent run that scored it."""
        if not pairs:
            return {}
        left = [a for a, _ in pairs]
        right = [b for _, b in pairs]
        rows = self._con.execute(
            "WITH q AS (SELECT unnest(?::VARCHAR[]) AS uid_l, unnest(?::VARCHAR[]) AS uid_r) "
            "SELECT p.uid_l, p.uid_r, p.detail FROM pairs p JOIN q USING (uid_l, uid_r) "
            "WHERE p.detail IS NOT NULL "
            "QUALIFY row_number() OVER (PARTITION BY p.uid_l, p.uid_r ORDER BY p.run_id DESC) = 1",
            [left, right]).fetchall()
        return {(a, b): json.loads(d) for a, b, d in rows}

    def saved_persons(self, run_id: int):
        """The clustering saved with a run: ``uid``, ``list_name``, ``record_id``, ``person_id``,
        ``match_probability`` (as it was when the run was made; see the persons of a run in
        :mod:`uncounted.store.schema` for the clustering with today's decisions)."""
        return self._df("SELECT uid, list_name, record_id, person_id, match_probability FROM "
                        "persons WHERE run_id = ? ORDER BY uid", [run_id])

    # ------------------------------------------------------------------ guard rails
    def field_profile(self) -> list[dict[str, Any]]:
        """Per list: record count and how many records fill each identifying field.

        Keys: ``list_name``, ``n``, ``surname``, ``given_name``, ``patronymic``, ``full_name``,
        ``any_name`` (a surname, given name or patronymic key), ``birth_date`` (any birth year),
        ``birth_day``/``birth_month``/``birth_year_only`` (by precision), ``region``, ``unit``,
        ``death_date``. A blank string counts as empty.
        """
        return self._dicts("""
            SELECT list_name, count(*) AS n,
                   count(nullif(trim(surname_key), '')) AS surname,
                   count(nullif(trim(given_name_key), '')) AS given_name,
                   count(nullif(trim(patronymic_key), '')) AS patronymic,
                   count(nullif(trim(full_name_raw), '')) AS full_name,
                   count(coalesce(nullif(trim(surname_key), ''), nullif(trim(given_name_key), ''),
                                  nullif(trim(patronymic_key), ''))) AS any_name,
                   count(birth_year) AS birth_date,
                   count(CASE WHEN birth_day IS NOT NULL AND birth_month IS NOT NULL
                              THEN birth_year END) AS birth_day,
                   count(CASE WHEN birth_day IS NULL AND birth_month IS NOT NULL
                              THEN birth_year END) AS birth_month,
                   count(CASE WHEN birth_month IS NULL THEN birth_year END) AS birth_year_only,
                   count(nullif(trim(region_iso), '')) AS region,
                   count(nullif(trim(unit), '')) AS unit,
                   count(death_year) AS death_date
            FROM records GROUP BY list_name ORDER BY list_name""")

    def guard_fields(self):
        """What the after-clustering checks read of every live record: ``uid``, ``list_name``,
        ``has_name`` (any name key filled), ``birth_year``, ``region_iso``."""
        return self._df("""
            SELECT uid, list_name,
                   coalesce(nullif(trim(surname_key), ''), nullif(trim(given_name_key), ''),
                            nullif(trim(patronymic_key), '')) IS NOT NULL AS has_name,
                   birth_year, nullif(trim(region_iso), '') AS region_iso
            FROM records ORDER BY uid""")

    def agreeing_pairs(self):
        """Pairs of live records on different lists that agree exactly on surname key and full
        birth date (day, month and year): ``uid_l``, ``uid_r`` (``uid_l < uid_r``). Such pairs
        are nearly always one person; the checks count how many a run left apart."""
        return self._df("""
            SELECT a.uid AS uid_l, b.uid AS uid_r
            FROM records a JOIN records b
              ON a.surname_key = b.surname_key AND a.birth_year = b.birth_year
             AND a.birth_month = b.birth_month AND a.birth_day = b.birth_day
             AND a.list_name < b.list_name
            WHERE nullif(trim(a.surname_key), '') IS NOT NULL""")

    def guard(self, run_id: int | None = None) -> dict[str, Any] | None:
        """The field profile, pair rules and checks saved with a link run (default: the latest);
        ``None`` for a run made before uncounted kept them, or when there is no run."""
        run = self.get(run_id)
        if run is None:
            return None
        settings = run.get("settings")
        if not isinstance(settings, dict) or "guard" not in settings:
            return None
        return {"run_id": int(run["run_id"]), **settings["guard"]}

    # ------------------------------------------------------------------ saving a run
    def new_id(self) -> int:
        return int(self._scalar("SELECT nextval('link_run_seq')"))

    def insert_scored_pairs(self, run_id: int, predictions: str,
                            comparisons: Sequence[str]) -> int:
        """Copy Splink's predictions (a table of the workspace) into ``pairs``; returns the count.

        Each unordered pair is stored once with ``uid_l < uid_r``; ``detail`` holds the comparison
        levels and match weights of ``comparisons`` that the predictions have.
        """
        table = f"{WORK_SCHEMA}.{_identifier(predictions)}"
        cols = {r[0] for r in self._con.execute(f"DESCRIBE {table}").fetchall()}
        self._con.execute(f"""
            INSERT INTO pairs
            SELECT ?, least(uid_l, uid_r), greatest(uid_l, uid_r), max(match_weight),
                   max(match_probability), any_value({_detail_sql(comparisons, cols)})
            FROM {table} GROUP BY least(uid_l, uid_r), greatest(uid_l, uid_r)""", [run_id])
        return int(self._scalar("SELECT count(*) FROM pairs WHERE run_id = ?", [run_id]))

    def insert_persons(self, run_id: int, persons) -> None:
        """Save a run's clustering (a DataFrame: uid, list_name, record_id, person_id,
        match_probability)."""
        frame = persons[["uid", "list_name", "record_id", "person_id", "match_probability"]]
        self._con.register("__uncounted_persons", frame)
        try:
            self._con.execute("INSERT INTO persons SELECT ?, uid, list_name, record_id, person_id, "
                              "match_probability FROM __uncounted_persons", [run_id])
        finally:
            self._con.unregister("__uncounted_persons")

    def insert(self, run_id: int, *, backend: str, threshold: float, model: dict, settings: dict,
               n_records: int, n_pairs: int, n_persons: int) -> None:
        """Write the ``link_runs`` row (last, inside the run's transaction)."""
        self._con.execute("INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [run_id, now(), backend, threshold, json.dumps(model),
                           json.dumps(settings), n_records, n_pairs, n_persons])

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """Splink's scratch space in this store: the ``splink_work`` schema, dropped on exit."""
        ws = Workspace(self._store)
        try:
            yield ws
        finally:
            ws.close()


def _detail_sql(comparisons: Sequence[str], table_cols: set[str]) -> str:
    """``{"gamma": {comparison: level}, "weights": {comparison: match weight}}`` as SQL."""
    names = [_identifier(c) for c in comparisons if f"gamma_{c}" in table_cols]
    if not names:
        return "NULL"
    gamma = ", ".join(f"'{c}', gamma_{c}" for c in names)
    weights = ", ".join(f"'{c}', round(mw_{c}, 3)" for c in names if f"mw_{c}" in table_cols)
    return f"json_object('gamma', json_object({gamma}), 'weights', json_object({weights}))"


_KEYS_SQL = f"""
CREATE TABLE {WORK_SCHEMA}.keys AS
SELECT uid, list_name,
       nullif(trim(surname_key), '') AS surname_key,
       nullif(trim(given_name_key), '') AS given_name_key,
       coalesce(nullif(trim(given_name_canon), ''), nullif(trim(given_name_key), ''))
           AS given_name_canon,
       nullif(trim(patronymic_key), '') AS patronymic_key,
       -- an initial ("И." -> Cyrillic form "И"): its own comparison, not a given name key
       upper(left(nullif(trim(given_name_cyr), ''), 1)) AS given_name_init,
       upper(left(nullif(trim(patronymic_cyr), ''), 1)) AS patronymic_init,
       coalesce(length(trim(given_name_cyr)) = 1, false) AS given_is_init,
       coalesce(length(trim(patronymic_cyr)) = 1, false) AS patronymic_is_init,
       birth_year, birth_month, birth_day, birth_precision,
       death_year, death_month, death_day,
       region_iso, federal_district, unit
FROM main.records
"""

# The birth date as an interval of pseudo-days, y * 372 + (m - 1) * 31 + (d - 1), exactly as
# uncounted.records.dates.birth_interval computes it: a point for a full date, the month or the
# year for a partial one, and for a year derived from the age at death (precision 'age') the year
# before the death date's anniversary.
_BIRTH_LO = """CASE
    WHEN k.birth_year IS NULL THEN NULL
    WHEN k.birth_precision = 'age' THEN CASE
        WHEN k.death_month IS NOT NULL AND k.death_day IS NOT NULL
            THEN (k.birth_year - 1) * 372 + (k.death_month - 1) * 31 + k.death_day
        WHEN k.death_month IS NOT NULL THEN (k.birth_year - 1) * 372 + (k.death_month - 1) * 31
        ELSE (k.birth_year - 1) * 372 END
    WHEN k.birth_month IS NULL THEN k.birth_year * 372
    ELSE k.birth_year * 372 + (k.birth_month - 1) * 31 + coalesce(k.birth_day - 1, 0) END"""
_BIRTH_HI = """CASE
    WHEN k.birth_year IS NULL THEN NULL
    WHEN k.birth_precision = 'age' THEN CASE
        WHEN k.death_month IS NOT NULL AND k.death_day IS NOT NULL
            THEN k.birth_year * 372 + (k.death_month - 1) * 31 + k.death_day - 1
        WHEN k.death_month IS NOT NULL THEN k.birth_year * 372 + (k.death_month - 1) * 31 + 30
        ELSE k.birth_year * 372 + 371 END
    WHEN k.birth_month IS NULL THEN k.birth_year * 372 + 371
    WHEN k.birth_day IS NULL THEN k.birth_year * 372 + (k.birth_month - 1) * 31 + 30
    ELSE k.birth_year * 372 + (k.birth_month - 1) * 31 + k.birth_day - 1 END"""

_INPUT_SQL = f"""
CREATE TABLE {WORK_SCHEMA}.{INPUT_NAME} AS
SELECT k.uid, k.list_name, k.surname_key,
       CASE WHEN NOT k.given_is_init THEN k.given_name_key END AS given_name_key,
       CASE WHEN NOT k.given_is_init THEN k.given_name_canon END AS given_name_canon,
       CASE WHEN NOT k.patronymic_is_init THEN k.patronymic_key END AS patronymic_key,
       ps.key AS surname_phon,
       CASE WHEN NOT k.given_is_init THEN pg.key END AS given_name_phon,
       CASE WHEN NOT k.patronymic_is_init THEN pp.key END AS patronymic_phon,
       k.given_name_init, k.patronymic_init,
       CAST(k.given_is_init OR k.patronymic_is_init AS INTEGER) AS has_init,
       k.birth_year, k.birth_month, k.birth_day,
       {_BIRTH_LO} AS birth_lo,
       {_BIRTH_HI} AS birth_hi,
       coalesce(k.birth_precision, CASE WHEN k.birth_day IS NOT NULL THEN 'day'
                WHEN k.birth_month IS NOT NULL THEN 'month'
                WHEN k.birth_year IS NOT NULL THEN 'year' END) AS birth_precision,
       k.death_year, k.death_month, k.death_day,
       CASE WHEN k.death_day IS NOT NULL AND k.death_month IS NOT NULL
            THEN CAST(try(make_date(k.death_year, k.death_month, k.death_day)
                          - DATE '1970-01-01') AS BIGINT) END AS death_dnum,
       CASE WHEN k.death_month IS NOT NULL
            THEN k.death_year * 12 + k.death_month - 1 END AS death_mnum,
       nullif(trim(k.region_iso), '') AS region_iso,
       nullif(trim(k.federal_district), '') AS federal_district,
       u.key AS unit_key
FROM {WORK_SCHEMA}.keys k
LEFT JOIN __uncounted_phon ps ON ps.value = k.surname_key
LEFT JOIN __uncounted_phon pg ON pg.value = k.given_name_key
LEFT JOIN __uncounted_phon pp ON pp.value = k.patronymic_key
LEFT JOIN __uncounted_units u ON u.value = k.unit
ORDER BY k.uid
"""


class Workspace:
    """Splink's scratch tables in the store's ``splink_work`` schema, for one link run.

    Splink runs on :attr:`cursor`, a cursor of the store's own connection (one DuckDB instance
    in the process, so the single-writer rule of a DuckDB file is kept) whose default schema is
    the workspace. :meth:`build_input` makes the linkage input table from ``records``.
    """

    def __init__(self, store):
        self._store = store
        con = store.con
        con.execute(f"DROP SCHEMA IF EXISTS {WORK_SCHEMA} CASCADE")
        con.execute(f"CREATE SCHEMA {WORK_SCHEMA}")
        self._cursor = None

    @property
    def cursor(self):
        """A DuckDB cursor whose default schema is the workspace (what Splink's DuckDBAPI needs)."""
        if self._cursor is None:
            self._cursor = self._store.con.cursor()
            self._cursor.execute(f"SET schema '{WORK_SCHEMA}'")
        return self._cursor

    def build_input(self, name_key, unit_key) -> int:
        """(Re)create the linkage input table from ``records``; returns its row count.

        ``name_key`` (phonetic key of a canonical name key) and ``unit_key`` (normalised unit)
        are applied in Python once per distinct value and joined back in SQL, so a million records
        with a few tens of thousands of distinct names cost that many Python calls. Names go in
        as data (a registered Arrow table), never into the SQL text.
        """
        con = self._store.con
        con.execute(f"DROP TABLE IF EXISTS {WORK_SCHEMA}.{INPUT_NAME}")
        con.execute(_KEYS_SQL)
        names = self._lookup(f"""
            SELECT DISTINCT v FROM (
                SELECT surname_key AS v FROM {WORK_SCHEMA}.keys UNION
                SELECT given_name_key FROM {WORK_SCHEMA}.keys UNION
                SELECT patronymic_key FROM {WORK_SCHEMA}.keys) WHERE v IS NOT NULL""", name_key)
        units = self._lookup(f"SELECT DISTINCT unit FROM {WORK_SCHEMA}.keys WHERE unit IS NOT NULL",
                             unit_key)
        con.register("__uncounted_phon", names)
        con.register("__uncounted_units", units)
        try:
            con.execute(_INPUT_SQL)
        finally:
            con.unregister("__uncounted_phon")
            con.unregister("__uncounted_units")
        con.execute(f"DROP TABLE {WORK_SCHEMA}.keys")
        return int(con.execute(f"SELECT count(*) FROM {WORK_SCHEMA}.{INPUT_NAME}").fetchall()[0][0])

    def _lookup(self, sql: str, fn):
        """Apply ``fn`` to each distinct value returned by ``sql``; an Arrow table (value, key)."""
        import pyarrow as pa

        values = [row[0] for row in self._store.con.execute(sql).fetchall()]
        keys = [fn(v) for v in values]
        return pa.table({"value": pa.array(values, pa.string()),
                         "key": pa.array(keys, pa.string())})

    def input_frame(self, columns: Sequence[str]):
        """The linkage input as a pandas DataFrame (for engines outside DuckDB, e.g. Spark)."""
        cols = ", ".join(_identifier(c) for c in columns)
        return self._store.con.execute(f"SELECT {cols} FROM {WORK_SCHEMA}.{INPUT_NAME}").df()

    def put_table(self, name: str, frame) -> str:
        """Copy a DataFrame (e.g. predictions computed elsewhere) into a workspace table."""
        con = self._store.con
        con.register("__uncounted_put", frame)
        try:
            con.execute(f"CREATE TABLE {WORK_SCHEMA}.{_identifier(name)} AS "
                        "SELECT * FROM __uncounted_put")
        finally:
            con.unregister("__uncounted_put")
        return name

    def drop_weak_pairs(self, predictions: str, *, nameless: bool,
                        separate: Sequence[tuple[str, str]], threshold: float) -> tuple[str, dict]:
        """Copy ``predictions`` without the pairs the guard rails forbid; (new table, counts).

        Removed: with ``nameless``, every pair of two records that both lack any name key
        (surname, given name, patronymic); and every pair between two lists named in
        ``separate`` (unordered pairs of list names). The counts are of the removed pairs and
        of those among them at or above ``threshold`` (the ones the model would have joined).
        """
        con = self._store.con
        source = f"{WORK_SCHEMA}.{_identifier(predictions)}"
        target = f"{WORK_SCHEMA}.{_identifier(predictions)}_guarded"
        rows = [(a, b) for a, b in separate] + [(b, a) for a, b in separate]
        sep = self._list_pairs(rows)
        named = ("coalesce(nullif(trim({t}.surname_key), ''), nullif(trim({t}.given_name_key), ''), "
                 "nullif(trim({t}.patronymic_key), '')) IS NOT NULL")
        con.register("__uncounted_separate", sep)
        try:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE __uncounted_weak AS
                SELECT p.uid_l, p.uid_r, p.match_probability,
                       (? AND NOT {named.format(t='a')} AND NOT {named.format(t='b')}) AS nameless,
                       (s.list_a IS NOT NULL) AS separate
                FROM {source} p
                JOIN main.records a ON a.uid = p.uid_l
                JOIN main.records b ON b.uid = p.uid_r
                LEFT JOIN __uncounted_separate s ON s.list_a = a.list_name AND s.list_b = b.list_name
            """, [bool(nameless)])
        finally:
            con.unregister("__uncounted_separate")
        counts = dict(zip(
            ["nameless", "nameless_joined", "separate", "separate_joined"],
            con.execute("""
                SELECT count(*) FILTER (WHERE nameless),
                       count(*) FILTER (WHERE nameless AND match_probability >= ?),
                       count(*) FILTER (WHERE separate AND NOT nameless),
                       count(*) FILTER (WHERE separate AND NOT nameless AND match_probability >= ?)
                FROM __uncounted_weak""", [threshold, threshold]).fetchall()[0], strict=True))
        con.execute(f"""
            CREATE OR REPLACE TABLE {target} AS
            SELECT p.* FROM {source} p ANTI JOIN (
                SELECT uid_l, uid_r FROM __uncounted_weak WHERE nameless OR separate) w
            ON w.uid_l = p.uid_l AND w.uid_r = p.uid_r""")
        con.execute("DROP TABLE IF EXISTS __uncounted_weak")
        return target.split(".", 1)[1], {k: int(v or 0) for k, v in counts.items()}

    @staticmethod
    def _list_pairs(rows):
        import pyarrow as pa

        return pa.table({"list_a": pa.array([a for a, _ in rows], pa.string()),
                         "list_b": pa.array([b for _, b in rows], pa.string())})

    def close(self) -> None:
        """Drop the workspace and everything Splink left in it."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        self._store.con.execute(f"DROP SCHEMA IF EXISTS {WORK_SCHEMA} CASCADE")
