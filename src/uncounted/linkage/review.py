"""The review queue: uncertain pairs, most informative first, and append-only decisions.

A pair of the latest link run is in the queue when its match probability is inside the review
band (``[linkage] review_band`` in ``uncounted.toml``, default 0.3-0.9) and no match / non-match
decision is in force on it ("unsure" pairs come back, after the undecided ones). Order: the pair
whose answer changes the most first, measured as the entropy of its match probability (largest
at 0.5) times the number of records whose person would change (the smaller of the two clusters
when the pair is currently split, the records of the cluster otherwise).

Decisions are only ever INSERTed (:func:`record_decision`); the latest decision on a pair is in
force (:func:`~uncounted.linkage.cluster.latest_decisions`), so nothing is lost and every change is
in ``audit_log``.

References
----------
Sariyar, M., Borg, A. and Pommerening, K. (2012). Active learning strategies for the deduplication
of electronic patient data using classification trees. *Journal of Biomedical Informatics* 45(5),
893-900. https://doi.org/10.1016/j.jbi.2012.04.008
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..histories import latest_run_id
from ..store import Store, default_actor, now
from .cluster import DECISIONS

#: Record fields shown side by side to a reviewer, in order.
DISPLAY_FIELDS = ("list_name", "record_id", "surname_raw", "given_name_raw", "patronymic_raw",
                  "full_name_raw", "surname_key", "given_name_key", "given_name_canon",
                  "patronymic_key", "birth_date_raw", "birth_year", "birth_month", "birth_day",
                  "death_date_raw", "death_year", "death_month", "death_day", "region_raw",
                  "region_iso",
                  "unit", "rank", "source_url", "notes")


@dataclass(frozen=True)
class QueueItem:
    """One pair to review."""

    uid_l: str
    uid_r: str
    match_probability: float
    priority: float
    detail: dict
    previous: str | None = None          # the decision in force, if "unsure"
    previous_id: int | None = None


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


class ReviewQueue:
    """Pairs to review for a link run (default: the latest) in a probability band."""

    def __init__(self, store: Store, *, band: tuple[float, float] = (0.3, 0.9),
                 run_id: int | None = None):
        lo, hi = band
        if not 0.0 <= lo < hi <= 1.0:
            raise InputError("the review band must be two probabilities lo < hi",
                             column="review_band", value=band)
        self.store, self.band = store, (float(lo), float(hi))
        self.run_id = latest_run_id(store.con) if run_id is None else run_id

    def frame(self) -> pd.DataFrame:
        """The queue as a DataFrame, most informative first."""
        q = self.store.execute("""
            WITH d AS (
                SELECT uid_l, uid_r, decision, decision_id FROM (
                    SELECT *, row_number() OVER (PARTITION BY uid_l, uid_r
                                                 ORDER BY decided_at DESC, decision_id DESC) rn
                    FROM decisions) WHERE rn = 1),
            size AS (SELECT person_id, count(*) AS n FROM persons WHERE run_id = ?
                     GROUP BY person_id)
            SELECT p.uid_l, p.uid_r, p.match_probability, p.detail, d.decision AS previous,
                   d.decision_id AS previous_id, pl.person_id = pr.person_id AS joined,
                   sl.n AS n_l, sr.n AS n_r
            FROM pairs p
            LEFT JOIN d ON d.uid_l = p.uid_l AND d.uid_r = p.uid_r
            JOIN persons pl ON pl.run_id = p.run_id AND pl.uid = p.uid_l
            JOIN persons pr ON pr.run_id = p.run_id AND pr.uid = p.uid_r
            JOIN size sl ON sl.person_id = pl.person_id
            JOIN size sr ON sr.person_id = pr.person_id
            WHERE p.run_id = ? AND p.match_probability BETWEEN ? AND ?
              AND (d.decision IS NULL OR d.decision = 'unsure')""",
            [self.run_id, self.run_id, *self.band]).df()
        if q.empty:
            return q.assign(priority=pd.Series(dtype=float))
        affected = np.where(q["joined"], q["n_l"], np.minimum(q["n_l"], q["n_r"]))
        q["priority"] = _entropy(q["match_probability"].to_numpy()) * affected
        q["unsure"] = q["previous"].notna()
        q = q.sort_values(["unsure", "priority", "uid_l", "uid_r"],
                          ascending=[True, False, True, True], kind="stable")
        return q.drop(columns=["unsure"]).reset_index(drop=True)

    def __iter__(self):
        for row in self.frame().itertuples(index=False):
            yield QueueItem(row.uid_l, row.uid_r, float(row.match_probability), float(row.priority),
                            json.loads(row.detail) if row.detail else {},
                            None if pd.isna(row.previous) else row.previous,
                            None if pd.isna(row.previous_id) else int(row.previous_id))

    def __len__(self) -> int:
        return len(self.frame())


def record_decision(store: Store, uid_l: str, uid_r: str, decision: str, *,
                    reviewer: str | None = None, note: str | None = None,
                    based_on: int | None = None) -> int:
    """Append a decision on a pair (in either order) and audit it; returns its id."""
    if decision not in DECISIONS:
        raise InputError(f"a decision is one of {', '.join(DECISIONS)}", column="decision",
                         value=decision)
    if uid_l == uid_r:
        raise InputError("a pair needs two different records", column="uid", value=uid_l)
    a, b = sorted([uid_l, uid_r])
    found = store.execute("SELECT count(*) FROM records WHERE uid IN (?, ?)", [a, b]).fetchone()[0]
    if found != 2:
        raise InputError("no such record in the store; check the uid ('<list>/<record_id>')",
                         column="uid", value=f"{a} | {b}")
    reviewer = reviewer or default_actor()
    with store.transaction():
        did = store.execute("SELECT nextval('decision_seq')").fetchone()[0]
        store.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [did, a, b, decision, reviewer, now(), note, based_on])
        store.audit("decision", actor=reviewer, target=f"{a} | {b}",
                    detail={"decision": decision, "decision_id": int(did), "note": note,
                            "based_on": based_on})
    return int(did)


def records_side_by_side(store: Store, uid_l: str, uid_r: str) -> list[tuple[str, str, str]]:
    """(field, left value, right value) for the display fields that either record has."""
    cols = ", ".join(DISPLAY_FIELDS)
    rows = {r[0]: r[1:] for r in store.execute(
        f"SELECT uid, {cols} FROM records WHERE uid IN (?, ?)", [uid_l, uid_r]).fetchall()}
    left, right = rows.get(uid_l), rows.get(uid_r)
    out = []
    for i, name in enumerate(DISPLAY_FIELDS):
        lv = "" if left is None or left[i] is None else str(left[i])
        rv = "" if right is None or right[i] is None else str(right[i])
        if lv or rv:
            out.append((name, lv, rv))
    return out
