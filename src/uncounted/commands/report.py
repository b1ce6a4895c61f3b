"""``uncounted report``: one self-contained HTML file (or JSON, or PNG charts) about a project."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import (
    announce_lcmcr_compile,
    column_names,
    console,
    count_progress,
    escape,
    show_progress,
)
from ..i18n import _, format_number


def check_language(lang: str | None) -> str | None:
    from ..exceptions import InputError
    from ..i18n import LANGUAGES

    if lang is not None and lang not in LANGUAGES:
        raise InputError(f"--lang must be one of {', '.join(LANGUAGES)}", column="--lang", value=lang)
    return lang


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        source: Path = typer.Argument(..., help="Project folder, or a capture-table CSV (works before "
                                                "any linkage)."),
        out: Path = typer.Option(None, "--out", "-o", help="Output file (default: report.html or "
                                                            "report.json beside the input)."),
        fmt: str = typer.Option("html", "--format", help="html (self-contained page) or json."),
        png: Path = typer.Option(None, "--png", help="Also write every chart as PNG into this folder."),
        method: list[str] = typer.Option(["all"], "--method", "-m",
                                         help="Estimators to run side by side (default: all)."),
        strata: str = typer.Option(None, "--strata", help="Stratum column(s) of a CSV table."),
        lists: str = typer.Option(None, "--lists", help="List columns of a CSV table, comma-separated "
                                                        "names or patterns such as 'in_*' (default: "
                                                        "every column but count and the strata)."),
        level: float = typer.Option(None, min=0.5, max=0.999, help="Interval level (default: the "
                                                                   "project's, else 0.95)."),
        seed: int = typer.Option(None, help="Seed for random methods (default: the project's, else 1)."),
        lang: str = typer.Option(None, "--lang", help="ru or en: the report's language (default: "
                                                      "'uncounted --lang', else the locale)."),
    ) -> None:
        """Write the offline report: lists and overlaps, linkage quality, estimates, strata, regions."""
        from ..report import build_report

        announce_lcmcr_compile(method)
        strata_cols = column_names(strata)
        list_cols = column_names(lists)
        if list_cols and source.is_dir():
            from ..exceptions import InputError

            raise InputError("--lists chooses the columns of a capture-table CSV; a project's lists "
                             "are its imported lists", column="--lists", value=lists)
        # the bar counts the estimators (each stratum of each, with --strata), with an ETA and
        # the samplers' lines: the whole verdata replicate by year and sex runs for minutes
        with count_progress(_("building the report (every method, charts)"),
                            show_progress()) as progress:
            text = build_report(source, fmt=fmt, png_dir=png, methods=method, strata=strata_cols,
                                level=level, seed=seed, lang=check_language(lang), lists=list_cols,
                                progress=progress)
        if out is None:
            base = source if source.is_dir() else source.parent
            out = base / f"report.{fmt}"
        out.write_text(text, encoding="utf-8")
        said = _("Wrote %(path)s (%(size)s bytes)") % {"path": escape(str(out)),
                                                       "size": format_number(len(text.encode()))}
        if png:
            said += "; " + _("PNG charts in %(path)s") % {"path": escape(str(png))}
        console.print(said, highlight=False)
