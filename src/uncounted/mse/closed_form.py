"""Closed-form estimators: Lincoln-Petersen (Chapman's form) and Chao's lower bound.

Both work from a few sums over the observed patterns (list totals, overlaps, how many lists caught
each person), so they run on any number of lists without building anything of size ``2**k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..exceptions import EstimationWarning
from ._stats import z_value
from ._validation import Check, Interval
from .base import Estimator
from .result import Estimate
from .status import not_estimable, warn
from .table import CaptureTable

__all__ = ["ChaoLowerBound", "ChaoResults", "LincolnPetersen", "LincolnPetersenResults",
           "lognormal_interval"]

LEVEL = [Interval("real", 0, 1, closed="neither")]


def lognormal_interval(observed: float, unseen: float, var: float, level: float) -> tuple[float, float]:
    """Interval for ``N = observed + unseen`` with ``unseen`` log-normal (Chao 1987, eq. 13).

    ``C = exp(z * sqrt(log(1 + var / unseen**2)))``; the interval is
    ``(observed + unseen / C, observed + unseen * C)``. It never goes below ``observed``.

    References
    ----------
    Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
    catchability. Biometrics 43(4):783-791. doi:10.2307/2531532
    """
    z = z_value(level)
    if unseen <= 0 or var <= 0:
        return float(observed + max(unseen, 0.0)), float(observed + max(unseen, 0.0))
    c = math.exp(z * math.sqrt(math.log1p(var / unseen**2)))
    return observed + unseen / c, observed + unseen * c


@dataclass(frozen=True)
class LincolnPetersenResults:
    """What Chapman's estimate was computed from: the two list totals, their overlap, the variance."""

    lists: tuple[str, str]
    n1: int
    n2: int
    m: int
    variance: float


class LincolnPetersen(Estimator):
    """Two-list estimator in Chapman's nearly unbiased form, with Seber's variance.

    ``N = (n1 + 1)(n2 + 1) / (m + 1) - 1`` and
    ``Var = (n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)^2 (m + 2))``; the interval is log-normal on
    the unseen part (Chao 1987), so it never falls below the number observed.

    Parameters
    ----------
    lists
        The two lists to use when the table has more than two (the others are marginalised out).
        Default: the table must have exactly two lists.
    level
        Interval level.

    References
    ----------
    Chapman, D. G. (1951). Some properties of the hypergeometric distribution with applications to
    zoological sample censuses. Univ. California Publ. Statist. 1:131-160.
    Seber, G. A. F. (1970). The effects of trap response on tag-recapture estimates. Biometrics 26:13-22.
    """

    cheap = True
    name = "lincoln-petersen"
    max_lists = 2
    _constraints: ClassVar[dict[str, list]] = {
        "lists": [None, Check(lambda v: not isinstance(v, str) and len(tuple(v)) == 2
                              and all(isinstance(x, str) for x in v), "a pair of list names")],
        "level": LEVEL,
    }

    def __init__(self, *, lists: Sequence[str] | None = None, level: float = 0.95):
        self.lists = lists
        self.level = level

    def _list_bounds(self):
        return (2, None) if self.lists is not None else (2, 2)

    def _hint_many(self) -> str:
        return ("Choose two with LincolnPetersen(lists=(a, b)), or use loglinear for more lists")

    def _fit(self, table: CaptureTable) -> Estimate:
        if self.lists is not None:
            missing = [x for x in self.lists if x not in table.lists]
            if missing:
                raise not_estimable("not_estimable", f"lists={tuple(self.lists)!r}: no list named "
                                    f"{', '.join(missing)}; the lists are {', '.join(table.lists)}")
            table = table.select(list(self.lists))
        c1, c2, c3 = table.counts_of([1, 2, 3]).tolist()
        n1, n2, m = c1 + c3, c2 + c3, c3
        n_hat = (n1 + 1) * (n2 + 1) / (m + 1) - 1
        var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        observed = table.observed
        lo, hi = lognormal_interval(observed, n_hat - observed, var, self.level)
        if m < 7:
            warn("few_in_common", f"only {m} individuals are on both lists; Chapman's estimate is "
                 "unstable below about 7 (Robson & Regier 1964)", EstimationWarning)
        results = LincolnPetersenResults(lists=tuple(table.lists), n1=n1, n2=n2, m=m, variance=var)
        return Estimate(method=self.name, model="Chapman", lists=table.lists, observed=observed,
                        estimate=n_hat, lower=lo, upper=hi, level=self.level,
                        diagnostics={"n1": n1, "n2": n2, "m": m, "se": math.sqrt(var)},
                        results=results)


@dataclass(frozen=True)
class ChaoResults:
    """What Chao's bound was computed from: ``f[i]`` people on exactly ``i`` lists, the estimated
    number unseen ``f0`` and its variance."""

    f: np.ndarray
    f0: float
    variance: float
    bias_corrected: bool


class ChaoLowerBound(Estimator):
    """Chao's lower bound from the numbers caught exactly once and exactly twice.

    With ``t`` lists, ``S`` observed, ``f1`` seen on one list and ``f2`` on two,
    ``N = S + ((t - 1) / t) f1^2 / (2 f2)`` (Chao 1987, model Mh). When ``f2 = 0`` the bias-corrected
    form ``S + ((t - 1) / t) f1 (f1 - 1) / (2 (f2 + 1))`` is used (Chao 1989). The variance is
    Chao's (1987) delta-method variance; the interval is log-normal on the unseen part.

    It is a lower bound under heterogeneous catchability, not an estimate of N.

    Parameters
    ----------
    level
        Interval level.
    bias_corrected
        Use the bias-corrected form: always (True), never (False), or when ``f2 = 0`` (None).

    References
    ----------
    Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
    catchability. Biometrics 43(4):783-791. doi:10.2307/2531532
    Chao, A. (1989). Estimating population size for sparse data in capture-recapture experiments.
    Biometrics 45(2):427-438. doi:10.2307/2531487
    """

    cheap = True
    name = "chao"
    _constraints: ClassVar[dict[str, list]] = {"level": LEVEL, "bias_corrected": [None, bool]}

    def __init__(self, *, level: float = 0.95, bias_corrected: bool | None = None):
        self.level = level
        self.bias_corrected = bias_corrected

    def _fit(self, table: CaptureTable) -> Estimate:
        f = table.times_caught()
        t = table.k
        s = table.observed
        f1, f2 = float(f[1]), float(f[2])
        a = (t - 1) / t
        corrected = self.bias_corrected if self.bias_corrected is not None else f2 == 0
        if f1 == 0:
            f0, var = 0.0, 0.0
            model = "Mh lower bound (bias-corrected)" if corrected else "Mh lower bound"
        elif corrected:
            f0 = a * f1 * (f1 - 1) / (2 * (f2 + 1))
            var = (a * f1 * (f1 - 1) / (2 * (f2 + 1))
                   + a**2 * f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2)
                   + a**2 * f1**2 * f2 * (f1 - 1) ** 2 / (4 * (f2 + 1) ** 4))
            model = "Mh lower bound (bias-corrected)"
        elif f2 == 0:
            raise not_estimable("not_estimable", "no one is on exactly two lists (f2 = 0), so the "
                                "uncorrected bound is infinite; use bias_corrected=None or True")
        else:
            r = f1 / f2
            f0 = a * f1**2 / (2 * f2)
            var = f2 * (a**2 * r**4 / 4 + a**2 * r**3 + a * r**2 / 2)
            model = "Mh lower bound"
        lo, hi = lognormal_interval(s, f0, var, self.level)
        results = ChaoResults(f=f, f0=f0, variance=var, bias_corrected=bool(corrected))
        return Estimate(method=self.name, model=model, lists=table.lists, observed=s, estimate=s + f0,
                        lower=lo, upper=hi, level=self.level,
                        diagnostics={"f1": int(f1), "f2": int(f2), "se": math.sqrt(var)},
                        results=results)
