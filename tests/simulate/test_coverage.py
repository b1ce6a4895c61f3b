"""Coverage studies and the simulate/coverage commands."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.simulate import simulate_capture_table
from uncounted.simulate.coverage import replicate_seed, run_coverage

runner = CliRunner()


def test_lincoln_petersen_covers_on_independent_lists():
    # Chapman's estimator is nearly unbiased and its log-normal 95% interval should cover N = 5,000
    # about 95% of the time when its assumptions hold. 200 replicates: Monte Carlo s.e. of the
    # coverage is sqrt(0.95 * 0.05 / 200) = 1.5 points, so 0.90-0.99 is about +-3 s.e.; the relative
    # bias of Chapman's form at n1 ~ 1,500, n2 ~ 1,250 is well under 1%, its s.e. here ~0.25%.
    res = run_coverage("independent", "lincoln-petersen", 200, seed=3, jobs=1, lists=2)
    s = res.summary()
    assert s["not_estimable"] == 0 and s["truth"] == 5000
    assert 0.90 <= s["coverage"] <= 0.99
    assert abs(s["relative_bias"]) < 0.01
    # the rows are the replicates' own tables
    first = res.rows.iloc[0]
    table = simulate_capture_table(seed=int(first["seed"]), scenario="independent", lists=2)
    assert first["observed"] == table.observed and first["seed"] == replicate_seed(3, 0)


def test_heterogeneity_biases_independence_estimates_down():
    # the hard-to-reach class makes lists positively dependent: Chapman must fall short of N
    s = run_coverage("heterogeneous", "lincoln-petersen", 50, seed=1, jobs=1, lists=2).summary()
    assert s["relative_bias"] < -0.10 and s["coverage"] < 0.2


def test_results_do_not_depend_on_jobs():
    a = run_coverage("heterogeneous", "chao", 12, seed=5, jobs=1).rows
    b = run_coverage("heterogeneous", "chao", 12, seed=5, jobs=2).rows
    pd.testing.assert_frame_equal(a, b)


def test_not_estimable_rows_are_counted():
    s = run_coverage("independent", "lincoln-petersen", 3, seed=1, jobs=1).summary()  # 4 lists
    assert s["not_estimable"] == 3


def test_cli_coverage_json():
    r = runner.invoke(app, ["coverage", "--scenario", "independent", "-m", "chao", "-r", "20",
                            "--jobs", "1", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["method"] == "chao" and s["replicates"] == 20 and 0 <= s["coverage"] <= 1


def test_cli_coverage_unknown_method():
    r = runner.invoke(app, ["coverage", "--scenario", "independent", "-m", "magic", "-r", "2"])
    assert r.exit_code == 2 and "unknown method 'magic'" in r.output


def test_cli_simulate_files_and_table(tmp_path):
    r = runner.invoke(app, ["simulate", str(tmp_path / "out"), "--population", "300", "--lists", "3",
                            "--seed", "2"])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["mediazona.csv", "obituaries.csv", "population.csv", "scenario.json", "truth.csv",
                     "ua_intel.csv"]
    r = runner.invoke(app, ["simulate", str(tmp_path / "t.csv"), "-n", "300", "-k", "3", "--seed", "2",
                            "--capture-table-only"])
    assert r.exit_code == 0, r.output
    from uncounted.mse import read_capture_table

    assert read_capture_table(tmp_path / "t.csv") == simulate_capture_table(300, 3, seed=2)


@pytest.mark.parametrize("args, words", [
    (["--scenario", "nope"], "not found"),
    (["--lists", "1"], "at least 2"),
])
def test_cli_simulate_bad_input_exits_2(tmp_path, args, words):
    r = runner.invoke(app, ["simulate", str(tmp_path), "-n", "10", *args])
    assert r.exit_code == 2 and words in r.output, r.output


def test_reasons_of_not_estimable_rows_are_summarised():
    s = run_coverage("independent", "lincoln-petersen", 2, seed=1, jobs=1).summary()
    (reason, count), = s["reasons"].items()
    assert count == 2 and "exactly two lists" in reason
