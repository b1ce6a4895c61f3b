"""Estimator names used by the CLI and :func:`uncounted.estimate`, resolved lazily.

Each entry maps a method name to ``module:Class``; the module is imported only when the method is
used, so a method whose dependencies are heavy (numba) costs nothing until asked for. A module that
fails to import is an error (a broken estimator must never vanish quietly from ``--method all``);
a missing third-party package becomes a :class:`DependencyError` with the install hint.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..exceptions import DependencyError, InputError, Msg
from ._validation import unknown_options

__all__ = ["METHODS", "available_methods", "estimator_class", "make_estimator", "method_options"]

METHODS: dict[str, str] = {
    "lincoln-petersen": "uncounted.mse.closed_form:LincolnPetersen",
    "chao": "uncounted.mse.closed_form:ChaoLowerBound",
    "loglinear": "uncounted.mse.loglinear:LogLinear",
    "lcmcr": "uncounted.mse.lcmcr:LatentClass",
    "dga": "uncounted.mse.dga:GraphAveraging",
}


def available_methods() -> list[str]:
    """Every registered method name (each module is imported: a broken one raises)."""
    for name in METHODS:
        estimator_class(name)
    return list(METHODS)


def estimator_class(name: str):
    """Return the estimator class registered as ``name``."""
    try:
        target = METHODS[name]
    except KeyError:
        err = InputError(Msg("unknown method {name!r}. Choose one of: {methods}, all", name=name,
                             methods=", ".join(METHODS)), value=name)
        err.column = "method"
        raise err from None
    module, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as err:
        missing = getattr(err, "name", None) or ""
        if missing.split(".")[0] in ("", "uncounted"):
            raise  # our own module is broken: a bug, never a quietly missing method
        raise DependencyError(Msg("method {name!r} needs the package {missing!r}, which is not "
                                  "installed. Install it: pip install {missing}", name=name,
                                  missing=missing)) from err
    return getattr(mod, attr)


def method_options(name: str) -> tuple[str, ...]:
    """The option names the estimator ``name`` accepts."""
    return estimator_class(name).options()


def make_estimator(name: str, *, level: float | None = None, seed: int | None = None,
                   **options: Any):
    """Build the estimator ``name`` with ``options``.

    An option the estimator does not have is an :class:`InputError` listing the valid ones. An
    option given as ``None`` takes the estimator's default. ``level`` and ``seed`` are run-level
    settings, as in :func:`uncounted.estimate`: passed when the estimator has them (a deterministic
    method has no seed and ignores it).
    """
    cls = estimator_class(name)
    unknown_options(f"method {name!r}", options, cls.options())
    kwargs = {k: v for k, v in options.items() if v is not None}
    for key, value in (("level", level), ("seed", seed)):
        if value is not None and key in cls.options():
            kwargs[key] = value
    return cls(**kwargs)
