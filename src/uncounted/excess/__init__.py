"""Second opinions beside multiple systems estimation.

Three independent ways to look at the same deaths, each labelled by what it measures:

- :mod:`.mortality` — excess deaths from registry counts by region, age band and sex (the male/female
  ratio method of Kobak et al. 2025, or a linear trend of deaths), with standard errors;
- :mod:`.nowcast` and :mod:`.odp` — the reporting delay of a named list, from repeated snapshots by
  month of death, and the expected count per month at a later lag (Mack's chain ladder; the
  over-dispersed Poisson bootstrap of England & Verrall); :mod:`.backtest` scores them in the past;
- :mod:`.compare` — named, nowcast, MSE, excess-mortality and probate estimates for one period in one
  table and chart, one series per measure.

Nothing here depends on the rest of the package except :mod:`uncounted.exceptions`.
"""

from __future__ import annotations

from .backtest import backtest
from .deaths import RegistryDeaths, read_registry_deaths
from .mortality import excess_deaths
from .nowcast import Triangle, build_triangle, mack_chain_ladder, read_snapshots
from .odp import bootstrap_chain_ladder

__all__ = ["RegistryDeaths", "Triangle", "backtest", "bootstrap_chain_ladder", "build_triangle",
           "excess_deaths", "mack_chain_ladder", "read_registry_deaths", "read_snapshots"]
