"""``uncounted compare``: named, nowcast, MSE, excess-mortality and probate estimates side by side."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import console, escape

_OPT = {
    "snapshots": typer.Option(None, "--snapshots", help="Named list by month of death, monthly "
                              "snapshots (gives the named count and its nowcast)."),
    "weekly": typer.Option(None, "--named-weekly", help="Named by week of death: week/week_start "
                           "and real/total columns."),
    "daily": typer.Option(None, "--named-daily", help="Running named total by scrape date "
                          "(as_of_date, named_total)."),
    "mse": typer.Option(None, "--mse", help="Output of `uncounted estimate --json`."),
    "excess": typer.Option(None, "--excess", help="Output of `uncounted excess --json`."),
    "probate": typer.Option(None, "--probate", help="Meduza/Mediazona probate weekly file."),
    "chart": typer.Option(None, "--chart", help="Write a PNG chart, one series per measure."),
}


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        start: str = typer.Option("2022-02-24", "--from", help="First day of the period."),
        end: str = typer.Option("2022-12-31", "--to", help="Last day of the period."),
        snapshots: Path = _OPT["snapshots"],
        named_weekly: Path = _OPT["weekly"],
        named_daily: Path = _OPT["daily"],
        mse: Path = _OPT["mse"],
        excess: Path = _OPT["excess"],
        probate: Path = _OPT["probate"],
        chart: Path = _OPT["chart"],
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level (nowcast)."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON list of rows."),
    ) -> None:
        """Estimates of the same deaths side by side, one row per source, labelled by measure."""
        from rich.table import Table

        from ..excess.compare import compare as run

        table = run(start, end, snapshots=snapshots, named_weekly_file=named_weekly,
                    named_daily_file=named_daily, mse=mse, excess=excess, probate_file=probate,
                    level=level)
        title = f"Deaths {start} – {end}, by measure (never add across measures)"
        if chart and len(table):
            from ..excess.charts import compare_chart

            compare_chart(table, chart, title)
        if as_json:
            rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                    for r in table.to_dict("records")]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        t = Table(title=escape(title), title_justify="left")
        for c in ("measure", "source", "period", "value", "interval", "note"):
            t.add_column(c, justify="right" if c == "value" else "left")
        for r in table.itertuples():
            interval = "—" if math.isnan(r.lower) else f"{r.lower:,.0f} – {r.upper:,.0f}"
            t.add_row(escape(r.measure), escape(r.source), r.period, f"{r.value:,.0f}", interval,
                      escape(r.note))
        console.print(t)
