"""The offline report: contents, HTML validity, JSON, PNG charts, the CLI, and a plain CSV input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.mse import CaptureTable, ChaoLowerBound
from uncounted.report import build_report, collect

from ..conftest import DATA
from ..project_fixture import OBSERVED_BEFORE, XSS, make_project

runner = CliRunner()


def parse_strict(html: str):
    """Parse with html5lib in strict mode: any HTML syntax error raises."""
    import html5lib

    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "proj"
    make_project(root)
    return root


@pytest.fixture(scope="module")
def project_html(project):
    return build_report(project, methods=["chao", "lincoln-petersen"])


def test_project_data(project):
    d = collect(project, methods="chao")
    assert [x["name"] for x in d["lists"]] == ["A", "B", "C"]
    assert d["capture"]["observed"] == OBSERVED_BEFORE
    # before review: A-only 13, B-only 11, AB 2 (fixture docstring)
    counts = {p["label"]: p["count"] for p in d["capture"]["patterns"]}
    assert counts == {"A": 13, "B": 11, "C": 6, "A+B": 2, "A+C": 4, "B+C": 3, "A+B+C": 2}
    table = CaptureTable.from_counts({"100": 13, "010": 11, "001": 6, "110": 2, "101": 4,
                                      "011": 3, "111": 2}, ["A", "B", "C"])
    chao = ChaoLowerBound().fit(table)
    assert d["estimates"][0]["estimate"] == pytest.approx(chao.estimate)
    rv = d["linkage"]["review"]
    assert (rv["in_band"], rv["pending"], rv["decided"]) == (5, 5, 0)
    assert sum(d["linkage"]["histogram"]["counts"]) == d["linkage"]["run"]["n_pairs"]
    assert sum(r["persons"] for r in d["regions"]["rows"]) == OBSERVED_BEFORE
    assert {r["stratum"] for r in d["strata"]["rows"]} == {f"region=RU-{x}" for x in
                                                            ("MOS", "SPE", "BU", "TY")}
    rp = d["reproducibility"]
    assert [i["file_name"] for i in rp["imports"]] == ["a.csv", "b.csv", "c.csv"]
    assert rp["input_hash"] == table.input_hash()
    assert rp["seeds"] == {"estimate": 1} and rp["versions"]["duckdb"]


def test_html_is_valid_self_contained_and_escaped(project_html):
    doc = parse_strict(project_html)
    charts = doc.findall(".//figure")
    names = {f.get("data-chart") for f in charts}
    core = {"upset", "match_probability", "review_progress", "estimates", "strata", "regions",
            "ledger", "tilegrid"}
    assert core <= names and names - core <= {"rates"}  # rates need the unbundled indicators
    assert all(f.find("{http://www.w3.org/2000/svg}svg") is not None for f in charts)
    # nothing to fetch: no external URLs in src/href, no scripts
    assert doc.findall(".//script") == []
    for el in doc.iter():
        for attr in ("src", "href"):
            value = el.get(attr) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert "default-src 'none'" in project_html
    assert "lincoln-petersen needs exactly two lists" in project_html  # 3 lists: row with reason
    assert XSS not in project_html  # the surname is only shown escaped, if at all


def test_script_in_list_name_is_escaped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('"<script>alert(1)</script>",B,count\n1,0,30\n0,1,20\n1,1,10\n')
    html = build_report(p, methods="lincoln-petersen")
    parse_strict(html)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_csv_table_report_json_and_png(tmp_path):
    src = DATA / "mse" / "conting_spina.csv"
    out = json.loads(build_report(src, fmt="json", strata=["eth"], methods="chao",
                                  png_dir=tmp_path / "png"))
    assert out["capture"]["observed"] == 621  # as in tests/test_cli.py (conting spina bifida)
    assert out["strata"]["column"] == "eth" and len(out["strata"]["rows"]) == 3
    assert out["linkage"] is None
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert pngs == out["charts_png"] == ["estimates.png", "strata.png", "upset.png"]
    assert all((tmp_path / "png" / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in pngs)


def test_cli_report(tmp_path, project):
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["report", str(project), "--out", str(out), "-m", "chao"])
    assert r.exit_code == 0, r.output
    parse_strict(out.read_text(encoding="utf-8"))
    bad = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert bad.exit_code == 2 and "neither a project folder" in bad.output
    fmt = runner.invoke(app, ["report", str(project), "--format", "pdf", "--out", str(out)])
    assert fmt.exit_code == 2 and "--format" in fmt.output


def test_project_without_linkage(tmp_path):
    root = tmp_path / "p"
    make_project(root, with_link_run=False)
    d = collect(root)
    assert d["capture"] is None and d["estimates"] == [] and d["linkage"] is None
    assert any("uncounted link" in n for n in d["notes"])
    parse_strict(build_report(root))


def test_ledger_and_rates_charts_from_their_data():
    from uncounted.report.charts import render_all

    data = {"ledger": {"series": [
        {"date": "2023-01-01", "measure": "killed", "value": 20000.0},
        {"date": "2024-01-01", "measure": "named_confirmed", "value": 40000.0},
        {"date": "2024-06-01", "measure": "killed_or_wounded", "value": float("nan")}]},
        "estimates": [{"estimable": True, "estimate": 50000.0, "interval": [45000.0, 60000.0]}],
        "regions": {"rows": [], "rates": {"rows": [
            {"iso_code": "RU-TY", "per_100k": 250.0, "lower": 230.0, "upper": 270.0},
            {"iso_code": "RU-MOW", "per_100k": None, "lower": None, "upper": None}]}}}
    charts = render_all(data)
    assert set(charts) == {"ledger", "rates", "estimates"}
    assert "RU-TY" in charts["rates"] and "RU-MOW" not in charts["rates"]
    assert "killed" in charts["ledger"] and "this report" in charts["ledger"]


def test_ledger_section_from_the_analysis_stage(project):
    from uncounted.analysis.ledger import load_ledger

    d = collect(project, methods="chao")
    published = load_ledger(side="russia")
    assert len(d["ledger"]["series"]) == len(published) > 0
    assert {r["measure"] for r in d["ledger"]["series"]} <= {"killed", "killed_or_wounded",
                                                              "named_confirmed"}
    json.dumps(d["ledger"])  # NaN turned into None: JSON-safe


def test_rates_when_the_indicators_are_available(project):
    from uncounted.analysis.reference import load_indicators
    from uncounted.exceptions import InputError

    try:
        ind = load_indicators()
    except InputError:
        pytest.skip("needs region_indicators_bessudnov.csv (shared reference data, not bundled)")
    d = collect(project, methods="chao")
    persons = {r["region_iso"]: r["persons"] for r in d["regions"]["rows"]}
    men = ind.set_index("iso_code")["men_16_61_census2021"]
    rows = {r["iso_code"]: r for r in d["regions"]["rates"]["rows"]}
    assert set(rows) == {"RU-MOS", "RU-SPE", "RU-BU", "RU-TY"}
    for iso, r in rows.items():
        assert r["deaths"] == persons[iso]
        assert r["per_100k"] == pytest.approx(persons[iso] / men[iso] * 1e5)
        assert r["lower"] < r["per_100k"] < r["upper"]


def test_report_of_a_table_with_other_columns_takes_the_lists_it_is_given(tmp_path, project):
    # a table with columns that are neither lists nor strata (verdata's department, age, ...) was
    # refused by `report` ("list columns hold 0 or 1 ... got '11'"), which had no --lists
    table = tmp_path / "wide.csv"
    table.write_text("dept,year,in_1,in_2,in_3,count\n11,1990,1,0,0,7\n11,1991,0,1,0,5\n"
                     "13,1990,1,1,0,3\n13,1991,0,0,1,4\n11,1990,1,0,1,2\n", encoding="utf-8")
    out = tmp_path / "wide.json"
    r = runner.invoke(app, ["report", str(table), "--lists", "in_*", "--strata", "year",
                            "-m", "chao", "--format", "json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    (chao,) = [e for e in data["estimates"] if e["method"] == "chao"]
    assert chao["observed"] == 21 and chao["lists"] == ["in_1", "in_2", "in_3"]
    refused = runner.invoke(app, ["report", str(table), "-m", "chao", "--out", str(out)])
    assert refused.exit_code == 2 and "'dept'" in refused.output    # without --lists: named
    on_project = runner.invoke(app, ["report", str(project), "--lists", "a", "--out", str(out)])
    assert on_project.exit_code == 2 and "--lists" in on_project.output


def test_a_stratified_table_is_headlined_by_its_sum_over_strata(tmp_path):
    # `report TABLE --strata eth` headlined the table pooled over ethnicity, while `estimate
    # TABLE --strata eth` (and the web's estimation pages) give the sum of per-stratum fits: two
    # commands, two figures for one question. The report now sums the strata too.
    from uncounted.mse import estimate

    lines = (DATA / "mse" / "conting_spina.csv").read_text(encoding="utf-8").splitlines()
    src = tmp_path / "spina_two.csv"      # the two strata where the log-linear fit exists
    src.write_text("\n".join(x for x in lines if not x.startswith("other,")) + "\n",
                   encoding="utf-8")
    table = CaptureTable.from_csv(src, strata=["eth"])
    (total,) = [e for e in estimate(table, "loglinear") if e.stratum == "total"]
    (pooled,) = estimate(table.collapse(), "loglinear")
    assert total.estimate - pooled.estimate > 30         # 757.9 summed, 722.1 pooled
    d = json.loads(build_report(src, fmt="json", strata=["eth"], methods="loglinear"))
    (row,) = d["estimates"]
    assert row["stratum"] == "total" and row["estimate"] == pytest.approx(total.estimate)
    assert d["headline"]["chosen"]["estimate"] == pytest.approx(total.estimate)
    assert d["headline"]["strata"] == {"column": "eth", "n": 2}
    assert d["strata"]["method"] == "loglinear" and len(d["strata"]["rows"]) == 2
    html = build_report(src, strata=["eth"], methods="loglinear", lang="en")
    assert "sum of separate estimates in each of the 2 strata of eth" in html
    ru = build_report(src, strata=["eth"], methods="loglinear", lang="ru")
    assert "сделанных отдельно в каждой из 2 страт (eth)" in ru
    plain = json.loads(build_report(src, fmt="json", methods="loglinear", lists=["S*"]))
    assert plain["headline"]["strata"] is None and plain["strata"] is None
    assert plain["headline"]["chosen"]["estimate"] == pytest.approx(pooled.estimate)


def test_a_sum_over_strata_with_a_stratum_not_estimable_is_no_headline():
    # in the third stratum ('other', 12 people) no log-linear model has an MLE, so the sum over
    # strata has none either; the pooled table's 724 must not stand in for it
    d = json.loads(build_report(DATA / "mse" / "conting_spina.csv", fmt="json", strata=["eth"],
                                methods="loglinear"))
    (row,) = d["estimates"]
    assert row["stratum"] == "total" and not row["estimable"]
    assert "eth=other" in row["reason"]
    assert d["headline"]["chosen"] is None
    html = build_report(DATA / "mse" / "conting_spina.csv", strata=["eth"], methods="loglinear",
                        lang="en")
    assert "No estimate we can stand behind." in html
    assert "Not estimable here: log-linear model" in html
    assert "a stratum without a usable estimate leaves the sum without one" in html
