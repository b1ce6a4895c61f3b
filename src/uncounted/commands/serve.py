"""``uncounted serve``: the review UI on a local port; ``uncounted user add`` and ``user revoke``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .._console import console, escape


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        directory: Path = typer.Argument(..., help="Project folder."),
        host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default; "
                                                   "put a TLS proxy in front before exposing it)."),
        port: int = typer.Option(8000, min=1, max=65535, help="Port."),
        secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                            help="Mark cookies Secure (behind an https proxy)."),
        live_method: str = typer.Option("auto", "--live-method",
                                        help="Fast estimator for the live estimate panel (auto: "
                                             "loglinear up to 4 lists, else chao)."),
    ) -> None:
        """Serve the review UI: candidate pairs side by side, decisions, persons, estimates."""
        import uvicorn

        from ..web import create_app

        web = create_app(directory, secure_cookies=secure_cookies, live_method=live_method)
        console.print(f"Review UI for {escape(str(directory))} on http://{escape(host)}:{port}/ "
                      "(Ctrl-C to stop)")
        uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=secure_cookies)

    user_app = typer.Typer(help="Reviewer accounts for the review UI.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @user_app.command("add")
    def user_add(
        directory: Path = typer.Argument(..., help="Project folder."),
        name: str = typer.Argument(..., help="User name (letters, digits, _ . @ -)."),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the password from standard input."),
        role: str = typer.Option("reviewer", help="reviewer or admin."),
    ) -> None:
        """Add a reviewer account (the password is stored as an argon2 hash)."""
        from ..exceptions import InputError
        from ..project import Project
        from ..web.auth import add_user

        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if not password:
            raise InputError("no password given", column="password")
        with Project.open(directory).store() as store:
            add_user(store, name, password, role=role)
        console.print(f"Added user [bold]{escape(name)}[/] ({escape(role)})")

    @user_app.command("revoke")
    def user_revoke(
        directory: Path = typer.Argument(..., help="Project folder."),
        name: str = typer.Argument(..., help="User whose review-UI sessions end now."),
    ) -> None:
        """End every review-UI session of a user (sessions are kept in the store, so this holds
        across server restarts); the user can sign in again with the password."""
        from ..exceptions import ProjectError
        from ..project import Project

        project = Project.open(directory)
        try:
            store = project.store()
        except ProjectError as err:
            raise ProjectError(f"{err}\nIf 'uncounted serve' is running on this project, stop it, "
                               "revoke, and start it again: sessions live in the store, so the "
                               "revocation holds after the restart.") from err
        with store:
            if not store.users.exists(name):
                raise ProjectError(f"no user {name!r} in this project")
            n = store.sessions.revoke(name)
        console.print(f"Ended {n} session(s) of [bold]{escape(name)}[/]")
