"""Time the regional analysis on the April 2023 BBC/Mediazona list, and on copies of it scaled up.

Prints a table: rows of input, time to read and resolve regions, to compute rates, concentration and
regressions, and the whole run relative to a plain ``pandas.read_csv`` of the same file (the
reference). Run by hand (not by CI):

    UNCOUNTED_SHARED=/path/to/shared python benchmarks/analysis_regions.py

Needs ``data/ru/bbc_mediazona_fatalities_anonymised_2023-04-12.csv`` and
``data/ru/region_indicators_bessudnov.csv`` under the shared folder (unlicensed, not bundled).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from uncounted.analysis.concentration import concentration_table
from uncounted.analysis.deaths import read_deaths
from uncounted.analysis.regions import regional_rates
from uncounted.analysis.regression import rate_regressions

SHARED = Path(os.environ.get("UNCOUNTED_SHARED", ROOT.parent / "shared")) / "data" / "ru"
LIST = SHARED / "bbc_mediazona_fatalities_anonymised_2023-04-12.csv"
IND = SHARED / "region_indicators_bessudnov.csv"


def clock(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    if not LIST.exists():
        sys.exit(f"needs {LIST}")
    base = pd.read_csv(LIST, dtype=str, keep_default_na=False)
    ind = pd.read_csv(IND)
    rate_regressions(regional_rates(read_deaths(LIST), ind))  # warm-up: imports statsmodels
    print(f"{'rows':>9} {'read_csv s':>10} {'read+resolve s':>14} {'rates s':>8} "
          f"{'conc+regr s':>11} {'total/read_csv':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for factor in (1, 5, 25):
            path = Path(tmp) / f"x{factor}.csv"
            pd.concat([base] * factor).to_csv(path, index=False)
            _, t_ref = clock(pd.read_csv, path, dtype=str, keep_default_na=False)
            deaths, t_read = clock(read_deaths, path)
            rates, t_rates = clock(regional_rates, deaths, ind)
            _, t_conc = clock(concentration_table, rates)
            _, t_reg = clock(rate_regressions, rates)
            total = t_read + t_rates + t_conc + t_reg
            print(f"{len(base) * factor:>9,} {t_ref:>10.3f} {t_read:>14.3f} {t_rates:>8.3f} "
                  f"{t_conc + t_reg:>11.3f} {total / t_ref:>14.1f}")


if __name__ == "__main__":
    main()
