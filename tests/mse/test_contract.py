"""The estimator contract (DESIGN.md), written once and run over every registered estimator.

For each configuration below (every method of the registry, plus log-linear's bootstrap): the
estimate is never below the number observed and lies inside its interval; ``fit`` returns a new
Estimate and leaves the estimator's settings unchanged; the result survives a JSON round trip
exactly; the same seed gives an equal Estimate; unknown options and a bad ``level`` are rejected
naming the parameter; a DataFrame, a CSV path and a CaptureTable give equal results; a
not-estimable table gives a row with status ``not_estimable``.

No method is skipped: a registered estimator whose module fails to import FAILS these tests
(``test_every_registered_method_imports`` and ``test_a_broken_module_is_an_error``).
"""

from __future__ import annotations

import copy
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import InputError, NotEstimableError
from uncounted.mse import CaptureTable, Estimate, estimate, registry
from uncounted.mse.registry import METHODS, estimator_class, make_estimator
from uncounted.mse.status import STATUSES

#: (id, method, small settings that keep sampling methods fast here)
CONFIGS = [
    ("lincoln-petersen", "lincoln-petersen", {}),
    ("chao", "chao", {}),
    ("loglinear", "loglinear", {}),
    ("loglinear-bootstrap", "loglinear", {"interval": "bootstrap", "n_draws": 50, "seed": 5}),
    ("lcmcr", "lcmcr", {"seed": 11, "n_draws": 200, "burn_in": 200, "chains": 2,
                        "target_ess": 0}),
    ("dga", "dga", {"seed": 11, "n_draws": 500}),
]
IDS = [c[0] for c in CONFIGS]
TABLES = ["lcmcr_kosovo_aggregate", "mse_korea"]


def test_configs_cover_every_registered_method():
    assert {c[1] for c in CONFIGS} == set(METHODS)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_registered_method_imports(name):
    cls = estimator_class(name)  # an ImportError here fails the test: nothing is skipped
    assert cls.name == name and "level" in cls.options()


def test_a_broken_module_is_an_error(monkeypatch):
    # a registered estimator whose module is broken must raise, never vanish from "all"
    monkeypatch.setitem(registry.METHODS, "broken", "uncounted.mse.no_such_module:Broken")
    with pytest.raises(ImportError):
        estimator_class("broken")
    with pytest.raises(ImportError):
        registry.available_methods()


def _make(config):
    _, name, options = config
    level = options.get("level", 0.9)
    return make_estimator(name, level=level, **{k: v for k, v in options.items() if k != "level"})


def _fit(est, table):
    """Fit quietly; Lincoln-Petersen gets the first two lists of a larger table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if est.name == "lincoln-petersen" and isinstance(table, CaptureTable) and table.k != 2:
            table = table.select(list(table.lists[:2]))
        return est.fit(table)


@pytest.fixture(params=TABLES)
def table(request, mse_table):
    return mse_table(request.param)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_estimate_at_least_observed_and_inside_interval(config, table):
    e = _fit(_make(config), table)
    assert isinstance(e, Estimate) and e.method == config[1]
    assert e.estimate >= e.observed
    assert e.lower <= e.estimate <= e.upper
    assert e.lower >= e.observed - 1e-9
    assert e.level == 0.9 and e.status in STATUSES and e.estimable


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_fit_leaves_estimator_unchanged(config, table):
    est = _make(config)
    before = copy.deepcopy(est.get_params())
    a = _fit(est, table)
    b = _fit(est, table)
    assert est.get_params() == before
    assert a is not b and a is not est
    assert est.clone().get_params() == before


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_json_round_trip_is_exact(config, table):
    e = _fit(_make(config), table)
    d = json.loads(e.to_json(draws=True, timings=True))
    again = Estimate.from_dict(d)
    assert again == e
    assert again.to_dict(draws=True, timings=True) == d
    plain = e.to_dict()
    assert {"status", "reasons"} <= plain.keys() and "draws" not in plain and "timings" not in plain
    assert Estimate.from_dict(plain).to_dict() == plain


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_same_seed_reproduces_an_equal_estimate(config, mse_table):
    table = mse_table("mse_korea")
    a = _fit(_make(config), table)
    b = _fit(_make(config), table)
    assert a == b  # every field but timings and results, draws included
    if a.draws is not None:
        assert a.draws.ndim == 2 and not a.draws.flags.writeable
        assert np.array_equal(a.draws, b.draws)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_estimate_is_immutable(config, mse_table):
    e = _fit(_make(config), mse_table("mse_korea"))
    with pytest.raises(AttributeError):
        e.estimate = 1.0
    with pytest.raises(TypeError):
        e.diagnostics["new"] = 1
    if e.draws is not None:
        with pytest.raises(ValueError):
            e.draws[0, 0] = 0.0
    assert e.results is not None  # the method's full results are reachable


@pytest.mark.parametrize("name", list(METHODS))
def test_unknown_option_is_rejected_with_the_valid_ones(name, mse_table):
    cls = estimator_class(name)
    with pytest.raises(InputError) as info:
        cls(levle=0.5)
    assert info.value.column == "levle"
    assert "level" in str(info.value) and "did you mean 'level'" in str(info.value)
    with pytest.raises(InputError, match="levle"):
        make_estimator(name, levle=0.5)
    with pytest.raises(InputError, match="levle"):
        estimate(mse_table("mse_korea"), name, levle=0.5)
    with pytest.raises(InputError, match="levle"):
        cls().set_params(levle=0.5)
    with pytest.raises(TypeError, match="keyword"):
        cls(0.5)


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("bad", [7, 0, 1, -0.5, "0.95", float("nan"), True, None])
def test_bad_level_is_rejected_naming_the_parameter(name, bad, mse_table):
    est = estimator_class(name)(level=bad)  # the constructor only stores
    with pytest.raises(InputError) as info:
        _fit(est, mse_table("mse_korea"))
    err = info.value
    assert err.column == "level" and "level" in str(err) and "0.95" in str(err)
    with pytest.raises(InputError):
        estimator_class(name)().set_params(level=bad)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_dataframe_path_and_table_inputs_give_equal_results(config, mse_table, tmp_path):
    table = mse_table("mse_korea")
    if config[1] == "lincoln-petersen":
        table = table.select(list(table.lists[:2]))
    frame = table.to_frame()
    path = tmp_path / "table.csv"
    table.to_csv(path)
    est = _make(config)
    a, b, c = (_fit(est, x) for x in (table, frame, str(path)))
    assert isinstance(frame, pd.DataFrame)
    assert a == b == c
    # uncounted.estimate accepts the same inputs (it once failed on a DataFrame)
    _, name, options = config
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [estimate(x, name, level=0.9, **options)[0] for x in (table, frame, path)]
    assert runs[0] == runs[1] == runs[2] == a


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_not_estimable_is_an_error_alone_and_a_row_in_batches(config):
    # one list is too few for every method
    table = CaptureTable.from_counts({"10": 3, "01": 2, "11": 1}, ["A", "B"]).select(["A"])
    est = _make(config)
    with pytest.raises(NotEstimableError):
        est.fit(table)
    row = est.fit_or_row(table, stratum="s")
    assert not row.estimable and row.status == "not_estimable" and row.stratum == "s"
    assert row.reasons[0].code == "too_few_lists" and math.isnan(row.estimate)
    assert Estimate.from_dict(json.loads(row.to_json())) == row


def test_options_for_several_methods_go_where_they_belong(mse_table):
    t = mse_table("mse_korea")
    rows = estimate(t, ["chao", "loglinear"], level=0.9, seed=3, selection="aic")
    assert [r.method for r in rows] == ["chao", "loglinear"]
    assert rows[1].diagnostics["criterion"] == "AIC" and all(r.level == 0.9 for r in rows)
    with pytest.raises(InputError, match="chains"):  # an option no chosen method has
        estimate(t, ["chao", "loglinear"], chains=2)
    # with "all" every method gives a row, saying why where it does not apply
    rows = estimate(t, "all", level=0.9, n_draws=300, chains=2, target_ess=0, burn_in=200)
    assert [r.method for r in rows] == list(METHODS)
    lp = rows[0]
    assert lp.status == "not_estimable" and lp.reasons[0].code == "too_many_lists"


def test_random_methods_default_to_seed_one():
    for name in METHODS:
        cls = estimator_class(name)
        if "seed" in cls.options():
            assert cls().seed == 1, name
    assert {n for n in METHODS if "n_draws" in estimator_class(n).options()} == {
        "loglinear", "lcmcr", "dga"}
