"""``uncounted regions``: deaths per region per 100,000 men, concentration, regression, charts."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from .._console import Column, console, escape, print_table
from ..i18n import N_

INDICATORS_HELP = N_("Regional indicators CSV (iso_code, men_16_61_census2021, poverty, income, "
                     "unemployment; region_indicators_bessudnov.csv). Not bundled (no licence); "
                     "default: ../shared/data/ru/ when present.")


def run_regions(input_path: Path, out: Path, *, indicators: Path | None = None,
                project: Path | None = None, level: float = 0.95, plots: bool = True,
                mse: str | None = None, seed: int = 1,
                concentration_by: list[str] | None = None) -> dict:
    """Compute every regional table and write it to ``out``; returns the tables by name."""
    from ..analysis.concentration import concentration_table
    from ..analysis.deaths import read_deaths
    from ..analysis.reference import load_indicators
    from ..analysis.regions import (
        RATE_COLUMNS,
        group_rates,
        region_by_unit_type,
        regional_rates,
        unit_type_rates,
    )
    from ..analysis.regression import rate_regressions

    deaths = read_deaths(input_path, project=project)
    ind = load_indicators(indicators)
    rates = regional_rates(deaths, ind, level=level)
    wide = region_by_unit_type(deaths)
    if len(wide.columns) > 1:
        rates = rates.merge(wide, on="iso_code", how="left")
        n_cols = [c for c in wide.columns if c.startswith("n_")]
        rates[n_cols] = rates[n_cols].fillna(0).astype(int)
    rest = [c for c in rates.columns if c not in RATE_COLUMNS]
    rates = rates[RATE_COLUMNS + rest]
    tables = {
        "rates": rates,
        "districts": group_rates(rates, "federal_district", level=level),
        "subject_types": group_rates(rates, "subject_type", level=level),
        "unit_types": unit_type_rates(deaths, rates, level=level),
        "concentration": concentration_table(rates, concentration_by),
        "regression": rate_regressions(rates),
    }
    if mse:
        from ..analysis.mse_regions import mse_rates

        tables["mse_rates"] = mse_rates(deaths, rates, mse, level=level, seed=seed)
    from .._safe_csv import write_frame

    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_frame(df, out / f"{name}.csv", index=False)
    if plots:
        from ..analysis.plots import lorenz_png, rate_vs_indicator_png

        lorenz_png(rates, out / "lorenz.png")
        rate_vs_indicator_png(rates, out / "rate_vs_poverty.png")
    tables["deaths"] = deaths
    return tables


def print_summary(tables: dict, out: Path, console) -> None:
    """A short Rich summary of the regional tables."""
    import pandas as pd

    deaths, rates = tables["deaths"], tables["rates"]
    nat = tables["districts"].iloc[-1]
    console.print(f"[bold]{escape(deaths.source)}[/]: {deaths.total:,} deaths, "
                  f"{len(deaths.frame):,} with a region ({deaths.no_region:,} without); "
                  f"national rate {nat['per_100k']:.1f} per 100,000 men aged 16-61 "
                  f"({nat['lower']:.1f}-{nat['upper']:.1f})")
    r = rates[rates["men"].notna()].sort_values("per_100k", ascending=False)
    shown = r if len(r) <= 9 else pd.concat([r.head(6), r.tail(3)])
    rows = [{"region": str(row["name_en"]), "deaths": row["deaths"], "men": row["men"],
             "per_100k": f"{row['per_100k']:.1f}",
             "interval": f"{row['lower']:.1f}-{row['upper']:.1f}"} for _, row in shown.iterrows()]
    print_table(rows, [Column("region"), Column("deaths", justify="right", show=lambda v: f"{v:,}"),
                       Column("men", justify="right", show=lambda v: f"{v:,.0f}"),
                       Column("per_100k", "per 100k", "right"),
                       Column("interval", "95% interval", "right")],
                title="Highest and lowest rates per 100,000 men aged 16-61", out=console)
    conc = tables["concentration"]
    g = conc.loc[conc["measure"] == "gini", "value"].iloc[0]
    pq = conc[(conc["measure"] == "poorest_share")
              & (conc["indicator"] == "pct_below_subsistence_2020")
              & (conc["definition"] == "poorest 25% of men")]
    line = f"Gini of regional rates {g:.2f}"
    if len(pq):
        p = pq.iloc[0]
        line += (f"; the poorest regions (by % below subsistence) holding 25% of men have "
                 f"{p['value']:.0%} of the deaths (ratio {p['ratio']:.2f})")
    console.print(line)
    reg = tables["regression"]
    head = reg[(reg["model"] == "poverty") & (reg["method"] == "negbin_glm")
               & (reg["term"] == "pct_below_subsistence_2020")] if "term" in reg else reg.iloc[:0]
    if len(head):
        h = head.iloc[0]
        console.print(f"Negative-binomial GLM (headline): each point of poverty multiplies the rate "
                      f"by {h['rate_ratio']:.3f} (HC3 95% CI {math.exp(h['ci_low']):.3f}-"
                      f"{math.exp(h['ci_high']):.3f}, p = {h['p']:.3g})")
    if "mse_rates" in tables:
        m = tables["mse_rates"]
        tot = m.iloc[-1]
        ok = int(m["estimable"].iloc[:-1].sum())
        total = (f"total {tot['estimate']:,.0f} ({tot['estimate_lower']:,.0f}-"
                 f"{tot['estimate_upper']:,.0f})" if tot["estimable"]
                 else "no total (some regions are not estimable; see the reason column)")
        console.print(f"MSE by region ({escape(str(tot['method']))}): {ok} of {len(m) - 1} regions "
                      f"estimable; {total}; {int(tot['observed']):,} observed (mse_rates.csv)")
    files = [f"{name}.csv" for name in tables if name != "deaths"]
    files += [p.name for p in (out / "lorenz.png", out / "rate_vs_poverty.png") if p.exists()]
    console.print(f"Wrote {escape(str(out))}/: {escape(', '.join(files))}")


def register(app: typer.Typer) -> None:
    @app.command()
    def regions(
        input_path: Path = typer.Argument(..., metavar="INPUT",
                                          help="A list of deaths (region or iso_code column), a "
                                               "persons table, or a project folder."),
        out: Path = typer.Option(..., "--out", "-o", help="Folder for the CSV tables and charts."),
        indicators: Path = typer.Option(None, "--indicators", help=INDICATORS_HELP),
        project: Path = typer.Option(None, "--project",
                                     help="The project a persons table came from (its records "
                                          "hold the regions)."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw the PNG charts."),
        mse: str = typer.Option(None, "--mse", help="Also estimate deaths per region by MSE "
                                                    "(a method of 'uncounted estimate', e.g. chao, "
                                                    "loglinear): needs persons with their lists "
                                                    "(a project or persons table). Writes "
                                                    "mse_rates.csv."),
        seed: int = typer.Option(1, help="Seed for random MSE methods."),
        indicator: list[str] = typer.Option(None, "--indicator",
                                            help="Indicator column(s) for the concentration "
                                                 "table (repeat; 'NAME:low' when a lower value "
                                                 "is poorer). Default: poverty, unemployment, "
                                                 "income, subsistence level."),
    ) -> None:
        """Deaths per region per 100,000 men of military age, by district and unit type,
        concentration and regression on poverty, income and unemployment."""

        tables = run_regions(input_path, out, indicators=indicators, project=project, level=level,
                             plots=plots, mse=mse, seed=seed, concentration_by=indicator or None)
        print_summary(tables, out, console)
