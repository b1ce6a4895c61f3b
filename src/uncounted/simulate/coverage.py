"""Coverage studies: run an estimator on many simulated capture tables with known N.

For each replicate ``r`` a capture table is drawn from the scenario with its own seed (derived from
the study seed and ``r``, so a replicate gives the same table whatever the number of workers), the
method is fitted, and the estimate is compared with the true population size. The summary reports
bias, relative error, interval width and the share of intervals that contain N (coverage), with the
Monte Carlo standard error of the coverage, ``sqrt(c (1 - c) / R)``.

References
----------
Morris, T. P., White, I. R. & Crowther, M. J. (2019). Using simulation studies to evaluate
statistical methods. *Statistics in Medicine* 38(11):2074-2102. doi:10.1002/sim.8086
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, UncountedWarning
from ..mse.api import estimate
from ..mse.checks import chao_mth_bound, table_facts
from ..mse.registry import make_estimator
from ..mse.table import CaptureTable, popcount
from .api import resolve_scenario, simulate_capture_table
from .scenario import Scenario

ROW_COLUMNS = ["replicate", "seed", "truth", "observed", "estimate", "lower", "upper", "covered",
               "estimable", "reason", "warnings", "status", "reason_codes", "recaptured", "f1", "f2",
               "smallest_list", "dependence", "negative_dependence", "chao_mth"]
#: Facts of each replicate's table (:func:`uncounted.mse.checks.table_facts`) kept in its row, so a
#: study can show coverage against them: people on 2+ lists, Chao's f1 and f2, the smallest list's
#: size, and the strongest pairwise dependence, positive and negative (the largest
#: ``log OR - 1.96 se`` and ``-log OR - 1.96 se``: above ``log 4`` means beyond 4 or 1/4 with 95%
#: confidence), and Chao's bound allowing lists of different sizes
#: (:func:`~uncounted.mse.checks.chao_mth_bound`, NaN where it has none).
FACT_COLUMNS = ROW_COLUMNS[-7:]


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` in a study seeded ``seed`` (independent streams)."""
    return int(np.random.SeedSequence([int(seed), int(replicate)]).generate_state(1)[0])


@dataclass(frozen=True)
class CoverageResult:
    """Per-replicate results of a coverage study and their summary.

    Attributes
    ----------
    scenario, method, seed, level
        What was run.
    truth
        The true population size N.
    rows
        One row per replicate, columns :data:`ROW_COLUMNS`.
    options
        Estimator options used (besides ``level`` and ``seed``).
    """

    scenario: str
    method: str
    seed: int
    level: float
    truth: int
    rows: pd.DataFrame
    options: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Bias, relative bias, RMSE, mean absolute relative error, interval width and coverage.

        Computed over the estimable replicates; ``not_estimable`` counts the others.
        """
        ok = self.rows[self.rows["estimable"]]
        n_ok = len(ok)
        out: dict[str, Any] = {"scenario": self.scenario, "method": self.method, "truth": self.truth,
                               "replicates": len(self.rows), "not_estimable": len(self.rows) - n_ok,
                               "level": self.level,
                               "reasons": self.rows.loc[~self.rows["estimable"], "reason"]
                               .value_counts().head(3).to_dict()}
        if n_ok == 0:
            return out | {k: math.nan for k in ("mean_observed", "mean_estimate", "bias",
                                                "relative_bias", "relative_rmse",
                                                "mean_abs_relative_error", "mean_width",
                                                "relative_width", "coverage", "coverage_se")}
        out["by_status"] = {
            st: {"replicates": int(len(g)), "coverage": float(g["covered"].mean())}
            for st, g in ok.groupby("status", sort=False)} if "status" in ok else {}
        n = float(self.truth)
        err = ok["estimate"].to_numpy(float) - n
        width = (ok["upper"] - ok["lower"]).to_numpy(float)
        cov = float(ok["covered"].mean())
        return out | {
            "mean_observed": float(ok["observed"].mean()),
            "mean_estimate": float(ok["estimate"].mean()),
            "bias": float(err.mean()),
            "relative_bias": float(err.mean() / n),
            "relative_rmse": float(np.sqrt(np.mean(err**2)) / n),
            "mean_abs_relative_error": float(np.mean(np.abs(err)) / n),
            "mean_width": float(np.mean(width)),
            "relative_width": float(np.mean(width) / n),
            "coverage": cov,
            "coverage_se": math.sqrt(cov * (1 - cov) / n_ok),
        }


def miss_links(table, rate: float, seed: int):
    """``table`` as imperfect linkage would leave it: each person on two or more lists is, with
    probability ``rate``, not linked across them and counted once per list (a missed match)."""
    if rate <= 0:
        return table
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x11A4]))
    counts = table.dense_counts().copy()
    for pattern in np.flatnonzero(counts):
        if popcount(np.array([pattern], dtype=np.uint64))[0] < 2:
            continue
        split = rng.binomial(int(counts[pattern]), rate)
        counts[pattern] -= split
        for j in range(table.k):
            if pattern >> j & 1:
                counts[1 << j] += split
    return CaptureTable.from_counts(counts, lists=list(table.lists), source=table.source)


def _one(scn: Scenario, method: str, options: Mapping[str, Any], level: float, replicate: int,
         seed: int, missed_links: float = 0.0) -> dict[str, Any]:
    """Run one replicate (module-level so worker processes can run it)."""

    table = miss_links(simulate_capture_table(seed=seed, scenario=scn), missed_links, seed)
    truth = scn.population.size
    facts = _facts(table)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UncountedWarning)
            est = estimate(table, method, level=level, seed=seed, **dict(options))[0]
    except Exception as err:  # noqa: BLE001 - a failing replicate is a result, reported with its reason
        nan = float("nan")
        return {"replicate": replicate, "seed": seed, "truth": truth, "observed": table.observed,
                "estimate": nan, "lower": nan, "upper": nan, "covered": False, "estimable": False,
                "reason": f"failed: {type(err).__name__}: {err}", "warnings": "",
                "status": "not_estimable", "reason_codes": "failed"} | facts
    covered = bool(est.estimable and est.lower <= truth <= est.upper)
    return {"replicate": replicate, "seed": seed, "truth": truth, "observed": table.observed,
            "estimate": est.estimate, "lower": est.lower, "upper": est.upper, "covered": covered,
            "estimable": bool(est.estimable), "reason": est.reason or "",
            "warnings": "; ".join(est.warnings), "status": est.status,
            "reason_codes": ",".join(r.code for r in est.reasons)} | facts


def _facts(table) -> dict[str, Any]:
    if table.observed == 0:
        return dict.fromkeys(FACT_COLUMNS, math.nan)
    f = table_facts(table)
    pos = max((d.log_or - 1.96 * d.se for d in f.dependence), default=math.nan)
    neg = max((-d.log_or - 1.96 * d.se for d in f.dependence), default=math.nan)
    return {"recaptured": f.recaptured, "f1": f.f1, "f2": f.f2, "smallest_list": f.smallest_list[1],
            "dependence": pos, "negative_dependence": neg,
            "chao_mth": math.nan if (m := chao_mth_bound(table)) is None else m}


def run_coverage(scenario: Scenario | str | Path, method: str, replicates: int, *, seed: int = 1,
                 jobs: int | None = None, level: float = 0.95, population: int | None = None,
                 lists: int | None = None, options: Mapping[str, Any] | None = None,
                 progress: Callable[[int], None] | None = None,
                 missed_links: float = 0.0) -> CoverageResult:
    """Run ``method`` on ``replicates`` simulated capture tables and compare with the truth.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a TOML file, or a packaged name (``independent``, ``heterogeneous`` ...).
    method
        An estimator name from :mod:`uncounted.mse.registry` (``chao``, ``loglinear`` ...).
    replicates
        Number of simulated tables.
    seed
        Study seed; replicate ``r`` uses :func:`replicate_seed(seed, r) <replicate_seed>` both for
        its table and as the estimator's seed, so results do not depend on ``jobs``.
    jobs
        Worker processes (default: the available cores); 1 runs in this process.
    level
        Interval level.
    population, lists
        Override the scenario's population size and number of lists.
    options
        Other estimator options (``selection``, ``max_order``, ``chains``, ``n_draws`` ...).
    progress
        Called with the number of replicates finished so far, after each one.
    missed_links
        Share of the people on two or more lists whose records linkage fails to join (each is
        then counted once per list; :func:`miss_links`): what thin overlaps are fragile to.
    """

    scn = resolve_scenario(scenario, population, lists)
    if replicates < 1:
        raise InputError(f"--replicates must be at least 1; got {replicates}", column="--replicates",
                         value=replicates)
    options = dict(options or {})
    make_estimator(method, **options)  # an unknown method or option fails here, listing valid ones
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    jobs = max(1, min(jobs or _cores(), replicates))
    results: list[dict[str, Any] | None] = [None] * replicates
    if jobs == 1:
        for r, s in enumerate(seeds):
            results[r] = _one(scn, method, options, level, r, s, missed_links)
            if progress:
                progress(r + 1)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_one, scn, method, options, level, r, s, missed_links): r
                       for r, s in enumerate(seeds)}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done)
    rows = pd.DataFrame(results, columns=ROW_COLUMNS)
    return CoverageResult(scenario=scn.name, method=method, seed=int(seed), level=level,
                          truth=scn.population.size, rows=rows, options=options)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
