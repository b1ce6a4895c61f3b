"""The guard rails in a real link run: the profile and checks are stored with the run, lists that
share no identifying field are not compared, records without names are never joined to each other
(unless ``allow_weak``), and ``uncounted link --strict`` fails when a check warns."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.linkage.cluster import current_persons
from uncounted.linkage.link import link_project
from uncounted.project import Project

from .helpers import REGIONS, insert_records

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.EstimationWarning")


def nameless_lists(n: int, n_copy: int, *, full_birth_date: bool, seed: int = 5) -> list[dict]:
    """A list of ``n`` records without names (like the anonymised BBC/Mediazona list: birth year,
    death date, region, unit type) and a second list copying ``n_copy`` of them exactly."""
    rng = np.random.default_rng(seed)
    units = ["professional army", "inmates", "volunteers", "mobilised", "PMC"]
    rows = []
    for i in range(n):
        region, district = REGIONS[int(rng.integers(len(REGIONS)))]
        rows.append({"list_name": "bbc", "record_id": str(i),
                     "birth_year": int(rng.integers(1970, 2004)),
                     "birth_month": int(rng.integers(1, 13)) if full_birth_date else None,
                     "birth_day": int(rng.integers(1, 29)) if full_birth_date else None,
                     "death_year": 2022, "death_month": int(rng.integers(3, 6)),
                     "death_day": int(rng.integers(1, 29)), "region_iso": region,
                     "federal_district": district, "unit": units[int(rng.integers(len(units)))]})
    for j, i in enumerate(rng.choice(n, size=n_copy, replace=False)):
        rows.append({**rows[i], "list_name": "copy", "record_id": f"c{j}"})
    return rows


@pytest.fixture(scope="module")
def bbc_like(tmp_path_factory):
    root = tmp_path_factory.mktemp("bbc") / "p"
    Project.init(root)
    with Project.open(root).store() as store:
        insert_records(store, nameless_lists(1200, 100, full_birth_date=False))
    return root


def test_lists_without_identifying_fields_are_not_compared(bbc_like):
    with Project.open(bbc_like).store() as store:
        res = link_project(store, progress=False)
        saved = store.runs.guard(res.run_id)
    assert (res.n_records, res.n_persons) == (1300, 1300)       # nobody merged with a stranger
    codes = {c["code"] for c in res.checks}
    assert {"lists_not_compared", "no_overlap"} <= codes
    assert saved["checks"] == res.checks and saved["run_id"] == res.run_id
    prof = {p["list_name"]: p for p in saved["profile"]}
    assert prof["bbc"]["n"] == 1200 and prof["bbc"]["any_name"] == 0
    assert prof["bbc"]["birth_precision"] == "year" and prof["copy"]["identifying"] == []
    assert set(res.guard["removed"]) == {"nameless", "nameless_joined", "separate",
                                         "separate_joined"}


def test_cli_strict_json_and_the_profile(bbc_like):
    r = runner.invoke(app, ["link", str(bbc_like), "--json", "--strict"])
    assert r.exit_code == 1, r.output
    payload = json.loads(r.stdout[:r.stdout.rindex("}") + 1])
    assert payload["n_persons"] == payload["n_records"] == 1300
    assert "lists_not_compared" in payload["strict_failures"]
    assert [p["list_name"] for p in payload["profile"]] == ["bbc", "copy"]
    r = runner.invoke(app, ["link", str(bbc_like), "--quiet"])
    assert r.exit_code == 0
    assert "identifies by" in r.output and "nothing" in r.output
    assert "lists_not_compared" in r.output and "Not compared" in r.output


def test_nameless_records_never_join_each_other_unless_allowed(tmp_path):
    """With full birth dates the two lists share an identifying field and are compared; the copied
    records agree on everything, and still are not joined: no name, no join. With allow_weak the
    model's word stands, and the run says so."""
    Project.init(tmp_path / "p")
    with Project.open(tmp_path / "p").store() as store:
        insert_records(store, nameless_lists(400, 60, full_birth_date=True))
        res = link_project(store, progress=False)
        assert res.n_persons == res.n_records == 460
        assert "lists_not_compared" not in {c["code"] for c in res.checks}
        assert res.guard["removed"]["nameless"] > 0
        # a reviewer who knows two of them are one man can still say so: a match always joins
        store.decisions.record("bbc/0", "copy/c0", "match", reviewer="test")
        assert current_persons(store, res.run_id).n_persons == 459
        weak = link_project(store, progress=False, allow_weak=True)
    assert weak.n_persons < 460                       # the model alone joins name-less records
    codes = {c["code"] for c in weak.checks}
    assert "nameless_joined" in codes
    assert weak.guard["allow_weak"] is True and weak.guard["removed"]["nameless"] == 0


def test_report_shows_the_checks_escaped(tmp_path):
    """The report's linkage section lists the run's warnings; list names reach it escaped."""
    from uncounted.report import collect, render_html

    root = tmp_path / "p"
    Project.init(root)
    rows = nameless_lists(300, 40, full_birth_date=False)
    for r in rows:
        if r["list_name"] == "copy":
            r["list_name"] = "<b>copy</b>"
    with Project.open(root).store() as store:
        insert_records(store, rows)
        link_project(store, progress=False)
    data = collect(root, methods=["chao"])           # one collection, the page in two languages
    html = render_html(data, {}, lang="en")
    assert 'data-check="lists_not_compared"' in html and "Linkage checks: " in html
    assert "<b>copy</b>" not in html and "&lt;b&gt;copy&lt;/b&gt;" in html
    # in Russian: the block's words and each check's sentence, with the lists it names (escaped)
    ru = render_html(data, {}, lang="ru")
    block = ru[ru.index('id="linkage-checks"'):]
    block = block[:block.index("</div>")]
    assert re.search(r"Проверки связывания: \d+ предупреждени[ея]\.", block)
    assert "нет общего идентифицирующего поля" in block and "&lt;b&gt;copy&lt;/b&gt;" in block
    assert "Что каждый список даёт связыванию" in block and "<th>фамилия</th>" in block
    for english in ("Linkage checks", "Not compared, because", "What each list brings",
                    "identifies by"):
        assert english not in block, english


def test_estimate_on_the_project_repeats_the_linkage_warnings(bbc_like):
    """`uncounted estimate DIR` counts the persons of the latest run: when that run warned, the
    estimate says so (on stderr, so --json stays parseable)."""
    with Project.open(bbc_like).store() as store:
        if store.runs.latest_id() is None:
            link_project(store, progress=False)
    r = runner.invoke(app, ["estimate", str(bbc_like), "-m", "chao", "--json"])
    assert r.exit_code == 0, r.output
    assert "linkage warning" in r.stderr and "lists_not_compared" in r.stderr
    json.loads(r.stdout)


def test_no_false_alarm_on_ordinary_lists(linked):
    """The 2,000-person stand-in of tests/linkage (4 noisy lists: typos, diminutives, partial and
    missing dates) links with no warning, so `uncounted link --strict` passes on it."""
    from uncounted.linkage.checks import strict_failures

    _, _, result = linked
    assert strict_failures(result.checks) == [], result.checks
