"""Lorenz curve, Gini, concentration index and poorest shares on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.analysis.concentration import (
    concentration_index,
    gini,
    lorenz_curve,
    poorest_share,
)


def test_equal_rates_have_gini_zero():
    assert gini([10, 20, 30], [100, 200, 300]) == pytest.approx(0.0, abs=1e-12)


def test_two_regions_hand_computed():
    # men 1 and 1, deaths 0 and 1: Lorenz (0,0) (.5,0) (1,1); area = .25; Gini = 1 - 2*.25 = .5
    x, y = lorenz_curve([1, 0], [1, 1])
    assert x.tolist() == [0.0, 0.5, 1.0] and y.tolist() == [0.0, 0.0, 1.0]
    assert gini([1, 0], [1, 1]) == pytest.approx(0.5)


def test_gini_weighted_by_men():
    # men 3 and 1, deaths 0 and 4 (all deaths in the small region): x = 0, .75, 1; y = 0, 0, 1
    # area = .25 * .5 = .125; Gini = .75 (the population share of the region with no deaths)
    assert gini([0, 4], [3, 1]) == pytest.approx(0.75)


def test_concentration_index_sign_and_bound():
    deaths, men = np.array([9, 1]), np.array([1, 1])
    poverty = np.array([30.0, 5.0])  # the poor region has the deaths
    c = concentration_index(deaths, men, poverty, poorer_is_higher=True)
    # poorest first: x = 0, .5, 1; y = 0, .9, 1; area = .5*(.9)/2 + .5*(1.9)/2 = .7; C = .4
    assert c == pytest.approx(0.4)
    income = np.array([10_000.0, 50_000.0])
    assert concentration_index(deaths, men, income, poorer_is_higher=False) == pytest.approx(0.4)
    assert concentration_index(deaths, men, -poverty) == pytest.approx(-0.4)
    assert abs(c) <= gini(deaths, men) + 1e-12


def test_poorest_share_by_men_and_by_regions():
    deaths = np.array([50, 30, 15, 5])
    men = np.array([10, 20, 30, 40])
    poverty = np.array([40.0, 30.0, 20.0, 10.0])
    s = poorest_share(deaths, men, poverty, fraction=0.25, by="men")
    # the poorest regions until 25% of men: regions 1 (10%) and 2 (30% cumulative)
    assert s["selected"].tolist() == [True, True, False, False]
    assert s["share_deaths"] == pytest.approx(0.8) and s["share_men"] == pytest.approx(0.3)
    assert s["ratio"] == pytest.approx(0.8 / 0.3)
    r = poorest_share(deaths, men, poverty, fraction=0.25, by="regions")
    assert r["selected"].tolist() == [True, False, False, False]
    assert r["share_deaths"] == pytest.approx(0.5)


def test_missing_values_are_left_out():
    s = poorest_share([5, 5, 100], [1, 1, np.nan], [10.0, 20.0, 30.0], fraction=0.5, by="regions")
    assert s["selected"].tolist() == [False, True, False]
    assert s["share_deaths"] == pytest.approx(0.5)


def test_any_indicator_with_its_direction():
    import pandas as pd

    from uncounted.analysis.concentration import concentration_table
    from uncounted.exceptions import InputError

    rates = pd.DataFrame({"deaths": [9, 1], "men": [1, 1], "pensions": [5.0, 50.0]})
    t = concentration_table(rates, ["pensions:low"], fractions=(0.5,))
    ci = t[t["measure"] == "concentration_index"]["value"].iloc[0]
    assert ci == pytest.approx(0.4)  # low pensions = poorer: the deaths are in the poor region
    t = concentration_table(rates, ["pensions"], fractions=(0.5,))  # unknown: higher is poorer
    assert t[t["measure"] == "concentration_index"]["value"].iloc[0] == pytest.approx(-0.4)
    with pytest.raises(InputError, match="no indicator 'wages'"):
        concentration_table(rates, ["wages"])
