"""LogLinear behaviour: properties, intervals, averaging, bootstrap, errors, strata, CLI."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import DataWarning, InputError, NotEstimableError, UncountedWarning
from uncounted.mse import CaptureTable
from uncounted.mse.intervals import mata_interval, wald_interval
from uncounted.mse.loglinear import LogLinear

pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.UncountedWarning")


def _table(counts, lists=("A", "B", "C")):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return CaptureTable.from_counts(list(counts), list(lists))


three_list_counts = st.lists(st.integers(1, 300), min_size=7, max_size=7)


@settings(max_examples=40, deadline=None)
@given(three_list_counts, st.sampled_from(["aic", "bic", "stepwise", "average-bic"]))
def test_never_below_observed_and_relabelling_invariant(counts, selection):
    t = _table(counts)
    est = LogLinear(selection=selection, interval="wald").fit(t)
    assert est.estimate >= t.observed
    assert est.lower <= est.estimate <= est.upper
    # relabel: reverse the lists (the same people, the lists in another order)
    perm = t.select(list(reversed(t.lists)))
    other = LogLinear(selection=selection, interval="wald").fit(perm)
    assert other.estimate == pytest.approx(est.estimate, rel=1e-6)
    assert other.upper == pytest.approx(est.upper, rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=7, max_size=7).filter(
    lambda c: all(sum(c[p - 1] for p in range(1, 8) if (p >> j) & 1) for j in range(3))))
def test_rows_equal_counts(counts):
    t = _table(counts)
    rows = []
    for p, c in enumerate([0, *counts]):
        rows += [[(p >> j) & 1 for j in range(3)]] * c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r = CaptureTable.from_rows(rows, ["A", "B", "C"])
    assert r == t
    try:
        a = LogLinear(interval="wald").fit(t)
    except NotEstimableError:
        with pytest.raises(NotEstimableError):
            LogLinear(interval="wald").fit(r)
        return
    b = LogLinear(interval="wald").fit(r)
    assert a.estimate == b.estimate and a.model == b.model


def test_two_lists_is_lincoln_petersen():
    # with two lists the only model is independence: N = n1 n2 / m exactly (Petersen)
    t = CaptureTable.from_counts({"10": 40, "01": 30, "11": 20}, ["A", "B"])
    e = LogLinear().fit(t)
    assert e.model == "[1,2]" and e.estimate == pytest.approx(60 * 50 / 20, rel=1e-10)
    # the intercept's variance is 1/m10 + 1/m01 + 1/m11 (the log cross-ratio); Wald by hand
    e_w = LogLinear(interval="wald").fit(t)
    se = math.sqrt(1 / 40 + 1 / 30 + 1 / 20)
    z = 1.959963984540054
    f0 = 40 * 30 / 20
    assert (e_w.lower, e_w.upper) == pytest.approx((90 + f0 * math.exp(-z * se),
                                                    90 + f0 * math.exp(z * se)), rel=1e-9)
    # averaging over the single model: the tail-area interval is that Wald interval
    e_a = LogLinear(selection="average-aic").fit(t)
    assert (e_a.lower, e_a.upper) == pytest.approx((e_w.lower, e_w.upper), rel=1e-8)


def test_mata_of_identical_models_is_wald():
    lo, hi = mata_interval(100, np.array([3.0, 3.0]), np.array([0.04, 0.04]), np.array([0.3, 0.7]))
    assert (lo, hi) == pytest.approx(wald_interval(100, 3.0, 0.04), rel=1e-9)


def test_average_interval_widens_with_model_uncertainty(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    best = LogLinear(selection="bic", interval="wald").fit(t)
    avg = LogLinear(selection="average-bic").fit(t)
    assert avg.upper - avg.lower > best.upper - best.lower
    d = avg.diagnostics
    assert d["models_averaged"] == 113 and 1 < d["effective_models"] < 113
    assert d["top_models"][0]["model"] == "[123,14,34]"
    assert d["se_unconditional"] > 0


def test_bootstrap_is_seeded(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    a = LogLinear(interval="bootstrap", n_draws=200, seed=7).fit(t)
    b = LogLinear(interval="bootstrap", n_draws=200, seed=7).fit(t)
    c = LogLinear(interval="bootstrap", n_draws=200, seed=8).fit(t)
    assert a.seed == 7 and a.draws.shape == (1, 200) and a.draws_kind == "bootstrap"
    assert a == b
    assert np.array_equal(a.draws, b.draws) and (a.lower, a.upper) == (b.lower, b.upper)
    assert not np.array_equal(a.draws, c.draws)
    # Kosovo's counts are large, so the bootstrap percentile interval should be close to the
    # profile interval (8,994-12,110); 200 replicates put a few percent of noise on the ends.
    assert a.lower == pytest.approx(8_994, rel=0.05) and a.upper == pytest.approx(12_110, rel=0.08)


def test_greedy_search_above_five_lists(mse_table):
    t = mse_table("sparsemse_ukdat")
    e = LogLinear(selection="bic", interval="wald").fit(t)
    d = e.diagnostics
    assert d["search"].startswith("stepwise") and 1 < d["models_compared"] < 1000
    # the greedy path is a local optimum: no neighbour has a smaller BIC
    assert d["top_models"][0]["model"] == e.model
    assert e.estimate > t.observed


@pytest.mark.parametrize(("kw", "column"), [
    ({"selection": "best"}, "selection"),
    ({"interval": "exact"}, "interval"),
    ({"max_order": 4}, "max_order"),
    ({"level": 1.5}, "level"),
    ({"model": "[1234]"}, "model"),
    ({"selection": "average-bic", "interval": "bootstrap"}, "interval"),
])
def test_bad_settings_name_the_parameter(mse_table, kw, column):
    with pytest.raises(InputError) as err:
        LogLinear(**kw).fit(mse_table("lcmcr_kosovo_aggregate"))
    assert err.value.column == column


def test_max_order_limits_the_space(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    e = LogLinear(max_order=2).fit(t)
    assert e.diagnostics["models_compared"] == 64  # every graph on 4 vertices: 2**6
    assert all(len(term.split(":")) <= 2 for term in e.diagnostics["terms"])


def test_strata_rows_and_total(mse_table):
    t = mse_table("conting_spina", strata="eth")
    rows = LogLinear().fit_strata(t)
    by = {r.stratum: r for r in rows}
    # eth=other holds two people on one pattern: no model has a finite MLE, so the stratum is
    # reported as not estimable with its reason, and so is the total
    assert not by["eth=other"].estimable and "maximum likelihood" in by["eth=other"].reason
    assert not by["total"].estimable and "eth=other" in by["total"].reason
    assert by["eth=caucasian"].estimable and by["eth=caucasian"].estimate > 583
    # Rcapture's rule (admissible=False) fits it anyway, with the warning, and sums the strata
    rows = LogLinear(admissible=False).fit_strata(t)
    assert rows[-1].estimate == pytest.approx(sum(r.estimate for r in rows[:-1]))
    other = next(r for r in rows if r.stratum == "eth=other")
    assert any("MLE" in w for w in other.warnings)


def test_warnings_are_uncounted_warnings(mse_table):
    with pytest.warns(UncountedWarning):
        LogLinear(model="[12,3]").fit(mse_table("sparsemse_artificial_3"))


def test_cli_loglinear_stepwise_json():
    from typer.testing import CliRunner

    from uncounted.cli import app

    from ..conftest import DATA

    r = CliRunner().invoke(app, ["estimate", str(DATA / "mse" / "sparsemse_ukdat_5.csv"),
                                 "--method", "loglinear", "--selection", "stepwise", "--json"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)[0]
    assert row["method"] == "loglinear" and round(row["estimate"]) == 11_313
    assert [round(x) for x in row["interval"]] == [9_884, 13_027]
    assert row["diagnostics"]["pthresh"] == 0.02


def test_cli_loglinear_strata_and_max_order():
    from typer.testing import CliRunner

    from uncounted.cli import app

    from ..conftest import DATA

    r = CliRunner().invoke(app, ["estimate", str(DATA / "mse" / "conting_spina.csv"), "--strata",
                                 "eth", "-m", "loglinear", "--max-order", "1", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows[-1]["stratum"] == "total" and len(rows) == 4
    ok = [x for x in rows if x["estimable"]]
    assert {x["stratum"] for x in ok} == {"eth=afro-american", "eth=caucasian"}
    assert all(x["model"] == "[1,2,3]" for x in ok)
    assert "maximum likelihood" in rows[2]["reason"] and rows[-1]["estimable"] is False


def test_stepwise_pthresh_one_fits_every_pair(mse_table):
    # SparseMSE stepwisefit: pthresh = 1 fits the model with all two-list terms when it passes
    # the checks; here it must equal the same model fitted directly
    t = mse_table("lcmcr_kosovo_aggregate")
    e = LogLinear(selection="stepwise", pthresh=1.0).fit(t)
    f = LogLinear(model="[12,13,14,23,24,34]", interval="wald").fit(t)
    assert e.model == "[12,13,14,23,24,34]"
    assert e.estimate == pytest.approx(f.estimate, rel=1e-10)
    assert (e.lower, e.upper) == pytest.approx((f.lower, f.upper), rel=1e-8)
    assert LogLinear(selection="stepwise", pthresh=0).fit(t).model == "[1,2,3,4]"


def test_aic_skips_models_without_mle_unless_asked(mse_table):
    # Western is sparse: the AIC-best of all 6,893 fits is a model whose fit drifts to the
    # boundary (no MLE; the estimate runs to ~1e13). Rcapture ranks it anyway (admissible=False,
    # with our warning); by default we choose among models whose MLE exists.
    t = mse_table("sparsemse_western")
    rcap = LogLinear(selection="aic", admissible=False, interval="wald").fit(t)
    ours = LogLinear(selection="aic", interval="wald").fit(t)
    assert rcap.diagnostics["mle_exists"] is False and any("no finite MLE" in w for w in rcap.warnings)
    assert ours.diagnostics["mle_exists"] is True and ours.warnings == ()
    assert ours.diagnostics["best_any_model"] == rcap.model
    assert ours.diagnostics["models_without_mle_skipped"] > 0
    assert ours.diagnostics["aic"] > rcap.diagnostics["aic"]
