"""Deaths per region per 100,000 men of military age, with exact Poisson intervals.

The numerics are array-in, array-out (:func:`garwood_interval`, :func:`rate_per_100k`); the table
builders (:func:`regional_rates`, :func:`group_rates`, :func:`unit_type_rates`) add names at the
edge. The denominator is the number of men aged 16-61 in the 2021 census
(``men_16_61_census2021`` of the indicators file), as in Bessudnov's analysis of the BBC/Mediazona
list; a region without a denominator (the four oblasts annexed in 2022) has no rate.

References
----------
Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28(3/4), 437-442.
https://doi.org/10.1093/biomet/28.3-4.437

Ulm, K. (1990). A simple method to calculate the confidence interval of a standardized mortality
ratio (SMR). *American Journal of Epidemiology* 131(2), 373-375.

Bessudnov, A. (2023). Ethnic and regional inequalities in Russian military fatalities in Ukraine:
Preliminary findings from crowdsourced data. *Demographic Research* 48(31), 883-898.
https://doi.org/10.4054/DemRes.2023.48.31
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError
from .reference import load_indicators, load_subjects

PER = 100_000
RATE_COLUMNS = ["iso_code", "deaths", "men", "per_100k", "lower", "upper"]


def garwood_interval(deaths, level: float = 0.95):
    """Exact (Garwood) confidence limits for a Poisson mean, given observed counts.

    Parameters
    ----------
    deaths
        Observed counts (array-like of non-negative integers).
    level
        Confidence level, e.g. 0.95.

    Returns
    -------
    lower, upper : numpy.ndarray
        ``lower = chi2.ppf(a/2, 2k) / 2`` (0 when k = 0) and ``upper = chi2.ppf(1 - a/2, 2k + 2) / 2``
        with ``a = 1 - level``. Coverage is at least ``level`` for every mean.

    References
    ----------
    Garwood (1936), Biometrika 28, 437-442. https://doi.org/10.1093/biomet/28.3-4.437
    """
    from scipy.stats import chi2

    k = np.asarray(deaths, dtype=float)
    if np.any(k < 0) or np.any(k != np.floor(k)):
        raise ValueError("counts must be non-negative integers")
    a = 1.0 - level
    lower = np.where(k > 0, chi2.ppf(a / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    upper = chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    return lower, upper


def rate_per_100k(deaths, men, level: float = 0.95):
    """Rate per 100,000 men and its exact Poisson interval (the denominator taken as known).

    Returns ``rate, lower, upper`` arrays; NaN where ``men`` is missing or zero.
    """
    d = np.asarray(deaths, dtype=float)
    m = np.asarray(men, dtype=float)
    ok = np.isfinite(m) & (m > 0)
    safe = np.where(ok, m, 1.0)
    lo, hi = garwood_interval(d, level)
    scale = np.where(ok, PER / safe, np.nan)
    return d * scale, lo * scale, hi * scale


def _with_rates(df, level: float):
    rate, lo, hi = rate_per_100k(df["deaths"], df["men"], level)
    df["per_100k"], df["lower"], df["upper"] = rate, lo, hi
    return df


def regional_rates(deaths, indicators=None, *, level: float = 0.95):
    """Deaths per region per 100,000 men aged 16-61, for every federal subject.

    Parameters
    ----------
    deaths
        A :class:`~uncounted.analysis.deaths.Deaths` (or a DataFrame with an ``iso_code`` column,
        one row per death).
    indicators
        The indicators DataFrame, or its path, or None to look for it (see
        :func:`~uncounted.analysis.reference.load_indicators`).
    level
        Interval level.

    Returns
    -------
    pandas.DataFrame
        One row per subject (89), columns ``iso_code, deaths, men, per_100k, lower, upper, name_en,
        federal_district, subject_type, status`` and the indicator columns. Regions with no deaths
        have 0; regions without a denominator have NaN rates.
    """
    import pandas as pd

    frame = getattr(deaths, "frame", deaths)
    ind = indicators if isinstance(indicators, pd.DataFrame) else load_indicators(indicators)
    subj = load_subjects()
    counts = frame["iso_code"].value_counts()
    unknown = sorted(set(counts.index) - set(subj["iso_code"]))
    if unknown:
        raise InputError(f"ISO codes that are not federal subjects: {', '.join(unknown)}. Use "
                         f"ISO 3166-2 codes such as RU-TY, or read the list with read_deaths(), "
                         f"which resolves region names", column="iso_code", value=unknown[0])
    out = subj[["iso_code"]].copy()
    out["deaths"] = out["iso_code"].map(counts).fillna(0).astype(int)
    men = ind.set_index("iso_code")["men_16_61_census2021"]
    out["men"] = out["iso_code"].map(men)
    out = _with_rates(out, level)
    out = out.merge(subj, on="iso_code", how="left")
    extra = [c for c in ind.columns
             if c not in out.columns and c not in {"name_en", "men_16_61_census2021"}]
    out = out.merge(ind[["iso_code", *extra]], on="iso_code", how="left")
    out.attrs["level"] = level
    return out


def group_rates(rates, by: str, *, level: float = 0.95):
    """Sum deaths and men over groups of regions (``federal_district``, ``subject_type`` ...).

    Only regions with a denominator enter the rate; deaths in regions without one are reported in
    ``deaths_no_denominator``. A last row ``all`` holds the national total.
    """
    import pandas as pd

    has_men = rates["men"].notna()
    g = rates[has_men].groupby(by, dropna=False)
    out = pd.DataFrame({"deaths": g["deaths"].sum(), "men": g["men"].sum(),
                        "regions": g.size()}).reset_index()
    nod = rates[~has_men].groupby(by)["deaths"].sum()
    out["deaths_no_denominator"] = out[by].map(nod).fillna(0).astype(int)
    total = pd.DataFrame([{by: "all", "deaths": out["deaths"].sum(), "men": out["men"].sum(),
                           "regions": int(has_men.sum()),
                           "deaths_no_denominator": int(rates.loc[~has_men, "deaths"].sum())}])
    out = pd.concat([out, total], ignore_index=True)
    out = _with_rates(out, level)
    out["share_of_deaths"] = out["deaths"] / out["deaths"].iloc[-1]
    out["share_of_men"] = out["men"] / out["men"].iloc[-1]
    cols = [by, "deaths", "men", "per_100k", "lower", "upper", "share_of_deaths", "share_of_men",
            "regions", "deaths_no_denominator"]
    return out[cols]


def unit_type_rates(deaths, rates, *, level: float = 0.95):
    """Deaths by unit type (professional army, inmates, mobilised ...), nationally.

    The rate is per 100,000 men in all regions with a denominator; deaths whose unit type is blank
    form the row ``unknown``. Deaths in regions without a denominator are left out, so the rows add
    up to the national total of :func:`group_rates`.
    """
    import pandas as pd

    frame = getattr(deaths, "frame", deaths)
    with_men = set(rates.loc[rates["men"].notna(), "iso_code"])
    f = frame[frame["iso_code"].isin(with_men)]
    unit = f["unit_type"].fillna("unknown").astype(str).str.strip().replace("", "unknown")
    counts = unit.value_counts()
    out = pd.DataFrame({"unit_type": counts.index, "deaths": counts.to_numpy()})
    out["men"] = float(rates.loc[rates["men"].notna(), "men"].sum())
    out = _with_rates(out, level)
    out["share_of_deaths"] = out["deaths"] / out["deaths"].sum()
    return out


def region_by_unit_type(deaths):
    """Wide table: deaths per region (rows) and unit type (``n_<type>`` columns)."""
    import re

    frame = getattr(deaths, "frame", deaths)
    f = frame[frame["unit_type"].notna() & (frame["unit_type"].astype(str).str.strip() != "")]
    wide = f.pivot_table(index="iso_code", columns="unit_type", aggfunc="size", fill_value=0)
    names: list[str] = []
    for c in wide.columns:
        name = "n_" + (re.sub(r"\W+", "_", str(c).casefold()).strip("_") or "other")
        while name in names:  # two types that differ only in punctuation
            name += "_"
        names.append(name)
    wide.columns = names
    return wide.reset_index()
