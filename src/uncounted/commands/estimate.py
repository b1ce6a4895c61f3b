"""``uncounted estimate``: population size from a capture table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import (
    STATUS_STYLE,
    announce_lcmcr_compile,
    console,
    count_progress,
    err_console,
    escape,
    show_progress,
)
from ..exceptions import InputError


def _fmt(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}"


def print_estimates(rows, console, title: str) -> None:
    """Show ``title`` as a line (wrapped at the terminal's width, not squeezed into the table's),
    then the estimates as a Rich table."""
    from rich.table import Table

    t = Table()
    for col, just in [("method", "left"), ("model", "left"), ("stratum", "left"), ("observed", "right"),
                      ("estimate", "right"), ("interval", "right"), ("status", "left"),
                      ("note", "left")]:
        t.add_column(col, justify=just)
    strat = any(r.stratum is not None for r in rows)
    if not strat:
        t.columns.pop(2)
    for r in rows:
        said = [x.text(cli=True) for x in r.reasons if x.status != "ok"]  # notes stay in the JSON
        if r.estimable:
            interval = f"{_fmt(r.lower)} – {_fmt(r.upper)} ({r.level:.0%})"
        else:
            interval = "—"
            said = said or [r.reason or "not estimable"]
        style = STATUS_STYLE.get(r.status, "")
        cells = [r.method, escape(r.model or "—"), escape(r.stratum or ""), f"{r.observed:,}",
                 _fmt(r.estimate), interval, f"[{style}]{r.status.replace('_', ' ')}[/]",
                 escape("; ".join(said))]
        if not strat:
            cells.pop(2)
        t.add_row(*cells, style="dim" if not r.estimable else None)
    console.print(title, style="italic")
    console.print(t)


def _with_flag(err: InputError) -> InputError:
    """The same error, naming the command-line flag of the parameter it is about."""
    name = err.column
    if not isinstance(name, str) or name.startswith("-") or err.file is not None:
        return err
    from ..mse.status import flag  # the one spelling of a setting's flag (reasons use it too)

    out = InputError(f"{err} (on the command line: {flag(name)})", value=err.value)
    out.column = flag(name)
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def estimate(
        table: Path = typer.Argument(..., help="Capture-table CSV (one 0/1 column per list, optional "
                                               "'count' and stratum columns), or a project folder "
                                               "(histories of its latest link run)."),
        method: list[str] = typer.Option(["loglinear"], "--method", "-m",
                                         help="lincoln-petersen, chao, loglinear, lcmcr, dga or all; "
                                              "repeat or comma-separate for several."),
        selection: str = typer.Option(None, help="Log-linear model selection: aic, bic (default), "
                                                 "stepwise, average-aic or average-bic."),
        max_order: int = typer.Option(None, "--max-order", help="Highest interaction order in "
                                                                "log-linear models (default: k-1)."),
        interval: str = typer.Option(None, "--interval", help="Log-linear interval: profile "
                                     "(default), wald (default for stepwise), bootstrap "
                                     "(parametric) or bca (resampling people, model re-selected "
                                     "on each resample; SparseMSE's estimatepopulation)."),
        strata: str = typer.Option(None, "--strata", help="Stratum column(s), comma-separated: one "
                                                          "estimate per stratum plus the total."),
        lists: str = typer.Option(None, "--lists", help="List columns, comma-separated names or "
                                                        "patterns such as 'in_*' (default: every "
                                                        "column but count and the strata)."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        seed: int = typer.Option(None, help="Seed for random methods (default: 1)."),
        chains: int = typer.Option(None, help="Chains for lcmcr."),
        n_draws: int = typer.Option(None, "--n-draws", "--samples",
                                    help="Draws: per chain for lcmcr, of N for dga, bootstrap "
                                         "replicates for loglinear."),
        burn_in: int = typer.Option(None, "--burn-in", help="Iterations discarded per chain (lcmcr)."),
        thin: int = typer.Option(None, help="Iterations per kept draw (lcmcr)."),
        max_classes: int = typer.Option(None, "--max-classes", help="Truncation of the latent "
                                                                    "classes (lcmcr)."),
        n_max: int = typer.Option(None, "--n-max", help="Largest N on dga's grid."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array (Estimate.to_dict())."),
        linkage_draws: int = typer.Option(0, "--linkage-draws", min=0, help="With a project folder: "
                                          "pool estimates over this many clusterings sampled from "
                                          "the match probabilities."),
    ) -> None:
        """Estimate the population size from a capture table."""
        from ..mse import read_capture_table
        from ..mse.api import estimate as run

        if selection not in {None, "aic", "bic", "stepwise", "average-aic", "average-bic"}:
            raise InputError("--selection must be aic, bic, stepwise, average-aic or average-bic",
                             column="--selection", value=selection)
        if interval not in {None, "profile", "wald", "bootstrap", "bca"}:
            raise InputError("--interval must be profile, wald, bootstrap or bca",
                             column="--interval", value=interval)
        strata_cols = [s.strip() for s in strata.split(",") if s.strip()] if strata else None
        announce_lcmcr_compile(method, as_json=as_json)
        list_cols = [s.strip() for s in lists.split(",") if s.strip()] if lists else None
        given = {"selection": selection, "max_order": max_order, "interval": interval,
                 "chains": chains, "n_draws": n_draws, "burn_in": burn_in, "thin": thin,
                 "max_classes": max_classes, "n_max": n_max}
        options = {k: v for k, v in given.items() if v is not None}
        options.update(level=level, seed=1 if seed is None else seed)
        options["errors"] = "row"  # an unexpected error in one method is that method's row
        with count_progress("estimating", show_progress(as_json)) as progress:
            options["progress"] = progress
            if table.is_dir():
                from ..histories import estimate_project

                if linkage_draws:
                    options.pop("progress"), options.pop("errors")
                tab, rows = estimate_project(table, method, strata=strata_cols,
                                             draws=linkage_draws, **options)
            else:
                tab = read_capture_table(table, strata=strata_cols, lists=list_cols)
                try:
                    rows = run(tab, method, **options)
                except InputError as err:
                    raise _with_flag(err) from err
        if table.is_dir():
            _linkage_warnings(table)
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=1))
            return
        lists = ", ".join(f"{k} {v:,}" for k, v in tab.list_totals().items())
        print_estimates(rows, console, f"{escape(str(table))}: {tab.observed:,} observed on {tab.k} "
                                       f"lists ({escape(lists)})")


def _linkage_warnings(directory: Path) -> None:
    """Say on stderr (also under --json) when the link run behind the estimates gave warnings."""
    from ..linkage.checks import strict_failures
    from ..project import Project

    with Project.open(directory).store(read_only=True) as store:
        guard = store.runs.guard()
    codes = list(dict.fromkeys(strict_failures(guard["checks"]))) if guard else []
    if codes:
        err_console.print(f"warning: link run {guard['run_id']} gave {len(codes)} kind(s) of "
                          f"linkage warning ({escape(', '.join(codes))}); these estimates count "
                          "its persons. Read them ('uncounted link', or the report) before "
                          "publishing a number.", highlight=False)
