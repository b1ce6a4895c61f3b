"""The ``uncounted`` command line: thin wrappers that parse, call the API and print with Rich.

Commands live one module each in :mod:`uncounted.commands`; every module there defines
``register(app)``, and this file discovers them, so adding a command touches no shared file.
Errors derived from :class:`~uncounted.exceptions.UncountedError` print one message on stderr and
exit with status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

import typer
from rich.console import Console
from typer.core import TyperGroup

from .exceptions import UncountedError, UncountedWarning

console = Console()
err_console = Console(stderr=True)


class _Group(TyperGroup):
    """Turns UncountedError into a clean message and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UncountedError as err:
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None


def escape(text: str) -> str:
    """Escape Rich markup in user-supplied text."""
    from rich.markup import escape as _escape

    return _escape(text)


app = typer.Typer(
    cls=_Group,
    name="uncounted",
    help="Count the dead from incomplete, overlapping lists, and estimate the ones no list counted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                      is_eager=True)) -> None:
    if version:
        from . import __version__

        console.print(f"uncounted {__version__}")
        raise typer.Exit()


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, UncountedWarning):
        err_console.print(f"[yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _register_commands() -> None:
    from . import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    warnings.showwarning = _show_warning
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
