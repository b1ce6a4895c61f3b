"""How concentrated the deaths are: Lorenz curve, Gini, concentration by an indicator, poorest shares.

Regions are the units; each carries a number of deaths and of men (the population at risk). The
*Lorenz curve* orders regions by their death rate, lowest first, and plots the cumulative share of
men (x) against the cumulative share of deaths (y); the *Gini* coefficient is twice the area
between it and the diagonal (0: every region dies at the same rate). A *concentration curve* orders
the regions by an indicator instead (poorest first); its *concentration index* is positive when
deaths concentrate in the poorer regions (sign convention stated in :func:`concentration_index`).

References
----------
Gastwirth, J. L. (1972). The estimation of the Lorenz curve and Gini index. *The Review of Economics
and Statistics* 54(3), 306-316. https://doi.org/10.2307/1937992

Kakwani, N., Wagstaff, A., van Doorslaer, E. (1997). Socioeconomic inequalities in health:
measurement, computation, and statistical inference. *Journal of Econometrics* 77(1), 87-103.
https://doi.org/10.1016/S0304-4076(96)01807-6
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError

#: For each known indicator: does a higher value mean a poorer region?
POORER_IS_HIGHER = {
    "pct_below_subsistence_2020": True,
    "unemployment_rate_2020": True,
    "mean_income_per_capita_rub_month_2020": False,
    "subsistence_level_rub_2020q4": False,
}


def _clean(deaths, men, *extra):
    d = np.asarray(deaths, dtype=float)
    m = np.asarray(men, dtype=float)
    ok = np.isfinite(d) & np.isfinite(m) & (m > 0)
    for e in extra:
        ok &= np.isfinite(np.asarray(e, dtype=float))
    return ok


def curve(deaths, men, order_key):
    """Cumulative shares of men (x) and deaths (y), regions sorted by ``order_key`` ascending.

    Returns ``x, y`` starting at (0, 0) and ending at (1, 1). Rows with a missing value are left out.
    Ties in ``order_key`` keep the input order (a stable sort).
    """
    ok = _clean(deaths, men, order_key)
    d = np.asarray(deaths, dtype=float)[ok]
    m = np.asarray(men, dtype=float)[ok]
    idx = np.argsort(np.asarray(order_key, dtype=float)[ok], kind="stable")
    x = np.concatenate([[0.0], np.cumsum(m[idx]) / m.sum()])
    y = np.concatenate([[0.0], np.cumsum(d[idx]) / d.sum()])
    return x, y


def lorenz_curve(deaths, men):
    """The Lorenz curve of death rates across regions (regions by rate, lowest first)."""
    d = np.asarray(deaths, dtype=float)
    m = np.asarray(men, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = d / m
    return curve(d, m, rate)


def _area_gap(x, y) -> float:
    """1 - 2 * (area under the piecewise-linear curve): the Gini formula for a sorted curve."""
    return float(1.0 - np.sum(np.diff(x) * (y[1:] + y[:-1])))


def gini(deaths, men) -> float:
    """Population-weighted Gini coefficient of regional death rates (0 = equal rates).

    Computed exactly from the piecewise-linear Lorenz curve (trapezoids), with men as weights.

    References
    ----------
    Gastwirth (1972), Rev. Econ. Stat. 54(3), 306-316. https://doi.org/10.2307/1937992
    """
    x, y = lorenz_curve(deaths, men)
    return _area_gap(x, y)


def concentration_index(deaths, men, indicator, *, poorer_is_higher: bool = True) -> float:
    """Concentration index of deaths over regions ranked from poorest to richest.

    Regions are ordered poorest first; the index is ``2 * (area under the curve) - 1``, so it is
    positive when deaths concentrate in the poorer regions, negative when in the richer ones, and
    bounded by the Gini in absolute value. This is the *opposite sign* of Kakwani et al.'s
    convention (regions ranked by income, index negative when the outcome concentrates among the
    poor), chosen so that "more deaths among the poor" reads as a positive number.

    References
    ----------
    Kakwani, Wagstaff & van Doorslaer (1997), J. Econometrics 77(1), 87-103.
    https://doi.org/10.1016/S0304-4076(96)01807-6
    """
    key = -np.asarray(indicator, dtype=float) if poorer_is_higher else np.asarray(indicator, float)
    x, y = curve(deaths, men, key)
    return -_area_gap(x, y)


def poorest_share(deaths, men, indicator, *, fraction: float = 0.25, by: str = "men",
                  poorer_is_higher: bool = True):
    """Share of deaths and of men in the poorest regions.

    Parameters
    ----------
    deaths, men, indicator
        Per-region arrays (same length).
    fraction
        How much is "poorest": a fraction of men (``by="men"``: the poorest regions, taken whole,
        until their men reach at least ``fraction`` of all men) or of regions (``by="regions"``:
        the poorest ``ceil(fraction * n)`` regions).
    poorer_is_higher
        Whether a higher indicator value means poorer.

    Returns
    -------
    dict
        ``selected`` (boolean mask over the input rows), ``share_deaths``, ``share_men`` and
        ``ratio`` (share of deaths / share of men: above 1 means over-represented).
    """
    ok = _clean(deaths, men, indicator)
    d = np.where(ok, np.asarray(deaths, float), 0.0)
    m = np.where(ok, np.asarray(men, float), 0.0)
    ind = np.asarray(indicator, float)
    key = np.where(ok, -ind if poorer_is_higher else ind, np.inf)
    idx = np.argsort(key, kind="stable")[: int(ok.sum())]
    if by == "men":
        cum = np.cumsum(m[idx]) / m.sum()
        n = int(np.searchsorted(cum, fraction - 1e-12) + 1)
    elif by == "regions":
        n = int(np.ceil(fraction * ok.sum()))
    else:
        raise ValueError(f"by must be 'men' or 'regions', got {by!r}")
    sel = np.zeros(len(d), dtype=bool)
    sel[idx[:n]] = True
    sd, sm = d[sel].sum() / d.sum(), m[sel].sum() / m.sum()
    return {"selected": sel, "share_deaths": float(sd), "share_men": float(sm),
            "ratio": float(sd / sm) if sm > 0 else float("nan")}


def parse_indicator(spec: str, columns) -> tuple[str, bool]:
    """``"name"`` or ``"name:high"``/``"name:low"`` (which end is poorer) -> (name, poorer_is_higher).

    Known indicators (:data:`POORER_IS_HIGHER`) know their direction; others default to "higher
    is poorer" unless told ``:low``.
    """

    name, _, end = spec.partition(":")
    if name not in columns:
        raise InputError(f"no indicator {name!r} in the indicators file; numeric columns are "
                         f"{', '.join(c for c in columns if c not in ('iso_code', 'name_en'))}",
                         column="--indicator", value=spec)
    if end and end not in ("high", "low"):
        raise InputError("say which end is poorer with ':high' or ':low'", column="--indicator",
                         value=spec)
    return name, (end != "low") if end else POORER_IS_HIGHER.get(name, True)


def concentration_table(rates, indicators=None, fractions=(0.1, 0.25, 0.5)):
    """Gini, concentration indices and poorest shares by indicator, as a DataFrame.

    ``rates`` is the output of :func:`~uncounted.analysis.regions.regional_rates`; ``indicators``
    a list of column names (``"name:low"`` when a lower value is poorer; see
    :func:`parse_indicator`), by default every known indicator present.
    """
    import pandas as pd

    rows = [{"measure": "gini", "indicator": "", "definition": "regions by death rate",
             "value": gini(rates["deaths"], rates["men"])}]
    specs = indicators or [c for c in POORER_IS_HIGHER if c in rates.columns]
    for spec in specs:
        name, hi = parse_indicator(spec, rates.columns)
        rows.append({"measure": "concentration_index", "indicator": name,
                     "definition": "regions ranked poorest first",
                     "value": concentration_index(rates["deaths"], rates["men"], rates[name],
                                                  poorer_is_higher=hi)})
        for by in ("men", "regions"):
            for f in fractions:
                s = poorest_share(rates["deaths"], rates["men"], rates[name], fraction=f, by=by,
                                  poorer_is_higher=hi)
                rows.append({"measure": "poorest_share", "indicator": name,
                             "definition": f"poorest {f:.0%} of {by}", "value": s["share_deaths"],
                             "share_men": s["share_men"], "ratio": s["ratio"],
                             "regions": int(s["selected"].sum())})
    return pd.DataFrame(rows)
