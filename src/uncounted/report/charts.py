"""The report's charts, drawn with matplotlib and written as inline SVG (and PNG on request).

Each chart is a function from one section of the report data (see :mod:`.collect`) to a matplotlib
Figure, or None when there is nothing to draw. :func:`render_all` turns them into SVG strings (text
kept as text, so the file stays small and searchable; matplotlib escapes it) and optionally PNG
files. matplotlib is imported here only, and only when a report is drawn.
"""

from __future__ import annotations

import io
import itertools
import math
from pathlib import Path
from typing import Any

from .._figures import pyplot
from .tilegrid import figure as tilegrid_figure

BLUE, ORANGE, GREEN, GREY, RED = "#2b6ca3", "#d9822b", "#3a8a4f", "#9aa3ad", "#b8383b"
MAX_BARS = 30
RC = {"svg.fonttype": "none", "svg.hashsalt": "uncounted", "font.size": 9,
      "axes.spines.top": False, "axes.spines.right": False}


def _plt():
    """Pyplot-like functions on bare Figures: no backend switch (see uncounted._figures)."""
    return pyplot()


def upset(capture: dict[str, Any] | None):
    """UpSet-style chart: intersection sizes over a dot matrix, list totals at the left.

    References
    ----------
    Lex, A., Gehlenborg, N., Strobelt, H., Vuillemot, R., Pfister, H. (2014). UpSet: visualization
    of intersecting sets. IEEE TVCG 20(12):1983-1992. doi:10.1109/TVCG.2014.2346248
    """
    if not capture or not capture["patterns"]:
        return None
    plt = _plt()
    lists = capture["lists"]
    pats = capture["patterns"][:MAX_BARS]
    k, m = len(lists), len(pats)
    fig = plt.figure(figsize=(min(2.5 + 0.32 * m, 11), 1.9 + 0.32 * k + 1.6))
    gs = fig.add_gridspec(2, 2, width_ratios=[1.2, max(m * 0.32, 2.5)],
                          height_ratios=[2.2, 0.32 * k + 0.2], wspace=0.35, hspace=0.05)
    ax_bar = fig.add_subplot(gs[0, 1])
    ax_mat = fig.add_subplot(gs[1, 1], sharex=ax_bar)
    ax_set = fig.add_subplot(gs[1, 0], sharey=ax_mat)
    xs = list(range(m))
    counts = [p["count"] for p in pats]
    ax_bar.bar(xs, counts, color=BLUE, width=0.7)
    for x, c in zip(xs, counts, strict=True):
        ax_bar.text(x, c, f"{c:,}", ha="center", va="bottom", fontsize=7)
    ax_bar.set_ylabel("people with this pattern")
    ax_bar.tick_params(axis="x", bottom=False, labelbottom=False)
    for x, p in enumerate(pats):
        ys = [lists.index(n) for n in p["members"]]
        ax_mat.scatter([x] * k, range(k), color="#dde1e6", s=36, zorder=1)
        ax_mat.scatter([x] * len(ys), ys, color="#222", s=36, zorder=2)
        if len(ys) > 1:
            ax_mat.plot([x, x], [min(ys), max(ys)], color="#222", linewidth=1.6, zorder=2)
    ax_mat.set_yticks(range(k), lists)
    ax_mat.tick_params(axis="y", left=False, labelleft=False)
    ax_mat.tick_params(axis="x", bottom=False, labelbottom=False)
    ax_mat.set_ylim(-0.6, k - 0.4)
    for side in ("left", "bottom"):
        ax_mat.spines[side].set_visible(False)
    totals = [capture["list_totals"][n] for n in lists]
    ax_set.barh(range(k), totals, color=GREY, height=0.6)
    ax_set.invert_xaxis()
    ax_set.yaxis.tick_right()
    ax_set.set_yticks(range(k), lists)
    ax_set.tick_params(axis="y", length=0, pad=4)
    ax_set.set_xlabel("list size")
    for side in ("left", "top"):
        ax_set.spines[side].set_visible(False)
    ax_set.spines["right"].set_visible(False)
    fig.add_subplot(gs[0, 0]).set_axis_off()
    return fig


def probability_histogram(linkage: dict[str, Any] | None):
    """Match probabilities of scored pairs, with the threshold and the review band marked."""
    if not linkage or not linkage["histogram"]["n_pairs"]:
        return None
    plt = _plt()
    h = linkage["histogram"]
    edges, counts = h["edges"], h["counts"]
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    lo, hi = linkage["review"]["band"]
    ax.axvspan(lo, hi, color=ORANGE, alpha=0.15, label=f"review band {lo:g}-{hi:g}")
    widths = [b - a for a, b in itertools.pairwise(edges)]
    ax.bar(edges[:-1], counts, width=widths, align="edge", color=BLUE, edgecolor="white")
    thr = linkage["run"]["threshold"]
    if thr is not None:
        ax.axvline(thr, color=RED, linestyle="--", label=f"threshold {thr:g}")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("match probability")
    ax.set_ylabel("pairs (symlog scale)")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper center", fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def review_progress(linkage: dict[str, Any] | None):
    """One stacked bar: review-band pairs decided match / non-match / unsure, and pending."""
    if not linkage or not linkage["review"]["in_band"]:
        return None
    plt = _plt()
    r = linkage["review"]
    parts = [("match", GREEN), ("non-match", RED), ("unsure", ORANGE), ("pending", GREY)]
    fig, ax = plt.subplots(figsize=(6.4, 1.3))
    fig.subplots_adjust(left=0.04, right=0.98, top=0.95, bottom=0.55)
    left = 0
    for key, color in parts:
        n = r[key]
        if n:
            ax.barh([0], [n], left=left, color=color, label=f"{key} {n:,}", height=0.6)
            left += n
    ax.set_yticks([])
    ax.set_xlim(0, max(left, 1))
    ax.set_xlabel("pairs in the review band")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.75), ncol=4, fontsize=7, frameon=False)
    return fig


def forest(rows: list[dict[str, Any]], *, observed: int | None = None, label_key: str = "method",
           title: str | None = None, xlabel: str = "population size (point and interval)"):
    """Point estimates with their intervals, one row each; unestimable rows are left out."""
    rows = [r for r in rows if r.get("estimable") and _finite(r.get("estimate"))][:MAX_BARS]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.34 * len(rows)))
    for i, r in enumerate(rows):
        lo, hi = (_finite_or(v, r["estimate"]) for v in r["interval"])
        colour = {"unreliable": "#b8383b", "caution": "#d9822b"}.get(r.get("status"), BLUE)
        ax.plot([lo, hi], [i, i], color=colour, linewidth=2)
        ax.plot([r["estimate"]], [i], "o", color="#111", markersize=5)
        if r.get("observed") is not None and observed is None:
            ax.plot([r["observed"]], [i], "|", color=GREY, markersize=10)
    ax.set_yticks(range(len(rows)), [str(r.get(label_key) or "") + (
        f" ({r['status']})" if r.get("status") in ("caution", "unreliable") else "") for r in rows])
    ax.invert_yaxis()
    if observed is not None:
        ax.axvline(observed, color=GREY, linestyle=":", label=f"observed {observed:,}")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def regions_bar(regions: dict[str, Any] | None):
    """Persons by region (largest first)."""
    if not regions or not regions["rows"]:
        return None
    plt = _plt()
    rows = regions["rows"][:MAX_BARS]
    fig, ax = plt.subplots(figsize=(6.4, 0.8 + 0.24 * len(rows)))
    ax.barh(range(len(rows)), [r["persons"] for r in rows], color=BLUE, height=0.7)
    ax.set_yticks(range(len(rows)), [str(r["region_iso"]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("persons (after linkage and review)")
    fig.tight_layout()
    return fig


def rates(regions: dict[str, Any] | None):
    """Persons per 100,000 men by region with their intervals (largest rates first)."""
    table = (regions or {}).get("rates")
    if not table:
        return None
    rows = [{"label": r["iso_code"], "estimate": r["per_100k"], "interval": [r["lower"], r["upper"]],
             "estimable": True} for r in table["rows"] if _finite(r.get("per_100k"))]
    return forest(rows, label_key="label", xlabel="persons per 100,000 men aged 16-61")


def ledger(ledger_data: dict[str, Any] | None, estimates: list[dict[str, Any]]):
    """Published estimates over time, one colour per measure, log scale; this report's beside them."""
    series = (ledger_data or {}).get("series")
    if not series:
        return None
    import datetime as dt

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.8, 3.4))
    colours = {"killed": RED, "killed_or_wounded": ORANGE, "named_confirmed": BLUE}
    for measure, colour in colours.items():
        pts = [(dt.date.fromisoformat(str(r["date"])[:10]), r["value"]) for r in series
               if r.get("measure") == measure and _finite(r.get("value")) and r["value"] > 0]
        if pts:
            ax.scatter(*zip(*pts, strict=True), s=14, color=colour, label=measure.replace("_", " "))
    today = dt.date.today()
    own = [e for e in estimates if e.get("estimable") and _finite(e.get("estimate"))
           and e["estimate"] > 0]
    for e in own:
        lo, hi = (_finite_or(v, e["estimate"]) for v in e["interval"])
        ax.plot([today, today], [max(lo, 1), hi], color="#111", linewidth=1)
    if own:
        ax.scatter([today] * len(own), [e["estimate"] for e in own], marker="D", s=22,
                   color="#111", label="this report's estimates", zorder=3)
    ax.set_yscale("log")
    ax.set_ylabel("people (log scale)")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def charts_for(data: dict[str, Any]) -> dict[str, Any]:
    """Every chart the report data supports, name -> Figure."""
    strata = data.get("strata")
    capture = data.get("capture") or {}
    figs = {
        "upset": upset(data.get("capture")),
        "match_probability": probability_histogram(data.get("linkage")),
        "review_progress": review_progress(data.get("linkage")),
        "estimates": forest(data.get("estimates") or [], observed=capture.get("observed")),
        "strata": forest(strata["rows"], label_key="stratum") if strata else None,
        "regions": regions_bar(data.get("regions")),
        "rates": rates(data.get("regions")),
        "ledger": ledger(data.get("ledger"), data.get("estimates") or []),
    }
    return {k: v for k, v in figs.items() if v is not None}


def render_all(data: dict[str, Any], *, png_dir: str | Path | None = None) -> dict[str, str]:
    """SVG markup of every chart (name -> ``<svg ...>``); PNG files too when ``png_dir`` is set."""
    import matplotlib

    out: dict[str, str] = {}
    with matplotlib.rc_context(RC):
        plt = _plt()
        for name, fig in charts_for(data).items():
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
            out[name] = _strip_prolog(buf.getvalue())
            if png_dir is not None:
                Path(png_dir).mkdir(parents=True, exist_ok=True)
                fig.savefig(Path(png_dir) / f"{name}.png", format="png", dpi=150)
            plt.close(fig)
        if png_dir is not None:
            _tilegrid_png(data, Path(png_dir))
    return out


def _tilegrid_png(data: dict[str, Any], png_dir: Path) -> None:
    """The regional tile map as ``tilegrid.png`` (the HTML draws it as its own SVG, with tooltips)."""
    fig = tilegrid_figure(data.get("regions"))
    if fig is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        fig.savefig(png_dir / "tilegrid.png", format="png", dpi=150)
        _plt().close(fig)


def _strip_prolog(svg: str) -> str:
    """Drop the XML declaration and DOCTYPE so the SVG can sit inside HTML."""
    start = svg.find("<svg")
    return svg[start:].strip()


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _finite_or(x, default):
    return x if _finite(x) else default
