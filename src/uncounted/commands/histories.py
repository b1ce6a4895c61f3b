"""``uncounted histories``: the capture table of persons x lists, for ``uncounted estimate``."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import column_names, console, escape
from ..i18n import _, format_number


def register(app: typer.Typer) -> None:
    @app.command()
    def histories(
        directory: Path = typer.Argument(..., help="Project folder."),
        out: Path = typer.Option(..., "--out", "-o", help="Capture-table CSV to write."),
        strata: str = typer.Option(None, "--strata", help="Comma-separated: region, "
                                   "federal_district, region_status, birth_year, death_year, "
                                   "unit, rank."),
        run: int = typer.Option(None, "--run", help="Link run id (default: the latest)."),
    ) -> None:
        """Write the capture histories of the persons of a link run (review decisions applied)."""
        from ..histories import capture_table
        from ..project import Project

        cols = column_names(strata)
        project = Project.open(directory)
        with project.store(read_only=True) as store:
            table = capture_table(store, run_id=run, strata=cols)
        table.to_csv(out)
        totals = ", ".join(f"{k} {format_number(v)}" for k, v in table.list_totals().items())
        console.print(_("{file}: {observed} persons on {k} lists ({totals})").format(
            file=escape(str(out)), observed=format_number(table.observed), k=table.k,
            totals=escape(totals)), highlight=False)
