"""Linkage uncertainty carried into the population estimate.

The clustering of a link run is one guess. :func:`sample_clusterings` draws other plausible ones:
each scored pair is joined with its match probability, independently, review decisions are
enforced (matches always joined, non-matches never in one cluster), and the persons are the
connected components. :func:`estimate_with_linkage_draws` fits an estimator on the capture table
of every draw and pools the results by Rubin's rules on the log scale: the total variance is the
mean within-draw variance plus (1 + 1/D) times the between-draw variance, and the between part is
the share of the interval due to linkage.

Independent edges are an approximation: transitivity is imposed afterwards by the components,
which merges more readily than a posterior over partitions would (Sadinle 2018 samples partitions
directly). Pairs below the stored floor (:data:`~uncounted.linkage.link.PAIR_FLOOR`) are never
joined.

References
----------
Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
https://doi.org/10.1002/9780470316696

Sadinle, M. (2018). Bayesian propagation of record linkage uncertainty into population size
estimation of human rights violations. *Annals of Applied Statistics* 12(2), 1013-1038.
https://doi.org/10.1214/18-AOAS1178
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ConfigError, ProjectError
from ..mse.api import estimate as run
from ..mse.result import Estimate
from ..mse.table import CaptureTable
from ..store import Store
from .cluster import Conflicts, assign, patterns_from_labels


def sample_clusterings(uids: pd.Index, left: np.ndarray, right: np.ndarray, prob: np.ndarray, *,
                       draws: int, seed: int, decisions: pd.DataFrame | None = None,
                       conflicts: Conflicts | None = None) -> Iterator[np.ndarray]:
    """Yield ``draws`` cluster labellings of ``uids`` (integer positions ``left``/``right``).

    Each edge is kept with probability ``prob`` (one uniform per edge and draw from
    ``numpy.random.default_rng(seed)``); decisions override and conflicting records are never
    joined, as in clustering.
    """
    if draws < 1:
        raise ConfigError("the number of linkage draws must be at least 1", value=draws)
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        keep = rng.random(len(prob)) < prob
        yield assign(uids, left[keep], right[keep], prob[keep], decisions, conflicts)


def run_inputs(store: Store, run_id: int | None = None):
    """(uids, list index per uid, list names, left, right, prob, decisions) of a link run."""
    run_id = store.runs.latest_id() if run_id is None else run_id
    if run_id is None:
        raise ProjectError("no link run in this project yet: run 'uncounted link DIR' first")
    recs = store.records.keys()
    lists = sorted(recs["list_name"].unique())
    uids = pd.Index(recs["uid"])
    pos = pd.Series(np.arange(len(uids)), index=uids)
    pairs = store.runs.pairs(run_id)
    pairs = pairs[pairs["uid_l"].isin(uids) & pairs["uid_r"].isin(uids)]
    list_index = recs["list_name"].map({n: j for j, n in enumerate(lists)}).to_numpy()
    return (uids, list_index, lists, pos[pairs["uid_l"]].to_numpy(),
            pos[pairs["uid_r"]].to_numpy(), pairs["match_probability"].to_numpy(float),
            store.decisions.in_force())


def draw_tables(store: Store, *, draws: int, seed: int = 1, run_id: int | None = None
                ) -> list[CaptureTable]:
    """Capture tables of ``draws`` sampled clusterings of a link run (unstratified)."""
    uids, list_index, lists, left, right, prob, decisions = run_inputs(store, run_id)
    conflicts = Conflicts.from_store(store)
    tables = []
    for i, labels in enumerate(sample_clusterings(uids, left, right, prob, draws=draws, seed=seed,
                                                  decisions=decisions, conflicts=conflicts)):
        tables.append(CaptureTable.from_patterns(patterns_from_labels(labels, list_index),
                                                 lists=lists, source=f"linkage draw {i + 1}"))
    return tables


def pool(estimates: Sequence[Estimate], *, level: float = 0.95, seed: int | None = None
         ) -> Estimate:
    """Pool estimates of the same method over linkage draws (Rubin's rules, log scale).

    The within-draw standard error of ``log N`` is read from each interval
    (``(log upper - log lower) / (2 z)``). Diagnostics carry the draws' estimates, the variance
    components and ``linkage_share``, the fraction of the total variance due to linkage.
    """
    ok = [e for e in estimates if e.estimable and e.lower > 0 and math.isfinite(e.upper)]
    if not ok:
        reason = estimates[0].reason if estimates else "no draws"
        return estimates[0].replace(reason=f"no draw was estimable: {reason}")
    d = len(ok)
    logs = np.log([e.estimate for e in ok])
    z = stats.norm.ppf(0.5 + ok[0].level / 2)
    within = np.mean([((math.log(e.upper) - math.log(e.lower)) / (2 * z)) ** 2 for e in ok])
    between = float(np.var(logs, ddof=1)) if d > 1 else 0.0
    total = within + (1 + 1 / d) * between
    if between > 0:
        dof = (d - 1) * (1 + within / ((1 + 1 / d) * between)) ** 2
        q = stats.t.ppf(0.5 + level / 2, dof)
    else:
        q = stats.norm.ppf(0.5 + level / 2)
    centre = float(np.mean(logs))
    share = (1 + 1 / d) * between / total if total > 0 else 0.0
    first = ok[0]
    diagnostics = {"linkage_draws": d, "linkage_share": share, "within_variance_log": within,
                   "between_variance_log": between, "draw_estimates": [e.estimate for e in ok],
                   "draw_observed": [e.observed for e in ok], "models": sorted({str(e.model) for e in ok})}
    return Estimate(method=first.method, model=f"pooled over {d} linkage draws",
                    lists=first.lists, observed=round(float(np.median([e.observed for e in ok]))),
                    estimate=math.exp(centre), lower=math.exp(centre - q * math.sqrt(total)),
                    upper=math.exp(centre + q * math.sqrt(total)), level=level, seed=seed,
                    diagnostics=diagnostics,
                    warnings=(f"{share:.0%} of the variance is due to linkage",),
                    draws=np.array([e.estimate for e in ok]), draws_kind="linkage")


def estimate_with_linkage_draws(store: Store, methods: Sequence[str] | str = "loglinear", *, draws: int,
                                seed: int = 1, level: float = 0.95, run_id: int | None = None,
                                progress=None, **options) -> list[Estimate]:
    """One pooled :class:`Estimate` per method over ``draws`` sampled clusterings."""
    tables = draw_tables(store, draws=draws, seed=seed, run_id=run_id)
    per_method: dict[str, list[Estimate]] = {}
    for i, table in enumerate(tables):
        for est in run(table, methods, level=level, seed=seed + i, **options):
            per_method.setdefault(est.method, []).append(est)
        if progress is not None:
            progress(i + 1, len(tables))
    return [pool(ests, level=level, seed=seed) for ests in per_method.values()]
