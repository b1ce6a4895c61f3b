"""``uncounted nowcast``: reporting delay of a named list and the expected count per month of death."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import Column, check_format, console, escape, print_table
from ..i18n import _, format_number

_SNAPSHOTS = typer.Argument(..., help="CSV snapshot_date, month_of_death, named_deaths: repeated "
                                      "snapshots of a named list counted by month of death.")


_CHART = typer.Option(None, "--chart", help="Write a PNG chart of named vs nowcast.")


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _records(df):
    return [{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")]


def _rows(mack, boot) -> list[dict]:
    """One flat row per month of death: the chain ladder's numbers and the bootstrap's."""
    rows = []
    for i, r in enumerate(_records(mack)):
        if boot is not None:
            b = boot.iloc[i]
            r.update(boot_nowcast=_clean(float(b.nowcast)), boot_lower=_clean(float(b.lower)),
                     boot_upper=_clean(float(b.upper)))
        rows.append(r)
    return rows


def _print(mack, boot, console, title, fmt: str = "table"):
    rows = _rows(mack, boot)
    if fmt != "table":
        keys = list(dict.fromkeys(k for r in rows for k in r))
        print_table(rows, [Column(k) for k in keys], fmt=fmt, out=console)
        return

    def num(x):
        return "—" if x is None else format_number(x)

    for r in rows:
        if r.get("nowcast") is not None:
            r["interval"] = f"{num(r['lower'])} – {num(r['upper'])}"
            r["pct"] = f"{100 * r['share_named']:.0f}%"
        if r.get("boot_nowcast") is not None:
            r["boot_interval"] = f"{num(r['boot_lower'])} – {num(r['boot_upper'])}"
    cols = [Column("month_of_death", _("month")), Column("lag", _("lag"), "right"),
            Column("named", _("named"), "right", show=num),
            Column("nowcast", _("nowcast"), "right", show=num),
            Column("se", _("se"), "right", show=num),
            Column("interval", _("interval"), "right"), Column("pct", _("% named"), "right")]
    if boot is not None:
        cols += [Column("boot_nowcast", _("bootstrap"), "right", show=num),
                 Column("boot_interval", _("boot interval"), "right")]
    print_table(rows, cols, title=title, out=console)


def register(app: typer.Typer) -> None:
    @app.command()
    def nowcast(
        snapshots: Path = _SNAPSHOTS,
        as_of: str = typer.Option(None, "--as-of", help="Use only snapshots up to this date."),
        target_lag: int = typer.Option(None, "--target-lag", help="Lag in months to project to "
                                       "(default: the largest lag observed)."),
        bootstrap: bool = typer.Option(True, "--bootstrap/--no-bootstrap",
                                       help="Also the over-dispersed Poisson bootstrap."),
        draws: int = typer.Option(1000, min=100, help="Bootstrap replicates."),
        seed: int = typer.Option(1, help="Seed of the bootstrap."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        chart: Path = _CHART,
        backtest_at: str = typer.Option(None, "--backtest", help="Backtest instead: fit up to this "
                                        "date, score against --evaluate-at."),
        evaluate_at: str = typer.Option(None, "--evaluate-at", help="Date of the snapshot the "
                                        "backtest is scored against (default: the last one)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        fmt: str = typer.Option("table", "--format", help="table, csv (one row per month) or json "
                                                          "(as --json)."),
    ) -> None:
        """Reporting-delay distribution and expected count per month of death (chain ladder)."""
        from ..excess import (
            backtest,
            bootstrap_chain_ladder,
            build_triangle,
            mack_chain_ladder,
            read_snapshots,
        )

        as_json = as_json or check_format(fmt) == "json"
        snaps = read_snapshots(snapshots)
        if backtest_at:
            per, summary = backtest(snaps, backtest_at, evaluate_at or snaps.snapshot_date.max(),
                                    level=level)
            if as_json:
                typer.echo(json.dumps({"summary": summary, "months": _records(per)}, indent=1))
            else:
                console.print(escape(json.dumps(summary, indent=1)))
            return
        tri = build_triangle(snaps, as_of=as_of)
        mack = mack_chain_ladder(tri, target_lag=target_lag, level=level)
        boot = (bootstrap_chain_ladder(tri, target_lag=target_lag, draws=draws, seed=seed, level=level)
                if bootstrap else None)
        if chart:
            from ..excess.charts import nowcast_chart

            nowcast_chart(mack, chart, boot)
        if as_json:
            delay = mack.attrs["delay"]
            out = {"target_lag": mack.attrs["target_lag"], "level": level,
                   "delay": [{"lag": k, "share_named": _clean(float(s))} for k, s in enumerate(delay)],
                   "mack": _records(mack),
                   "bootstrap": None if boot is None else {"seed": seed, "draws": draws,
                                                           "phi": boot.attrs["phi"],
                                                           "months": _records(boot)}}
            typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
            return
        _print(mack, boot, console, _("%(file)s: expected count named by lag %(lag)s months, "
                                      "%(level)s intervals") % {
            "file": escape(snapshots.name), "lag": mack.attrs["target_lag"],
            "level": f"{level:.0%}"}, fmt=fmt)
