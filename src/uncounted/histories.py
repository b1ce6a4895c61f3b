"""Capture histories: persons x lists -> :class:`~uncounted.mse.table.CaptureTable`.

A person (a cluster of records from the latest link run) is caught by a list when at least one of
its records comes from that list. Strata describe the person by the most frequent non-empty value
among its records (ties: the smallest value; none: ``"unknown"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .exceptions import InputError, ProjectError
from .mse.table import CaptureTable

#: Stratum names accepted by ``--strata`` and the ``records`` column each one reads.
STRATA: dict[str, str] = {
    "region": "region_iso", "region_iso": "region_iso", "federal_district": "federal_district",
    "region_status": "region_status", "birth_year": "birth_year", "death_year": "death_year",
    "unit": "unit", "rank": "rank",
}
UNKNOWN = "unknown"


def latest_run_id(con) -> int:
    """The id of the most recent link run; :class:`ProjectError` when there is none."""
    row = con.execute("SELECT max(run_id) FROM link_runs").fetchone()
    if row is None or row[0] is None:
        raise ProjectError("no link run in this project yet: run 'uncounted link DIR' first")
    return int(row[0])


def patterns_from_labels(labels: np.ndarray, list_index: np.ndarray) -> np.ndarray:
    """Capture pattern (bit mask over lists) of each cluster.

    Parameters
    ----------
    labels
        Cluster label of each record, integers in ``[0, n_clusters)`` not necessarily contiguous.
    list_index
        0-based list of each record.

    Returns
    -------
    The pattern of every non-empty cluster, in increasing label order.
    """
    labels = np.asarray(labels, np.int64)
    bits = np.left_shift(1, np.asarray(list_index, np.int64))
    out = np.zeros(labels.max() + 1 if len(labels) else 0, np.int64)
    np.bitwise_or.at(out, labels, bits)
    return out[out > 0]


def counts_from_labels(labels: np.ndarray, list_index: np.ndarray, k: int) -> np.ndarray:
    """Counts by capture pattern (length ``2**k``) of the clusters given by ``labels``."""
    return np.bincount(patterns_from_labels(labels, list_index), minlength=2**k).astype(np.int64)


def _lists(con) -> list[str]:
    names = [r[0] for r in con.execute(
        "SELECT DISTINCT list_name FROM records ORDER BY list_name").fetchall()]
    if len(names) < 2:
        raise ProjectError(f"capture histories need at least two lists; the store has {len(names)}")
    return names


def histories_frame(con, *, run_id: int | None = None,
                    strata: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per person: a 0/1 column per list and a column per stratum; and the list names."""
    run_id = latest_run_id(con) if run_id is None else run_id
    lists = _lists(con)
    strata = list(strata or [])
    for s in strata:
        if s not in STRATA:
            raise InputError(f"unknown stratum; use one of {', '.join(sorted(STRATA))}",
                             column="--strata", value=s)
    extra = "".join(f", CAST(r.{STRATA[s]} AS VARCHAR) AS {_col(s)}" for s in strata)
    frame = con.execute(f"""
        SELECT p.person_id, p.list_name {extra}
        FROM persons p JOIN records r ON r.uid = p.uid
        WHERE p.run_id = ?""", [run_id]).df()
    if frame.empty:
        raise ProjectError(f"link run {run_id} has no persons")
    caught = (pd.crosstab(frame["person_id"], frame["list_name"]) > 0).astype(int)
    caught = caught.reindex(columns=lists, fill_value=0)
    for s in strata:
        caught[s] = _mode_by_person(frame, _col(s)).reindex(caught.index).fillna(UNKNOWN)
    return caught.reset_index(drop=True), lists


def _col(stratum: str) -> str:
    return f"s_{stratum}"


def _mode_by_person(frame: pd.DataFrame, col: str) -> pd.Series:
    vals = frame[["person_id", col]].dropna()
    vals = vals[vals[col].astype(str).str.strip() != ""]
    counts = vals.groupby(["person_id", col]).size().reset_index(name="n")
    counts = counts.sort_values(["person_id", "n", col], ascending=[True, False, True])
    return counts.drop_duplicates("person_id").set_index("person_id")[col]


def capture_table(con, *, run_id: int | None = None,
                  strata: Sequence[str] | None = None) -> CaptureTable:
    """The capture table of a link run (default: the latest), optionally stratified."""
    frame, lists = histories_frame(con, run_id=run_id, strata=strata)
    grouped = frame.groupby(lists + list(strata or []), as_index=False).size()
    grouped = grouped.rename(columns={"size": "count"})
    return CaptureTable.from_frame(grouped, strata=list(strata or []) or None, lists=lists,
                                   source=f"link run {run_id or latest_run_id(con)}")
