"""``uncounted import``: add or replace one source list in a project."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, err_console, escape
from ..i18n import _, format_number


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(directory: Path = typer.Argument(..., help="The project folder."),
                file: Path = typer.Argument(..., help="The list: CSV, XLSX or JSON lines."),
                list_name: str = typer.Option(..., "--list", help="The list's name in the project."),
                skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                                  help="Import the good rows; write the bad ones "
                                                       "to FILE.rejects.csv."),
                description: str = typer.Option(None, help="A line describing the list."),
                sheet: str = typer.Option(None, "--sheet", help="The workbook sheet to read "
                                                              "(default: the first)."),
                force: bool = typer.Option(False, "--force",
                                           help="Import even if the same file is already another "
                                                "list, or the new version has less than half "
                                                "the records of the list it replaces."),
                wait: float = typer.Option(None, "--wait", metavar="SECONDS",
                                           help="Wait this long for another program using the "
                                                "store (default $UNCOUNTED_WAIT or 30).")) -> None:
        """Import a casualty list (all-or-nothing unless --skip-invalid)."""
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        from ..records import import_list

        with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                      TimeRemainingColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task(escape(_("reading {file}").format(file=file.name)), total=None)

            def progress(done: int, total: int, stage: str = "read") -> None:
                desc = _("writing to the store") if stage == "commit" else \
                    _("reading {file}").format(file=file.name)
                bar.update(task, completed=done, total=total, description=escape(desc))

            r = import_list(directory, file, list_name, skip_invalid=skip_invalid,
                            description=description, progress=progress, sheet=sheet,
                            force=force, wait=wait)
        if r.status == "unchanged":
            text = _("{file} is unchanged (sha256 {sha}); list {list} kept as it was.")
            console.print(text.format(file=escape(r.file), sha=r.sha256[:12],
                                      list=f"[bold]{escape(r.list_name)}[/]"))
            return
        text = _("replaced list {list}: {stored} of {rows} rows stored, {rejected} rejected, from "
                 "{file} ({format}, {encoding}, delimiter {delimiter}); import {id}") \
            if r.replaced_import_id else \
            _("imported list {list}: {stored} of {rows} rows stored, {rejected} rejected, from "
              "{file} ({format}, {encoding}, delimiter {delimiter}); import {id}")
        console.print(text.format(list=f"[bold]{escape(r.list_name)}[/]",
                                  stored=format_number(r.n_imported), rows=format_number(r.n_rows),
                                  rejected=format_number(r.n_rejected), file=escape(r.file),
                                  format=r.format, encoding=r.encoding or "-",
                                  delimiter=escape(repr(r.delimiter)), id=r.import_id),
                      highlight=False)
        if r.rejects_path:
            console.print(_("rejected rows ({n}) written to {path}").format(
                n=format_number(r.n_rejected), path=escape(str(r.rejects_path))), highlight=False)
