"""Regional rates from a multiple systems estimate stratified by region.

When the deaths are persons linked across several lists (a project, or a persons table), each
person's capture history (the lists that named them) is known, so the number of deaths per region
can be *estimated*, not only counted: one capture table per region, fitted by any estimator of
:mod:`uncounted.mse`. The rate per 100,000 men then uses the estimate, and its interval the
estimator's interval (the denominator taken as known). A region too sparse for the estimator is a
row with ``estimable = False`` and the reason.

References
----------
Bird, S. M., King, R. (2018). Multiple systems estimation (or capture-recapture estimation) to
inform public policy. *Annual Review of Statistics and Its Application* 5, 95-118.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError
from ..mse.api import estimate
from ..mse.table import CaptureTable
from .regions import PER

MSE_COLUMNS = ["iso_code", "observed", "estimate", "estimate_lower", "estimate_upper", "men",
               "per_100k", "lower", "upper", "method", "model", "estimable", "reason"]


def region_capture_table(deaths):
    """A capture table with one stratum per region, from persons with capture histories."""
    import pandas as pd

    frame = getattr(deaths, "frame", deaths)
    if "lists" not in frame.columns or frame["lists"].isna().all():
        raise InputError("an estimate by region needs persons with the lists they were found on: "
                         "give a project folder, or a persons table (list, record_id, person_id), "
                         "not a single list of deaths", column="--mse")
    names = sorted({n for s in frame["lists"].dropna() for n in str(s).split("|") if n})
    if len(names) < 2:
        raise InputError(f"an estimate needs at least two lists; these persons come from "
                         f"{len(names)} ({', '.join(names)})", column="--mse")
    hist = pd.DataFrame({n: frame["lists"].fillna("").str.split("|").map(lambda s, n=n: int(n in s))
                         for n in names})
    hist["region"] = frame["iso_code"].to_numpy()
    return CaptureTable.from_frame(hist, strata="region", lists=names,
                                   source=str(getattr(deaths, "source", "<persons>")))


def mse_rates(deaths, rates, method: str = "chao", *, level: float = 0.95, seed: int = 1,
              **options):
    """Estimated deaths and rates per region from an MSE stratified by region.

    Parameters
    ----------
    deaths
        :class:`~uncounted.analysis.deaths.Deaths` of persons (with ``lists``).
    rates
        :func:`~uncounted.analysis.regions.regional_rates` output (for the denominators).
    method
        Any estimator name of :mod:`uncounted.mse` (``chao``, ``lincoln-petersen`` ...).
    level, seed, options
        Passed to the estimator.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MSE_COLUMNS`, one row per region with deaths, plus ``all`` (the sum over
        strata as :func:`uncounted.mse.result.sum_strata` computes it).
    """
    import pandas as pd

    table = region_capture_table(deaths)
    rows = estimate(table, [method], level=level, seed=seed, **options)
    men = rates.set_index("iso_code")["men"]
    out = []
    for r in rows:
        code = "all" if r.stratum == "total" else str(r.stratum).split("=", 1)[-1]
        m = float(men[men.notna()].sum()) if code == "all" else float(men.get(code, np.nan))
        scale = PER / m if m and np.isfinite(m) else np.nan
        out.append({"iso_code": code, "observed": r.observed, "estimate": r.estimate,
                    "estimate_lower": r.lower, "estimate_upper": r.upper, "men": m,
                    "per_100k": r.estimate * scale, "lower": r.lower * scale,
                    "upper": r.upper * scale, "method": r.method, "model": r.model,
                    "estimable": r.estimable, "reason": r.reason})
    return pd.DataFrame(out, columns=MSE_COLUMNS)
