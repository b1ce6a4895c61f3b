"""Listing commands print through the one table printer: piped into a 40-column pipe (CliRunner's
output is not a terminal, as with `| cat`), nothing is cut, and csv/json carry raw values."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from uncounted.cli import app

runner = CliRunner()
NARROW = {"UNCOUNTED_LANG": "en", "COLUMNS": "40"}


def _whole(output: str, *values: str) -> None:
    """Every value appears on one line, and no cell was cut with an ellipsis."""
    lines = output.splitlines()
    for value in values:
        assert any(value in line for line in lines), (value, output)
    assert "…" not in output


def test_simulate_lists_table_csv_and_json(tmp_path):
    r = runner.invoke(app, ["simulate", str(tmp_path / "s"), "-n", "300"], env=NARROW)
    assert r.exit_code == 0, r.output
    _whole(r.stdout, "mediazona", "obituaries", "ua_intel", "memorial_en", "memorial_en.xlsx",
           "obituaries.csv")
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        app, ["simulate", str(tmp_path / "s"), "-n", "300", "--format", "csv"], env=NARROW).stdout)))
    assert [r["list"] for r in rows] == ["mediazona", "obituaries", "ua_intel", "memorial_en"]
    # the truth file says how many records each list holds: the table's numbers are its counts
    import pandas as pd

    truth = pd.read_csv(tmp_path / "s" / "truth.csv")
    assert {r["list"]: int(r["records"]) for r in rows} == truth["list"].value_counts().to_dict()
    data = json.loads(runner.invoke(app, ["simulate", str(tmp_path / "s"), "-n", "300",
                                          "--format", "json"], env=NARROW).stdout)
    assert [d["persons"] for d in data] == [int(r["persons"]) for r in rows]
    ru = runner.invoke(app, ["--lang", "ru", "simulate", str(tmp_path / "s"), "-n", "300"],
                       env=NARROW)
    _whole(ru.stdout, "список", "записи", "memorial_en.xlsx")


def test_coverage_summary_table_and_csv():
    args = ["coverage", "--scenario", "independent", "-m", "chao", "-r", "3", "-j", "1",
            "-n", "800"]
    r = runner.invoke(app, args, env=NARROW)
    assert r.exit_code == 0, r.output
    _whole(r.stdout, "mean |relative error|", "coverage of 95% intervals",
           "coverage where status is ok")
    rows = {row["measure"]: row for row in csv.DictReader(io.StringIO(
        runner.invoke(app, [*args, "--format", "csv"], env=NARROW).stdout))}
    summary = json.loads(runner.invoke(app, [*args, "--json"], env=NARROW).stdout)
    # the same seeded study: csv carries the summary's raw numbers, unrounded
    for key in ("mean_estimate", "bias", "relative_rmse", "coverage"):
        assert float(rows[key]["value"]) == pytest.approx(summary[key], rel=1e-12)
    ru = runner.invoke(app, ["--lang", "ru", *args], env=NARROW)
    _whole(ru.stdout, "смещение", "средняя оценка")


def test_review_pair_table_piped(tmp_path):
    pytest.importorskip("duckdb")
    from .project_fixture import XSS, make_project

    make_project(tmp_path / "p")
    r = runner.invoke(app, ["review", str(tmp_path / "p"), "--band", "0.0,1.0"],
                      input="s\n" * 40, env=NARROW)
    assert r.exit_code == 0, r.output
    # record values and the record ids heading the columns, whole; the hostile surname escaped
    _whole(r.stdout, "pair 1 of", XSS, "RU-MOS")
    assert r.stdout.count("match probability") >= 5


def test_link_field_profile_piped(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    from rich.console import Console

    from uncounted import _console
    from uncounted.commands.link import print_profile
    from uncounted.linkage.profile import field_profile

    from .project_fixture import make_project

    project = make_project(tmp_path / "p")
    buf = io.StringIO()
    monkeypatch.setattr(_console, "console", Console(file=buf, width=40, color_system=None))
    with project.store(read_only=True) as store:
        profiles = field_profile(store)
    print_profile(profiles)
    text = buf.getvalue()
    _whole(text, "What each list brings to linkage")
    header = next(line for line in text.splitlines() if "records" in line and "list" in line
                  and "share" not in line)
    assert "surname" in header and "birth date" in header    # one table, as wide as it needs
    # each list's row: its name and its record count (10+5+4+2 = 21 on A), never cut
    counts = {p.list_name: p.n for p in profiles}
    assert counts == {"A": 21, "B": 18, "C": 15}
    for name, n in counts.items():
        assert any(f" {name} " in line and f" {n} " in line for line in text.splitlines())
