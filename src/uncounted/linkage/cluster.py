"""Clustering scored pairs into persons, with review decisions overriding the model.

Records are joined when their pair's match probability is at or above the threshold (connected
components). Decisions override: a pair decided "match" is always joined; a pair decided
"non-match" is never in one cluster, even through other records: edges are added strongest first
and an edge that would put a non-match pair in one cluster is skipped (a greedy constrained
clustering). "unsure" decisions leave the model in charge.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

DECISIONS = ("match", "non-match", "unsure")


def latest_decisions(con) -> pd.DataFrame:
    """The decision in force on each pair: the latest one (by time, then id)."""
    return con.execute("""
        SELECT uid_l, uid_r, decision, reviewer, decided_at, decision_id FROM (
            SELECT *, row_number() OVER (PARTITION BY uid_l, uid_r
                                         ORDER BY decided_at DESC, decision_id DESC) AS rn
            FROM decisions) WHERE rn = 1 ORDER BY decision_id""").df()


def person_id(min_uid: str) -> str:
    """A stable person id: a hash of the cluster's smallest record uid."""
    return "p" + hashlib.sha1(min_uid.encode("utf-8")).hexdigest()[:12]


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` nodes joined by edges ``left[i] -- right[i]``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def constrained_components(n: int, left: np.ndarray, right: np.ndarray, prob: np.ndarray,
                           cannot: list[tuple[int, int]]) -> np.ndarray:
    """Union-find over edges in descending ``prob``; skips unions that join a cannot-link pair."""
    parent = np.arange(n)
    blocked: dict[int, set[int]] = {}
    for a, b in cannot:
        blocked.setdefault(a, set()).add(b)
        blocked.setdefault(b, set()).add(a)
    # per root: the nodes it may not meet (kept only on roots that have any)
    forbid = {a: set(bs) for a, bs in blocked.items()}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for i in np.argsort(-prob, kind="stable"):
        ra, rb = find(left[i]), find(right[i])
        if ra == rb:
            continue
        fa, fb = forbid.get(ra, ()), forbid.get(rb, ())
        if any(find(x) == rb for x in fa) or any(find(x) == ra for x in fb):
            continue
        parent[rb] = ra
        if fb:
            forbid.setdefault(ra, set()).update(fb)
            forbid.pop(rb, None)
    return np.array([find(x) for x in range(n)])


def decision_edges(index: pd.Index, decisions: pd.DataFrame | None):
    """(must-link edges as two int arrays, cannot-link pairs) from the decisions in force."""
    empty = np.array([], dtype=np.int64)
    if decisions is None or not len(decisions):
        return (empty, empty), []
    d = decisions[decisions["uid_l"].isin(index) & decisions["uid_r"].isin(index)]
    pos = pd.Series(np.arange(len(index)), index=index)
    must = d[d["decision"] == "match"]
    cannot = d[d["decision"] == "non-match"]
    ml = (pos[must["uid_l"]].to_numpy(), pos[must["uid_r"]].to_numpy())
    cl = list(zip(pos[cannot["uid_l"]].to_numpy().tolist(), pos[cannot["uid_r"]].to_numpy().tolist()))
    return ml, cl


def assign(uids: pd.Index, left: np.ndarray, right: np.ndarray, prob: np.ndarray,
           decisions: pd.DataFrame | None) -> np.ndarray:
    """Component label per uid from model edges (already thresholded) and decisions."""
    (ml_l, ml_r), cannot = decision_edges(uids, decisions)
    if cannot:
        bad = {frozenset(p) for p in cannot}
        keep = np.array([frozenset((a, b)) not in bad for a, b in zip(left, right)], bool)
        left, right, prob = left[keep], right[keep], prob[keep]
    left = np.concatenate([left, ml_l]).astype(np.int64)
    right = np.concatenate([right, ml_r]).astype(np.int64)
    prob = np.concatenate([prob, np.full(len(ml_l), 2.0)])     # decided matches go first
    if cannot:
        return constrained_components(len(uids), left, right, prob, cannot)
    return components(len(uids), left, right)


def cluster_pairs(records: pd.DataFrame, edges: pd.DataFrame,
                  decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Persons from records and thresholded edges.

    Parameters
    ----------
    records
        Columns ``uid``, ``list_name``, ``record_id``.
    edges
        Columns ``uid_l``, ``uid_r``, ``match_probability``: the pairs at or above the threshold.
    decisions
        The decisions in force (:func:`latest_decisions`), or None.

    Returns
    -------
    DataFrame with ``uid``, ``list_name``, ``record_id``, ``person_id`` and ``match_probability``
    (the lowest probability among the accepted links inside the person's cluster; NaN for a person
    with one record).
    """
    uids = pd.Index(records["uid"])
    pos = pd.Series(np.arange(len(uids)), index=uids)
    left = pos[edges["uid_l"]].to_numpy()
    right = pos[edges["uid_r"]].to_numpy()
    prob = edges["match_probability"].to_numpy(float)
    labels = assign(uids, left, right, prob, decisions)
    out = records[["uid", "list_name", "record_id"]].copy()
    out["label"] = labels
    first = out.groupby("label")["uid"].transform("min")
    out["person_id"] = [person_id(u) for u in first]
    within = labels[left] == labels[right] if len(left) else np.array([], bool)
    conf = pd.Series(prob[within]).groupby(labels[left][within]).min()
    out["match_probability"] = out["label"].map(conf)
    size = out.groupby("label")["uid"].transform("size")
    out.loc[size == 1, "match_probability"] = np.nan
    # clusters joined only by decisions: confidence 1
    out.loc[(size > 1) & out["match_probability"].isna(), "match_probability"] = 1.0
    return out.drop(columns="label").reset_index(drop=True)
