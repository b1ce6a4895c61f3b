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
