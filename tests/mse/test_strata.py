"""Summing strata: draw by draw whatever each stratum's draw count, never silently approximate."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.mse import CaptureTable, Estimate, sum_strata
from uncounted.mse.strata import common_draws


@pytest.fixture
def table():
    import pandas as pd

    frame = pd.DataFrame({"s": ["a", "a", "a", "b", "b", "b"], "A": [1, 0, 1, 1, 0, 1],
                          "B": [0, 1, 1, 0, 1, 1], "count": [10, 8, 5, 20, 15, 9]})
    return CaptureTable.from_frame(frame, strata="s")


def _row(stratum, observed, draws=None, kind="posterior", estimate=None, seed=1, h="ab"):
    d = None if draws is None else np.asarray(draws, dtype=float)
    point = float(np.median(d)) if estimate is None else estimate
    lo, hi = (np.quantile(d, [0.025, 0.975]) if d is not None else (point - 5, point + 9))
    return Estimate(method="m", model="x", lists=("A", "B"), observed=observed, estimate=point,
                    lower=float(lo), upper=float(hi), stratum=stratum, seed=seed, draws=d,
                    draws_kind=kind if d is not None else None, input_hash=h)


def test_equal_shapes_are_summed_chain_by_chain(table):
    rng = np.random.default_rng(0)
    a = rng.normal(100, 5, size=(2, 500)) + 23
    b = rng.normal(200, 9, size=(2, 500)) + 44
    total = sum_strata([_row("a", 23, a), _row("b", 44, b)], table)
    np.testing.assert_array_equal(total.draws, a + b)
    assert total.estimate == np.median(a + b) and total.draws_kind == "posterior"
    assert [r.code for r in total.reasons] == [] and total.status == "ok"


def test_unequal_counts_are_resampled_to_the_largest_reproducibly(table):
    rng = np.random.default_rng(1)
    a = rng.normal(100, 5, size=(4, 3000))  # 12,000 draws
    b = rng.normal(200, 12, size=(2, 1000))  # 2,000 draws
    rows = [_row("a", 23, a, h="01"), _row("b", 44, b, h="02")]
    total = sum_strata(rows, table)
    again = sum_strata(rows, table)
    assert total.draws.shape == (1, 12_000)
    np.testing.assert_array_equal(total.draws, again.draws)  # seeded: the same every time
    assert [r.code for r in total.reasons] == ["strata_resampled"]
    assert "1 of 2 strata" in total.reasons[0].message and total.status == "ok"
    # the sum of independent normals: mean 300, sd 13. With 12,000 summed draws (b's 2,000 reused
    # about 6 times each) the median's Monte Carlo error is ~0.3 and the 2.5% quantile's ~0.7.
    assert total.estimate == pytest.approx(300, abs=1.5)
    assert total.lower == pytest.approx(300 - 1.96 * 13, abs=2.5)
    # a different seed on the strata resamples differently
    other = sum_strata([_row("a", 23, a, seed=2, h="01"), _row("b", 44, b, seed=2, h="02")], table)
    assert not np.array_equal(other.draws, total.draws)


def test_common_draws_keeps_a_largest_stratum_in_order():
    a = np.arange(10.0).reshape(2, 5)
    b = np.array([[100.0, 200.0]])
    out, n = common_draws([a, b], 1, ["0a", "0b"])
    assert n == 1 and out.shape == (1, 10)
    assert set(np.unique(out - a.ravel())) <= {100.0, 200.0}


def test_bootstrap_draws_give_the_interval_not_the_point(table):
    rng = np.random.default_rng(2)
    a, b = rng.normal(50, 3, size=(1, 400)), rng.normal(80, 4, size=(1, 400))
    rows = [_row("a", 23, a, kind="bootstrap", estimate=49.0),
            _row("b", 44, b, kind="bootstrap", estimate=81.5)]
    total = sum_strata(rows, table)
    assert total.estimate == 49.0 + 81.5 and total.draws_kind == "bootstrap"
    assert total.lower == pytest.approx(np.quantile(a + b, 0.025))


def test_no_draws_is_a_normal_approximation_said_in_the_reasons(table):
    total = sum_strata([_row("a", 23, estimate=40.0), _row("b", 44, estimate=60.0)], table)
    assert total.estimate == 100.0 and total.draws is None
    assert total.lower == pytest.approx(100 - np.sqrt(50)) and total.upper == pytest.approx(
        100 + np.sqrt(162))
    assert [r.code for r in total.reasons] == ["total_normal_approximation"]
    assert total.status == "caution"


def test_some_strata_without_draws_are_named(table):
    rows = [_row("a", 23, np.full((1, 100), 40.0)), _row("b", 44, estimate=60.0)]
    total = sum_strata(rows, table)
    assert total.draws is None
    assert total.reasons[0].code == "strata_without_draws" and "b" in total.reasons[0].message


def test_the_total_carries_its_strata_status(table):
    a = _row("a", 23, estimate=40.0).replace(diagnostics={"rhat": 1.3})
    assert a.status == "unreliable"
    total = sum_strata([a, _row("b", 44, estimate=60.0)], table)
    assert total.status == "unreliable"
    assert any(r.code == "stratum_unreliable" and "a" in r.message for r in total.reasons)
