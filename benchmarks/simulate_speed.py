"""Speed and peak memory of the simulator. Run by hand: ``PYTHONPATH=src python benchmarks/simulate_speed.py``.

Reference run in the same script: writing a DataFrame with the same number of rows and columns as
the population to CSV with pandas (the floor for any simulator that writes its people out). Figures
are printed as seconds and as a ratio to that reference, with peak traced Python memory (tracemalloc,
which itself slows both runs about 2-3x; without it 20,000 people take about 2.5 s on the 2-core
shared machine).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from uncounted.simulate import simulate_capture_table, simulate_lists


def timed(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, dt, peak


def main() -> int:
    print("simulate_lists (default scenario, 4 lists)")
    print(f"{'people':>9} {'records':>9} {'seconds':>8} {'ref s':>7} {'ratio':>6} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2_000, 20_000, 100_000):
            res, dt, peak = timed(lambda n=n: simulate_lists(Path(tmp) / f"s{n}", population=n, seed=1))
            frame = pd.DataFrame(np.random.default_rng(0).integers(0, 10**6, size=(n, res.population.shape[1])))
            _, ref, _ = timed(lambda frame=frame, n=n: frame.to_csv(Path(tmp) / f"ref{n}.csv"))
            print(f"{n:>9,} {len(res.truth):>9,} {dt:>8.2f} {ref:>7.2f} {dt / ref:>6.1f} {peak:>9.0f}")
    print("\nsimulate_capture_table (default scenario)")
    print(f"{'people':>11} {'seconds':>8} {'peak MiB':>9}")
    for n in (10_000, 100_000, 1_000_000):
        _, dt, peak = timed(lambda n=n: simulate_capture_table(population=n, seed=1))
        print(f"{n:>11,} {dt:>8.3f} {peak:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
