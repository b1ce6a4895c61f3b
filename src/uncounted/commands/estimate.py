"""``uncounted estimate``: population size from a capture table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import announce_lcmcr_compile, console, escape
from ..exceptions import InputError


def _fmt(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}"


def print_estimates(rows, console, title: str) -> None:
    """Show ``title`` as a line (wrapped at the terminal's width, not squeezed into the table's),
    then the estimates as a Rich table."""
    from rich.table import Table

    t = Table()
    for col, just in [("method", "left"), ("model", "left"), ("stratum", "left"), ("observed", "right"),
                      ("estimate", "right"), ("interval", "right"), ("note", "left")]:
        t.add_column(col, justify=just)
    strat = any(r.stratum is not None for r in rows)
    if not strat:
        t.columns.pop(2)
    for r in rows:
        if r.estimable:
            interval = f"{_fmt(r.lower)} – {_fmt(r.upper)} ({r.level:.0%})"
            note = "; ".join(r.warnings)
        else:
            interval, note = "—", f"not estimable: {r.reason}"
        cells = [r.method, escape(r.model or "—"), escape(r.stratum or ""), f"{r.observed:,}",
                 _fmt(r.estimate), interval, escape(note)]
        if not strat:
            cells.pop(2)
        t.add_row(*cells, style=None if r.estimable else "dim")
    console.print(title, style="italic")
    console.print(t)


def register(app: typer.Typer) -> None:
    @app.command()
    def estimate(
        table: Path = typer.Argument(..., help="Capture-table CSV (one 0/1 column per list, optional "
                                               "'count' and stratum columns), or a project folder "
                                               "(histories of its latest link run)."),
        method: list[str] = typer.Option(["loglinear"], "--method", "-m",
                                         help="lincoln-petersen, chao, loglinear, lcmcr, dga or all; "
                                              "repeat or comma-separate for several."),
        selection: str = typer.Option("bic", help="Log-linear model selection: aic, bic, stepwise, "
                                                  "average-aic or average-bic."),
        max_order: int = typer.Option(None, "--max-order", help="Highest interaction order in "
                                                                "log-linear models (default: k-1)."),
        strata: str = typer.Option(None, "--strata", help="Stratum column(s), comma-separated: one "
                                                          "estimate per stratum plus the total."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        seed: int = typer.Option(None, help="Seed for random methods (default: 1)."),
        chains: int = typer.Option(None, help="Chains for lcmcr."),
        samples: int = typer.Option(None, help="Posterior samples per chain for lcmcr."),
        burn_in: int = typer.Option(None, "--burn-in", help="Iterations discarded per chain (lcmcr)."),
        thin: int = typer.Option(None, help="Iterations per kept draw (lcmcr)."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array (Estimate.to_dict())."),
        linkage_draws: int = typer.Option(0, "--linkage-draws", min=0, help="With a project folder: "
                                          "pool estimates over this many clusterings sampled from "
                                          "the match probabilities."),
    ) -> None:
        """Estimate the population size from a capture table."""
        from ..mse import read_capture_table
        from ..mse.api import estimate as run

        if selection not in {"aic", "bic", "stepwise", "average-aic", "average-bic"}:
            raise InputError("--selection must be aic, bic, stepwise, average-aic or average-bic",
                             column="--selection", value=selection)
        strata_cols = [s.strip() for s in strata.split(",") if s.strip()] if strata else None
        announce_lcmcr_compile(method, as_json=as_json)
        options = dict(selection=selection, max_order=max_order, level=level,
                       seed=1 if seed is None else seed, chains=chains, samples=samples,
                       burn_in=burn_in, thin=thin)
        if table.is_dir():
            from ..linkage.uncertainty import estimate_project

            tab, rows = estimate_project(table, method, strata=strata_cols, draws=linkage_draws,
                                         **options)
        else:
            tab = read_capture_table(table, strata=strata_cols)
            rows = run(tab, method, **options)
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=1))
            return
        lists = ", ".join(f"{k} {v:,}" for k, v in tab.list_totals().items())
        print_estimates(rows, console, f"{escape(str(table))}: {tab.observed:,} observed on {tab.k} "
                                       f"lists ({escape(lists)})")
