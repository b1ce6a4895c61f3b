"""What describes a person: one value per person from the values of its records.

A person is a cluster of records; its region (and its stratum for ``uncounted histories
--strata``, and its unit in the regional analysis) is decided by one rule,
:data:`PERSON_VALUE_RULE`, used by every stage:

    the most frequent non-empty value among the person's records; a tie goes to the smallest
    value (string order: for regions the smallest ISO 3166-2 code); a person none of whose
    records has a value gets ``"unknown"``.

Why this rule: the majority of the records is the best evidence the lists give (a person on
three lists, two of which say Buryatia, is placed in Buryatia); when the lists are split evenly no
record is more credible than another, and the smallest code is arbitrary but the same on every
run, in every stage and on every machine (the order in which records were read is not).

The persons themselves come from the caller (a DataFrame with ``uid`` and ``person_id``: usually
:func:`uncounted.linkage.cluster.current_persons`), so the rule applies to any clustering: the
saved one, the current one, a linkage draw, or a persons table read from a file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .base import Queries
from .schema import UNKNOWN

#: The rule, as the common table expressions after ``person_value_input(person_id, value)``,
#: one row per record (see :func:`_rule_sql`).
PERSON_VALUE_RULE = f"""
v AS (
    SELECT person_id, nullif(trim(CAST(value AS VARCHAR)), '') AS value
    FROM person_value_input),
counted AS (
    SELECT person_id, value, count(*) AS n FROM v WHERE value IS NOT NULL
    GROUP BY person_id, value),
best AS (
    SELECT person_id, value FROM counted
    QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY n DESC, value) = 1)
SELECT p.person_id, coalesce(best.value, '{UNKNOWN}') AS value
FROM (SELECT DISTINCT person_id FROM v) p LEFT JOIN best USING (person_id)
ORDER BY p.person_id
"""

#: Record columns that describe a person (the strata of ``uncounted histories``, and unit).
PERSON_COLUMNS = ("region_iso", "federal_district", "region_status", "birth_year", "death_year",
                  "unit", "rank")

# the most precise death date any record of the person gives (ties: the earliest)
_DEATH_DATE = """
WITH d AS (
    SELECT p.person_id,
           CASE WHEN r.death_year IS NULL THEN NULL
                WHEN r.death_month IS NULL THEN CAST(r.death_year AS VARCHAR)
                WHEN r.death_day IS NULL THEN printf('%04d-%02d', r.death_year, r.death_month)
                ELSE printf('%04d-%02d-%02d', r.death_year, r.death_month, r.death_day)
           END AS date
    FROM __uncounted_members p JOIN records r ON r.uid = p.uid)
SELECT person_id, date FROM d WHERE date IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY length(date) DESC, date) = 1
"""


def _rule_sql(source: str) -> str:
    """:data:`PERSON_VALUE_RULE` over ``source``, a query of (person_id, value) rows."""
    return f"WITH person_value_input AS ({source}),{PERSON_VALUE_RULE}"


def _series(rows, name: str):
    import pandas as pd

    return pd.Series({pid: v for pid, v in rows}, name=name, dtype=object).rename_axis("person_id")


class PersonValues(Queries):
    """``store.persons``: one value per person, from the records of a given clustering."""

    @contextlib.contextmanager
    def _members(self, persons) -> Iterator[None]:
        frame = persons[["uid", "person_id"]]
        self._con.register("__uncounted_members", frame)
        try:
            yield
        finally:
            self._con.unregister("__uncounted_members")

    def values(self, persons, column: str):
        """The value of ``column`` for each person, by :data:`PERSON_VALUE_RULE`.

        Parameters
        ----------
        persons
            A DataFrame with ``uid`` (a record) and ``person_id``; records not in the store count
            as records without a value.
        column
            One of :data:`PERSON_COLUMNS`.

        Returns
        -------
        A Series indexed by ``person_id`` (every person of ``persons``), ``"unknown"`` when no
        record has a value.
        """
        if column not in PERSON_COLUMNS:
            raise ValueError(f"{column!r} does not describe a person; use one of "
                             f"{', '.join(PERSON_COLUMNS)}")
        source = (f"SELECT m.person_id, r.{column} AS value FROM __uncounted_members m "
                  "LEFT JOIN records r ON r.uid = m.uid")
        with self._members(persons):
            rows = self._con.execute(_rule_sql(source)).fetchall()
        return _series(rows, column)

    def regions(self, persons):
        """Each person's region (``region_iso`` by :data:`PERSON_VALUE_RULE`): the person_region
        every stage uses."""
        return self.values(persons, "region_iso").rename("region")

    def death_dates(self, persons):
        """The most precise death date any record of each person gives (``YYYY``, ``YYYY-MM`` or
        ``YYYY-MM-DD``; ties: the earliest); persons without one are left out."""
        with self._members(persons):
            rows = self._con.execute(_DEATH_DATE).fetchall()
        return _series(rows, "date")


def person_values(person_ids, values):
    """:data:`PERSON_VALUE_RULE` on values given directly, one per record (no store needed).

    Parameters
    ----------
    person_ids, values
        Sequences of equal length: the person of each record and the record's value.

    Returns
    -------
    A Series indexed by ``person_id``.
    """
    import duckdb
    import pandas as pd

    frame = pd.DataFrame({"person_id": [str(p) for p in person_ids],
                          "value": [None if pd.isna(v) else str(v) for v in values]},
                         dtype=object)
    with duckdb.connect() as con:
        con.register("__uncounted_values", frame)
        rows = con.execute(_rule_sql("SELECT person_id, value FROM __uncounted_values")).fetchall()
    return _series(rows, "value")
