"""Errors and warnings raised by uncounted.

Every error the package raises on purpose derives from :class:`UncountedError`, so a caller can catch
them all at once; the command line turns them into a one-paragraph message and exit status 2, never a
traceback. Foreign errors (from DuckDB, pandas, Splink ...) are wrapped with context using
``raise UncountedError(...) from err``.

::

    UncountedError
    ├── InputError               bad user input: a file, a row, a column, a value
    │   ├── CaptureTableError    a capture table that breaks the contract in DESIGN.md
    │   ├── RecordError          a source-list row that cannot be read
    │   └── ConfigError          a settings, scenario or claims file with a wrong field
    ├── NotEstimableError        the data cannot support this estimator (a stratum too sparse ...)
    ├── ProjectError             a project folder or store that is missing or inconsistent
    └── DependencyError          an optional dependency is missing (with the install hint)

    UncountedWarning (UserWarning)
    ├── DataWarning              input accepted but altered (a list with no records dropped ...)
    ├── ConvergenceWarning       an optimiser or sampler did not converge (R-hat, ESS, IRLS)
    └── EstimationWarning        a fit that runs but whose result needs care (boundary, sparse cells)

Messages follow one rule: name the thing (file, row, column, parameter), the rule it broke, the value
received, and how to fix it.

**Messages in other languages.** Python callers get English. A message built as
``Msg("{value!r} is not a date: {why}.", value=v, why=Msg("no year"))`` is an ordinary English
``str`` that also keeps its template (a stable key: the catalogue's message id) and its values, and
an error keeps where it was found (``file``, ``row``, ``column``, ``value``); the command line says
it in the user's language through :func:`uncounted.i18n.errors.describe`. This module and
:mod:`uncounted.mse` never import the catalogue: the translation happens at the edge.
"""

from __future__ import annotations

import string


class Msg(str):
    """An English message that remembers its template and values, to be said in another language.

    ``str(Msg("{n:,} rows", n=1200)) == "1,200 rows"``; ``.template`` is ``"{n:,} rows"`` (the
    stable key of the message, and its msgid in the catalogue) and ``.params`` is ``{"n": 1200}``.
    A value may itself be a :class:`Msg` (a reason inside a sentence) or a :class:`Lines`.
    Anything that adds to it (``msg + " more"``) gets a plain ``str``: still right, only English.
    """

    template: str
    params: dict

    def __new__(cls, template: str, /, **params):
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = params
        return self

    def __reduce__(self):  # pickled across worker processes with its template
        return _msg, (self.template, self.params)


def _msg(template: str, params: dict) -> Msg:
    return Msg(template, **params)


class Lines(tuple):
    """Items shown one per line, indented (the rows of an import that failed); each item is said
    in the user's language by the CLI when it can be."""

    def __str__(self) -> str:
        return "\n".join(f"  {x}" for x in self)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def fields_of(template: str) -> list[str]:
    """The names of the values ``template`` uses (to check that a translation uses the same)."""
    return sorted({name.split(".")[0].split("[")[0]
                   for _, name, _, _ in string.Formatter().parse(template) if name})


class UncountedError(Exception):
    """Base class of every error raised on purpose by uncounted."""

    exit_code = 2


class InputError(UncountedError, ValueError):
    """Bad user input. Carries where it was found, when known.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    file, row, column, value
        Where: the file name, the 1-based data row (header excluded), the column and the value.
    """

    def __init__(self, message: str, *, file=None, row=None, column=None, value=None):
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.value = value
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class CaptureTableError(InputError):
    """A capture table that breaks the capture-table contract."""


class RecordError(InputError):
    """A source-list row that cannot be read."""


class ConfigError(InputError):
    """A settings, scenario or claims file with a missing, unknown or invalid field."""


class NotEstimableError(UncountedError):
    """The data cannot support this estimator; ``reason`` says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class ProjectError(UncountedError):
    """A project folder or store that is missing or inconsistent."""


class DependencyError(UncountedError, ImportError):
    """An optional dependency is missing; the message carries the install command.

    ``module`` is the missing module and ``extra`` the extra of ``uncounted`` that brings it
    (``None`` when it is not one of ours); :meth:`for_extra` writes the usual message.
    """

    def __init__(self, message: str, *, module: str | None = None, extra: str | None = None):
        super().__init__(message)
        self.module, self.extra = module, extra

    @classmethod
    def for_extra(cls, extra: str, module: str, *, what: str = "this") -> DependencyError:
        """``"uncounted link needs the 'lists' extra: pip install 'uncounted[lists]' (duckdb is
        not installed)"``."""
        return cls(Msg("{what} needs the {extra!r} extra: pip install 'uncounted[{extra}]' "
                       "({module} is not installed)", what=what, extra=extra, module=module),
                   module=module, extra=extra)


class UncountedWarning(UserWarning):
    """Base class of every warning issued by uncounted (filter them all with this)."""


class DataWarning(UncountedWarning):
    """Input accepted but altered, e.g. a list with no records dropped."""


class ConvergenceWarning(UncountedWarning):
    """An optimiser or sampler did not converge well enough (IRLS, R-hat, ESS)."""


class EstimationWarning(UncountedWarning):
    """A fit that ran but whose result needs care (estimate on a boundary, sparse cells)."""


def require(module: str, extra: str | None = None):
    """Import an optional dependency or raise :class:`DependencyError` with the install hint."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:  # pragma: no cover - depends on the environment
        if extra:
            raise DependencyError.for_extra(extra, module, what=f"this ({module})") from err
        raise DependencyError(f"{module} is needed for this and is not installed. Install it: "
                              f"pip install {module}", module=module) from err
