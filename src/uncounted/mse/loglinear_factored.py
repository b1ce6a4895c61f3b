""":class:`~uncounted.mse.loglinear.LogLinear` on many lists: factored fits, no ``2**k`` design.

When the design over all ``2**k - 1`` observable cells would not fit in memory (20 lists: a million
cells), every model is fitted from its sufficient statistics with
:class:`~uncounted.mse.glm.FactoredPoisson`: the sum of the fitted means over all cells factorises
over the connected components of the model's interactions, so a fit costs in the number of
parameters and in ``2**m`` for its largest component of ``m`` joined lists, never in ``2**k``.

- ``selection="stepwise"``: SparseMSE's procedure (Chan, Silverman & Vincent 2021) on
  :class:`~uncounted.mse.sparse.FactoredCells`; existence is judged by the Newton fit (steps that
  do not shrink), identifiability by the rank of the information matrix.
- ``"aic"``/``"bic"``: :func:`~uncounted.mse.loglinear_search.greedy_factored`, adding or dropping
  one hierarchical term at a time; ``"average-*"`` averages over the admissible models it visited.
- intervals: Wald, profile likelihood (the unobserved cell's count profiled, each point a factored
  fit) and the BCa bootstrap with re-selection. The parametric bootstrap would simulate every cell
  and is refused.

References
----------
Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems estimation for sparse capture
data. *JASA* 116(535):1297-1306. doi:10.1080/01621459.2019.1708748
Bishop, Y. M. M., Fienberg, S. E. and Holland, P. W. (1975). *Discrete Multivariate Analysis*,
MIT Press, chapters 3 and 6. doi:10.1007/978-0-387-72806-3
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import ConvergenceWarning, EstimationWarning
from . import intervals, models, sparse
from ._validation import parameter_error
from .bootstrap import bca_diagnostics, reselect_with, reselection_bootstrap
from .glm import MAX_COMPONENT_LISTS, ComponentTooLarge, FactoredPoisson
from .loglinear_search import down_closure, greedy_factored
from .result import Estimate
from .status import not_estimable, warn
from .table import CaptureTable

FIT_NOTE = ("factored: sufficient statistics, the cells summed by component of the interactions "
            "(no 2**k design)")


def _name(terms, k: int) -> str:
    cols = [0] + [1 << j for j in range(k)] + list(terms)
    return models.model_name(np.ones(len(cols), dtype=bool), cols, k)


def _labels(terms, k: int, lists) -> list[str]:
    cols = [0] + [1 << j for j in range(k)] + list(terms)
    return [models.term_label(t, lists)
            for t in models.generating_class(np.ones(len(cols), dtype=bool), cols)]


def _sorted(terms) -> list[int]:
    return sorted(terms, key=lambda t: (t.bit_count(), t))


def fit_factored(est, table: CaptureTable, order: int, interval: str) -> Estimate:
    """Fit ``est`` (a LogLinear) to a table too large for the dense design."""
    from .loglinear import LogLinearResults, _boundary_notes, _coef_name, _ro

    k, n = table.k, table.observed
    pats, cnt = table.patterns, table.pattern_counts
    diag: dict = {"selection": est.selection if est.model is None else "fixed",
                  "interval_method": interval, "fit": FIT_NOTE}
    if interval == "bootstrap":
        raise not_estimable("table_too_large", (
            f"the parametric bootstrap simulates all 2**{k} - 1 capture patterns; on {k} lists use "
            "interval='bca' (resampling people, with model re-selection), 'wald' or 'profile'"))
    empty: tuple[int, ...] = ()
    candidates = None
    if est.model is not None:
        gens = models.parse_model(est.model, table.lists)
        top = max([g.bit_count() for g in gens] + [1])
        if top > k - 1:
            raise parameter_error("LogLinear", "model", (
                f"model={est.model!r} has a {top}-list term; with {k} lists the highest estimable "
                f"order is {k - 1}. Drop or split that term."), est.model)
        terms = down_closure(gens)
        diag["models_compared"] = 1
    elif est.selection == "stepwise":
        if est.pthresh >= 1:
            raise not_estimable("table_too_large", (
                f"pthresh=1 fits every pair of the {k} lists at once, which joins more than "
                f"{MAX_COMPONENT_LISTS} lists in one interaction component; use a smaller pthresh"))
        backend = sparse.FactoredCells(pats, cnt, k)
        chosen, steps, _ = sparse.stepwise_search(backend, est.pthresh)
        empty = tuple(t for t in chosen if backend.nstar[backend.pairs.index(t)] == 0)
        terms = [t for t in chosen if t not in empty]
        diag["steps"] = [{"added": models.term_label(s["added"], table.lists),
                          "p_value": s["p_value"],
                          "rejected_by_checks": [models.term_label(t, table.lists)
                                                 for t in s["rejected"]]} for s in steps]
        diag["pthresh"] = est.pthresh
        diag["empty_overlaps"] = [models.term_label(t, table.lists) for t in empty]
        diag["models_compared"] = len(steps) + 1
    else:
        crit_name = "bic" if est.selection.endswith("bic") else "aic"
        fits, best = greedy_factored(pats, cnt, k, order, crit_name, n)
        diag["search"] = "stepwise (add or drop one term), factored fits"
        # models whose MLE does not exist are never chosen here, whatever ``admissible`` says
        diag["admissible_only"] = True
        keys = [key for key, v in fits.items() if v is not None]
        pen = math.log(n) if crit_name == "bic" else 2.0
        crit = np.array([-2 * fits[key][0].loglik + pen * fits[key][0].npar for key in keys])
        b0 = np.array([fits[key][0].coef[0] for key in keys])
        var0 = np.array([fits[key][0].var_intercept for key in keys])
        ests = n + np.exp(np.minimum(b0, 700.0))
        w = np.exp(-(crit - crit.min()) / 2)
        w /= w.sum()
        names = tuple(_name(_sorted(key), k) for key in keys)
        top = np.argsort(crit, kind="stable")[:10]
        diag["models_compared"] = len(fits)
        diag["models_without_mle_skipped"] = len(fits) - len(keys)
        diag["criterion"] = crit_name.upper()
        diag["top_models"] = [{"model": names[i], "estimate": float(ests[i]),
                               crit_name: float(crit[i]), "weight": float(w[i])} for i in top]
        candidates = (names, crit, w, ests)
        if est.selection.startswith("average"):
            point = float(np.sum(w * ests))
            lo, hi = intervals.mata_interval(n, b0, var0, w, est.level)
            label = f"model average ({crit_name.upper()})"
            diag.update({"model": label, "effective_models": float(1.0 / np.sum(w**2)),
                         "models_averaged": len(keys),
                         "interval_method": "model-averaged tail area (Turek & Fletcher 2012)"})
            _boundary_notes(point, lo, hi, n)
            results = LogLinearResults(
                model=label, coef=None, coef_names=None, cov_intercept=None, cells=None,
                observed=None, fitted=None, deviance=None, df=None, loglik=None, aic=None,
                bic=None, candidates=names, criterion=_ro(crit), weights=_ro(w),
                estimates=_ro(ests))
            return Estimate(method=est.name, model=label, lists=table.lists, observed=n,
                            estimate=point, lower=lo, upper=hi, level=est.level,
                            diagnostics=diag, results=results)
        terms = _sorted(best)
    try:
        F = FactoredPoisson(k, terms, pats, cnt, excluded=empty)
    except ComponentTooLarge as err:
        raise not_estimable("table_too_large", f"model {est.model!r}: {err}") from None
    f = F.fit()
    name = _name(terms, k)
    point = n + intervals.safe_exp(float(f.coef[0]))
    if not math.isfinite(point):
        raise not_estimable("unbounded", f"the log-linear estimate under model {name} is "
                            "infinite: the data do not bound the number unobserved")
    exists = not f.diverging
    if not exists:
        warn("no_finite_mle", f"no finite MLE for model {name} (a fitted cell tends to 0): "
             "the estimate is unreliable", EstimationWarning)
    if not F.identifiable():
        warn("estimation_warning", f"model {name} is not identifiable on this table",
             EstimationWarning)
    if not f.converged:
        warn("irls_not_converged", f"Newton's method did not converge for model {name}",
             ConvergenceWarning)
    draws = seed = None
    b0 = float(f.coef[0])
    if interval == "profile":
        lo, hi, nmax = intervals.profile_interval_of(_profile(k, terms, pats, cnt, empty, f.coef),
                                                     float(n), point, est.level)
        diag["profile_mode"] = nmax
    elif interval == "wald":
        lo, hi = intervals.wald_interval(n, b0, f.var_intercept, est.level)
    else:  # bca
        seed = est.seed
        boot = reselection_bootstrap(cnt, _estimate_of(est, table, terms, empty),
                                     n_boot=int(est.n_draws), seed=est.seed, level=est.level,
                                     point=point)
        lo, hi, draws = boot.lower, boot.upper, boot.draws
        diag.update(bca_diagnostics(boot, int(est.n_draws)))
    _boundary_notes(point, lo, hi, n)
    cells = F.cells_fitted()
    df = int(cells - f.npar)
    aic, bic = -2 * f.loglik + 2 * f.npar, -2 * f.loglik + math.log(n) * f.npar
    labels = _labels(terms, k, table.lists)
    diag.update({"model": name, "terms": labels, "deviance": f.deviance, "df": df, "aic": aic,
                 "bic": bic, "npar": f.npar, "intercept": b0,
                 "se_log_unobserved": math.sqrt(max(f.var_intercept, 0.0)),
                 "mle_exists": bool(exists), "converged": f.converged})
    names, crit, weights, ests = candidates or ((name,), None, None, None)
    results = LogLinearResults(
        model=name, coef=_ro(f.coef), coef_names=tuple(_coef_name(t, table.lists) for t in F.cols),
        cov_intercept=float(f.var_intercept), cells=None, observed=None, fitted=None,
        deviance=f.deviance, df=df, loglik=f.loglik, aic=aic, bic=bic, candidates=tuple(names),
        criterion=_ro(crit), weights=_ro(weights), estimates=_ro(ests))
    return Estimate(method=est.name, model=name, lists=table.lists, observed=n, estimate=point,
                    lower=float(lo), upper=float(hi), level=est.level, seed=seed,
                    diagnostics=diag, draws=draws,
                    draws_kind="bootstrap" if draws is not None else None, results=results)


def _profile(k, terms, pats, cnt, empty, coef):
    """Profile log-likelihood of N from factored fits of the full table (cell 0 holding N - n)."""
    n = float(np.sum(cnt))
    start = [np.asarray(coef, dtype=float)]

    def loglik(N: float) -> float:
        n0 = max(N - n, 0.0)
        f = FactoredPoisson(k, terms, pats, cnt, excluded=empty, n0=n0).fit(start[0])
        return intervals.multinomial_loglik(f.deviance, n0, N)

    return loglik


def _estimate_of(est, table: CaptureTable, terms, empty):
    """The whole procedure on resampled counts, for the BCa bootstrap."""
    k = table.k
    pats = table.patterns
    if est.model is None and est.selection == "stepwise":
        def estimate_of(c):
            keep = c > 0
            backend = sparse.FactoredCells(pats[keep], c[keep], k)
            try:
                _, _, fit = sparse.stepwise_search(backend, est.pthresh)
            except (ComponentTooLarge, np.linalg.LinAlgError):
                return math.nan
            return float(c.sum() + intervals.safe_exp(fit.coef[0]))
        return estimate_of
    if est.model is not None:
        def estimate_of(c):
            keep = c > 0
            f = FactoredPoisson(k, terms, pats[keep], c[keep], excluded=empty).fit()
            return math.nan if f.diverging else float(c.sum() + intervals.safe_exp(f.coef[0]))
        return estimate_of
    return reselect_with(est, table)
