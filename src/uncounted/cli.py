"""The ``uncounted`` command line: thin wrappers that parse, call the API and print with Rich.

Commands live one module each in :mod:`uncounted.commands`; every module there defines
``register(app)``, and this file discovers them, so adding a command touches no shared file.
Errors derived from :class:`~uncounted.exceptions.UncountedError` print one message on stderr and
exit with status 2, never a traceback; a missing optional dependency prints which extra to install.

Start-up: command modules import only Typer, :mod:`uncounted._console` and the exceptions at top
level, and each command imports the stage it drives when it runs, so ``uncounted --help`` loads
no stage and ``uncounted estimate`` loads only :mod:`uncounted.mse` (``docs/architecture.md``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

import typer
from typer.core import TyperGroup

from . import commands
from ._console import console, err_console, escape
from ._extras import missing_extra_error
from ._version import __version__
from .exceptions import DependencyError, UncountedError, UncountedWarning

__all__ = ["app", "console", "err_console", "escape", "main"]


class _Group(TyperGroup):
    """Turns UncountedError into a clean message and exit status 2; a missing optional module
    into the extra that brings it."""

    def invoke(self, ctx):
        from .i18n import using

        with using(None):  # --lang holds for this invocation only (tests invoke the app repeatedly)
            return self._invoke(ctx)

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DependencyError as err:
            self._fail(_with_command(err, ctx))
        except ImportError as err:
            hint = missing_extra_error(err, command=_command_name(ctx))
            if hint is None:
                raise
            self._fail(hint)
        except UncountedError as err:
            self._fail(err)

    @staticmethod
    def _fail(err: UncountedError):
        from .i18n import _

        label = escape(_("error:"))
        err_console.print(f"[bold red]{label}[/] {escape(str(err))}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(err.exit_code) from None


def _command_name(ctx) -> str:
    """``uncounted NAME`` for the subcommand that failed (Click sets it before invoking it)."""
    return f"uncounted {ctx.invoked_subcommand}" if ctx.invoked_subcommand else "uncounted"


def _with_command(err: DependencyError, ctx) -> DependencyError:
    """The same error, its message naming the command when it names an extra."""
    if err.extra is None:
        return err
    return DependencyError.for_extra(err.extra, err.module, what=_command_name(ctx))


app = typer.Typer(
    cls=_Group,
    name="uncounted",
    help="Count the dead from incomplete, overlapping lists, and estimate the ones no list counted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _print_version(value: bool) -> None:
    # an option callback: it runs while the options are parsed, before Click asks for a command
    if value:
        console.print(f"uncounted {__version__}")
        raise typer.Exit()


def _check_language(value: str | None) -> str | None:
    if value is not None:
        from .i18n import LANGUAGES

        if value not in LANGUAGES:
            raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}")
    return value


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                      is_eager=True, callback=_print_version),
          lang: str = typer.Option(None, "--lang", help="ru or en: the language of messages, tables "
                                                        "and reports (default: from the locale, "
                                                        "LANG / LC_ALL, or UNCOUNTED_LANG).",
                                   callback=_check_language)) -> None:
    """Count the dead from incomplete, overlapping lists, and estimate the ones no list counted."""
    if lang is not None:  # here, inside _Group.invoke, so it is undone when the command ends
        from .i18n import set_language

        set_language(lang)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, UncountedWarning):
        err_console.print(f"[yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _register_commands() -> None:
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
