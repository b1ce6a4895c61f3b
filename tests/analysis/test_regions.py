"""Regional rates: exact Poisson limits, the April 2023 BBC/Mediazona table, inputs and bad input.

The BBC/Mediazona list and the indicators file state no licence: they are read from the shared
reference data with ``shared_path`` (the test is skipped, saying why, where they are absent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.analysis.deaths import read_deaths
from uncounted.analysis.reference import find_indicators, load_indicators
from uncounted.analysis.regions import (
    garwood_interval,
    group_rates,
    rate_per_100k,
    region_by_unit_type,
    regional_rates,
    unit_type_rates,
)
from uncounted.exceptions import InputError, ProjectError, RecordError

from ..conftest import shared_path

LIST = "ru/bbc_mediazona_fatalities_anonymised_2023-04-12.csv"
TABLE = "ru/bbc_mediazona_deaths_by_region_2023-04-12.csv"
INDICATORS = "ru/region_indicators_bessudnov.csv"


@pytest.fixture(scope="module")
def bbc():
    deaths = read_deaths(shared_path(LIST))
    rates = regional_rates(deaths, shared_path(INDICATORS))
    return deaths, rates


def test_garwood_limits_closed_forms():
    # k = 0: upper solves exp(-u) = 0.025, u = ln 40; k = 1: lower solves 1 - exp(-l) = 0.025,
    # l = -ln 0.975 (Garwood 1936). Exact to floating point.
    lo, hi = garwood_interval([0, 1])
    assert lo[0] == 0.0 and hi[0] == pytest.approx(np.log(40), rel=1e-12)
    assert lo[1] == pytest.approx(-np.log(0.975), rel=1e-10)


def test_garwood_limits_have_their_defining_tail_probabilities():
    # Garwood's definition: P(X >= k | lower) = P(X <= k | upper) = (1 - level) / 2, checked
    # with the Poisson distribution itself (not the chi-square identity the code uses).
    from scipy.stats import poisson

    k = np.array([1, 2, 5, 10, 27, 100, 643, 5000])
    for level in (0.9, 0.95, 0.99):
        lo, hi = garwood_interval(k, level)
        a = (1 - level) / 2
        assert poisson.sf(k - 1, lo) == pytest.approx(a, rel=1e-8)
        assert poisson.cdf(k, hi) == pytest.approx(a, rel=1e-8)


def test_rate_per_100k_hand_computed():
    rate, lo, hi = rate_per_100k([10, 0, 5], [200_000, 1_000, np.nan])
    assert rate[0] == pytest.approx(5.0) and rate[1] == 0.0 and np.isnan(rate[2])
    assert lo[0] == pytest.approx(garwood_interval([10])[0][0] / 2)
    assert hi[1] == pytest.approx(np.log(40) * 100, rel=1e-12)  # per 100,000 of 1,000 men


def test_april_2023_headline_rates(bbc):
    _, rates = bbc
    r = rates.set_index("iso_code")["per_100k"].round(1)
    # Published: Tuva 249, Buryatia 231, Nenets 212, Zabaykalsky 160, Moscow 3.1 (data README)
    assert r["RU-TY"] == 248.7 and r["RU-BU"] == 230.6 and r["RU-NEN"] == 212.3
    assert r["RU-ZAB"] == 159.8 and r["RU-MOW"] == 3.1


def test_matches_published_table_for_all_89_regions(bbc):
    deaths, rates = bbc
    pub = pd.read_csv(shared_path(TABLE)).set_index("iso_code")
    mine = rates.set_index("iso_code").loc[pub.index]
    assert len(pub) == 89
    has = pub["named_deaths"].notna()
    assert (mine.loc[has, "deaths"] == pub.loc[has, "named_deaths"]).all()
    assert (mine.loc[~has, "deaths"] == 0).all()  # the 2022-annexed oblasts: no deaths, no men
    assert mine["men"].equals(pub["men_16_61_census2021"])
    # the published table rounds to 0.1; NaN where there is no denominator
    assert mine["per_100k"].round(1).equals(pub["per_100k_men_16_61"])
    assert deaths.no_region == 358 and int(mine["deaths"].sum()) == 19_895
    # per-region counts by unit type equal the published n_<unitType> columns
    wide = region_by_unit_type(deaths).set_index("iso_code")
    for col in [c for c in pub.columns if c.startswith("n_")]:
        expected = pub.loc[has, col]
        assert (wide[col].reindex(expected.index).fillna(0) == expected).all(), col


def test_intervals_cover_the_rate(bbc):
    _, rates = bbc
    r = rates[rates["men"].notna()]
    assert (r["lower"] <= r["per_100k"]).all() and (r["per_100k"] <= r["upper"]).all()


def test_districts_and_unit_types_add_up(bbc):
    deaths, rates = bbc
    d = group_rates(rates, "federal_district")
    assert d.iloc[-1]["federal_district"] == "all"
    assert d.iloc[:-1]["deaths"].sum() == d.iloc[-1]["deaths"] == 19_895
    assert d.iloc[-1]["per_100k"] == pytest.approx(19_895 / 44_434_799 * 1e5)
    far_east = d.set_index("federal_district").loc["Far Eastern"]
    assert far_east["per_100k"] > 2 * d.set_index("federal_district").loc["Central", "per_100k"]
    u = unit_type_rates(deaths, rates).set_index("unit_type")["deaths"]
    assert u.sum() == 19_895
    # README: inmates 2,949 in the whole list; 2,739 of them have a region
    assert u["inmates"] == 2_739 and u["professional army"] == 6_711


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_region_names_file_row_column_value(tmp_path):
    p = _write(tmp_path / "list.csv", "record_id,region\n1,Tuva\n2,RU-MOW\n3,Atlantis\n")
    with pytest.raises(RecordError) as e:
        read_deaths(p)
    msg = str(e.value)
    assert "list.csv" in msg and "row 3" in msg and "'region'" in msg and "Atlantis" in msg
    assert e.value.row == 3 and e.value.value == "Atlantis"


def test_source_list_with_names_and_blanks(tmp_path):
    p = _write(tmp_path / "list.csv", "Region,unit_type\nTuva,inmates\nru-ty,\n,volunteers\n"
                                      "Moscow,\n")
    d = read_deaths(p)
    assert d.kind == "list" and d.no_region == 1 and d.total == 4
    assert d.frame["iso_code"].tolist() == ["RU-TY", "RU-TY", "RU-MOW"]


def test_persons_table_one_death_per_person(tmp_path):
    p = _write(tmp_path / "persons.csv",
               "list,record_id,person_id,match_probability,region\n"
               "a,1,p1,0.99,RU-TY\nb,7,p1,0.99,RU-TY\nb,8,p1,0.99,RU-BU\n"
               "a,2,p2,1.0,RU-MOW\n")
    d = read_deaths(p)
    assert d.kind == "persons"
    assert sorted(d.frame["iso_code"]) == ["RU-MOW", "RU-TY"]  # p1: most of its records say Tuva


def test_persons_table_without_regions_needs_project(tmp_path):
    p = _write(tmp_path / "persons.csv", "list,record_id,person_id,match_probability\na,1,p1,1\n")
    with pytest.raises(InputError, match="--project"):
        read_deaths(p)


def _project_with_persons(root):
    from uncounted.project import Project

    project = Project.init(root)
    with project.store() as store, store.transaction():
        con = store.con
        for lst, rid, region, unit, y, m in [("a", "1", "RU-TY", "inmates", 2022, None),
                                             ("b", "1", "RU-TY", None, 2022, 5),
                                             ("a", "2", "RU-BU", None, None, None),
                                             ("b", "2", None, None, None, None)]:
            con.execute("INSERT INTO records (uid, list_name, record_id, import_id, region_iso, "
                        "unit, death_year, death_month) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                        [f"{lst}/{rid}", lst, rid, region, unit, y, m])
        # one link run: a/1 and b/1 are one person (their pair scores above the threshold)
        con.execute("INSERT INTO link_runs (run_id, created_at, threshold) "
                    "VALUES (1, now()::TIMESTAMP + INTERVAL 1 SECOND, 0.9)")
        con.execute("INSERT INTO pairs (run_id, uid_l, uid_r, match_probability) "
                    "VALUES (1, 'a/1', 'b/1', 0.97), (1, 'a/2', 'b/2', 0.2)")
    return project


def test_project_folder_counts_persons_not_records(tmp_path):
    _project_with_persons(tmp_path / "proj")
    d = read_deaths(tmp_path / "proj")
    assert d.kind == "persons" and d.total == 3 and d.no_region == 1
    assert sorted(d.frame["iso_code"]) == ["RU-BU", "RU-TY"]
    by_region = d.frame.set_index("iso_code")
    assert by_region.loc["RU-TY", "unit_type"] == "inmates"
    assert by_region.loc["RU-TY", "date"] == "2022-05"  # the more precise of 2022 and 2022-05
    assert by_region.loc["RU-TY", "lists"] == "a|b"


def test_persons_csv_with_project(tmp_path):
    _project_with_persons(tmp_path / "proj")
    p = _write(tmp_path / "persons.csv", "list,record_id,person_id,match_probability\n"
                                         "a,1,X,1\nb,1,X,1\na,2,Y,1\n")
    d = read_deaths(p, project=tmp_path / "proj")
    assert sorted(d.frame["iso_code"]) == ["RU-BU", "RU-TY"]


def test_project_without_linkage_is_an_error(tmp_path):
    from uncounted.project import Project

    Project.init(tmp_path / "proj")
    with pytest.raises(ProjectError, match="uncounted link"):
        read_deaths(tmp_path / "proj")


def test_missing_indicators_says_where_to_get_them(tmp_path, monkeypatch):
    import uncounted.analysis.reference as ref

    monkeypatch.setattr(ref, "default_indicator_paths", lambda: [tmp_path / "nope.csv"])
    with pytest.raises(InputError) as e:
        find_indicators()
    assert "--indicators" in str(e.value) and "ruCasualtiesPublic" in str(e.value)
    with pytest.raises(InputError, match="not found"):
        load_indicators(tmp_path / "missing.csv")


def test_small_hand_made_rates(tmp_path):
    ind = pd.DataFrame({"iso_code": ["RU-TY", "RU-MOW"], "men_16_61_census2021": [1000.0, 1e6]})
    deaths = pd.DataFrame({"iso_code": ["RU-TY"] * 3 + ["RU-MOW"], "unit_type": None,
                           "date": None})
    r = regional_rates(deaths, ind).set_index("iso_code")
    assert len(r) == 89
    assert r.loc["RU-TY", "per_100k"] == pytest.approx(300.0)
    assert r.loc["RU-MOW", "per_100k"] == pytest.approx(0.1)
    assert np.isnan(r.loc["RU-BU", "per_100k"]) and r.loc["RU-BU", "deaths"] == 0


def test_mse_by_region_lincoln_petersen_hand_computed(tmp_path):
    # Two lists; in Tuva list A has 60, list B 40, both 20 (persons); Chapman's estimate
    # (61 * 41) / 21 - 1 = 118.095...; in Moscow A 10, B 10, both 5: 11 * 11 / 6 - 1 = 19.1667
    from uncounted.analysis.mse_regions import mse_rates

    rows = []
    for region, a_only, b_only, both in [("RU-TY", 40, 20, 20), ("RU-MOW", 5, 5, 5)]:
        for i in range(a_only + b_only + both):
            pid = f"{region}-{i}"
            on_a = i < a_only or i >= a_only + b_only
            on_b = i >= a_only
            if on_a:
                rows.append(f"A,{pid}a,{pid},1,{region}")
            if on_b:
                rows.append(f"B,{pid}b,{pid},1,{region}")
    p = _write(tmp_path / "persons.csv",
               "list,record_id,person_id,match_probability,region\n" + "\n".join(rows) + "\n")
    d = read_deaths(p)
    ind = pd.DataFrame({"iso_code": ["RU-TY", "RU-MOW"], "men_16_61_census2021": [1e5, 1e6]})
    m = mse_rates(d, regional_rates(d, ind), "lincoln-petersen").set_index("iso_code")
    assert m.loc["RU-TY", "observed"] == 80
    assert m.loc["RU-TY", "estimate"] == pytest.approx(61 * 41 / 21 - 1)
    assert m.loc["RU-TY", "per_100k"] == pytest.approx(61 * 41 / 21 - 1)  # 100,000 men
    assert m.loc["RU-MOW", "estimate"] == pytest.approx(11 * 11 / 6 - 1)
    assert m.loc["all", "estimate"] == pytest.approx(61 * 41 / 21 + 11 * 11 / 6 - 2)


def test_mse_needs_capture_histories(tmp_path):
    from uncounted.analysis.mse_regions import mse_rates

    p = _write(tmp_path / "list.csv", "region\nTuva\n")
    d = read_deaths(p)
    ind = pd.DataFrame({"iso_code": ["RU-TY"], "men_16_61_census2021": [1e5]})
    with pytest.raises(InputError, match="persons"):
        mse_rates(d, regional_rates(d, ind))


def test_region_names_resolve_like_iso_codes(tmp_path, bbc):
    # The region spellings of the list (Bessudnov's English labels) resolve, through
    # uncounted.records.regions, to the same regions as its iso_code column.
    pytest.importorskip("uncounted.records.regions")
    deaths, _ = bbc
    names = pd.read_csv(shared_path(LIST), dtype=str).drop(columns=["iso_code"])
    p = tmp_path / "names.csv"
    names.to_csv(p, index=False)
    by_name = read_deaths(p)
    assert by_name.no_region == deaths.no_region == 358
    assert (by_name.frame["iso_code"].to_numpy() == deaths.frame["iso_code"].to_numpy()).all()


def test_cyrillic_spellings(tmp_path):
    pytest.importorskip("uncounted.records.regions")
    p = _write(tmp_path / "list.csv", "Регион\nРеспублика Тыва\nРесп. Бурятия\nг. Москва\n")
    assert read_deaths(p).frame["iso_code"].tolist() == ["RU-TY", "RU-BU", "RU-MOW"]


def test_cp1251_list_with_russian_headers_and_categories(tmp_path):
    # read through the records stage's readers: encoding detected, Russian headers mapped,
    # 'категория' taken as the unit type (Cyrillic names kept in the n_<type> columns)
    p = tmp_path / "list.csv"
    p.write_bytes("ФИО,регион,категория,дата смерти\nИванов Иван,Республика Тыва,контрактник,"
                  "2022-05-01\nПетров Пётр,Тыва,ЧВК,2023\n".encode("cp1251"))
    d = read_deaths(p)
    assert d.frame["iso_code"].tolist() == ["RU-TY", "RU-TY"]
    assert d.frame["unit_type"].tolist() == ["контрактник", "ЧВК"]
    assert d.frame["date"].tolist() == ["2022-05-01", "2023"]
    wide = region_by_unit_type(d)
    assert set(wide.columns) == {"iso_code", "n_контрактник", "n_чвк"}


def test_simulated_lists_resolve_to_the_true_regions(tmp_path):
    # Simulated lists (seeded) spell regions in several ways (Cyrillic, Latin romanisations,
    # abbreviations) in CSV and XLSX, cp1251 and UTF-8; every non-blank region must resolve to the
    # simulated person's true region.
    import uncounted as uc
    from uncounted.analysis.deaths import REGION_COLUMNS, _pick, _read_table

    uc.simulate_lists(tmp_path, population=600, seed=3)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str).set_index("record_id")
    region = pd.read_csv(tmp_path / "population.csv", dtype=str).set_index("person_id")["region"]
    lists = [p for p in tmp_path.iterdir() if p.stem not in ("truth", "population", "scenario")]
    assert len(lists) >= 3
    for path in lists:
        raw = _read_table(path)
        rid = _pick(raw.columns, ("record_id",), "record_id")
        col = _pick(raw.columns, REGION_COLUMNS, "region")
        has = raw[col].str.strip() != ""
        got = read_deaths(path).frame["iso_code"].to_numpy()
        expected = truth.loc[raw.loc[has, rid], "person_id"].map(region).to_numpy()
        assert (got == expected).all(), path.name
