"""``uncounted ledger``: published estimates over time, by measure, beside the project's own."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape


def print_ledger(ledger, console, title: str) -> None:
    """One Rich table per measure (measures are never mixed in one table)."""
    from rich.table import Table

    from ..analysis.plots import MEASURE_TITLES

    for measure, part in ledger.groupby("measure", sort=False):
        t = Table(title=f"{title}: {MEASURE_TITLES.get(measure, measure)}", title_justify="left")
        for col in ("date", "estimate", "range", "source (kind; certainty)"):
            t.add_column(col, justify="right" if col in ("estimate", "range") else "left",
                         no_wrap=col != "source (kind; certainty)")
        for _, r in part.sort_values("date").iterrows():
            rng = ""
            if r["low"] == r["low"] or r["high"] == r["high"]:  # not both NaN
                lo = f"{r['low']:,.0f}" if r["low"] == r["low"] else "…"
                hi = f"{r['high']:,.0f}" if r["high"] == r["high"] else "…"
                rng = f"{lo}–{hi}"
            mark = {"central": "", "midpoint": " ~", "at least": " ≥", "at most": " ≤"}
            est = f"{r['value']:,.0f}{mark.get(r['value_kind'], '')}"
            style = "bold" if r["source_kind"] == "this_project" else None
            cert = str(r["certainty"] or "")
            cert = "" if cert in ("", "nan", "sourced", "as compiled by The Economist") else f"; {cert}"
            t.add_row(str(r["date"]), est, rng,
                      escape(f"{r['source_org']} ({r['source_kind']}{cert})"), style=style)
        console.print(t)
    console.print("[dim]~ midpoint of the published range; ≥ only a lower bound published; "
                  "≤ only an upper bound[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def ledger(
        measure: list[str] = typer.Option(None, "--measure", "-m",
                                          help="killed, killed_or_wounded or named_confirmed "
                                               "(repeat for several; default: all)."),
        side: str = typer.Option("russia", help="russia, ukraine or soviet_afghanistan_1979_1989."),
        plot: Path = typer.Option(None, "--plot", help="Write a PNG chart here (one panel per "
                                                       "measure)."),
        with_estimates: Path = typer.Option(None, "--with",
                                            help="JSON from 'uncounted estimate --json' to place "
                                                 "beside the published estimates."),
        as_measure: str = typer.Option("killed", "--as-measure",
                                       help="What the --with estimates estimate (an MSE from "
                                            "lists of named dead estimates 'killed')."),
        as_of: str = typer.Option(None, "--as-of", help="Date of the --with estimates "
                                                        "(YYYY-MM-DD; default: today)."),
        out: Path = typer.Option(None, "--out", help="Write the rows shown as CSV here."),
    ) -> None:
        """Print (and plot) published estimates of losses over time, one series per measure."""
        import pandas as pd

        from ..analysis.ledger import COLUMNS, load_ledger, own_estimates
        from ..analysis.plots import ledger_png

        for m in measure or []:
            load_ledger(measure=m)  # validates the name
        led = load_ledger(side=side)
        if measure:
            led = led[led["measure"].isin(measure)]
        own = None
        if with_estimates is not None:
            own = own_estimates(with_estimates, measure=as_measure, date=as_of)
            if measure:
                own = own[own["measure"].isin(measure)]
        shown = pd.concat([led[COLUMNS], own], ignore_index=True) if own is not None else led[COLUMNS]
        print_ledger(shown, console, f"Published estimates ({side})")
        if out is not None:
            from .._safe_csv import write_frame

            write_frame(shown, out, index=False)
        if plot is not None:
            ledger_png(led, plot, own=own, side=side)
            console.print(f"Wrote {plot}")
