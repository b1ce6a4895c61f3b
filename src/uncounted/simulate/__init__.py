"""Simulated populations and noisy source lists with known truth, and coverage studies.

- :func:`simulate_lists`: a population, K source-list files in the source-list contract, ``truth.csv``
  and ``population.csv``.
- :func:`simulate_capture_table`: only the capture table (fast, for MSE studies).
- :func:`run_coverage`: bias, error, interval width and coverage of an estimator over replicates.
- Scenarios: :class:`Scenario` (dataclass) or a TOML file (:func:`load_scenario`); packaged ones
  by name (:func:`named_scenario`: ``default``, ``independent``, ``heterogeneous``).
"""

from __future__ import annotations

from .api import SimulationResult, simulate_capture_table, simulate_lists
from .scenario import (
    ErrorRates,
    ListSpec,
    PopulationSpec,
    Scenario,
    default_scenario,
    load_scenario,
    named_scenario,
)

__all__ = ["ErrorRates", "ListSpec", "PopulationSpec", "Scenario", "SimulationResult", "default_scenario",
           "load_scenario", "named_scenario", "run_coverage", "simulate_capture_table", "simulate_lists"]


def __getattr__(name: str):
    if name in ("run_coverage", "CoverageResult"):
        from . import coverage

        return getattr(coverage, name)
    raise AttributeError(f"module 'uncounted.simulate' has no attribute {name!r}")
