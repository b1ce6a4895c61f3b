"""Declared parameter constraints for estimators, checked in one place.

Each estimator class declares ``_constraints``: a mapping from every constructor parameter to a
list of accepted forms; a value is valid when it satisfies at least one. Forms are
:class:`Interval` (numbers in a range), :class:`Options` (a closed set of strings), ``None`` (the
value may be None), a type such as ``bool`` or ``str``, or :class:`Check` (any predicate with its
description). :func:`validate` checks values and raises an :class:`InputError` that names the
parameter, the rule, the value received and the fix.

The idea (constraints as data, checked by the base class before any work) is scikit-learn's
``_param_validation``; this is our own small version of it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import InputError, Msg

__all__ = ["Check", "Interval", "Options", "parameter_error", "unknown_options", "validate"]


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``"integer"`` or ``"real"``) between ``low`` and ``high``.

    ``closed`` says which ends belong: ``"both"``, ``"left"``, ``"right"`` or ``"neither"``. A bound
    of None is open-ended. Booleans are never numbers here; reals must be finite.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            return False
        if self.kind == "integer" and not isinstance(v, numbers.Integral):
            return False
        if not math.isfinite(float(v)):
            return False
        lo_ok = self.low is None or (v >= self.low if self.closed in ("both", "left") else v > self.low)
        hi_ok = self.high is None or (v <= self.high if self.closed in ("both", "right")
                                      else v < self.high)
        return lo_ok and hi_ok

    def describe(self) -> str:
        what = "an integer" if self.kind == "integer" else "a number"
        if self.low is not None and self.high is not None:
            left = "[" if self.closed in ("both", "left") else "("
            right = "]" if self.closed in ("both", "right") else ")"
            return f"{what} in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        if self.low is not None:
            op = ">=" if self.closed in ("both", "left") else ">"
            return f"{what} {op} {_fmt(self.low)}"
        if self.high is not None:
            op = "<=" if self.closed in ("both", "right") else "<"
            return f"{what} {op} {_fmt(self.high)}"
        return what


@dataclass(frozen=True)
class Options:
    """One of a closed set of strings."""

    values: tuple[str, ...]

    def accepts(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(x) for x in self.values)


@dataclass(frozen=True)
class Check:
    """Any predicate, with the phrase that describes what it accepts."""

    predicate: Callable[[Any], bool]
    description: str

    def accepts(self, v: Any) -> bool:
        try:
            return bool(self.predicate(v))
        except (TypeError, ValueError):
            return False

    def describe(self) -> str:
        return self.description


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _accepts(form: Any, v: Any) -> bool:
    if form is None:
        return v is None
    if isinstance(form, type):
        return isinstance(v, form) and not (form is int and isinstance(v, bool))
    return form.accepts(v)


def _describe(form: Any) -> str:
    if form is None:
        return "None"
    if isinstance(form, type):
        return {bool: "True or False", str: "a string"}.get(form, f"a {form.__name__}")
    return form.describe()


def parameter_error(owner: str, name: str, message: str, value: Any = None) -> InputError:
    """An :class:`InputError` about parameter ``name`` of ``owner``.

    The message starts with the owner and parameter; ``err.column`` holds the parameter name, as for
    every error about a named setting (InputError has no separate field for parameters).
    """
    err = InputError(Msg("{owner}: {message}", owner=owner, message=message), value=value)
    err.column = name
    return err


def validate(owner: str, params: Mapping[str, Any], constraints: Mapping[str, list],
             defaults: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`InputError` for the first value in ``params`` that no constraint accepts.

    The message names ``owner`` (e.g. ``"ChaoLowerBound"``), the parameter, the rule, the value
    received and a fix: the default value when there is one.
    """
    defaults = defaults or {}
    for name, value in params.items():
        forms = constraints.get(name)
        if forms is None:
            continue
        if any(_accepts(f, value) for f in forms):
            continue
        rule = " or ".join(_describe(f) for f in forms)
        default = defaults.get(name)
        fix = (Msg("Use, e.g., {name}={default!r} (the default).", name=name, default=default)
               if default is not None
               else Msg("Leave {name} out to use the default.", name=name) if None in forms
               else Msg("Give {name} as {rule}.", name=name, rule=rule))
        raise parameter_error(owner, name, Msg("{name}={value!r} is not valid: {name} must be "
                                               "{rule}. {fix}", name=name, value=value, rule=rule,
                                               fix=fix), value)


def unknown_options(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise :class:`InputError` when ``given`` holds a name not in ``valid`` (listing the valid ones)."""
    valid = list(valid)
    bad = [g for g in given if g not in valid]
    if not bad:
        return
    name = bad[0]
    close = difflib.get_close_matches(name, valid, n=1)
    hint = Msg(" (did you mean {close!r}?)", close=close[0]) if close else ""
    raise parameter_error(owner, name, Msg("unknown option {name!r}{hint}. Valid options: "
                                           "{valid}.", name=name, hint=hint,
                                           valid=", ".join(sorted(valid)) or "-"), name)
