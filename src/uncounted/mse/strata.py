"""Summing stratum estimates into a total.

Strata are independent populations, so the total's uncertainty is that of a sum of independent
quantities. When every stratum has draws of the same kind, the total is summed draw by draw: the
draws of a sum are sums of draws. When the strata hold different numbers of draws (an lcmcr
stratum extended its chains, another did not), each stratum with fewer draws than the largest
count is resampled with replacement to that count, with a generator seeded from the strata's seed
and tables, so the total is still reproducible; the row's reasons say so. When no stratum has draws
(closed-form and maximum-likelihood methods), the point estimates are added and each interval
half-width is added in quadrature (a normal approximation, said in the row's reasons). When only
some strata have draws, the row names the strata without them.

Which route is taken depends on the estimates' ``draws`` and ``draws_kind``, never on the method's
name: with posterior draws the total's point estimate is the median of the summed draws; with
bootstrap draws it is the sum of the point estimates and the draws give the interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .result import Estimate
from .status import Reason

__all__ = ["common_draws", "sum_strata"]


def sum_strata(rows: Sequence[Estimate], table) -> Estimate:
    """The ``"total"`` row of stratum estimates of one method (see the module docstring).

    The total is not estimable when any stratum is not; it carries the worst status of its
    strata as a reason (``stratum_unreliable``, ``stratum_caution``).
    """
    first = rows[0]
    flat = table.collapse()
    bad = [r.stratum for r in rows if not r.estimable]
    if bad:
        return Estimate.not_estimable(first.method, flat,
                                      f"{len(bad)} of {len(rows)} strata not estimable: "
                                      f"{_listed(bad)}",
                                      code="strata_not_estimable", stratum="total",
                                      level=first.level, seed=first.seed)
    observed = int(sum(r.observed for r in rows))
    point = float(sum(r.estimate for r in rows))
    reasons: list[Reason] = []
    kinds = {r.draws_kind for r in rows if r.draws is not None and r.draws.size}
    has = [r.draws is not None and r.draws.size > 0 for r in rows]
    draws, kind = None, None
    if all(has) and len(kinds) == 1:
        kind = kinds.pop()
        seed = first.seed if first.seed is not None else 1
        draws, resampled = common_draws([r.draws for r in rows], seed,
                                        [r.input_hash or "" for r in rows])
        if resampled:
            reasons.append(Reason("strata_resampled", (
                f"the draws of {resampled} of {len(rows)} strata were resampled with replacement to "
                f"{draws.size:,} draws (the largest count) before summing")))
        alpha = (1 - first.level) / 2
        lo, hi = np.quantile(draws, [alpha, 1 - alpha])
        if kind == "posterior":
            point = float(np.median(draws))
    else:
        lo = point - math.sqrt(sum((r.estimate - r.lower) ** 2 for r in rows))
        hi = point + math.sqrt(sum((r.upper - r.estimate) ** 2 for r in rows))
        if any(has):
            missing = [str(r.stratum) for r, h in zip(rows, has, strict=True) if not h]
            why = (f"strata without draws: {_listed(missing)}" if missing
                   else "the strata's draws are of different kinds")
            reasons.append(Reason("strata_without_draws", f"{why}; the total adds the point "
                                  "estimates and the interval half-widths in quadrature (a normal "
                                  "approximation)"))
        else:
            reasons.append(Reason("total_normal_approximation", "total interval: the strata's "
                                  "half-widths added in quadrature (a normal approximation)"))
    reasons += _strata_status(rows)
    return Estimate(method=first.method, model="sum over strata", lists=flat.lists,
                    observed=observed, estimate=point, lower=max(float(lo), float(observed)),
                    upper=float(hi), level=first.level, stratum="total", seed=first.seed,
                    input_hash=table.input_hash(), draws=draws, draws_kind=kind,
                    reasons=tuple(reasons), diagnostics={"strata": len(rows)})


def common_draws(parts: Sequence[np.ndarray], seed: int, hashes: Sequence[str]
                 ) -> tuple[np.ndarray, int]:
    """Sum independent draws of several quantities; returns ``(draws, strata resampled)``.

    When every array has the same shape they are added as they are (chain by chain). Otherwise
    each is flattened and brought to the largest count by :func:`equal_counts`.
    """
    shapes = {np.shape(p) for p in parts}
    if len(shapes) == 1:
        return np.sum([np.asarray(p, dtype=float) for p in parts], axis=0), 0
    flat, resampled = equal_counts(parts, seed, hashes)
    out = np.zeros(flat[0].size)
    for f in flat:
        out += f
    return out.reshape(1, -1), resampled


def equal_counts(parts: Sequence[np.ndarray], seed: int, hashes: Sequence[str]
                 ) -> tuple[list[np.ndarray], int]:
    """``parts`` flattened, each with fewer draws than the largest count resampled with
    replacement to that count; returns ``(arrays, how many were resampled)``.

    The generator is ``numpy.random.SeedSequence([seed, *hashes])`` (hashes as hexadecimal
    integers), so the same inputs and seed give the same draws.
    """
    flat = [np.asarray(p, dtype=float).reshape(-1) for p in parts]
    n = max(f.size for f in flat)
    if all(f.size == n for f in flat):
        return flat, 0
    entropy = [int(seed)] + [int(h, 16) for h in hashes if h]
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    out, resampled = [], 0
    for f in flat:
        if f.size < n:
            f = rng.choice(f, size=n, replace=True)
            resampled += 1
        out.append(f)
    return out, resampled


def _strata_status(rows: Sequence[Estimate]) -> list[Reason]:
    out = []
    for level, code in (("unreliable", "stratum_unreliable"), ("caution", "stratum_caution")):
        names = [str(r.stratum) for r in rows if r.status == level]
        if names:
            out.append(Reason(code, f"{len(names)} of {len(rows)} strata are {level}: "
                                    f"{_listed(names)}"))
    return out


def _listed(names, most: int = 10) -> str:
    """The first ``most`` stratum labels, then how many more (a total over 3,000 strata named
    every one of them in its reason)."""
    names = [str(n) for n in names]
    more = len(names) - most
    return ", ".join(names[:most]) + (f" and {more:,} more" if more > 0 else "")
