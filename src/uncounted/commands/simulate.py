"""``uncounted simulate``: a population and noisy source lists with known truth."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        out_dir: Path = typer.Argument(..., help="Folder to write the lists, truth.csv and population.csv "
                                                 "to (with --capture-table-only: a .csv file or a folder)."),
        population: int = typer.Option(None, "--population", "-n", help="Number of people (default: the "
                                                                         "scenario's; 20,000 by default)."),
        lists: int = typer.Option(None, "--lists", "-k", help="Number of lists (default: the scenario's)."),
        seed: int = typer.Option(1, help="Seed; the same seed gives the same files byte for byte."),
        scenario: str = typer.Option(None, help="Scenario TOML file, or default, independent, "
                                                "heterogeneous, five_sources (default: default)."),
        capture_table_only: bool = typer.Option(False, "--capture-table-only",
                                                help="Draw only the capture table (fast, no names)."),
    ) -> None:
        """Simulate source lists with known truth (or only a capture table) from a scenario."""
        from ..simulate import simulate_capture_table, simulate_lists
        from ..simulate.api import resolve_scenario

        scn = resolve_scenario(scenario, population, lists)
        if capture_table_only:
            table = simulate_capture_table(seed=seed, scenario=scn)
            path = out_dir if out_dir.suffix.lower() == ".csv" else out_dir / "capture_table.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(path)
            totals = ", ".join(f"{k} {v:,}" for k, v in table.list_totals().items())
            console.print(f"Wrote [bold]{escape(str(path))}[/]: {table.observed:,} of "
                          f"{scn.population.size:,} people observed on {table.k} lists ({escape(totals)}).")
            return
        with console.status(f"Simulating {scn.population.size:,} people on {len(scn.lists)} lists ..."):
            res = simulate_lists(out_dir, seed=seed, scenario=scn)
        from rich.table import Table

        t = Table(title=f"{escape(str(res.out_dir))}: scenario {escape(scn.name)}, seed {seed}, "
                        f"{res.size:,} people, {res.capture_table.observed:,} on at least one list",
                  title_justify="left")
        for col in ("list", "file", "records", "persons"):
            t.add_column(col, justify="right" if col in ("records", "persons") else "left")
        per_list = res.truth.groupby("list", sort=False)
        for name, path in res.files.items():
            sub = per_list.get_group(name) if name in per_list.groups else res.truth.iloc[:0]
            t.add_row(escape(name), escape(path.name), f"{len(sub):,}", f"{sub['person_id'].nunique():,}")
        console.print(t)
        console.print("Truth: truth.csv (list, record_id, person_id, errors); people: population.csv; "
                      "settings: scenario.json")
