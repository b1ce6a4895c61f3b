"""``uncounted lists``: the lists in a project, with counts, dates and file hashes."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape


def register(app: typer.Typer) -> None:
    @app.command("lists")
    def lists(directory: Path = typer.Argument(..., help="The project folder."),
              json_out: bool = typer.Option(False, "--json", help="Print JSON instead.")) -> None:
        """Show the project's source lists."""
        from rich.table import Table

        from ..records import list_summary

        df = list_summary(directory)
        if json_out:
            console.print_json(df.to_json(orient="records", date_format="iso", force_ascii=False))
            return
        if df.empty:
            console.print("no lists yet: add one with 'uncounted import DIR FILE --list NAME'")
            return
        t = Table("list", "records", "rejected", "rows read", "file", "sha256", "imports",
                  "updated")
        for r in df.itertuples(index=False):
            t.add_row(escape(r.list_name), f"{r.n_records:,}", f"{r.n_rejected or 0:,}",
                      "" if r.n_rows is None or r.n_rows != r.n_rows else f"{int(r.n_rows):,}",
                      escape(str(r.file_name)), str(r.file_sha256)[:12], str(r.n_imports),
                      str(r.updated_at)[:19])
        console.print(t)
