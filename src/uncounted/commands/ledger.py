"""``uncounted ledger``: published estimates over time, by measure, beside the project's own."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import Column, check_format, console, escape, print_table
from ..i18n import _, format_number


def print_ledger(ledger, console, title: str, fmt: str = "table") -> None:
    """One table per measure (measures are never mixed in one table); ``csv``/``json``: every row
    with its measure column."""
    from ..analysis.plots import MEASURE_TITLES

    if fmt != "table":
        rows = ledger.astype(object).where(ledger.notna(), None).to_dict("records")
        print_table(rows, [Column(str(c)) for c in ledger.columns], fmt=fmt, out=console)
        return
    mark = {"central": "", "midpoint": " ~", "at least": " ≥", "at most": " ≤"}
    cols = [Column("date", _("date")), Column("estimate", _("estimate"), "right"),
            Column("range", _("range"), "right"),
            Column("source", _("source (kind; certainty)"), whole=False)]
    for measure, part in ledger.groupby("measure", sort=False):
        rows, styles = [], []
        for _i, r in part.sort_values("date").iterrows():
            rng = ""
            if r["low"] == r["low"] or r["high"] == r["high"]:  # not both NaN
                lo = format_number(r["low"]) if r["low"] == r["low"] else "…"
                hi = format_number(r["high"]) if r["high"] == r["high"] else "…"
                rng = f"{lo}–{hi}"
            cert = str(r["certainty"] or "")
            cert = "" if cert in ("", "nan", "sourced", "as compiled by The Economist") else f"; {cert}"
            rows.append({"date": str(r["date"]),
                         "estimate": format_number(r["value"]) + mark.get(r["value_kind"], ""),
                         "range": rng, "source": f"{r['source_org']} ({r['source_kind']}{cert})"})
            styles.append("bold" if r["source_kind"] == "this_project" else None)
        print_table(rows, cols, title=f"{title}: {escape(MEASURE_TITLES.get(measure, measure))}",
                    out=console, row_styles=styles)
    console.print("[dim]" + escape(_("~ midpoint of the published range; ≥ only a lower bound "
                                     "published; ≤ only an upper bound")) + "[/]")


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
        fmt: str = typer.Option("table", "--format", help="table, csv or json (every row, with "
                                                          "its measure)."),
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
        print_ledger(shown, console, _("Published estimates (%(side)s)") % {"side": side},
                     fmt=check_format(fmt))
        if out is not None:
            from .._safe_csv import write_frame

            write_frame(shown, out, index=False)
        if plot is not None:
            ledger_png(led, plot, own=own, side=side)
            if fmt == "table":
                console.print(_("Wrote %(path)s") % {"path": escape(str(plot))})
