"""Estimator names used by the CLI and :func:`uncounted.estimate`, resolved lazily.

Each entry maps a method name to ``module:Class``; the module is imported only when the method is
used, so a method whose dependencies are heavy (numba) costs nothing until asked for.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from ..exceptions import InputError

METHODS: dict[str, str] = {
    "lincoln-petersen": "uncounted.mse.closed_form:LincolnPetersen",
    "chao": "uncounted.mse.closed_form:ChaoLowerBound",
    "loglinear": "uncounted.mse.loglinear:LogLinear",
    "lcmcr": "uncounted.mse.lcmcr:LatentClass",
    "dga": "uncounted.mse.dga:GraphAveraging",
}


def available_methods() -> list[str]:
    """Method names whose module can be imported here."""
    out = []
    for name in METHODS:
        try:
            estimator_class(name)
        except InputError:
            continue
        out.append(name)
    return out


def estimator_class(name: str):
    """Return the estimator class registered as ``name``."""
    try:
        target = METHODS[name]
    except KeyError:
        raise InputError(f"unknown method {name!r}. Choose one of: {', '.join(METHODS)}, all",
                         column="--method", value=name) from None
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise InputError(f"method {name!r} is not available in this installation ({err})",
                         column="--method", value=name) from err


def make_estimator(name: str, **options: Any):
    """Build the estimator ``name``, passing only the options its constructor accepts.

    Options that are ``None`` are left to the estimator's defaults.
    """
    cls = estimator_class(name)
    params = inspect.signature(cls.__init__).parameters
    kwargs = {k: v for k, v in options.items() if v is not None and k in params}
    return cls(**kwargs)
