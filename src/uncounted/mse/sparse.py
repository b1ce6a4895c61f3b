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

from .glm import ComponentTooLarge, FactoredPoisson, fit_poisson, newton_poisson
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
    pos = y > 0
    if np.all(pos):
        return True
    # No MLE means a direction d with X d <= 0, X d = 0 on the positive cells and X d != 0 (the
    # likelihood keeps rising along it). When the positive cells alone give X full column rank,
    # X d = 0 there forces d = 0: the MLE exists, and no linear programme is needed.
    if pos.sum() >= X.shape[1] and np.linalg.matrix_rank(X[pos]) == X.shape[1]:
        return True
    return mle_exists_lp(X, y)


def mle_exists_lp(X: np.ndarray, y: np.ndarray) -> bool:
    """:func:`mle_exists` by the linear programme alone (Fienberg & Rinaldo 2012)."""
    nobs = X.shape[0]
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


def _pvalues(nstar: np.ndarray, pstar: np.ndarray) -> np.ndarray:
    """SparseMSE's two-sided Poisson tail ``min(P(X <= n*), P(X >= n*))`` for every pair at once."""
    from scipy.special import pdtr, pdtrc

    lower = pdtr(nstar, pstar)
    upper = np.where(nstar > 0, pdtrc(np.maximum(nstar - 1, 0), pstar), 1.0)
    return np.minimum(lower, upper)


def all_pairs(k: int) -> list[int]:
    """The ``k (k - 1) / 2`` two-list terms in SparseMSE's order (1-2, 1-3, ..., 2-3, ...)."""
    return [(1 << i) | (1 << j) for i, j in combinations(range(k), 2)]


class DenseCells:
    """Stepwise backend over the full table of ``2**k - 1`` cells (few lists).

    ``check`` is SparseMSE's ``checkident`` (linear programme and rank); its answer depends only on
    which cells are positive and on the model, so it is memoised on both in ``cache`` (a dict that
    a bootstrap shares across its resamples, where the same supports recur).
    """

    def __init__(self, counts: np.ndarray, k: int, cache: dict | None = None):
        self.k = k
        self.counts = np.asarray(counts)
        self.pairs = all_pairs(k)
        cells = np.arange(1, 2**k)
        pv = np.array(self.pairs, dtype=np.int64)
        self.P = ((cells[:, None] & pv[None, :]) == pv[None, :]).astype(float)
        self.nstar = self.P.T @ self.counts[1:]
        self.cache = {} if cache is None else cache
        self.support = (self.counts[1:] > 0).tobytes()

    def fit(self, pairs, start=None):
        cells, X, _, empty = model_matrix(self.counts, self.k, pairs)
        f = newton_poisson(X, self.counts[cells].astype(float), start, light=True)
        pstar = self.P[cells - 1].T @ f.mu
        return f, pstar, len(empty)

    def check(self, pairs) -> int:
        key = (self.support, tuple(sorted(pairs)))
        code = self.cache.get(key)
        if code is None:
            code = self.cache[key] = check_model(self.counts, self.k, pairs)
        return code


class FactoredCells:
    """Stepwise backend for many lists: :class:`~uncounted.mse.glm.FactoredPoisson` fits.

    Nothing is sized ``2**k``. ``check`` tests identifiability on the information matrix (its rank
    is that of the design over the cells fitted) and existence by the fit itself: Newton steps that
    stay near 1 in the linear predictor mean a cell drifts to zero (see
    :data:`~uncounted.mse.glm.DIVERGING_STEP`); a model whose interactions would join more than
    :data:`~uncounted.mse.glm.MAX_COMPONENT_LISTS` lists is refused (code 4).
    """

    def __init__(self, patterns: np.ndarray, counts: np.ndarray, k: int):
        self.k = k
        self.patterns = np.asarray(patterns, dtype=np.uint64)
        self.y = np.asarray(counts, dtype=float)
        self.pairs = all_pairs(k)
        bits = ((self.patterns[:, None] >> np.arange(k, dtype=np.uint64)[None, :])
                & np.uint64(1)).astype(float)
        both = bits.T @ (bits * self.y[:, None])
        iu = np.array([[i, j] for i, j in combinations(range(k), 2)], dtype=np.int64).reshape(-1, 2)
        self.iu = iu
        self.nstar = both[iu[:, 0], iu[:, 1]] if iu.size else np.zeros(0)
        self._fits: dict = {}

    def model(self, pairs):
        empty = tuple(t for t in pairs if self.nstar[self.pairs.index(t)] == 0)
        used = tuple(t for t in pairs if t not in empty)
        return FactoredPoisson(self.k, used, self.patterns, self.y, excluded=empty), used, empty

    def fit(self, pairs, start=None):
        key = tuple(pairs)
        if key not in self._fits:
            F, _, empty = self.model(pairs)
            f = F.fit(start)
            Q = F.pair_means(f.coef)
            self._fits[key] = (f, Q[self.iu[:, 0], self.iu[:, 1]], len(empty), F)
        return self._fits[key][:3]

    def check(self, pairs, start=None) -> int:
        try:
            F, _, _ = self.model(pairs)
        except ComponentTooLarge:
            return 4
        if not F.identifiable():
            return 2
        f, _, _ = self.fit(pairs, start)
        return int(f.diverging or not f.converged)


def stepwise_search(backend, pthresh: float = 0.02) -> tuple[list[int], list[dict], object]:
    """SparseMSE's forward p-value search (module docstring) on a backend.

    Candidates are checked in order of p-value, and only until one passes: the pair chosen is the
    one with the smallest p-value among those that pass the checks, as in SparseMSE, which checks
    every candidate at every step. Returns the pairs chosen, the steps and the last fit.
    """
    pairs = backend.pairs
    chosen: list[int] = []
    steps: list[dict] = []
    fit, pstar, _ = backend.fit(chosen)
    if pthresh <= 0:
        return chosen, steps, fit
    included = np.zeros(len(pairs), dtype=bool)
    while not included.all():
        p = _pvalues(backend.nstar, pstar)
        p[included] = np.inf
        order = np.lexsort((np.arange(len(pairs)), p))
        best, rejected = None, []
        for j in order:
            if not p[j] < pthresh:
                break
            cand = [*chosen, pairs[j]]
            start = _warm(fit.coef, backend.nstar[j] > 0)
            code = (backend.check(cand, start) if isinstance(backend, FactoredCells)
                    else backend.check(cand))
            if code == 0:
                best = j
                break
            rejected.append(pairs[j])
        if best is None:
            break
        chosen.append(pairs[best])
        included[best] = True
        steps.append({"added": pairs[best], "p_value": float(p[best]), "rejected": rejected})
        fit, pstar, _ = backend.fit(chosen, _warm(fit.coef, backend.nstar[best] > 0))
    return chosen, steps, fit


def _warm(coef: np.ndarray, new_column: bool) -> np.ndarray:
    return np.append(coef, 0.0) if new_column else coef


def stepwise_pairs(counts: np.ndarray, k: int, pthresh: float = 0.02, *,
                   cache: dict | None = None) -> tuple[SparseFit, list[dict]]:
    """SparseMSE's forward stepwise search over two-list terms (see the module docstring).

    Returns the final fit (refitted with :func:`fit_pairs`, R's IRLS) and the steps taken (pair
    added, its p-value, candidates below the threshold rejected by the checks).
    """
    counts = np.asarray(counts)
    if pthresh >= 1 and check_model(counts, k, all_pairs(k)) == 0:
        # SparseMSE: with pthresh = 1 the model with every pair is fitted when it passes the checks
        return fit_pairs(counts, k, all_pairs(k)), []
    chosen, steps, _ = stepwise_search(DenseCells(counts, k, cache), pthresh)
    return fit_pairs(counts, k, chosen), steps


def stepwise_estimate(counts: np.ndarray, k: int, pthresh: float = 0.02, *,
                      cache: dict | None = None) -> float:
    """The stepwise estimate of N alone (for bootstraps): ``n + exp(intercept)``."""
    counts = np.asarray(counts)
    if pthresh >= 1:
        return float(counts.sum() + np.exp(stepwise_pairs(counts, k, pthresh, cache=cache)[0].coef[0]))
    _, _, fit = stepwise_search(DenseCells(counts, k, cache), pthresh)
    return float(counts.sum() + np.exp(min(fit.coef[0], 700.0)))


def design_for(k: int, pairs) -> np.ndarray:
    """Full design (all observable cells) of a main-effects+pairs model, for profile intervals."""
    return design_matrix(k, [0] + [1 << j for j in range(k)] + list(pairs))
