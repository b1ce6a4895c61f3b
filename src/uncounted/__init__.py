"""uncounted: count the dead from incomplete, overlapping lists, and estimate the uncounted.

The public API is re-exported here; see DESIGN.md for the stages and their contracts.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .exceptions import (  # noqa: E402
    CaptureTableError,
    InputError,
    NotEstimableError,
    UncountedError,
    UncountedWarning,
)
from .mse import (  # noqa: E402
    CaptureTable,
    ChaoLowerBound,
    Estimate,
    LincolnPetersen,
    read_capture_table,
)
from .mse.api import estimate  # noqa: E402

__all__ = [
    "CaptureTable", "CaptureTableError", "ChaoLowerBound", "Estimate", "InputError", "LincolnPetersen",
    "NotEstimableError", "UncountedError", "UncountedWarning", "__version__", "estimate",
    "read_capture_table",
]


def __getattr__(name: str):
    # heavy or optional estimators are imported on first use
    lazy = {"LogLinear": "uncounted.mse.loglinear", "LatentClass": "uncounted.mse.lcmcr",
            "GraphAveraging": "uncounted.mse.dga"}
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(lazy[name]), name)
    raise AttributeError(f"module 'uncounted' has no attribute {name!r}")

# simulation (issue 5): populations and noisy lists with known truth
from .simulate import simulate_capture_table, simulate_lists  # noqa: E402

__all__ += ["simulate_capture_table", "simulate_lists"]
