"""Bootstrap of the chain ladder under an over-dispersed Poisson model (England & Verrall).

The chain ladder's projections are those of an over-dispersed Poisson (ODP) model of the monthly
increments with a row (month of death) and a column (lag) effect. The bootstrap resamples that model's
scaled Pearson residuals onto the fitted increments to make pseudo-triangles, re-estimates the factors
on each (parameter error), projects, and draws every future increment from a gamma distribution with
the fitted mean and variance ``phi * mean`` (process error). The draws give a predictive distribution
of each month's count at the target lag, and of sums of months, without a normal or log-normal
assumption.

A month first seen at lag ``a > 0`` (older than the first snapshot) enters with one cell: its count at
lag ``a``, the sum of ``a`` unobserved increments, which under the ODP model is itself ODP with the
same dispersion; it gets a residual like any other cell. Months seen once only have a residual of zero
by construction and are left out of the residual pool.

References
----------
England, P. & Verrall, R. (1999). Analytic and bootstrap estimates of prediction errors in claims
reserving. *Insurance: Mathematics and Economics* 25(3):281-293.
https://doi.org/10.1016/S0167-6687(99)00016-5
England, P. & Verrall, R. (2002). Stochastic claims reserving in general insurance. *British Actuarial
Journal* 8(3):443-518. https://doi.org/10.1017/S1357321700003809
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import NotEstimableError
from .nowcast import Triangle, development_factors


def _observed_mask(cum: np.ndarray) -> np.ndarray:
    return ~np.isnan(cum)


def backfit(cum: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Fitted cumulative counts: the latest count of each row divided back through the factors."""
    obs = _observed_mask(cum)
    fitted = np.full_like(cum, np.nan)
    last = cum.shape[1] - 1 - np.argmax(obs[:, ::-1], axis=1)
    first = np.argmax(obs, axis=1)
    for i in range(cum.shape[0]):
        fitted[i, last[i]] = cum[i, last[i]]
        for k in range(last[i] - 1, first[i] - 1, -1):
            fitted[i, k] = fitted[i, k + 1] / factors[k]
    return fitted


def increments(cum: np.ndarray) -> np.ndarray:
    """Increments between observed lags; a row's first observed cell keeps its cumulative count."""
    inc = np.diff(cum, axis=1, prepend=np.nan)
    first = np.argmax(_observed_mask(cum), axis=1)
    rows = np.arange(cum.shape[0])
    inc[rows, first] = cum[rows, first]
    return inc


def pearson_residuals(cum: np.ndarray, factors: np.ndarray):
    """Scaled Pearson residuals of the ODP chain-ladder fit and the dispersion ``phi``.

    Returns ``(fitted_increments, residuals, phi)``; residuals are NaN outside the triangle and in
    rows observed once (structurally zero). ``phi = sum r^2 / (n - p)`` with ``p`` = rows + factors
    estimated; residuals are scaled by ``sqrt(n / (n - p))`` (England & Verrall 2002, sec. 7).
    """
    m = increments(backfit(cum, factors))
    x = increments(cum)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x - m) / np.sqrt(np.abs(m))
    single = _observed_mask(cum).sum(axis=1) <= 1
    r[single] = np.nan
    r[~np.isfinite(r)] = np.nan
    n = int(np.isfinite(r).sum())
    p = int((~single).sum() + np.isfinite(factors).sum())
    if n <= p:
        raise NotEstimableError(f"{n} residual cells for {p} parameters: too few snapshots to "
                                "bootstrap")
    phi = float(np.nansum(r ** 2) / (n - p))
    return m, r * np.sqrt(n / (n - p)), phi


def _factors_batch(cum: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Volume-weighted factors for a batch of pseudo-triangles ``(B, rows, lags)``."""
    pair = mask[:, :, :-1] & mask[:, :, 1:]
    a = np.where(pair, cum[:, :, :-1], 0).sum(axis=1)
    b = np.where(pair, cum[:, :, 1:], 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, b / a, np.nan)


def bootstrap_chain_ladder(tri: Triangle, *, target_lag: int | None = None, draws: int = 1000,
                           seed: int = 1, level: float = 0.95, batch: int = 250):
    """Predictive distribution of each month's count at ``target_lag`` by the ODP bootstrap.

    Parameters
    ----------
    tri
        From :func:`~uncounted.excess.nowcast.build_triangle`.
    target_lag
        Lag to project to (one for all months, or an array with one per month); default as in
        :func:`~uncounted.excess.nowcast.mack_chain_ladder`.
    draws, seed
        Bootstrap replicates and the seed of the generator (stored in ``attrs``).
    level
        Level of the percentile intervals.

    Returns
    -------
    DataFrame ``month_of_death, lag, named, nowcast (mean), median, se (sd), lower, upper``;
    ``attrs["draws"]`` holds the draws ``(draws, months)`` for sums over months, ``attrs["seed"]``,
    ``attrs["phi"]``.

    References
    ----------
    England & Verrall (2002), *British Actuarial Journal* 8(3):443-518,
    https://doi.org/10.1017/S1357321700003809
    """
    cl = development_factors(tri.cum)
    if target_lag is None:
        target_lag = int(np.max(np.where(np.isfinite(cl.factors))[0]) + 1)
    m, r, phi = pearson_residuals(tri.cum, cl.factors)
    pool = r[np.isfinite(r)]
    pool = pool - pool.mean()  # centred, so that resampling adds no bias to the fitted increments
    mask = _observed_mask(tri.cum)
    rng = np.random.default_rng(seed)
    target = np.maximum(np.broadcast_to(np.asarray(target_lag), tri.latest_lag.shape),
                        tri.latest_lag)
    out = [_batch(tri, m, pool, phi, mask, target, min(batch, draws - s), rng)
           for s in range(0, draws, batch)]
    sims = np.maximum(np.concatenate(out, axis=0), tri.latest[None])  # never below names on record
    q = (1 - level) / 2
    res = pd.DataFrame({"month_of_death": tri.origins, "lag": tri.latest_lag, "named": tri.latest,
                        "nowcast": sims.mean(axis=0), "median": np.median(sims, axis=0),
                        "se": sims.std(axis=0, ddof=1), "lower": np.quantile(sims, q, axis=0),
                        "upper": np.quantile(sims, 1 - q, axis=0)})
    res.attrs.update(draws=sims, seed=seed, phi=phi, target_lag=target_lag, level=level)
    return res


def _batch(tri, m, pool, phi, mask, target, size, rng):
    """One batch of replicates: pseudo-triangles, refitted factors, projection, process error."""
    n_rows, width = tri.cum.shape
    idx = rng.integers(0, pool.size, size=(size, n_rows, width))
    pseudo_inc = m[None] + pool[idx] * np.sqrt(np.abs(m))[None]
    pseudo_inc = np.where(mask[None], pseudo_inc, 0.0)
    pseudo = np.where(mask[None], np.cumsum(pseudo_inc, axis=2), np.nan)
    f = _factors_batch(pseudo, np.broadcast_to(mask[None], pseudo.shape))
    if np.isnan(f[:, :target.max()]).any():
        f = np.where(np.isnan(f), 1.0, f)  # a factor lost in a replicate: no development there
    b = tri.latest_lag
    latest_pseudo = pseudo[:, np.arange(n_rows), b]
    total = np.tile(tri.latest.astype(float), (size, 1))
    for i in range(n_rows):
        c = latest_pseudo[:, i]
        for k in range(b[i], target[i]):
            nxt = c * f[:, k]
            mean_inc = nxt - c
            total[:, i] += _gamma(mean_inc, phi, rng)
            c = nxt
    return total


def _gamma(mean: np.ndarray, phi: float, rng) -> np.ndarray:
    """Gamma draws with mean ``mean`` and variance ``phi * mean``; non-positive means pass through."""
    out = mean.copy()
    pos = mean > 0
    if phi > 0 and pos.any():
        out[pos] = rng.gamma(mean[pos] / phi, phi)
    return out
