"""``uncounted report``: one self-contained HTML file (or JSON, or PNG charts) about a project."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import announce_lcmcr_compile, console, escape, show_progress, step_progress


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
        level: float = typer.Option(None, min=0.5, max=0.999, help="Interval level (default: the "
                                                                   "project's, else 0.95)."),
        seed: int = typer.Option(None, help="Seed for random methods (default: the project's, else 1)."),
    ) -> None:
        """Write the offline report: lists and overlaps, linkage quality, estimates, strata, regions."""
        from ..report import build_report

        announce_lcmcr_compile(method)
        strata_cols = [s.strip() for s in strata.split(",") if s.strip()] if strata else None
        with step_progress(show_progress()) as progress:
            progress("building the report (every method, charts)", None)
            text = build_report(source, fmt=fmt, png_dir=png, methods=method, strata=strata_cols,
                                level=level, seed=seed)
            progress("building the report (every method, charts)", 0.0)
        if out is None:
            base = source if source.is_dir() else source.parent
            out = base / f"report.{fmt}"
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {escape(str(out))} ({len(text.encode()):,} bytes)"
                      + (f"; PNG charts in {escape(str(png))}" if png else ""))
