"""The regional tile-grid map: its layout file, its colours, and its SVG in the report."""

from __future__ import annotations

import json

import pytest

from uncounted.records.regions import federal_subjects
from uncounted.report import build_report
from uncounted.report.tilegrid import NO_DATA, PALETTE, breaks, fill_for, layout, tile_map

from ..project_fixture import make_project


def test_layout_has_every_subject_once_and_no_shared_cells():
    codes = [iso for iso, *_ in layout()]
    assert len(codes) == len(set(codes))
    assert sorted(codes) == sorted(r["iso_code"] for r in federal_subjects())
    cells = [(row, col) for _, row, col, _ in layout()]
    assert len(cells) == len(set(cells))
    assert all(row >= 0 and col >= 0 for row, col in cells)


def test_layout_roughly_follows_geography():
    pos = {iso: (row, col) for iso, row, col, _ in layout()}
    assert pos["RU-KGD"][1] < pos["RU-MOW"][1] < pos["RU-NVS"][1] < pos["RU-KAM"][1]  # west to east
    assert pos["RU-MUR"][0] < pos["RU-MOW"][0] < pos["RU-DA"][0]  # north to south


def test_breaks_and_fills():
    assert breaks(9.69) == [0, 2, 4, 6, 8, 10, 12]  # step 9.69/6 = 1.6 rounds up to 2
    assert breaks(11) == [0, 2, 4, 6, 8, 10, 12]
    edges = breaks(11)
    assert fill_for(None, edges) == NO_DATA
    assert fill_for(0.5, edges) == PALETTE[0]
    assert fill_for(4.0, edges) == PALETTE[1]  # bins closed on the right
    assert fill_for(4.01, edges) == PALETTE[2]
    assert fill_for(11, edges) == PALETTE[5]


def test_persons_are_shown_without_rates():
    regions = {"rows": [{"region_iso": "RU-TY", "persons": 30}, {"region_iso": "RU-BU", "persons": 9},
                        {"region_iso": "unknown", "persons": 4}]}
    tm = tile_map(regions)
    by_iso = {t["iso_code"]: t for t in tm["tiles"]}
    assert tm["measure"].startswith("persons (")
    # breaks(30): step 5 -> edges 0..30; 30 is in the last bin, 9 in the second
    assert by_iso["RU-TY"]["fill"] == PALETTE[5] and by_iso["RU-BU"]["fill"] == PALETTE[1]
    assert by_iso["RU-MOW"]["fill"] == NO_DATA and by_iso["RU-MOW"]["value"] is None
    assert by_iso["UA-43"]["occupied"] and not by_iso["RU-TY"]["occupied"]
    assert by_iso["UA-43"]["code"] == "CR" and by_iso["RU-MOW"]["code"] == "MOW"
    assert tile_map(None) is None


def test_rates_are_shown_when_present():
    regions = {"rows": [{"region_iso": "RU-TY", "persons": 9}],
               "rates": {"rows": [{"iso_code": "RU-TY", "per_100k": 9.6895},
                                  {"iso_code": "RU-MOS", "per_100k": 0.3911},
                                  {"iso_code": "RU-SPE", "per_100k": float("nan")}]}}
    tm = tile_map(regions)
    by_iso = {t["iso_code"]: t for t in tm["tiles"]}
    assert tm["measure"] == "persons per 100,000 men aged 16-61"
    assert by_iso["RU-TY"]["fill"] == PALETTE[4] and by_iso["RU-MOS"]["fill"] == PALETTE[0]
    assert by_iso["RU-SPE"]["fill"] == NO_DATA  # a NaN rate (no denominator) is no data
    assert by_iso["RU-MOS"]["title"] == "Moscow Oblast (RU-MOS): 0.4"
    assert [e["label"] for e in tm["legend"]][:2] == ["0.0–2.0", "2.0–4.0"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("tilegrid") / "proj"
    make_project(root)
    return root


def test_tilegrid_svg_in_project_report(project, tmp_path):
    import html5lib

    html = build_report(project, methods=["chao"])
    doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    fig = [f for f in doc.iter("figure") if f.get("data-chart") == "tilegrid"]
    assert len(fig) == 1
    svg = "{http://www.w3.org/2000/svg}"
    tiles = {g.get("data-iso"): g for g in fig[0].iter(f"{svg}g") if g.get("class") == "tile"}
    assert sorted(tiles) == sorted(r["iso_code"] for r in federal_subjects())
    ty = tiles["RU-TY"]
    if "per 100,000" in fig[0].find(f"{svg}svg").get("aria-label"):
        # Tuva: 9 persons among 92,884 men aged 16-61 (census 2021) = 9.69 per 100,000; the largest
        # rate is Tuva's, so the edges are 0..12 by 2 and 9.69 falls in the fifth bin
        assert ty.find(f"{svg}title").text == "Tuva (RU-TY): 9.7"
    else:  # no indicators beside the checkout: persons, 9 of at most 11 -> edges 0..12, fifth bin
        assert ty.find(f"{svg}title").text == "Tuva (RU-TY): 9"
    assert ty.find(f"{svg}rect").get("fill") == PALETTE[4]
    assert ty.find(f"{svg}text").text == "TY"
    assert tiles["RU-MOW"].find(f"{svg}rect").get("fill") == NO_DATA
    assert tiles["UA-40"].find(f"{svg}rect").get("stroke-dasharray")
    out = json.loads(build_report(project, methods=["chao"], fmt="json", png_dir=tmp_path))
    assert "tilegrid.png" in out["charts_png"]
    assert (tmp_path / "tilegrid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_capture_table_stratified_by_region_gets_the_map(tmp_path):
    import html5lib

    p = tmp_path / "t.csv"
    p.write_text("A,B,region,count\n1,0,RU-TY,5\n0,1,RU-TY,3\n1,1,RU-TY,2\n"
                 "1,0,RU-MOW,4\n0,1,RU-MOW,4\n1,1,RU-MOW,1\n1,0,Atlantis,1\n")
    out = json.loads(build_report(p, strata=["region"], methods="chao", fmt="json"))
    # persons observed per stratum: TY 5+3+2, MOW 4+4+1; records count list memberships
    rows = {r["region_iso"]: (r["persons"], r["records"]) for r in out["regions"]["rows"]}
    assert rows == {"RU-TY": (10, 12), "RU-MOW": (9, 10), "Atlantis": (1, 1)}
    html = build_report(p, strata=["region"], methods="chao")
    doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    svg = "{http://www.w3.org/2000/svg}"
    tiles = {g.get("data-iso"): g for g in doc.iter(f"{svg}g") if g.get("class") == "tile"}
    assert len(tiles) == len(federal_subjects())
    # breaks(10): step 10/6 -> 2, edges 0..12; 10 in the fifth bin, 9 too
    assert tiles["RU-TY"].find(f"{svg}title").text == "Tuva (RU-TY): 10"
    assert tiles["RU-MOW"].find(f"{svg}rect").get("fill") == PALETTE[4]
    assert "Not on the map: Atlantis." in html
    plain = tmp_path / "plain.csv"
    plain.write_text("A,B,sex,count\n1,0,m,5\n0,1,m,3\n1,1,f,2\n")
    assert json.loads(build_report(plain, strata=["sex"], methods="chao", fmt="json"))["regions"] is None
