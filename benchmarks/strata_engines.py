"""Strata on each engine: wall time and equality of the rows, verdata's replicate R1 by year x sex.

Run by hand: ``.venv/bin/python benchmarks/strata_engines.py [FIRST_YEAR LAST_YEAR]`` (needs
../shared/data and the ``dask`` extra). Fits log-linear BIC (the default of ``uncounted
estimate``) in every year x sex stratum of the years given (default 1990-1999: 20 strata of 138
to 806 records, 29 non-empty sources) on

1. the local engine, one process: the reference run (ratio 1.0);
2. the local engine, 2 spawned processes;
3. Dask, a LocalCluster of 2 single-threaded worker processes started inside the timed run
   (what ``--engine dask --workers 2`` does), and
4. Dask, the same cluster already running (what a user with ``--scheduler`` pays).

and prints the wall seconds, the ratio to (1), and whether every row (estimate, interval,
status, reasons) equals the reference. The machine's load average is printed: on a shared,
loaded machine, wall times say little beyond the ratios within one run.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mse"


def table(first: int, last: int):
    import pandas as pd

    from uncounted.mse import CaptureTable

    frame = pd.read_csv(SHARED / "verdata_reclutamiento_r1.csv")
    frame = frame[(frame.yy_hecho >= first) & (frame.yy_hecho <= last)]
    lists = [c for c in frame.columns if c.startswith("in_")]
    frame = frame[["yy_hecho", "sexo", *lists, "count"]]
    return CaptureTable.from_frame(frame, strata=["yy_hecho", "sexo"], lists=lists)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _cpu() -> float:
    return time.process_time()


def main() -> None:
    from uncounted.engines import make_engine
    from uncounted.exceptions import UncountedWarning
    from uncounted.mse.api import estimate

    first, last = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (1990, 1999)
    warnings.simplefilter("ignore", UncountedWarning)
    tab = table(first, last)
    print(f"verdata R1, {first}-{last} by year x sex: {tab.n_strata} strata, {tab.observed:,} "
          f"records, {tab.k} lists; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "cores at the start")
    results = []
    cpu0 = time.process_time()
    ref_s, ref = timed(lambda: estimate(tab, "loglinear"))
    ref_cpu = time.process_time() - cpu0
    results.append(("local, 1 process (reference)", ref_s, ref))
    results.append(("local, 2 processes", *timed(lambda: estimate(tab, "loglinear", workers=2))))

    def dask_cold():
        with make_engine("dask", workers=2) as engine:
            return estimate(tab, "loglinear", engine=engine)

    results.append(("dask, LocalCluster started in the run", *timed(dask_cold)))
    with make_engine("dask", workers=2) as engine:
        estimate(tab.collapse(), "chao")              # nothing: just start the cluster
        client = engine.client()
        client.wait_for_workers(2)
        before = client.run(_cpu)
        results.append(("dask, cluster already up", *timed(
            lambda: estimate(tab, "loglinear", engine=engine))))
        after = client.run(_cpu)
        worker_cpu = sum(after[w] - before[w] for w in after)
    print("\n| engine | wall s | ratio | rows equal the reference |\n|---|---|---|---|")
    for name, seconds, rows in results:
        print(f"| {name} | {seconds:.1f} | {seconds / ref_s:.2f} | {rows == ref} |")
    # CPU is what the load average cannot distort: Dask's workers run one thread each (its nanny
    # sets OMP/MKL/OPENBLAS_NUM_THREADS=1), while the local process may use BLAS threads, and on
    # a loaded machine a process's share of the cores grows with its busy threads
    print(f"\nCPU seconds: local, 1 process {ref_cpu:.1f}; the 2 Dask workers together "
          f"{worker_cpu:.1f} (ratio {worker_cpu / ref_cpu:.2f})")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
