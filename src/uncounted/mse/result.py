"""The result of one estimator on one table: :class:`Estimate`.

An Estimate is immutable and comparable: two fits with the same settings, seed and table compare
equal. What cannot be compared (how long the fit took, the method's full results object) is kept
in fields left out of equality and of :meth:`Estimate.to_dict`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .status import STATUSES, Reason, decide

SUMMARY_COLUMNS = ["method", "model", "stratum", "lists", "observed", "estimate", "lower", "upper",
                   "level", "estimable", "reason", "status", "reasons", "reason_codes"]
#: Kinds of draws an Estimate may carry (``draws_kind``).
DRAWS_KINDS = ("posterior", "bootstrap", "linkage")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Estimate:
    """An immutable population-size estimate with its provenance, status and reasons.

    Attributes
    ----------
    method
        Estimator name, e.g. ``"loglinear"``.
    model
        The model used, e.g. ``"[123,14,34]"`` or ``"model average (BIC)"``.
    lists
        The lists of the table fitted.
    observed
        Individuals caught by at least one list.
    estimate
        Point estimate of the population size (MLE, or posterior median).
    lower, upper
        Interval ends at ``level``.
    level
        Interval level, e.g. 0.95.
    stratum
        Stratum label, ``None`` for an unstratified fit, ``"total"`` for a sum over strata.
    seed
        Seed used by a random method, ``None`` otherwise.
    diagnostics
        Method-specific plain values (deviance, AIC, R-hat, ESS ...) as a read-only mapping; nested
        sequences are tuples and a missing number (NaN) is ``None``.
    warnings
        Messages worth showing beside the number.
    input_hash
        :meth:`CaptureTable.input_hash` of the table fitted.
    estimable
        False when the estimator could not be applied; ``reason`` says why.
    reason
        Why the row is not estimable (``None`` when it is).
    status
        ``"ok"``, ``"caution"``, ``"unreliable"`` or ``"not_estimable"``, decided by
        :func:`uncounted.mse.status.decide` (also when left out here).
    reasons
        :class:`~uncounted.mse.status.Reason` records behind the status (and notes).
    draws
        Draws of the population size, shaped ``(chains, draws)`` (one row for bootstrap and grid
        draws), read-only; ``None`` when the method has none.
    draws_kind
        ``"posterior"``, ``"bootstrap"`` or ``"linkage"``: what the draws are (see
        :func:`uncounted.mse.strata.sum_strata`).
    timings
        Wall-clock seconds and other facts of this run that a same-seed rerun does not reproduce;
        not compared, and in :meth:`to_dict` only when asked.
    results
        The method's full results object (coefficients, fitted values, model weights, per-chain
        draws ...); not compared and never serialised. ``None`` after :meth:`from_dict`.
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
    status: str | None = None
    reasons: tuple[Reason, ...] = ()
    draws: np.ndarray | None = field(default=None, repr=False)
    draws_kind: str | None = None
    timings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    results: Any = field(default=None, repr=False)

    def __post_init__(self):
        s = object.__setattr__
        s(self, "lists", tuple(str(x) for x in self.lists))
        s(self, "observed", int(self.observed))
        for name in ("estimate", "lower", "upper", "level"):
            s(self, name, float(getattr(self, name)))
        if self.seed is not None:
            s(self, "seed", int(self.seed))
        s(self, "diagnostics", freeze(self.diagnostics or {}))
        s(self, "timings", freeze(self.timings or {}))
        s(self, "warnings", tuple(str(w) for w in self.warnings))
        s(self, "reasons", tuple(r if isinstance(r, Reason) else Reason.from_dict(r)
                                 for r in self.reasons))
        if self.draws is not None:
            d = np.array(self.draws, dtype=float)
            d = d.reshape(1, -1) if d.ndim == 1 else d
            if d.ndim != 2:
                raise ValueError(f"draws must be shaped (chains, draws); got shape {d.shape}")
            d.setflags(write=False)
            s(self, "draws", d)
        if self.draws_kind is not None and self.draws_kind not in DRAWS_KINDS:
            raise ValueError(f"draws_kind must be one of {DRAWS_KINDS}; got {self.draws_kind!r}")
        if self.status is None:
            status, reasons = decide(self)
            s(self, "status", status)
            s(self, "reasons", reasons)
        elif self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {self.status!r}")

    # ------------------------------------------------------------------ views
    @property
    def interval(self) -> tuple[float, float]:
        return (self.lower, self.upper)

    @property
    def unobserved(self) -> float:
        """Estimated number of individuals no list caught."""
        return self.estimate - self.observed

    @property
    def flat_draws(self) -> np.ndarray | None:
        """The draws of all chains one after the other (a 1-D read-only view), or None."""
        return None if self.draws is None else self.draws.reshape(-1)

    @classmethod
    def not_estimable(cls, method: str, table, reason: str, *, code: str = "not_estimable",
                      stratum=None, level: float = 0.95, seed=None,
                      reasons: tuple[Reason, ...] = ()) -> Estimate:
        """A row for a stratum or table the method cannot estimate."""
        nan = float("nan")
        return cls(method=method, model=None, lists=table.lists, observed=table.observed,
                   estimate=nan, lower=nan, upper=nan, level=level, stratum=stratum, seed=seed,
                   input_hash=table.input_hash(), estimable=False, reason=reason,
                   reasons=(Reason(code, reason), *reasons))

    def replace(self, **changes) -> Estimate:
        """A copy with some fields changed; the status is decided again when its inputs change."""
        if "status" not in changes and changes.keys() & {"estimable", "reason", "reasons",
                                                          "warnings", "diagnostics"}:
            changes["status"] = None
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ comparison
    def _key(self) -> tuple:
        return (self.method, self.model, self.lists, self.observed, _canon(self.estimate),
                _canon(self.lower), _canon(self.upper), self.level, self.stratum, self.seed,
                self.diagnostics, self.warnings, self.input_hash, self.estimable, self.reason,
                self.status, self.reasons, self.draws_kind)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Estimate):
            return NotImplemented
        if self._key() != other._key():
            return False
        if self.draws is None or other.draws is None:
            return self.draws is None and other.draws is None
        return np.array_equal(self.draws, other.draws, equal_nan=True)

    def __hash__(self) -> int:
        return hash((self.method, self.stratum, self.input_hash, _canon(self.estimate)))

    def __reduce__(self):  # read-only mappings do not pickle: rebuild from plain values
        state = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        state["diagnostics"] = _plain(self.diagnostics)
        state["timings"] = _plain(self.timings)
        return (_restore, (state,))

    # ------------------------------------------------------------------ serialisation
    def to_dict(self, *, draws: bool = False, timings: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (DESIGN.md's contract, plus ``status`` and ``reasons``).

        ``draws=True`` adds ``draws`` (a list per chain) and ``draws_kind``; ``timings=True`` adds
        ``timings``. :meth:`from_dict` inverts it exactly.
        """
        d = {
            "method": self.method,
            "model": self.model,
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": _num(self.estimate),
            "interval": [_num(self.lower), _num(self.upper)],
            "level": self.level,
            "stratum": self.stratum,
            "seed": self.seed,
            "diagnostics": jsonable(self.diagnostics),
            "warnings": list(self.warnings),
            "input_hash": self.input_hash,
            "estimable": self.estimable,
            "reason": self.reason,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        if draws and self.draws is not None:
            d["draws"] = self.draws.tolist()
            d["draws_kind"] = self.draws_kind
        if timings:
            d["timings"] = jsonable(self.timings)
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(**kw), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        """Inverse of :meth:`to_dict`."""
        lo, hi = d.get("interval", [None, None])
        draws = d.get("draws")
        return cls(method=d["method"], model=d.get("model"), lists=tuple(d["lists"]),
                   observed=int(d["observed"]), estimate=_unnum(d["estimate"]), lower=_unnum(lo),
                   upper=_unnum(hi), level=float(d.get("level", 0.95)), stratum=d.get("stratum"),
                   seed=d.get("seed"), diagnostics=_thaw(d.get("diagnostics") or {}),
                   warnings=tuple(d.get("warnings") or ()), input_hash=d.get("input_hash"),
                   estimable=bool(d.get("estimable", True)), reason=d.get("reason"),
                   status=d.get("status"), reasons=tuple(d.get("reasons") or ()),
                   draws=None if draws is None else np.asarray(draws, dtype=float),
                   draws_kind=d.get("draws_kind"), timings=_thaw(d.get("timings") or {}))

    def summary(self):
        """One-row pandas DataFrame with the fixed columns :data:`SUMMARY_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame([{
            "method": self.method, "model": self.model, "stratum": self.stratum,
            "lists": ",".join(self.lists), "observed": self.observed, "estimate": self.estimate,
            "lower": self.lower, "upper": self.upper, "level": self.level,
            "estimable": self.estimable, "reason": self.reason, "status": self.status,
            "reasons": "; ".join(r.message for r in self.reasons),
            "reason_codes": ",".join(r.code for r in self.reasons),
        }], columns=SUMMARY_COLUMNS)

    def plot(self, ax=None):
        """Plot the estimate: the draws' histogram if any, else the point and interval.

        Without ``ax`` a new :class:`matplotlib.figure.Figure` is made (no pyplot, no change of
        backend); save it with ``ax.figure.savefig(path)``. Returns the Axes.
        """
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(6, 3.5)).subplots()
        if self.draws is not None and self.draws.size:
            ax.hist(self.flat_draws, bins=60, color="#4c72b0", alpha=0.8, density=True)
            ax.set_ylabel("posterior density" if self.draws_kind == "posterior" else "density")
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
        ax.set_title(title + (f" [{self.stratum}]" if self.stratum else "") + f" ({self.status})")
        ax.legend(loc="best", fontsize="small")
        return ax


# ---------------------------------------------------------------------- plain values
def freeze(obj) -> Any:
    """A deep read-only copy of plain values: mappings become read-only, sequences tuples, NumPy
    numbers Python numbers and NaN ``None``. Anything else is a :class:`TypeError`."""
    if isinstance(obj, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(freeze(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return freeze(obj.tolist())
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(obj) else float(obj)
    raise TypeError(f"diagnostics hold plain values (numbers, strings, lists, dicts); got "
                    f"{type(obj).__name__}")


def jsonable(obj) -> Any:
    """Frozen values as JSON-ready ones (dicts, lists; infinities as ``"inf"``/``"-inf"``)."""
    if isinstance(obj, Mapping):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj


def _thaw(obj) -> Any:
    """Inverse of :func:`jsonable` for numbers: ``"inf"``/``"-inf"`` back to floats."""
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_thaw(v) for v in obj]
    if obj in ("inf", "-inf"):
        return float(obj)
    return obj


def _plain(obj) -> Any:
    """Frozen values back to dicts and lists (numbers untouched)."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_plain(v) for v in obj]
    return obj


def _restore(state: dict) -> Estimate:
    return Estimate(**state)


def _canon(x: float):
    return "nan" if math.isnan(x) else x


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else (x if math.isfinite(x) else ("inf" if x > 0 else "-inf"))


def _unnum(x):
    if x is None:
        return float("nan")
    if x in ("inf", "-inf"):
        return float(x)
    return float(x)
