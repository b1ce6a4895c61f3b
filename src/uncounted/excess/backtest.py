"""Backtest of the nowcast: fit on the snapshots up to a date, compare with a later snapshot.

The question a user asks of a nowcast is "how many names will the list hold for these months by
then?"; the backtest asks it in the past. Fit the chain ladder on the snapshots taken up to a cutoff,
project each month of death to the lag it has at a later evaluation snapshot, and compare with what
that snapshot actually holds. The naive answer — the count named at the cutoff — is scored beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .nowcast import (
    _month_index,
    build_triangle,
    development_factors,
    lognormal_interval,
    project,
    total_mse,
)
from .odp import bootstrap_chain_ladder


def backtest(snaps: pd.DataFrame, cutoff, evaluate_at, *, recent: int = 12, level: float = 0.95,
             draws: int = 0, seed: int = 1):
    """Nowcast from the snapshots up to ``cutoff``, scored against the snapshot at ``evaluate_at``.

    Parameters
    ----------
    snaps
        From :func:`~uncounted.excess.nowcast.read_snapshots`.
    cutoff, evaluate_at
        Dates; ``evaluate_at`` picks the last snapshot on or before it.
    recent
        The summary covers the months of death at most ``recent`` months old at the cutoff.
    level
        Interval level (log-normal, as in :func:`~uncounted.excess.nowcast.mack_chain_ladder`).
    draws, seed
        With ``draws > 0`` the ODP bootstrap is scored too (``boot_*`` columns and summary keys).

    Returns
    -------
    (per_month, summary)
        ``per_month``: ``month_of_death, lag_then, lag_later, named_then, nowcast, se, lower, upper,
        later, error, covered``. ``summary``: a dict with the totals over the recent months —
        ``named_then, nowcast, se, later, error_pct`` (nowcast vs later), ``naive_error_pct`` (named
        then vs later), ``mape_pct`` (mean absolute % error per month), ``coverage`` (share of months
        whose interval holds the later count), ``months``.
    """
    then = build_triangle(snaps, as_of=cutoff)
    later = build_triangle(snaps, as_of=evaluate_at)
    cl = development_factors(then.cum)
    lag_later = np.array([_month_index(later.snapshot_months[-1]) - _month_index(o)
                          for o in then.origins])
    usable = lag_later <= np.max(np.where(np.isfinite(cl.factors))[0]) + 1
    target = np.where(usable, lag_later, then.latest_lag)
    est, mse, _ = project(then, cl, target)
    row_later = [later.origins.index(o) for o in then.origins]
    actual = later.cum[row_later, np.minimum(lag_later, later.cum.shape[1] - 1)]
    se = np.sqrt(mse)
    lo, hi = lognormal_interval(est, se, level, floor=then.latest)
    per = pd.DataFrame({"month_of_death": then.origins, "lag_then": then.latest_lag,
                        "lag_later": lag_later, "named_then": then.latest, "nowcast": est, "se": se,
                        "lower": lo, "upper": hi, "later": actual})
    keep = usable & ~np.isnan(actual) & ~np.isnan(est)
    sims = None
    if draws:
        boot = bootstrap_chain_ladder(then, target_lag=target, draws=draws, seed=seed, level=level)
        per["boot_nowcast"], per["boot_lower"], per["boot_upper"] = (boot.nowcast, boot.lower,
                                                                     boot.upper)
        sims = boot.attrs["draws"]
    per = per[keep].reset_index(drop=True)
    per["error"] = per.nowcast - per.later
    per["covered"] = (per.lower <= per.later) & (per.later <= per.upper)
    rows = np.where(keep & (then.latest_lag <= recent))[0]
    pick = per.lag_then <= recent
    tot_se = float(np.sqrt(total_mse(then, cl, target, mse, est, rows)))
    sel = per[pick]
    summary = {
        "cutoff": str(pd.Timestamp(cutoff).date()), "evaluated": later.snapshot_months[-1],
        "months": int(pick.sum()), "named_then": float(sel.named_then.sum()),
        "nowcast": float(sel.nowcast.sum()), "se": tot_se, "later": float(sel.later.sum()),
        "error_pct": float(100 * (sel.nowcast.sum() / sel.later.sum() - 1)),
        "naive_error_pct": float(100 * (sel.named_then.sum() / sel.later.sum() - 1)),
        "mape_pct": float(100 * (sel.error.abs() / sel.later).mean()),
        "coverage": float(sel.covered.mean()),
    }
    if sims is not None:
        per["boot_covered"] = (per.boot_lower <= per.later) & (per.later <= per.boot_upper)
        tot = sims[:, rows].sum(axis=1)
        q = (1 - level) / 2
        summary.update(boot_nowcast=float(tot.mean()), boot_lower=float(np.quantile(tot, q)),
                       boot_upper=float(np.quantile(tot, 1 - q)),
                       boot_coverage=float(per.boot_covered[pick].mean()))
    return per, summary
