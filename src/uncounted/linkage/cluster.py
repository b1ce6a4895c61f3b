"""Clustering scored pairs into persons, with review decisions overriding the model.

Records are joined when their pair's match probability is at or above the threshold (connected
components). Decisions override: a pair decided "match" is always joined; a pair decided
"non-match" is never in one cluster, even through other records: edges are added strongest first
and an edge that would put a non-match pair in one cluster is skipped (a greedy constrained
clustering). "unsure" decisions leave the model in charge.

:func:`current_persons` is the one place where the persons of a link run are made from the store:
``uncounted link`` saves them, and histories, the regional analysis, the report and the review UI
read them, so all of them count the same people.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, ProjectError
from ..store import DECISIONS, Store

__all__ = ["DECISIONS", "Persons", "assign", "cluster_pairs", "cluster_run", "components",
           "counts_from_labels", "current_persons", "patterns_from_labels", "person_id"]


@dataclass(frozen=True, eq=False)
class Persons:
    """The persons of a link run with the review decisions in force applied.

    Attributes
    ----------
    run_id, threshold
        The link run and the match probability at or above which its pairs join records.
    decisions_seen
        The highest decision id taken into account (0 when none): with ``run_id``, a cache key.
    lists
        The lists with live records, sorted (the bit order of capture patterns).
    frame
        One row per live record, ordered by uid: ``uid``, ``list_name``, ``record_id``,
        ``person_id`` and ``match_probability`` (see :func:`cluster_pairs`).
    stale
        Lists were imported or replaced after the run: their new records are persons on their
        own until the project is linked again.
    """

    run_id: int
    threshold: float
    decisions_seen: int
    lists: tuple[str, ...]
    frame: pd.DataFrame
    stale: bool = False

    @property
    def n_persons(self) -> int:
        return int(self.frame["person_id"].nunique())

    def labels(self) -> np.ndarray:
        """Person number of each record (0..n_persons-1, in order of first appearance)."""
        return pd.factorize(self.frame["person_id"], sort=False)[0].astype(np.int64)


def current_persons(store: Store, run_id: int | None = None) -> Persons:
    """The persons of a link run (default: the latest) with today's decisions in force.

    The run's pairs at or above its threshold join the live records; the decisions in force
    override them (:func:`cluster_pairs`). Right after ``uncounted link`` this is the clustering
    it saved; after more review decisions it follows them at once.

    Raises
    ------
    ProjectError
        There is no such link run.
    """
    run = store.runs.get(run_id)
    if run is None:
        raise ProjectError("no link run in this project yet: run 'uncounted link DIR' first"
                           if run_id is None else f"there is no link run {run_id}")
    if run["threshold"] is None:
        raise ProjectError(f"link run {run['run_id']} has no threshold; run 'uncounted link' again")
    threshold = float(run["threshold"])
    seen = store.decisions.last_id()
    frame = cluster_run(store, int(run["run_id"]), threshold)
    changed = store.records.lists_changed_since(run["created_at"])
    if changed:
        warnings.warn(f"lists {', '.join(changed)} changed after link run {run['run_id']}: their "
                      "new records are persons on their own until you run 'uncounted link' again",
                      DataWarning, stacklevel=2)
    return Persons(int(run["run_id"]), threshold, seen, tuple(store.records.list_names()), frame,
                   stale=bool(changed))


def cluster_run(store: Store, run_id: int, threshold: float) -> pd.DataFrame:
    """:func:`cluster_pairs` on the live records, a run's pairs at or above ``threshold`` and the
    decisions in force: what ``uncounted link`` saves and :func:`current_persons` returns."""
    return cluster_pairs(store.records.keys(), store.runs.edges(run_id, threshold),
                         store.decisions.in_force())


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


def _person_ids(uids: pd.Index, labels: np.ndarray) -> np.ndarray:
    """:func:`person_id` of each record's cluster (the hash of the cluster's smallest uid)."""
    if not len(uids):
        return np.array([], dtype=object)
    # rank of each uid in sorted order (the store gives them sorted: no sort needed then)
    rank = (np.arange(len(uids)) if uids.is_monotonic_increasing
            else np.argsort(np.argsort(uids.to_numpy(), kind="stable"), kind="stable"))
    smallest = np.full(labels.max() + 1, len(uids))
    np.minimum.at(smallest, labels, rank)
    by_rank = uids.to_numpy() if uids.is_monotonic_increasing else np.sort(uids.to_numpy())
    used = np.unique(labels)
    ids = np.empty(labels.max() + 1, dtype=object)
    ids[used] = [person_id(u) for u in by_rank[smallest[used]]]
    return ids[labels]


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
        The decisions in force (``store.decisions.in_force()``), or None.

    Returns
    -------
    DataFrame with ``uid``, ``list_name``, ``record_id``, ``person_id`` and ``match_probability``
    (the lowest probability among the accepted links inside the person's cluster; NaN for a person
    with one record).
    """
    uids = pd.Index(records["uid"])
    pos = pd.Series(np.arange(len(uids)), index=uids)
    edges = edges[edges["uid_l"].isin(uids) & edges["uid_r"].isin(uids)]  # records since replaced
    left = pos[edges["uid_l"]].to_numpy()
    right = pos[edges["uid_r"]].to_numpy()
    prob = edges["match_probability"].to_numpy(float)
    labels = assign(uids, left, right, prob, decisions)
    out = records[["uid", "list_name", "record_id"]].copy()
    out["label"] = labels
    out["person_id"] = _person_ids(uids, labels)
    within = labels[left] == labels[right] if len(left) else np.array([], bool)
    conf = pd.Series(prob[within]).groupby(labels[left][within]).min()
    out["match_probability"] = out["label"].map(conf)
    size = out.groupby("label")["uid"].transform("size")
    out.loc[size == 1, "match_probability"] = np.nan
    # clusters joined only by decisions: confidence 1
    out.loc[(size > 1) & out["match_probability"].isna(), "match_probability"] = 1.0
    return out.drop(columns="label").reset_index(drop=True)
