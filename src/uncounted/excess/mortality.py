"""Excess deaths from registry counts: the male/female ratio method and a linear trend of deaths.

Both methods extrapolate a straight line fitted over baseline years to a target year, one age group at
a time, and sum the age groups of a band; standard errors are those of a linear-regression prediction,
summed in variance over age groups (age groups are treated as independent).

``sex-ratio`` (Kobak et al. 2025)
    For each age group the ratio r_t = M_t / (F_t + 1) of male to female deaths is fitted by a line over
    the baseline years and extrapolated to the target year; the expected male deaths are
    r_hat * (F + 1) and the excess is M - r_hat * (F + 1). Women's mortality, hardly touched by the war,
    carries the year-to-year shocks (Covid-19 in 2020-2021) that hit both sexes, so the ratio isolates
    the excess among men. The defaults reproduce, to the rounding of the published table, the regional
    estimates of Kobak's notebook (``old_analysis_including_regional.ipynb``, dkobak/excess-mortality-
    war): the ``+1`` in the denominator (regions with years of zero female deaths), a predicted ratio
    below 1 set to 1, and the residual variance divided by (number of years from the first baseline year
    to the target year) - 2, i.e. 8 - 2 = 6 for 2015-2019 -> 2022 where ordinary least squares would
    divide by 5 - 2 = 3. ``residual_dof="ols"`` uses 3 instead, which widens every standard error by
    sqrt(2); ``offset=0`` gives the plain M/F ratio of the paper's national figure (23,594).

``trend`` (Karlinsky & Kobak 2021)
    Deaths of one sex are fitted by a line over the baseline years and extrapolated; the excess is the
    observed minus the extrapolated count, with the OLS prediction variance.

References
----------
Kobak, D., Ershov, A. et al. (2025). Excess male mortality in Russia due to the war in Ukraine.
*Demography* 62(2):335-347 (Duke University Press); code and data:
https://github.com/dkobak/excess-mortality-war
Karlinsky, A. & Kobak, D. (2021). Tracking excess mortality across countries during the COVID-19
pandemic with the World Mortality Dataset. *eLife* 10:e69336. https://doi.org/10.7554/eLife.69336
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .deaths import RegistryDeaths, cube, subjects

COLUMNS = ["region", "region_name", "ages", "sex", "method", "year", "observed", "expected",
           "estimate", "se", "z", "p_score", "estimable", "reason"]


@dataclass(frozen=True)
class LinearForecast:
    """Line fitted per row of ``y`` over ``x`` and evaluated at ``x0`` (arrays of one value per row).

    ``pred`` is the prediction, ``rss`` the residual sum of squares and ``leverage`` the factor
    ``1/n + (x0 - mean x)^2 / Sxx`` of the prediction variance ``sigma^2 * (1 + leverage)``.
    """

    pred: np.ndarray
    rss: np.ndarray
    leverage: float


def linear_forecast(x: np.ndarray, y: np.ndarray, x0: float) -> LinearForecast:
    """Least-squares line through each row of ``y`` (shape ``(k, n)``) against ``x``, at ``x0``."""
    x = np.asarray(x, float)
    y = np.atleast_2d(np.asarray(y, float))
    xc = x - x.mean()
    sxx = float(xc @ xc)
    slope = (y - y.mean(axis=1, keepdims=True)) @ xc / sxx
    intercept = y.mean(axis=1) - slope * x.mean()
    fitted = intercept[:, None] + slope[:, None] * x[None, :]
    rss = ((y - fitted) ** 2).sum(axis=1)
    return LinearForecast(intercept + slope * x0, rss, 1.0 / x.size + (x0 - x.mean()) ** 2 / sxx)


def sex_ratio_excess(male_base, female_base, male, female, years, year, *, offset=1.0, floor=1.0,
                     dof=3):
    """Excess male deaths per age group from the trend of the male/female ratio.

    Parameters
    ----------
    male_base, female_base
        Deaths ``(k, n)``: k age groups over the n baseline ``years``.
    male, female
        Deaths ``(k,)`` in the target ``year``.
    offset
        Added to female deaths in the ratio's denominator (1 in Kobak's regional analysis).
    floor
        A predicted ratio below this is set to it (1 in Kobak's regional analysis; ``None`` for none).
    dof
        Divisor of the residual sum of squares for the residual variance.

    Returns
    -------
    excess, expected, variance : arrays ``(k,)``
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(male_base, float) / (np.asarray(female_base, float) + offset)
        fc = linear_forecast(years, ratio, year)
    r_hat = fc.pred if floor is None else np.maximum(fc.pred, floor)
    denom = np.asarray(female, float) + offset
    expected = r_hat * denom
    variance = fc.rss / dof * (1.0 + fc.leverage) * denom ** 2
    return np.asarray(male, float) - expected, expected, variance


def trend_excess(base, observed, years, year):
    """Excess deaths per age group over the linear trend of deaths across the baseline years.

    Returns ``excess, expected, variance`` (arrays ``(k,)``); the variance is the OLS prediction
    variance with ``n - 2`` degrees of freedom.
    """
    fc = linear_forecast(years, base, year)
    n = np.asarray(years).size
    variance = fc.rss / (n - 2) * (1.0 + fc.leverage)
    return np.asarray(observed, float) - fc.pred, fc.pred, variance


def age_groups(frame: pd.DataFrame, lo: int, hi: int, source: str) -> list[tuple[int, int]]:
    """The age groups of the table that tile the band ``lo``-``hi`` exactly.

    Overlapping sub-groups (Rosstat's ``15-17``) are skipped when wider groups cover the band.
    """
    groups = sorted({(a, b) for a, b in zip(frame.age_lo, frame.age_hi)})
    chosen, at = [], lo
    while at <= hi:
        cands = [g for g in groups if g[0] == at and g[1] <= hi]
        if not cands:
            have = ", ".join(f"{a}-{b}" if b < 999 else f"{a}+" for a, b in groups)
            raise InputError(f"the age groups of the table cannot tile the band {lo}-{hi} (no group "
                             f"starts at {at} and ends by {hi}); groups present: {have}",
                             file=source, column="Age", value=f"{lo}-{hi}")
        g = max(cands, key=lambda g: g[1])
        chosen.append(g)
        at = g[1] + 1
    return chosen


def excess_deaths(deaths: RegistryDeaths, *, baseline=(2015, 2019), year=2022, ages=(15, 49),
                  method="sex-ratio", sex="m", offset=1.0, floor=1.0, residual_dof="kobak",
                  by_age=False) -> pd.DataFrame:
    """Excess deaths by region (and the country total) for one age band, sex and year.

    Parameters
    ----------
    deaths
        From :func:`~uncounted.excess.read_registry_deaths`.
    baseline
        First and last baseline year (inclusive).
    year
        Target year.
    ages
        Age band ``(lo, hi)``, tiled by the table's age groups.
    method
        ``"sex-ratio"`` (male excess; ``sex`` must be ``"m"``) or ``"trend"``.
    sex
        ``"m"`` or ``"f"`` (``"trend"`` only for ``"f"``).
    offset, floor, residual_dof
        Sex-ratio settings, see the module docstring; ``residual_dof`` is ``"kobak"`` (years from the
        first baseline year to the target year, minus 2) or ``"ols"`` (baseline years minus 2).
    by_age
        Also return one row per age group.

    Returns
    -------
    DataFrame with columns :data:`COLUMNS`; ``region`` is the ISO code, ``RU`` for the country total
    (from the table's ``RU`` rows, or else from the deaths of all subjects added up).

    References
    ----------
    Kobak et al. (2025), *Demography* 62(2):335-347; https://github.com/dkobak/excess-mortality-war
    """
    _check_settings(method, sex, baseline, year, residual_dof)
    frame = subjects(deaths)
    groups = age_groups(frame, ages[0], ages[1], deaths.source)
    if "RU" not in set(frame.iso_code):
        frame = pd.concat([frame, _country_total(frame)], ignore_index=True)
    base_years = np.arange(baseline[0], baseline[1] + 1)
    dof = (year - baseline[0] + 1 - 2) if residual_dof == "kobak" else base_years.size - 2
    rows = []
    for iso, name in _regions(frame):
        rows += _region_rows(frame, iso, name, groups, base_years, year, method, sex,
                             {"offset": offset, "floor": floor, "dof": dof}, deaths.source, by_age)
    return pd.DataFrame(rows, columns=COLUMNS)


def _check_settings(method, sex, baseline, year, residual_dof):
    if method not in ("sex-ratio", "trend"):
        raise InputError("method must be 'sex-ratio' or 'trend'", column="method", value=method)
    if method == "sex-ratio" and sex != "m":
        raise InputError("the sex-ratio method estimates male excess deaths; use sex='m' or the "
                         "trend method", column="sex", value=sex)
    if sex not in ("m", "f"):
        raise InputError("sex must be 'm' or 'f'", column="sex", value=sex)
    if baseline[1] - baseline[0] < 2:
        raise InputError("a baseline needs at least 3 years to fit a line with an error",
                         column="--baseline", value=f"{baseline[0]}-{baseline[1]}")
    if year <= baseline[1]:
        raise InputError("the target year must come after the baseline", column="--year", value=year)
    if residual_dof not in ("kobak", "ols"):
        raise InputError("residual_dof must be 'kobak' or 'ols'", column="residual_dof",
                         value=residual_dof)


def _country_total(frame: pd.DataFrame) -> pd.DataFrame:
    tot = frame.groupby(["year", "age_lo", "age_hi", "sex"], as_index=False)["deaths"].sum()
    return tot.assign(region="Russia (sum of subjects)", iso_code="RU", excl_ao=False, row=0)


def _regions(frame: pd.DataFrame):
    names = frame.groupby("iso_code")["region"].first()
    order = sorted(names.index, key=lambda c: (c == "RU", c))
    return [(c, names[c]) for c in order]


def _region_rows(frame, iso, name, groups, years, year, method, sex, opts, source, by_age):
    all_years = np.append(years, year)
    m = cube(frame, iso, groups, "m", all_years, source)
    if method == "sex-ratio":
        f = cube(frame, iso, groups, "f", all_years, source)
        ex, exp, var = sex_ratio_excess(m[:, :-1], f[:, :-1], m[:, -1], f[:, -1], years, year, **opts)
        obs = m[:, -1]
    else:
        d = m if sex == "m" else cube(frame, iso, groups, "f", all_years, source)
        ex, exp, var = trend_excess(d[:, :-1], d[:, -1], years, year)
        obs = d[:, -1]
    label = f"{groups[0][0]}-{groups[-1][1]}"
    rows = [_row(iso, name, label, sex, method, year, obs.sum(), exp.sum(), ex.sum(), var.sum())]
    if by_age:
        rows += [_row(iso, name, f"{a}-{b}", sex, method, year, o, e, x, v)
                 for (a, b), o, e, x, v in zip(groups, obs, exp, ex, var)]
    return rows


def _row(iso, name, ages, sex, method, year, observed, expected, estimate, var):
    se = float(np.sqrt(var))
    ok = bool(np.isfinite(estimate) and np.isfinite(se))
    return [iso, name, ages, sex, method, year, float(observed), float(expected), float(estimate), se,
            float(estimate / se) if ok and se > 0 else float("nan"),
            float(estimate / expected) if ok and expected else float("nan"), ok,
            "" if ok else "the baseline could not be fitted (zero deaths in a denominator)"]
