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
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import NotEstimableError

__all__ = ["CODES", "STATUSES", "Reason", "decide", "not_estimable", "warn"]

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
    "replicates_resampled": ("ok", "replicate draws resampled to a common count before pooling"),
    "replicates_without_draws": ("caution", "replicates combined from their intervals (log-normal)"),
    "replicate_missing": ("caution", "the stratum is absent from some imputation replicates"),
    "few_replicates": ("caution", "fewer than 10 imputation replicates combined"),
    "replicate_caution": ("caution", "a combined replicate carries a caution"),
    # unreliable
    "not_converged": ("unreliable", "the sampler's chains did not converge"),
    "irls_not_converged": ("unreliable", "the model fit did not converge"),
    "convergence_warning": ("unreliable", "an optimiser or sampler did not converge"),
    "stratum_unreliable": ("unreliable", "a stratum in the sum is unreliable"),
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
}

_RANK = {s: i for i, s in enumerate(STATUSES)}
_BY_CATEGORY = {"ConvergenceWarning": "convergence_warning", "DataWarning": "data_warning"}


@dataclass(frozen=True)
class Reason:
    """One reason behind a status: a stable ``code`` (see :data:`CODES`) and a plain ``message``."""

    code: str
    message: str

    @property
    def status(self) -> str:
        """The status this reason implies (``caution`` for a code this version does not know)."""
        return CODES.get(self.code, ("caution", ""))[0]

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(code=str(d["code"]), message=str(d["message"]))


def warn(code: str, message: str, category: type[Warning], *, stacklevel: int = 2) -> None:
    """Issue ``category(message)`` carrying ``code``, so that the fit records it as a Reason."""
    w = category(message)
    w.code = code  # type: ignore[attr-defined]
    warnings.warn(w, stacklevel=stacklevel + 1)


def reason_from_warning(w: Warning) -> Reason:
    """The Reason of a caught warning: its own ``code``, else one chosen by its category."""
    code = getattr(w, "code", None)
    if code is None:
        code = next((c for name, c in _BY_CATEGORY.items()
                     if any(k.__name__ == name for k in type(w).__mro__)), "estimation_warning")
    return Reason(code, str(w))


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


def decide(estimate, table=None) -> tuple[str, tuple[Reason, ...]]:
    """The status of ``estimate`` and every reason for it.

    Parameters
    ----------
    estimate
        An :class:`~uncounted.mse.result.Estimate`; its ``reasons`` are the facts reported by the
        estimator (and the batch functions), its ``warnings`` messages without a reason are
        cautions.
    table
        The :class:`~uncounted.mse.table.CaptureTable` fitted, for rules that look at the data
        (none yet; the argument is part of the interface).

    Returns
    -------
    (status, reasons)
        Reasons keep their order, without duplicates; the status is the worst any implies.

    Rules in force: a not-estimable row is ``not_estimable``; chains whose R-hat exceeds 1.01 or
    whose bulk or tail ESS is below 400 are ``unreliable`` (Vehtari et al. 2021's thresholds, as the
    lcmcr warning); every other warning is at least a ``caution``.

    References
    ----------
    Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. & Bürkner, P.-C. (2021). Rank-normalization,
    folding, and localization: an improved R-hat for assessing convergence of MCMC. Bayesian
    Analysis 16(2):667-718. doi:10.1214/20-BA1221
    """
    del table  # no rule reads the table yet
    reasons = list(estimate.reasons)
    if not estimate.estimable:
        if not any(r.status == "not_estimable" for r in reasons):
            reasons.insert(0, Reason("not_estimable", estimate.reason or "not estimable"))
    else:
        reasons += _chain_reasons(estimate.diagnostics, reasons)
        covered = {r.message for r in reasons}
        reasons += [Reason("estimation_warning", w) for w in estimate.warnings if w not in covered]
    reasons = _once(list(dict.fromkeys(reasons)), RULE_CODES)
    status = "not_estimable" if not estimate.estimable else worst(r.status for r in reasons)
    return status, tuple(reasons)


#: Codes a rule here may derive from the diagnostics: one reason each is enough (the first kept,
#: so an estimator's own message, with its hint, wins over the rule's).
RULE_CODES = ("not_converged",)


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


def _chain_reasons(diag: Mapping[str, Any], known: list[Reason]) -> list[Reason]:
    """``not_converged`` from R-hat and ESS in the diagnostics, unless already reported."""
    if any(r.code == "not_converged" for r in known):
        return []
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
                   + ")")]


#: R-hat above this, or a bulk or tail ESS below :data:`ESS_MIN`, means not converged
#: (Vehtari et al. 2021, section 4: R-hat < 1.01 and ESS > 400 before trusting quantiles).
RHAT_MAX = 1.01
ESS_MIN = 400
