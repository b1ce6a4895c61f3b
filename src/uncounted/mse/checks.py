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

References
----------
Robson, D. S. & Regier, H. A. (1964). Sample size in Petersen mark-recapture experiments.
Transactions of the American Fisheries Society 93(3):215-226.
Chao, A. (1987). Estimating the population size for capture-recapture data with unequal
catchability. Biometrics 43(4):783-791. doi:10.2307/2531532
Bishop, Y. M. M., Fienberg, S. E. & Holland, P. W. (1975). *Discrete Multivariate Analysis*, ch. 6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .table import CaptureTable

__all__ = ["PairDependence", "TableFacts", "table_facts"]


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
