"""Speed of the Bayesian estimators against R's reference timings. Run by hand:

    PYTHONPATH=src python benchmarks/bayes_speed.py [--verdata]

Prints four tables:
1. lcmcr: iterations per second per chain on Kosovo (K = 10), one thread, wall and CPU, for the
   paper's plain Gibbs sweep (as in R LCMCR), the sweep with the collapsed move, and the default
   (collapsed + HMC moves), against R LCMCR 0.4.14; and the effective draws of N per 1,000
   iterations from long runs, since an iteration of the default sampler does more work.
2. lcmcr: the issue's measure, wall and CPU seconds until the bulk and tail ESS of N both reach
   1,000 on Kosovo, 4 chains on 2 threads, burn-in and compilation-free, for seeds 1-5 (the
   chains are extended round by round until the target is reached, as ``target_ess`` does).
3. dga: time of the exact average over all decomposable graphs, against R dga 2.0.2.
4. lcmcr on the 20-list verdata stratum (issue 14): iterations per second at verdata's K = 15
   against R's 744 s for 5.01M iterations, and the default fit's convergence, median and
   interval against R's, wall and CPU seconds and peak memory (``--verdata``: this section alone).

R is not installed here: the R figures are quoted from issue 3 and from the R reference table in
shared/data/mse/README.md (R 4.2.2, measured 2026-11 on a noisy 2-core machine of the same kind):
LCMCR at HRDAG's production settings (5M iterations) took 100.3 s on Kosovo (50,000 it/s); its
help-example setting (110,000 iterations) took 1.5 s (73,000 it/s, including R's start-up of the
sampler); dga on UKdat_5 (5 lists) took 2.1 s, NewOrl_5 0.2 s, Western 0.3 s, Kosovo (4 lists) 0.1 s.
"""

from __future__ import annotations

import os
import platform
import resource
import time
import warnings
from pathlib import Path

import numpy as np

from uncounted.exceptions import ConvergenceWarning
from uncounted.mse import read_capture_table
from uncounted.mse.dga import GraphAveraging
from uncounted.mse.lcmcr import LatentClass, observed_patterns

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse"
R_LCMCR_PROD_ITS = 5_000_000 / 100.3
R_LCMCR_HELP_ITS = 110_000 / 1.5
R_DGA = {"sparsemse_ukdat_5": 2.1, "sparsemse_neworl_5": 0.2, "sparsemse_western": 0.3,
         "lcmcr_kosovo_aggregate": 0.1}


# (label, collapsed_steps, hmc_steps, label_swaps, thin, draws per chain added per round when
# running to an ESS target: ~25,000 iterations for the sweeps, ~1,250 for the default)
SAMPLERS = (("plain sweep (R LCMCR's)", 0, 0, 0, 50, 500), ("+ collapsed move", 1, 0, 0, 50, 500),
            ("default: + HMC, swaps, split", 1, 40, 10, 5, 250))
SPLIT_MERGE = {0: 0, 40: 1}  # split-merge tries per iteration, by hmc_steps (default sampler: 1)
VERDATA = Path("/work/shared/data/mse/verdata_reclutamiento_r1_hombre_1999.csv")
#: R LCMCR at verdata's production settings (K = 15, 10,000 burn-in + 10,000 x 500 iterations, one
#: chain) on the 20-list stratum: 744 s (issue 14), i.e. 5.01M iterations / 744 s.
R_VERDATA_ITS = 5_010_000 / 744


def iterations_per_second(table, collapsed_steps, hmc_steps, label_swaps, iterations, repeats=3,
                          k_max=10):
    """Best of ``repeats`` single-thread runs: (iterations per wall second, per CPU second)."""
    from uncounted.mse._lcmcr_kernels import run_chain, state_size

    bits, counts = observed_patterns(table)

    def run(burn, samples, seed):
        return run_chain(bits, counts, k_max, burn, samples, 1, 0.25, 0.25, seed, collapsed_steps,
                         hmc_steps, label_swaps, np.zeros(state_size(k_max, bits.shape[1])),
                         SPLIT_MERGE[hmc_steps])

    run(10, 10, 1)  # compile
    best_wall = best_cpu = np.inf
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run(0, iterations, 100 + r)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return iterations / best_wall, iterations / best_cpu


def ess_per_iteration(table, collapsed_steps, hmc_steps, label_swaps, thin, iterations):
    """Bulk ESS of N per 1,000 iterations from 4 chains x ``iterations`` on 2 threads (seed 7)."""
    est = LatentClass(n_draws=iterations // thin, thin=thin, burn_in=2_000, chains=4, seed=7,
                      workers=2, collapsed_steps=collapsed_steps, hmc_steps=hmc_steps,
                      label_swaps=label_swaps, split_merge=SPLIT_MERGE[hmc_steps], target_ess=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        d = est.fit(table).diagnostics
    return 1000 * min(d["ess_bulk"], d["ess_tail"]) / (4 * iterations)


def time_to_ess(table, seed, collapsed_steps, hmc_steps, label_swaps, thin, rounds, target=1000):
    """Wall and CPU seconds until the bulk and tail ESS of N reach ``target``, adding ``rounds``
    draws per chain at a time; and the fit."""
    est = LatentClass(n_draws=rounds, thin=thin, burn_in=2_000, chains=4, seed=seed, workers=2,
                      collapsed_steps=collapsed_steps, hmc_steps=hmc_steps,
                      label_swaps=label_swaps, split_merge=SPLIT_MERGE[hmc_steps], target_ess=target,
                      max_draws=rounds * 200)
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = est.fit(table)
    return time.perf_counter() - t0, time.process_time() - c0, fit


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
          f"{platform.python_version()}, load average {os.getloadavg()} at start; "
          "R figures quoted, not measured here; CPU seconds are this process's (all threads)\n")
    kosovo = read_capture_table(DATA / "lcmcr_kosovo_aggregate.csv")

    t0 = time.perf_counter()
    print("1. lcmcr iterations per second per chain, Kosovo, K = 10, one thread")
    print(f"{'sampler':<30}{'it/s wall':>11}{'it/s CPU':>11}{'CPU vs R':>10}"
          f"{'ESS of N per 1,000 it':>23}")
    for label, collapsed, hmc, swaps, thin, _ in SAMPLERS:
        n_it = 300_000 if hmc == 0 else 60_000
        wall, cpu = iterations_per_second(kosovo, collapsed, hmc, swaps, n_it)
        per_k = ess_per_iteration(kosovo, collapsed, hmc, swaps, thin,
                                  1_000_000 if hmc == 0 else 100_000)
        print(f"{label:<30}{wall:>11,.0f}{cpu:>11,.0f}{cpu / R_LCMCR_PROD_ITS:>9.2f}x{per_k:>23.2f}")
    print(f"{'R LCMCR, 5M iterations, 100 s':<30}{R_LCMCR_PROD_ITS:>11,.0f}{'':>11}{1:>9.2f}x"
          f"{'(plain sweep)':>23}")
    print(f"{'R LCMCR, help example, 1.5 s':<30}{R_LCMCR_HELP_ITS:>11,.0f}")
    print(f"(best of 3 single-thread runs; ESS per 1,000 iterations from 4 chains x 1M (plain, "
          f"collapsed) or 100k (default) iterations, min of bulk and tail; section "
          f"{time.perf_counter() - t0:.0f} s; load average now {os.getloadavg()[0]:.1f})\n")

    print("2. lcmcr: seconds until the bulk and tail ESS of N reach 1,000, Kosovo, 4 chains on "
          "2 threads (burn-in 2,000 included)")
    print(f"{'sampler':<30}{'seed':>5}{'wall s':>8}{'CPU s':>7}{'draws/chain':>12}{'ESS bulk':>9}"
          f"{'ESS tail':>9}{'R-hat':>7}{'median':>8}{'95% interval':>16}{'load':>6}")
    for label, collapsed, hmc, swaps, thin, rounds in SAMPLERS:
        for seed in (1, 2, 3, 4, 5) if hmc else (1, 2, 3):
            wall, cpu, fit = time_to_ess(kosovo, seed, collapsed, hmc, swaps, thin, rounds)
            d = fit.diagnostics
            print(f"{label:<30}{seed:>5}{wall:>8.1f}{cpu:>7.1f}{d['samples_per_chain']:>12,}"
                  f"{d['ess_bulk']:>9.0f}{d['ess_tail']:>9.0f}{d['rhat']:>7.3f}"
                  f"{fit.estimate:>8,.0f}{fit.lower:>8,.0f}-{fit.upper:<7,.0f}"
                  f"{os.getloadavg()[0]:>6.1f}")
    print("The issue's target: ESS 1,000 for N in under 10 s on 2 cores. R LCMCR reports no ESS; "
          "its production run (5M iterations, 100 s) is the reference 10,466 (9,085-13,528)\n")

    print("3. dga: exact average over all decomposable graphs (delta = 2^-J, default grid)")
    print(f"{'table':<26}{'lists':>6}{'graphs':>8}{'grid':>8}{'seconds':>9}{'R dga s':>9}{'ratio':>8}")
    for name, r_sec in R_DGA.items():
        table = read_capture_table(DATA / f"{name}.csv")
        GraphAveraging().fit(table)  # warm (graph enumeration is cached per process)
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            est = GraphAveraging().fit(table)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<26}{table.k:>6}{est.diagnostics['graphs']:>8}{est.diagnostics['grid_points']:>8}"
              f"{best:>9.3f}{r_sec:>9.1f}{r_sec / best:>7.1f}x")

    if VERDATA.exists():
        verdata()


def verdata() -> None:
    """Section 4: the 20-list verdata stratum (issue 14)."""
    table = read_capture_table(VERDATA)
    print(f"\n4. lcmcr on the 20-list verdata stratum ({table.observed} observed, "
          f"{len(table.pattern_counts)} distinct patterns), K = 15 as verdata, one thread")
    print(f"{'sampler':<30}{'it/s wall':>11}{'it/s CPU':>11}{'CPU vs R':>10}")
    for label, collapsed, hmc, swaps, _, _ in SAMPLERS:
        wall, cpu = iterations_per_second(table, collapsed, hmc, swaps,
                                          50_000 if hmc == 0 else 5_000, repeats=2, k_max=15)
        print(f"{label:<30}{wall:>11,.0f}{cpu:>11,.0f}{cpu / R_VERDATA_ITS:>9.2f}x")
    print(f"{'R LCMCR, 5.01M it., 744 s':<30}{R_VERDATA_ITS:>11,.0f}{'':>11}{1:>9.2f}x "
          "(quoted, R's wall clock)")
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = LatentClass().fit(table)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    d = fit.diagnostics
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    iterations = d["chains"] * (d["burn_in"] + d["samples_per_chain"] * d["thin"])
    print(f"\ndefault LatentClass() (K = 10, seed 1), {d['chains']} chains x "
          f"{d['samples_per_chain']:,} draws ({d['extensions']} extensions), status {fit.status}")
    print(f"{'':<22}{'median':>8}{'2.5%':>8}{'97.5%':>8}{'R-hat':>7}{'bulk':>6}{'tail':>6}"
          f"{'CPU s':>8}{'wall s':>8}{'it/CPU s':>10}")
    print(f"{'uncounted':<22}{fit.estimate:>8,.0f}{fit.lower:>8,.0f}{fit.upper:>8,.0f}"
          f"{d['rhat']:>7.3f}{d['ess_bulk']:>6.0f}{d['ess_tail']:>6.0f}{cpu:>8.0f}{wall:>8.0f}"
          f"{iterations / cpu:>10,.0f}")
    print(f"{'R LCMCR (quoted)':<22}{2068:>8,}{1396:>8,}{3062:>8,}{'':>7}{'':>6}{'':>6}"
          f"{'':>8}{744:>8}{R_VERDATA_ITS:>10,.0f}")
    print(f"chain medians {', '.join(f'{m:,.0f}' for m in d['chain_medians'])}; CPU vs R's 744 s "
          f"{cpu / 744:.2f}x; peak memory of this process {peak:,.0f} MiB (floor: < 2,048)")


if __name__ == "__main__":
    import sys

    if "--verdata" in sys.argv[1:]:  # section 4 alone (its peak memory is then its own)
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), load average "
              f"{os.getloadavg()} at start; R figures quoted, not measured here")
        verdata()
    else:
        main()
