"""Read what the report and the review UI show from a project store.

Everything here reads the store schema (``uncounted.store``) with parameterised SQL only, and turns
it into plain arrays, dicts and :class:`~uncounted.mse.CaptureTable` objects. The one computation is
:func:`cluster`: the persons implied by the latest link run with the review decisions overriding the
model (a pair decided ``match`` is joined, ``non-match`` is kept apart, ``unsure`` or undecided
follows the model's probability against the threshold). It is cheap (one sparse connected-components
pass), so the review UI recomputes it after every decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..mse.table import CaptureTable, pattern_bits

LATEST_DECISIONS = """
    SELECT uid_l, uid_r, decision, decision_id, reviewer, decided_at, based_on_decision
    FROM decisions
    QUALIFY row_number() OVER (PARTITION BY uid_l, uid_r ORDER BY decision_id DESC) = 1
"""


def latest_run(con) -> dict[str, Any] | None:
    """The most recent ``link_runs`` row as a dict, or None before any linkage."""
    cur = con.execute("SELECT * FROM link_runs ORDER BY run_id DESC LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def list_names(con) -> list[str]:
    """Names of the project's lists, sorted (the bit order of capture patterns)."""
    names = [r[0] for r in con.execute("SELECT list_name FROM lists ORDER BY list_name").fetchall()]
    if not names:  # records imported by a tool that did not fill `lists`
        names = [r[0] for r in con.execute(
            "SELECT DISTINCT list_name FROM records ORDER BY list_name").fetchall()]
    return names


def threshold(con, run: dict | None, default: float = 0.9) -> float:
    """The run's clustering threshold, else ``default`` (the project setting)."""
    if run is not None and run.get("threshold") is not None:
        return float(run["threshold"])
    return float(default)


@dataclass(frozen=True)
class Clustering:
    """Records grouped into persons.

    Attributes
    ----------
    uids
        Record uids, in a fixed order.
    lists
        List name of each record.
    label
        Person number (0..n_persons-1) of each record.
    list_names
        Lists in bit order.
    regions
        ``region_iso`` of each record (None when unknown).
    decisions_seen
        Highest decision id taken into account (0 when none), a cache key.
    """

    uids: np.ndarray
    lists: np.ndarray
    label: np.ndarray
    list_names: tuple[str, ...]
    regions: np.ndarray
    decisions_seen: int

    @property
    def n_persons(self) -> int:
        return int(self.label.max()) + 1 if self.label.size else 0

    def patterns(self) -> np.ndarray:
        """Capture-pattern bit mask of each person."""
        from ..histories import patterns_from_labels

        index = {name: j for j, name in enumerate(self.list_names)}
        # labels are contiguous 0..n_persons-1 and every person has a record, so no cluster is empty
        return patterns_from_labels(self.label, np.array([index[x] for x in self.lists]))

    def person_regions(self) -> np.ndarray:
        """One region per person: the smallest known ``region_iso`` of its records, else 'unknown'."""
        out = np.full(self.n_persons, "unknown", dtype=object)
        order = np.argsort(self.regions.astype(str), kind="stable")
        for i in order[::-1]:
            if self.regions[i] is not None:
                out[self.label[i]] = self.regions[i]
        return out

    def capture_table(self, *, by_region: bool = False) -> CaptureTable:
        """Persons x lists as a capture table (stratified by person region if asked)."""
        import pandas as pd

        k = len(self.list_names)
        pats = self.patterns()
        frame = pd.DataFrame(pattern_bits(pats, k), columns=list(self.list_names))
        cols = list(self.list_names)
        if by_region:
            frame["region"] = self.person_regions()
            cols.append("region")
        frame["count"] = 1
        frame = frame.groupby(cols, as_index=False)["count"].sum()
        return CaptureTable.from_frame(frame, lists=self.list_names,
                                       strata=["region"] if by_region else None,
                                       source="project persons")


def records_frame(con):
    """uid, list_name and region_iso of every live record (pandas DataFrame)."""
    return con.execute("SELECT uid, list_name, region_iso FROM records ORDER BY uid").df()


def cluster(con, *, default_threshold: float = 0.9) -> Clustering:
    """Persons from the latest run's pairs, with review decisions overriding the model.

    A record with no link is a person on its own. Pairs are joined when their latest decision is
    ``match``, or when they have no decision (or ``unsure``) and the model's probability reaches the
    run's threshold. When the linkage stage is installed its clustering is used
    (:func:`uncounted.linkage.cluster.assign`: ``non-match`` is a cannot-link constraint), so the
    numbers match ``uncounted link``; otherwise a ``non-match`` decision only removes the model's
    link (plain connected components, where other records can still join the two).
    """
    run = latest_run(con)
    thr = threshold(con, run, default_threshold)
    recs = records_frame(con)
    names = tuple(list_names(con))
    run_id = run["run_id"] if run is not None else -1
    uids = recs["uid"].to_numpy(dtype=object)
    pos = {u: i for i, u in enumerate(uids)}
    model = con.execute("SELECT uid_l, uid_r, match_probability FROM pairs WHERE run_id = ? AND "
                        "match_probability >= ?", [run_id, thr]).fetchall()
    model = [(pos[a], pos[b], p) for a, b, p in model if a in pos and b in pos]
    left = np.array([m[0] for m in model], dtype=np.int64)
    right = np.array([m[1] for m in model], dtype=np.int64)
    prob = np.array([m[2] for m in model], dtype=float)
    seen = con.execute("SELECT coalesce(max(decision_id), 0) FROM decisions").fetchone()[0]
    label = _assign(con, recs, left, right, prob)
    regions = recs["region_iso"].astype(object).where(recs["region_iso"].notna(), None)
    return Clustering(uids=uids, lists=recs["list_name"].to_numpy(dtype=object),
                      label=_relabel(label), list_names=names,
                      regions=regions.to_numpy(dtype=object), decisions_seen=int(seen))


def _assign(con, recs, left, right, prob) -> np.ndarray:
    """Component label per record: the linkage stage's clustering if installed, else ours."""
    import pandas as pd

    try:
        from ..linkage.cluster import assign
    except ImportError:
        assign = None
    decisions = con.execute(f"SELECT uid_l, uid_r, decision FROM ({LATEST_DECISIONS})").df()
    uids = pd.Index(recs["uid"])
    if assign is not None:
        return np.asarray(assign(uids, left, right, prob, decisions))
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pos = pd.Series(np.arange(len(uids)), index=uids)
    d = decisions[decisions["uid_l"].isin(uids) & decisions["uid_r"].isin(uids)
                  & decisions["decision"].isin(["match", "non-match"])]
    decided = {(pos[a], pos[b]) for a, b in zip(d["uid_l"], d["uid_r"], strict=True)}
    keep = np.array([(a, b) not in decided and (b, a) not in decided
                     for a, b in zip(left.tolist(), right.tolist(), strict=True)], dtype=bool)
    must = d[d["decision"] == "match"]
    a = np.concatenate([left[keep] if left.size else left, pos[must["uid_l"]].to_numpy()])
    b = np.concatenate([right[keep] if right.size else right, pos[must["uid_r"]].to_numpy()])
    n = len(uids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a.astype(np.int64), b.astype(np.int64))), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _relabel(label: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..k-1 in order of first appearance."""
    _, first, inverse = np.unique(np.asarray(label), return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.int64)


def review_progress(con, band: tuple[float, float]) -> dict[str, int]:
    """Counts of the review queue: pairs of the latest run in ``band`` and their latest decisions."""
    run = latest_run(con)
    if run is None:
        return {"in_band": 0, "decided": 0, "match": 0, "non-match": 0, "unsure": 0, "pending": 0,
                "conflicts": 0, "decisions": 0}
    rows = con.execute(f"""
        WITH latest AS ({LATEST_DECISIONS})
        SELECT d.decision, count(*) FROM pairs p
        LEFT JOIN latest d ON d.uid_l = p.uid_l AND d.uid_r = p.uid_r
        WHERE p.run_id = ? AND p.match_probability >= ? AND p.match_probability < ?
        GROUP BY d.decision
    """, [run["run_id"], band[0], band[1]]).fetchall()
    counts = {k: 0 for k in ("match", "non-match", "unsure")}
    pending = 0
    for decision, n in rows:
        if decision is None:
            pending += n
        else:
            counts[decision] = counts.get(decision, 0) + n
    total = pending + sum(counts.values())
    n_dec = con.execute("SELECT count(*) FROM decisions").fetchone()[0]
    return {"in_band": total, "decided": total - pending, **counts, "pending": pending,
            "conflicts": len(conflicts(con)), "decisions": int(n_dec)}


def conflicts(con) -> list[dict[str, Any]]:
    """Pairs whose decision in force was made without seeing the one before it, and disagrees.

    Decisions are append-only; two reviewers deciding one pair at once both land. The later one
    is in force, but when it was based on an older decision (``based_on_decision`` is not the
    previous decision's id) and says something different, the pair is flagged for another look.
    """
    rows = con.execute("""
        WITH ranked AS (
            SELECT *, lag(decision_id) OVER w AS prev_id, lag(decision) OVER w AS prev_decision,
                   row_number() OVER (PARTITION BY uid_l, uid_r ORDER BY decision_id DESC) AS rn
            FROM decisions WINDOW w AS (PARTITION BY uid_l, uid_r ORDER BY decision_id))
        SELECT uid_l, uid_r, decision_id, decision, reviewer, prev_id, prev_decision
        FROM ranked
        WHERE rn = 1 AND prev_id IS NOT NULL
              AND (based_on_decision IS NULL OR based_on_decision <> prev_id)
              AND decision <> prev_decision
        ORDER BY decision_id
    """).fetchall()
    keys = ["uid_l", "uid_r", "decision_id", "decision", "reviewer", "previous_id", "previous"]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def probability_histogram(con, bins: int = 20) -> dict[str, Any]:
    """Histogram of match probabilities of the latest run's scored pairs."""
    run = latest_run(con)
    edges = np.linspace(0.0, 1.0, bins + 1)
    if run is None:
        return {"edges": edges.tolist(), "counts": [0] * bins, "n_pairs": 0}
    p = np.array([r[0] for r in con.execute(
        "SELECT match_probability FROM pairs WHERE run_id = ? AND match_probability IS NOT NULL",
        [run["run_id"]]).fetchall()], dtype=float)
    counts, _ = np.histogram(p, bins=edges)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "n_pairs": int(p.size)}


def rows_as_dicts(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts, JSON columns parsed."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(cols, row, strict=True))
        for k in ("settings", "detail", "payload", "raw", "extras"):
            if isinstance(d.get(k), str):
                try:
                    d[k] = json.loads(d[k])
                except ValueError:
                    pass
        out.append(d)
    return out
