"""Facts about a capture table that bear on whether an estimate from it can be trusted.

:func:`table_facts` reads a :class:`~uncounted.mse.table.CaptureTable` once and returns a
:class:`TableFacts`: list sizes, pairwise overlaps, how many people are on two or more lists, Chao's
``f1``/``f2``, and the odds ratio of each pair of lists among the people the *other* lists caught.
It decides nothing: :func:`uncounted.mse.status.decide` turns the facts into reasons and a status,
with the thresholds and references given there.

Why these facts:

- **Overlaps.** Every multiple-systems estimate extrapolates from the people seen on more than one
  list to those seen on none. With a handful of people in common the extrapolation rests on a few
  counts (for two lists, Chapman's estimate is unstable below about 7 in common; Robson & Regier
  1964), and in a table with thousands of records the few people in common may as well be errors of
  linkage.
- **Chao's f1 and f2.** The lower bound is ``f1**2 / (2 f2)``: with ``f2`` near zero it explodes
  (103 million from 20,550 records with f2 = 1; Chao 1987, 1989).
- **Pairwise odds ratios among those caught by the other lists.** Among people some third list
  caught, whether they are on list A and on list B is fully observed, so the 2x2 table of A by B
  estimates their dependence (the argument of Bishop, Fienberg & Holland 1975, ch. 6, for testing
  pairwise interaction in an incomplete table). Methods that assume independent lists (Chao's Mh
  bound, Lincoln-Petersen) are biased by it: low for positive dependence, high for negative.
- **List sizes.** A list of a few records adds a dimension to the table and almost no information.
- **Chao's bound when the lists differ** (:func:`chao_mth_bound`). Chao's bound assumes every list
  catches a given person with the same probability (model Mh). Written as a log-linear model
  (Rivest & Baillargeon 2007) it is the model whose counts are log-linear in the number of lists
  that caught a person for up to two lists, free beyond; adding one main effect per list gives the
  same bound under model Mth, where lists may catch at different rates. When one list is much
  larger than the others, almost everyone it holds is seen once, ``f1`` is large and ``f2`` small
  for reasons that have nothing to do with who is missed, and the Mh bound overshoots; the Mth
  bound does not.

References
----------
Robson, D. S. & Regier, H. A. (1964). Sample size in Petersen mark-recapture experiments.
Transactions of the American Fisheries Society 93(3):215-226.
Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
catchability. Biometrics 43(4):783-791. doi:10.2307/2531532
Bishop, Y. M. M., Fienberg, S. E. & Holland, P. W. (1975). *Discrete Multivariate Analysis*, ch. 6.
Rivest, L.-P. & Baillargeon, S. (2007). Applications and extensions of Chao's moment estimator for
the size of a closed population. Biometrics 63(4):999-1006. doi:10.1111/j.1541-0420.2007.00779.x
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .glm import newton_poisson
from .table import CaptureTable

__all__ = ["MTH_MAX_LISTS", "PairDependence", "TableFacts", "chao_mth_bound", "table_facts"]

#: :func:`chao_mth_bound` fits the full ``2**k`` table: up to this many lists (4,095 cells).
MTH_MAX_LISTS = 12


@dataclass(frozen=True)
class PairDependence:
    """The odds ratio of lists ``a`` and ``b`` among the people the other lists caught.

    ``log_or`` uses the counts plus 1/2 (Haldane's correction, so an empty cell gives a finite
    value) and ``se`` is Woolf's standard error of it; ``n`` is how many people the 2x2 table holds.
    """

    a: str
    b: str
    n: int
    log_or: float
    se: float

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.log_or)

    def beyond(self, limit: float, z: float = 1.96) -> bool:
        """Whether the odds ratio's interval at ``z`` lies beyond ``limit`` or below ``1/limit``."""
        edge = math.log(limit)
        return self.log_or - z * self.se > edge or self.log_or + z * self.se < -edge


@dataclass(frozen=True)
class TableFacts:
    """What :func:`table_facts` found (see the module docstring)."""

    observed: int
    lists: tuple[str, ...]
    list_totals: tuple[int, ...]
    overlaps: dict[tuple[str, str], int]
    f1: int
    f2: int
    dependence: tuple[PairDependence, ...]

    @property
    def recaptured(self) -> int:
        """People on two or more lists."""
        return self.observed - self.f1

    @property
    def smallest_list(self) -> tuple[str, int]:
        i = int(np.argmin(self.list_totals))
        return self.lists[i], int(self.list_totals[i])


def table_facts(table: CaptureTable) -> TableFacts:
    """The facts of ``table`` (collapsed over strata), from one pass over its observed patterns."""
    if table.is_stratified:
        table = table.collapse()
    b = table.bits().astype(np.int64)
    c = table.pattern_counts.astype(np.int64)
    both = (b * c[:, None]).T @ b
    k = table.k
    f = table.times_caught()
    overlaps = {(table.lists[i], table.lists[j]): int(both[i, j])
                for i in range(k) for j in range(i + 1, k)}
    dep = []
    if k >= 3:
        # Among the people some list other than a and b caught (times caught minus their a and b
        # bits >= 1), all four cells of a by b are observed. For a pattern caught s times: a person
        # on both counts when s >= 3, on one of them when s >= 2, on neither always.
        s = b.sum(axis=1)
        nb = 1 - b
        w3, w2 = c * (s >= 3), c * (s >= 2)
        n11 = (b * w3[:, None]).T @ b
        n10 = (b * w2[:, None]).T @ nb
        n00 = (nb * c[:, None]).T @ nb
        iu, ju = np.triu_indices(k, 1)
        cells = np.stack([n11[iu, ju], n10[iu, ju], n10[ju, iu], n00[iu, ju]]).astype(float)
        n = cells.sum(axis=0)
        cells += 0.5
        log_or = np.log(cells[0] * cells[3] / (cells[1] * cells[2]))
        se = np.sqrt((1.0 / cells).sum(axis=0))
        dep = [PairDependence(table.lists[i], table.lists[j], int(m), float(lo), float(e))
               for i, j, m, lo, e in zip(iu.tolist(), ju.tolist(), n.tolist(), log_or.tolist(),
                                         se.tolist(), strict=True)]
    return TableFacts(observed=int(table.observed), lists=tuple(table.lists),
                      list_totals=tuple(int(x) for x in np.diag(both)), overlaps=overlaps,
                      f1=int(f[1]) if f.size > 1 else 0, f2=int(f[2]) if f.size > 2 else 0,
                      dependence=tuple(dep))


def chao_mth_bound(table: CaptureTable) -> float | None:
    """Chao's lower bound under model Mth: lists may catch at different rates (Rivest & Baillargeon
    2007).

    The Poisson log-linear model of the ``2**k - 1`` observed-pattern counts with an intercept, one
    main effect per list, and one free term for each number of lists ``s >= 3`` (patterns caught by
    ``s`` lists with ``f_s = 0`` are left out, which is where that term's estimate would go). The
    bound is the number observed plus the fitted count of the unobserved pattern, ``exp``
    (intercept). Without the main effects (one slope in ``s`` instead) the same model gives
    Chao's Mh bound ``S + (t - 1) f1**2 / (2 t f2)`` exactly; with two lists it is Petersen's
    estimate. On a table of expected counts from independent lists of any sizes it returns N.

    Returns None when the table has more than :data:`MTH_MAX_LISTS` lists, when no one is on exactly
    two lists (``f2 = 0``: the bound is infinite under either model) or when the fit does not
    converge to a finite intercept.
    """
    if table.is_stratified:
        table = table.collapse()
    k = table.k
    f = table.times_caught()
    if k < 2 or k > MTH_MAX_LISTS or f.size < 3 or f[2] == 0 or f[1] == 0:
        return None
    y = table.dense_counts(MTH_MAX_LISTS)[1:].astype(float)
    bits = ((np.arange(1, 2**k)[:, None] >> np.arange(k)) & 1).astype(float)
    s = bits.sum(axis=1).astype(int)
    keep = (s <= 2) | (f[np.minimum(s, k)] > 0)
    free = [m for m in range(3, k + 1) if f[m] > 0]
    X = np.column_stack([np.ones(len(s)), bits] + [(s == m).astype(float) for m in free])[keep]
    fit = newton_poisson(X, y[keep])
    n0 = math.exp(fit.coef[0]) if math.isfinite(fit.coef[0]) else math.inf
    if not (fit.converged and math.isfinite(n0)):
        return None
    return float(table.observed + n0)
