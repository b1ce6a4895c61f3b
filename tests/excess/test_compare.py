"""The comparison table: one row per source, each labelled by its measure, summed over the period."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import InputError
from uncounted.excess.compare import compare

from ..conftest import DATA, shared_path

SNAPSHOTS = DATA / "excess" / "mediazona_named_by_death_month_monthly_snapshots.csv"


def _json(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text(json.dumps(rows))
    return p


def test_measures_are_labelled_and_never_mixed(tmp_path):
    mse = _json(tmp_path, "mse.json", [{"method": "loglinear", "estimate": 30000.0,
                                        "interval": [25000.0, 36000.0], "observed": 18000,
                                        "stratum": None}])
    exc = _json(tmp_path, "excess.json", [{"region": "RU-ALT", "year": 2022, "estimate": 1.0,
                                           "se": 1.0},
                                          {"region": "RU", "year": 2022, "estimate": 23596.3,
                                           "se": 1108.5, "sex": "m", "ages": "15-49",
                                           "method": "sex-ratio"}])
    t = compare("2022-02-24", "2022-12-31", snapshots=SNAPSHOTS, mse=mse, excess=exc)
    assert list(t.measure) == ["MSE estimate (all deaths)", "excess deaths, sex m, ages 15-49",
                               "named (by date of death)", "named, nowcast"]
    row = t.set_index("measure")
    # Named by month of death 2022-02..2022-12 in the 2026-02-01 snapshot, summed by hand from the
    # file: 498 + 2043 + 1111 + 1340 + 1051 + 943 + 949 + 1809 + 2444 + 2603 + 3302 = 18,093.
    assert row.loc["named (by date of death)", "value"] == 18_093
    assert row.loc["named (by date of death)", "period"] == "2022-02-01 – 2022-12-31"
    now = row.loc["named, nowcast"]
    assert 18_093 <= now.lower <= now.value <= now.upper
    ex = row.loc["excess deaths, sex m, ages 15-49"]
    assert ex.value == 23596.3 and ex.lower == pytest.approx(23596.3 - 1.96 * 1108.5)
    assert ex.period == "2022-01-01 – 2022-12-31"
    # outside its year the excess row is left out rather than stretched
    t2 = compare("2024-01-01", "2024-12-31", excess=exc, mse=mse)
    assert list(t2.measure) == ["MSE estimate (all deaths)"]


def test_probate_weeks_summed():
    path = shared_path("ru/meduza_mediazona_probate_weekly_release-2026-05.csv")
    t = compare("2022-02-24", "2025-12-31", probate_file=path).set_index("source")
    ed = t[t.measure == "probate-registry excess deaths"].iloc[0]
    # The data README gives the sums over all 200 weeks: EDAssembled 351,817 (301,826 - 401,808).
    assert ed.value == pytest.approx(351_817, abs=1)
    assert (ed.lower, ed.upper) == (pytest.approx(301_826, abs=1), pytest.approx(401_808, abs=1))
    bmz = t[t.measure == "named (by date of death)"].iloc[0]
    assert bmz.value == 205_470  # BmzNow, same README


def test_bad_inputs_are_located(tmp_path):
    bad = _json(tmp_path, "mse.json", [{"estimate": 3.0}])
    with pytest.raises(InputError, match="needs 'method'") as e:
        compare("2022-01-01", "2022-12-31", mse=bad)
    assert e.value.file == "mse.json" and e.value.row == 1
    weekly = tmp_path / "weekly.csv"
    weekly.write_text('week,real\n"21.02.2022",437\n"28.02.2022",many\n')
    with pytest.raises(InputError) as e:
        compare("2022-01-01", "2022-12-31", named_weekly_file=weekly)
    assert (e.value.row, e.value.column, e.value.value) == (2, "real", "many")
    with pytest.raises(InputError, match="ends before"):
        compare("2022-12-31", "2022-01-01")


def test_cli_compare_json_and_chart(tmp_path):
    png = tmp_path / "c.png"
    r = CliRunner().invoke(app, ["compare", "--snapshots", str(SNAPSHOTS), "--from", "2023-01-01",
                                 "--to", "2023-06-30", "--chart", str(png), "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert {x["measure"] for x in rows} == {"named (by date of death)", "named, nowcast"}
    assert all(x["lower"] is None or not math.isnan(x["lower"]) for x in rows)
    assert png.read_bytes()[:4] == b"\x89PNG"
