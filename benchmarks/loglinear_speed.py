"""Time the log-linear model search for 4, 5 and 6 lists.

Run by hand from the repository root::

    PYTHONPATH=src python benchmarks/loglinear_speed.py [--repeat 3]

For each table it times (best of ``--repeat`` runs, wall clock):

- ``search``: fitting every model of the search (all hierarchical models up to order k-1 for
  k <= 5, the add/drop stepwise BIC search for 6 lists) with the vectorised IRLS, and BIC selection;
- ``full fit``: ``LogLinear(selection="bic").fit`` including the profile-likelihood interval;
- ``statsmodels loop``: the same models fitted one by one with ``statsmodels`` GLM, timed on a
  sample of models and scaled to the whole search (a reference run in this script);
- ``Rcapture``: the wall time of Rcapture 1.4-4 ``closedpMS.t`` + ``closedpCI.t`` quoted from
  ``shared/data/mse/README.md`` (R 4.2.2, measured 2026-11 on a noisy 2-core machine). R is not
  installed here, so that column is quoted, not measured.

The 6-list row also times the exhaustive search restricted to pairwise interactions
(``max_order=2``: 32,768 models), to show how the batched fitter scales.

A second table times SparseMSE's stepwise procedure (``LogLinear(selection="stepwise")``, Wald
interval) against SparseMSE 2.0.1 ``estimatepopulation.0(X, method = "stepwise")``, whose wall
times are quoted from the README (R not installed here); ours are best-of wall and CPU (process)
time, since on a shared machine the wall clock mostly measures the other jobs. A third times the
20-list stratum ``verdata_reclutamiento_r1_hombre_1999`` (shared data; factored fits), every
selection, with its peak memory (``tracemalloc``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from uncounted.mse import models, read_capture_table
from uncounted.mse.glm import fit_poisson
from uncounted.mse.loglinear import LogLinear

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "mse"
#: Rcapture best-BIC search + profile interval, seconds (shared/data/mse/README.md).
RCAPTURE_SECONDS = {"lcmcr_kosovo_aggregate": 1.1, "sparsemse_ukdat_5": 77.8,
                    "sparsemse_western": 60.9, "sparsemse_neworl_5": 49.4}
#: SparseMSE stepwise + Wald, seconds (shared/data/mse/README.md).
SPARSEMSE_SECONDS = {"sparsemse_ukdat_5": 0.2, "sparsemse_ukdat": 0.3, "sparsemse_neworl": 0.6,
                     "lcmcr_kosovo_aggregate": 0.1}
STRATUM = (Path(os.environ.get("UNCOUNTED_SHARED",
                               Path(__file__).resolve().parent.parent.parent / "shared"))
           / "data" / "mse" / "verdata_reclutamiento_r1_hombre_1999.csv")
TABLES = ["lcmcr_kosovo_aggregate", "sparsemse_ukdat_5", "sparsemse_western",
          "sparsemse_neworl_5", "sparsemse_ned_5", "sparsemse_ukdat"]


def best_of(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def search_once(table, max_order=None):
    k = table.k
    order = max_order or k - 1
    cols = models.columns(k, order)
    X = models.design_matrix(k, cols)
    y = table.dense_counts()[1:].astype(float)
    masks = models.hierarchical_models(k, order)
    fits = fit_poisson(X, y, masks)
    return masks, int(np.argmin(fits.bic(table.observed)))


def statsmodels_per_model(table, masks, sample=60):
    import statsmodels.api as sm

    k = table.k
    X = models.design_matrix(k, models.columns(k, k - 1 if masks.shape[1] > 1 + k + k * (k - 1) // 2
                                               else 2))
    y = table.dense_counts()[1:].astype(float)
    rng = np.random.default_rng(0)
    pick = rng.choice(masks.shape[0], size=min(sample, masks.shape[0]), replace=False)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in pick:
            sm.GLM(y, X[:, masks[i]], family=sm.families.Poisson()).fit()
    return (time.perf_counter() - t0) / len(pick)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          "(shared with other jobs), numpy", np.__version__)
    head = (f"{'table':<24}{'k':>3}{'models':>8}{'search s':>10}{'full fit s':>12}"
            f"{'statsmodels s':>15}{'Rcapture s':>12}{'vs R':>8}  model")
    print(head)
    print("-" * len(head))
    for name in TABLES:
        t = read_capture_table(DATA / f"{name}.csv")
        full, est = best_of(lambda t=t: LogLinear(selection="bic").fit(t), args.repeat)
        if t.k <= 5:
            search, (masks, _) = best_of(lambda t=t: search_once(t), args.repeat)
            nmodels = masks.shape[0]
            sm_total = statsmodels_per_model(t, masks) * nmodels
        else:
            search, nmodels = full, est.diagnostics["models_compared"]
            sm_total = float("nan")
        r = RCAPTURE_SECONDS.get(name)
        ratio = f"{r / full:>7.0f}x" if r else f"{'':>8}"
        rs = f"{r:>12.1f}" if r else f"{'—':>12}"
        print(f"{name:<24}{t.k:>3}{nmodels:>8}{search:>10.2f}{full:>12.2f}{sm_total:>15.1f}{rs}"
              f"{ratio}  {est.model} N={est.estimate:,.0f}")
        if t.k == 6:
            s2, (m2, _) = best_of(lambda t=t: search_once(t, max_order=2), 1)
            print(f"{name + ' (max_order=2)':<24}{t.k:>3}{m2.shape[0]:>8}{s2:>10.2f}  exhaustive "
                  "pairwise-only search")
    print("\nsearch: all models fitted + BIC; full fit: search + profile-likelihood interval.")
    print("statsmodels: one GLM per model, per-model time from a 60-model sample x models.")
    print("Rcapture: quoted from shared/data/mse/README.md (R not installed here).")
    stepwise_table(args.repeat)
    stratum_table()


def best_wall_cpu(fn, repeat):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def stepwise_table(repeat):
    print("\nSparseMSE stepwise (pthresh 0.02, Wald interval)")
    head = (f"{'table':<24}{'k':>3}{'wall s':>9}{'cpu s':>8}{'SparseMSE s':>13}{'vs R wall':>11}"
            f"{'vs R cpu':>10}  estimate")
    print(head)
    print("-" * len(head))
    for name, r in SPARSEMSE_SECONDS.items():
        t = read_capture_table(DATA / f"{name}.csv")
        LogLinear(selection="stepwise").fit(t)
        wall, cpu, e = best_wall_cpu(lambda t=t: LogLinear(selection="stepwise").fit(t),
                                     max(repeat, 5))
        print(f"{name:<24}{t.k:>3}{wall:>9.3f}{cpu:>8.3f}{r:>13.1f}{r / wall:>10.1f}x"
              f"{r / cpu:>9.1f}x  {e.estimate:,.0f} ({e.lower:,.0f}-{e.upper:,.0f})")


def stratum_table():
    import tracemalloc

    if not STRATUM.exists():
        print(f"\n(20-list stratum not run: {STRATUM} not found)")
        return
    t = read_capture_table(STRATUM)
    print(f"\n20-list stratum {STRATUM.name}: {t.observed} people, {t.patterns.size} patterns")
    head = f"{'selection':<14}{'wall s':>8}{'cpu s':>8}{'peak MB':>9}{'models':>8}  estimate"
    print(head)
    print("-" * len(head))
    for sel in ("stepwise", "bic", "aic", "average-bic"):
        tracemalloc.start()
        wall, cpu, e = best_wall_cpu(lambda sel=sel: LogLinear(selection=sel).fit(t), 1)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"{sel:<14}{wall:>8.1f}{cpu:>8.1f}{peak:>9.0f}{e.diagnostics['models_compared']:>8}"
              f"  {e.estimate:,.0f} ({e.lower:,.0f}-{e.upper:,.0f}) {e.model}")


if __name__ == "__main__":
    main()
