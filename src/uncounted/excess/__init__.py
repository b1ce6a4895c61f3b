"""Second opinions beside multiple systems estimation.

Three independent ways to look at the same deaths, each labelled by what it measures:

- :mod:`.mortality` — excess deaths from registry counts by region, age band and sex (the male/female
  ratio method of Kobak et al. 2025, or a linear trend of deaths), with standard errors;
- :mod:`.nowcast` — the reporting delay of a named list, from repeated snapshots by month of death,
  and the expected final count per month (Mack's chain ladder and an over-dispersed Poisson
  bootstrap);
- :mod:`.compare` — named, nowcast, MSE, excess-mortality and probate estimates for one period in one
  table and chart, one series per measure.

Nothing here depends on the rest of the package except :mod:`uncounted.exceptions`.
"""

from __future__ import annotations

from .deaths import read_deaths
from .mortality import excess_deaths

# from .nowcast import Triangle, bootstrap_chain_ladder, mack_chain_ladder, read_snapshots

__all__ = [
           "Triangle",
           "bootstrap_chain_ladder",
           "excess_deaths",
           "mack_chain_ladder",
           "read_deaths",
           "read_snapshots",
]
