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
from contextlib import contextmanager

import typer
from typer.core import TyperCommand, TyperGroup

from . import commands
from ._console import console, err_console, escape
from ._extras import missing_extra_error
from ._version import __version__
from .exceptions import DependencyError, UncountedError, UncountedWarning
from .i18n import N_

#: Typer's and Click's own words in help pages, said in the current language while help is drawn
_TYPER_WORDS = {"ARGUMENTS_PANEL_TITLE": N_("Arguments"), "OPTIONS_PANEL_TITLE": N_("Options"),
                "COMMANDS_PANEL_TITLE": N_("Commands"), "DEFAULT_STRING": N_("[default: {}]"),
                "REQUIRED_LONG_STRING": N_("[required]"), "ENVVAR_STRING": N_("[env var: {}]")}
N_("Show this message and exit.")  # the --help option's own help (Click's English text)
#: Typer's words around a usage error, said in the current language while the error is shown
_TYPER_ERROR_WORDS = {"ERRORS_PANEL_TITLE": N_("Error"),
                      "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help.")}

#: Click's and Typer's usage errors, which they say in English whatever the language: the English
#: wording (a pattern) and its catalogue message, whose fields are the pattern's groups.
_CLICK_ERRORS = [
    (r"Missing argument '(?P<name>[^']*)'\.", N_("Missing argument '{name}'.")),
    (r"Missing option '(?P<name>[^']*)'\.", N_("Missing option '{name}'.")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"\(Possible options: (?P<names>[^)]*)\)", N_("(Possible options: {names})")),
    (r"No such command '(?P<name>[^']*)'\.", N_("No such command '{name}'.")),
    (r"Did you mean (?P<names>.*)\?", N_("Did you mean {names}?")),
    (r"Option '(?P<name>[^']*)' requires an argument\.",
     N_("Option '{name}' requires an argument.")),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)",
     N_("Got unexpected extra arguments ({args})")),
    (r"Invalid value for '(?P<name>[^']*)':", N_("Invalid value for '{name}':")),
    (r"Input should be a valid number, unable to parse string as a number",
     N_("a number is needed here")),
    (r"Input should be a valid integer, unable to parse string as an integer",
     N_("a whole number is needed here")),
    (r"'(?P<value>[^']*)' is not one of (?P<choices>.*)\.",
     N_("'{value}' is not one of {choices}.")),
    (r"(?:File|Path|Directory) '(?P<value>[^']*)' does not exist\.",
     N_("'{value}' does not exist.")),
]


def _click_words(text: str) -> str:
    """A usage error of Click's or Typer's in the current language: each part it recognises is
    said from the catalogue, the rest (option names, values) kept as it is."""
    import re

    from .i18n import _

    for pattern, message in _CLICK_ERRORS:
        text = re.sub(pattern, lambda m, message=message: _(message).format(**m.groupdict()),
                      text)
    return text


@contextmanager
def _typer_words(words: dict[str, str]):
    """Typer's own words (``typer.rich_utils`` constants, English message ids in ``words``) in the
    current language while the block runs, put back afterwards."""
    from typer import rich_utils

    from .i18n import _

    saved = {name: getattr(rich_utils, name) for name in words}
    for name, english in words.items():
        setattr(rich_utils, name, _(english))
    try:
        yield
    finally:
        for name, text in saved.items():
            setattr(rich_utils, name, text)


@contextmanager
def _translated_errors():
    """While Click parses: its usage errors, and Typer's frame around them (the panel's title, the
    'Try ... for help' line), in the current language (read when the error is shown, after an
    eager ``--lang``)."""
    from typer import rich_utils

    original = rich_utils.rich_format_error

    def show(err) -> None:
        message = _click_words(err.format_message())
        err.format_message = lambda: message
        with _typer_words(_TYPER_ERROR_WORDS):
            original(err)

    rich_utils.rich_format_error = show
    try:
        yield
    finally:
        rich_utils.rich_format_error = original

__all__ = ["app", "console", "err_console", "escape", "main"]


@contextmanager
def _translated_help(command: TyperCommand | TyperGroup, ctx: typer.Context):
    """While ``command``'s help is drawn: its help, its parameters' help, its subcommands' help and
    Typer's panel titles in the current language, put back afterwards.

    Typer and Click read help texts when the commands are declared (at import, before ``--lang``
    is known); the English texts are the catalogue's message ids (extracted from ``help=`` and
    the commands' docstrings by :mod:`uncounted.i18n._extract`), so they are translated here, when
    they are shown.
    """
    from .i18n import _

    saved: list[tuple[object, str, str]] = []

    def swap(obj, attr: str) -> None:
        text = getattr(obj, attr, None)
        if text:
            saved.append((obj, attr, text))
            setattr(obj, attr, _(text))

    objects = [command, *command.get_params(ctx)]
    listed = []
    if isinstance(command, TyperGroup):  # Typer brings its own Click: never import click
        listed = [command.get_command(ctx, name) for name in command.list_commands(ctx)]
        objects += listed
    for obj in objects:
        swap(obj, "help")
        swap(obj, "short_help")
    for sub in listed:
        # the list of commands shows the first paragraph of each command's help with its line
        # breaks kept ('... or depends on' / 'definition, ...'): one line, wrapped by the table
        if not getattr(sub, "short_help", None) and getattr(sub, "help", None):
            saved.append((sub, "short_help", sub.short_help))
            sub.short_help = " ".join(sub.help.split("\n\n")[0].split())
    try:
        with _typer_words(_TYPER_WORDS):
            yield
    finally:
        for obj, attr, text in reversed(saved):
            setattr(obj, attr, text)


class _HelpMixin:
    """Help pages and usage lines in the current language (``uncounted --lang ru CMD --help``)."""

    def format_help(self, ctx, formatter):
        with _translated_help(self, ctx):
            return super().format_help(ctx, formatter)

    def format_usage(self, ctx, formatter):
        from .i18n import _

        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=_("Usage:") + " ")


class _Command(_HelpMixin, TyperCommand):
    """Every command: its help translated when shown."""


class _HelpGroup(_HelpMixin, TyperGroup):
    """A group of subcommands (``uncounted user``): its help translated when shown."""


class _Group(_HelpGroup):
    """Turns UncountedError into a clean message and exit status 2; a missing optional module
    into the extra that brings it; help in the current language."""

    def main(self, *args, **kwargs):
        from .i18n import using

        # --lang holds for this invocation only (tests invoke the app repeatedly); here rather
        # than in invoke, since an eager --lang may be set while the arguments are parsed
        with using(None), _translated_errors():
            return super().main(*args, **kwargs)

    def invoke(self, ctx):
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
        from .i18n.errors import describe

        label = escape(_("error:"))
        err_console.print(f"[bold red]{label}[/] {escape(describe(err))}", highlight=False,
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
    # eager, so that `uncounted --lang ru --help` is Russian too; undone by _Group.main
    if value is not None:
        from .i18n import LANGUAGES, set_language

        if value not in LANGUAGES:
            raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}")
        set_language(value)
    return value


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                      is_eager=True, callback=_print_version),
          lang: str = typer.Option(None, "--lang", help="ru or en: the language of messages, tables "
                                                        "and reports (default: from the locale, "
                                                        "LANG / LC_ALL, or UNCOUNTED_LANG).",
                                   is_eager=True, callback=_check_language)) -> None:
    """Count the dead from incomplete, overlapping lists, and estimate the ones no list counted."""


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, UncountedWarning):
        from .i18n import _
        from .i18n.errors import describe

        err_console.print(f"[yellow]{escape(_('warning:'))}[/] {escape(describe(message))}",
                          highlight=False, soft_wrap=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    _translating(app)


def _translating(typer_app: typer.Typer) -> None:
    """Every command and subgroup of ``typer_app`` drawn with its help translated."""
    for command in typer_app.registered_commands:
        if command.cls in (None, TyperCommand):  # Typer fills in its own class by default
            command.cls = _Command
    for group in typer_app.registered_groups:
        group.cls = _HelpGroup
        _translating(group.typer_instance)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    warnings.showwarning = _show_warning
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
