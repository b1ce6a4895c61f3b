"""Combining estimates over multiple-imputation replicates.

HRDAG's data for Colombia come as replicates R1 ... R100: the same records and lists, the missing
stratum labels (year, sex, age, perpetrator) imputed differently in each. Every replicate is
estimated on its own; the estimates of one stratum (and of the total) are then combined with the
laws of total expectation and total variance (Rubin's rules), as verdata's ``combine_estimates``
does for each stratum (HRDAG/verdata, ``R/combine_estimates.R``; the rules as in Gelman et al.,
*Bayesian Data Analysis*, 3rd ed., 2013, section 18.2):

- the point estimate is the mean number observed plus the mean over replicates of each replicate's
  mean of ``N - observed`` (posterior or bootstrap draws);
- on the log scale of ``n0 = N - observed`` (``n0 = 0`` taken as 0.1, as verdata), the total
  variance is ``W + (1 + 1/m) B``, ``W`` the mean within-replicate variance and ``B`` the variance
  of the replicate means; the interval is ``observed + exp(mean log n0 ± t * sqrt(total))`` with
  Rubin's degrees of freedom ``(m - 1) (1 + W / ((1 + 1/m) B))**2`` (verdata writes the ratio as
  ``1/(m + 1) * W / B``; we use Rubin's form), and a normal quantile when ``B`` is 0.

The combined row keeps the pooled draws (the replicates' draws side by side, one row per
replicate; a replicate with fewer draws than the largest count is resampled with replacement to
it, seeded, and the row says so): they are draws from the mixture over imputations, for plots and
for summing. When the replicates have no draws (closed-form and profile-likelihood intervals), the
within-replicate variance of ``log n0`` is read off each interval (a log-normal approximation, said
in the row's reasons).

A stratum not estimable in any replicate makes the combined row not estimable; one absent from
some replicates, or combined over fewer than 10 replicates (verdata's warning), is a caution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from ..exceptions import InputError
from .result import Estimate
from .status import Reason
from .strata import equal_counts

__all__ = ["combine_estimates", "combine_replicates", "estimate_replicates"]

#: Fewer replicates than this is a caution (verdata's ``combine_estimates`` warns below 10).
MIN_REPLICATES = 10
#: ``N - observed`` of 0 is taken as this before the log (verdata's choice).
ZERO_N0 = 0.1


def estimate_replicates(tables: Sequence, methods="loglinear", *, names: Sequence[str] | None = None,
                        level: float | None = None, seed: int | None = None, **options
                        ) -> list[Estimate]:
    """Estimate each replicate table with :func:`uncounted.mse.api.estimate`, then combine.

    ``tables`` are what :func:`~uncounted.mse.api.estimate` accepts (capture tables, frames or
    CSV paths), at least two; ``names`` label them in reasons (default ``R1``, ``R2`` ...). Returns
    the rows of :func:`combine_replicates`.
    """
    from .api import estimate

    if len(tables) < 2:
        raise InputError(f"combining replicates needs at least 2 replicate tables; got {len(tables)}",
                         column="replicates", value=len(tables))
    runs = [estimate(t, methods, level=level, seed=seed, **options) for t in tables]
    return combine_replicates(runs, names=names, seed=1 if seed is None else seed)


def combine_replicates(runs: Sequence[Sequence[Estimate]], *, names: Sequence[str] | None = None,
                       seed: int = 1) -> list[Estimate]:
    """Combine the rows of several replicate runs, matching them by method and stratum.

    ``runs[i]`` is the list of estimates of replicate ``i`` (as :func:`uncounted.mse.api.estimate`
    returns). Rows keep the order of their first appearance; each is :func:`combine_estimates` of
    the replicates that have it.
    """
    names = _names(runs, names)
    groups: dict[tuple, list[tuple[str, Estimate]]] = {}
    for name, rows in zip(names, runs, strict=True):
        for r in rows:
            groups.setdefault((r.method, r.stratum), []).append((name, r))
    out = []
    for rows in groups.values():
        got = [n for n, _ in rows]
        missing = [n for n in names if n not in got]
        out.append(combine_estimates([r for _, r in rows], names=got, missing=missing, seed=seed))
    return out


def combine_estimates(estimates: Sequence[Estimate], *, names: Sequence[str] | None = None,
                      missing: Sequence[str] = (), seed: int = 1) -> Estimate:
    """One stratum's estimates over replicates combined into one row (see the module docstring).

    Parameters
    ----------
    estimates
        The same method's estimate of the same stratum in each replicate (at least two).
    names
        Replicate labels for the reasons (default ``R1`` ...).
    missing
        Labels of replicates in which the stratum has no row (a caution).
    seed
        Seeds the resampling of replicates' draws to a common count.

    References
    ----------
    HRDAG verdata, ``combine_estimates`` (R/combine_estimates.R, GPL-2). Rubin, D. B. (1987).
    *Multiple Imputation for Nonresponse in Surveys*. Wiley. Gelman, A. et al. (2013). *Bayesian
    Data Analysis*, 3rd ed., section 18.2.
    """
    m = len(estimates)
    if m == 1 and missing:
        e = estimates[0]
        reason = (f"the stratum has a row in 1 of {1 + len(missing)} replicates; combining needs "
                  "at least 2")
        return Estimate(method=e.method, model=None, lists=e.lists, observed=e.observed,
                        estimate=math.nan, lower=math.nan, upper=math.nan, level=e.level,
                        stratum=e.stratum, seed=e.seed, estimable=False, reason=reason,
                        reasons=(Reason("replicate_not_estimable", reason),))
    if m < 2:
        raise InputError(f"combining replicates needs at least 2 estimates; got {m}",
                         column="replicates", value=m)
    names = list(names) if names is not None else [f"R{i + 1}" for i in range(m)]
    first = estimates[0]
    methods = {e.method for e in estimates}
    strata = {e.stratum for e in estimates}
    if len(methods) > 1 or len(strata) > 1:
        raise InputError("replicate estimates to combine must share the method and stratum; got "
                         f"methods {sorted(methods)} and strata {sorted(map(str, strata))}",
                         column="replicates")
    lists = tuple(dict.fromkeys(x for e in estimates for x in e.lists))
    observed = float(np.mean([e.observed for e in estimates]))
    common = {"method": first.method, "lists": lists, "observed": round(observed),
              "level": first.level, "stratum": first.stratum, "seed": first.seed}
    bad = [n for n, e in zip(names, estimates, strict=True) if not e.estimable]
    if bad:
        why = next(e.reason for e in estimates if not e.estimable)
        reason = (f"not estimable in {len(bad)} of {m} replicates ({_shown(bad)}): {why}")
        return Estimate(model=None, estimate=math.nan, lower=math.nan, upper=math.nan,
                        estimable=False, reason=reason,
                        reasons=(Reason("replicate_not_estimable", reason),), **common)

    reasons: list[Reason] = []
    obs = np.array([e.observed for e in estimates], dtype=float)
    with_draws = all(e.draws is not None and e.draws.size for e in estimates)
    kinds = {e.draws_kind for e in estimates}
    draws = kind = None
    if with_draws and len(kinds) == 1:
        kind = kinds.pop()
        n0 = [e.flat_draws - o for e, o in zip(estimates, obs, strict=True)]
        means = np.array([d.mean() for d in n0])
        logs = [np.log(np.where(d <= 0, ZERO_N0, d)) for d in n0]
        log_means = np.array([x.mean() for x in logs])
        within = float(np.mean([x.var(ddof=1) if x.size > 1 else 0.0 for x in logs]))
        draws, resampled = _pooled([e.flat_draws for e in estimates], seed,
                                   [e.input_hash or "" for e in estimates])
        if resampled:
            reasons.append(Reason("replicates_resampled", (
                f"the draws of {resampled} of {m} replicates were resampled with replacement to "
                f"{draws.shape[1]:,} draws (the largest count) before pooling")))
    else:
        z = NormalDist().inv_cdf(0.5 + first.level / 2)
        means = np.array([e.estimate for e in estimates]) - obs
        log_means = np.log(np.maximum(means, ZERO_N0))
        halves = [(math.log(max(e.upper - o, ZERO_N0)) - math.log(max(e.lower - o, ZERO_N0)))
                  / (2 * z) for e, o in zip(estimates, obs, strict=True)]
        within = float(np.mean(np.square(halves)))
        reasons.append(Reason("replicates_without_draws", (
            "the replicates have no draws" if with_draws is False else
            "the replicates' draws are of different kinds") + "; the within-replicate variance of "
            "log(N - observed) is read off each interval (a log-normal approximation)"))
    between = float(np.var(log_means, ddof=1))
    total = within + (1 + 1 / m) * between
    if between > 0:
        df = (m - 1) * (1 + within / ((1 + 1 / m) * between)) ** 2
        from scipy.stats import t as student_t

        q = float(student_t.ppf(0.5 + first.level / 2, df))
    else:
        df, q = math.inf, NormalDist().inv_cdf(0.5 + first.level / 2)
    centre, sd = float(np.mean(log_means)), math.sqrt(total)
    point = observed + float(np.mean(means))
    lower = max(observed + math.exp(centre - q * sd), observed)
    upper = observed + math.exp(centre + q * sd)

    if missing:
        reasons.append(Reason("replicate_missing", (
            f"the stratum has no row in {len(missing)} of {m + len(missing)} replicates "
            f"({_shown(missing)}); combined over the {m} that have it")))
    if m < MIN_REPLICATES:
        reasons.append(Reason("few_replicates", (
            f"combined over {m} replicates; fewer than {MIN_REPLICATES} may be unreliable")))
    for level, code in (("unreliable", "replicate_unreliable"), ("caution", "replicate_caution")):
        hit = [n for n, e in zip(names, estimates, strict=True) if e.status == level]
        if hit:
            codes = sorted({r.code for e in estimates if e.status == level for r in e.reasons
                            if r.status == level})
            reasons.append(Reason(code, f"{len(hit)} of {m} replicates are {level} "
                                        f"({_shown(hit)}; {', '.join(codes)})"))
    models = {e.model for e in estimates}
    model = (f"{models.pop()}; " if len(models) == 1 and None not in models else "") + \
        f"{m} replicates combined"
    diag = {"replicates": m, "within_variance_log": within, "between_variance_log": between,
            "df": df if math.isfinite(df) else None, "replicate_estimates":
            [e.estimate for e in estimates], "replicate_observed": [e.observed for e in estimates]}
    return Estimate(model=model, estimate=point, lower=lower, upper=upper, diagnostics=diag,
                    input_hash=_hash(estimates), draws=draws, draws_kind=kind,
                    reasons=tuple(reasons), **common)


def _pooled(parts: Sequence[np.ndarray], seed: int, hashes: Sequence[str]
            ) -> tuple[np.ndarray, int]:
    """The replicates' draws as rows of one array; shorter ones resampled to the longest."""
    rows, resampled = equal_counts(parts, seed, hashes)
    return np.vstack(rows), resampled


def _hash(estimates: Sequence[Estimate]) -> str:
    import hashlib

    h = hashlib.sha256()
    for e in estimates:
        h.update((e.input_hash or "").encode())
    return h.hexdigest()


def _names(runs, names) -> list[str]:
    if names is None:
        return [f"R{i + 1}" for i in range(len(runs))]
    names = [str(n) for n in names]
    if len(names) != len(runs) or len(set(names)) != len(names):
        raise InputError(f"need {len(runs)} distinct replicate names; got {names}",
                         column="names")
    return names


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
