"""A tile-grid map of Russia's federal subjects for the report's regional section.

One square tile per subject of the packaged table (:func:`uncounted.records.regions.federal_subjects`),
placed by our own approximate layout (``templates/tilegrid_ru.csv``: west left, Far East right, north
at the top; not to scale); names and legend in the current language of :mod:`uncounted.i18n`. Each tile is coloured by the value shown: persons per 100,000 men when the
regional rates were computed, otherwise persons by region; tiles with no value are grey. The
occupied Ukrainian territories (``status`` other than ``ru_federal_subject``) get a dashed outline.

:func:`tile_map` returns plain data; the HTML draws it with ``_tilegrid.svg.j2`` (SVG, text as text,
a ``<title>`` per tile for hover) and :func:`figure` draws the same tiles with matplotlib for PNG.
"""

from __future__ import annotations

import csv
import io
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from .._figures import pyplot
from ..i18n import _, format_number, get_language
from ..records.regions import federal_subjects

#: Sequential palette, light to dark (bins of the legend), and the grey of "no data".
PALETTE = ("#c6dbef", "#9ecae1", "#6baed6", "#3d85c0", "#2160a0", "#0b3769")
NO_DATA = "#eceef0"
TILE, GAP, MARGIN = 34, 3, 6
RU_STATUS = "ru_federal_subject"


@lru_cache(maxsize=1)
def layout() -> tuple[tuple[str, int, int, str], ...]:
    """``(iso_code, row, col, label)`` of every tile, from the packaged layout (comments skipped)."""
    text = resources.files("uncounted.report").joinpath("templates/tilegrid_ru.csv").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return tuple((r["iso_code"], int(r["row"]), int(r["col"]),
                  r["label"] or r["iso_code"].split("-", 1)[1])
                 for r in csv.DictReader(io.StringIO("\n".join(lines))))


def values(regions: dict[str, Any] | None) -> tuple[dict[str, float], str, int]:
    """The value per ISO code, what it measures, and its decimals (rates if present, else persons)."""
    rates = (regions or {}).get("rates")
    if rates and rates.get("rows"):
        vals = {r["iso_code"]: float(r["per_100k"]) for r in rates["rows"] if _finite(r.get("per_100k"))}
        return vals, _("persons per 100,000 men aged 16-61"), 1
    rows = (regions or {}).get("rows") or []
    vals = {r["region_iso"]: float(r["persons"]) for r in rows
            if r.get("region_iso") not in (None, "unknown") and r.get("persons")}
    return vals, _("persons (after linkage and review)"), 0


def breaks(top: float, n: int = len(PALETTE)) -> list[float]:
    """``n + 1`` equal-interval bin edges from 0 to ``top`` (``top`` rounded up to a nice number)."""
    if top <= 0:
        return [0.0, 1.0]
    step = top / n
    mag = 10 ** math.floor(math.log10(step))
    nice = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= step)
    return [i * nice for i in range(n + 1)]


def fill_for(value: float | None, edges: list[float]) -> str:
    """Palette colour of ``value`` (bins closed on the right, the first also on the left)."""
    if value is None:
        return NO_DATA
    for i in range(1, len(edges)):
        if value <= edges[i]:
            return PALETTE[i - 1]
    return PALETTE[-1]


def tile_map(regions: dict[str, Any] | None) -> dict[str, Any] | None:
    """Tiles (position, code, name, value, fill, title), legend and SVG size; None without regions."""
    if not regions:
        return None

    subjects = {r["iso_code"]: r for r in federal_subjects()}
    vals, measure, digits = values(regions)
    edges = breaks(max(vals.values(), default=0.0))
    tiles = [_tile(iso, row, col, label, subjects[iso], vals.get(iso), edges, digits)
             for iso, row, col, label in layout()]
    n_rows = 1 + max(t["row"] for t in tiles)
    n_cols = 1 + max(t["col"] for t in tiles)
    legend = [{"fill": PALETTE[i], "label": f"{_fmt(edges[i], digits)}–{_fmt(edges[i + 1], digits)}"}
              for i in range(len(edges) - 1)] + [{"fill": NO_DATA, "label": _("no data")}]
    return {"tiles": tiles, "measure": measure, "legend": legend, "tile": TILE,
            "width": 2 * MARGIN + n_cols * (TILE + GAP), "height": 2 * MARGIN + n_rows * (TILE + GAP),
            "unmatched": sorted(set(vals) - set(subjects))}


def _tile(iso, row, col, label, subject, value, edges, digits) -> dict[str, Any]:
    occupied = subject["status"] != RU_STATUS
    name = subject["name_ru" if get_language() == "ru" else "name_en"]
    if occupied:
        name += " (" + _("occupied Ukrainian territory") + ")"
    shown = _("no data") if value is None else _fmt(value, digits)
    fill = fill_for(value, edges)
    dark = fill in PALETTE[3:]
    return {"iso_code": iso, "code": label, "row": row, "col": col,
            "x": MARGIN + col * (TILE + GAP), "y": MARGIN + row * (TILE + GAP),
            "value": value, "fill": fill, "text_fill": "#ffffff" if dark else "#1a1a1a",
            "occupied": occupied, "title": f"{name} ({iso}): {shown}"}


def figure(regions: dict[str, Any] | None):
    """The tile map as a matplotlib Figure (for ``--png``), or None without regions."""
    tm = tile_map(regions)
    if tm is None:
        return None
    from matplotlib.patches import Rectangle

    plt = pyplot()
    scale = 1 / 60
    fig = plt.figure(figsize=(tm["width"] * scale, tm["height"] * scale + 0.6))
    ax = fig.add_axes((0, 0.6 / (tm["height"] * scale + 0.6), 1, 1 - 0.6 / (tm["height"] * scale + 0.6)))
    for t in tm["tiles"]:
        ax.add_patch(Rectangle((t["x"], t["y"]), TILE, TILE, facecolor=t["fill"],
                               edgecolor="#555" if t["occupied"] else "none",
                               linestyle="--" if t["occupied"] else "-", linewidth=0.8))
        ax.text(t["x"] + TILE / 2, t["y"] + TILE / 2, t["code"], ha="center", va="center",
                fontsize=5.5, color=t["text_fill"])
    ax.set_xlim(0, tm["width"])
    ax.set_ylim(tm["height"], 0)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Rectangle((0, 0), 1, 1, facecolor=e["fill"]) for e in tm["legend"]]
    fig.legend(handles, [e["label"] for e in tm["legend"]], loc="lower center", ncol=len(handles),
               fontsize=6, frameon=False, title=tm["measure"], title_fontsize=7)
    return fig


def _fmt(x: float, digits: int) -> str:
    return format_number(x, digits)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
