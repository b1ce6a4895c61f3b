"""Claims: every verdict on hand-made data, one that flips with the definition, the shipped claims
on the April 2023 list, and claim files with mistakes."""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.analysis.claims import (
    evaluate_claim,
    evaluate_on_deaths,
    load_claims,
    pay_ratios,
    region_set,
)
from uncounted.exceptions import ConfigError

from ..conftest import ROOT, shared_path

SHIPPED = ROOT / "src" / "uncounted" / "data" / "claims" / "russia_war_dead.yaml"


def _rates(deaths, men, poverty, income=None, districts=None):
    n = len(deaths)
    codes = ["RU-TY", "RU-BU", "RU-MOW", "RU-SPE", "RU-NEN", "RU-ZAB"][:n]
    return pd.DataFrame({
        "iso_code": codes, "deaths": deaths, "men": [float(m) for m in men],
        "pct_below_subsistence_2020": poverty,
        "mean_income_per_capita_rub_month_2020": income or [30_000.0] * n,
        "unemployment_rate_2020": [5.0] * n,
        "federal_district": districts or ["Siberian"] * n})


def _claim(**kw):
    base = {"id": "c", "statement": "s", "source": "test", "date": "2023", "period": "/",
            "measure": "named_confirmed", "quantity": "share_of_deaths",
            "regions": {"rule": "above_median", "indicator": "pct_below_subsistence_2020"},
            "threshold": {"op": ">", "value": 0.9}, "alternatives": []}
    base.update(kw)
    return base


def test_region_rules():
    r = _rates([1, 1, 1, 1], [1, 1, 1, 1], [10.0, 20.0, 30.0, 40.0])
    med = region_set(r, {"rule": "above_median", "indicator": "pct_below_subsistence_2020"})
    assert med.tolist() == [False, False, True, True]  # median 25
    top = region_set(r, {"rule": "top_quartile", "indicator": "pct_below_subsistence_2020"})
    assert top.tolist() == [False, False, False, True]  # 75th percentile 32.5
    lst = region_set(r, {"rule": "list", "codes": ["RU-MOW"]})
    assert lst.tolist() == [False, False, True, False]
    anyof = region_set(r, {"rule": "any_of", "of": [{"rule": "list", "codes": ["RU-TY"]},
                                                    {"rule": "top_quartile",
                                                     "indicator": "pct_below_subsistence_2020"}]})
    assert anyof.tolist() == [True, False, False, True]
    assert region_set(r, {"rule": "not", "of": [{"rule": "list", "codes": ["RU-TY"]}]}).tolist() \
        == [False, True, True, True]
    # poorer_than_median knows that lower income is poorer
    r2 = _rates([1, 1], [1, 1], [1.0, 1.0], income=[10_000.0, 90_000.0])
    poor = region_set(r2, {"rule": "poorer_than_median",
                           "indicator": "mean_income_per_capita_rub_month_2020"})
    assert poor.tolist() == [True, False]


def test_supported():
    # the two poorer regions have 95 of 100 deaths: > 90% under the regional and the men-weighted
    # median alike
    r = _rates([50, 45, 3, 2], [100, 100, 100, 100], [10.0, 20.0, 5.0, 6.0])
    alt = [{"label": "men-weighted", "regions": {"rule": "above_median",
                                                 "indicator": "pct_below_subsistence_2020",
                                                 "weight": "men"}}]
    v = evaluate_claim(_claim(alternatives=alt), r)
    assert v.verdict == "supported" and v.flipping == []
    assert v.evaluations[0].value == pytest.approx(0.95)


def test_not_supported():
    r = _rates([25, 25, 25, 25], [100, 100, 100, 100], [10.0, 20.0, 5.0, 6.0])
    v = evaluate_claim(_claim(), r)
    assert v.verdict == "not supported" and v.evaluations[0].value == pytest.approx(0.5)


def test_depends_on_definition_flips_with_the_median():
    # poverty 10, 20, 30, 40 with men 1000, 1000, 1000, 10000. Regional median 25 selects the
    # two poorest (deaths 45 + 50 of 100 = 95% > 90%); the men-weighted median is 40 (the big
    # region holds 77% of men), and "above 40" selects nothing: 0%.
    r = _rates([2, 3, 45, 50], [1000, 1000, 1000, 10000], [10.0, 20.0, 30.0, 40.0])
    alt = [{"label": "men-weighted median",
            "regions": {"rule": "above_median", "indicator": "pct_below_subsistence_2020",
                        "weight": "men"}}]
    v = evaluate_claim(_claim(alternatives=alt), r)
    assert v.verdict == "depends on definition"
    assert [e.holds for e in v.evaluations] == [True, False]
    assert v.evaluations[0].value == pytest.approx(0.95) and v.evaluations[1].value == 0.0
    assert v.flipping == ["men-weighted median"]


def test_representation_ratio_hand_computed():
    r = _rates([1, 9, 40, 50], [100, 100, 400, 400], [1.0, 2.0, 3.0, 4.0])
    c = _claim(quantity="representation_ratio", regions={"rule": "list", "codes": ["RU-TY",
                                                                                 "RU-BU"]},
               threshold={"op": "<", "value": 0.5})
    v = evaluate_claim(c, r)
    # deaths 10% vs men 20%: ratio 0.5, not < 0.5
    assert v.evaluations[0].value == pytest.approx(0.5) and v.verdict == "not supported"


def _bonuses(rows):
    return pd.DataFrame(rows, columns=["iso_code", "region", "amount_rub", "component", "as_of",
                                       "source", "url", "note", "certainty"])


def test_pay_ratio_depends_on_monthly_or_annual_income():
    r = _rates([1, 1], [1, 1], [1.0, 1.0], income=[25_000.0, 50_000.0])
    b = _bonuses([["RU-TY", "Tuva", 500_000, "regional", "2024", "s", "u", "", "sourced"],
                  ["RU-BU", "Buryatia", 1_400_000, "total (federal 400k + regional), inferred",
                   "2024", "s", "u", "", "sourced"],
                  ["RU-BU", "Buryatia", 9_000_000, "regional", "2025", "s", "u", "",
                   "uncertain: inferred"]])
    t = pay_ratios(b, r)  # the uncertain row is left out by default
    # Tuva 500,000 / 25,000 = 20; Buryatia regional part 1,400,000 - 400,000 = 1,000,000 / 50,000
    assert t["ratio"].tolist() == [20.0, 20.0]
    assert pay_ratios(b, r, component="total")["ratio"].tolist() == [36.0, 28.0]
    assert pay_ratios(b, r, basis="annual")["ratio"].tolist() == pytest.approx([20 / 12, 20 / 12])
    assert len(pay_ratios(b, r, include_uncertain=True)) == 3
    c = _claim(quantity="pay_ratio", threshold={"op": ">=", "value": 10}, alternatives=None)
    del c["regions"]
    v = evaluate_claim(c, r, b)
    assert v.verdict == "depends on definition"
    holds = {e.label: e.holds for e in v.evaluations}
    assert holds["regional bonus / annual income (12 x monthly)"] is False
    assert v.evaluations[0].holds is True and v.evaluations[0].value == pytest.approx(20.0)
    assert any("not the average wage" in n for n in v.notes)


def test_shipped_claims_on_the_april_2023_list():
    from uncounted.analysis.deaths import read_deaths

    claims = load_claims(SHIPPED)
    deaths = read_deaths(shared_path("ru/bbc_mediazona_fatalities_anonymised_2023-04-12.csv"))
    v = {x.claim["id"]: x for x in evaluate_on_deaths(
        claims, deaths, shared_path("ru/region_indicators_bessudnov.csv"))}
    poor = v["poor_regions_over_90pct"]
    # regions above the median of % below subsistence: 8,898 of 19,895 deaths (44.7%)
    assert poor.evaluations[0].value == pytest.approx(0.4472, abs=5e-5)
    assert poor.evaluations[0].detail["n_regions"] == 42
    assert poor.verdict == "depends on definition"
    # it holds only if "depressed remote regions" means everything but the two capitals and
    # their oblasts (95.7%); no poverty-based reading comes near 90%
    widest = "everything outside Moscow, St Petersburg and their oblasts (widest 'not the centre')"
    assert poor.flipping == [widest]
    assert max(e.value for e in poor.evaluations[:-1]) < 0.65
    cap = v["capitals_spared"]
    assert cap.verdict == "supported"
    # Moscow + St Petersburg: 300 of 19,895 deaths vs 5,807,662 of 44,434,799 men
    assert cap.evaluations[0].value == pytest.approx((300 / 19_895) / (5_807_662 / 44_434_799))
    pay = v["pay_ten_times_local_wage"]
    assert pay.verdict == "depends on definition"
    by_label = {e.label: e for e in pay.evaluations}
    assert pay.evaluations[0].value == pytest.approx(40.45, abs=0.01)  # median of 15 figures
    assert by_label["regional bonus / annual income (12 x monthly)"].value == pytest.approx(
        40.45 / 12, abs=0.01)
    # the 'up to' reading: Samara's 3.6m regional + 0.4m federal against 12 x 29,893 roubles
    top = by_label["total bonus / annual income, highest figure (the 'up to' reading)"]
    assert top.value == pytest.approx(4_000_000 / (12 * 29_893)) and top.holds


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """claims:
  - id: x
    statement: s
    source: t
    date: "2023"
    period: 2022-02-24/2023-04-12
    measure: killed
    quantity: share_of_deaths
    regions: {rule: list, codes: [RU-TY]}
    threshold: {op: ">", value: 0.5}
"""


def test_typo_in_a_field_name(tmp_path):
    p = _write(tmp_path / "claims.yaml", GOOD.replace("threshold:", "threshhold:"))
    with pytest.raises(ConfigError) as e:
        load_claims(p)
    msg = str(e.value)
    assert "claims.yaml" in msg and "'threshhold'" in msg and "Did you mean 'threshold'" in msg
    assert "Valid fields:" in msg and "quantity" in msg and e.value.column == "threshhold"


def test_typo_in_a_nested_field(tmp_path):
    p = _write(tmp_path / "claims.yaml", GOOD.replace("codes:", "cdoes:"))
    with pytest.raises(ConfigError, match=r"regions: unknown field 'cdoes'.*Valid fields: codes"):
        load_claims(p)


def test_missing_field_and_bad_rule(tmp_path):
    p = _write(tmp_path / "a.yaml", GOOD.replace("    measure: killed\n", ""))
    with pytest.raises(ConfigError, match="missing field 'measure'"):
        load_claims(p)
    p = _write(tmp_path / "b.yaml", GOOD.replace("rule: list", "rule: poorest"))
    with pytest.raises(ConfigError, match="rule 'poorest' is not one of"):
        load_claims(p)


def test_toml_claims_file(tmp_path):
    p = _write(tmp_path / "claims.toml", """[[claims]]
id = "x"
statement = "s"
source = "t"
date = "2023"
period = "2022-02-24/2023-04-12"
measure = "killed"
quantity = "share_of_deaths"
regions = {rule = "list", codes = ["RU-TY"]}
threshold = {op = ">", value = 0.5}
""")
    assert load_claims(p)[0]["regions"]["codes"] == ["RU-TY"]


def test_period_filter_and_not_evaluable(tmp_path):
    ind = pd.DataFrame({"iso_code": ["RU-TY", "RU-MOW"], "men_16_61_census2021": [100.0, 100.0]})
    deaths = pd.DataFrame({"iso_code": ["RU-TY", "RU-TY", "RU-MOW"], "unit_type": None,
                           "date": ["2022-05-01", "2024-01-01", "2022-06-01"]})
    c = _claim(regions={"rule": "list", "codes": ["RU-TY"]}, period="2022-02-24/2023-04-12",
               threshold={"op": ">", "value": 0.6})
    v = evaluate_on_deaths([c], deaths, ind)[0]
    assert v.evaluations[0].value == pytest.approx(0.5)  # the 2024 death is outside the period
    late = evaluate_on_deaths([{**c, "period": "2025-01-01/2025-12-31"}], deaths, ind)[0]
    assert late.verdict == "not evaluable"


def test_bad_values(tmp_path):
    p = _write(tmp_path / "a.yaml", GOOD.replace("measure: killed", "measure: casualties"))
    with pytest.raises(ConfigError, match="measure 'casualties' is not one of killed"):
        load_claims(p)
    p = _write(tmp_path / "b.yaml", GOOD + "    alternatives:\n      - {label: x, income: "
                                           "{basis: weekly}}\n")
    with pytest.raises(ConfigError, match=r"alternatives\[0\].income: basis 'weekly'"):
        load_claims(p)
