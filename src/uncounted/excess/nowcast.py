"""Nowcasting a named list's reporting delay from repeated snapshots by month of death.

A named list (Mediazona's, for one) keeps growing for years after each death: every monthly snapshot
adds names to old months of death. Snapshots of the count by month of death form a run-off triangle
``C[i, k]``: deaths of month ``i`` named by the snapshot taken ``k`` months later (the lag). The
chain ladder estimates one development factor per lag,

    f_k = sum_i C[i, k+1] / sum_i C[i, k]   (origins with both lags observed),

and projects each month's latest count to a target lag ``T`` (by default the largest lag observed,
about four years here): ``U_i = C[i, b_i] * f_{b_i} * ... * f_{T-1}``. Mack's distribution-free model
gives the standard error of ``U_i`` and of sums of them; the delay distribution is the share of the
lag-``T`` count named by lag ``k``: ``1 / (f_k ... f_{T-1})``.

"Final" here means "named by lag T", not the true eventual count: nothing in the triangle says what
happens after the largest lag observed (the tail factor is 1), and lists whose growth never settles
(this one still grows ~0.3% a month at 3-4 years) will keep exceeding it. The snapshots need not start at lag 0:
months of death older than the first snapshot enter at the lag at which they were first seen.

References
----------
Mack, T. (1993). Distribution-free calculation of the standard error of chain ladder reserve
estimates. *ASTIN Bulletin* 23(2):213-225. https://doi.org/10.2143/AST.23.2.2005092
Mack, T. (1999). The standard error of chain ladder reserve estimates: recursive calculation and
inclusion of a tail factor. *ASTIN Bulletin* 29(2):361-366.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, EstimationWarning, InputError, NotEstimableError


@dataclass(frozen=True)
class Triangle:
    """Cumulative counts by month of death (rows) and lag in months (columns).

    Attributes
    ----------
    origins
        Month labels ``YYYY-MM``, oldest first.
    cum
        Array ``(len(origins), max_lag + 1)``; NaN where not observed. Column ``k`` is lag ``k``.
    snapshot_months
        The month (``YYYY-MM``) each snapshot was assigned to, oldest first.
    """

    origins: tuple[str, ...]
    cum: np.ndarray
    snapshot_months: tuple[str, ...]

    @property
    def latest_lag(self) -> np.ndarray:
        """Largest observed lag of each origin (-1 if none)."""
        obs = ~np.isnan(self.cum)
        return np.where(obs.any(axis=1), obs.shape[1] - 1 - np.argmax(obs[:, ::-1], axis=1), -1)

    @property
    def first_lag(self) -> np.ndarray:
        """Smallest observed lag of each origin."""
        return np.argmax(~np.isnan(self.cum), axis=1)

    @property
    def latest(self) -> np.ndarray:
        """Latest observed count of each origin."""
        return self.cum[np.arange(len(self.origins)), self.latest_lag]


def _month_index(label: str) -> int:
    y, m = label.split("-")[:2]
    return int(y) * 12 + int(m) - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def read_snapshots(path: str | Path) -> pd.DataFrame:
    """Read ``snapshot_date, month_of_death, named_deaths`` rows, checking each one.

    Returns a DataFrame with ``snapshot_date`` (Timestamp), ``month_of_death`` (``YYYY-MM``) and
    ``named_deaths`` (int). Raises :class:`InputError` with file, row, column and value.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"cannot read the snapshots: {err}", file=path.name) from err
    raw.columns = [c.strip().lower() for c in raw.columns]
    need = ["snapshot_date", "month_of_death", "named_deaths"]
    if any(c not in raw.columns for c in need):
        raise InputError("needs columns snapshot_date, month_of_death, named_deaths (one row per "
                         "snapshot and month of death)", file=path.name)
    out = []
    for i, rec in enumerate(raw[need].to_dict("records"), start=1):
        out.append((_parse(pd.Timestamp, rec, "snapshot_date", i, path, "a date YYYY-MM-DD"),
                    _parse(_month, rec, "month_of_death", i, path, "a month YYYY-MM"),
                    _parse(_count, rec, "named_deaths", i, path, "a whole number, 0 or more"), i))
    df = pd.DataFrame(out, columns=need + ["row"])
    dup = df.duplicated(["snapshot_date", "month_of_death"])
    if dup.any():
        r = df[dup].iloc[0]
        raise InputError(f"a second row for snapshot {r.snapshot_date.date()} and month "
                         f"{r.month_of_death}", file=path.name, row=int(r.row),
                         column="month_of_death", value=r.month_of_death)
    late = df[df.month_of_death.map(_month_index) > df.snapshot_date.map(_snap_month)]
    if len(late):
        r = late.iloc[0]
        raise InputError(f"month of death {r.month_of_death} is after its snapshot "
                         f"{r.snapshot_date.date()}", file=path.name, row=int(r.row),
                         column="month_of_death", value=r.month_of_death)
    return df


def _parse(fn, rec, col, row, path, expected):
    try:
        value = fn(rec[col])
    except (ValueError, TypeError) as err:
        raise InputError(f"{rec[col]!r} is not {expected}", file=path.name, row=row, column=col,
                         value=rec[col]) from err
    if value is pd.NaT:
        raise InputError(f"empty; expected {expected}", file=path.name, row=row, column=col,
                         value=rec[col])
    return value


def _month(v: str) -> str:
    ts = pd.Timestamp(str(v).strip() + ("-01" if len(str(v).strip()) == 7 else ""))
    return f"{ts.year:04d}-{ts.month:02d}"


def _count(v: str) -> int:
    f = float(v)
    if not f.is_integer() or f < 0:
        raise ValueError(v)
    return int(f)


def _snap_month(ts: pd.Timestamp) -> int:
    """The month a snapshot closes: one taken on the 16th or later counts for the next month."""
    return ts.year * 12 + ts.month - 1 + (1 if ts.day >= 16 else 0)


def build_triangle(snaps: pd.DataFrame, as_of=None) -> Triangle:
    """Run-off triangle from snapshot rows (optionally only snapshots on or before ``as_of``).

    A snapshot counts for the month it opens (taken on the 1st-15th) or the next one (16th-31st);
    two snapshots in one month keep the later one, with a :class:`DataWarning`.
    """
    df = snaps if as_of is None else snaps[snaps.snapshot_date <= pd.Timestamp(as_of)]
    if df.empty:
        raise NotEstimableError(f"no snapshot on or before {as_of}")
    df = df.assign(smonth=df.snapshot_date.map(_snap_month))
    last = df.groupby("smonth").snapshot_date.transform("max")
    dropped = sorted(set(df.snapshot_date[df.snapshot_date != last].dt.date.astype(str)))
    if dropped:
        warnings.warn(f"snapshots {', '.join(dropped)} share a month with a later snapshot and were "
                      "not used", DataWarning, stacklevel=2)
    df = df[df.snapshot_date == last]
    o = df.month_of_death.map(_month_index).to_numpy()
    lag = df.smonth.to_numpy() - o
    o0 = o.min()
    cum = np.full((o.max() - o0 + 1, lag.max() + 1), np.nan)
    cum[o - o0, lag] = df.named_deaths.to_numpy(float)
    origins = tuple(_month_label(o0 + i) for i in range(cum.shape[0]))
    months = tuple(_month_label(m) for m in sorted(df.smonth.unique()))
    return Triangle(origins, cum, months)


@dataclass(frozen=True)
class ChainLadder:
    """Development factors, Mack's sigma^2 and the column sums S_k behind each factor."""

    factors: np.ndarray
    sigma2: np.ndarray
    weights: np.ndarray
    pairs: np.ndarray


def development_factors(cum: np.ndarray) -> ChainLadder:
    """Volume-weighted chain-ladder factors ``f_k`` (lag k -> k+1) and Mack's ``sigma_k^2``.

    Factors with no pair of observed lags are NaN. ``sigma_k^2`` of a factor seen in one origin only
    is extrapolated as in Mack (1993): ``min(s_{k-1}^4 / s_{k-2}^2, s_{k-2}^2, s_{k-1}^2)``.
    """
    a, b = cum[:, :-1], cum[:, 1:]
    ok = ~np.isnan(a) & ~np.isnan(b)
    s = np.where(ok, a, 0).sum(axis=0)
    n = ok.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(n > 0, np.where(ok, b, 0).sum(axis=0) / s, np.nan)
        use = ok & (a > 0)
        dev = np.where(use, a * (b / np.where(use, a, 1) - f) ** 2, 0).sum(axis=0)
        m = use.sum(axis=0)
        sigma2 = np.where(m > 1, dev / np.maximum(m - 1, 1), np.nan)
    for k in np.where((m <= 1) & (n > 0))[0]:
        prev = [sigma2[j] for j in (k - 2, k - 1) if j >= 0 and np.isfinite(sigma2[j])]
        if len(prev) == 2 and prev[0] > 0:
            sigma2[k] = min(prev[1] ** 2 / prev[0], prev[0], prev[1])
        else:
            sigma2[k] = prev[-1] if prev else 0.0
    return ChainLadder(f, sigma2, s, n)


def project(tri: Triangle, cl: ChainLadder, target: np.ndarray):
    """Project each origin from its latest lag to ``target`` lag (array, one per origin).

    Returns ``(estimate, mse, path)``: Mack's estimate, its mean squared error (process + parameter)
    and the projected cumulative path ``Ĉ[i, k]`` (NaN outside ``latest..target``).
    """
    b = tri.latest_lag
    n, width = len(tri.origins), cl.factors.size + 1
    path = np.full((n, width), np.nan)
    mse = np.zeros(n)
    for i in range(n):
        if target[i] < b[i]:
            raise NotEstimableError(f"target lag {target[i]} of {tri.origins[i]} is before its "
                                    f"latest lag {b[i]}")
        need = cl.factors[b[i]:target[i]]
        if np.isnan(need).any():
            k = b[i] + int(np.argmax(np.isnan(need)))
            warnings.warn(f"no month of death was observed at both lags {k} and {k + 1}, so "
                          f"{tri.origins[i]} cannot be projected past lag {k}; its nowcast is left "
                          "empty", EstimationWarning, stacklevel=2)
            mse[i] = np.nan
            continue
        path[i, b[i]] = tri.latest[i]
        for k in range(b[i], target[i]):
            path[i, k + 1] = path[i, k] * cl.factors[k]
        u = path[i, target[i]]
        ks = np.arange(b[i], target[i])
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = cl.sigma2[ks] / cl.factors[ks] ** 2 * (1 / path[i, ks] + 1 / cl.weights[ks])
        mse[i] = u ** 2 * np.nansum(np.where(np.isfinite(terms), terms, 0))
    return path[np.arange(n), target], mse, path


def total_mse(tri: Triangle, cl: ChainLadder, target: np.ndarray, mse: np.ndarray, est: np.ndarray,
              rows: np.ndarray) -> float:
    """Mack's mean squared error of the sum of the estimates of the origins in ``rows``.

    Adds to the individual MSEs the covariance that comes from sharing estimated factors:
    ``2 U_i U_l sum_k sigma_k^2 / f_k^2 / S_k`` over the lags both projections use.
    """
    b = tri.latest_lag
    rows = np.asarray([i for i in rows if np.isfinite(est[i])], dtype=int)
    total = float(mse[rows].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        per_k = np.nan_to_num(cl.sigma2 / cl.factors ** 2 / cl.weights, nan=0.0, posinf=0.0)
    for x, i in enumerate(rows):
        for j in rows[x + 1:]:
            lo, hi = max(b[i], b[j]), min(target[i], target[j])
            if hi > lo:
                total += 2 * est[i] * est[j] * per_k[lo:hi].sum()
    return total


def lognormal_interval(mean, se, level=0.95, floor=None):
    """Interval of a log-normal with this mean and standard error (Mack 1999's usual choice)."""
    from scipy.stats import norm

    mean, se = np.asarray(mean, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.log1p((se / mean) ** 2)
        mu = np.log(mean) - s2 / 2
        z = norm.ppf(0.5 + level / 2)
        lo, hi = np.exp(mu - z * np.sqrt(s2)), np.exp(mu + z * np.sqrt(s2))
    lo = np.where(se > 0, lo, mean)
    hi = np.where(se > 0, hi, mean)
    if floor is not None:
        lo = np.maximum(lo, floor)
    return lo, hi


def delay_distribution(cl: ChainLadder, target: int) -> np.ndarray:
    """Share of the lag-``target`` count named by each lag ``0..target`` (NaN where unknown)."""
    f = cl.factors[:target]
    share = np.full(target + 1, np.nan)
    share[target] = 1.0
    for k in range(target - 1, -1, -1):
        share[k] = share[k + 1] / f[k]
    return share


def mack_chain_ladder(tri: Triangle, *, target_lag: int | None = None, level: float = 0.95):
    """Mack's chain ladder nowcast of every month of death.

    Parameters
    ----------
    tri
        From :func:`build_triangle`.
    target_lag
        Lag to project to; default the largest lag with an estimated factor behind it.
    level
        Interval level (log-normal intervals, never below the count already named).

    Returns
    -------
    DataFrame with columns ``month_of_death, lag, named, nowcast, se, lower, upper, share_named``;
    ``attrs`` carries ``target_lag``, ``factors``, ``sigma2`` and ``delay`` (share named by lag).

    References
    ----------
    Mack (1993), *ASTIN Bulletin* 23(2):213-225, https://doi.org/10.2143/AST.23.2.2005092
    """
    cl = development_factors(tri.cum)
    if target_lag is None:
        target_lag = int(np.max(np.where(np.isfinite(cl.factors))[0]) + 1)
    target = np.maximum(np.full(len(tri.origins), target_lag), tri.latest_lag)
    est, mse, _ = project(tri, cl, target)
    se = np.sqrt(mse)
    lo, hi = lognormal_interval(est, se, level, floor=tri.latest)
    out = pd.DataFrame({"month_of_death": tri.origins, "lag": tri.latest_lag, "named": tri.latest,
                        "nowcast": est, "se": se, "lower": lo, "upper": hi,
                        "share_named": tri.latest / est})
    out.attrs.update(target_lag=target_lag, factors=cl.factors, sigma2=cl.sigma2,
                     delay=delay_distribution(cl, target_lag), level=level)
    return out
