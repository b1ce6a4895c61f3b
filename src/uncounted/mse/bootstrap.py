"""The bootstrap with model re-selection and its BCa interval (Chan, Silverman & Vincent 2021).

The people observed are resampled (a multinomial draw of ``n`` over the observed capture patterns,
with the observed proportions), and on every resample the *whole* procedure is run again: the
model is re-selected (e.g. SparseMSE's stepwise search), then fitted. The spread of the resampled
estimates therefore carries the uncertainty of model selection as well as of the fit. The interval
is Efron's bias-corrected and accelerated (BCa) percentile interval (DiCiccio & Efron 1996): the
bias correction ``z0`` is the normal quantile of the share of resampled estimates below the
estimate from the data; the acceleration ``a`` is the skewness of the jackknife, removing one
person of each observed pattern at a time (each pattern weighted by its count); the interval's ends
are the bootstrap quantiles (Hyndman & Fan's type 8, as R's ``quantile(type = 8)``) at
``Phi(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))``.

This is what SparseMSE's ``estimatepopulation`` computes; our resamples come from NumPy's
generator (seeded), so figures agree with R's within Monte-Carlo error, not digit for digit.

References
----------
Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems estimation for sparse capture
data: inferential challenges when there are nonoverlapping lists. *Journal of the American
Statistical Association* 116(535):1297-1306. doi:10.1080/01621459.2019.1708748
DiCiccio, T. J. and Efron, B. (1996). Bootstrap confidence intervals. *Statistical Science*
11(3):189-228. doi:10.1214/ss/1032280214
Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages. *The American
Statistician* 50(4):361-365. doi:10.2307/2684934
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

__all__ = ["BCaResult", "bca_diagnostics", "bca_interval", "reselect_with", "reselection_bootstrap"]

_STD = NormalDist()


@dataclass(frozen=True)
class BCaResult:
    """Resampled estimates, the jackknife acceleration and the BCa interval."""

    estimate: float
    lower: float
    upper: float
    draws: np.ndarray
    z0: float
    acceleration: float
    failed: int
    jackknife: np.ndarray


def bca_interval(draws: np.ndarray, estimate: float, acceleration: float, level: float = 0.95
                 ) -> tuple[float, float, float]:
    """BCa ends ``(lower, upper, z0)`` from bootstrap ``draws`` (SparseMSE's ``bcaconfvalues``)."""
    draws = np.asarray(draws, dtype=float)
    share = float(np.mean(draws < estimate))
    if share <= 0.0 or share >= 1.0:
        # every resample on one side of the estimate: the bias correction is infinite and the
        # interval collapses to an end of the bootstrap distribution
        z0 = -math.inf if share <= 0.0 else math.inf
        end = float(draws.min() if share <= 0.0 else draws.max())
        return end, end, z0
    z0 = _STD.inv_cdf(share)
    alpha = (1 - level) / 2
    probs = []
    for a in (alpha, 1 - alpha):
        za = _STD.inv_cdf(a) + z0
        probs.append(_STD.cdf(z0 + za / (1 - acceleration * za)))
    lo, hi = np.quantile(draws, probs, method="median_unbiased")
    return float(lo), float(hi), z0


def reselection_bootstrap(counts: np.ndarray, estimate_of: Callable[[np.ndarray], float], *,
                          n_boot: int, seed: int | None, level: float = 0.95,
                          point: float | None = None,
                          progress: Callable[[int, int], None] | None = None) -> BCaResult:
    """Resample people, re-run ``estimate_of`` on each resample, and take the BCa interval.

    Parameters
    ----------
    counts
        Count of each observed capture pattern (all > 0), in a fixed order.
    estimate_of
        The whole estimation procedure, selection included: counts in the same pattern order
        (zeros allowed) to an estimate of N (``nan`` when it cannot be estimated).
    n_boot
        Resamples.
    seed
        Seed of NumPy's generator.
    point
        The estimate from the data, when already known (else ``estimate_of(counts)``).
    progress
        Called as ``progress(done, total)`` now and then.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    point = float(estimate_of(counts)) if point is None else float(point)
    rng = np.random.default_rng(seed)
    resamples = rng.multinomial(n, counts / n, size=n_boot)
    draws = np.empty(n_boot)
    total = n_boot + counts.size
    step = max(total // 50, 1)
    for i, c in enumerate(resamples):
        draws[i] = estimate_of(c)
        if progress is not None and (i + 1) % step == 0:
            progress(i + 1, total)
    jack = np.empty(counts.size)
    for j in range(counts.size):
        c = counts.copy()
        c[j] -= 1
        jack[j] = estimate_of(c)
        if progress is not None and (n_boot + j + 1) % step == 0:
            progress(n_boot + j + 1, total)
    w = counts.astype(float)
    ok = np.isfinite(jack)
    if ok.all() and w.sum() > 0:
        jr = np.sum(w * jack) / w.sum() - jack
        denom = 6.0 * np.sum(w * jr**2) ** 1.5
        accel = float(np.sum(w * jr**3) / denom) if denom > 0 else 0.0
    else:
        accel = 0.0
    good = np.isfinite(draws)
    lo, hi, z0 = bca_interval(draws[good], point, accel, level)
    return BCaResult(estimate=point, lower=lo, upper=hi, draws=draws, z0=z0, acceleration=accel,
                     failed=int((~good).sum()), jackknife=jack)


def bca_diagnostics(boot: BCaResult, n_boot: int) -> dict:
    """What an Estimate's diagnostics record of a BCa bootstrap (warns of failed resamples)."""
    from ..exceptions import EstimationWarning
    from .status import warn

    if boot.failed:
        warn("estimation_warning", f"{boot.failed} of {n_boot} bootstrap resamples could not be "
             "estimated; the BCa interval uses the others", EstimationWarning, stacklevel=3)
    if not math.isfinite(boot.z0):
        warn("estimate_on_boundary", "every bootstrap resample fell on one side of the estimate: "
             "the BCa interval collapses to an end of the bootstrap distribution",
             EstimationWarning, stacklevel=3)
    return {"bootstrap_replicates": n_boot, "bootstrap_failed": boot.failed,
            "bca_z0": boot.z0, "bca_acceleration": boot.acceleration,
            "interval_method": "bca"}


def reselect_with(estimator, table) -> Callable[[np.ndarray], float]:
    """``estimate_of`` for any estimator: refit a copy (Wald interval, no nested bootstrap) on the
    resampled table, ``nan`` where it cannot be estimated. Slower than the dedicated paths."""
    import warnings

    from ..exceptions import NotEstimableError, UncountedWarning

    clone = estimator.clone()
    if "interval" in clone.get_params():
        clone.set_params(interval="wald")
    cls = type(table)
    pats = table.patterns

    def estimate_of(c: np.ndarray) -> float:
        keep = c > 0
        sub = cls(table.lists, pats[keep], c[keep], source=table.source)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UncountedWarning)
                return float(clone._fit(sub).estimate)
        except NotEstimableError:
            return math.nan

    return estimate_of
