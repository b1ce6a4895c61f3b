"""The regions, claims and ledger commands: files written, summaries printed, clean errors."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from uncounted.cli import app

from ..conftest import ROOT, shared_path

runner = CliRunner()
LIST = "ru/bbc_mediazona_fatalities_anonymised_2023-04-12.csv"
IND = "ru/region_indicators_bessudnov.csv"


def test_regions_command_writes_tables_and_charts(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["regions", str(shared_path(LIST)), "--out", str(out),
                            "--indicators", str(shared_path(IND))])
    assert r.exit_code == 0, r.output
    rates = pd.read_csv(out / "rates.csv")
    assert list(rates.columns[:6]) == ["iso_code", "deaths", "men", "per_100k", "lower", "upper"]
    assert rates.set_index("iso_code").loc["RU-TY", "per_100k"].round(1) == 248.7
    for name in ("districts", "subject_types", "unit_types", "concentration", "regression"):
        assert (out / f"{name}.csv").exists(), name
    assert (out / "lorenz.png").stat().st_size > 10_000
    assert (out / "rate_vs_poverty.png").stat().st_size > 10_000
    assert "Tuva" in r.stdout and "Gini" in r.stdout


def test_regions_unknown_region_exits_2(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("region\nTuva\nNarnia\n", encoding="utf-8")
    r = runner.invoke(app, ["regions", str(p), "--out", str(tmp_path / "o"),
                            "--indicators", str(shared_path(IND))])
    assert r.exit_code == 2
    assert "Narnia" in r.output and "row 2" in r.output and "list.csv" in r.output


def test_regions_without_indicators_exits_2(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("region\nTuva\n", encoding="utf-8")
    r = runner.invoke(app, ["regions", str(p), "--out", str(tmp_path / "o"),
                            "--indicators", str(tmp_path / "none.csv")])
    assert r.exit_code == 2 and "indicators file not found" in r.output


def test_claims_command_json(tmp_path):
    claims = ROOT / "src" / "uncounted" / "data" / "claims" / "russia_war_dead.yaml"
    r = runner.invoke(app, ["claims", str(claims), "--data", str(shared_path(LIST)),
                            "--indicators", str(shared_path(IND)), "--json",
                            "--out", str(tmp_path / "v.csv")])
    assert r.exit_code == 0, r.output
    verdicts = {v["id"]: v["verdict"] for v in json.loads(r.stdout)}
    assert verdicts == {"poor_regions_over_90pct": "depends on definition",
                        "pay_ten_times_local_wage": "depends on definition",
                        "capitals_spared": "supported"}
    assert len(pd.read_csv(tmp_path / "v.csv")) == 8 + 6 + 4


def test_claims_typo_exits_2(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("claims:\n  - id: x\n    statment: s\n", encoding="utf-8")
    r = runner.invoke(app, ["claims", str(p), "--data", str(p)])
    assert r.exit_code == 2 and "statment" in r.output and "Did you mean 'statement'" in r.output


def test_ledger_command(tmp_path):
    r = runner.invoke(app, ["ledger", "--measure", "named_confirmed",
                            "--plot", str(tmp_path / "l.png"), "--out", str(tmp_path / "l.csv")])
    assert r.exit_code == 0, r.output
    shown = pd.read_csv(tmp_path / "l.csv")
    assert set(shown["measure"]) == {"named_confirmed"}
    assert (tmp_path / "l.png").exists()
    r = runner.invoke(app, ["ledger", "--measure", "wounded"])
    assert r.exit_code == 2 and "wounded" in r.output


def test_regions_command_with_mse_on_a_small_persons_table(tmp_path):
    # hand-made: 3 persons on both lists, 3 on A only, 2 on B only, all in Tuva;
    # Chapman: (6 + 1)(5 + 1)/(3 + 1) - 1 = 9.5
    rows = ["A,1,p1", "B,1,p1", "A,2,p2", "B,2,p2", "A,3,p3", "B,3,p3", "A,4,p4", "A,5,p5",
            "A,6,p6", "B,7,p7", "B,8,p8"]
    p = tmp_path / "persons.csv"
    p.write_text("list,record_id,person_id,region\n" + "\n".join(r + ",RU-TY" for r in rows) + "\n",
                 encoding="utf-8")
    ind = tmp_path / "ind.csv"
    ind.write_text("iso_code,men_16_61_census2021\nRU-TY,100000\n", encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["regions", str(p), "--out", str(out), "--indicators", str(ind),
                            "--mse", "lincoln-petersen", "--no-plots"])
    assert r.exit_code == 0, r.output
    m = pd.read_csv(out / "mse_rates.csv").set_index("iso_code")
    assert m.loc["RU-TY", "observed"] == 8 and m.loc["RU-TY", "estimate"] == 9.5
    rates = pd.read_csv(out / "rates.csv").set_index("iso_code")
    assert rates.loc["RU-TY", "deaths"] == 8 and rates.loc["RU-TY", "per_100k"] == 8.0
