"""``uncounted claims``: evaluate a claims file against data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import Column, check_format, console, escape, print_table
from .regions import INDICATORS_HELP

VERDICT_STYLE = {"supported": "green", "not supported": "red", "depends on definition": "yellow",
                 "not evaluable": "dim"}


def _fmt(quantity: str, value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.1%}" if quantity == "share_of_deaths" else f"{value:.2f}"


def print_verdicts(verdicts, console) -> None:
    """Each claim: its verdict, then one line per definition with the number and whether it holds."""
    for v in verdicts:
        style = VERDICT_STYLE[v.verdict]
        console.print(f"\n[bold]{escape(v.claim['id'])}[/]: {escape(v.claim['statement'].strip())}")
        console.print(f"  verdict: [bold {style}]{v.verdict}[/]  (threshold "
                      f"{v.claim['threshold']['op']} {v.claim['threshold']['value']}, "
                      f"{v.claim['quantity']}, source: {escape(str(v.claim['source']))}, "
                      f"{escape(str(v.claim['date']))})")
        rows = []
        for e in v.evaluations:
            shares = ""
            if "share_of_men" in e.detail:
                shares = f"{e.detail['share_of_deaths']:.1%} / {e.detail['share_of_men']:.1%}"
            elif "n_figures" in e.detail:
                shares = f"{e.detail['n_figures']} bonus figures, range " \
                         f"{e.detail.get('min', float('nan')):.1f}-{e.detail.get('max', float('nan')):.1f}"
            rows.append({"definition": e.label, "value": _fmt(v.claim["quantity"], e.value),
                         "holds": "yes" if e.holds else "no", "shares": shares})
        print_table(rows, [Column("definition", whole=False), Column("value", justify="right"),
                           Column("holds", justify="right"),
                           Column("shares", "deaths / men share", "right")], out=console)
        if v.flipping:
            console.print(f"  flips under: {escape('; '.join(v.flipping))}")
        for n in v.notes:
            console.print(f"  [dim]note: {escape(n)}[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def claims(
        claims_file: Path = typer.Argument(..., metavar="CLAIMS",
                                           help="Claims file (.yaml or .toml); the shipped one is "
                                                "src/uncounted/data/claims/russia_war_dead.yaml."),
        data: Path = typer.Option(..., "--data", help="Deaths: a list (region or iso_code column), "
                                                      "a persons table or a project folder."),
        indicators: Path = typer.Option(None, "--indicators", help=INDICATORS_HELP),
        project: Path = typer.Option(None, "--project", help="Project of a persons table."),
        bonuses: Path = typer.Option(None, "--bonuses", help="Sign-up bonus CSV (default: the "
                                                             "packaged signup_bonuses.csv)."),
        measure: str = typer.Option("named_confirmed", "--data-measure",
                                    help="What the data count: named_confirmed, killed ..."),
        out: Path = typer.Option(None, "--out", help="Write the verdicts as CSV here."),
        as_json: bool = typer.Option(False, "--json", help="Print the verdicts as JSON."),
        fmt: str = typer.Option("table", "--format", help="table, csv (one row per claim and "
                                                          "definition, as --out) or json (as --json)."),
    ) -> None:
        """Evaluate each claim against the data: supported, not supported, or depends on
        definition, with the numbers and the definitions that flip it."""
        from ..analysis.claims import MEASURES, evaluate_on_deaths, load_claims, verdict_table
        from ..analysis.deaths import read_deaths
        from ..exceptions import InputError

        if measure not in MEASURES:
            raise InputError(f"--data-measure must be one of {', '.join(MEASURES)}",
                             column="--data-measure", value=measure)

        spec = load_claims(claims_file)
        deaths = read_deaths(data, project=project)
        bonus_table = None
        if bonuses is not None:
            import pandas as pd

            bonus_table = pd.read_csv(bonuses, dtype=str, keep_default_na=False)
            bonus_table["amount_rub"] = pd.to_numeric(bonus_table["amount_rub"])
        verdicts = evaluate_on_deaths(spec, deaths, indicators, bonuses=bonus_table,
                                      measure=measure)
        if out is not None:
            from .._safe_csv import write_frame

            write_frame(verdict_table(verdicts), out, index=False)
        if as_json or check_format(fmt) == "json":
            typer.echo(json.dumps([v.to_dict() for v in verdicts], ensure_ascii=False, indent=1))
            return
        if fmt == "csv":
            typer.echo(verdict_table(verdicts).to_csv(index=False), nl=False)
            return
        print_verdicts(verdicts, console)
