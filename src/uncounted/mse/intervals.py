"""Intervals for the population size under log-linear models.

- :func:`profile_interval`: the multinomial profile-likelihood interval computed by Rcapture's
  ``closedpCI.t`` (Baillargeon & Rivest 2007; Cormack 1992).
- :func:`wald_interval`: Wald's interval on the log of the unobserved count (SparseMSE).
- :func:`mata_interval`: a model-averaged tail-area interval over many models (Turek & Fletcher
  2012), which carries the uncertainty of model selection.
- :func:`parametric_bootstrap`: percentile interval from tables simulated from the fitted model.

All take plain arrays: a design matrix over the observed cells (its column 0 is the intercept),
the counts, and the number observed ``n``.

References
----------
Baillargeon, S. and Rivest, L.-P. (2007). Rcapture: loglinear models for capture-recapture in R.
*Journal of Statistical Software* 19(5). doi:10.18637/jss.v019.i05
Cormack, R. M. (1992). Interval estimation for mark-recapture studies of closed populations.
*Biometrics* 48(2):567-576. doi:10.2307/2532310
Turek, D. and Fletcher, D. (2012). Model-averaged Wald confidence intervals. *Computational
Statistics & Data Analysis* 56(9):2809-2815. doi:10.1016/j.csda.2012.03.002
Buckland, S. T., Burnham, K. P. and Augustin, N. H. (1997). Model selection: an integral part of
inference. *Biometrics* 53(2):603-618. doi:10.2307/2533961
"""

from __future__ import annotations

import math

import numpy as np

from ._optimize import brent_minimize, brent_root
from ._stats import z_value
from .glm import fit_poisson

#: Rcapture searches the upper end up to this multiple of the estimate (``fmaxSupCL``); we go on
#: further, doubling, before declaring the upper end infinite.
FMAX_SUPCL = 3.0
MAX_UPPER_FACTOR = 1000.0


def profile_loglik(N: float, X: np.ndarray, y: np.ndarray) -> float:
    """Multinomial profile log-likelihood of ``N`` (up to a constant), as in Rcapture.

    The unobserved cell is set to ``n0 = N - n`` and the model refitted as a Poisson GLM on the
    full table (the unobserved cell's design row is the intercept alone). The multinomial
    log-likelihood is the Poisson one plus Cormack's (1992) correction ``ct``:
    ``l(N) = -(deviance - 2 ct) / 2``.
    """
    n = float(y.sum())
    n0 = max(N - n, 0.0)
    Xf = np.vstack([X, np.eye(1, X.shape[1])])
    yf = np.append(y, n0)
    dev = float(fit_poisson(Xf, yf, maxiter=100, epsilon=1e-12).deviance[0])
    return multinomial_loglik(dev, n0, N)


def _cormack(n0: float, N: float) -> float:
    """Cormack's correction from the Poisson to the multinomial likelihood (Rcapture's ``ct``)."""
    if N > 100:
        if n0 in (0.0, 1.0) or n0 <= 0:
            return -N + 0.5 * math.log(2 * math.pi * N)
        return n0 - N - 0.5 * math.log(n0 / N)
    a = n0 * math.log(n0) if n0 > 0 else 0.0
    return a + math.lgamma(N + 1) - N * math.log(N) - math.lgamma(n0 + 1)


def profile_interval(X: np.ndarray, y: np.ndarray, estimate: float, level: float = 0.95
                     ) -> tuple[float, float, float]:
    """Profile-likelihood interval for ``N`` (Rcapture ``closedpCI.t``'s method).

    The profile log-likelihood is maximised over ``(n, 3 N_hat)``; each end is where it has
    dropped by ``chi2_1(level) / 2``. The lower end is ``n`` when the likelihood at ``n`` is still
    above that; the upper end is ``inf`` when no finite root is found.

    Returns ``(lower, upper, N_max)`` where ``N_max`` maximises the multinomial profile likelihood.
    """
    y = np.asarray(y, dtype=float)
    return profile_interval_of(lambda N: profile_loglik(N, X, y), float(y.sum()), estimate, level)


def multinomial_loglik(deviance: float, n0: float, N: float) -> float:
    """Multinomial profile log-likelihood from the Poisson deviance of the full table at ``n0``."""
    return -(deviance - 2.0 * _cormack(n0, N)) / 2.0


def profile_interval_of(loglik, n: float, estimate: float, level: float = 0.95
                        ) -> tuple[float, float, float]:
    """:func:`profile_interval` for any profile log-likelihood ``loglik(N)`` (e.g. a factored fit)."""
    if not np.isfinite(estimate):
        return n, math.inf, math.inf
    hi = max(FMAX_SUPCL * estimate, n + 1.0)
    nmax, neg = brent_minimize(lambda N: -loglik(N), n, hi, xtol=1e-4)
    lmax = -neg
    target = lmax - z_value(level) ** 2 / 2.0  # the chi-squared(1) quantile is z squared

    def g(N):
        return loglik(N) - target

    lower = n if g(n) > 0 else brent_root(g, n, nmax, xtol=1e-4)
    upper, top = math.inf, hi
    while top <= MAX_UPPER_FACTOR * max(estimate, n):
        if g(top) < 0:
            upper = brent_root(g, nmax, top, xtol=1e-4)
            break
        top *= 2.0
    return float(lower), float(upper), nmax


def safe_exp(x: float) -> float:
    """``exp(x)``, or ``inf`` where it would overflow."""
    return math.exp(x) if x < 709.0 else math.inf


def wald_interval(n: float, intercept: float, var_intercept: float, level: float = 0.95
                  ) -> tuple[float, float]:
    """``n + exp(b0 -+ z sqrt(var))``: Wald on the log of the unobserved count (SparseMSE)."""
    z = z_value(level)
    s = math.sqrt(max(var_intercept, 0.0))
    return n + safe_exp(intercept - z * s), n + safe_exp(intercept + z * s)


def mata_interval(n: float, intercepts: np.ndarray, variances: np.ndarray, weights: np.ndarray,
                  level: float = 0.95) -> tuple[float, float]:
    """Model-averaged tail-area interval (Turek & Fletcher 2012) on the log unobserved count.

    Each model's ``log(N - n)`` is taken as normal with its intercept and variance; the ends are
    where the weight-averaged tail areas equal ``(1 - level) / 2``. Models of weight below 1e-10
    are left out.
    """
    from scipy.special import ndtr

    w = np.asarray(weights, dtype=float)
    keep = (w > 1e-10) & np.isfinite(intercepts) & np.isfinite(variances)
    b, s, w = intercepts[keep], np.sqrt(np.maximum(variances[keep], 1e-300)), w[keep] / w[keep].sum()
    alpha = (1 - level) / 2

    def tail(u, q):
        return float(np.sum(w * ndtr((u - b) / s))) - q

    lo_u, hi_u = float(np.min(b - 12 * s)), float(np.max(b + 12 * s))
    lo = brent_root(lambda u: tail(u, alpha), lo_u, hi_u, xtol=1e-10)
    hi = brent_root(lambda u: tail(u, 1 - alpha), lo_u, hi_u, xtol=1e-10)
    return n + safe_exp(lo), n + safe_exp(hi)


def parametric_bootstrap(X: np.ndarray, mu: np.ndarray, replicates: int, seed: int | None,
                         level: float = 0.95, *, observed: float | None = None
                         ) -> tuple[float, float, np.ndarray]:
    """Percentile interval from Poisson tables simulated from the fitted means ``mu``.

    Each replicate table is refitted with the same model (all replicates in one batch), giving a
    draw ``exp(b0*)`` of the number unobserved; the draws of N are ``n + exp(b0*)`` with ``n`` the
    number actually observed (known, not resampled), so the interval never falls below ``n``.
    Returns ``(lower, upper, draws)``.
    """
    rng = np.random.default_rng(seed)
    mu = np.asarray(mu, dtype=float)
    ystar = rng.poisson(mu, size=(replicates, len(mu))).astype(float)
    fits = fit_poisson(X, ystar, np.ones((replicates, X.shape[1]), dtype=bool))
    # the fitted means of a Poisson model with an intercept add up to the number observed
    n = float(np.round(mu.sum())) if observed is None else float(observed)
    draws = n + np.exp(np.minimum(fits.coef[:, 0], 700.0))
    alpha = (1 - level) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha])
    return float(lo), float(hi), draws
