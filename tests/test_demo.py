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
    flat = " ".join(r.output.split())
    # the control scenario: independent, homogeneous lists (N 1,500, seed 3: loglinear 1,441,
    # 1,379-1,509; chao 1,435), where both methods are right about the truth
    assert "Control: the same methods on scenario 'independent' (1,500 people" in flat
    assert "Here 2 of 2 methods are right about the truth" in flat
    assert 'simulated = true' in (out / "project" / "uncounted.toml").read_text()
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
    # linkage's missed joins are small against the interval: no missed_links alarm on the demo
    assert "missed_links" not in [r.code for r in est.reasons]
    assert res.true_observed <= res.true_population
    # what the demo estimated is saved for the review UI's Estimates page (it said "None stored")
    from uncounted.project import Project

    with Project.open(res.project_dir).store(read_only=True) as store:
        saved = store.estimates.latest()
    assert saved["run_id"] is not None
    assert [(r["method"], r["estimate"]) for r in saved["rows"]] == [(est.method, est.estimate)]
    # the demo refuses to overwrite without --force
    again = CliRunner().invoke(app, ["demo", str(out), "--population", "1500", "--no-report"])
    assert again.exit_code == 2 and "--force" in again.output


def test_explanation_names_the_broken_assumptions_and_a_bound_that_holds():
    from pathlib import Path

    from uncounted.commands.demo import explain
    from uncounted.demo import DemoResult, PairQuality, holds
    from uncounted.mse import Estimate

    def est(method, e, lo, hi):
        return Estimate(method=method, model=None, lists=("a", "b"), observed=3500, estimate=e,
                        lower=lo, upper=hi)

    rows = [est("loglinear", 4715, 4583, 4855), est("chao", 4551, 4435, 4683)]
    res = DemoResult(Path("."), Path("."), None, true_population=5000, true_observed=3541,
                     linked_observed=3541, quality=PairQuality(1, 1, 1), estimates=rows,
                     true_table_estimates=rows)
    # a lower bound below the truth is right, though its interval does not cover the truth
    assert holds(rows[1], 5000) and not holds(rows[0], 5000)
    assert res.misses() == ["loglinear"]
    text = " ".join(explain(res))
    assert "Why the estimates of loglinear miss the truth" in text and "Dependent lists" in text
    assert "Heterogeneity: 30%" in text and "linkage is not the cause" in text
    res.estimates = [est("loglinear", 5010, 4900, 5100)]
    assert explain(res) == []
