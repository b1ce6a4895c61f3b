"""Errors said in the user's language: the edge where the library's English errors are translated.

The library raises English exceptions (Python users read them as they are). A message built as a
:class:`~uncounted.exceptions.Msg` keeps its template, the catalogue's message id, and its values;
an :class:`~uncounted.exceptions.InputError` keeps where it was found. :func:`describe` puts them
back together in the current language: the template translated, the values inserted (numbers
written the Russian way in Russian), the place (file, row, column) in words of that language.
A message that is a plain string (not yet built as a ``Msg``), or whose translation does not fit
its values, is shown in English rather than not at all.
"""

from __future__ import annotations

import numbers
import string

from ..exceptions import InputError, Lines, Msg, UncountedError
from . import N_, _, get_language

__all__ = ["describe", "say", "where"]

N_("row {row}")
N_("column {column!r}")


class _Formatter(string.Formatter):
    """``str.format`` that writes numbers the way the current language does (4 715; 0,5)."""

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if number and get_language() == "ru":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text


_FORMATTER = _Formatter()


def say(obj) -> str:
    """``obj`` in the current language: a :class:`Msg` translated, :class:`Lines` line by line,
    an error by :func:`describe`, a row error of an import with its place; anything else as
    ``str``."""
    if isinstance(obj, Msg):
        params = {k: _value(v) for k, v in obj.params.items()}
        try:
            return _FORMATTER.format(_(obj.template), **params)
        except (KeyError, IndexError, ValueError, AttributeError):
            return str(obj)  # a translation that does not fit its values: English, not nothing
    if isinstance(obj, Lines):
        return "\n".join(f"  {say(x)}" for x in obj)
    if isinstance(obj, UncountedError):
        return describe(obj)
    if _is_row_error(obj):
        return _row_error(obj)
    return str(obj)


def _value(v):
    return say(v) if isinstance(v, Msg | Lines | UncountedError) or _is_row_error(v) else v


def where(file=None, row=None, column=None) -> str:
    """``"list.csv, row 3, column 'birth_date'"`` in the current language (parts that are known)."""
    parts = [str(file)] if file else []
    if row:
        parts.append(_FORMATTER.format(_("row {row}"), row=row))
    if column:
        parts.append(_FORMATTER.format(_("column {column!r}"), column=column))
    return ", ".join(parts)


def describe(err: BaseException) -> str:
    """The message of ``err`` in the current language (English for errors not built from a
    :class:`Msg`)."""
    if isinstance(err, InputError):
        place = where(err.file, err.row, err.column)
        text = say(err.message)
        return f"{place}: {text}" if place else text
    if err.args and isinstance(err.args[0], Msg) and len(err.args) == 1:
        return say(err.args[0])
    return str(err)


def _is_row_error(obj) -> bool:
    # records.schema.RowError, known by its fields: the catalogue sits below the records layer
    return all(hasattr(obj, a) for a in ("file", "row", "column", "value", "message", "hint")) \
        and not isinstance(obj, BaseException)


def _row_error(e) -> str:
    """A RowError as its own ``__str__`` writes it, in the current language."""
    value = "" if e.value is None else f" {_short(e.value)!r}:"
    if str(e.message).startswith(repr(e.value)):
        value = ""
    hint = f" {say(e.hint)}" if e.hint else ""
    return f"{where(e.file, e.row, e.column)}:{value} {say(e.message)}{hint}"


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + f"... ({len(value):,} characters)"
