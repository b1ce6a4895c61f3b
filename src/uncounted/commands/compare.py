"""``uncounted compare``: named, nowcast, MSE, excess-mortality and probate estimates side by side."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import Column, check_format, escape, print_table
from ..i18n import _, format_number

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
        fmt: str = typer.Option("table", "--format", help="table, csv or json (as --json)."),
    ) -> None:
        """Estimates of the same deaths side by side, one row per source, labelled by measure."""
        from ..excess.compare import compare as run

        table = run(start, end, snapshots=snapshots, named_weekly_file=named_weekly,
                    named_daily_file=named_daily, mse=mse, excess=excess, probate_file=probate,
                    level=level)
        title = _("Deaths %(start)s – %(end)s, by measure (never add across measures)") % {
            "start": start, "end": end}
        if chart and len(table):
            from ..excess.charts import compare_chart

            compare_chart(table, chart, title)
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in table.to_dict("records")]
        if as_json or check_format(fmt) == "json":
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
            return
        if fmt == "csv":
            print_table(rows, [Column(k) for k in table.columns], fmt="csv")
            return
        for r in rows:
            r["interval"] = "—" if r.get("lower") is None else \
                f"{format_number(r['lower'])} – {format_number(r['upper'])}"
        cols = [Column("measure", _("measure")), Column("source", _("source")),
                Column("period", _("period")),
                Column("value", _("value"), "right", show=format_number),
                Column("interval", _("interval"), "right"), Column("note", _("note"), whole=False)]
        print_table(rows, cols, title=escape(title))
