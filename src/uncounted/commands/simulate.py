"""``uncounted simulate``: a population and noisy source lists with known truth."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import Column, check_format, console, escape, print_table
from ..i18n import _, format_number


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
        fmt: str = typer.Option("table", "--format", help="table, csv or json: the lists written "
                                                          "(one row per list)."),
    ) -> None:
        """Simulate source lists with known truth (or only a capture table) from a scenario."""
        from ..simulate import simulate_capture_table, simulate_lists
        from ..simulate.api import resolve_scenario

        check_format(fmt)
        scn = resolve_scenario(scenario, population, lists)
        if capture_table_only:
            table = simulate_capture_table(seed=seed, scenario=scn)
            path = out_dir if out_dir.suffix.lower() == ".csv" else out_dir / "capture_table.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(path)
            totals = ", ".join(f"{k} {format_number(v)}" for k, v in table.list_totals().items())
            console.print(_("Wrote {path}: {observed} of {size} people observed on {k} lists "
                            "({totals}).").format(path=f"[bold]{escape(str(path))}[/]",
                                                  observed=format_number(table.observed),
                                                  size=format_number(scn.population.size),
                                                  k=table.k, totals=escape(totals)),
                          highlight=False)
            return
        with console.status(_("Simulating {size} people on {k} lists ...").format(
                size=format_number(scn.population.size), k=len(scn.lists))):
            res = simulate_lists(out_dir, seed=seed, scenario=scn)
        per_list = res.truth.groupby("list", sort=False)
        rows = []
        for name, path in res.files.items():
            sub = per_list.get_group(name) if name in per_list.groups else res.truth.iloc[:0]
            rows.append({"list": name, "file": path.name, "records": len(sub),
                         "persons": int(sub["person_id"].nunique())})
        title = _("{folder}: scenario {scenario}, seed {seed}, {size} people, {observed} on at least "
                  "one list").format(folder=escape(str(res.out_dir)), scenario=escape(scn.name),
                                     seed=seed, size=format_number(res.size),
                                     observed=format_number(res.capture_table.observed))
        print_table(rows, [Column("list", _("list")), Column("file", _("file")),
                           Column("records", _("records"), "right", show=format_number),
                           Column("persons", _("persons"), "right", show=format_number)],
                    fmt=fmt, title=title)
        if fmt == "table":
            console.print(_("Truth: truth.csv (list, record_id, person_id, errors); people: "
                            "population.csv; settings: scenario.json"), highlight=False)
