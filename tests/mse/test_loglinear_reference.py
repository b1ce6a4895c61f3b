"""LogLinear against the R references on published tables.

Every expected number, its R call, package version and tolerance is in
:mod:`tests.mse.results.results_r` (Rcapture's best-BIC model with its profile interval;
SparseMSE's stepwise with its Wald interval; the models reported by Chan, Silverman & Vincent 2021
and the admissible models of Silverman, Chan & Vincent 2024).
"""

from __future__ import annotations

import math
import warnings

import pytest

from uncounted.mse.loglinear import LogLinear

from .floors import expected
from .results.results_r import KOREA_ADMISSIBLE, RCAPTURE_BEST_BIC, SPARSEMSE_STEPWISE

pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.UncountedWarning")


def test_kosovo_bic_best_model_and_profile_interval(mse_table):
    ref = RCAPTURE_BEST_BIC[0]
    assert ref.dataset == "lcmcr_kosovo_aggregate"
    e = LogLinear(selection="bic").fit(mse_table(ref.dataset))
    assert e.model == ref.extra["model"]
    assert e.estimate == ref.point_tol.approx(ref.estimate)
    assert e.lower == ref.interval_tol.approx(ref.lower)
    assert e.upper == ref.interval_tol.approx(ref.upper)
    # the results object: the model's coefficients, fitted cells and the candidates compared
    res = e.results
    assert res.coef_names[0] == "(intercept)" and len(res.coef) == 11
    assert e.estimate == pytest.approx(4400 + math.exp(res.coef[0]), rel=1e-12)
    assert res.fitted.sum() == pytest.approx(4400, rel=1e-9) and len(res.cells) == 15
    assert len(res.candidates) == 113 and res.weights.sum() == pytest.approx(1.0)
    assert res.candidates[int(res.criterion.argmin())] == ref.extra["model"]
    d = e.diagnostics
    assert res.deviance == d["deviance"] and res.bic == d["bic"]
    assert d["models_compared"] == 113
    assert d["terms"] == ("EXH:ABA:OSCE", "EXH:HRW", "OSCE:HRW")
    assert d["df"] == 15 - 11 and d["npar"] == 11
    # Rcapture's BIC convention: -2 loglik + log(n) p, with n = 4,400 people observed
    assert d["bic"] - d["aic"] == pytest.approx((math.log(4400) - 2) * 11)
    assert d["top_models"][0]["model"] == "[123,14,34]"
    assert e.warnings == ()


@pytest.mark.parametrize("ref", RCAPTURE_BEST_BIC, ids=lambda r: r.id)
def test_rcapture_best_bic(mse_table, ref):
    e = LogLinear(**ref.settings).fit(mse_table(ref.dataset))
    assert e.estimate == ref.point_tol.approx(ref.estimate)
    assert e.lower == ref.interval_tol.approx(ref.lower)
    assert e.upper == ref.interval_tol.approx(ref.upper)
    assert e.diagnostics["interval_method"] == "profile"
    if "model" in ref.extra:
        assert e.model == ref.extra["model"]
    assert e.status == expected(ref.dataset, "loglinear")[0], e.reasons  # floors: tests/mse/floors.py


@pytest.mark.parametrize("ref", SPARSEMSE_STEPWISE, ids=lambda r: r.id)
def test_sparsemse_stepwise(mse_table, ref):
    e = LogLinear(**ref.settings).fit(mse_table(ref.dataset))
    assert e.estimate == ref.point_tol.approx(ref.estimate)
    assert e.lower == ref.interval_tol.approx(ref.lower)
    assert e.upper == ref.interval_tol.approx(ref.upper)
    assert e.diagnostics["interval_method"] == "wald"
    if "terms" in ref.extra:  # the model Chan et al. (2021) report
        assert list(e.diagnostics["terms"]) == ref.extra["terms"]


def test_korea_has_six_admissible_models(mse_table):
    # SCV (2024) Table 3: 6 admissible models of 8; the model average is taken over those 6
    ref = KOREA_ADMISSIBLE
    e = LogLinear(selection="average-bic").fit(mse_table(ref["dataset"]))
    assert e.diagnostics["models_compared"] == ref["models"]
    assert e.diagnostics["models_averaged"] == ref["admissible"]
    top = e.diagnostics["top_models"]
    assert sum(m["weight"] for m in top) == pytest.approx(1.0)
    assert e.estimate == pytest.approx(sum(m["weight"] * m["estimate"] for m in top), rel=1e-12)
    assert top[0]["model"] == ref["best"]
    assert top[0]["estimate"] == ref["tol"].approx(ref["best_estimate"])
    # the same, from the results object: all 8 candidates, weights over the 6 admissible ones
    res = e.results
    assert len(res.candidates) == ref["models"] and (res.weights > 0).sum() == ref["admissible"]
    assert res.weights.sum() == pytest.approx(1.0) and res.coef is None


def test_fixed_model_equals_selected(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    a = LogLinear(model="[123,14,34]").fit(t)
    b = LogLinear(model="EXH:ABA:OSCE,EXH:HRW,OSCE:HRW").fit(t)
    c = LogLinear().fit(t)
    assert a.estimate == pytest.approx(c.estimate, rel=1e-10)
    assert (a.lower, a.upper) == pytest.approx((c.lower, c.upper), rel=1e-6)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-12) and b.model == "[123,14,34]"


def test_artificial_mle_does_not_exist_is_warned(mse_table):
    # SparseMSE ?checkident: on Artificial_3, the model with the A:B interaction alone has no MLE
    t = mse_table("sparsemse_artificial_3")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        e = LogLinear(model="[12,3]").fit(t)
    assert e.diagnostics["mle_exists"] is False
    assert any("no finite MLE" in w for w in e.warnings)
