"""Lincoln-Petersen (Chapman) and Chao's lower bound against hand-computed values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import NotEstimableError
from uncounted.mse import CaptureTable, ChaoLowerBound, LincolnPetersen


def test_chapman_by_hand():
    # n1 = 60, n2 = 50, m = 20: N = 61*51/21 - 1 = 147.142857...
    # Var = 61*51*40*30 / (21^2 * 22) = 3,733,200 / 9,702 = 384.7866...
    t = CaptureTable.from_counts({"10": 40, "01": 30, "11": 20}, ["A", "B"])
    e = LincolnPetersen().fit(t)
    assert e.estimate == pytest.approx(61 * 51 / 21 - 1, rel=1e-12)
    assert e.diagnostics["se"] == pytest.approx(math.sqrt(3_733_200 / 9_702), rel=1e-12)
    # log-normal interval on f0 = N - 90 (Chao 1987): C = exp(1.959964 * sqrt(log(1 + var/f0^2)))
    f0 = 61 * 51 / 21 - 1 - 90
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + (3_733_200 / 9_702) / f0**2)))
    assert e.lower == pytest.approx(90 + f0 / c, rel=1e-9)
    assert e.upper == pytest.approx(90 + f0 * c, rel=1e-9)
    assert e.observed == 90 and e.method == "lincoln-petersen"


def test_chapman_needs_two_lists(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    with pytest.raises(NotEstimableError, match="exactly two lists"):
        LincolnPetersen().fit(t)
    e = LincolnPetersen(lists=("EXH", "ABA")).fit(t)
    tot = t.list_totals()
    m = int(t.select(["EXH", "ABA"]).counts_of(0b11)[0])
    assert e.estimate == pytest.approx((tot["EXH"] + 1) * (tot["ABA"] + 1) / (m + 1) - 1)


def test_chao_by_hand():
    # 3 lists; f1 = 30 (10+12+8), f2 = 9 (4+3+2), f3 = 5, S = 44.
    # N = 44 + (2/3) * 30^2 / (2*9) = 44 + 33.333... = 77.333...
    t = CaptureTable.from_counts([10, 12, 4, 8, 3, 2, 5], ["A", "B", "C"])
    e = ChaoLowerBound().fit(t)
    assert (e.diagnostics["f1"], e.diagnostics["f2"]) == (30, 9)
    assert e.estimate == pytest.approx(44 + (2 / 3) * 900 / 18, rel=1e-12)
    r, a = 30 / 9, 2 / 3
    var = 9 * (a**2 * r**4 / 4 + a**2 * r**3 + a * r**2 / 2)
    assert e.diagnostics["se"] == pytest.approx(math.sqrt(var), rel=1e-12)


def test_chao_bias_corrected_when_no_doubles():
    # f1 = 6, f2 = 0, f3 = 2, S = 8, t = 3: N = 8 + (2/3) * 6*5 / 2 = 18
    t = CaptureTable.from_counts([2, 2, 0, 2, 0, 0, 2], ["A", "B", "C"])
    e = ChaoLowerBound().fit(t)
    assert e.estimate == pytest.approx(18.0)
    assert "bias-corrected" in e.model


def test_fit_returns_new_object_and_leaves_estimator(mse_table):
    est = ChaoLowerBound(level=0.9)
    before = est.get_params()
    a = est.fit(mse_table("lcmcr_kosovo_aggregate"))
    b = est.fit(mse_table("lcmcr_kosovo_aggregate"))
    assert a is not b and a == b and est.get_params() == before
    assert a.level == 0.9 and a.input_hash


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=7, max_size=7).filter(lambda c: sum(c) > 0))
def test_chao_never_below_observed_and_invariant_to_relabelling(counts):
    import warnings

    from uncounted.exceptions import DataWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        try:
            t = CaptureTable.from_counts(counts, ["A", "B", "C"])
        except Exception:
            return
        e = ChaoLowerBound().fit(t)
        assert e.estimate >= t.observed
        assert e.lower <= e.estimate <= e.upper
        perm = t.select(list(reversed(t.lists)))
        assert ChaoLowerBound().fit(perm).estimate == pytest.approx(e.estimate)
