"""Sparse capture tables on many lists: reading and Chao's bound by stratum, time and memory.

Run by hand: ``.venv/bin/python benchmarks/sparse_tables.py`` (needs ../shared/data). Prints the best
of 5 runs (wall seconds, Python-level peak memory from tracemalloc) for:

1. Kosovo (4 lists, 4,400 people), read and Chao: the reference run (ratio 1.0);
2. verdata's one 20-list stratum (hombre 1999, 982 people): read and Chao;
3. the whole verdata replicate R1 (34 sources, 5 empty, 19,226 people) by year x sex: read and
   Chao in every stratum plus the total.

Before sparse tables, (3) was refused (more than 30 lists) and, with the empty sources dropped by
hand, did not finish in 120 s: every stratum was a dense vector of 2**29 counts.
"""

from __future__ import annotations

import time
import tracemalloc
import warnings
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mse"
ROOT = Path(__file__).resolve().parents[1]


def run(path, **read):
    from uncounted.exceptions import DataWarning
    from uncounted.mse import ChaoLowerBound, read_capture_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        table = read_capture_table(path, **read)
        rows = ChaoLowerBound().fit_strata(table)
    return table, rows


def best(fn, repeats=5):
    """Best wall time of ``repeats`` runs, then one run under tracemalloc for the peak (tracing
    slows Python down many times, so it is kept out of the timed runs)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak, out


def main() -> None:
    cases = [
        ("kosovo (reference)", ROOT / "tests" / "data" / "mse" / "lcmcr_kosovo_aggregate.csv", {}),
        ("verdata hombre 1999", SHARED / "verdata_reclutamiento_r1_hombre_1999.csv", {}),
        ("verdata R1 by year x sex", SHARED / "verdata_reclutamiento_r1.csv",
         {"strata": ["yy_hecho", "sexo"], "lists": ["in_*"]}),
    ]
    print(Path("/proc/loadavg").read_text().split()[0], "load average (1 min)")
    print(f"{'table':<28}{'lists':>6}{'strata':>8}{'people':>9}{'rows':>6}{'seconds':>9}{'ratio':>8}"
          f"{'peak MB':>9}")
    ref = None
    for name, path, read in cases:
        if not path.exists():
            print(f"{name:<28} (missing: {path})")
            continue
        secs, peak, (table, rows) = best(lambda p=path, r=read: run(p, **r))
        ref = ref or secs
        print(f"{name:<28}{table.k:>6}{table.n_strata:>8}{table.observed:>9,}{len(rows):>6}"
              f"{secs:>9.3f}{secs / ref:>8.1f}{peak / 2**20:>9.1f}")


if __name__ == "__main__":
    main()
