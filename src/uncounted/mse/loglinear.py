"""Log-linear multiple systems estimation: :class:`LogLinear`.

The ``2**k - 1`` observable cell counts of a capture table are modelled as independent Poisson
variables whose logs are linear in the list main effects and some list interactions; the model
extrapolates to the unobservable cell, so ``N = n + exp(intercept)``. Which interactions to include
is chosen by AIC or BIC over all hierarchical models (up to 5 lists), by a stepwise search (more
lists), by SparseMSE's p-value stepwise procedure, or averaged over all models by their weights.

References
----------
Fienberg, S. E. (1972). The multiple recapture census for closed populations and incomplete 2^k
contingency tables. *Biometrika* 59(3):591-603. doi:10.1093/biomet/59.3.591
Baillargeon, S. and Rivest, L.-P. (2007). Rcapture: loglinear models for capture-recapture in R.
*Journal of Statistical Software* 19(5). doi:10.18637/jss.v019.i05
Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems estimation for sparse capture
data. *JASA* 116(535):1297-1306. doi:10.1080/01621459.2019.1708748
Buckland, S. T., Burnham, K. P. and Augustin, N. H. (1997). Model selection: an integral part of
inference. *Biometrics* 53(2):603-618. doi:10.2307/2533961
Turek, D. and Fletcher, D. (2012). Model-averaged Wald confidence intervals. *CSDA* 56(9):2809-2815.
doi:10.1016/j.csda.2012.03.002
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import ConvergenceWarning, EstimationWarning, InputError, NotEstimableError
from . import intervals, models, sparse
from .glm import fit_poisson
from .result import Estimate, Estimator
from .table import CaptureTable

SELECTIONS = ("aic", "bic", "stepwise", "average-aic", "average-bic")
INTERVALS = ("profile", "wald", "bootstrap")
#: Largest number of lists for the exhaustive search over all hierarchical models.
EXHAUSTIVE_MAX_LISTS = 5
TOP_MODELS = 10


@dataclass(frozen=True)
class _Fitted:
    """The chosen model as arrays: its design over the cells used, counts, fit and labels."""

    name: str
    terms: list[str]
    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    mu: np.ndarray
    deviance: float
    loglik: float
    npar: int
    var_intercept: float
    converged: bool


class LogLinear(Estimator):
    """Poisson log-linear models of the capture table, with model selection or averaging.

    Parameters
    ----------
    selection
        ``"bic"`` (default) or ``"aic"``: the best hierarchical model by that criterion, searched
        exhaustively for up to 5 lists and stepwise (adding or dropping one term at a time) above.
        ``"stepwise"``: SparseMSE's forward p-value procedure with existence and identifiability
        checks (two-list interactions only; Wald interval by default).
        ``"average-aic"``/``"average-bic"``: average over all models by their Akaike/Schwarz
        weights, with a model-averaged tail-area interval.
        Rcapture's convention: ``AIC = -2 loglik + 2 p`` and ``BIC = -2 loglik + log(n) p`` with
        ``n`` the number of people observed and ``p`` the number of parameters.
    max_order
        Highest interaction order (default ``k - 1``, the most a ``2**k`` table with one cell
        unobserved allows).
    level
        Interval level.
    interval
        ``"profile"`` (Rcapture's profile likelihood; the default), ``"wald"`` (on the log of the
        unobserved count; the default for ``"stepwise"``), or ``"bootstrap"`` (parametric,
        seeded). Model averages always use the tail-area interval, or ``"bootstrap"`` is refused.
    bootstrap
        Bootstrap replicates (default 1000 when ``interval="bootstrap"``).
    seed
        Seed of the bootstrap; stored on the result.
    model
        Fit this one model instead of selecting, e.g. ``"[123,14,34]"`` (1-based list numbers,
        Rcapture's generating-class notation) or ``"EXH:ABA,OSCE"``.
    pthresh
        p-value threshold of the ``"stepwise"`` procedure (SparseMSE's default 0.02).
    admissible
        With ``"aic"``/``"bic"``, choose only among models whose maximum likelihood estimate
        exists (True, the default; as Silverman, Chan & Vincent 2024). False follows Rcapture's
        ``closedpMS.t``, which ranks every model ``glm`` returns, including fits that drift to the
        boundary; the result then carries a warning. Model averages always use admissible models.

    References
    ----------
    See the module docstring.
    """

    name = "loglinear"

    def __init__(self, selection: str = "bic", max_order: int | None = None, level: float = 0.95,
                 interval: str | None = None, bootstrap: int | None = None, seed: int | None = None,
                 model: str | None = None, pthresh: float = 0.02, admissible: bool = True):
        self.selection = selection
        self.max_order = max_order
        self.level = level
        self.interval = interval
        self.bootstrap = bootstrap
        self.seed = seed
        self.model = model
        self.pthresh = pthresh
        self.admissible = admissible

    # ------------------------------------------------------------------ checks
    def _validate(self, k: int) -> tuple[int, str]:
        if self.selection not in SELECTIONS:
            raise InputError(f"selection must be one of {', '.join(SELECTIONS)}",
                             column="selection", value=self.selection)
        if self.interval is not None and self.interval not in INTERVALS:
            raise InputError(f"interval must be one of {', '.join(INTERVALS)}",
                             column="interval", value=self.interval)
        if not 0 < self.level < 1:
            raise InputError("level must be between 0 and 1, e.g. 0.95", column="level",
                             value=self.level)
        order = k - 1 if self.max_order is None else int(self.max_order)
        if not 1 <= order <= k - 1:
            raise InputError(f"max_order must be between 1 and {k - 1} (the number of lists minus "
                             "one) for this table", column="max_order", value=self.max_order)
        if self.bootstrap is not None and int(self.bootstrap) < 10:
            raise InputError("bootstrap needs at least 10 replicates", column="bootstrap",
                             value=self.bootstrap)
        averaging = self.selection.startswith("average") and self.model is None
        interval = self.interval or ("mata" if averaging else
                                     "wald" if self.selection == "stepwise" and self.model is None
                                     else "profile")
        if averaging and interval in ("profile", "wald"):
            interval = "mata"
        if averaging and interval == "bootstrap":
            raise InputError("a bootstrap interval is not available for model averages; use "
                             "interval=None (the tail-area interval)", column="interval",
                             value=self.interval)
        return order, interval

    # ------------------------------------------------------------------ fit
    def _fit(self, table: CaptureTable) -> Estimate:
        k = table.k
        order, interval = self._validate(k)
        counts = table.counts
        y = counts[1:].astype(float)
        n = table.observed
        diag: dict = {"selection": self.selection if self.model is None else "fixed",
                      "interval_method": interval}
        if self.model is not None:
            chosen = self._fixed(table, y)
            diag["models_compared"] = 1
        elif self.selection == "stepwise":
            chosen = self._stepwise(table, diag)
        else:
            chosen, avg = self._search(table, y, order, diag)
            if avg is not None:
                return self._average_estimate(table, avg, diag)
        return self._estimate(table, chosen, interval, diag, n)

    def _fixed(self, table: CaptureTable, y: np.ndarray) -> _Fitted:
        k = table.k
        gens = models.parse_model(self.model, table.lists)
        top = max([models.popcount(g) for g in gens] + [1])
        if top > k - 1:
            raise InputError(f"model {self.model!r} has a {top}-list term; with {k} lists the "
                             f"highest estimable order is {k - 1}", column="model", value=self.model)
        cols = models.columns(k, top)
        mask = models.closure_mask(gens, cols)
        return self._single(table, y, cols, mask)

    def _single(self, table, y, cols, mask) -> _Fitted:
        X = models.design_matrix(table.k, np.asarray(cols)[mask])
        f = fit_poisson(X, y)
        return _Fitted(name=models.model_name(mask, cols, table.k),
                       terms=_term_labels(mask, cols, table.lists), X=X, y=y, coef=f.coef[0],
                       mu=f.mu[0], deviance=float(f.deviance[0]), loglik=float(f.loglik[0]),
                       npar=int(f.npar[0]), var_intercept=float(f.var_intercept[0]),
                       converged=bool(f.converged[0]))

    def _stepwise(self, table: CaptureTable, diag: dict) -> _Fitted:
        k = table.k
        fit, steps = sparse.stepwise_pairs(table.counts, k, self.pthresh)
        cols = [0] + [1 << j for j in range(k)] + list(fit.pairs)
        mask = np.ones(len(cols), dtype=bool)
        diag["steps"] = [{"added": models.term_label(s["added"], table.lists),
                          "p_value": s["p_value"],
                          "rejected_by_checks": [models.term_label(t, table.lists)
                                                 for t in s["rejected"]]} for s in steps]
        diag["pthresh"] = self.pthresh
        diag["empty_overlaps"] = [models.term_label(t, table.lists) for t in fit.empty]
        diag["models_compared"] = len(steps) + 1
        return _Fitted(name=models.model_name(mask, cols, k),
                       terms=_term_labels(mask, cols, table.lists), X=fit.X, y=fit.y,
                       coef=fit.coef, mu=fit.mu, deviance=fit.deviance, loglik=fit.loglik,
                       npar=fit.npar, var_intercept=fit.var_intercept, converged=fit.converged)

    def _search(self, table: CaptureTable, y: np.ndarray, order: int, diag: dict):
        k, n = table.k, table.observed
        cols = models.columns(k, order)
        X = models.design_matrix(k, cols)
        crit_name = "bic" if self.selection.endswith("bic") else "aic"
        if k <= EXHAUSTIVE_MAX_LISTS:
            masks = models.hierarchical_models(k, order)
            fits = fit_poisson(X, y, masks)
            diag["search"] = "exhaustive"
        else:
            masks, fits = _greedy(X, y, cols, n, crit_name)
            diag["search"] = "stepwise (add or drop one term)"
        crit = fits.bic(n) if crit_name == "bic" else fits.aic()
        crit = np.where(np.isfinite(crit) & np.isfinite(fits.coef[:, 0]), crit, np.inf)
        est = n + np.exp(np.minimum(fits.coef[:, 0], 700.0))
        delta = crit - crit.min()
        weights = np.exp(-delta / 2)
        weights /= weights.sum()
        top = np.argsort(crit, kind="stable")[:TOP_MODELS]
        diag["models_compared"] = int(masks.shape[0])
        diag["criterion"] = crit_name.upper()
        diag["top_models"] = [{"model": models.model_name(masks[i], cols, k),
                               "estimate": float(est[i]), crit_name: float(crit[i]),
                               "weight": float(weights[i]), "deviance": float(fits.deviance[i]),
                               "df": int(len(y) - fits.npar[i]),
                               "mle_exists": bool(fits.eta_step[i] < DIVERGING_STEP)} for i in top]
        if self.selection.startswith("average"):
            return None, (masks, fits, cols, est, weights, crit_name)
        i = int(top[0])
        if self.admissible:
            i, skipped = _best_admissible(masks, fits, crit, X, y)
            diag["models_without_mle_skipped"] = skipped
            if skipped:
                diag["best_any_model"] = models.model_name(masks[int(top[0])], cols, k)
        chosen = _Fitted(name=models.model_name(masks[i], cols, k),
                         terms=_term_labels(masks[i], cols, table.lists), X=X[:, masks[i]], y=y,
                         coef=fits.coef[i][masks[i]], mu=fits.mu[i], deviance=float(fits.deviance[i]),
                         loglik=float(fits.loglik[i]), npar=int(fits.npar[i]),
                         var_intercept=float(fits.var_intercept[i]), converged=bool(fits.converged[i]))
        return chosen, None

    # ------------------------------------------------------------------ results
    def _estimate(self, table: CaptureTable, f: _Fitted, interval: str, diag: dict, n: int
                  ) -> Estimate:
        b0 = float(f.coef[0])
        point = n + intervals.safe_exp(b0)
        if not math.isfinite(point):
            raise NotEstimableError(f"the log-linear estimate under model {f.name} is infinite: the "
                                    "data do not bound the number unobserved")
        notes = []
        exists = sparse.mle_exists(f.X, f.y)
        if not exists:
            notes.append(f"no finite MLE for model {f.name} (a fitted cell tends to 0): the "
                         "estimate is unreliable")
        if not f.converged:
            warnings.warn(f"IRLS did not converge for model {f.name}", ConvergenceWarning,
                          stacklevel=3)
        draws = None
        seed = None
        if interval == "profile":
            lo, hi, nmax = intervals.profile_interval(f.X, f.y, point, self.level)
            diag["profile_mode"] = nmax
        elif interval == "wald":
            lo, hi = intervals.wald_interval(n, b0, f.var_intercept, self.level)
        else:
            seed = self.seed
            reps = int(self.bootstrap or 1000)
            lo, hi, draws = intervals.parametric_bootstrap(f.X, f.mu, reps, seed, self.level)
            diag["bootstrap_replicates"] = reps
        notes += _boundary_notes(point, lo, hi, n)
        df = int(len(f.y) - f.npar)
        diag.update({"model": f.name, "terms": f.terms, "deviance": f.deviance, "df": df,
                     "aic": -2 * f.loglik + 2 * f.npar, "bic": -2 * f.loglik + math.log(n) * f.npar,
                     "npar": f.npar, "intercept": b0, "se_log_unobserved": math.sqrt(max(
                         f.var_intercept, 0.0)), "mle_exists": bool(exists), "converged": f.converged})
        for msg in notes:
            warnings.warn(msg, EstimationWarning, stacklevel=3)
        return Estimate(method=self.name, model=f.name, lists=table.lists, observed=n,
                        estimate=point, lower=float(lo), upper=float(hi), level=self.level,
                        seed=seed, diagnostics=diag, warnings=tuple(notes), draws=draws)

    def _average_estimate(self, table: CaptureTable, avg, diag: dict) -> Estimate:
        masks, fits, cols, est, _, crit_name = avg
        n = table.observed
        y = table.counts[1:]
        crit = fits.bic(n) if crit_name == "bic" else fits.aic()
        ok, checked = _existing_weighted(masks, fits, crit, est, models.design_matrix(
            table.k, cols), y.astype(float))
        w = np.where(ok, np.exp(-(crit - crit[ok].min()) / 2), 0.0)
        w /= w.sum()
        diag["existence_checks"] = checked
        point = float(np.sum(w[ok] * est[ok]))
        lo, hi = intervals.mata_interval(n, fits.coef[:, 0], fits.var_intercept, w, self.level)
        # Buckland et al. (1997) unconditional standard error, for reference
        f0 = est[ok] - n
        se = np.sqrt(f0 + f0**2 * fits.var_intercept[ok])
        se_u = float(np.sum(w[ok] * np.sqrt(se**2 + (est[ok] - point) ** 2)))
        top = np.argsort(-w, kind="stable")[:TOP_MODELS]
        diag["top_models"] = [{"model": models.model_name(masks[i], cols, table.k),
                               "estimate": float(est[i]), crit_name: float(crit[i]),
                               "weight": float(w[i]), "deviance": float(fits.deviance[i]),
                               "df": int(len(y) - fits.npar[i])} for i in top]
        diag.update({"model": f"model average ({crit_name.upper()})", "se_unconditional": se_u,
                     "effective_models": float(1.0 / np.sum(w**2)),
                     "models_averaged": int(ok.sum()),
                     "models_left_out_no_mle": int((~ok).sum()),
                     "interval_method": "model-averaged tail area (Turek & Fletcher 2012)"})
        notes = _boundary_notes(point, lo, hi, n)
        for msg in notes:
            warnings.warn(msg, EstimationWarning, stacklevel=3)
        return Estimate(method=self.name, model=f"model average ({crit_name.upper()})",
                        lists=table.lists, observed=n, estimate=point, lower=lo, upper=hi,
                        level=self.level, diagnostics=diag, warnings=tuple(notes))


#: IRLS's last step in the linear predictor above this means cells are drifting to zero: the MLE
#: does not exist. (On all 6,893 five-list models of Western and NewOrl_5 and the 8 three-list
#: models of Korea this screen agrees exactly with the linear programme: steps are < 1e-3 or ~1.)
DIVERGING_STEP = 0.1
#: Models with at least this weight are also checked with the existence linear programme.
CHECK_WEIGHT = 1e-3


def _best_admissible(masks, fits, crit, X, y) -> tuple[int, int]:
    """Index of the best model (smallest criterion) whose MLE exists, and how many were skipped."""
    for skipped, i in enumerate(np.argsort(crit, kind="stable")):
        if not np.isfinite(crit[i]):
            break
        if fits.eta_step[i] < DIVERGING_STEP and ((y > 0).all() or
                                                  sparse.mle_exists(X[:, masks[i]], y)):
            return int(i), skipped
    raise NotEstimableError("no log-linear model has a maximum likelihood estimate for this table")


def _existing_weighted(masks, fits, crit, est, X, y) -> tuple[np.ndarray, int]:
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
        raise NotEstimableError("no log-linear model has a maximum likelihood estimate for "
                                "this table")
    return ok, checked


def _term_labels(mask, cols, lists) -> list[str]:
    return [models.term_label(t, lists) for t in models.generating_class(mask, cols)]


def _boundary_notes(point: float, lo: float, hi: float, n: int) -> list[str]:
    notes = []
    if not math.isfinite(point):
        raise NotEstimableError("the log-linear estimate is infinite: the data do not bound the "
                                "number unobserved under this model")
    if point - n < 1e-6 * max(n, 1):
        notes.append("estimate on the boundary: none estimated unobserved")
    if lo <= n + 1e-9:
        notes.append("interval's lower end at the number observed")
    if not math.isfinite(hi):
        notes.append("no finite upper end: the data do not bound the population")
    return notes


def _greedy(X, y, cols, n, crit_name, max_steps: int = 200):
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
