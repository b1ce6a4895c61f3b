"""Who dies: regional rates, concentration, regression, claims and the published-estimates ledger.

Public API (each heavy library is imported inside the function that needs it)::

    from uncounted.analysis import read_deaths, regional_rates, group_rates
    deaths = read_deaths("list.csv")                 # or a persons table, or a project folder
    rates = regional_rates(deaths, indicators="region_indicators_bessudnov.csv")
"""

from __future__ import annotations

from .._extras import require_extra
from .claims import evaluate_claim, evaluate_claims, evaluate_on_deaths, load_claims
from .concentration import (
    concentration_index,
    concentration_table,
    gini,
    lorenz_curve,
    poorest_share,
)
from .deaths import Deaths, read_deaths
from .ledger import load_ledger, own_estimates
from .reference import load_bonuses, load_indicators, load_subjects
from .regions import garwood_interval, group_rates, rate_per_100k, regional_rates, unit_type_rates
from .regression import rate_regressions

# statsmodels, matplotlib and PyYAML are imported where used; say now if they are missing
require_extra("report", "uncounted.analysis")

__all__ = [
    "Deaths", "concentration_index", "concentration_table", "evaluate_claim", "evaluate_claims",
    "evaluate_on_deaths", "garwood_interval", "gini", "group_rates", "load_bonuses", "load_claims",
    "load_indicators", "load_ledger", "load_subjects", "lorenz_curve", "own_estimates",
    "poorest_share", "rate_per_100k", "rate_regressions", "read_deaths", "regional_rates",
    "unit_type_rates",
]
