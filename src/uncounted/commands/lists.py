"""``uncounted lists``: the lists in a project, with counts, dates and file hashes."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import Column, check_format, console, print_table
from ..i18n import _, format_number


def register(app: typer.Typer) -> None:
    @app.command("lists")
    def lists(directory: Path = typer.Argument(..., help="The project folder."),
              json_out: bool = typer.Option(False, "--json", help="Print JSON (as --format json)."),
              fmt: str = typer.Option("table", "--format", help="table, csv or json.")) -> None:
        """Show the project's source lists."""
        from ..records import list_summary

        fmt = "json" if json_out else check_format(fmt)
        df = list_summary(directory)
        if df.empty and fmt == "table":
            console.print(_("no lists yet: add one with 'uncounted import DIR FILE --list NAME'"))
            return
        rows = [{"list": r.list_name, "records": int(r.n_records), "rejected": int(r.n_rejected or 0),
                 "file": str(r.file_name), "sha256": str(r.file_sha256),
                 "imports": int(r.n_imports), "updated": str(r.updated_at)[:19]}
                for r in df.itertuples(index=False)]
        cols = [Column("list", _("list")),
                Column("records", _("records"), "right", show=format_number),
                Column("rejected", _("rejected"), "right", show=format_number),
                Column("file", _("file"), whole=False),
                Column("sha256", "sha256", show=(lambda v: v[:12]) if fmt == "table" else None),
                Column("imports", _("imports"), "right"), Column("updated", _("updated"))]
        print_table(rows, cols, fmt=fmt)
