"""``uncounted persons``: the persons of the latest link run (review decisions applied) as CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape
from ..i18n import _, format_number


def register(app: typer.Typer) -> None:
    @app.command()
    def persons(
        directory: Path = typer.Argument(..., help="Project folder."),
        out: Path = typer.Option(..., "--out", "-o", help="CSV to write: list, record_id, "
                                                          "person_id, match_probability."),
        run: int = typer.Option(None, "--run", help="Link run id (default: the latest)."),
    ) -> None:
        """Write which person each record belongs to."""
        from ..histories import current_persons
        from ..project import Project

        project = Project.open(directory)
        with project.store(read_only=True) as store:
            persons = current_persons(store, run)
        run_id = persons.run_id
        frame = persons.frame.rename(columns={"list_name": "list"})[
            ["list", "record_id", "person_id", "match_probability"]]
        frame = frame.sort_values(["list", "record_id"], kind="stable")
        if frame.empty:
            from ..exceptions import Msg, ProjectError

            raise ProjectError(Msg("link run {run} has no persons; run 'uncounted link'",
                                   run=run_id))
        from .._safe_csv import write_frame

        write_frame(frame, out, index=False, encoding="utf-8", float_format="%.6g")
        console.print(_("{file}: {records} records, {persons} persons (link run {run})").format(
            file=escape(str(out)), records=format_number(len(frame)),
            persons=format_number(frame["person_id"].nunique()), run=run_id), highlight=False)
