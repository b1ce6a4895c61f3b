"""Backtest of the named-list nowcast, and the time of each method (run by hand, not by CI).

    PYTHONPATH=src python benchmarks/excess_backtest.py

For cutoffs every quarter from 2024-07 to 2025-10, fits the chain ladder on the snapshots taken up
to the cutoff and scores the nowcast of the 12 most recent months of death against the snapshot 3, 6
and 12 months later (where one exists). Prints a Markdown table (copied into
docs/second_opinions.md) and timings relative to the Mack fit on the same machine.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pandas as pd

from uncounted.excess import (
    backtest,
    bootstrap_chain_ladder,
    build_triangle,
    mack_chain_ladder,
    read_snapshots,
)

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "excess"
CUTOFFS = ["2024-07-01", "2024-10-01", "2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01"]


def main() -> None:
    warnings.simplefilter("ignore")
    snaps = read_snapshots(DATA / "mediazona_named_by_death_month_monthly_snapshots.csv")
    print("| cutoff | scored at | named at cutoff | nowcast ± se | named later | nowcast error "
          "| uncorrected error | per-month MAPE | 95% coverage | bootstrap total (95%) "
          "| bootstrap coverage |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    errs = []
    for cut in CUTOFFS:
        for h in (3, 6, 12):
            ev = pd.Timestamp(cut) + pd.DateOffset(months=h)
            if ev > snaps.snapshot_date.max():
                continue
            _, s = backtest(snaps, cut, ev + pd.Timedelta(days=5), draws=1000, seed=1)
            errs.append((abs(s["error_pct"]), abs(s["naive_error_pct"])))
            print(f"| {cut[:7]} | {s['evaluated']} (+{h} mo) | {s['named_then']:,.0f} | "
                  f"{s['nowcast']:,.0f} ± {s['se']:,.0f} | {s['later']:,.0f} | "
                  f"{s['error_pct']:+.1f}% | {s['naive_error_pct']:+.1f}% | {s['mape_pct']:.1f}% | "
                  f"{100 * s['coverage']:.0f}% | {s['boot_nowcast']:,.0f} ({s['boot_lower']:,.0f}"
                  f"–{s['boot_upper']:,.0f}) | {100 * s['boot_coverage']:.0f}% |")
    e = pd.DataFrame(errs, columns=["nowcast", "naive"])
    print(f"\nmean |error|: nowcast {e.nowcast.mean():.1f}%, uncorrected {e.naive.mean():.1f}%; "
          f"mean ratio {(e.nowcast / e.naive).mean():.2f}, worst {(e.nowcast / e.naive).max():.2f}")
    tri = build_triangle(snaps)
    t0 = time.perf_counter()
    for _ in range(20):
        mack_chain_ladder(tri)
    mack = (time.perf_counter() - t0) / 20
    t0 = time.perf_counter()
    bootstrap_chain_ladder(tri, draws=1000, seed=1)
    boot = time.perf_counter() - t0
    print(f"\ntime on a {tri.cum.shape[0]} x {tri.cum.shape[1]} triangle: Mack {1000 * mack:.1f} ms; "
          f"ODP bootstrap, 1,000 draws, {1000 * boot:.0f} ms ({boot / mack:.0f} x Mack) "
          "(2-core shared machine)")


if __name__ == "__main__":
    main()
