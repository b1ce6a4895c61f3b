"""The bootstrap with re-selection and BCa interval against SparseMSE's ``estimatepopulation``.

Run by hand from the repository root::

    nice -n 10 .venv/bin/python benchmarks/loglinear_bootstrap.py [--seeds 10] [--resamples 1000]

For each table: ``LogLinear(selection="stepwise", interval="bca", n_draws=1000)`` (SparseMSE's
``estimatepopulation(zdat, nboot = 1000, pthresh = 0.02)``), timed wall clock and CPU (process
time: on a shared machine the wall clock mostly measures the other jobs), once per seed. The BCa
ends over the seeds give the Monte-Carlo spread (mean and standard deviation); R's ends from
``shared/data/mse/README.md`` (SparseMSE 2.0.1, R 4.2.2, its default seed 1234, measured on a
2-core machine; R is not installed here, so R's figures and times are quoted, not re-run) are shown
as a z-score against that spread. ``vs R`` is R's seconds over ours (wall and CPU).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from uncounted.mse import read_capture_table
from uncounted.mse.loglinear import LogLinear

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "mse"
#: SparseMSE estimatepopulation, 1,000 BCa resamples: point, 2.5%, 97.5%, seconds (README).
R_BCA = {"sparsemse_ukdat_5": (11_313, 9_446, 15_902, 77.7),
         "sparsemse_ukdat": (11_418, 8_987, 14_444, 197.0),
         "sparsemse_western": (2_483, 1_264, 3_696, 33.8),
         "sparsemse_neworl_5": (1_034, 572, 1_628, 24.0),
         "lcmcr_kosovo_aggregate": (14_342, 12_484, 16_623, 46.0),
         "mse_korea": (269, 123, 434, 8.2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--tables", default=",".join(R_BCA))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load} at start (shared with other jobs); numpy {np.__version__}")
    head = (f"{'table':<24}{'point':>8}{'lower (sd)':>16}{'R lower':>9}{'z':>6}{'upper (sd)':>17}"
            f"{'R upper':>9}{'z':>6}{'wall s':>8}{'cpu s':>7}{'R s':>7}{'vs R wall':>10}"
            f"{'vs R cpu':>9}")
    print(head)
    print("-" * len(head))
    for name in args.tables.split(","):
        t = read_capture_table(DATA / f"{name}.csv")
        LogLinear(selection="stepwise").fit(t)  # imports and caches warm
        lows, highs, walls, cpus = [], [], [], []
        for seed in range(1234, 1234 + args.seeds):
            w0, c0 = time.perf_counter(), time.process_time()
            e = LogLinear(selection="stepwise", interval="bca", n_draws=args.resamples,
                          seed=seed).fit(t)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            lows.append(e.lower)
            highs.append(e.upper)
        _, rl, rh, rs = R_BCA[name]
        lo, hi = np.array(lows), np.array(highs)
        sl, sh = lo.std(ddof=1) if lo.size > 1 else np.nan, hi.std(ddof=1) if hi.size > 1 else np.nan
        wall, cpu = float(np.median(walls)), float(np.median(cpus))
        print(f"{name:<24}{e.estimate:>8,.0f}{lo.mean():>9,.0f} ({sl:>4,.0f}){rl:>9,}"
              f"{(rl - lo.mean()) / sl:>6.1f}{hi.mean():>10,.0f} ({sh:>4,.0f}){rh:>9,}"
              f"{(rh - hi.mean()) / sh:>6.1f}{wall:>8.1f}{cpu:>7.1f}{rs:>7.1f}{rs / wall:>9.0f}x"
              f"{rs / cpu:>8.0f}x", flush=True)
    print(f"\n{args.seeds} seeds (1234, 1235, ...) x {args.resamples} resamples; lower/upper: mean "
          "over seeds (standard deviation); z = (R - mean) / sd; times: median over seeds.")
    print("R: SparseMSE 2.0.1 estimatepopulation, quoted from shared/data/mse/README.md (R not "
          "installed here).")


if __name__ == "__main__":
    main()
