"""Build the linkage input table from the store's ``records``.

The normalised columns come from the records stage; the derived ones (phonetic keys, normalised
unit) are computed in Python once per DISTINCT value and joined back in SQL, so a million records
with a few tens of thousands of distinct names cost a few tens of thousands of Python calls.
Names are only ever passed as data (a registered Arrow table), never pasted into SQL.
"""

from __future__ import annotations

from .settings import INPUT_COLUMNS, normalise_unit, phonetic_key

WORK_SCHEMA = "splink_work"
INPUT_NAME = "uncounted_link_input"  # unique across schemas: Splink looks columns up by name
INPUT_TABLE = f"{WORK_SCHEMA}.{INPUT_NAME}"

_KEYS_SQL = """
SELECT uid, list_name,
       nullif(trim(surname_key), '') AS surname_key,
       nullif(trim(given_name_key), '') AS given_name_key,
       coalesce(nullif(trim(given_name_canon), ''), nullif(trim(given_name_key), ''))
           AS given_name_canon,
       nullif(trim(patronymic_key), '') AS patronymic_key,
       birth_year, birth_month, birth_day, death_year, death_month, death_day,
       region_iso, federal_district, unit
FROM main.records
"""


def _lookup(con, sql: str, fn) -> object:
    """Apply ``fn`` to each distinct value returned by ``sql``; an Arrow table (value, key)."""
    import pyarrow as pa

    values = [row[0] for row in con.execute(sql).fetchall()]
    keys = [fn(v) for v in values]
    return pa.table({"value": pa.array(values, pa.string()), "key": pa.array(keys, pa.string())})


def build_input_table(con) -> int:
    """(Re)create ``splink_work.link_input`` from ``main.records``; returns its row count.

    ``con`` is a DuckDB connection on the project store.
    """
    con.execute(f"DROP SCHEMA IF EXISTS {WORK_SCHEMA} CASCADE")
    con.execute(f"CREATE SCHEMA {WORK_SCHEMA}")
    con.execute(f"CREATE TABLE {WORK_SCHEMA}.keys AS {_KEYS_SQL}")
    names = _lookup(con, f"""
        SELECT DISTINCT v FROM (
            SELECT surname_key AS v FROM {WORK_SCHEMA}.keys UNION
            SELECT given_name_key FROM {WORK_SCHEMA}.keys UNION
            SELECT patronymic_key FROM {WORK_SCHEMA}.keys) WHERE v IS NOT NULL""", phonetic_key)
    units = _lookup(con, f"SELECT DISTINCT unit FROM {WORK_SCHEMA}.keys WHERE unit IS NOT NULL",
                    normalise_unit)
    con.register("__uncounted_phon", names)
    con.register("__uncounted_units", units)
    try:
        con.execute(f"""
            CREATE TABLE {INPUT_TABLE} AS
            SELECT k.uid, k.list_name, k.surname_key, k.given_name_key, k.given_name_canon,
                   k.patronymic_key, ps.key AS surname_phon, pg.key AS given_name_phon,
                   pp.key AS patronymic_phon,
                   k.birth_year, k.birth_month, k.birth_day,
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
            ORDER BY k.uid""")
    finally:
        con.unregister("__uncounted_phon")
        con.unregister("__uncounted_units")
    con.execute(f"DROP TABLE {WORK_SCHEMA}.keys")
    return con.execute(f"SELECT count(*) FROM {INPUT_TABLE}").fetchone()[0]


def input_frame(con):
    """The linkage input as a pandas DataFrame (for the Spark backend)."""
    cols = ", ".join(INPUT_COLUMNS)
    return con.execute(f"SELECT {cols} FROM {INPUT_TABLE}").df()


def drop_work_schema(con) -> None:
    """Remove Splink's intermediate tables from the store."""
    con.execute(f"DROP SCHEMA IF EXISTS {WORK_SCHEMA} CASCADE")
