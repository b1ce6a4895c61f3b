"""The command line: output, JSON contract, and clean errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.mse import Estimate

from .conftest import DATA, ROOT

runner = CliRunner()
KOSOVO = str(DATA / "mse" / "lcmcr_kosovo_aggregate.csv")


def test_estimate_json_contract():
    r = runner.invoke(app, ["estimate", KOSOVO, "--method", "chao", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["method"] for x in rows] == ["chao"]
    row = rows[0]
    assert set(row) >= {"method", "model", "lists", "observed", "estimate", "interval", "level",
                        "stratum", "diagnostics"}
    assert row["observed"] == 4400 and row["lists"] == ["EXH", "ABA", "OSCE", "HRW"]
    assert Estimate.from_dict(row).to_dict() == row


def test_estimate_table_output():
    r = runner.invoke(app, ["estimate", KOSOVO, "--method", "chao"])
    assert r.exit_code == 0, r.output
    # the header starts with the table's path, so where Rich wraps it depends on where the
    # checkout lives: compare with line breaks and runs of spaces collapsed
    flat = " ".join(r.stdout.split())
    assert "4,400 observed on 4 lists (EXH 1,910, ABA 1" in flat and "chao" in r.stdout


def test_strata_rows_and_total():
    r = runner.invoke(app, ["estimate", str(DATA / "mse" / "conting_spina.csv"), "--strata", "eth",
                            "-m", "chao", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows[-1]["stratum"] == "total"
    strata = rows[:-1]
    assert {x["stratum"] for x in strata} == {"eth=afro-american", "eth=caucasian", "eth=other"}
    assert rows[-1]["observed"] == 621
    assert rows[-1]["estimate"] == sum(x["estimate"] for x in strata)


def test_bad_table_exits_2_without_traceback(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("A,B,count\n1,0,3\n2,1,4\n")
    out = subprocess.run([sys.executable, "-m", "uncounted", "estimate", str(p), "-m", "chao"],
                         capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"),
                                                                         "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "bad.csv" in out.stderr and "row 2" in out.stderr and "'A'" in out.stderr


def test_unknown_method():
    r = runner.invoke(app, ["estimate", KOSOVO, "--method", "magic"])
    assert r.exit_code == 2
    assert "unknown method 'magic'" in r.output


def test_version_prints_and_exits():
    from uncounted import __version__

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"uncounted {__version__}"


def test_estimate_status_column_and_flag_hints(tmp_path):
    from rich.console import Console

    from uncounted.commands.estimate import print_estimates
    from uncounted.mse import ChaoLowerBound, read_capture_table

    r = runner.invoke(app, ["estimate", str(DATA / "mse" / "sparsemse_artificial_3.csv"),
                            "-m", "chao"])
    assert r.exit_code == 0, r.output
    # the table as a wide terminal shows it (the CLI's console takes the terminal's width)
    wide = Console(record=True, width=250)
    chao = ChaoLowerBound().fit(read_capture_table(DATA / "mse" / "sparsemse_artificial_3.csv"))
    print_estimates([chao], wide, "t")
    flat = " ".join(wide.export_text().split())
    assert "status" in flat and "unreliable" in flat
    assert "only 6 of 96 people are on more than one list" in flat
    # the convergence hint names the flags of this command, not the Python parameters

    lcmcr = Estimate(method="lcmcr", model="latent classes", lists=("A", "B", "C"), observed=96,
                     estimate=120.0, lower=100.0, upper=150.0, diagnostics={"rhat": 1.44,
                                                                          "ess_bulk": 8})
    out = Console(record=True, width=250)
    print_estimates([lcmcr], out, "t")
    text = " ".join(out.export_text().split())
    assert "unreliable" in text and "R-hat 1.440 > 1.01" in text
    assert "raise --burn-in, --n-draws or --thin" in text and "burn_in" not in text
    js = runner.invoke(app, ["estimate", str(DATA / "mse" / "sparsemse_artificial_3.csv"), "-m",
                             "chao", "--json"])
    (row,) = json.loads(js.stdout)
    assert row["status"] == "unreliable"
    assert "too_few_recaptured" in [x["code"] for x in row["reasons"]]


def test_a_method_that_breaks_is_a_row_not_a_traceback(monkeypatch):
    from uncounted.mse.closed_form import ChaoLowerBound

    def broken(self, table):
        raise RuntimeError("kaput")

    monkeypatch.setattr(ChaoLowerBound, "_fit", broken)
    r = runner.invoke(app, ["estimate", KOSOVO, "-m", "chao,loglinear", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["status"] for x in rows] == ["not_estimable", "ok"]
    assert "RuntimeError: kaput" in rows[0]["reason"]
    assert rows[0]["reasons"][0]["code"] == "method_failed"


def test_bad_inputs_name_the_input(tmp_path):
    missing = runner.invoke(app, ["estimate", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "nope.csv" in missing.output
    binary = tmp_path / "table.csv"
    binary.write_bytes(b"\x00\xff\xfe garbage \x00")
    r = runner.invoke(app, ["estimate", str(binary)])
    assert r.exit_code == 2 and "table.csv" in r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)


def test_a_bad_setting_names_its_flag():
    r = runner.invoke(app, ["estimate", KOSOVO, "-m", "lcmcr", "--thin", "0"])
    assert r.exit_code == 2
    assert "thin=0 is not valid" in r.output and "(on the command line: --thin)" in r.output
