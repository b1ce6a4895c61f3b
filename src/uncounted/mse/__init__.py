"""Multiple systems estimation: capture tables and population-size estimators.

This sub-package depends on nothing else in uncounted but its exceptions: an ecologist with a
capture table uses it alone::

    from uncounted.mse import LogLinear, read_capture_table

    table = read_capture_table("kosovo.csv")
    est = LogLinear(selection="bic").fit(table)
    est.estimate, est.interval, est.status, est.results.coef

The estimators whose modules are heavy (numba for :class:`LatentClass`, the model search for
:class:`LogLinear`) are imported on first use, so ``import uncounted.mse`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .base import Estimator, as_table
from .closed_form import ChaoLowerBound, LincolnPetersen
from .result import Estimate
from .status import Reason
from .strata import sum_strata
from .table import CaptureTable, pattern_bits, pattern_label, pattern_matrix, read_capture_table

if TYPE_CHECKING:  # pragma: no cover
    from .api import estimate
    from .dga import GraphAveraging
    from .lcmcr import LatentClass
    from .loglinear import LogLinear

_LAZY = {"LogLinear": "loglinear", "LatentClass": "lcmcr", "GraphAveraging": "dga",
         "estimate": "api"}

__all__ = ["CaptureTable", "ChaoLowerBound", "Estimate", "Estimator", "GraphAveraging",
           "LatentClass", "LincolnPetersen", "LogLinear", "Reason", "as_table", "estimate",
           "pattern_bits", "pattern_label", "pattern_matrix", "read_capture_table", "sum_strata"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
