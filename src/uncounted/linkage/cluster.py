"""Clustering scored pairs into persons, respecting negative evidence and review decisions.

Records are joined when their pair's match probability is at or above the threshold (connected
components). Two kinds of pair may never end up in one person, even through other records:

- pairs a reviewer decided "non-match";
- pairs whose records *conflict* (:class:`Conflicts`): birth dates more than a year apart beyond
  their precision (a full date, a month, a year, an age at death), or two full birth dates that
  differ in more than one of year, month and day (one error changes one part; a day apart or day
  and month transposed are errors too); two different known given names or their initials; two
  patronymics more than one edit apart or with different initials. Chaining is how these get together:
  namesake A (born 1975) links to a record B without a birth date, which links to namesake C
  (born 1972).

A component holding such a pair is split by a greedy constrained clustering: its edges are added
strongest first and an edge that would put a cannot-link pair into one cluster is skipped
(connected components followed by splitting on conflicting pairs; the cannot-link constraints of
Wagstaff et al. 2001, applied as in the constrained agglomerative clustering of Davidson and Ravi
2005). Decisions override: a pair decided "match" is always joined, conflict or not; "unsure"
decisions leave the model in charge. The components that had to be split are reported
(:func:`split_components`) so that a reviewer can look at them.

A component of more than :data:`PAIRWISE_MAX` records (chains through name-less records, say)
is not checked pair by pair (its pairs would not fit in memory); its edges go through the same
greedy pass with the cannot-link test made on summaries of each growing cluster instead
(:func:`guarded_components`): the widest birth interval gap and one representative record per
distinct value of the other fields that decide a conflict. The test is exact, so the split is the
one the pairwise pass would make; decided matches are joined first, whatever they hold.

References
----------
Wagstaff, K., Cardie, C., Rogers, S. and Schroedl, S. (2001). Constrained k-means clustering with
background knowledge. *ICML 2001*, 577-584.

Davidson, I. and Ravi, S. S. (2005). Agglomerative hierarchical clustering with constraints:
theoretical and empirical results. *PKDD 2005*, LNCS 3721, 59-70.
https://doi.org/10.1007/11564126_11

Bansal, N., Blum, A. and Chawla, S. (2004). Correlation clustering. *Machine Learning* 56, 89-113.
https://doi.org/10.1023/B:MACH.0000033116.57574.95 (the objective this greedy pass approximates:
agree with the strong positive edges, never with a hard negative one).

:func:`current_persons` is the one place where the persons of a link run are made from the store:
``uncounted link`` saves them, and histories, the regional analysis, the report and the review UI
read them, so all of them count the same people.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, ProjectError
from ..records.dates import YEAR_SPAN, birth_intervals
from ..records.names import _given_table
from ..store import DECISIONS, Store

__all__ = ["DECISIONS", "Conflicts", "Persons", "assign", "cluster_pairs", "cluster_run",
           "components", "counts_from_labels", "current_persons", "patterns_from_labels",
           "person_id", "split_components"]


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
    """:func:`cluster_pairs` on the live records, a run's pairs at or above ``threshold``, the
    records' conflicts and the decisions in force: what ``uncounted link`` saves and
    :func:`current_persons` returns."""
    return cluster_pairs(store.records.keys(), store.runs.edges(run_id, threshold),
                         store.decisions.in_force(), conflicts=Conflicts.from_store(store))


# ----------------------------------------------------------------------------- negative evidence
_PATR_SUFFIX = re.compile(r"(ovich|evich|ovna|evna|inichna|ichna|ich|ogli|kizi)$")


class Conflicts:
    """Which pairs of records can never be one man (see the module docstring).

    Built from the records' columns (:data:`COLUMNS`, in uid order); :meth:`of` answers for many
    pairs of record positions at once.
    """

    COLUMNS = ("given_name_key", "given_name_canon", "given_name_cyr", "patronymic_key",
               "patronymic_cyr", "surname_key", "birth_year", "birth_month", "birth_day",
               "birth_precision", "death_month", "death_day")

    def __init__(self, frame: pd.DataFrame):

        n = len(frame)
        self.n = n
        lo, hi = _birth_intervals(frame)
        self.lo, self.hi = lo, hi
        ymd = [pd.to_numeric(frame[c], errors="coerce").to_numpy(float)
               for c in ("birth_year", "birth_month", "birth_day")]
        self.ymd = np.nan_to_num(np.column_stack(ymd), nan=-1).astype(np.int64)
        self.day_precise = (lo == hi) & ~np.isnan(lo)
        spelling = _given_table()[1]

        def text(name):
            col = frame[name]
            return col.astype(object).where(col.notna(), "")

        def per_value(name, fn, dtype=object):
            """``fn`` of each distinct value of a text column, spread back to the rows."""
            codes, uniq = pd.factorize(text(name), sort=False)
            return np.asarray([fn(str(u)) for u in uniq] + [fn("")], dtype=dtype)[codes]

        g_len = per_value("given_name_cyr", lambda v: len(v.strip()), np.int64)
        self.g_init = g_len == 1
        self.g_canon = text("given_name_canon").to_numpy(object)
        known = per_value("given_name_canon", lambda c: c in spelling, bool)
        self.g_known = known & ~self.g_init
        first_canon = per_value("given_name_canon", lambda c: spelling.get(c, "")[:1].upper())
        first_cyr = per_value("given_name_cyr", lambda v: v.strip()[:1].upper())
        self.g_first = np.where(known, first_canon, first_cyr)
        self.p_init = per_value("patronymic_cyr", lambda v: len(v.strip()), np.int64) == 1
        self.p_first = per_value("patronymic_cyr", lambda v: v.strip()[:1].upper())
        self.p_stem = per_value("patronymic_key",
                                lambda k: _PATR_SUFFIX.sub("", k) if _PATR_SUFFIX.search(k) else "")
        self.surname = text("surname_key").to_numpy(object)
        self.g_key = text("given_name_key").to_numpy(object)

    @classmethod
    def from_store(cls, store: Store) -> Conflicts:
        return cls(store.records.columns(cls.COLUMNS))

    def signatures(self) -> np.ndarray:
        """A code per record: records with one code conflict with exactly the same records,
        birth intervals apart (what :meth:`of` reads, but ``lo`` and ``hi`` outside full dates)."""
        full = np.where(self.day_precise[:, None], self.ymd, -1)
        cols = [self.g_key, self.surname, self.g_known, self.g_canon, self.g_init, self.g_first,
                self.p_init, self.p_first, self.p_stem, full[:, 0], full[:, 1], full[:, 2]]
        frame = pd.DataFrame({str(k): c for k, c in enumerate(cols)})
        return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()

    def of(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Boolean array: the records at positions ``i[k]`` and ``j[k]`` conflict."""
        i, j = np.asarray(i, np.int64), np.asarray(j, np.int64)
        if not len(i):
            return np.zeros(0, bool)
        both = ~np.isnan(self.lo[i]) & ~np.isnan(self.lo[j])
        gap = np.maximum(self.lo[i], self.lo[j]) - np.minimum(self.hi[i], self.hi[j])
        out = both & (gap > YEAR_SPAN)
        # two full dates that differ in more than one of year, month and day (and are not a day
        # apart or day and month transposed): two errors in one date are rarer than a namesake
        full = self.day_precise[i] & self.day_precise[j]
        a, b = self.ymd[i], self.ymd[j]
        n_diff = (a != b).sum(axis=1)
        transposed = (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1])
        out |= full & (n_diff >= 2) & (np.abs(self.lo[i] - self.lo[j]) > 1) & ~transposed
        # given names: two different known names, or an initial that is not the other's
        swapped = (self.g_key[i] == self.surname[j]) | (self.g_key[j] == self.surname[i])
        known = self.g_known[i] & self.g_known[j] & (self.g_canon[i] != self.g_canon[j])
        init = (self.g_init[i] | self.g_init[j]) & (self.g_first[i] != "") & (self.g_first[j] != "") \
            & (self.g_init[i] | self.g_known[i]) & (self.g_init[j] | self.g_known[j]) \
            & (self.g_first[i] != self.g_first[j])
        out |= (known | init) & ~swapped
        # patronymics: initials that differ, or fathers' names more than one edit apart
        p_init = (self.p_init[i] | self.p_init[j]) & (self.p_first[i] != "") \
            & (self.p_first[j] != "") & (self.p_first[i] != self.p_first[j])
        out |= p_init
        cand = np.flatnonzero(~out & (self.p_stem[i] != "") & (self.p_stem[j] != "")
                              & (self.p_stem[i] != self.p_stem[j]))
        for k in cand:
            out[k] = _edits_over_one(self.p_stem[i[k]], self.p_stem[j[k]])
        return out


def _edits_over_one(a: str, b: str) -> bool:
    """More than one edit (insertion, deletion, substitution, adjacent transposition) apart."""
    if abs(len(a) - len(b)) > 1:
        return True
    if len(a) > len(b):
        a, b = b, a
    k = 0
    while k < len(a) and a[k] == b[k]:
        k += 1
    if len(a) == len(b):
        return not (a[k + 1:] == b[k + 1:] or (a[k:k + 2] == b[k:k + 2][::-1]
                                                 and a[k + 2:] == b[k + 2:]))
    return a[k:] != b[k + 1:]


def _birth_intervals(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`uncounted.records.dates.birth_intervals` of a frame of record columns."""
    def col(name):
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(float)

    return birth_intervals(col("birth_year"), col("birth_month"), col("birth_day"),
                           (frame["birth_precision"] == "age").to_numpy(bool),
                           col("death_month"), col("death_day"))


#: Components up to this size are checked pair by pair; larger ones by cluster summaries.
PAIRWISE_MAX = 2000


def within_pairs(labels: np.ndarray, max_size: int = PAIRWISE_MAX
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions that share a label (clusters up to ``max_size`` records)."""
    import itertools

    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(labels)])
    left, right = [], []
    for k in np.unique(sizes):
        if k < 2 or k > max_size:
            continue
        st = starts[sizes == k]
        members = order[st[:, None] + np.arange(k)[None, :]]          # clusters x k
        a, b = np.array(list(itertools.combinations(range(k), 2))).T
        left.append(members[:, a].ravel())
        right.append(members[:, b].ravel())
    if not left:
        empty = np.array([], np.int64)
        return empty, empty
    return np.concatenate(left), np.concatenate(right)


def split_components(persons: pd.DataFrame) -> list[list[str]]:
    """The components split on conflicting evidence: for each, the uids it held (for review)."""
    if "split_from" not in persons or not persons["split_from"].notna().any():
        return []
    hit = persons[persons["split_from"].notna()]
    return [sorted(g["uid"]) for _, g in hit.groupby("split_from")]


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


class _Forest:
    """Union-find whose roots carry the nodes they may never meet (cannot-link pairs)."""

    def __init__(self, parent, cannot):
        self.parent = parent                      # an array over 0..n-1, or a dict over nodes
        self.forbid: dict[int, set[int]] = {}     # per root (only roots that have any)
        for a, b in cannot:
            if a in self and b in self:
                self.forbid.setdefault(a, set()).add(b)
                self.forbid.setdefault(b, set()).add(a)

    def __contains__(self, x) -> bool:
        return x in self.parent if isinstance(self.parent, dict) else 0 <= x < len(self.parent)

    def find(self, x: int) -> int:
        parent, root = self.parent, x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def kept_apart(self, ra: int, rb: int) -> bool:
        """Roots ``ra`` and ``rb`` hold a cannot-link pair."""
        return (any(self.find(x) == rb for x in self.forbid.get(ra, ()))
                or any(self.find(x) == ra for x in self.forbid.get(rb, ())))

    def join(self, ra: int, rb: int) -> None:
        self.parent[rb] = ra
        fb = self.forbid.pop(rb, None)
        if fb:
            self.forbid.setdefault(ra, set()).update(fb)


def constrained_components(n: int, left: np.ndarray, right: np.ndarray, prob: np.ndarray,
                           cannot: list[tuple[int, int]]) -> np.ndarray:
    """Union-find over edges in descending ``prob``; skips unions that join a cannot-link pair."""
    forest = _Forest(np.arange(n), cannot)
    for i in np.argsort(-prob, kind="stable"):
        ra, rb = forest.find(left[i]), forest.find(right[i])
        if ra != rb and not forest.kept_apart(ra, rb):
            forest.join(ra, rb)
    return np.array([forest.find(x) for x in range(n)])


class _Summary:
    """What a growing cluster holds that decides whether it may meet another one."""

    __slots__ = ("hi", "lo", "reps")

    def __init__(self, lo: float, hi: float, reps: dict[int, int]):
        self.lo, self.hi, self.reps = lo, hi, reps        # reps: signature -> one position


def guarded_components(nodes: np.ndarray, left: np.ndarray, right: np.ndarray,
                       prob: np.ndarray, conflicts: Conflicts, forced: np.ndarray,
                       cannot: list[tuple[int, int]] = ()) -> np.ndarray:
    """Greedy constrained clustering of ``nodes`` (positions) whose cannot-link pairs are every
    conflicting pair among them, tested on cluster summaries rather than listed.

    Edges (positions in ``left``/``right``, each inside ``nodes``) are taken strongest first, the
    ``forced`` ones (decided matches) before all and always joined; any other edge is skipped when
    joining its two clusters would put a conflicting pair of records in one. Birth intervals
    conflict when the later lower end is more than :data:`YEAR_SPAN` past the earlier upper end,
    so a cluster keeps only its largest ``lo`` and smallest ``hi``; every other rule depends on
    fields whose distinct values a cluster keeps one record of (:meth:`Conflicts.signatures`). A
    cluster without conflicts has few of them, so each test is small. ``cannot`` (pairs of
    positions: reviewers' non-matches) are kept apart too. A cluster whose decided matches
    conflict takes no more records by model edges (its own summary already clashes).

    Returns
    -------
    A label per node (the position of its cluster's root), in the order of ``nodes``.
    """
    sig = conflicts.signatures()
    forest = _Forest({int(x): int(x) for x in nodes}, cannot)
    summary = {}
    for x in forest.parent:
        lo, hi = conflicts.lo[x], conflicts.hi[x]
        summary[x] = _Summary(-np.inf if np.isnan(lo) else lo, np.inf if np.isnan(hi) else hi,
                              {int(sig[x]): x})

    def clash(a: _Summary, b: _Summary) -> bool:
        if max(a.lo, b.lo) - min(a.hi, b.hi) > YEAR_SPAN:
            return True
        ra, rb = list(a.reps.values()), list(b.reps.values())
        i = np.repeat(np.asarray(ra, np.int64), len(rb))
        j = np.tile(np.asarray(rb, np.int64), len(ra))
        return bool(conflicts.of(i, j).any())

    order = np.lexsort((-prob, ~forced))          # forced first, then strongest first
    for e in order:
        ra, rb = forest.find(int(left[e])), forest.find(int(right[e]))
        if ra == rb:
            continue
        a, b = summary[ra], summary[rb]
        if not forced[e] and (clash(a, b) or forest.kept_apart(ra, rb)):
            continue
        forest.join(ra, rb)
        a.lo, a.hi = max(a.lo, b.lo), min(a.hi, b.hi)
        for k, v in b.reps.items():
            a.reps.setdefault(k, v)
        del summary[rb]
    return np.array([forest.find(int(x)) for x in nodes], np.int64)


def _split_giants(labels: np.ndarray, left: np.ndarray, right: np.ndarray, prob: np.ndarray,
                  forced: np.ndarray, conflicts: Conflicts, max_size: int,
                  cannot: list[tuple[int, int]], split: list | None) -> np.ndarray:
    """:func:`guarded_components` on every component larger than ``max_size``; the pieces
    are labelled ``2 n + root position``, apart from every label :func:`assign` gives."""
    sizes = np.bincount(labels)
    giants = np.flatnonzero(sizes > max_size)
    out = labels
    for g in giants:
        nodes = np.flatnonzero(labels == g)
        inside = (labels[left] == g) & (labels[right] == g)
        sub = guarded_components(nodes, left[inside], right[inside], prob[inside], conflicts,
                                 forced[inside], cannot)
        if len(np.unique(sub)) > 1:
            if split is not None:
                split.append(int(g))
            out = out.copy() if out is labels else out
            out[nodes] = 2 * len(labels) + sub
    return out


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
           decisions: pd.DataFrame | None, conflicts: Conflicts | None = None,
           split: list | None = None, pairwise_max: int = PAIRWISE_MAX) -> np.ndarray:
    """Component label per uid from model edges (already thresholded), decisions and conflicts.

    With ``conflicts``, a component holding a conflicting pair is split (see the module
    docstring): pair by pair up to ``pairwise_max`` records, by :func:`guarded_components`
    beyond; ``split``, when a list, receives the label of each component that was split.
    """
    (ml_l, ml_r), cannot = decision_edges(uids, decisions)
    if cannot:
        bad = {frozenset(p) for p in cannot}
        keep = np.array([frozenset((a, b)) not in bad for a, b in zip(left, right)], bool)
        left, right, prob = left[keep], right[keep], prob[keep]
    if conflicts is not None and len(left):
        keep = ~conflicts.of(left, right)           # a conflicting edge is never a link
        left, right, prob = left[keep], right[keep], prob[keep]
    left = np.concatenate([left, ml_l]).astype(np.int64)
    right = np.concatenate([right, ml_r]).astype(np.int64)
    prob = np.concatenate([prob, np.full(len(ml_l), 2.0)])     # decided matches go first
    labels = (constrained_components(len(uids), left, right, prob, cannot) if cannot
              else components(len(uids), left, right))
    if conflicts is None:
        return labels
    forced = np.r_[np.zeros(len(left) - len(ml_l), bool), np.ones(len(ml_l), bool)]
    labels = _split_giants(labels, left, right, prob, forced, conflicts, pairwise_max, cannot,
                           split)
    a, b = within_pairs(labels, pairwise_max)
    bad = conflicts.of(a, b)
    if not bad.any():
        return labels
    decided = {frozenset(p) for p in zip(ml_l.tolist(), ml_r.tolist())}
    pairs = [(int(x), int(y)) for x, y in zip(a[bad], b[bad])
             if frozenset((int(x), int(y))) not in decided]
    if not pairs:
        return labels
    hit = np.unique(labels[[p[0] for p in pairs]])
    if split is not None:
        split.extend(int(h) for h in hit)
    # only edges inside one component: with non-match decisions the first pass leaves edges
    # between its components, across which no conflicting pair was listed
    inside = (labels[left] == labels[right]) & np.isin(labels[left], hit)
    nodes = np.flatnonzero(np.isin(labels, hit))
    local = pd.Series(np.arange(len(nodes)), index=nodes)
    sub = constrained_components(
        len(nodes), local[left[inside]].to_numpy(), local[right[inside]].to_numpy(), prob[inside],
        [(int(local[x]), int(local[y])) for x, y in pairs]
        + [(int(local[x]), int(local[y])) for x, y in cannot if x in local.index and y in local.index])
    out = labels.copy()
    out[nodes] = len(uids) + sub                 # new labels past every old one
    return out


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
                  decisions: pd.DataFrame | None = None,
                  conflicts: Conflicts | None = None) -> pd.DataFrame:
    """Persons from records and thresholded edges.

    Parameters
    ----------
    records
        Columns ``uid``, ``list_name``, ``record_id``.
    edges
        Columns ``uid_l``, ``uid_r``, ``match_probability``: the pairs at or above the threshold.
    decisions
        The decisions in force (``store.decisions.in_force()``), or None.
    conflicts
        The records' :class:`Conflicts` (rows in the order of ``records``), or None.

    Returns
    -------
    DataFrame with ``uid``, ``list_name``, ``record_id``, ``person_id`` and ``match_probability``
    (the lowest probability among the accepted links inside the person's cluster; NaN for a person
    with one record), and ``split_from`` (the smallest uid of the component a record's person was
    split from on conflicting evidence; None otherwise).
    """
    uids = pd.Index(records["uid"])
    pos = pd.Series(np.arange(len(uids)), index=uids)
    edges = edges[edges["uid_l"].isin(uids) & edges["uid_r"].isin(uids)]  # records since replaced
    left = pos[edges["uid_l"]].to_numpy()
    right = pos[edges["uid_r"]].to_numpy()
    prob = edges["match_probability"].to_numpy(float)
    before = assign(uids, left, right, prob, decisions) if conflicts is not None else None
    labels = assign(uids, left, right, prob, decisions, conflicts)
    out = records[["uid", "list_name", "record_id"]].copy()
    out["split_from"] = None
    if before is not None:
        n_new = pd.Series(labels).groupby(before).nunique()
        comps = n_new.index[n_new.to_numpy() > 1].to_numpy()
        if len(comps):
            mask = np.isin(before, comps)
            first = pd.Series(uids.to_numpy()[mask]).groupby(before[mask]).min()
            out.loc[mask, "split_from"] = pd.Series(before[mask]).map(first).to_numpy()
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
