"""``uncounted persons``: the clustering of the latest link run as CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape


def register(app: typer.Typer) -> None:
    @app.command()
    def persons(
        directory: Path = typer.Argument(..., help="Project folder."),
        out: Path = typer.Option(..., "--out", "-o", help="CSV to write: list, record_id, "
                                                          "person_id, match_probability."),
        run: int = typer.Option(None, "--run", help="Link run id (default: the latest)."),
    ) -> None:
        """Write which person each record belongs to."""
        from ..histories import latest_run_id
        from ..project import Project

        project = Project.open(directory)
        with project.store(read_only=True) as store:
            run_id = latest_run_id(store.con) if run is None else run
            frame = store.execute(
                "SELECT list_name AS list, record_id, person_id, match_probability FROM persons "
                "WHERE run_id = ? ORDER BY list_name, record_id", [run_id]).df()
        if frame.empty:
            from ..exceptions import ProjectError

            raise ProjectError(f"link run {run_id} has no persons; run 'uncounted link'")
        frame.to_csv(out, index=False, encoding="utf-8", float_format="%.6g")
        console.print(f"{escape(str(out))}: {len(frame):,} records, "
                      f"{frame['person_id'].nunique():,} persons (link run {run_id})",
                      highlight=False)
