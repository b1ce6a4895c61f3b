"""Charts for the regional analysis and the ledger (matplotlib Figures without pyplot, as PNG).

Each function takes tables and a path, draws one figure, saves it and closes it; matplotlib is
imported only here, and only when a chart is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._figures import pyplot
from .concentration import POORER_IS_HIGHER, concentration_index, curve, gini, lorenz_curve


def _plt():
    """Pyplot-like functions on bare Figures: no backend switch (see uncounted._figures)."""
    return pyplot()


def lorenz_png(rates, path: str | Path, *, indicator: str | None = "pct_below_subsistence_2020"):
    """Lorenz curve of death rates, and the concentration curve by ``indicator`` (poorest first)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    x, y = lorenz_curve(rates["deaths"], rates["men"])
    ax.plot(x, y, lw=2, label=f"Lorenz (regions by rate), Gini {gini(rates['deaths'], rates['men']):.2f}")
    if indicator and indicator in rates.columns:
        hi = POORER_IS_HIGHER.get(indicator, True)
        key = -rates[indicator].to_numpy(float) if hi else rates[indicator].to_numpy(float)
        cx, cy = curve(rates["deaths"], rates["men"], key)
        ci = concentration_index(rates["deaths"], rates["men"], rates[indicator], poorer_is_higher=hi)
        ax.plot(cx, cy, lw=1.5, ls="--", label=f"regions poorest first by {indicator}, C = {ci:.2f}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
    ax.set(xlabel="cumulative share of men aged 16-61", ylabel="cumulative share of deaths",
           xlim=(0, 1), ylim=(0, 1), title="Concentration of deaths across regions")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def rate_vs_indicator_png(rates, path: str | Path, *, indicator: str = "pct_below_subsistence_2020",
                          label_top: int = 8):
    """Rate per 100,000 men (with its exact interval) against an indicator; area ~ men."""
    plt = _plt()
    r = rates[rates["men"].notna() & rates[indicator].notna()]
    fig, ax = plt.subplots(figsize=(7, 5))
    x = r[indicator].to_numpy(float)
    y = r["per_100k"].to_numpy(float)
    ax.errorbar(x, y, yerr=[y - r["lower"].to_numpy(float), r["upper"].to_numpy(float) - y],
                fmt="none", ecolor="lightgrey", lw=0.8, zorder=1)
    ax.scatter(x, y, s=np.sqrt(r["men"].to_numpy(float)) / 15, alpha=0.6, zorder=2)
    for _, row in r.nlargest(label_top, "per_100k").iterrows():
        ax.annotate(row["name_en"], (row[indicator], row["per_100k"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    for code in ("RU-MOW", "RU-SPE"):
        hit = r[r["iso_code"] == code]
        if len(hit):
            ax.annotate(hit["name_en"].iloc[0], (hit[indicator].iloc[0], hit["per_100k"].iloc[0]),
                        fontsize=7, xytext=(3, -9), textcoords="offset points")
    ax.set(xlabel=indicator, ylabel="deaths per 100,000 men aged 16-61",
           title="Death rate by region (bars: exact 95% Poisson interval; area ~ men)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


MEASURE_TITLES = {"killed": "killed", "killed_or_wounded": "killed or wounded",
                  "named_confirmed": "named and confirmed dead"}


def ledger_png(ledger, path: str | Path, *, own=None, side: str = "russia"):
    """Published estimates over time: one panel per measure (never mixed), own estimates beside.

    Colours mark the kind of source (the same in every panel); triangles mark a bound published
    alone (up: at least, down: at most); bars are published ranges.
    """
    import pandas as pd

    plt = _plt()
    measures = [m for m in MEASURE_TITLES if m in set(ledger["measure"])
                or (own is not None and m in set(own["measure"]))]
    fig, axes = plt.subplots(len(measures), 1, figsize=(8, 3.2 * len(measures)), squeeze=False,
                             sharex=True)
    kinds = sorted(set(ledger["source_kind"].dropna()))
    colour = {k: f"C{i % 10}" for i, k in enumerate(kinds)}  # the same colour in every panel
    marker = {"at least": "^", "at most": "v"}  # a bound published alone
    for ax, m in zip(axes[:, 0], measures, strict=True):
        part = ledger[ledger["measure"] == m].sort_values("date")
        labelled: set[str] = set()
        for (kind, vk), g in part.groupby(["source_kind", "value_kind"]):
            lo = (g["value"] - g["low"]).where(g["low"].notna(), 0).to_numpy(float)
            hi = (g["high"] - g["value"]).where(g["high"].notna(), 0).to_numpy(float)
            ax.errorbar(pd.to_datetime(g["date"]).to_numpy(), g["value"].to_numpy(float),
                        yerr=[lo, hi], fmt=marker.get(vk, "o"), ms=5 if vk in marker else 3,
                        lw=0.8, capsize=0, color=colour[kind],
                        label=None if kind in labelled else kind)
            labelled.add(kind)
        if own is not None:
            mine = own[own["measure"] == m]
            if len(mine):
                v = mine["value"].to_numpy(float)
                ax.errorbar(pd.to_datetime(mine["date"]).to_numpy(), v,
                            yerr=[np.nan_to_num(v - mine["low"].to_numpy(float)),
                                  np.nan_to_num(mine["high"].to_numpy(float) - v)],
                            fmt="*", ms=11, color="black", lw=1.5, label="this project")
        ax.set_title(MEASURE_TITLES[m], loc="left", fontsize=10)
        ax.set_ylabel("people")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.legend(fontsize=6, frameon=False, loc="upper left")
    fig.suptitle(f"Published estimates of military losses, {side.replace('_', ' ')} "
                 "(cumulative unless noted)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
