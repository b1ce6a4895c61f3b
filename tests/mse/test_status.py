"""Status and reasons: the vocabulary, the one deciding function, and how fits carry them."""

from __future__ import annotations

import json
import warnings

import pytest

from uncounted.exceptions import ConvergenceWarning, EstimationWarning
from uncounted.mse import CaptureTable, ChaoLowerBound, Estimate, LincolnPetersen
from uncounted.mse.status import CODES, STATUSES, Reason, decide


def _est(**kw):
    base = {"method": "m", "model": None, "lists": ("A", "B"), "observed": 10, "estimate": 12.0,
            "lower": 11.0, "upper": 14.0}
    return Estimate(**{**base, **kw})


def test_every_code_implies_a_known_status():
    assert STATUSES == ("ok", "caution", "unreliable", "not_estimable")
    assert all(status in STATUSES and text for status, text in CODES.values())
    assert Reason("no_such_code", "x").status == "caution"  # an unknown code is never "ok"


def test_a_plain_estimate_is_ok():
    e = _est()
    assert e.status == "ok" and e.reasons == ()
    assert decide(e) == ("ok", ())


def test_not_estimable_rows():
    t = CaptureTable.from_counts({"10": 3, "01": 2, "11": 1}, ["A", "B"])
    row = Estimate.not_estimable("chao", t, "too sparse", code="too_few_lists")
    assert row.status == "not_estimable" and row.reasons == (Reason("too_few_lists", "too sparse"),)
    # a row marked not estimable without a code still gets the generic one
    bare = _est(estimable=False, reason="why")
    assert bare.status == "not_estimable" and bare.reasons[0].code == "not_estimable"
    with pytest.raises(ValueError, match="status"):
        _est(status="fine")


@pytest.mark.parametrize(("diag", "status"), [
    ({"rhat": 1.30, "ess_bulk": 10, "ess_tail": 12}, "unreliable"),
    ({"rhat": 1.005, "ess_bulk": 399.0, "ess_tail": 900}, "unreliable"),
    ({"rhat": 1.005, "ess_bulk": 400, "ess_tail": 400}, "ok"),
    ({"rhat": None, "ess_bulk": None, "ess_tail": None}, "ok"),  # constant draws: N is fixed
])
def test_chains_that_did_not_converge_are_unreliable(diag, status):
    # Vehtari et al. (2021): R-hat <= 1.01 and bulk and tail ESS >= 400
    e = _est(diagnostics=diag)
    assert e.status == status
    if status == "unreliable":
        assert [r.code for r in e.reasons] == ["not_converged"]


def test_warnings_without_a_code_are_cautions():
    e = _est(warnings=("something odd",))
    assert e.status == "caution" and e.reasons == (Reason("estimation_warning", "something odd"),)


def test_notes_do_not_lower_the_status():
    e = _est(reasons=(Reason("lists_dropped", "list C has no records"),))
    assert e.status == "ok" and e.reasons[0].code == "lists_dropped"


def test_fit_turns_coded_warnings_into_reasons():
    # Chapman with only 6 people on both lists: the few_in_common warning becomes a reason, and
    # the data rule adds too_few_recaptured (under 7 people tie the lists together)
    t = CaptureTable.from_counts({"10": 40, "01": 30, "11": 6}, ["A", "B"])
    with pytest.warns(EstimationWarning, match="only 6"):
        e = LincolnPetersen().fit(t)
    assert e.status == "unreliable"
    assert [r.code for r in e.reasons] == ["few_in_common", "too_few_recaptured"]
    assert e.warnings == (e.reasons[0].message,)
    d = json.loads(e.to_json())
    assert d["status"] == "unreliable" and d["reasons"][0]["code"] == "few_in_common"
    assert Estimate.from_dict(d) == e
    assert e.summary().loc[0, ["status", "reason_codes"]].tolist() == [
        "unreliable", "few_in_common,too_few_recaptured"]


def test_lcmcr_convergence_warning_makes_the_estimate_unreliable(mse_table):
    from uncounted.mse import LatentClass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        e = LatentClass(burn_in=0, n_draws=60, thin=1, chains=2, seed=3, target_ess=0).fit(
            mse_table("lcmcr_kosovo_aggregate"))
    assert e.status == "unreliable"
    codes = [r.code for r in e.reasons]
    assert codes.count("not_converged") == 1  # reported by lcmcr once, not again by the rule


def test_parity_tables_raise_no_false_alarm(mse_table):
    for name in ("sparsemse_ukdat", "sparsemse_ukdat_5", "rcapture_hiv"):
        assert ChaoLowerBound().fit(mse_table(name)).status == "ok"
    # the full floors, every table and method: tests/mse/test_status_rules.py


def test_an_estimators_own_reason_is_not_doubled_by_the_rules_copy(shared_data):
    # verdata R1, perpetrator OTRO x adolescents: 31 people on 9 valid sources. The log-linear fit
    # reports its interval's lower end at the number observed (estimate_on_boundary, its own
    # words); the rule for the same fact had already been attached when the Estimate was made,
    # and the row carried both sentences for one fact.
    from uncounted.mse import LogLinear, read_capture_table

    t = read_capture_table(shared_data("mse/verdata_reclutamiento_r1.csv"),
                           strata=["p_str", "edad_jep"], lists=["in_*"])
    part = t.by_stratum()["p_str=OTRO, edad_jep=ADOLESCENCIA"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = LogLinear().fit(part)
    boundary = [r.message for r in est.reasons if r.code == "estimate_on_boundary"]
    assert boundary == ["interval's lower end at the number observed"]
    assert est.status == "caution"
    again = est.replace(reasons=est.reasons)          # deciding again changes nothing
    assert again.reasons == est.reasons
