"""The demo pipeline: simulate, import, link, estimate, report — checked against the known truth."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.demo import pair_quality


def test_pair_quality_by_hand():
    # truth: {a,b,c} one person, {d} another; found: {a,b}, {c,d}
    # true pairs: ab ac bc = 3; found pairs: ab, cd = 2; correct: ab = 1
    truth = pd.Series({"a": 1, "b": 1, "c": 1, "d": 2})
    found = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    q = pair_quality(found, truth)
    assert (q.true_pairs, q.found_pairs, q.correct_pairs) == (3, 2, 1)
    assert q.precision == 0.5 and q.recall == pytest.approx(1 / 3)


def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", str(out), "--population", "1500", "--seed", "3",
                                 "-m", "loglinear", "-m", "chao"])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "capture_table.csv").exists() and (out / "lists" / "truth.csv").exists()
    from uncounted.demo import run_demo

    # the same run from Python, without the report, to check numbers against the truth
    res = run_demo(tmp_path / "again", population=1500, seed=3, methods=["loglinear"], report=False,
                   progress=False)
    # linkage on the simulator's default scenario: the issue asks >= 0.98 at 20,000 people; at 1,500
    # people the pair counts are small, so allow 0.95 (a handful of pairs)
    assert res.quality.precision >= 0.95 and res.quality.recall >= 0.95
    est = res.estimates[0]
    # the linked-table estimate within 5% of the estimate from the true histories (3% is the issue's
    # bar at 20,000 people; small samples move more)
    assert est.estimate == pytest.approx(res.true_table_estimates[0].estimate, rel=0.05)
    assert res.true_observed <= res.true_population
    # the demo refuses to overwrite without --force
    again = CliRunner().invoke(app, ["demo", str(out), "--population", "1500", "--no-report"])
    assert again.exit_code == 2 and "--force" in again.output
