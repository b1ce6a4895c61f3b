"""Stepwise log-linear fitting for sparse tables, with existence and identifiability checks.

This is the procedure of Chan, Silverman & Vincent (2021), implemented in the R package SparseMSE as
``estimatepopulation.0(..., method = "stepwise", pthresh = 0.02)``:

1. Fit the main-effects (independence) model to the table of all ``2**k - 1`` observable patterns,
   zero counts included.
2. For every pair of lists not yet in the model, compare the number of people on both lists with
   its Poisson distribution under the current fit (mean: the fitted counts of the cells holding both
   lists); the two-sided tail ``min(P(X <= n), P(X >= n))`` is the pair's p-value. A pair whose
   model would fail the checks below gets p-value 1.
3. Add the pair with the smallest p-value if it is below ``pthresh`` and repeat; otherwise stop.

A pair of lists with no one in common ("non-overlapping") is given the parameter value minus
infinity: the cells that contain both lists are removed from the fit instead.

The checks. *Identifiable*: the model matrix (over the cells kept) has full column rank.
*Exists*: the maximum likelihood estimate is finite exactly when some table of strictly positive
cell values has the same sufficient statistics ``A' y`` (Fienberg & Rinaldo 2012); the linear
programme ``max s subject to A' x = A' y, x >= s, x >= 0`` has a positive optimum.

The interval is Wald's on the log of the unobserved count: ``n + exp(b0 +- z se(b0))``.

References
----------
Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems estimation for sparse capture
data: inferential challenges when there are nonoverlapping lists. *Journal of the American
Statistical Association* 116(535):1297-1306. doi:10.1080/01621459.2019.1708748
Fienberg, S. E. and Rinaldo, A. (2012). Maximum likelihood estimation in log-linear models.
*Annals of Statistics* 40(2):996-1023. doi:10.1214/12-AOS986
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .glm import fit_poisson
from .models import design_matrix

#: Existence LP: an optimum below this (relative to the mean count) counts as zero.
LP_TOL = 1e-9


@dataclass(frozen=True)
class SparseFit:
    """One model fitted the SparseMSE way.

    ``pairs`` are the two-list terms (bit masks), ``empty`` those with no overlap (fitted as minus
    infinity), ``cells`` the patterns kept, ``X`` the model matrix over them.
    """

    pairs: tuple[int, ...]
    empty: tuple[int, ...]
    cells: np.ndarray
    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    mu: np.ndarray
    deviance: float
    loglik: float
    var_intercept: float
    converged: bool

    @property
    def npar(self) -> int:
        return self.X.shape[1] + len(self.empty)


def model_matrix(counts: np.ndarray, k: int, pairs) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """Cells kept, model matrix, overlapping pairs and empty pairs for a main-effects+pairs model."""
    cells = np.arange(1, 2**k)
    empty = tuple(t for t in pairs if counts[cells[(cells & t) == t]].sum() == 0)
    for t in empty:
        cells = cells[(cells & t) != t]
    used = tuple(t for t in pairs if t not in empty)
    cols = [0] + [1 << j for j in range(k)] + list(used)
    X = ((cells[:, None] & np.array(cols)[None, :]) == np.array(cols)[None, :]).astype(float)
    return cells, X, used, empty


def check_model(counts: np.ndarray, k: int, pairs) -> int:
    """SparseMSE's ``checkident`` code: 0 ok, 1 MLE does not exist, 2 not identifiable, 3 both."""
    cells, X, _, _ = model_matrix(counts, k, pairs)
    rankdef = X.shape[1] - np.linalg.matrix_rank(X)
    return int(not mle_exists(X, counts[cells].astype(float))) + 2 * int(rankdef > 0)


def mle_exists(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether the Poisson log-linear MLE is finite (Fienberg & Rinaldo's linear programme)."""
    nobs = X.shape[0]
    if np.all(y > 0):
        return True
    from scipy.optimize import linprog

    c = np.zeros(nobs + 1)
    c[-1] = -1.0
    a_eq = np.hstack([X.T, np.zeros((X.shape[1], 1))])
    a_ub = np.hstack([-np.eye(nobs), np.ones((nobs, 1))])
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(nobs), A_eq=a_eq, b_eq=X.T @ y,
                  bounds=[(0, None)] * (nobs + 1), method="highs")
    if res.status != 0:
        return False
    return -res.fun > LP_TOL * max(1.0, y.sum() / nobs)


def fit_pairs(counts: np.ndarray, k: int, pairs) -> SparseFit:
    """Fit the main effects plus the given two-list terms (SparseMSE's ``modelfit``)."""
    cells, X, _, empty = model_matrix(counts, k, pairs)
    y = counts[cells].astype(float)
    f = fit_poisson(X, y)
    return SparseFit(pairs=tuple(pairs), empty=empty, cells=cells, X=X, y=y, coef=f.coef[0],
                     mu=f.mu[0], deviance=float(f.deviance[0]), loglik=float(f.loglik[0]),
                     var_intercept=float(f.var_intercept[0]), converged=bool(f.converged[0]))


def stepwise_pairs(counts: np.ndarray, k: int, pthresh: float = 0.02) -> tuple[SparseFit, list[dict]]:
    """SparseMSE's forward stepwise search over two-list terms (see the module docstring).

    Returns the final fit and the steps taken (pair added, its p-value, candidates rejected by the
    checks).
    """
    from scipy.stats import poisson

    counts = np.asarray(counts)
    pats = np.arange(2**k)
    all_pairs = [(1 << i) | (1 << j) for i, j in combinations(range(k), 2)]
    nstar = {t: int(counts[(pats & t) == t].sum()) for t in all_pairs}
    chosen: list[int] = []
    steps: list[dict] = []
    if pthresh >= 1 and check_model(counts, k, all_pairs) == 0:
        # SparseMSE: with pthresh = 1 the model with every pair is fitted when it passes the checks
        return fit_pairs(counts, k, all_pairs), steps
    fit = fit_pairs(counts, k, chosen)
    if pthresh <= 0:
        return fit, steps
    while len(chosen) < len(all_pairs):
        best, best_p, rejected = None, 1.0, []
        for t in all_pairs:
            if t in chosen:
                continue
            pstar = float(fit.mu[(fit.cells & t) == t].sum())
            p = min(poisson.cdf(nstar[t], pstar), poisson.sf(nstar[t] - 1, pstar))
            if check_model(counts, k, [*chosen, t]) > 0:
                rejected.append(t)
                p = 1.0
            if p < best_p:
                best, best_p = t, p
        if best is None or best_p >= pthresh:
            break
        chosen.append(best)
        steps.append({"added": best, "p_value": float(best_p), "rejected": rejected})
        fit = fit_pairs(counts, k, chosen)
    return fit, steps


def design_for(k: int, pairs) -> np.ndarray:
    """Full design (all observable cells) of a main-effects+pairs model, for profile intervals."""
    return design_matrix(k, [0] + [1 << j for j in range(k)] + list(pairs))
