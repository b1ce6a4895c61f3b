"""PNG charts for the nowcast and the comparison (matplotlib with the Agg backend, imported lazily)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._figures import pyplot


def _plt():
    """Pyplot-like functions on bare Figures: no backend switch (see uncounted._figures)."""
    return pyplot()


def nowcast_chart(mack: pd.DataFrame, path: str | Path, boot: pd.DataFrame | None = None) -> Path:
    """Named so far vs nowcast per month of death (with intervals), and the delay distribution."""
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 7), gridspec_kw={"height_ratios": [3, 1.4]})
    x = np.arange(len(mack))
    level = mack.attrs.get("level", 0.95)
    ax.bar(x, mack.named, color="0.6", label="named so far")
    ax.plot(x, mack.nowcast, color="tab:red", lw=1.5,
            label=f"nowcast: named by lag {mack.attrs.get('target_lag')} (Mack chain ladder)")
    ax.fill_between(x, mack.lower, mack.upper, color="tab:red", alpha=0.2,
                    label=f"Mack {level:.0%} interval (log-normal)")
    if boot is not None:
        ax.errorbar(x, boot.nowcast, yerr=[boot.nowcast - boot.lower, boot.upper - boot.nowcast],
                    fmt=".", color="tab:blue", ms=3, lw=0.7, label=f"ODP bootstrap mean, {level:.0%}")
    ticks = x[::3]
    ax.set_xticks(ticks, [mack.month_of_death.iloc[i] for i in ticks], rotation=90, fontsize=7)
    ax.set_ylabel("named dead per month of death")
    ax.set_ylim(0, float(np.nanmax(mack.named)) * 3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("Named list by month of death: counted so far and expected after reporting delay",
                 fontsize=10)
    delay = mack.attrs.get("delay")
    if delay is not None:
        ax2.plot(np.arange(delay.size), 100 * delay, ".-", color="k")
        ax2.set_xlabel("months after the month of death (lag)")
        ax2.set_ylabel(f"% of lag-{delay.size - 1} count named")
        ax2.set_ylim(0, 105)
        ax2.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_chart(table: pd.DataFrame, path: str | Path, title: str) -> Path:
    """One row per estimate, grouped and coloured by measure; intervals as bars. Measures are
    never joined into one series: each is its own set of points with its own legend entry."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(11, 2.0 + 0.5 * len(table)))
    colours = plt.get_cmap("tab10")
    measures = list(dict.fromkeys(table.measure))
    y = np.arange(len(table))[::-1]
    for m_i, measure in enumerate(measures):
        sel = (table.measure == measure).to_numpy()
        vals = table.value.to_numpy(float)[sel]
        lo = table.lower.to_numpy(float)[sel]
        hi = table.upper.to_numpy(float)[sel]
        err = np.vstack([np.where(np.isnan(lo), 0, vals - lo), np.where(np.isnan(hi), 0, hi - vals)])
        ax.errorbar(vals, y[sel], xerr=err, fmt="o", color=colours(m_i), capsize=3, label=measure,
                    linestyle="none")
    short = [s if len(s) <= 48 else s[:22] + "…" + s[-25:] for s in table.source]
    ax.set_yticks(y, [f"{s}\n{p}" for s, p in zip(short, table.period)], fontsize=7)
    ax.set_xlabel("deaths")
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(title="measure", fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=3, frameon=False)
    ax.set_title(title, fontsize=10, loc="left")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
