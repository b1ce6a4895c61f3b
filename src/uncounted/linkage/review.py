"""The review queue: uncertain pairs, most informative first, and append-only decisions.

A pair of the latest link run is in the queue when its match probability is inside the review
band (``[linkage] review_band`` in ``uncounted.toml``, default 0.3-0.9: ``lo <= p < hi``, so a
pair at the clustering threshold, which the model joins, is not in it) and no match / non-match
decision is in force on it ("unsure" pairs come back, after the undecided ones). Order: the pair
whose answer changes the most first, measured as the entropy of its match probability (largest
at 0.5) times the number of records whose person would change (the smaller of the two persons
when the pair is now split, the records of the person otherwise), with the persons as they are
now (:func:`~uncounted.linkage.cluster.current_persons`).

Decisions are written by the store's one writer (:meth:`uncounted.store.decisions.Decisions.record`,
append-only and audited), which the command-line reviewer and the web UI both call.

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

from ..exceptions import InputError, ProjectError
from ..store import Store
from .cluster import current_persons

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
        if run_id is None:
            run_id = store.runs.latest_id()
            if run_id is None:
                raise ProjectError("no link run in this project yet: run 'uncounted link DIR' "
                                   "first")
        self.run_id = run_id

    def frame(self) -> pd.DataFrame:
        """The queue as a DataFrame, most informative first."""
        q = self.store.runs.band_pairs(self.run_id, self.band)
        q = q[q["decision"].isna() | (q["decision"] == "unsure")]
        q = q.rename(columns={"decision": "previous", "decision_id": "previous_id"})
        q = q.drop(columns=["reviewer", "match_weight"]).reset_index(drop=True)
        if q.empty:
            return q.assign(priority=pd.Series(dtype=float))
        persons = current_persons(self.store, self.run_id).frame.set_index("uid")["person_id"]
        size = persons.value_counts()
        pl, pr = persons.reindex(q["uid_l"]).to_numpy(), persons.reindex(q["uid_r"]).to_numpy()
        n_l = size.reindex(pl).fillna(1).to_numpy()
        n_r = size.reindex(pr).fillna(1).to_numpy()
        affected = np.where(pl == pr, n_l, np.minimum(n_l, n_r))
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


def records_side_by_side(store: Store, uid_l: str, uid_r: str) -> list[tuple[str, str, str]]:
    """(field, left value, right value) for the display fields that either record has."""
    rows = store.records.by_uid([uid_l, uid_r], DISPLAY_FIELDS)
    left, right = rows.get(uid_l, {}), rows.get(uid_r, {})
    out = []
    for name in DISPLAY_FIELDS:
        lv = "" if left.get(name) is None else str(left[name])
        rv = "" if right.get(name) is None else str(right[name])
        if lv or rv:
            out.append((name, lv, rv))
    return out


def review_progress(store: Store, band: tuple[float, float]) -> dict[str, int]:
    """Counts of the review band of the latest run: pairs, decided (by the decision in force),
    pending, conflicts, and decisions recorded in all."""
    counts = {"match": 0, "non-match": 0, "unsure": 0}
    run_id = store.runs.latest_id()
    if run_id is None:
        return {"in_band": 0, "decided": 0, **counts, "pending": 0, "conflicts": 0,
                "decisions": 0}
    decided = store.runs.band_pairs(run_id, band)["decision"]
    for decision, n in decided.value_counts().items():
        counts[decision] = counts.get(decision, 0) + int(n)
    total = len(decided)
    pending = int(decided.isna().sum())
    return {"in_band": total, "decided": total - pending, **counts, "pending": pending,
            "conflicts": len(store.decisions.conflicts()), "decisions": store.decisions.count()}
