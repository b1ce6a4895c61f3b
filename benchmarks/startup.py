"""Start-up time of the package and the CLI, and the first lcmcr fit's compilation. Run by hand:

    .venv/bin/python benchmarks/startup.py [--runs 7] [--no-compile]

Prints two tables (wall seconds, each command in a fresh process):

1. Start-up: ``python -c pass`` (the floor), ``import uncounted``, ``uncounted --help``,
   ``uncounted estimate kosovo.csv`` with the default log-linear method and with ``-m chao``; the
   imports they are made of (Typer + Rich, NumPy, pandas, ``scipy.special``, ``scipy.stats``)
   so the table says where the time goes; and, when R is installed, ``Rscript`` loading Rcapture,
   SparseMSE, LCMCR and dga (the issue's reference). "first" is the first run of each command in
   this script (bytecode and the OS cache may be warm from earlier use: cold-ish, not cold);
   "median" is over the next ``--runs`` runs; "x floor" is the median over ``python -c pass``.
2. The first lcmcr fit (``uncounted estimate kosovo.csv -m lcmcr``) in a fresh, empty numba cache
   (``NUMBA_CACHE_DIR``), then the same command with the cache filled: the difference is the
   compilation, paid once per installation (per source change of the kernels).

3. With ``--compare-kernels REV``: numba's compilation of ``run_chain`` alone (a tiny table, a
   few iterations) for this checkout's ``mse/_lcmcr_kernels.py`` and for the one at git revision
   ``REV`` (e.g. ``8cbd215``, before the compile changes), alternated, each in a fresh process
   and an empty cache, so both see the same load.

The load average (``/proc/loadavg``) is printed before and after: the machine is shared, and the
ratios to the floor in the same run are the figures to compare across machines.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KOSOVO = ROOT / "src" / "uncounted" / "data" / "mse" / "kosovo.csv"
PY = sys.executable
CLI = [PY, "-m", "uncounted"]
R_LOAD = ("suppressMessages({library(Rcapture); library(SparseMSE); library(LCMCR); "
          "library(dga)})")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def wall(cmd: list[str], env: dict | None = None) -> float:
    """Seconds of one run of ``cmd`` (output discarded; a failure stops the benchmark)."""
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                   env=env)
    return time.perf_counter() - t


def startup_rows(runs: int) -> list[tuple[str, list[str]]]:
    rows = [
        ("python -c pass (floor)", [PY, "-c", "pass"]),
        ("import uncounted", [PY, "-c", "import uncounted"]),
        ("uncounted --help", [*CLI, "--help"]),
        ("uncounted estimate kosovo.csv (loglinear)", [*CLI, "estimate", str(KOSOVO)]),
        ("uncounted estimate kosovo.csv -m chao", [*CLI, "estimate", str(KOSOVO), "-m", "chao"]),
        ("  part: import typer, rich.console", [PY, "-c", "import typer, rich.console"]),
        ("  part: import numpy", [PY, "-c", "import numpy"]),
        ("  part: import pandas", [PY, "-c", "import pandas"]),
        ("  part: import scipy.special, scipy.optimize",
         [PY, "-c", "import scipy.special, scipy.optimize"]),
        ("  part: import scipy.stats", [PY, "-c", "import scipy.stats"]),
        ("  part: import uncounted.mse", [PY, "-c", "import uncounted.mse"]),
    ]
    if shutil.which("Rscript"):
        check = subprocess.run(["Rscript", "-e", R_LOAD], capture_output=True)
        if check.returncode == 0:
            rows.append(("Rscript: load Rcapture, SparseMSE, LCMCR, dga (reference)",
                         ["Rscript", "-e", R_LOAD]))
    return rows


def startup_table(runs: int) -> None:
    print(f"\n1. Start-up, wall seconds; median of {runs} runs after a first (cold-ish) one")
    print(f"   load average before: {loadavg()}")
    head = f"{'command':58s} {'first':>7s} {'median':>7s} {'min':>7s} {'x floor':>8s}"
    print(head)
    print("-" * len(head))
    floor = None
    for name, cmd in startup_rows(runs):
        first = wall(cmd)
        times = [wall(cmd) for _ in range(runs)]
        med = statistics.median(times)
        floor = floor or med
        print(f"{name:58s} {first:7.3f} {med:7.3f} {min(times):7.3f} {med / floor:8.1f}")
    print(f"   load average after: {loadavg()}")


def compile_table() -> None:
    print("\n2. First lcmcr fit in a fresh numba cache (compiles run_chain), then with the cache")
    print(f"   load average before: {loadavg()}")
    cache = tempfile.mkdtemp(prefix="uncounted-numba-")
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    cmd = [*CLI, "estimate", str(KOSOVO), "-m", "lcmcr", "--json"]
    try:
        first = wall(cmd, env)
        warm = [wall(cmd, env) for _ in range(3)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    med = statistics.median(warm)
    print(f"{'uncounted estimate kosovo.csv -m lcmcr':40s} {'seconds':>8s}")
    print(f"{'  empty cache (compile + fit)':40s} {first:8.2f}")
    print(f"{'  filled cache (fit), median of 3':40s} {med:8.2f}")
    print(f"{'  compilation (difference)':40s} {first - med:8.2f}")
    print(f"   load average after: {loadavg()}")


KERNEL_PROBE = """
import importlib.util, sys, time
import numpy as np
spec = importlib.util.spec_from_file_location("probe_kernels", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
bits = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]], dtype=np.uint8)
counts = np.array([10, 20, 5, 7, 3], dtype=np.int64)
state = np.zeros(m.state_size(10, 3))
t = time.perf_counter()
m.run_chain(bits, counts, 10, 5, 5, 1, 0.25, 0.25, 1, 1, 40, 10, state)
print(time.perf_counter() - t)
"""


def compare_kernels(rev: str, rounds: int = 3) -> None:
    print(f"\n3. Compilation of run_chain alone, this checkout vs {rev}, fresh cache each run")
    print(f"   load average before: {loadavg()}")
    rel = "src/uncounted/mse/_lcmcr_kernels.py"
    tmp = Path(tempfile.mkdtemp(prefix="uncounted-kernels-"))
    try:
        old = tmp / "kernels_ref.py"
        old.write_text(subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=ROOT, check=True,
                                      capture_output=True, text=True).stdout)
        new = tmp / "kernels_new.py"
        shutil.copy(ROOT / rel, new)
        times: dict[str, list[float]] = {"this checkout": [], rev: []}
        for _ in range(rounds):
            for label, path in (("this checkout", new), (rev, old)):
                cache = tempfile.mkdtemp(dir=tmp)
                out = subprocess.run([PY, "-c", KERNEL_PROBE, str(path)], check=True, text=True,
                                     capture_output=True, env={**os.environ,
                                                               "NUMBA_CACHE_DIR": cache})
                times[label].append(float(out.stdout.split()[-1]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ref = statistics.median(times[rev])
    print(f"{'kernels':20s} {'median s':>9s} {'runs':>24s} {'x ' + rev:>12s}")
    for label, ts in times.items():
        runs = " ".join(f"{t:.1f}" for t in ts)
        print(f"{label:20s} {statistics.median(ts):9.2f} {runs:>24s} "
              f"{statistics.median(ts) / ref:12.2f}")
    print(f"   load average after: {loadavg()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-compile", action="store_true", help="skip the lcmcr compile table")
    ap.add_argument("--compare-kernels", metavar="REV", help="also time run_chain's compilation "
                    "against the kernels at this git revision")
    args = ap.parse_args()
    print(f"uncounted start-up benchmark: {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores")
    startup_table(args.runs)
    if not args.no_compile:
        compile_table()
    if args.compare_kernels:
        compare_kernels(args.compare_kernels)


if __name__ == "__main__":
    main()
