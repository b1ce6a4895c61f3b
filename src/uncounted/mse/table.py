"""Capture tables: how many people each combination of lists caught.

A capture table over ``k`` lists is held as a vector of ``2**k`` counts indexed by the capture pattern
written as a bit mask: list ``j`` (0-based, in the order of ``lists``) is in pattern ``p`` exactly when
``(p >> j) & 1``. Cell 0, the people no list caught, is the unknown that every estimator targets and is
always stored as 0. Optional strata keep one such vector per stratum.

The file contract (DESIGN.md): one 0/1 column per list, an optional ``count`` column, optional stratum
columns named by the caller; an all-zero row is an error.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import CaptureTableError, DataWarning

COUNT_COLUMN = "count"


def pattern_matrix(k: int) -> np.ndarray:
    """Return the ``(2**k, k)`` 0/1 matrix whose row ``p`` is the capture pattern ``p``."""
    p = np.arange(2**k)[:, None]
    return ((p >> np.arange(k)[None, :]) & 1).astype(np.int8)


def pattern_label(pattern: int, lists: Sequence[str]) -> str:
    """Return a readable label such as ``"EXH+OSCE"`` for a pattern bit mask."""
    names = [name for j, name in enumerate(lists) if (pattern >> j) & 1]
    return "+".join(names) if names else "(none)"


@dataclass(frozen=True, eq=False)
class CaptureTable:
    """Counts of individuals by capture pattern, optionally by stratum.

    Build one with :meth:`from_csv`, :meth:`from_frame`, :meth:`from_rows` or :meth:`from_counts`;
    the constructor is for internal use and expects already validated arrays.

    Attributes
    ----------
    lists
        List names, in the order of the pattern bits.
    counts
        ``int64`` array of shape ``(2**k,)``; ``counts[0] == 0``. For a stratified table, the sum over
        strata.
    strata
        Mapping from stratum key (a tuple of values, one per stratum column) to its count vector;
        empty when the table has no strata.
    strata_columns
        Names of the stratum columns.
    source
        Where the table came from (file name or a short description), used in messages.
    """

    lists: tuple[str, ...]
    counts: np.ndarray
    strata: Mapping[tuple, np.ndarray] = field(default_factory=dict)
    strata_columns: tuple[str, ...] = ()
    source: str = "<table>"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Sequence[int], lists: Sequence[str] | None = None,
                    *, source: str = "<counts>") -> CaptureTable:
        """Build a table from counts by pattern.

        ``counts`` is either a sequence of ``2**k`` counts indexed by bit mask (cell 0 must be 0 or
        absent as ``2**k - 1`` values starting at pattern 1), or a mapping from pattern strings such
        as ``"101"`` (one character per list, in list order) to counts.
        """
        if isinstance(counts, Mapping):
            keys = list(counts)
            if not keys:
                raise CaptureTableError("no patterns given", file=source)
            k = len(keys[0])
            if lists is None:
                lists = [f"L{j + 1}" for j in range(k)]
            rows = []
            for key, n in counts.items():
                if len(key) != k or set(key) - {"0", "1"}:
                    raise CaptureTableError(
                        f"pattern {key!r} is not a string of {k} zeros and ones", file=source)
                rows.append([int(c) for c in key] + [n])
            frame = pd.DataFrame(rows, columns=[*lists, COUNT_COLUMN])
            return cls.from_frame(frame, lists=lists, source=source)
        arr = np.asarray(counts, dtype=np.int64)
        n = arr.size
        if n >= 2 and n & (n - 1) == 0:
            k = n.bit_length() - 1
        elif n >= 3 and (n + 1) & n == 0:
            k = (n + 1).bit_length() - 1
            arr = np.concatenate([[0], arr])
        else:
            raise CaptureTableError(f"{n} counts given; expected 2**k or 2**k - 1 for k lists", file=source)
        if arr[0] != 0:
            raise CaptureTableError("the count of the all-zero pattern must be 0 (it is the unknown)",
                                    file=source, value=arr[0])
        if lists is None:
            lists = [f"L{j + 1}" for j in range(k)]
        pm = pattern_matrix(k)
        frame = pd.DataFrame(pm[1:], columns=list(lists))
        frame[COUNT_COLUMN] = arr[1:]
        return cls.from_frame(frame, lists=lists, source=source)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[int] | Mapping[str, int]],
                  lists: Sequence[str] | None = None, *, source: str = "<rows>") -> CaptureTable:
        """Build a table from individual capture histories, one row per individual."""
        rows = list(rows)
        if rows and isinstance(rows[0], Mapping):
            frame = pd.DataFrame(rows)
            if lists is not None:
                frame = frame[list(lists)]
        else:
            frame = pd.DataFrame(rows, columns=None if lists is None else list(lists))
            if lists is None:
                frame.columns = [f"L{j + 1}" for j in range(frame.shape[1])]
        return cls.from_frame(frame, lists=lists, source=source)

    @classmethod
    def from_csv(cls, path: str | Path, *, strata: Sequence[str] | str | None = None,
                 lists: Sequence[str] | None = None) -> CaptureTable:
        """Read a capture-table CSV (DESIGN.md contract).

        Parameters
        ----------
        path
            The CSV file, UTF-8 (with or without BOM).
        strata
            Stratum column name(s); every other column except ``count`` must be a 0/1 list column
            unless ``lists`` names the list columns explicitly.
        lists
            The list columns to use; default: every column that is not ``count`` or a stratum.
        """
        path = Path(path)
        name = str(path)
        if not path.exists():
            raise CaptureTableError("file not found. Check the path.", file=name)
        raw = path.read_bytes()
        if not raw.strip():
            raise CaptureTableError("the file is empty. A capture table needs a header row with one "
                                    "column per list and at least one data row.", file=name)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            where = "the header" if line == 1 else f"line {line}"
            raise CaptureTableError(
                f"{where} is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}). "
                "Save the file as UTF-8.", file=name, row=None if line == 1 else line - 1) from err
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise CaptureTableError(f"cannot be read as CSV: {err}", file=name) from err
        return cls.from_frame(frame, strata=strata, lists=lists, source=name)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, strata: Sequence[str] | str | None = None,
                   lists: Sequence[str] | None = None, source: str = "<DataFrame>") -> CaptureTable:
        """Build a table from a DataFrame in the file contract's shape (validated)."""
        strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
        frame = frame.copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        cols = list(frame.columns)
        lower = {c.lower(): c for c in cols}
        count_col = lower.get(COUNT_COLUMN)
        for s in strata_cols:
            if s not in cols:
                raise CaptureTableError(f"stratum column {s!r} is not in the table; columns are "
                                        f"{', '.join(cols)}", file=source, column=s)
        if lists is None:
            lists = [c for c in cols if c != count_col and c not in strata_cols]
        else:
            lists = [str(x) for x in lists]
            for name in lists:
                if name not in cols:
                    raise CaptureTableError(f"list column {name!r} is not in the table", file=source,
                                            column=name)
        if len(set(lists)) != len(lists):
            raise CaptureTableError("two list columns have the same name", file=source)
        if len(frame) == 0:
            raise CaptureTableError("the table has a header but no data rows", file=source)
        k = len(lists)
        if k < 2:
            raise CaptureTableError(
                f"a capture table needs at least two list columns; found {k} ({', '.join(lists) or 'none'}). "
                "Other columns must be 'count' or named with --strata.", file=source)
        if k > 30:
            raise CaptureTableError(f"{k} list columns is more than the 30 supported", file=source)

        bits = np.zeros(len(frame), dtype=np.int64)
        for j, name in enumerate(lists):
            values = _as_int_column(frame[name], source, name)
            bad = np.flatnonzero((values != 0) & (values != 1))
            if bad.size:
                i = int(bad[0])
                raise CaptureTableError(
                    f"list columns hold 0 or 1 (caught by this list or not); got {frame[name].iloc[i]!r}",
                    file=source, row=i + 1, column=name, value=frame[name].iloc[i])
            bits |= values.astype(np.int64) << j
        zero = np.flatnonzero(bits == 0)
        if count_col is not None:
            counts = _as_int_column(frame[count_col], source, count_col)
            neg = np.flatnonzero(counts < 0)
            if neg.size:
                i = int(neg[0])
                raise CaptureTableError("counts must be non-negative integers", file=source, row=i + 1,
                                        column=count_col, value=frame[count_col].iloc[i])
            zero = zero[counts[zero] > 0]
        else:
            counts = np.ones(len(frame), dtype=np.int64)
        if zero.size:
            i = int(zero[0])
            raise CaptureTableError(
                "an all-zero row (caught by no list) is not allowed: the number nobody caught is what "
                "the estimate is for. Remove the row.", file=source, row=i + 1, column=lists[0])

        keys: list[tuple] = [()] * len(frame)
        if strata_cols:
            keys = list(frame[strata_cols].astype(str).itertuples(index=False, name=None))
        per: dict[tuple, np.ndarray] = {}
        size = 2**k
        for key in dict.fromkeys(keys):
            per[key] = np.zeros(size, dtype=np.int64)
        key_index = {key: i for i, key in enumerate(per)}
        stacked = np.zeros((len(per), size), dtype=np.int64)
        np.add.at(stacked, (np.fromiter((key_index[x] for x in keys), dtype=np.int64, count=len(keys)),
                            bits), counts)
        total = stacked.sum(axis=0)
        if total.sum() == 0:
            raise CaptureTableError("all counts are zero; there is nothing to estimate", file=source)

        # drop lists that caught nobody
        pm = pattern_matrix(k)
        per_list = pm.T.astype(np.int64) @ total
        empty = [lists[j] for j in range(k) if per_list[j] == 0]
        if empty:
            warnings.warn(f"{source}: list(s) {', '.join(empty)} have no records and were dropped",
                          DataWarning, stacklevel=2)
            keep = [j for j in range(k) if per_list[j] > 0]
            if len(keep) < 2:
                raise CaptureTableError(
                    f"after dropping list(s) with no records ({', '.join(empty)}) fewer than two lists "
                    "remain", file=source)
            stacked = _keep_lists(stacked, k, keep)
            lists = [lists[j] for j in keep]
            total = stacked.sum(axis=0)
        strata_map = {key: stacked[i] for i, key in enumerate(per)} if strata_cols else {}
        return cls(tuple(lists), total, strata_map, tuple(strata_cols), source)

    # ------------------------------------------------------------------ properties
    @property
    def k(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of individuals caught by at least one list."""
        return int(self.counts.sum())

    @property
    def is_stratified(self) -> bool:
        return bool(self.strata_columns)

    def list_totals(self) -> dict[str, int]:
        """Number of individuals on each list."""
        pm = pattern_matrix(self.k)
        return dict(zip(self.lists, (pm.T.astype(np.int64) @ self.counts).tolist(), strict=True))

    def times_caught(self) -> np.ndarray:
        """``f[i]``: number of individuals caught by exactly ``i`` lists (``f[0] = 0``)."""
        nbits = pattern_matrix(self.k).sum(axis=1)
        return np.bincount(nbits, weights=self.counts, minlength=self.k + 1).astype(np.int64)

    def input_hash(self) -> str:
        """A short SHA-256 of the lists and counts (and strata), stable across runs."""
        h = hashlib.sha256()
        h.update("|".join(self.lists).encode())
        h.update(np.ascontiguousarray(self.counts, dtype="<i8").tobytes())
        for key in sorted(self.strata, key=str):
            h.update(repr(key).encode())
            h.update(np.ascontiguousarray(self.strata[key], dtype="<i8").tobytes())
        return h.hexdigest()[:16]

    # ------------------------------------------------------------------ views
    def by_stratum(self) -> dict[str, CaptureTable]:
        """One unstratified table per stratum, keyed by a readable stratum label.

        A stratum's lists with no records are kept (estimators decide what to do with them).
        """
        out = {}
        for key, vec in self.strata.items():
            label = ", ".join(f"{c}={v}" for c, v in zip(self.strata_columns, key, strict=True))
            out[label] = CaptureTable(self.lists, vec.copy(), {}, (), f"{self.source} [{label}]")
        return out

    def collapse(self) -> CaptureTable:
        """The same table without strata (counts summed over strata)."""
        return CaptureTable(self.lists, self.counts.copy(), {}, (), self.source)

    def select(self, lists: Sequence[str]) -> CaptureTable:
        """The table marginalised onto a subset of lists (individuals seen only elsewhere vanish)."""
        idx = [self.lists.index(x) for x in lists]
        pm = pattern_matrix(self.k)[:, idx]
        new_bits = (pm.astype(np.int64) << np.arange(len(idx))).sum(axis=1)
        vec = np.bincount(new_bits, weights=self.counts, minlength=2 ** len(idx)).astype(np.int64)
        vec[0] = 0
        return CaptureTable(tuple(lists), vec, {}, (), self.source)

    def to_frame(self, *, include_zero: bool = False) -> pd.DataFrame:
        """Return the table in the file contract's shape (stratum columns first, then lists, count)."""
        pm = pattern_matrix(self.k)
        frames = []
        items = self.strata.items() if self.strata else [((), self.counts)]
        for key, vec in items:
            f = pd.DataFrame(pm[1:], columns=list(self.lists))
            f[COUNT_COLUMN] = vec[1:]
            if not include_zero:
                f = f[f[COUNT_COLUMN] > 0]
            for c, v in zip(self.strata_columns, key, strict=True):
                f.insert(list(self.strata_columns).index(c), c, v)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def to_csv(self, path: str | Path) -> None:
        self.to_frame().to_csv(path, index=False)

    def overlap_summary(self) -> pd.DataFrame:
        """Per-list and pairwise overlap: one row per list, one per pair.

        Columns: ``lists`` (a name or ``A & B``), ``n`` (individuals on it / on both), ``only``
        (on this list alone; blank for pairs), ``share_of_observed``, and for pairs the
        ``jaccard`` index and the two-list Lincoln-Petersen (Chapman) estimate.
        """
        pm = pattern_matrix(self.k).astype(bool)
        total = self.observed
        rows = []
        for j, name in enumerate(self.lists):
            n = int(self.counts[pm[:, j]].sum())
            only = int(self.counts[1 << j])
            rows.append({"lists": name, "n": n, "only": only, "share_of_observed": n / total,
                         "jaccard": np.nan, "chapman": np.nan})
        for a in range(self.k):
            for b in range(a + 1, self.k):
                na = int(self.counts[pm[:, a]].sum())
                nb = int(self.counts[pm[:, b]].sum())
                m = int(self.counts[pm[:, a] & pm[:, b]].sum())
                union = int(self.counts[pm[:, a] | pm[:, b]].sum())
                rows.append({"lists": f"{self.lists[a]} & {self.lists[b]}", "n": m, "only": np.nan,
                             "share_of_observed": m / total, "jaccard": m / union if union else np.nan,
                             "chapman": (na + 1) * (nb + 1) / (m + 1) - 1})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        strata = f", {len(self.strata)} strata" if self.strata else ""
        return f"CaptureTable(lists={list(self.lists)}, observed={self.observed}{strata})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, CaptureTable):
            return NotImplemented
        if self.lists != other.lists or not np.array_equal(self.counts, other.counts):
            return False
        if self.strata_columns != other.strata_columns or set(self.strata) != set(other.strata):
            return False
        return all(np.array_equal(v, other.strata[key]) for key, v in self.strata.items())

    __hash__ = None  # type: ignore[assignment]


def _as_int_column(col: pd.Series, source: str, name: str) -> np.ndarray:
    """Parse a column as integers, raising a located error on the first bad cell."""
    if pd.api.types.is_integer_dtype(col):
        return col.to_numpy(dtype=np.int64)
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=np.int64)
    out = np.empty(len(col), dtype=np.int64)
    for i, v in enumerate(col.tolist()):
        try:
            if isinstance(v, str):
                s = v.strip()
                f = float(s) if s else float("nan")
            else:
                f = float(v)
            if not math.isfinite(f) or f != int(f):
                raise ValueError
            out[i] = int(f)
        except (TypeError, ValueError):
            what = "counts" if name.lower() == COUNT_COLUMN else "list columns"
            rule = ("must be non-negative integers" if what == "counts"
                    else "hold 0 or 1 (caught by this list or not)")
            raise CaptureTableError(f"{what} {rule}; got {v!r}", file=source, row=i + 1, column=name,
                                    value=v) from None
    return out


def _keep_lists(stacked: np.ndarray, k: int, keep: list[int]) -> np.ndarray:
    """Re-index count vectors onto the lists in ``keep`` (assumes dropped lists caught nobody)."""
    pm = pattern_matrix(k)[:, keep]
    new_bits = (pm.astype(np.int64) << np.arange(len(keep))).sum(axis=1)
    out = np.zeros((stacked.shape[0], 2 ** len(keep)), dtype=np.int64)
    for old in range(2**k):
        out[:, new_bits[old]] += stacked[:, old]
    return out


def read_capture_table(path: str | Path, *, strata: Sequence[str] | str | None = None,
                       lists: Sequence[str] | None = None) -> CaptureTable:
    """Read a capture-table CSV; see :meth:`CaptureTable.from_csv`."""
    return CaptureTable.from_csv(path, strata=strata, lists=lists)
