"""Each rule of mse/status.py's decide(): fires on a table built to trip it, not on a good one;
the floors (no false alarm on the parity tables); hints in Python and CLI spelling; failed
methods."""

from __future__ import annotations

import math
import warnings

import pytest

from uncounted.exceptions import InputError, UncountedWarning
from uncounted.mse import CaptureTable, ChaoLowerBound, Estimate, LincolnPetersen, LogLinear
from uncounted.mse import status as st
from uncounted.mse.api import estimate
from uncounted.mse.checks import chao_mth_bound, table_facts
from uncounted.mse.status import Reason, decide

from .floors import TABLES, expected

pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.UncountedWarning")


def _est(**kw):
    base = {"method": "m", "model": None, "lists": ("A", "B", "C"), "observed": 1000,
            "estimate": 1500.0, "lower": 1300.0, "upper": 1800.0}
    return Estimate(**{**base, **kw})


def _codes(e) -> list[str]:
    return [r.code for r in e.reasons]


def _good3() -> CaptureTable:
    # three independent lists with capture 0.3, 0.25, 0.2 in N = 1000: expected counts, rounded
    from itertools import product

    p = (0.3, 0.25, 0.2)
    counts = {}
    for bits in product((0, 1), repeat=3):
        if any(bits):
            prob = 1.0
            for b, q in zip(bits, p, strict=True):
                prob *= q if b else 1 - q
            counts["".join(map(str, bits))] = round(1000 * prob)
    return CaptureTable.from_counts(counts, ["A", "B", "C"])


def test_a_good_table_trips_no_rule():
    t = _good3()
    f = table_facts(t)
    assert f.recaptured == t.observed - f.f1 and f.recaptured >= 20
    for method in (ChaoLowerBound(), LogLinear()):
        e = method.fit(t)
        assert e.status == "ok", e.reasons
        assert e.lower <= 1000 <= e.upper  # the truth is N = 1000


@pytest.mark.parametrize(("estimate", "upper", "codes", "status"), [
    (9_000.0, 12_000.0, [], "ok"),                                        # 9x, upper 12x
    (11_000.0, 14_000.0, ["far_above_observed"], "caution"),              # 11x
    (5_000.0, 26_000.0, ["interval_far_above_observed"], "caution"),      # upper 26x
    (101_000.0, 120_000.0, ["implausible_estimate"], "unreliable"),       # 101x
    (5_000.0, float("inf"), ["interval_far_above_observed"], "caution"),  # unbounded above
])
def test_far_above_what_was_observed(estimate, upper, codes, status):
    e = _est(estimate=estimate, lower=2_000.0, upper=upper)
    assert _codes(e) == codes and e.status == status


def test_the_103_million_from_20550_records():
    # issue 15: a 20,253-record list linked with a 297-row copy of part of itself, 1 pair joined;
    # Chao gave 103 million with a narrow interval and no word
    t = CaptureTable.from_counts({"10": 20_252, "01": 296, "11": 1}, ["bbc", "copy"])
    e = ChaoLowerBound().fit(t)
    assert e.estimate > 1e6
    assert e.status == "unreliable"
    assert {"implausible_estimate", "too_few_recaptured", "chao_f2_small"} <= set(_codes(e))
    lp = LincolnPetersen().fit(t)
    assert lp.status == "unreliable" and "too_few_recaptured" in _codes(lp)


@pytest.mark.parametrize(("both", "codes", "status"), [
    (3, ["too_few_recaptured"], "unreliable"),
    (6, ["too_few_recaptured"], "unreliable"),
    (7, ["thin_overlap"], "caution"),
    (19, ["thin_overlap"], "caution"),
    (20, [], "ok"),
])
def test_overlaps_too_thin(both, codes, status):
    # three lists, everyone on one list but `both` people on A and B (the method is not Chao's,
    # so its f2 rule stays out of it)
    t = CaptureTable.from_counts({"100": 300, "010": 250, "001": 200, "110": both}, ["A", "B", "C"])
    e = _est(observed=t.observed, estimate=t.observed * 2.0, lower=t.observed * 1.5,
             upper=t.observed * 3.0)
    got, reasons = decide(e, t)
    assert [r.code for r in reasons] == codes and got == status


def test_chao_f2_small():
    many = CaptureTable.from_counts({"100": 300, "010": 250, "001": 200, "110": 30, "011": 4},
                                    ["A", "B", "C"])
    fine = CaptureTable.from_counts({"100": 300, "010": 250, "001": 200, "110": 30, "011": 5,
                                     "101": 10}, ["A", "B", "C"])
    # 34 on exactly two lists in both, so f2 is large: make f2 small with triples instead
    sparse = CaptureTable.from_counts({"100": 300, "010": 250, "001": 200, "110": 4, "111": 30},
                                      ["A", "B", "C"])
    assert table_facts(sparse).f2 == 4 and table_facts(sparse).recaptured == 34
    e = ChaoLowerBound().fit(sparse)
    assert "chao_f2_small" in _codes(e) and e.status == "unreliable"
    assert "chao_f2_small" not in _codes(LogLinear().fit(sparse))  # a rule of Chao's bound only
    for t in (many, fine):
        assert "chao_f2_small" not in _codes(ChaoLowerBound().fit(t))


def test_interval_end_at_the_observed_count():
    e = _est(estimate=1000.0, lower=1000.0, upper=1200.0)
    assert _codes(e) == ["estimate_on_boundary"] and e.status == "caution"
    assert _est(lower=1001.0).status == "ok"


def test_lists_too_small():
    t = CaptureTable.from_counts({"100": 300, "010": 250, "110": 60, "101": 2, "001": 3,
                                  "011": 1}, ["A", "B", "C"])
    assert table_facts(t).smallest_list == ("C", 6)
    e = LogLinear().fit(t)
    assert "small_list" in _codes(e) and "C (6)" in e.reasons[_codes(e).index("small_list")].message
    ok = CaptureTable.from_counts({"100": 300, "010": 250, "110": 60, "101": 4, "001": 5,
                                   "011": 1}, ["A", "B", "C"])
    assert "small_list" not in _codes(LogLinear().fit(ok))  # C has 10


def _dependent(sign: int) -> CaptureTable:
    # among the people C caught (200), A and B are strongly dependent: positively (sign 1) or
    # negatively (sign -1); A and B alone as in _good3
    inner = {"111": 60, "101": 10, "011": 10, "001": 120} if sign > 0 else \
        {"111": 2, "101": 60, "011": 50, "001": 88}
    return CaptureTable.from_counts({"100": 210, "010": 160, "110": 50, **inner}, ["A", "B", "C"])


def test_strong_dependence_for_methods_that_assume_independence():
    neg, pos = _dependent(-1), _dependent(1)
    d = {(x.a, x.b): x for x in table_facts(neg).dependence}
    assert d[("A", "B")].odds_ratio < 0.1 and d[("A", "B")].beyond(st.DEPENDENCE_OR)
    e = ChaoLowerBound().fit(neg)
    assert "strong_dependence" in _codes(e) and e.status == "caution"
    assert "negatively" in e.reasons[_codes(e).index("strong_dependence")].message
    # positive dependence: Chao's value is then only a lower bound, and its row says so
    p = ChaoLowerBound().fit(pos)
    assert "strong_dependence" in _codes(p) and "lower bound" in p.reasons[-1].message
    # Lincoln-Petersen on two of the lists is biased either way
    lp = LincolnPetersen(lists=("A", "B")).fit(pos)
    assert "strong_dependence" in _codes(lp)
    # log-linear models the dependence: no such reason
    assert "strong_dependence" not in _codes(LogLinear().fit(neg))


def _expected(p: tuple[float, ...], n: int) -> CaptureTable:
    """The expected counts of independent lists catching with probabilities ``p`` (integers for
    the ``p`` and ``n`` used here, so the table is exact)."""
    from itertools import product

    counts = {}
    for bits in product((0, 1), repeat=len(p)):
        if any(bits):
            prob = math.prod(q if b else 1 - q for b, q in zip(bits, p, strict=True))
            counts["".join(map(str, bits))] = round(n * prob)
            assert abs(counts["".join(map(str, bits))] - n * prob) < 1e-6
    return CaptureTable.from_counts(counts, ["A", "B", "C", "D"][:len(p)])


def test_chao_mth_bound_is_exact_under_unequal_independent_lists():
    # Mth contains the model of independent lists of any sizes: on their expected counts the bound
    # is N itself, whatever the sizes; Chao's Mh bound is N only when the lists are alike
    for p, n in (((0.9, 0.06, 0.06), 100_000), ((0.5, 0.2, 0.2), 2_000), ((0.5, 0.5), 1_000),
                 ((0.6, 0.1, 0.1, 0.1), 10_000)):
        assert chao_mth_bound(_expected(p, n)) == pytest.approx(n, rel=1e-9)
    # Chao's Mh bound is the same log-linear model with one slope in the number of lists instead
    # of the main effects (Rivest & Baillargeon 2007): on equal lists the two coincide
    same = _expected((0.5, 0.5, 0.5), 1_000)
    assert ChaoLowerBound().fit(same).estimate == pytest.approx(chao_mth_bound(same), rel=1e-9)


@pytest.mark.parametrize(("p", "n", "codes", "status"), [
    # the adversarial `dominant` scenario in expectation: Chao 3,040 for 100,000/100,000 scaled
    ((0.9, 0.06, 0.06), 100_000, ["unequal_lists_far"], "unreliable"),
    # lists of 50%, 20%, 20%: Chao 2,213 (2,075-2,378) for 2,000; the Mth bound, 2,000, below it
    ((0.5, 0.2, 0.2), 2_000, ["unequal_lists"], "caution"),
    ((0.5, 0.5, 0.5), 1_000, [], "ok"),
])
def test_chao_with_lists_of_very_different_sizes(p, n, codes, status):
    t = _expected(p, n)
    e = ChaoLowerBound().fit(t)
    assert _codes(e) == codes and e.status == status
    if codes:
        assert e.lower > n and f"the bound is {n:,}" in e.reasons[0].message
    # a rule of Chao's bound only: log-linear models the lists' sizes
    assert LogLinear().fit(t).status == "ok"


def test_chao_mth_bound_declines_what_it_cannot_fit():
    assert chao_mth_bound(CaptureTable.from_counts({"10": 5, "01": 4}, ["A", "B"])) is None  # f2=0
    one = ["0" * i + "1" + "0" * (12 - i) for i in range(13)]          # each list has its own
    many = CaptureTable.from_counts({**dict.fromkeys(one, 5), "11" + "0" * 11: 3},
                                    [f"L{i}" for i in range(13)])
    assert many.k == 13
    assert chao_mth_bound(many) is None                                   # 13 lists: 8,191 cells


@pytest.mark.parametrize(("apart", "pairs", "fires"), [
    (2, 100, False),    # 2% missed against +-10%: 0.2 of the half-width, under 0.25
    (3, 100, True),     # 3%: 0.3 of it (the study: such fits cover 76%, not 95%)
    (1, 19, False),     # fewer than 20 pairs measured: no measure
    (0, 500, False),
])
def test_missed_links_weigh_linkages_measure_against_the_interval(apart, pairs, fires):
    e = _est(estimate=1000.0, lower=900.0, upper=1100.0)
    got = st.missed_links(e, apart, pairs)
    assert [r.code for r in got] == (["missed_links"] if fires else [])
    if fires:
        flagged = e.replace(reasons=e.reasons + got)
        assert flagged.status == "caution" and f"{apart} of {pairs}" in got[0].message
    t = CaptureTable.from_counts({"10": 3, "01": 2, "11": 1}, ["A", "B"])
    assert st.missed_links(Estimate.not_estimable("chao", t, "x"), 50, 100) == ()


def test_rules_are_idempotent_and_survive_the_json_round_trip():
    e = ChaoLowerBound().fit(_dependent(-1))
    again = decide(e, _dependent(-1))
    assert again == (e.status, e.reasons)
    assert Estimate.from_dict(e.to_dict()) == e


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("method", ["chao", "loglinear", "dga"])
def test_floors_on_the_parity_tables(mse_table, name, method):
    strata = {"strata": "eth"} if name == "conting_spina" else {}
    t = mse_table(name, **strata).collapse()
    (row,) = estimate(t, method)
    if not row.estimable:  # dga on more than five lists
        assert row.status == "not_estimable" and _codes(row) == ["too_many_lists"]
        return
    status, codes = expected(name, method)
    assert row.status == status, row.reasons
    assert set(codes) <= set(_codes(row)), row.reasons


@pytest.mark.slow
@pytest.mark.parametrize("name", TABLES)
def test_floors_lcmcr(mse_table, name):
    strata = {"strata": "eth"} if name == "conting_spina" else {}
    (row,) = estimate(mse_table(name, **strata).collapse(), "lcmcr")
    status, codes = expected(name, "lcmcr")
    assert row.status == status, row.reasons
    assert set(codes) <= set(_codes(row))


def test_the_default_demo_table_raises_no_false_alarm():
    # the true capture table of `uncounted demo` (default scenario, 5,000 people, seed 1)
    from uncounted.simulate import simulate_capture_table

    t = simulate_capture_table(population=5000, seed=1)
    chao, loglinear, dga = estimate(t, "chao,loglinear,dga", seed=1)
    assert loglinear.status == "ok" and dga.status == "ok"
    # Chao's caution is a true alarm: its interval misses the 5,000 (positive dependence)
    assert chao.status == "caution" and _codes(chao) == ["strong_dependence"]
    assert chao.upper < 5000


# ---------------------------------------------------------------------- hints
def test_hints_name_the_parameter_in_python_and_the_flag_on_the_command_line():
    r = Reason("not_converged", "raise burn_in, n_draws or thin (the lists are thin)",
               ("burn_in", "n_draws", "thin"))
    assert r.text() == r.message
    assert r.text(cli=True) == "raise --burn-in, --n-draws or --thin (the lists are --thin)"
    assert Reason.from_dict(r.to_dict()) == r
    assert "params" not in Reason("x", "y").to_dict()
    # an estimator's warning without params gets them from PARAM_HINTS, only for words it uses
    e = _est(reasons=(Reason("not_converged", "lcmcr: chains ...; raise burn_in or thin"),),
             diagnostics={"rhat": 1.4})
    (reason,) = e.reasons
    assert reason.params == ("burn_in", "thin") and e.status == "unreliable"
    assert reason.text(cli=True).endswith("raise --burn-in or --thin")
    # the rule's own message names them too
    (rule,) = _est(diagnostics={"rhat": 1.2, "ess_bulk": 8}).reasons
    assert "--burn-in" in rule.text(cli=True) and "burn_in" in rule.text()


def test_warn_carries_params_into_the_reason():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st.warn("grid_end", "raise n_max", UncountedWarning, params=("n_max",))
    r = st.reason_from_warning(caught[0].message)
    assert r == Reason("grid_end", "raise n_max", ("n_max",))
    assert r.text(cli=True) == "raise --n-max"


# ---------------------------------------------------------------------- failing methods
def test_an_unexpected_error_in_one_method_is_its_row(monkeypatch):
    from uncounted.mse.closed_form import ChaoLowerBound as Chao

    def broken(self, table):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(Chao, "_fit", broken)
    t = _good3()
    rows = estimate(t, "chao,loglinear", errors="row")
    assert [r.method for r in rows] == ["chao", "loglinear"]
    assert rows[0].status == "not_estimable" and _codes(rows[0]) == ["method_failed"]
    assert "ZeroDivisionError: float division by zero" in rows[0].reason
    assert rows[1].status == "ok"
    with pytest.raises(ZeroDivisionError):
        estimate(t, "chao")  # errors="raise" by default: the library does not hide bugs
    with pytest.raises(InputError, match="errors"):
        estimate(t, "chao", errors="ignore")


def test_input_errors_still_raise_with_errors_row():
    t = _good3()
    with pytest.raises(InputError, match="n_max"):
        estimate(t, "dga", n_max=10, errors="row")  # a bad setting is the user's to fix


def test_progress_reports_each_method_and_stratum(mse_table):
    seen = []
    t = mse_table("conting_spina", strata="eth")
    estimate(t, "chao,loglinear", progress=lambda *a: seen.append(a), workers=1)
    assert seen[0] == (0, 6, "chao [eth=afro-american]")
    assert [s[0] for s in seen] == list(range(7)) and seen[-1] == (6, 6, "")
    seen.clear()
    # strata fitted at once start before the previous ones are done: the count never goes back
    estimate(t, "chao,loglinear", progress=lambda *a: seen.append(a), workers=2)
    done = [s[0] for s in seen]
    assert done == sorted(done) and len(seen) == 7 and seen[-1] == (6, 6, "")
    assert {s[2] for s in seen[:-1]} == {f"{m} [eth={e}]" for m in ("chao", "loglinear")
                                         for e in ("afro-american", "caucasian", "other")}
    seen.clear()
    estimate(_good3(), "chao,loglinear", progress=lambda *a: seen.append(a))
    assert seen == [(0, 2, "chao"), (1, 2, "loglinear"), (2, 2, "")]


def test_an_estimators_own_boundary_notes_are_all_kept():
    # log-linear may note several boundary facts under one code; the rule adds none of its own
    notes = (Reason("estimate_on_boundary", "estimate on the boundary: none estimated unobserved"),
             Reason("estimate_on_boundary", "interval's lower end at the number observed"))
    e = _est(estimate=1000.0, lower=1000.0, upper=1100.0, reasons=notes)
    assert e.reasons == notes and e.status == "caution"


def test_the_missed_share_is_never_rounded_up_to_all_of_the_population():
    # 401x the observed misses 99.75% of the population; a whole-percent format printed "over 100%"
    e = _est(estimate=401_000.0, lower=2_000.0, upper=500_000.0)
    (msg,) = [r.message for r in e.reasons if r.code == "implausible_estimate"]
    assert "over 99.7% of the population" in msg and "100%" not in msg
