"""Model search for :class:`~uncounted.mse.loglinear.LogLinear`: admissibility and stepwise AIC/BIC.

Array in, array out: a design ``X`` over the observable cells of a ``2**k`` table with every column
any model may use, the counts ``y``, and boolean masks of models over those columns.

References
----------
Fienberg, S. E. and Rinaldo, A. (2012). Maximum likelihood estimation in log-linear models.
*Annals of Statistics* 40(2):996-1023. doi:10.1214/12-AOS986
Silverman, B. W., Chan, L. and Vincent, K. (2024). Bootstrapping multiple systems estimates to
account for model selection. *Statistics and Computing* 34:44. doi:10.1007/s11222-023-10346-9
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from . import models, sparse
from .glm import ComponentTooLarge, FactoredPoisson, NewtonFit, fit_poisson
from .status import not_estimable

#: IRLS's last step in the linear predictor above this means cells are drifting to zero: the MLE
#: does not exist. (On all 6,893 five-list models of Western and NewOrl_5 and the 8 three-list
#: models of Korea this screen agrees exactly with the linear programme: steps are < 1e-3 or ~1.)
DIVERGING_STEP = 0.1
#: Models with at least this weight are also checked with the existence linear programme.
CHECK_WEIGHT = 1e-3

#: Terms the factored AIC/BIC search fits at each step, of those it could add (by score statistic).
SCREEN = 8

_NO_MLE = "no log-linear model has a maximum likelihood estimate for this table"


def best_admissible(masks, fits, crit, X, y) -> tuple[int, int]:
    """Index of the best model (smallest criterion) whose MLE exists, and how many were skipped."""
    for skipped, i in enumerate(np.argsort(crit, kind="stable")):
        if not np.isfinite(crit[i]):
            break
        if fits.eta_step[i] < DIVERGING_STEP and ((y > 0).all() or
                                                  sparse.mle_exists(X[:, masks[i]], y)):
            return int(i), skipped
    raise not_estimable("no_admissible_model", _NO_MLE)


def existing_weighted(masks, fits, crit, est, X, y) -> tuple[np.ndarray, int]:
    """Models to average: finite criterion and estimate, and an MLE that exists.

    Existence is screened by the IRLS step size (see :data:`DIVERGING_STEP`) and confirmed with the
    linear programme for every model whose weight reaches :data:`CHECK_WEIGHT`.
    Returns the boolean selection and the number of linear programmes solved.
    """
    ok = np.isfinite(crit) & np.isfinite(est) & (fits.eta_step < DIVERGING_STEP)
    checked = 0
    verified = np.zeros(len(crit), dtype=bool)
    while ok.any() and not (y > 0).all():
        w = np.where(ok, np.exp(-(crit - crit[ok].min()) / 2), 0.0)
        todo = np.flatnonzero((w >= CHECK_WEIGHT * w.sum()) & ~verified)
        if todo.size == 0:
            break
        for i in todo:
            checked += 1
            verified[i] = True
            ok[i] = sparse.mle_exists(X[:, masks[i]], y)
    if not ok.any():
        raise not_estimable("no_admissible_model", _NO_MLE)
    return ok, checked


def greedy(X, y, cols, n, crit_name, max_steps: int = 200):
    """Stepwise AIC/BIC search over hierarchical models: best single add or drop until no gain.

    Returns every model evaluated (masks) and their fits.
    """
    current = models.closure_mask([], cols)
    seen: dict[bytes, int] = {}
    all_masks: list[np.ndarray] = []
    fits_list = []

    def evaluate(cands):
        new = [m for m in cands if m.tobytes() not in seen]
        if new:
            arr = np.array(new)
            fits = fit_poisson(X, y, arr)
            for i, m in enumerate(new):
                seen[m.tobytes()] = len(all_masks)
                all_masks.append(m)
                fits_list.append((fits, i))
        return [seen[m.tobytes()] for m in cands]

    def crit(j):
        fits, i = fits_list[j]
        return float(fits.bic(n)[i] if crit_name == "bic" else fits.aic()[i])

    best = crit(evaluate([current])[0])
    for _ in range(max_steps):
        cands = list(models.neighbours(current, cols))
        if not cands:
            break
        ids = evaluate(cands)
        scores = [crit(j) for j in ids]
        j = int(np.argmin(scores))
        if not scores[j] < best:
            break
        best, current = scores[j], cands[j]
    masks = np.array(all_masks)
    return masks, fit_poisson(X, y, masks)


def down_closure(generators) -> list[int]:
    """Every interaction term (2 or more lists) inside some generator: a hierarchical model's terms."""
    out: set[int] = set()
    for g in generators:
        bits = [j for j in range(int(g).bit_length()) if (g >> j) & 1]
        for r in range(2, len(bits) + 1):
            for combo in combinations(bits, r):
                out.add(sum(1 << j for j in combo))
    return sorted(out, key=lambda t: (t.bit_count(), t))


def _neighbours(current: frozenset, k: int, max_order: int) -> list[frozenset]:
    """Hierarchical models one term away from ``current`` (a set of interaction terms)."""
    out = []
    if max_order >= 2:
        for i, j in combinations(range(k), 2):
            t = (1 << i) | (1 << j)
            if t not in current:
                out.append(current | {t})
    seen = set()
    for u in current:
        if u.bit_count() >= max_order:
            continue
        for j in range(k):
            t = u | (1 << j)
            if t == u or t in current or t in seen:
                continue
            seen.add(t)
            if all((t & ~(1 << b)) in current for b in range(k) if (t >> b) & 1):
                out.append(current | {t})
    for u in current:
        if not any(v != u and (v & u) == u for v in current):
            out.append(current - {u})
    return out


def greedy_factored(patterns, counts, k: int, max_order: int, crit_name: str, n: int,
                    max_steps: int = 200, screen: int = SCREEN):
    """Stepwise AIC/BIC search over hierarchical models of many lists, fitted factored.

    As :func:`greedy` (best single add or drop of a term until the criterion stops improving), but
    every model is a :class:`~uncounted.mse.glm.FactoredPoisson` fit warm-started from the current
    model, so nothing of size ``2**k`` is built. Of the terms that could be added, only the
    ``screen`` with the largest score statistic ``(T_t - E_t)**2 / E_t`` (observed against fitted
    count of the people on all lists of ``t``; Rao's score test with a Poisson variance) are fitted
    at each step; every drop is fitted. Models whose MLE does not exist (Newton drifting
    to the boundary) or whose interactions would join more than
    :data:`~uncounted.mse.glm.MAX_COMPONENT_LISTS` lists are not admissible (criterion ``inf``).

    Returns ``({terms: (NewtonFit, columns) or None}, best terms)`` over every model evaluated
    (``terms`` a frozenset of interaction bit masks).
    """
    pen = math.log(n) if crit_name == "bic" else 2.0
    fits: dict[frozenset, tuple[NewtonFit, tuple] | None] = {}

    def evaluate(terms: frozenset, start: dict | None):
        if terms not in fits:
            order = sorted(terms, key=lambda t: (t.bit_count(), t))
            try:
                F = FactoredPoisson(k, order, patterns, counts)
            except ComponentTooLarge:
                fits[terms] = None
                return None
            beta = None if start is None else np.array([start.get(c, 0.0) for c in F.cols])
            f = F.fit(beta)
            fits[terms] = (f, F.cols) if f.converged and not f.diverging else None
        return fits[terms]

    def crit(entry):
        return math.inf if entry is None else -2.0 * entry[0].loglik + pen * entry[0].npar

    current = frozenset()
    if evaluate(current, None) is None:
        raise not_estimable("no_admissible_model", _NO_MLE)
    best = crit(fits[current])
    for _ in range(max_steps):
        f, cols = fits[current]
        start = dict(zip(cols, f.coef, strict=True))
        cands = _neighbours(current, k, max_order)
        if not cands:
            break
        cands = _screen(cands, current, fits[current], patterns, counts, k, screen)
        scores = [crit(evaluate(c, start)) for c in cands]
        j = int(np.argmin(scores))
        if not scores[j] < best:
            break
        best, current = scores[j], cands[j]
    return fits, current


def _screen(cands, current, entry, patterns, counts, k, screen):
    """Keep every drop and the ``screen`` additions with the largest score statistics."""
    adds = [c for c in cands if len(c) > len(current)]
    drops = [c for c in cands if len(c) < len(current)]
    if len(adds) <= screen:
        return cands
    f, cols = entry
    terms = [next(iter(c - current)) for c in adds]
    F = FactoredPoisson(k, [t for t in cols if t.bit_count() >= 2], patterns, counts)
    E = F.term_means(f.coef, terms)
    pats = np.asarray(patterns, dtype=np.uint64)
    tv = np.array(terms, dtype=np.uint64)
    T = np.asarray(counts, dtype=float) @ ((pats[:, None] & tv[None, :]) == tv[None, :])
    score = (T - E) ** 2 / np.maximum(E, 1e-12)
    keep = np.argsort(-score, kind="stable")[:screen]
    return [adds[i] for i in sorted(keep)] + drops
