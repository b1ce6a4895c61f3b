"""``uncounted nowcast``: reporting delay of a named list and the expected count per month of death."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import console, escape

_SNAPSHOTS = typer.Argument(..., help="CSV snapshot_date, month_of_death, named_deaths: repeated "
                                      "snapshots of a named list counted by month of death.")


_CHART = typer.Option(None, "--chart", help="Write a PNG chart of named vs nowcast.")


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _records(df):
    return [{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")]


def _print(mack, boot, console, title):
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    cols = ["month", "lag", "named", "nowcast", "se", "interval", "% named"]
    if boot is not None:
        cols += ["bootstrap", "boot interval"]
    for c in cols:
        t.add_column(c, justify="left" if c == "month" else "right")
    for i, r in enumerate(mack.itertuples()):
        if math.isnan(r.nowcast):
            cells = [r.month_of_death, str(r.lag), f"{r.named:,.0f}", "—", "—", "—", "—"]
        else:
            cells = [r.month_of_death, str(r.lag), f"{r.named:,.0f}", f"{r.nowcast:,.0f}",
                     f"{r.se:,.0f}", f"{r.lower:,.0f} – {r.upper:,.0f}", f"{100 * r.share_named:.0f}%"]
        if boot is not None:
            b = boot.iloc[i]
            cells += [f"{b.nowcast:,.0f}", f"{b.lower:,.0f} – {b.upper:,.0f}"]
        t.add_row(*cells)
    console.print(t)


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
    ) -> None:
        """Reporting-delay distribution and expected count per month of death (chain ladder)."""
        from ..excess import (
            backtest,
            bootstrap_chain_ladder,
            build_triangle,
            mack_chain_ladder,
            read_snapshots,
        )

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
        _print(mack, boot, console, f"{escape(snapshots.name)}: expected count named by lag "
                                    f"{mack.attrs['target_lag']} months, {level:.0%} intervals")
