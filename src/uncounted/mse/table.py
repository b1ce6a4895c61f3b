"""Capture tables: how many people each combination of lists caught, held sparse.

A capture table over ``k`` lists (``k <= 64``) holds only the patterns somebody was caught with. A
pattern is a ``uint64`` bit mask: list ``j`` (0-based, in the order of ``lists``) is in pattern
``p`` exactly when ``(p >> j) & 1``. ``patterns`` is sorted and holds no zero pattern (the people
no list caught are what every estimator estimates); ``pattern_counts`` holds how many people have
each one, always more than zero. Nothing here is sized ``2**k``: :meth:`CaptureTable.dense_counts`
builds the full vector for the estimators that need it, and only while ``k`` is small.

A stratified table keeps the same two arrays per stratum (one stratum per distinct combination of
values of the stratum columns, in order of first appearance) and, in ``patterns`` and
``pattern_counts``, their sum over strata.

The file contract (DESIGN.md): one 0/1 column per list, an optional ``count`` column, optional stratum
columns named by the caller; an all-zero row is an error. Reading and validation live in
:mod:`uncounted.mse._table_io`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..exceptions import InputError
from .status import not_estimable

__all__ = ["MAX_LISTS", "CaptureTable", "pattern_bits", "pattern_label", "pattern_matrix",
           "popcount", "read_capture_table"]

COUNT_COLUMN = "count"
#: Most lists a table may have: one bit of a ``uint64`` pattern each.
MAX_LISTS = 64
#: Default cap of :meth:`CaptureTable.dense_counts` (a 2**20 vector is 8 MB).
DENSE_MAX_LISTS = 20
_HASH_TAG = b"uncounted capture table v2\x00"


def pattern_matrix(k: int) -> np.ndarray:
    """Return the ``(2**k, k)`` 0/1 matrix whose row ``p`` is pattern ``p`` (``k <= 20`` only)."""
    if k > DENSE_MAX_LISTS:
        raise ValueError(f"pattern_matrix({k}) would have 2**{k} rows; use pattern_bits on the "
                         "observed patterns instead")
    p = np.arange(2**k)[:, None]
    return ((p >> np.arange(k)[None, :]) & 1).astype(np.int8)


def pattern_bits(patterns: np.ndarray, k: int) -> np.ndarray:
    """The ``(len(patterns), k)`` 0/1 ``uint8`` matrix of the given bit masks."""
    p = np.asarray(patterns, dtype=np.uint64)[:, None]
    return ((p >> np.arange(k, dtype=np.uint64)[None, :]) & np.uint64(1)).astype(np.uint8)


def popcount(patterns: np.ndarray) -> np.ndarray:
    """Number of lists in each pattern (bits set), as ``int64``."""
    p = np.ascontiguousarray(patterns, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(p).astype(np.int64)
    return np.unpackbits(p.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1).astype(np.int64)


def pattern_label(pattern: int, lists: Sequence[str]) -> str:
    """Return a readable label such as ``"EXH+OSCE"`` for a pattern bit mask."""
    names = [name for j, name in enumerate(lists) if (int(pattern) >> j) & 1]
    return "+".join(names) if names else "(none)"


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def canonical(patterns: np.ndarray, counts: np.ndarray, groups: np.ndarray | None = None):
    """Sort by (group, pattern), add up repeats and drop zero counts and the zero pattern.

    Returns ``(patterns, counts)`` or, with ``groups``, ``(patterns, counts, groups)``.
    """
    p = np.asarray(patterns, dtype=np.uint64)
    c = np.asarray(counts, dtype=np.int64)
    g = np.zeros(p.size, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    keep = (c > 0) & (p != 0)
    p, c, g = p[keep], c[keep], g[keep]
    order = np.lexsort((p, g))
    p, c, g = p[order], c[order], g[order]
    if p.size:
        new = np.ones(p.size, dtype=bool)
        new[1:] = (p[1:] != p[:-1]) | (g[1:] != g[:-1])
        starts = np.flatnonzero(new)
        c = np.add.reduceat(c, starts)
        p, g = p[starts], g[starts]
    return (p, c) if groups is None else (p, c, g)


class CaptureTable:
    """Counts of individuals by observed capture pattern, optionally by stratum.

    Build one with :meth:`from_csv`, :meth:`from_frame`, :meth:`from_rows` or :meth:`from_counts`
    (validated); the constructor is for internal use and expects canonical arrays.

    Attributes
    ----------
    lists
        List names, in the order of the pattern bits.
    patterns
        Sorted ``uint64`` bit masks of the patterns observed (read-only); for a stratified table,
        over all strata.
    pattern_counts
        ``int64`` number of people with each pattern (all > 0), aligned with ``patterns``.
    strata_columns
        Names of the stratum columns (empty when the table has no strata).
    strata_keys
        One tuple of values per stratum, in order of first appearance.
    source
        Where the table came from (file name or a short description), used in messages.
    dropped
        Lists left out because they had no records (in the file, or in this stratum).
    """

    __slots__ = (
        "_hash",
        "_s_counts",
        "_s_offsets",
        "_s_patterns",
        "dropped",
        "lists",
        "pattern_counts",
        "patterns",
        "source",
        "strata_columns",
        "strata_keys",
    )

    def __init__(self, lists: Sequence[str], patterns: np.ndarray, pattern_counts: np.ndarray, *,
                 strata_columns: Sequence[str] = (), strata_keys: Sequence[tuple] = (),
                 stratum_patterns: np.ndarray | None = None,
                 stratum_counts: np.ndarray | None = None,
                 stratum_offsets: np.ndarray | None = None, source: str = "<table>",
                 dropped: Sequence[str] = ()):
        lists = tuple(str(x) for x in lists)
        if len(lists) > MAX_LISTS:
            raise InputError(f"{len(lists)} lists: a capture table holds at most {MAX_LISTS} "
                             "(one bit of a 64-bit pattern each). Merge or leave out lists.",
                             file=source)
        s = object.__setattr__
        s(self, "lists", lists)
        s(self, "patterns", _frozen(np.asarray(patterns, dtype=np.uint64).copy()))
        s(self, "pattern_counts", _frozen(np.asarray(pattern_counts, dtype=np.int64).copy()))
        s(self, "strata_columns", tuple(strata_columns))
        s(self, "strata_keys", tuple(tuple(k) for k in strata_keys))
        s(self, "source", str(source))
        s(self, "dropped", tuple(dropped))
        if self.strata_columns:
            s(self, "_s_patterns", _frozen(np.asarray(stratum_patterns, dtype=np.uint64)))
            s(self, "_s_counts", _frozen(np.asarray(stratum_counts, dtype=np.int64)))
            s(self, "_s_offsets", _frozen(np.asarray(stratum_offsets, dtype=np.int64)))
        else:
            for name in ("_s_patterns", "_s_counts", "_s_offsets"):
                s(self, name, None)
        s(self, "_hash", None)

    def __setattr__(self, name, value):
        raise AttributeError(f"CaptureTable is immutable; cannot set {name!r}")

    # ------------------------------------------------------------------ building
    @classmethod
    def _build(cls, lists: Sequence[str], patterns, counts, *, strata_columns: Sequence[str] = (),
               strata_keys: Sequence[tuple] = (), groups=None, source: str = "<table>",
               dropped: Sequence[str] = ()) -> CaptureTable:
        """A table from (possibly repeated, unsorted) patterns and counts, with stratum ids."""
        if not strata_columns:
            p, c = canonical(patterns, counts)
            return cls(lists, p, c, source=source, dropped=dropped)
        p, c, g = canonical(patterns, counts, groups)
        offsets = np.searchsorted(g, np.arange(len(strata_keys) + 1), side="left")
        tp, tc = canonical(p, c)
        return cls(lists, tp, tc, strata_columns=strata_columns, strata_keys=strata_keys,
                   stratum_patterns=p, stratum_counts=c, stratum_offsets=offsets, source=source,
                   dropped=dropped)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Sequence[int], lists: Sequence[str] | None = None,
                    *, source: str = "<counts>") -> CaptureTable:
        """Build a table from counts by pattern.

        ``counts`` is either a sequence of ``2**k`` counts indexed by bit mask (cell 0 must be 0, or
        left out: ``2**k - 1`` values starting at pattern 1), or a mapping from pattern strings such
        as ``"101"`` (one character per list, in list order) to counts.
        """
        from ._table_io import from_counts

        return from_counts(cls, counts, lists, source=source)

    @classmethod
    def from_patterns(cls, patterns, counts=None, *, lists: Sequence[str],
                      source: str = "<patterns>") -> CaptureTable:
        """Build a table from bit-mask patterns (one per person, or with ``counts``).

        Sparse-native: nothing of size ``2**k`` is made. Patterns must be non-zero and below
        ``2**len(lists)``; lists no one is on are dropped with a :class:`DataWarning`.
        """
        from ._table_io import from_patterns

        return from_patterns(cls, patterns, counts, lists, source=source)

    @classmethod
    def from_rows(cls, rows, lists: Sequence[str] | None = None, *, source: str = "<rows>"
                  ) -> CaptureTable:
        """Build a table from individual capture histories, one row (0/1 per list) per individual."""
        from ._table_io import from_rows

        return from_rows(cls, rows, lists, source=source)

    @classmethod
    def from_csv(cls, path: str | Path, *, strata: Sequence[str] | str | None = None,
                 lists: Sequence[str] | None = None) -> CaptureTable:
        """Read a capture-table CSV (DESIGN.md contract), UTF-8 with or without BOM, separated by
        commas, semicolons (as spreadsheets in Russian and most European locales save CSV) or tabs:
        whichever splits the header into the most fields; every row must match the header.

        Parameters
        ----------
        path
            The CSV file.
        strata
            Stratum column name(s).
        lists
            The list columns (names, or shell patterns such as ``"in_*"``); default: every column
            that is not ``count`` or a stratum.
        """
        from ._table_io import from_csv

        return from_csv(cls, path, strata=strata, lists=lists)

    @classmethod
    def from_frame(cls, frame, *, strata: Sequence[str] | str | None = None,
                   lists: Sequence[str] | None = None, source: str = "<DataFrame>") -> CaptureTable:
        """Build a table from a pandas DataFrame in the file contract's shape (validated)."""
        from ._table_io import from_frame

        return from_frame(cls, frame, strata=strata, lists=lists, source=source)

    # ------------------------------------------------------------------ properties
    @property
    def k(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of individuals caught by at least one list."""
        return int(self.pattern_counts.sum())

    @property
    def is_stratified(self) -> bool:
        return bool(self.strata_columns)

    @property
    def n_strata(self) -> int:
        return len(self.strata_keys)

    @property
    def strata(self) -> Mapping[tuple, CaptureTable]:
        """Read-only mapping from stratum key to that stratum's table (the same lists, none dropped)."""
        return MappingProxyType({key: self._stratum_table(i)
                                 for i, key in enumerate(self.strata_keys)})

    def bits(self) -> np.ndarray:
        """The observed patterns as a ``(len(patterns), k)`` 0/1 ``uint8`` matrix."""
        return pattern_bits(self.patterns, self.k)

    def list_totals(self) -> dict[str, int]:
        """Number of individuals on each list."""
        tot = self.bits().T.astype(np.int64) @ self.pattern_counts
        return dict(zip(self.lists, (int(x) for x in tot), strict=True))

    def times_caught(self) -> np.ndarray:
        """``f[i]``: number of individuals caught by exactly ``i`` lists (``f[0] = 0``)."""
        return np.bincount(popcount(self.patterns), weights=self.pattern_counts,
                           minlength=self.k + 1).astype(np.int64)

    def counts_of(self, patterns) -> np.ndarray:
        """How many people have each of the given bit masks (0 for a pattern not observed)."""
        want = np.atleast_1d(np.asarray(patterns, dtype=np.uint64))
        i = np.minimum(np.searchsorted(self.patterns, want), max(self.patterns.size - 1, 0))
        hit = self.patterns.size > 0
        found = (self.patterns[i] == want) if hit else np.zeros(want.size, bool)
        return np.where(found, self.pattern_counts[i] if hit else 0, 0).astype(np.int64)

    def dense_counts(self, max_k: int = DENSE_MAX_LISTS) -> np.ndarray:
        """The full ``2**k`` vector of counts indexed by bit mask (cell 0 is 0).

        For estimators that truly need every cell. Raises :class:`NotEstimableError` (code
        ``table_too_large``) when ``k > max_k``.
        """
        if self.k > max_k:
            raise not_estimable("table_too_large", (
                f"this method needs the full table of 2**{self.k} capture patterns, which is "
                f"more than the 2**{max_k} it handles; use chao or lcmcr, or fewer lists"))
        out = np.zeros(2**self.k, dtype=np.int64)
        out[self.patterns.astype(np.int64)] = self.pattern_counts
        return out

    def input_hash(self) -> str:
        """A short SHA-256 of the lists, patterns and counts (and strata), stable across runs.

        Depends only on the table's content, however it was built (rows, counts, a file). Changed
        in 0.2 (sparse tables): hashes made by earlier versions differ.
        """
        if self._hash is None:
            h = hashlib.sha256(_HASH_TAG)
            h.update("\x1f".join(self.lists).encode())
            h.update(b"\x00" + "\x1f".join(self.strata_columns).encode() + b"\x00")
            _feed(h, self.patterns, self.pattern_counts)
            for i in sorted(range(self.n_strata), key=self.strata_keys.__getitem__):
                h.update(("\x1f".join(self.strata_keys[i])).encode() + b"\x00")
                _feed(h, *self._stratum_arrays(i))
            object.__setattr__(self, "_hash", h.hexdigest()[:16])
        return self._hash

    # ------------------------------------------------------------------ views
    def _stratum_arrays(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self._s_offsets[i], self._s_offsets[i + 1]
        return self._s_patterns[lo:hi], self._s_counts[lo:hi]

    def stratum(self, key: tuple) -> CaptureTable:
        """One stratum's table, unstratified, with all the lists of this table."""
        key = tuple(key)
        try:
            i = self.strata_keys.index(key)
        except ValueError:
            raise KeyError(f"no stratum {key!r} in {self.source}") from None
        return self._stratum_table(i)

    def _stratum_table(self, i: int) -> CaptureTable:
        p, c = self._stratum_arrays(i)
        label = self.stratum_label(self.strata_keys[i])
        return CaptureTable(self.lists, p, c, source=f"{self.source} [{label}]", dropped=self.dropped)

    def stratum_label(self, key: tuple) -> str:
        """``"yy_hecho=1999, sexo=HOMBRE"`` for a stratum key."""
        return ", ".join(f"{c}={v}" for c, v in zip(self.strata_columns, key, strict=True))

    def by_stratum(self) -> dict[str, CaptureTable]:
        """One unstratified table per stratum, keyed by a readable label, ready to estimate.

        A list with no records in a stratum is left out of that stratum's table and named in its
        ``dropped`` (verdata's valid-sources rule: a source counts in a stratum when it has at least
        one record there). A stratum may then have fewer than two lists; estimators report it as
        not estimable.
        """
        return dict(self.iter_strata())

    def iter_strata(self) -> Iterator[tuple[str, CaptureTable]]:
        """``(label, table)`` for every stratum, as :meth:`by_stratum`, one at a time."""
        for i, key in enumerate(self.strata_keys):
            yield self.stratum_label(key), self._stratum_table(i).drop_empty_lists()

    def drop_empty_lists(self) -> CaptureTable:
        """This table without the lists no one is on (named in ``dropped``); strata are kept."""
        used = np.bitwise_or.reduce(self.patterns) if self.patterns.size else np.uint64(0)
        keep = [j for j in range(self.k) if (int(used) >> j) & 1]
        if len(keep) == self.k:
            return self
        gone = tuple(self.lists[j] for j in range(self.k) if j not in keep)
        return self._reindex(keep, dropped=self.dropped + gone)

    def collapse(self) -> CaptureTable:
        """The same table without strata (counts summed over strata)."""
        return CaptureTable(self.lists, self.patterns, self.pattern_counts, source=self.source,
                            dropped=self.dropped)

    def select(self, lists: Sequence[str]) -> CaptureTable:
        """The table marginalised onto a subset of lists (individuals seen only elsewhere vanish).

        Strata are kept.
        """
        missing = [x for x in lists if x not in self.lists]
        if missing:
            raise InputError(f"select: no list named {', '.join(map(repr, missing))}; the lists are "
                             f"{', '.join(self.lists)}", file=self.source)
        return self._reindex([self.lists.index(x) for x in lists], dropped=self.dropped)

    def _reindex(self, idx: Sequence[int], *, dropped: Sequence[str]) -> CaptureTable:
        lists = [self.lists[j] for j in idx]
        if not self.strata_columns:
            return CaptureTable._build(lists, _remap(self.patterns, idx), self.pattern_counts,
                                       source=self.source, dropped=dropped)
        groups = np.repeat(np.arange(self.n_strata), np.diff(self._s_offsets))
        return CaptureTable._build(lists, _remap(self._s_patterns, idx), self._s_counts,
                                   strata_columns=self.strata_columns, strata_keys=self.strata_keys,
                                   groups=groups, source=self.source, dropped=dropped)

    def to_frame(self, *, include_zero: bool = False):
        """The table in the file contract's shape as a pandas DataFrame (strata, lists, count).

        ``include_zero=True`` lists every pattern, observed or not (only while ``k`` is small).
        """
        import pandas as pd

        return pd.DataFrame(self._records(include_zero), columns=self._header())

    def to_csv(self, path: str | Path) -> None:
        """Write the table in the file contract's shape (UTF-8, observed patterns only); a list
        name or stratum value starting with ``= + - @`` is written with a leading apostrophe
        (:func:`uncounted._safe_csv.neutralise`)."""
        from .._safe_csv import SafeWriter

        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = SafeWriter(fh, lineterminator="\n")  # list names, strata: no spreadsheet formulas
            w.writerow(self._header())
            w.writerows(self._records(False))

    def _header(self) -> list[str]:
        return [*self.strata_columns, *self.lists, COUNT_COLUMN]

    def _records(self, include_zero: bool) -> list[list[Any]]:
        parts = ([(key, *self._stratum_arrays(i)) for i, key in enumerate(self.strata_keys)]
                 if self.strata_columns else [((), self.patterns, self.pattern_counts)])
        rows: list[list[Any]] = []
        for key, p, c in parts:
            if include_zero:
                c = CaptureTable(self.lists, p, c).dense_counts()[1:]
                p = np.arange(1, 2**self.k, dtype=np.uint64)
            for bits, n in zip(pattern_bits(p, self.k).tolist(), c.tolist(), strict=True):
                rows.append([*key, *bits, n])
        return rows

    def overlap_summary(self):
        """Per-list and pairwise overlap as a pandas DataFrame: one row per list, one per pair.

        Columns: ``lists`` (a name or ``A & B``), ``n`` (individuals on it / on both), ``only``
        (on this list alone; blank for pairs), ``share_of_observed``, and for pairs the
        ``jaccard`` index and the two-list Lincoln-Petersen (Chapman) estimate.
        """
        import pandas as pd

        b = self.bits().astype(np.int64)
        c = self.pattern_counts
        both = (b * c[:, None]).T @ b  # both[a, b]: people on lists a and b
        on = np.diag(both)
        single = popcount(self.patterns) == 1
        only = b[single].T @ c[single]
        total = self.observed
        rows = [{"lists": name, "n": int(on[j]), "only": int(only[j]),
                 "share_of_observed": on[j] / total, "jaccard": np.nan, "chapman": np.nan}
                for j, name in enumerate(self.lists)]
        for a in range(self.k):
            for bb in range(a + 1, self.k):
                m = int(both[a, bb])
                union = int(on[a] + on[bb] - m)
                rows.append({"lists": f"{self.lists[a]} & {self.lists[bb]}", "n": m, "only": np.nan,
                             "share_of_observed": m / total, "jaccard": m / union if union else np.nan,
                             "chapman": (on[a] + 1) * (on[bb] + 1) / (m + 1) - 1})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        strata = f", {self.n_strata} strata" if self.strata_columns else ""
        return f"CaptureTable(lists={list(self.lists)}, observed={self.observed}{strata})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, CaptureTable):
            return NotImplemented
        if (self.lists, self.strata_columns, self.strata_keys) != (
                other.lists, other.strata_columns, other.strata_keys):
            return False
        same = (np.array_equal(self.patterns, other.patterns)
                and np.array_equal(self.pattern_counts, other.pattern_counts))
        if not same or not self.strata_columns:
            return same
        return all(np.array_equal(getattr(self, a), getattr(other, a))
                   for a in ("_s_patterns", "_s_counts", "_s_offsets"))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):  # pickling (worker processes) goes through the public constructor
        kw = {"strata_columns": self.strata_columns, "strata_keys": self.strata_keys,
              "stratum_patterns": self._s_patterns, "stratum_counts": self._s_counts,
              "stratum_offsets": self._s_offsets, "source": self.source, "dropped": self.dropped}
        return (_rebuild, (self.lists, self.patterns, self.pattern_counts, kw))


def _rebuild(lists, patterns, counts, kw) -> CaptureTable:
    return CaptureTable(lists, patterns, counts, **kw)


def _feed(h, patterns: np.ndarray, counts: np.ndarray) -> None:
    h.update(np.ascontiguousarray(patterns, dtype="<u8").tobytes())
    h.update(np.ascontiguousarray(counts, dtype="<i8").tobytes())
    h.update(b"\x00")


def _remap(patterns: np.ndarray, idx: Sequence[int]) -> np.ndarray:
    """Patterns over the lists ``idx`` (new bit ``j`` is old bit ``idx[j]``)."""
    out = np.zeros(patterns.size, dtype=np.uint64)
    one = np.uint64(1)
    for j, old in enumerate(idx):
        out |= ((patterns >> np.uint64(old)) & one) << np.uint64(j)
    return out


def read_capture_table(path: str | Path, *, strata: Sequence[str] | str | None = None,
                       lists: Sequence[str] | None = None) -> CaptureTable:
    """Read a capture-table CSV; see :meth:`CaptureTable.from_csv`."""
    return CaptureTable.from_csv(path, strata=strata, lists=lists)
