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

import numpy as np

from . import models, sparse
from .glm import fit_poisson
from .status import not_estimable

#: IRLS's last step in the linear predictor above this means cells are drifting to zero: the MLE
#: does not exist. (On all 6,893 five-list models of Western and NewOrl_5 and the 8 three-list
#: models of Korea this screen agrees exactly with the linear programme: steps are < 1e-3 or ~1.)
DIVERGING_STEP = 0.1
#: Models with at least this weight are also checked with the existence linear programme.
CHECK_WEIGHT = 1e-3

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
