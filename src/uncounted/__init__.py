"""uncounted: count the dead from incomplete, overlapping lists, and estimate the uncounted.

The public API is re-exported here; see DESIGN.md for the stages and their contracts, and
docs/architecture.md for who may import whom.

Importing the package loads only the exceptions; each name below is imported from its stage on
first use (PEP 562), so ``import uncounted`` and the command line start fast and the optional
stages cost nothing until used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__
from .exceptions import (
    CaptureTableError,
    InputError,
    NotEstimableError,
    UncountedError,
    UncountedWarning,
)

#: Public name -> the module it comes from (imported on first access).
_LAZY = {
    "CaptureTable": "uncounted.mse",
    "ChaoLowerBound": "uncounted.mse",
    "Estimate": "uncounted.mse",
    "LincolnPetersen": "uncounted.mse",
    "read_capture_table": "uncounted.mse",
    "estimate": "uncounted.mse.api",
    "LogLinear": "uncounted.mse.loglinear",
    "LatentClass": "uncounted.mse.lcmcr",
    "GraphAveraging": "uncounted.mse.dga",
    # simulation (issue 5): populations and noisy lists with known truth
    "simulate_capture_table": "uncounted.simulate",
    "simulate_lists": "uncounted.simulate",
}

__all__ = [
    "CaptureTable", "CaptureTableError", "ChaoLowerBound", "Estimate", "GraphAveraging", "InputError",
    "LatentClass", "LincolnPetersen", "LogLinear", "NotEstimableError", "UncountedError",
    "UncountedWarning", "__version__", "estimate", "read_capture_table", "simulate_capture_table",
    "simulate_lists",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .mse import CaptureTable, ChaoLowerBound, Estimate, LincolnPetersen, read_capture_table
    from .mse.api import estimate
    from .mse.dga import GraphAveraging
    from .mse.lcmcr import LatentClass
    from .mse.loglinear import LogLinear
    from .simulate import simulate_capture_table, simulate_lists


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value        # later look-ups skip this function
        return value
    raise AttributeError(f"module 'uncounted' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
