"""``uncounted excess``: excess deaths by region from registry counts (a second opinion)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from .._console import Column, check_format, console, escape, print_table
from ..exceptions import InputError
from ..i18n import N_, _, format_number


def parse_span(text: str, option: str) -> tuple[int, int]:
    """``"2015-2019"`` -> ``(2015, 2019)``; a located error otherwise."""
    parts = str(text).replace("–", "-").split("-")
    try:
        lo, hi = (int(parts[0]), int(parts[1])) if len(parts) == 2 else (None, None)
    except ValueError:
        lo = hi = None
    if lo is None or hi < lo:
        raise InputError(f"expected two whole numbers FIRST-LAST with FIRST <= LAST, e.g. "
                         f"{'2015-2019' if option == '--baseline' else '15-49'}",
                         column=option, value=text)
    return lo, hi


def _fmt(x: float) -> str:
    return "—" if x is None or math.isnan(x) else format_number(x)


def _print(rows, console, title, fmt: str = "table"):
    """One row per region (and age group): the table, or every column as CSV/JSON."""
    records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
               for r in rows.to_dict("records")]
    if fmt != "table":
        print_table(records, [Column(str(c)) for c in rows.columns], fmt=fmt, out=console)
        return
    for r in records:
        r["p_score_pct"] = None if r.get("p_score") is None else f"{100 * r['p_score']:.0f}%"
        r["z_1"] = None if r.get("z") is None else f"{r['z']:.1f}"
    cols = [Column("region", _("region")), Column("region_name", _("name")),
            Column("ages", _("ages")),
            *(Column(k, _(h), "right", show=_fmt) for k, h in (
                ("observed", N_("observed")), ("expected", N_("expected")),
                ("estimate", N_("excess")), ("se", N_("se")))),
            Column("z_1", "z", "right"), Column("p_score_pct", "P-score", "right")]
    print_table(records, cols, title=title, out=console,
                row_styles=["bold" if r["region"] == "RU" else None for r in records])


_DEATHS = typer.Argument(..., help="Long CSV of registry deaths: iso_code, Year, Age, Gender, "
                                   "Deaths [, Region, excl_autonomous_okrugs].")


def register(app: typer.Typer) -> None:
    @app.command()
    def excess(
        deaths: Path = _DEATHS,
        baseline: str = typer.Option("2015-2019", help="Baseline years FIRST-LAST."),
        year: int = typer.Option(2022, help="Target year."),
        ages: str = typer.Option("15-49", help="Age band LO-HI, tiled by the table's age groups."),
        sex_ratio: bool = typer.Option(False, "--sex-ratio", help="Male excess from the trend of "
                                       "the male/female death ratio (Kobak et al. 2025; default)."),
        trend: bool = typer.Option(False, "--trend", help="Excess over the linear trend of deaths."),
        sex: str = typer.Option("m", help="Sex for --trend: m or f."),
        ols_dof: bool = typer.Option(False, "--ols-dof", help="Residual variance with baseline "
                                     "years - 2 degrees of freedom instead of Kobak's choice "
                                     "(standard errors x sqrt(2) for 2015-2019 -> 2022)."),
        by_age: bool = typer.Option(False, "--by-age", help="Also one row per age group."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {region, estimate, "
                                     "se, ...}; region is the ISO code, RU the country."),
        fmt: str = typer.Option("table", "--format", help="table, csv or json (as --json)."),
    ) -> None:
        """Excess deaths by region, age band and sex from registry death counts."""
        from ..excess import excess_deaths, read_registry_deaths

        if sex_ratio and trend:
            raise InputError("choose one of --sex-ratio and --trend", column="--trend", value="both")
        method = "trend" if trend else "sex-ratio"
        rows = excess_deaths(read_registry_deaths(deaths), baseline=parse_span(baseline, "--baseline"),
                             year=year, ages=parse_span(ages, "--ages"), method=method, sex=sex,
                             residual_dof="ols" if ols_dof else "kobak", by_age=by_age)
        if not as_json and check_format(fmt) == "csv":
            _print(rows, console, "", fmt="csv")
            return
        if as_json or fmt == "json":
            out = [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in r.items()} for r in rows.to_dict("records")]
            typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
            return
        what = _("male/female ratio trend") if method == "sex-ratio" else \
            _("linear trend, sex %(sex)s") % {"sex": sex}
        _print(rows, console, _("%(file)s: excess deaths %(year)s, ages %(ages)s, baseline "
                                "%(baseline)s (%(what)s); se = standard error") % {
            "file": escape(deaths.name), "year": year, "ages": ages, "baseline": baseline,
            "what": what})
