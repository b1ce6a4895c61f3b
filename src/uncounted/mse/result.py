"""The result of one estimator on one table: :class:`Estimate`, and the base class of estimators."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import CaptureTableError, NotEstimableError, UncountedWarning
from .table import CaptureTable

SUMMARY_COLUMNS = ["method", "model", "stratum", "lists", "observed", "estimate", "lower", "upper",
                   "level", "estimable", "reason"]


@dataclass(frozen=True)
class Estimate:
    """An immutable population-size estimate with its provenance.

    Attributes
    ----------
    method
        Estimator name, e.g. ``"loglinear"``.
    model
        The model used, e.g. ``"[123,14,34]"`` or ``"model average (BIC)"``.
    lists
        The lists of the table fitted.
    stratum
        Stratum label, ``None`` for an unstratified fit, ``"total"`` for a sum over strata.
    observed
        Individuals caught by at least one list.
    estimate
        Point estimate of the population size (MLE, or posterior median).
    lower, upper
        Interval ends at ``level``.
    level
        Interval level, e.g. 0.95.
    seed
        Seed used by a random method, ``None`` otherwise.
    diagnostics
        Method-specific numbers: deviance, AIC, R-hat, ESS ... (JSON-serialisable).
    warnings
        Messages worth showing beside the number.
    input_hash
        :meth:`CaptureTable.input_hash` of the table fitted.
    estimable
        False when the estimator could not be applied; ``reason`` says why.
    draws
        Posterior or bootstrap draws of the population size, when the method has them.
    """

    method: str
    model: str | None
    lists: tuple[str, ...]
    observed: int
    estimate: float
    lower: float
    upper: float
    level: float = 0.95
    stratum: str | None = None
    seed: int | None = None
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    input_hash: str | None = None
    estimable: bool = True
    reason: str | None = None
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def interval(self) -> tuple[float, float]:
        return (self.lower, self.upper)

    @property
    def unobserved(self) -> float:
        """Estimated number of individuals no list caught."""
        return self.estimate - self.observed

    @classmethod
    def not_estimable(cls, method: str, table: CaptureTable, reason: str, *, stratum=None,
                      level: float = 0.95, seed=None) -> Estimate:
        """A row for a stratum or table the method cannot estimate."""
        nan = float("nan")
        return cls(method=method, model=None, lists=table.lists, observed=table.observed, estimate=nan,
                   lower=nan, upper=nan, level=level, stratum=stratum, seed=seed,
                   input_hash=table.input_hash(), estimable=False, reason=reason)

    def to_dict(self, *, draws: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (DESIGN.md's contract); ``draws=True`` adds the draws."""
        d = {
            "method": self.method,
            "model": self.model,
            "lists": list(self.lists),
            "observed": int(self.observed),
            "estimate": _num(self.estimate),
            "interval": [_num(self.lower), _num(self.upper)],
            "level": self.level,
            "stratum": self.stratum,
            "seed": self.seed,
            "diagnostics": _jsonable(dict(self.diagnostics)),
            "warnings": list(self.warnings),
            "input_hash": self.input_hash,
            "estimable": self.estimable,
            "reason": self.reason,
        }
        if draws and self.draws is not None:
            d["draws"] = np.asarray(self.draws).tolist()
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(**kw))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        """Inverse of :meth:`to_dict`."""
        lo, hi = d.get("interval", [None, None])
        draws = d.get("draws")
        return cls(method=d["method"], model=d.get("model"), lists=tuple(d["lists"]),
                   observed=int(d["observed"]), estimate=_unnum(d["estimate"]), lower=_unnum(lo),
                   upper=_unnum(hi), level=float(d.get("level", 0.95)), stratum=d.get("stratum"),
                   seed=d.get("seed"), diagnostics=dict(d.get("diagnostics") or {}),
                   warnings=tuple(d.get("warnings") or ()), input_hash=d.get("input_hash"),
                   estimable=bool(d.get("estimable", True)), reason=d.get("reason"),
                   draws=None if draws is None else np.asarray(draws, dtype=float))

    def summary(self) -> pd.DataFrame:
        """One-row DataFrame with the fixed columns :data:`SUMMARY_COLUMNS`."""
        return pd.DataFrame([{
            "method": self.method, "model": self.model, "stratum": self.stratum,
            "lists": ",".join(self.lists), "observed": self.observed, "estimate": self.estimate,
            "lower": self.lower, "upper": self.upper, "level": self.level,
            "estimable": self.estimable, "reason": self.reason,
        }], columns=SUMMARY_COLUMNS)

    def replace(self, **changes) -> Estimate:
        return dataclasses.replace(self, **changes)

    def plot(self, ax=None):
        """Plot the estimate: the draws' histogram if any, else the point and interval.

        matplotlib is imported here, not at package import. Returns the Axes.
        """
        import matplotlib

        if ax is None:
            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 3.5))
        if self.draws is not None and len(self.draws):
            ax.hist(np.asarray(self.draws), bins=60, color="#4c72b0", alpha=0.8, density=True)
            ax.set_ylabel("posterior density")
        else:
            ax.errorbar([self.estimate], [0], xerr=[[self.estimate - self.lower],
                        [self.upper - self.estimate]], fmt="o", color="#4c72b0", capsize=6)
            ax.set_yticks([])
        ax.axvline(self.observed, color="grey", linestyle=":", label=f"observed {self.observed:,}")
        ax.axvline(self.estimate, color="black", label=f"estimate {self.estimate:,.0f}")
        for x in (self.lower, self.upper):
            ax.axvline(x, color="black", linestyle="--", linewidth=0.8)
        ax.set_xlabel("population size N")
        title = f"{self.method} {self.model or ''}".strip()
        ax.set_title(title + (f" [{self.stratum}]" if self.stratum else ""))
        ax.legend(loc="best", fontsize="small")
        return ax


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else (x if math.isfinite(x) else ("inf" if x > 0 else "-inf"))


def _unnum(x):
    if x is None:
        return float("nan")
    if x == "inf":
        return float("inf")
    if x == "-inf":
        return float("-inf")
    return float(x)


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return _num(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


class Estimator:
    """Base class: the constructor stores settings, :meth:`fit` works and returns a new Estimate.

    Subclasses set ``name`` and implement ``_fit(table) -> Estimate``; they may raise
    :class:`NotEstimableError` with a reason. ``min_lists``/``max_lists`` bound the number of lists.
    """

    name = "estimator"
    min_lists = 2
    max_lists: int | None = None
    random = False

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def fit(self, table: CaptureTable | pd.DataFrame) -> Estimate:
        """Estimate the population size of ``table`` (collapsed over strata, if any)."""
        table = as_table(table)
        if table.is_stratified:
            table = table.collapse()
        self._check_lists(table)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UncountedWarning)
            est = self._fit(table)
        msgs = tuple(str(w.message) for w in caught if issubclass(w.category, UncountedWarning))
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        changes = {"input_hash": table.input_hash()}
        if msgs:
            changes["warnings"] = tuple(dict.fromkeys(est.warnings + msgs))
        return est.replace(**changes)

    def fit_strata(self, table: CaptureTable, *, total: bool = True) -> list[Estimate]:
        """Fit every stratum; a stratum that cannot be estimated becomes a row with its reason.

        With ``total=True`` a last row sums the strata: draw by draw when every stratum has draws
        (Bayesian or bootstrap methods), otherwise the sum of point estimates with an interval from
        the strata's half-widths added in quadrature on each side (a normal approximation, noted in
        the row's warnings). The total is not estimable if any stratum is not.
        """
        if not table.is_stratified:
            est = self.fit(table)
            return [est]
        level = getattr(self, "level", 0.95)
        rows = []
        for label, sub in table.by_stratum().items():
            try:
                rows.append(self.fit(sub).replace(stratum=label))
            except (NotEstimableError, CaptureTableError) as err:
                reason = getattr(err, "reason", None) or str(err)
                rows.append(Estimate.not_estimable(self.name, sub, reason, stratum=label, level=level,
                                                   seed=getattr(self, "seed", None)))
        if total:
            rows.append(sum_strata(rows, table))
        return rows

    def _check_lists(self, table: CaptureTable) -> None:
        k = table.k
        if k < self.min_lists:
            raise NotEstimableError(f"{self.name} needs at least {self.min_lists} lists; the table has {k}")
        if self.max_lists is not None and k > self.max_lists:
            raise NotEstimableError(f"{self.name} handles at most {self.max_lists} lists; the table has {k}")

    def _fit(self, table: CaptureTable) -> Estimate:  # pragma: no cover - abstract
        raise NotImplementedError

    def clone(self):
        return copy.deepcopy(self)


def sum_strata(rows: Sequence[Estimate], table: CaptureTable) -> Estimate:
    """Sum stratum estimates into a total row (see :meth:`Estimator.fit_strata`)."""
    first = rows[0]
    bad = [r.stratum for r in rows if not r.estimable]
    if bad:
        return Estimate.not_estimable(first.method, table.collapse(),
                                      f"strata not estimable: {', '.join(map(str, bad))}",
                                      stratum="total", level=first.level, seed=first.seed)
    point = float(sum(r.estimate for r in rows))
    notes: tuple[str, ...] = ()
    draws = None
    if all(r.draws is not None for r in rows) and len({len(r.draws) for r in rows}) == 1:
        draws = np.sum([np.asarray(r.draws, dtype=float) for r in rows], axis=0)
        alpha = (1 - first.level) / 2
        lo, hi = np.quantile(draws, [alpha, 1 - alpha])
        if first.method in ("lcmcr", "dga"):
            point = float(np.median(draws))
    else:
        lo = point - math.sqrt(sum((r.estimate - r.lower) ** 2 for r in rows))
        hi = point + math.sqrt(sum((r.upper - r.estimate) ** 2 for r in rows))
        notes = ("total interval: strata half-widths added in quadrature (normal approximation)",)
    return Estimate(method=first.method, model="sum over strata", lists=first.lists,
                    observed=int(sum(r.observed for r in rows)), estimate=point,
                    lower=max(float(lo), float(sum(r.observed for r in rows))), upper=float(hi),
                    level=first.level, stratum="total", seed=first.seed, warnings=notes,
                    input_hash=table.input_hash(), draws=draws,
                    diagnostics={"strata": len(rows)})


def as_table(obj) -> CaptureTable:
    """Accept a CaptureTable or a DataFrame in the file contract's shape."""
    if isinstance(obj, CaptureTable):
        return obj
    if isinstance(obj, pd.DataFrame):
        return CaptureTable.from_frame(obj)
    raise TypeError(f"expected a CaptureTable or a DataFrame, got {type(obj).__name__}")
