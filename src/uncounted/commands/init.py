"""``uncounted init``: create a project folder."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape
from ..i18n import _


def register(app: typer.Typer) -> None:
    @app.command()
    def init(directory: Path = typer.Argument(..., help="Folder for the project (created if missing)."),
             name: str = typer.Option(None, help="Project name (default: the folder's name).")) -> None:
        """Create a project: uncounted.toml and one DuckDB store file."""
        from ..project import Project

        p = Project.init(directory, name=name)
        console.print(_("Created project in {folder}: {store}, uncounted.toml").format(
            folder=f"[bold]{escape(str(p.root))}[/]", store=escape(p.store_path.name)))
