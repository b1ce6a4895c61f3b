"""Estimate: immutable, comparable, and exactly round-tripped through JSON (property-based)."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.mse import Estimate, Reason

numbers = st.floats(allow_nan=True, allow_infinity=True)
# JSON writes infinite numbers in diagnostics as the strings "inf"/"-inf" and reads them back as
# floats, so those two strings are the one value a diagnostic cannot hold as text
texts = st.text(max_size=8).filter(lambda s: s not in ("inf", "-inf"))
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | numbers | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)
reasons = st.lists(st.builds(Reason, st.sampled_from(["lists_dropped", "few_in_common",
                                                      "not_converged", "grid_end"]),
                             st.text(max_size=20)), max_size=3).map(tuple)


@st.composite
def estimates(draw):
    estimable = draw(st.booleans())
    draws = None
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 6)))
        draws = np.array(draw(st.lists(st.floats(0, 1e9), min_size=shape[0] * shape[1],
                                       max_size=shape[0] * shape[1]))).reshape(shape)
    return Estimate(
        method=draw(st.sampled_from(["chao", "loglinear", "lcmcr"])),
        model=draw(st.none() | st.text(max_size=10)),
        lists=tuple(draw(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4))),
        observed=draw(st.integers(0, 10**7)), estimate=draw(numbers), lower=draw(numbers),
        upper=draw(numbers), level=draw(st.floats(0.01, 0.99)),
        stratum=draw(st.none() | st.text(max_size=8)), seed=draw(st.none() | st.integers(0, 2**32)),
        diagnostics=draw(st.dictionaries(st.text(max_size=6), plain, max_size=5)),
        warnings=tuple(draw(st.lists(st.text(max_size=10), max_size=2))),
        input_hash=draw(st.none() | st.text(alphabet="0123456789abcdef", min_size=16,
                                            max_size=16)),
        estimable=estimable, reason=None if estimable else draw(st.text(max_size=10)),
        reasons=draw(reasons), draws=draws,
        draws_kind=None if draws is None else draw(st.sampled_from(["posterior", "bootstrap"])),
        timings=draw(st.dictionaries(st.sampled_from(["fit_seconds", "workers"]),
                                     st.floats(0, 100), max_size=2)))


@settings(max_examples=150, deadline=None)
@given(estimates())
def test_json_round_trip_is_exact(e):
    # strict JSON (no NaN or Infinity tokens): allow_nan=False raises on any
    text = json.dumps(e.to_dict(draws=True, timings=True), allow_nan=False)
    again = Estimate.from_dict(json.loads(text))
    assert again == e
    assert again.to_dict(draws=True, timings=True) == json.loads(text)
    assert hash(again) == hash(e)
    assert pickle.loads(pickle.dumps(e)) == e  # worker processes send Estimates back


@settings(max_examples=50, deadline=None)
@given(estimates())
def test_replace_keeps_equality_rules(e):
    assert e.replace() == e
    assert e.replace(timings={"fit_seconds": 123.0}) == e  # timings are not compared
    assert e.replace(results=object()) == e  # nor the results object
    other = e.replace(observed=e.observed + 1)
    assert other != e


def test_nan_diagnostics_compare_equal_and_are_none():
    a = Estimate("x", None, ("A",), 1, 1.0, 1.0, 1.0, diagnostics={"rhat": float("nan"),
                                                                   "v": np.float32(0.5)})
    b = Estimate("x", None, ("A",), 1, 1.0, 1.0, 1.0, diagnostics={"rhat": float("nan"),
                                                                   "v": 0.5})
    assert a == b and a.diagnostics["rhat"] is None and type(a.diagnostics["v"]) is float


def test_diagnostics_hold_plain_values_only():
    with pytest.raises(TypeError, match="plain values"):
        Estimate("x", None, ("A",), 1, 1.0, 1.0, 1.0, diagnostics={"f": object()})


def test_one_dimensional_draws_become_one_chain():
    e = Estimate("x", None, ("A",), 1, 2.0, 1.0, 3.0, draws=[1.0, 2.0, 3.0], draws_kind="posterior")
    assert e.draws.shape == (1, 3) and e.flat_draws.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="draws_kind"):
        Estimate("x", None, ("A",), 1, 2.0, 1.0, 3.0, draws=[1.0], draws_kind="guess")


def test_plot_makes_its_own_figure_and_leaves_the_backend_alone(tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    e = Estimate("x", "m", ("A", "B"), 10, 14.0, 11.0, 20.0,
                 draws=np.random.default_rng(0).normal(14, 2, 500), draws_kind="posterior")
    ax = e.plot()
    ax.figure.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert matplotlib.get_backend() == before
    assert "pyplot" not in type(ax.figure).__module__


def test_summary_has_fixed_columns_with_status():
    from uncounted.mse.result import SUMMARY_COLUMNS

    e = Estimate("x", None, ("A", "B"), 10, math.nan, math.nan, math.nan, estimable=False,
                 reason="why", reasons=(Reason("too_few_lists", "why"),))
    s = e.summary()
    assert list(s.columns) == SUMMARY_COLUMNS
    assert s.loc[0, "status"] == "not_estimable" and s.loc[0, "reason_codes"] == "too_few_lists"
