"""Render report data (:mod:`.collect`) as one self-contained HTML file, as JSON, or as PNG charts.

The HTML comes from Jinja2 templates (data files under ``templates/``) with autoescape on, so no
list name, file name or setting reaches the page unescaped; the only markup inserted as-is is the
SVG that :mod:`.charts` draws. The page has no script and loads nothing: a Content-Security-Policy
meta tag forbids every network fetch, so it opens the same offline, from an e-mail or a USB stick.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..exceptions import InputError
from .charts import render_all
from .collect import collect
from .tilegrid import tile_map

FORMATS = ("html", "json")


def environment():
    """The Jinja2 environment over the packaged templates (autoescape on for every template)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("uncounted.report", "templates"),
                             autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt_number
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    env.filters["tojson_pretty"] = lambda x: json.dumps(x, indent=1, ensure_ascii=False, default=str)
    return env


def fmt_number(x, digits: int = 0) -> str:
    """Thousands separators; an em dash for a missing or non-finite value."""
    if x is None or x == "":
        return "—"
    if isinstance(x, str):
        return "∞" if x == "inf" else x
    if isinstance(x, float) and not math.isfinite(x):
        return "—" if math.isnan(x) else "∞"
    return f"{x:,.{digits}f}"


def render_html(data: dict[str, Any], charts: dict[str, str]) -> str:
    """The report page for ``data`` with ``charts`` (name -> SVG markup) inlined."""
    from markupsafe import Markup

    svg = {name: Markup(markup) for name, markup in charts.items()}
    tilemap = tile_map(data.get("regions"))
    return environment().get_template("report.html.j2").render(d=data, charts=svg, tilemap=tilemap)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)


def build_report(source: str | Path, *, fmt: str = "html", png_dir: str | Path | None = None,
                 methods: Sequence[str] | str | None = None, strata: Sequence[str] | None = None,
                 level: float | None = None, seed: int | None = None, store=None) -> str:
    """Build the report of a project folder or a capture-table CSV and return its text.

    Parameters
    ----------
    source
        Project folder or capture-table CSV.
    fmt
        ``"html"`` (self-contained page) or ``"json"`` (the data behind it).
    png_dir
        Also write each chart as ``<name>.png`` into this folder.
    methods, strata, level, seed, store
        Passed to :func:`uncounted.report.collect.collect`.
    """

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}", column="--format", value=fmt)
    data = collect(source, methods=methods, strata=strata, level=level, seed=seed,
                   store=store)
    if fmt == "json" and png_dir is None:
        return to_json(data)

    charts = render_all(data, png_dir=png_dir)
    if fmt == "json":
        names = [*charts, *(["tilegrid"] if data.get("regions") else [])]
        data["charts_png"] = sorted(f"{name}.png" for name in names)
        return to_json(data)
    return render_html(data, charts)
