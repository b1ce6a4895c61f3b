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
from ..i18n import N_, _, format_number, get_language
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
    ax_bar.set_ylabel(_("people with this pattern"))
    ax_bar.yaxis.set_major_locator(_integer_locator())
    ax_bar.yaxis.set_major_formatter(_number_formatter())
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
    ax_set.set_xlabel(_("list size"))
    ax_set.xaxis.set_major_locator(_integer_locator(4))
    ax_set.xaxis.set_major_formatter(_number_formatter())
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
    fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
    lo, hi = linkage["review"]["band"]
    ax.axvspan(lo, hi, color=ORANGE, alpha=0.15, label=_("review band %(low)s–%(high)s") % {"low": f"{lo:g}", "high": f"{hi:g}"})
    widths = [b - a for a, b in itertools.pairwise(edges)]
    ax.bar(edges[:-1], counts, width=widths, align="edge", color=BLUE, edgecolor="white")
    thr = linkage["run"]["threshold"]
    if thr is not None:
        ax.axvline(thr, color=RED, linestyle="--", label=_("threshold %(t)s") % {"t": f"{thr:g}"})
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel(_("match probability"))
    ax.set_ylabel(_("pairs (symlog scale)"))
    ax.set_xlim(0, 1)
    fig.legend(loc="outside lower center", ncol=2, fontsize=7, frameon=False)  # off the bars
    return fig


def review_progress(linkage: dict[str, Any] | None):
    """One stacked bar: review-band pairs decided match / non-match / unsure, and pending."""
    if not linkage or not linkage["review"]["in_band"]:
        return None
    plt = _plt()
    r = linkage["review"]
    parts = [("match", GREEN, _("match")), ("non-match", RED, _("non-match")),
             ("unsure", ORANGE, _("unsure")), ("pending", GREY, _("pending"))]
    fig, ax = plt.subplots(figsize=(6.4, 1.3))
    fig.subplots_adjust(left=0.04, right=0.98, top=0.95, bottom=0.55)
    left = 0
    for key, color, word in parts:
        n = r[key]
        if n:
            ax.barh([0], [n], left=left, color=color, label=f"{word} {format_number(n)}", height=0.6)
            left += n
    ax.set_yticks([])
    ax.set_xlim(0, max(left, 1))
    ax.xaxis.set_major_locator(_integer_locator())
    ax.xaxis.set_major_formatter(_number_formatter())
    ax.set_xlabel(_("pairs in the review band"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.75), ncol=4, fontsize=7, frameon=False)
    return fig


#: Colours and markers of the forest chart's kinds of row (contrast >= 4.5:1 on white for the
#: colours that also label text; markers differ too, so the kinds read without colour).
KINDS = {
    "estimate": {"color": BLUE, "marker": "o", "face": "#111111", "style": "-"},
    "lower_bound": {"color": "#57606a", "marker": ">", "face": "white", "style": "--"},
    "caution": {"color": "#b36b00", "marker": "o", "face": "white", "style": "-"},
    "unreliable": {"color": "#a1262a", "marker": "X", "face": "#a1262a", "style": ":"},
}


def kind_of(row: dict[str, Any]) -> str:
    """``lower_bound`` (Chao), ``unreliable``, ``caution`` or ``estimate``: how a row is drawn."""
    if row.get("lower_bound") or row.get("method") == "chao":
        return "lower_bound"
    if row.get("status") in ("caution", "unreliable"):
        return row["status"]
    return "estimate"


def _kind_labels() -> dict[str, str]:
    return {"estimate": _("estimate and interval"),
            "lower_bound": _("lower bound (at least this many)"),
            "caution": _("caution: read the reason"),
            "unreliable": _("unreliable: do not publish")}


def _draw_rows(ax, rows, label_of) -> set[str]:
    kinds = set()
    for i, r in enumerate(rows):
        kind = kind_of(r)
        kinds.add(kind)
        k = KINDS[kind]
        lo, hi = (_finite_or(v, r["estimate"]) for v in r["interval"])
        ax.plot([lo, hi], [i, i], color=k["color"], linewidth=2, linestyle=k["style"])
        ax.plot([r["estimate"]], [i], k["marker"], color=k["color"], markerfacecolor=k["face"],
                markersize=7 if kind == "lower_bound" else 5.5)
    ax.set_yticks(range(len(rows)), [label_of(r) for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.xaxis.set_major_locator(_integer_locator())
    ax.xaxis.set_major_formatter(_number_formatter())
    return kinds


def forest(rows: list[dict[str, Any]], *, observed: int | None = None, label_key: str = "method",
           title: str | None = None, xlabel: str | None = None, label_of=None):
    """Point estimates with their intervals, one row each; unestimable rows are left out.

    Lower bounds (Chao) are drawn as an open triangle on a dashed line, flagged estimates in their
    status's colour and marker, and rows of the unknown region (``unknown: True``) in a panel of
    their own with its own scale, so one large stratum does not squeeze the others. The legend
    sits below the panels, outside them, so it never covers a row.
    """
    rows = [r for r in rows if r.get("estimable") and _finite(r.get("estimate"))][:MAX_BARS]
    if not rows:
        return None
    label_of = label_of or (lambda r: str(r.get(label_key) or ""))
    main = [r for r in rows if not r.get("unknown")]
    apart = [r for r in rows if r.get("unknown")]
    panels = [p for p in (main, apart) if p]
    plt = _plt()
    heights = [0.5 + 0.34 * len(p) for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.4, 0.9 + sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    kinds: set[str] = set()
    for ax, part in zip(axes[:, 0], panels, strict=True):
        kinds |= _draw_rows(ax, part, label_of)
        if part is apart:
            ax.set_title(_("region unknown (its own scale)"), fontsize=8, loc="left")
    ax = axes[0, 0]
    handles = []
    from matplotlib.lines import Line2D

    names = _kind_labels()
    for kind in ("estimate", "caution", "unreliable", "lower_bound"):
        if kind in kinds:
            k = KINDS[kind]
            handles.append(Line2D([], [], color=k["color"], linestyle=k["style"], marker=k["marker"],
                                  markerfacecolor=k["face"], label=names[kind]))
    if observed is not None:
        ax.axvline(observed, color="#57606a", linestyle=":", linewidth=1)
        handles.append(Line2D([], [], color="#57606a", linestyle=":",
                              label=_("observed: %(n)s") % {"n": format_number(observed)}))
    axes[-1, 0].set_xlabel(xlabel or _("population size (point and interval)"))
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    if len(handles) > 1:
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3),
                   fontsize=7, frameon=False)
    return fig


def regions_bar(regions: dict[str, Any] | None):
    """Persons by region (largest first)."""
    if not regions or not regions["rows"]:
        return None
    plt = _plt()
    rows = regions["rows"][:MAX_BARS]
    fig, ax = plt.subplots(figsize=(6.4, 0.8 + 0.24 * len(rows)))
    ax.barh(range(len(rows)), [r["persons"] for r in rows], color=BLUE, height=0.7)
    ax.set_yticks(range(len(rows)), [region_label(r) for r in rows])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(_integer_locator())
    ax.xaxis.set_major_formatter(_number_formatter())
    ax.set_xlabel(_("persons (after linkage and review)"))
    fig.tight_layout()
    return fig


def rates(regions: dict[str, Any] | None):
    """Persons per 100,000 men by region with their intervals (largest rates first)."""
    table = (regions or {}).get("rates")
    if not table:
        return None
    rows = [{"label": region_label({**r, "region_iso": r["iso_code"]}), "estimate": r["per_100k"],
             "interval": [r["lower"], r["upper"]], "estimable": True}
            for r in table["rows"] if _finite(r.get("per_100k"))]
    return forest(rows, label_key="label", xlabel=_("persons per 100,000 men aged 16-61"))


MEASURES = {"killed": N_("killed"), "killed_or_wounded": N_("killed or wounded"),
            "named_confirmed": N_("named confirmed")}


def ledger(ledger_data: dict[str, Any] | None, estimates: list[dict[str, Any]], *,
           simulated: bool = False):
    """Published estimates over time, one colour per measure, log scale; this report's beside them
    (never those of a simulated project: made-up numbers are not drawn beside real ones)."""
    series = (ledger_data or {}).get("series")
    if not series or simulated:
        return None
    import datetime as dt

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.8, 3.6), layout="constrained")
    colours = {"killed": RED, "killed_or_wounded": ORANGE, "named_confirmed": BLUE}
    for measure, colour in colours.items():
        pts = [(dt.date.fromisoformat(str(r["date"])[:10]), r["value"]) for r in series
               if r.get("measure") == measure and _finite(r.get("value")) and r["value"] > 0]
        if pts:
            ax.scatter(*zip(*pts, strict=True), s=14, color=colour, label=_(MEASURES[measure]))
    today = dt.date.today()
    own = [e for e in estimates if e.get("estimable") and _finite(e.get("estimate"))
           and e["estimate"] > 0]
    for e in own:
        lo, hi = (_finite_or(v, e["estimate"]) for v in e["interval"])
        ax.plot([today, today], [max(lo, 1), hi], color="#111", linewidth=1)
    if own:
        ax.scatter([today] * len(own), [e["estimate"] for e in own], marker="D", s=22,
                   color="#111", label=_("this report's estimates"), zorder=3)
    ax.set_yscale("log")
    ax.set_ylabel(_("people (log scale)"))
    ax.tick_params(axis="x", labelrotation=30)
    fig.legend(loc="outside lower center", ncol=4, fontsize=7, frameon=False)  # off the points
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
        "strata": forest(strata["rows"], label_of=stratum_label) if strata else None,
        "regions": regions_bar(data.get("regions")),
        "rates": rates(data.get("regions")),
        "ledger": ledger(data.get("ledger"), data.get("estimates") or [],
                         simulated=bool(data.get("simulated"))),
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
            out[name] = decorate(_strip_prolog(buf.getvalue()), name)
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


def _integer_locator(n: int = 6):
    """Ticks at whole numbers only (counts of people and pairs have no halves)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=n, integer=True, min_n_ticks=2)


def _number_formatter():
    """Tick labels with the language's thousands separator."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: format_number(int(round(x))) if x == int(x)
                         else format_number(x, 1))


def region_label(row: dict[str, Any]) -> str:
    """A region's name in the current language with its code: ``Краснодарский край (RU-KDA)``;
    the unknown region in words."""
    name = row.get("name_ru" if get_language() == "ru" else "name_en") or row.get("name_en")
    iso = row.get("region_iso") or row.get("iso_code")
    if name:
        return f"{name} ({iso})"
    return _("region unknown") if iso == "unknown" else str(iso or "")


def stratum_label(row: dict[str, Any]) -> str:
    """A stratum's label: the region's name when the strata are regions, else the stratum key."""
    if row.get("region_iso"):
        return region_label(row)
    return str(row.get("stratum") or "")


#: Title and description of each chart (SVG ``<title>``/``<desc>`` and the figure's caption).
CHART_TEXT = {
    "upset": (N_("Overlaps of the lists"),
              N_("Bars: how many people each combination of lists caught; dots below a bar mark "
                 "the lists in that combination; grey bars at the left: each list's size.")),
    "match_probability": (N_("Match probabilities of the scored pairs"),
                          N_("How many record pairs got each match probability (symlog scale), "
                             "with the threshold above which pairs are joined and the band of "
                             "pairs sent to review.")),
    "review_progress": (N_("Review progress"),
                        N_("Pairs of the review band by decision: match, non-match, unsure, and "
                           "those still pending.")),
    "estimates": (N_("Estimates of the total, every method"),
                  N_("One row per method: the dot is the estimate, the line its interval; the "
                     "dotted vertical line is the number of people observed. Lower bounds and "
                     "flagged estimates are drawn differently, as the legend says.")),
    "strata": (N_("Estimates by stratum"),
               N_("One row per stratum with its interval; people of unknown region, if any, "
                  "are in a panel of their own with its own scale.")),
    "regions": (N_("Persons by region"),
                N_("Persons in these lists by region of record, largest first.")),
    "rates": (N_("Rates per 100,000 men by region"),
              N_("Persons per 100,000 men aged 16-61 by region with exact Poisson intervals.")),
    "ledger": (N_("Published estimates over time"),
               N_("Other organisations' published figures by date, one colour per measure, on a "
                  "log scale; this report's estimates at today's date.")),
}


def chart_text(name: str) -> dict[str, str]:
    """The chart's title and description in the current language."""
    title, desc = CHART_TEXT.get(name, (name, ""))
    return {"title": _(title), "desc": _(desc) if desc else ""}


def decorate(svg: str, name: str) -> str:
    """Give a chart's SVG a role, a ``<title>`` and a ``<desc>`` (what screen readers announce)."""
    from html import escape

    text = chart_text(name)
    end = svg.find(">", svg.find("<svg"))
    if end < 0:
        return svg
    head = svg[:end]
    attrs = f' role="img" aria-labelledby="svg-title-{name} svg-desc-{name}"'
    inner = (f'<title id="svg-title-{name}">{escape(text["title"])}</title>'
             f'<desc id="svg-desc-{name}">{escape(text["desc"])}</desc>')
    return head + attrs + ">" + inner + svg[end + 1:]
