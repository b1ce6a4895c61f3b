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
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..exceptions import ConvergenceWarning, EstimationWarning
from . import intervals, models, sparse
from ._validation import Check, Interval, Options, parameter_error
from .base import Estimator
from .bootstrap import bca_diagnostics, reselect_with, reselection_bootstrap
from .glm import fit_poisson, newton_poisson
from .loglinear_search import DIVERGING_STEP, best_admissible, existing_weighted, greedy
from .result import Estimate
from .status import not_estimable, warn
from .table import CaptureTable

__all__ = ["LogLinear", "LogLinearResults"]

SELECTIONS = ("aic", "bic", "stepwise", "average-aic", "average-bic")
INTERVALS = ("profile", "wald", "bootstrap", "bca")
#: Largest number of lists for the exhaustive search over all hierarchical models.
EXHAUSTIVE_MAX_LISTS = 5
#: Largest design matrix (cells x columns, 8 bytes each) built over the full ``2**k`` table; a
#: table that needs more is not estimable here (a row with the reason, never an allocation error).
DENSE_DESIGN_BYTES = 256 * 2**20
#: From this many lists on, models are fitted factored (:mod:`uncounted.mse.loglinear_factored`)
#: even when the dense design would fit: on simulated 10-14 list tables the factored fits chose the
#: same models 20-1000x faster. Below it the dense IRLS reproduces R's ``glm`` digit for digit.
FACTORED_FROM_LISTS = 10
TOP_MODELS = 10


@dataclass(frozen=True)
class _Fitted:
    """The chosen model as arrays: its design over the cells used, counts, fit and labels."""

    name: str
    terms: list[str]
    cols: tuple[int, ...]
    cells: np.ndarray
    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    mu: np.ndarray
    deviance: float
    loglik: float
    npar: int
    var_intercept: float
    converged: bool


@dataclass(frozen=True)
class LogLinearResults:
    """Everything a log-linear fit computed, reachable as ``estimate.results``.

    Attributes
    ----------
    model
        The model's name (Rcapture's generating class), or ``"model average (AIC|BIC)"``.
    coef, coef_names
        Coefficients of the chosen model on the log scale, intercept first (``log`` of the
        expected number unobserved), and their names (``"(intercept)"``, list names, ``"A:B"``).
        ``None`` for a model average.
    cov_intercept
        Variance of the intercept.
    cells, observed, fitted
        The capture patterns fitted (bit masks), their counts and fitted values.
    deviance, df, loglik, aic, bic
        Fit of the chosen model.
    candidates, criterion, weights, estimates
        Every model compared, by name, with its criterion (AIC or BIC; the p-value path for
        ``"stepwise"``), its Akaike/Schwarz weight and its estimate of N.
    """

    model: str
    coef: np.ndarray | None
    coef_names: tuple[str, ...] | None
    cov_intercept: float | None
    cells: np.ndarray | None
    observed: np.ndarray | None
    fitted: np.ndarray | None
    deviance: float | None
    df: int | None
    loglik: float | None
    aic: float | None
    bic: float | None
    candidates: tuple[str, ...] = ()
    criterion: np.ndarray | None = None
    weights: np.ndarray | None = None
    estimates: np.ndarray | None = None


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
        unobserved count; the default for ``"stepwise"``), ``"bootstrap"`` (parametric,
        seeded), or ``"bca"``: the people observed are resampled, the model re-selected and refitted
        on each resample, and the interval is Efron's BCa (Chan, Silverman & Vincent 2021;
        SparseMSE's ``estimatepopulation``; see :mod:`uncounted.mse.bootstrap`). Model averages
        always use the tail-area interval; ``"bootstrap"`` and ``"bca"`` are refused for them.
    n_draws
        Resamples when ``interval`` is ``"bootstrap"`` or ``"bca"`` (default 1000); their estimates
        are kept as the Estimate's draws (``draws_kind="bootstrap"``).
    seed
        Seed of the bootstrap; stored on the result when a bootstrap ran.
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

    Notes
    -----
    The models are fitted over the full ``2**k`` table of observable cells, zeros included. From
    :data:`FACTORED_FROM_LISTS` lists on, or when that design would exceed
    :data:`DENSE_DESIGN_BYTES`, they are fitted factored, from sufficient statistics (see
    :mod:`uncounted.mse.loglinear_factored`). ``estimate.results`` is a :class:`LogLinearResults`.

    References
    ----------
    See the module docstring.
    """

    name = "loglinear"
    _constraints: ClassVar[dict[str, list]] = {
        "selection": [Options(SELECTIONS)],
        "max_order": [None, Interval("integer", 1, None)],
        "level": [Interval("real", 0, 1, closed="neither")],
        "interval": [None, Options(INTERVALS)],
        "n_draws": [Interval("integer", 10, None)],
        "seed": [Interval("integer", 0, None)],
        "model": [None, str, Check(lambda v: len(list(v)) > 0 and not isinstance(v, (bytes, dict)),
                                   "a list of terms")],
        "pthresh": [Interval("real", 0, 1)],
        "admissible": [bool],
    }

    def __init__(self, *, selection: str = "bic", max_order: int | None = None, level: float = 0.95,
                 interval: str | None = None, n_draws: int = 1000, seed: int = 1,
                 model: str | None = None, pthresh: float = 0.02, admissible: bool = True):
        self.selection = selection
        self.max_order = max_order
        self.level = level
        self.interval = interval
        self.n_draws = n_draws
        self.seed = seed
        self.model = model
        self.pthresh = pthresh
        self.admissible = admissible

    # ------------------------------------------------------------------ checks
    def _check_more(self, params) -> None:
        averaging = params["selection"].startswith("average") and params["model"] is None
        if averaging and params["interval"] in ("bootstrap", "bca"):
            raise parameter_error("LogLinear", "interval", (
                f"interval={params['interval']!r} is not available for model averages (selection="
                f"{params['selection']!r}); leave interval out to use the tail-area interval"),
                params["interval"])

    def _settings(self, k: int) -> tuple[int, str]:
        """The interaction order and interval method for a table of ``k`` lists."""
        order = k - 1 if self.max_order is None else int(self.max_order)
        if not 1 <= order <= k - 1:
            raise parameter_error("LogLinear", "max_order", (
                f"max_order={self.max_order!r} is not valid for this table: it must be between 1 "
                f"and {k - 1} (the number of lists minus one). Leave it out to use {k - 1}."),
                self.max_order)
        averaging = self.selection.startswith("average") and self.model is None
        interval = self.interval or ("mata" if averaging else
                                     "wald" if self.selection == "stepwise" and self.model is None
                                     else "profile")
        if averaging and interval in ("profile", "wald"):
            interval = "mata"
        return order, interval

    def _width(self, table: CaptureTable, order: int) -> int:
        """Columns of the widest design this fit builds over the full table (an upper bound)."""
        k = table.k
        if self.model is not None:
            sizes = [models.popcount(g) for g in models.parse_model(self.model, table.lists)]
            return 1 + k + sum(2**m - m - 1 for m in sizes)
        if self.selection == "stepwise":
            return 1 + k + k * (k - 1) // 2
        return 1 + k + sum(math.comb(k, o) for o in range(2, order + 1))

    def _dense(self, table: CaptureTable, order: int) -> bool:
        """Whether the design over all ``2**k - 1`` cells fits in :data:`DENSE_DESIGN_BYTES`."""
        k = table.k
        return (k < FACTORED_FROM_LISTS
                and (2**k - 1) * self._width(table, order) * 8 <= DENSE_DESIGN_BYTES)

    def _cells(self, table: CaptureTable, order: int) -> np.ndarray:
        """Counts of the ``2**k - 1`` observable cells (dense fits only)."""
        return table.dense_counts(max_k=table.k)[1:].astype(float)

    # ------------------------------------------------------------------ fit
    def _fit(self, table: CaptureTable) -> Estimate:
        k = table.k
        order, interval = self._settings(k)
        if not self._dense(table, order):
            from .loglinear_factored import fit_factored

            return fit_factored(self, table, order, interval)
        y = self._cells(table, order)
        n = table.observed
        diag: dict = {"selection": self.selection if self.model is None else "fixed",
                      "interval_method": interval}
        candidates = None
        if self.model is not None:
            chosen = self._fixed(table, y)
            diag["models_compared"] = 1
        elif self.selection == "stepwise":
            chosen = self._stepwise(table, y, diag)
        else:
            chosen, avg, candidates = self._search(table, y, order, diag)
            if avg is not None:
                return self._average_estimate(table, y, avg, diag)
        return self._estimate(table, chosen, interval, diag, n, candidates)

    def _fixed(self, table: CaptureTable, y: np.ndarray) -> _Fitted:
        k = table.k
        gens = models.parse_model(self.model, table.lists)
        top = max([models.popcount(g) for g in gens] + [1])
        if top > k - 1:
            raise parameter_error("LogLinear", "model", (
                f"model={self.model!r} has a {top}-list term; with {k} lists the highest estimable "
                f"order is {k - 1}. Drop or split that term."), self.model)
        cols = models.columns(k, top)
        mask = models.closure_mask(gens, cols)
        return self._single(table, y, cols, mask)

    def _single(self, table, y, cols, mask) -> _Fitted:
        used = tuple(int(c) for c in np.asarray(cols)[mask])
        X = models.design_matrix(table.k, used)
        f = fit_poisson(X, y)
        return _Fitted(name=models.model_name(mask, cols, table.k),
                       terms=_term_labels(mask, cols, table.lists), cols=used,
                       cells=np.arange(1, 2**table.k), X=X, y=y, coef=f.coef[0],
                       mu=f.mu[0], deviance=float(f.deviance[0]), loglik=float(f.loglik[0]),
                       npar=int(f.npar[0]), var_intercept=float(f.var_intercept[0]),
                       converged=bool(f.converged[0]))

    def _stepwise(self, table: CaptureTable, y: np.ndarray, diag: dict) -> _Fitted:
        k = table.k
        counts = np.concatenate([[0.0], y])
        fit, steps = sparse.stepwise_pairs(counts, k, self.pthresh)
        cols = [0] + [1 << j for j in range(k)] + list(fit.pairs)
        mask = np.ones(len(cols), dtype=bool)
        diag["steps"] = [{"added": models.term_label(s["added"], table.lists),
                          "p_value": s["p_value"],
                          "rejected_by_checks": [models.term_label(t, table.lists)
                                                 for t in s["rejected"]]} for s in steps]
        diag["pthresh"] = self.pthresh
        diag["empty_overlaps"] = [models.term_label(t, table.lists) for t in fit.empty]
        diag["models_compared"] = len(steps) + 1
        used = tuple([0] + [1 << j for j in range(k)] + [t for t in fit.pairs if t not in fit.empty])
        return _Fitted(name=models.model_name(mask, cols, k),
                       terms=_term_labels(mask, cols, table.lists), cols=used, cells=fit.cells,
                       X=fit.X, y=fit.y, coef=fit.coef, mu=fit.mu, deviance=fit.deviance,
                       loglik=fit.loglik, npar=fit.npar, var_intercept=fit.var_intercept,
                       converged=fit.converged)

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
            masks, fits = greedy(X, y, cols, n, crit_name)
            diag["search"] = "stepwise (add or drop one term)"
        crit = fits.bic(n) if crit_name == "bic" else fits.aic()
        crit = np.where(np.isfinite(crit) & np.isfinite(fits.coef[:, 0]), crit, np.inf)
        est = n + np.exp(np.minimum(fits.coef[:, 0], 700.0))
        delta = crit - crit.min()
        weights = np.exp(-delta / 2)
        weights /= weights.sum()
        top = np.argsort(crit, kind="stable")[:TOP_MODELS]
        names = tuple(models.model_name(m, cols, k) for m in masks)
        diag["models_compared"] = int(masks.shape[0])
        diag["criterion"] = crit_name.upper()
        diag["top_models"] = [{"model": names[i],
                               "estimate": float(est[i]), crit_name: float(crit[i]),
                               "weight": float(weights[i]), "deviance": float(fits.deviance[i]),
                               "df": int(len(y) - fits.npar[i]),
                               "mle_exists": bool(fits.eta_step[i] < DIVERGING_STEP)} for i in top]
        candidates = (names, crit, weights, est)
        if self.selection.startswith("average"):
            return None, (masks, fits, cols, est, weights, crit_name, names), candidates
        i = int(top[0])
        if self.admissible:
            i, skipped = best_admissible(masks, fits, crit, X, y)
            diag["models_without_mle_skipped"] = skipped
            if skipped:
                diag["best_any_model"] = names[int(top[0])]
        used = tuple(int(c) for c in np.asarray(cols)[masks[i]])
        chosen = _Fitted(name=names[i], terms=_term_labels(masks[i], cols, table.lists), cols=used,
                         cells=np.arange(1, 2**k), X=X[:, masks[i]], y=y,
                         coef=fits.coef[i][masks[i]], mu=fits.mu[i], deviance=float(fits.deviance[i]),
                         loglik=float(fits.loglik[i]), npar=int(fits.npar[i]),
                         var_intercept=float(fits.var_intercept[i]), converged=bool(fits.converged[i]))
        return chosen, None, candidates

    # ------------------------------------------------------------------ results
    def _estimate(self, table: CaptureTable, f: _Fitted, interval: str, diag: dict, n: int,
                  candidates=None) -> Estimate:
        b0 = float(f.coef[0])
        point = n + intervals.safe_exp(b0)
        if not math.isfinite(point):
            raise not_estimable("unbounded", f"the log-linear estimate under model {f.name} is "
                                "infinite: the data do not bound the number unobserved")
        exists = sparse.mle_exists(f.X, f.y)
        if not exists:
            warn("no_finite_mle", f"no finite MLE for model {f.name} (a fitted cell tends to 0): "
                 "the estimate is unreliable", EstimationWarning)
        if not f.converged:
            warn("irls_not_converged", f"IRLS did not converge for model {f.name}",
                 ConvergenceWarning)
        draws = seed = None
        if interval == "profile":
            lo, hi, nmax = intervals.profile_interval(f.X, f.y, point, self.level)
            diag["profile_mode"] = nmax
        elif interval == "wald":
            lo, hi = intervals.wald_interval(n, b0, f.var_intercept, self.level)
        elif interval == "bca":
            seed = self.seed
            boot = self._bca(table, f, point)
            lo, hi, draws = boot.lower, boot.upper, boot.draws
            diag.update(bca_diagnostics(boot, int(self.n_draws)))
        else:
            seed = self.seed
            lo, hi, draws = intervals.parametric_bootstrap(f.X, f.mu, int(self.n_draws), seed,
                                                           self.level, observed=n)
            diag["bootstrap_replicates"] = int(self.n_draws)
        _boundary_notes(point, lo, hi, n)
        df = int(len(f.y) - f.npar)
        aic, bic = -2 * f.loglik + 2 * f.npar, -2 * f.loglik + math.log(n) * f.npar
        diag.update({"model": f.name, "terms": f.terms, "deviance": f.deviance, "df": df,
                     "aic": aic, "bic": bic, "npar": f.npar, "intercept": b0,
                     "se_log_unobserved": math.sqrt(max(f.var_intercept, 0.0)),
                     "mle_exists": bool(exists), "converged": f.converged})
        names, crit, weights, est = candidates or ((f.name,), None, None, None)
        results = LogLinearResults(
            model=f.name, coef=_ro(f.coef), coef_names=tuple(_coef_name(t, table.lists)
                                                              for t in f.cols),
            cov_intercept=float(f.var_intercept), cells=_ro(f.cells), observed=_ro(f.y),
            fitted=_ro(f.mu), deviance=f.deviance, df=df, loglik=f.loglik, aic=aic, bic=bic,
            candidates=tuple(names), criterion=_ro(crit), weights=_ro(weights),
            estimates=_ro(est))
        return Estimate(method=self.name, model=f.name, lists=table.lists, observed=n,
                        estimate=point, lower=float(lo), upper=float(hi), level=self.level,
                        seed=seed, diagnostics=diag, draws=draws,
                        draws_kind="bootstrap" if draws is not None else None, results=results)

    def _bca(self, table: CaptureTable, f: _Fitted, point: float):
        """The bootstrap with re-selection (:mod:`uncounted.mse.bootstrap`) for a dense table."""
        k = table.k
        pats = table.patterns.astype(np.int64)
        if self.model is None and self.selection == "stepwise":
            cache: dict = {}

            def estimate_of(c):
                d = np.zeros(2**k)
                d[pats] = c
                return sparse.stepwise_estimate(d, k, self.pthresh, cache=cache)
        elif self.model is not None:
            X = f.X

            def estimate_of(c):
                d = np.zeros(2**k)
                d[pats] = c
                g = newton_poisson(X, d[f.cells], light=True)
                return math.nan if g.diverging else float(c.sum() + intervals.safe_exp(g.coef[0]))
        else:
            estimate_of = reselect_with(self, table)
        return reselection_bootstrap(table.pattern_counts, estimate_of, n_boot=int(self.n_draws),
                                     seed=self.seed, level=self.level, point=point)

    def _average_estimate(self, table: CaptureTable, y: np.ndarray, avg, diag: dict) -> Estimate:
        masks, fits, cols, est, _, crit_name, names = avg
        n = table.observed
        crit = fits.bic(n) if crit_name == "bic" else fits.aic()
        ok, checked = existing_weighted(masks, fits, crit, est,
                                        models.design_matrix(table.k, cols), y)
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
        label = f"model average ({crit_name.upper()})"
        diag["top_models"] = [{"model": names[i],
                               "estimate": float(est[i]), crit_name: float(crit[i]),
                               "weight": float(w[i]), "deviance": float(fits.deviance[i]),
                               "df": int(len(y) - fits.npar[i])} for i in top]
        diag.update({"model": label, "se_unconditional": se_u,
                     "effective_models": float(1.0 / np.sum(w**2)),
                     "models_averaged": int(ok.sum()),
                     "models_left_out_no_mle": int((~ok).sum()),
                     "interval_method": "model-averaged tail area (Turek & Fletcher 2012)"})
        _boundary_notes(point, lo, hi, n)
        results = LogLinearResults(model=label, coef=None, coef_names=None, cov_intercept=None,
                                   cells=_ro(np.arange(1, 2**table.k)), observed=_ro(y),
                                   fitted=_ro(w @ fits.mu), deviance=None, df=None, loglik=None,
                                   aic=None, bic=None, candidates=tuple(names), criterion=_ro(crit),
                                   weights=_ro(w), estimates=_ro(est))
        return Estimate(method=self.name, model=label, lists=table.lists, observed=n,
                        estimate=point, lower=lo, upper=hi, level=self.level, diagnostics=diag,
                        results=results)


def _ro(a):
    """A read-only copy of an array (None stays None)."""
    if a is None:
        return None
    a = np.array(a)
    a.setflags(write=False)
    return a


def _coef_name(t: int, lists) -> str:
    return "(intercept)" if t == 0 else models.term_label(t, lists)


def _term_labels(mask, cols, lists) -> list[str]:
    return [models.term_label(t, lists) for t in models.generating_class(mask, cols)]


def _boundary_notes(point: float, lo: float, hi: float, n: int) -> None:
    """Warn (code ``estimate_on_boundary``) when the estimate or an interval end is at a boundary."""
    if not math.isfinite(point):
        raise not_estimable("unbounded", "the log-linear estimate is infinite: the data do not "
                            "bound the number unobserved under this model")
    notes = []
    if point - n < 1e-6 * max(n, 1):
        notes.append("estimate on the boundary: none estimated unobserved")
    if lo <= n + 1e-9:
        notes.append("interval's lower end at the number observed")
    if not math.isfinite(hi):
        notes.append("no finite upper end: the data do not bound the population")
    for msg in notes:
        warn("estimate_on_boundary", msg, EstimationWarning, stacklevel=3)
