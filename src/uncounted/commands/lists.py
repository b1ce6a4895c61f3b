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
        if fmt == "json":  # list_summary's own columns, as before --format existed
            console.print_json(df.to_json(orient="records", date_format="iso", force_ascii=False))
            return
        if df.empty and fmt == "table":
            console.print(_("no lists yet: add one with 'uncounted import DIR FILE --list NAME'"))
            return
        rows = [{"list_name": r.list_name, "n_records": int(r.n_records),
                 "n_rejected": int(r.n_rejected or 0),
                 "n_rows": None if r.n_rows is None or r.n_rows != r.n_rows else int(r.n_rows),
                 "file_name": str(r.file_name),
                 "file_sha256": str(r.file_sha256), "n_imports": int(r.n_imports),
                 "updated_at": str(r.updated_at)[:19]} for r in df.itertuples(index=False)]
        cols = [Column("list_name", _("list")),
                Column("n_records", _("records"), "right", show=format_number),
                Column("n_rejected", _("rejected"), "right", show=format_number),
                Column("n_rows", _("rows read"), "right",
                       show=lambda v: "" if v is None else format_number(v)),
                Column("file_name", _("file"), whole=False),
                Column("file_sha256", "sha256", show=(lambda v: v[:12]) if fmt == "table" else None),
                Column("n_imports", _("imports"), "right"), Column("updated_at", _("updated"))]
        print_table(rows, cols, fmt=fmt)
