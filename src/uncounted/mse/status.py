"""The status of an estimate and the reasons for it: one vocabulary, one deciding function.

Every :class:`~uncounted.mse.result.Estimate` carries ``status``, one of

``ok``
    nothing known argues against the number;
``caution``
    the number stands, but a reader must see the reasons beside it;
``unreliable``
    the method ran, but its own checks failed (chains that did not converge ...): do not publish
    the number as it is;
``not_estimable``
    there is no number; the reasons say why,

and ``reasons``: a tuple of :class:`Reason` records, each a stable machine-readable ``code`` and a
plain sentence. Codes never change meaning once released; :data:`CODES` lists them with the status
each implies. A reason whose code implies ``ok`` is a note (a list dropped because it had no
records): it is shown, but does not lower the status.

:func:`decide` is the only place where a status is decided. Estimators and the batch functions
report *facts* (a warning with a code, a stratum without draws); :func:`decide` turns the facts
into the status. Rules are added here, and only here.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import NotEstimableError

__all__ = ["CODES", "STATUSES", "Reason", "decide", "flag", "missed_links", "not_estimable",
           "warn"]

#: The statuses, from best to worst.
STATUSES: tuple[str, ...] = ("ok", "caution", "unreliable", "not_estimable")

#: Every reason code: the status it implies and what it means.
CODES: dict[str, tuple[str, str]] = {
    # notes (do not lower the status)
    "lists_dropped": ("ok", "a list with no records was left out"),
    # caution
    "estimation_warning": ("caution", "the estimator warned about this fit"),
    "data_warning": ("caution", "the input was altered before fitting"),
    "few_in_common": ("caution", "few people are on both lists (Chapman's estimate is unstable)"),
    "estimate_on_boundary": ("caution", "the estimate or an interval end sits at a boundary"),
    "no_finite_mle": ("caution", "the chosen model has no finite maximum likelihood estimate"),
    "grid_end": ("caution", "the posterior has mass near the end of the grid of N"),
    "truncation_binds": ("caution", "every latent class is occupied: the truncation may bind"),
    "total_normal_approximation": ("caution", "strata summed with a normal approximation"),
    "strata_without_draws": ("caution", "some strata have no draws to sum"),
    "strata_resampled": ("ok", "strata draws resampled to a common count before summing"),
    "stratum_caution": ("caution", "a stratum in the sum carries a caution"),
    "far_above_observed": ("caution", "the estimate is many times the number observed"),
    "interval_far_above_observed": ("caution", "the interval reaches many times the number "
                                               "observed"),
    "thin_overlap": ("caution", "few people are on more than one list"),
    "small_list": ("caution", "a list has so few records that it says little about the others"),
    "strong_dependence": ("caution", "two lists depend strongly on each other, and the method "
                                     "assumes they do not"),
    "unequal_lists": ("caution", ("the lists catch people at very different rates, and Chao's "
                                  "bound assumes they do not")),
    "missed_links": ("caution", ("linkage left apart records that are one person, enough to push "
                                 "the estimate up by a good part of its interval")),
    "replicates_resampled": ("ok", "replicate draws resampled to a common count before pooling"),
    "replicates_without_draws": ("caution", "replicates combined from their intervals (log-normal)"),
    "replicate_missing": ("caution", "the stratum is absent from some imputation replicates"),
    "few_replicates": ("caution", "fewer than 10 imputation replicates combined"),
    "replicate_caution": ("caution", "a combined replicate carries a caution"),
    # unreliable
    "not_converged": ("unreliable", "the sampler's chains did not converge"),
    "chains_apart": ("unreliable", "the sampler's chains sit in different parts of the posterior"),
    "irls_not_converged": ("unreliable", "the model fit did not converge"),
    "convergence_warning": ("unreliable", "an optimiser or sampler did not converge"),
    "stratum_unreliable": ("unreliable", "a stratum in the sum is unreliable"),
    "implausible_estimate": ("unreliable", "the estimate is implausibly far above the number "
                                           "observed"),
    "too_few_recaptured": ("unreliable", "too few people are on more than one list to tie the "
                                         "lists together"),
    "chao_f2_small": ("unreliable", "almost no one is on exactly two lists, so Chao's bound "
                                    "explodes"),
    "unequal_lists_far": ("unreliable", ("the lists catch people at very different rates, and "
                                         "Chao's bound is far above the bound that allows for it")),
    "replicate_unreliable": ("unreliable", "a combined replicate is unreliable"),
    # not estimable
    "not_estimable": ("not_estimable", "the method cannot be applied to this table"),
    "too_few_lists": ("not_estimable", "the table has too few lists for this method"),
    "too_many_lists": ("not_estimable", "the table has too many lists for this method"),
    "table_too_large": ("not_estimable", "the method's dense table would not fit in memory"),
    "no_admissible_model": ("not_estimable", "no model has a finite maximum likelihood estimate"),
    "unbounded": ("not_estimable", "the data do not bound the number unobserved"),
    "nobody_observed": ("not_estimable", "no one is observed"),
    "strata_not_estimable": ("not_estimable", "a stratum in the sum is not estimable"),
    "replicate_not_estimable": ("not_estimable", "not estimable in some imputation replicate"),
    "invalid_table": ("not_estimable", "the table breaks the capture-table contract"),
    "method_failed": ("not_estimable", "the method failed with an unexpected error"),
    "stratum_failed": ("not_estimable", "fitting the stratum failed with an unexpected error, or "
                                        "its worker was lost"),
}

_RANK = {s: i for i, s in enumerate(STATUSES)}
_BY_CATEGORY = {"ConvergenceWarning": "convergence_warning", "DataWarning": "data_warning"}

#: Settings a reason's advice names, by code, when the estimator did not say (see
#: :attr:`Reason.params`): only the names that occur in the message are kept.
PARAM_HINTS: dict[str, tuple[str, ...]] = {
    "not_converged": ("burn_in", "n_draws", "thin"),
    "chains_apart": ("burn_in",),
    "truncation_binds": ("max_classes",),
    "grid_end": ("n_max",),
}


@dataclass(frozen=True)
class Reason:
    """One reason behind a status: a stable ``code`` (see :data:`CODES`) and a plain ``message``.

    ``params`` names the estimator settings the message advises changing, spelled as in Python
    (``burn_in``). :meth:`text` gives the message for a reader of the command line, with each
    named setting written as its flag (``--burn-in``): the one place where that translation
    happens.
    """

    code: str
    message: str
    params: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """The status this reason implies (``caution`` for a code this version does not know)."""
        return CODES.get(self.code, ("caution", ""))[0]

    def text(self, *, cli: bool = False) -> str:
        """The message; with ``cli=True`` each setting in :attr:`params` is named by its flag."""
        if not cli or not self.params:
            return self.message
        out = self.message
        for name in self.params:
            out = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flag(name), out)
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.params:
            d["params"] = list(self.params)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(code=str(d["code"]), message=str(d["message"]),
                   params=tuple(str(p) for p in d.get("params") or ()))


def flag(param: str) -> str:
    """The command-line flag of an estimator setting: ``burn_in`` -> ``--burn-in``."""
    return "--" + param.replace("_", "-")


def warn(code: str, message: str, category: type[Warning], *, stacklevel: int = 2,
         params: tuple[str, ...] = ()) -> None:
    """Issue ``category(message)`` carrying ``code`` (and the settings its advice names), so that
    the fit records it as a Reason."""
    w = category(message)
    w.code = code  # type: ignore[attr-defined]
    w.params = tuple(params)  # type: ignore[attr-defined]
    warnings.warn(w, stacklevel=stacklevel + 1)


def reason_from_warning(w: Warning) -> Reason:
    """The Reason of a caught warning: its own ``code``, else one chosen by its category."""
    code = getattr(w, "code", None)
    if code is None:
        code = next((c for name, c in _BY_CATEGORY.items()
                     if any(k.__name__ == name for k in type(w).__mro__)), "estimation_warning")
    return Reason(code, str(w), tuple(getattr(w, "params", ()) or ()))


def not_estimable(code: str, message: str) -> NotEstimableError:
    """A :class:`NotEstimableError` carrying a reason ``code`` (raise it)."""
    err = NotEstimableError(message)
    err.code = code  # type: ignore[attr-defined]
    return err


def error_code(err: BaseException) -> str:
    """The reason code of an error turned into a not-estimable row."""
    code = getattr(err, "code", None)
    if code:
        return str(code)
    return "not_estimable" if isinstance(err, NotEstimableError) else "invalid_table"


def worst(statuses: Iterable[str]) -> str:
    """The worst of ``statuses`` (``ok`` when empty)."""
    return max(statuses, key=_RANK.__getitem__, default="ok")


# ---------------------------------------------------------------------- thresholds
# Each is justified in docs/status.md by the coverage study of docs/scripts/status_study.py.

#: R-hat above this, or a bulk or tail ESS below :data:`ESS_MIN`, means not converged
#: (Vehtari et al. 2021, section 4: R-hat < 1.01 and ESS > 400 before trusting quantiles).
RHAT_MAX = 1.01
ESS_MIN = 400
#: An estimate more than this many times the number observed is a caution ...
RATIO_CAUTION = 10.0
#: ... and more than this many times, unreliable (no war-dead list ever covered 1%).
RATIO_UNRELIABLE = 100.0
#: An interval whose upper end is more than this many times the number observed is a caution.
UPPER_RATIO_CAUTION = 25.0
#: Fewer people than this on two or more lists: unreliable (Robson & Regier's 7 in common) ...
RECAPTURED_UNRELIABLE = 7
#: ... fewer than this: a caution.
RECAPTURED_CAUTION = 20
#: Chao's bound with fewer people than this on exactly two lists is unreliable.
CHAO_F2_MIN = 5
#: A list with fewer records than this is a caution.
LIST_MIN = 10
#: Methods that assume the lists are independent (given catchability), and the odds ratio whose
#: 95% interval, lying wholly beyond it (or below its inverse), makes their estimate a caution.
INDEPENDENT_LISTS = frozenset({"chao", "lincoln-petersen"})
DEPENDENCE_OR = 1.5
#: Chao's (Mh) bound is a caution when the bound allowing lists of different sizes (Mth,
#: :func:`uncounted.mse.checks.chao_mth_bound`) lies below its interval's lower end, and
#: unreliable when the Mh bound is more than this many times the Mth bound.
MTH_RATIO_UNRELIABLE = 1.5

#: Linkage's own measure of missed joins (the share of record pairs on different lists that agree
#: exactly on surname and full birth date and were left as different persons) is a caution when it
#: exceeds this share of the interval's relative half-width (see :func:`missed_links`) ...
MISSED_BIAS_SHARE = 0.25
#: ... measured on at least this many such pairs.
MISSED_MIN_PAIRS = 20

#: Codes a rule here may derive: one reason each is enough (the first kept, so an estimator's own
#: message, with its hint, wins over the rule's).
RULE_CODES = ("not_converged", "far_above_observed", "implausible_estimate",
              "interval_far_above_observed", "thin_overlap", "too_few_recaptured", "chao_f2_small",
              "small_list", "strong_dependence", "unequal_lists", "unequal_lists_far")


def decide(estimate, table=None) -> tuple[str, tuple[Reason, ...]]:
    """The status of ``estimate`` and every reason for it.

    Parameters
    ----------
    estimate
        An :class:`~uncounted.mse.result.Estimate`; its ``reasons`` are the facts reported by the
        estimator (and the batch functions), its ``warnings`` messages without a reason are
        cautions.
    table
        The :class:`~uncounted.mse.table.CaptureTable` fitted: the rules on the data
        (:func:`uncounted.mse.checks.table_facts`) run only when it is given.

    Returns
    -------
    (status, reasons)
        Reasons keep their order, without duplicates; the status is the worst any implies.

    Rules in force (thresholds are the module's constants; docs/status.md shows the coverage
    study behind each):

    - a not-estimable row is ``not_estimable``;
    - **chains not converged**: R-hat above 1.01, or bulk or tail ESS below 400 -> ``unreliable``
      (Vehtari et al. 2021);
    - **far above what was observed**: the estimate more than 10 times the number observed ->
      ``caution``, more than 100 times -> ``unreliable``; the interval's upper end more than 25
      times -> ``caution``. Multiple-systems estimates extrapolate from the people seen twice to
      those seen never; the further the extrapolation, the more it rests on the model's form
      (Fienberg 1972; Cormack 1989) - and war-dead lists that miss over 90% of the dead leave too
      few overlaps to choose the form;
    - **overlaps too thin**: fewer than 7 people on two or more lists -> ``unreliable``, fewer
      than 20 -> ``caution`` (Robson & Regier 1964's 7 in common for two lists, applied to the
      people who tie any lists together);
    - **Chao's f2**: Chao's bound with fewer than 5 people on exactly two lists -> ``unreliable``
      (the bound grows as ``f1**2 / f2``; Chao 1987, 1989);
    - **an interval end at the observed count**: the lower end (or the estimate) at the number
      observed -> ``caution`` (the data allow that no one was missed: the interval is cut by the
      boundary, not by the data);
    - **lists too small**: a list with fewer than 10 records -> ``caution``;
    - **strong dependence**: for methods assuming independent lists, a pair of lists whose odds
      ratio among the people the other lists caught is beyond 1.5 (or below 1/1.5) with 95%
      confidence -> ``caution`` (Bishop, Fienberg & Holland 1975, ch. 6): positive dependence
      pulls their estimates low (Chao's bound is then only a bound), negative dependence pushes
      them high. Log-linear models, dga and lcmcr model the dependence;
    - **lists of very different sizes** (Chao's bound only): the same bound allowing each list its
      own catch rate (model Mth; Rivest & Baillargeon 2007) below the lower end of Chao's
      interval -> ``caution``; Chao's bound more than 1.5 times it -> ``unreliable``. One large
      list makes ``f1`` large and ``f2`` small by itself, and the Mh bound then overshoots (3,262
      for a true 1,000 with lists catching 90%, 6% and 6%);
    - every other warning is at least a ``caution``.

    References
    ----------
    Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. & Bürkner, P.-C. (2021). Rank-normalization,
    folding, and localization: an improved R-hat for assessing convergence of MCMC. Bayesian
    Analysis 16(2):667-718. doi:10.1214/20-BA1221
    Fienberg, S. E. (1972). The multiple recapture census for closed populations and incomplete 2^k
    contingency tables. Biometrika 59(3):591-603. doi:10.1093/biomet/59.3.591
    Cormack, R. M. (1989). Log-linear models for capture-recapture. Biometrics 45(2):395-413.
    doi:10.2307/2531485
    Robson, D. S. & Regier, H. A. (1964). Sample size in Petersen mark-recapture experiments.
    Transactions of the American Fisheries Society 93(3):215-226.
    Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
    catchability. Biometrics 43(4):783-791. doi:10.2307/2531532
    Bishop, Y. M. M., Fienberg, S. E. & Holland, P. W. (1975). Discrete Multivariate Analysis:
    Theory and Practice, ch. 6. MIT Press.
    Rivest, L.-P. & Baillargeon, S. (2007). Applications and extensions of Chao's moment estimator
    for the size of a closed population. Biometrics 63(4):999-1006.
    doi:10.1111/j.1541-0420.2007.00779.x
    """
    reasons = [_with_params(r) for r in estimate.reasons]
    if not estimate.estimable:
        if not any(r.status == "not_estimable" for r in reasons):
            reasons.insert(0, Reason("not_estimable", estimate.reason or "not estimable"))
    else:
        derived = _chain_reasons(estimate.diagnostics) + _size_reasons(estimate)
        if table is not None and table.observed:
            from .checks import table_facts

            facts = table_facts(table)
            derived += _data_reasons(estimate, facts)
            if estimate.method == "chao":
                derived += _unequal_lists(estimate, table, facts)
        # a rule adds its reason only where the estimator (or an earlier decision) has not
        # reported that code: the estimator's own message, with its hint, is the one kept. An
        # earlier decision's copy of a rule's reason (an Estimate decides when it is made, before
        # the estimator's warnings are attached) gives way to the estimator's own for that code.
        fresh = set(derived)
        own = _said({r.code for r in reasons if r not in fresh})
        reasons = [r for r in reasons if not (r in fresh and r.code in own)]
        have = _said({r.code for r in reasons})
        reasons += [r for r in derived if r.code not in have]
        covered = {r.message for r in reasons}
        reasons += [Reason("estimation_warning", w) for w in estimate.warnings if w not in covered]
    reasons = _once(list(dict.fromkeys(reasons)), RULE_CODES)
    status = "not_estimable" if not estimate.estimable else worst(r.status for r in reasons)
    return status, tuple(reasons)


def _with_params(r: Reason) -> Reason:
    """``r`` with the settings its advice names, from :data:`PARAM_HINTS` when it has none."""
    if r.params or r.code not in PARAM_HINTS:
        return r
    named = tuple(p for p in PARAM_HINTS[r.code]
                  if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", r.message))
    return Reason(r.code, r.message, named) if named else r


#: Reason codes that say what another code says, more specifically: where an estimator reports
#: the first, the rule's reason of the second is not added (``chains_apart`` holds the R-hat and
#: ESS that ``not_converged`` would give, and advice that fits the case).
SAYS_ALSO: dict[str, tuple[str, ...]] = {"chains_apart": ("not_converged",)}


def _said(codes: set[str]) -> set[str]:
    """``codes`` with the codes each of them also says (:data:`SAYS_ALSO`)."""
    return codes | {c for code in codes for c in SAYS_ALSO.get(code, ())}


def _once(reasons: list[Reason], codes: tuple[str, ...]) -> list[Reason]:
    seen: set[str] = set()
    out = []
    for r in reasons:
        if r.code in codes:
            if r.code in seen:
                continue
            seen.add(r.code)
        out.append(r)
    return out


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _chain_reasons(diag: Mapping[str, Any]) -> list[Reason]:
    """``not_converged`` from R-hat and ESS in the diagnostics (:func:`decide` keeps it only
    where no reason already says so)."""
    problems = []
    rh = diag.get("rhat")
    if isinstance(rh, (int, float)) and not math.isnan(rh) and rh > RHAT_MAX:
        problems.append(f"R-hat {rh:.3f} > {RHAT_MAX}")
    for label in ("bulk", "tail"):
        e = diag.get(f"ess_{label}")
        if isinstance(e, (int, float)) and not math.isnan(e) and e < ESS_MIN:
            problems.append(f"{label} ESS {e:.0f} < {ESS_MIN}")
    if not problems:
        return []
    return [Reason("not_converged", "the chains for N have not converged (" + "; ".join(problems)
                   + "); raise burn_in, n_draws or thin", ("burn_in", "n_draws", "thin"))]


def _size_reasons(est) -> list[Reason]:
    """The estimate and its interval against the number observed."""
    n = est.observed
    out: list[Reason] = []
    if n <= 0 or not _finite(est.estimate):
        return out
    ratio = est.estimate / n
    if ratio > RATIO_UNRELIABLE:
        out.append(Reason("implausible_estimate", f"the estimate, {est.estimate:,.0f}, is "
                          f"{ratio:,.0f} times the {n:,} observed: the lists would have missed "
                          f"over {math.floor((1 - 1 / ratio) * 1000) / 10:g}% of the population"))
    elif ratio > RATIO_CAUTION:
        out.append(Reason("far_above_observed", f"the estimate is {ratio:,.1f} times the {n:,} "
                          "observed: so long an extrapolation rests on the model's form"))
    if _finite(est.upper) and est.upper / n > UPPER_RATIO_CAUTION and ratio <= RATIO_UNRELIABLE:
        out.append(Reason("interval_far_above_observed", f"the interval reaches "
                          f"{est.upper / n:,.0f} times the {n:,} observed: the data barely bound "
                          "the number unobserved"))
    elif not _finite(est.upper):
        out.append(Reason("interval_far_above_observed", "the interval has no finite upper end: "
                          "the data do not bound the number unobserved"))
    if _finite(est.lower) and est.lower <= n + 1e-9 * max(n, 1):
        out.append(Reason("estimate_on_boundary", "the interval's lower end is the number "
                          "observed: the data allow that no one was missed"))
    return out


def _data_reasons(est, facts) -> list[Reason]:
    """Rules on the table's facts (:class:`uncounted.mse.checks.TableFacts`)."""
    out: list[Reason] = []
    if len(facts.lists) >= 2:
        r = facts.recaptured
        if r < RECAPTURED_UNRELIABLE:
            out.append(Reason("too_few_recaptured", f"only {r} of {facts.observed:,} people are on "
                              "more than one list: nothing ties the lists together (below "
                              f"{RECAPTURED_UNRELIABLE}, Robson & Regier 1964)"))
        elif r < RECAPTURED_CAUTION:
            out.append(Reason("thin_overlap", f"only {r} of {facts.observed:,} people are on more "
                              "than one list: the estimate rests on a few counts"))
    if est.method == "chao" and facts.f2 < CHAO_F2_MIN and facts.f1 > 0:
        out.append(Reason("chao_f2_small", f"only {facts.f2} people are on exactly two lists "
                          f"(f2) against {facts.f1:,} on one (f1): Chao's bound f1²/2f2 is "
                          "unstable"))
    name, size = facts.smallest_list
    if len(facts.lists) >= 2 and size < LIST_MIN:
        small = [f"{x} ({n})" for x, n in zip(facts.lists, facts.list_totals, strict=True)
                 if n < LIST_MIN]
        out.append(Reason("small_list", f"list(s) {', '.join(small)} have fewer than {LIST_MIN} "
                          "records: each adds a dimension to the table and almost no information"))
    if est.method in INDEPENDENT_LISTS:
        edge = math.log(DEPENDENCE_OR)
        strong = [d for d in facts.dependence if abs(d.log_or) - 1.96 * d.se > edge]
        if strong:
            d = max(strong, key=lambda d: abs(d.log_or))
            pos = d.log_or > 0
            what = (f"lists {d.a} and {d.b} are {'positively' if pos else 'negatively'} dependent "
                    f"(odds ratio {d.odds_ratio:,.2f} among the people the other lists caught); "
                    f"{est.method} assumes independent lists, so its estimate is biased "
                    f"{'low' if pos else 'high'}")
            if est.method == "chao" and pos:
                what += ": read it as a lower bound, not as an estimate of N"
            out.append(Reason("strong_dependence", what))
    return out


def _unequal_lists(est, table, facts) -> list[Reason]:
    """Chao's Mh bound against its Mth version (lists catching at different rates)."""
    from .checks import chao_mth_bound

    mth = chao_mth_bound(table)
    if mth is None or not (_finite(est.estimate) and _finite(est.lower)) or mth >= est.lower:
        return []
    ratio = est.estimate / mth
    totals = ", ".join(f"{name} {n:,}" for name, n in zip(facts.lists, facts.list_totals,
                                                            strict=True))
    said = (f"the lists are of very different sizes ({totals}), and Chao's bound assumes each "
            f"catches a person equally often: allowing for the difference (model Mth, Rivest & "
            f"Baillargeon 2007) the bound is {mth:,.0f}, below this interval")
    if ratio > MTH_RATIO_UNRELIABLE:
        return [Reason("unequal_lists_far", f"{said}; Chao's {est.estimate:,.0f} is {ratio:.1f} "
                       "times it: do not read it as a bound")]
    return [Reason("unequal_lists", said)]


def missed_links(est, apart: int, pairs: int) -> tuple[Reason, ...]:
    """The ``missed_links`` reason of ``est``, given linkage's measure of missed joins.

    ``pairs`` record pairs on different lists agree exactly on surname and full birth date (nearly
    always one person) and linkage left ``apart`` of them as different persons
    (:func:`uncounted.linkage.checks.missed_share`; the caller measures it, this package knows no
    linkage). A person linkage fails to join is counted once per list: the people on two or more
    lists shrink by that share and those on one grow, so every estimate here is pushed up by
    about the same share (Chapman's by exactly that factor for two lists). The share measured on
    the easy pairs is a floor of the share on all. The reason is given when it exceeds
    :data:`MISSED_BIAS_SHARE` (a quarter) of the interval's half-width relative to the estimate:
    a bias of a quarter of the half-width of a 95% interval leaves it covering about 93% of the
    time, of a half about 83%, of a whole about 50% (a normal interval shifted by ``b`` standard
    errors covers ``Phi(1.96 - b) - Phi(-1.96 - b)``); docs/status.md shows the coverage study.

    Returns an empty tuple when ``est`` has no interval, fewer than :data:`MISSED_MIN_PAIRS` pairs
    were measured, or none was left apart.

    References
    ----------
    Lum, K., Price, M. E. & Banks, D. (2013). Applications of multiple systems estimation in human
    rights research. The American Statistician 67(4):191-200 (missed links inflate the estimate).
    doi:10.1080/00031305.2013.821093
    """
    if (not est.estimable or pairs < MISSED_MIN_PAIRS or apart <= 0
            or not all(_finite(x) for x in (est.estimate, est.lower, est.upper))
            or est.estimate <= 0):
        return ()
    share = apart / pairs
    half = (est.upper - est.lower) / (2 * est.estimate)
    if share <= MISSED_BIAS_SHARE * half:
        return ()
    return (Reason("missed_links", f"linkage left {apart:,} of {pairs:,} record pairs that agree "
                   f"on surname and full birth date as different persons ({share:.1%}): missed "
                   f"joins push the estimate up by about that share or more, against an interval "
                   f"of ±{half:.1%}. Review the pairs ('uncounted review') or raise the linkage's "
                   "recall before publishing"),)
