"""Imputation replicates combined as verdata's ``combine_estimates`` (Rubin's rules on log n0)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import t as student_t
from typer.testing import CliRunner

from uncounted.exceptions import InputError
from uncounted.mse import CaptureTable, Estimate
from uncounted.mse.api import estimate
from uncounted.mse.replicates import combine_estimates, combine_replicates, estimate_replicates

N_PEOPLE = 1200
PROBS = (0.35, 0.3, 0.25)  # independent lists: log-linear independence is the true model


def _people(seed=7):
    """A population of 1,200 with a true stratum and independent captures on three lists."""
    rng = np.random.default_rng(seed)
    stratum = rng.choice(["a", "b"], size=N_PEOPLE, p=[0.4, 0.6])
    caught = rng.random((N_PEOPLE, 3)) < np.array(PROBS)
    seen = caught.any(axis=1)
    return stratum[seen], caught[seen].astype(int)


def _replicates(m, seed=11, share=0.5):
    """``m`` replicate tables: half the observed people have their stratum label re-drawn (the
    'imputed' labels), each replicate with its own draw from a fixed seed. As in a proper
    multiple imputation, each replicate first draws its own share of 'a' (uniform on 0.2-0.6,
    the imputation model's uncertainty), then the labels."""
    import pandas as pd

    stratum, caught = _people()
    rng = np.random.default_rng(seed)
    missing = rng.random(stratum.size) < share
    frames = []
    for _ in range(m):
        s = stratum.copy()
        p_a = rng.uniform(0.2, 0.6)
        s[missing] = rng.choice(["a", "b"], size=missing.sum(), p=[p_a, 1 - p_a])
        frames.append(pd.DataFrame({"s": s, "A": caught[:, 0], "B": caught[:, 1],
                                    "C": caught[:, 2]}))
    return [CaptureTable.from_frame(f, strata="s") for f in frames]


OPTS = {"interval": "bootstrap", "n_draws": 400, "selection": "bic", "max_order": 1}


def test_combined_draws_are_the_pooled_draws_and_the_interval_widens():
    tables = _replicates(5)
    runs = [estimate(t, "loglinear", **OPTS) for t in tables]
    rows = combine_replicates(runs)
    assert sorted(r.stratum for r in rows) == ["s=a", "s=b", "total"]
    for row in rows:
        reps = [next(r for r in run if r.stratum == row.stratum) for run in runs]
        # the combined draws are every replicate's draws, one replicate per row
        np.testing.assert_array_equal(row.draws, np.vstack([r.flat_draws for r in reps]))
        assert row.draws_kind == "bootstrap"
        # the point: mean observed plus the mean over replicates of each one's mean n0 (verdata)
        obs = np.mean([r.observed for r in reps])
        n0 = np.mean([np.mean(r.flat_draws - r.observed) for r in reps])
        assert row.estimate == pytest.approx(obs + n0, rel=1e-12)
        assert row.observed == round(obs)
        widths = [r.upper - r.lower for r in reps]
        if row.stratum == "total":
            continue
        # imputation adds between-replicate variance: the combined interval is wider than any
        # one replicate's. The re-drawn labels move a stratum's observed count by about 45 people
        # (sd), so B (about 0.015-0.04 on the log scale) is as large as W: the combined width is
        # about 1.4-2x a replicate's, far beyond the bootstrap noise in the widths (about 10%).
        assert row.upper - row.lower > 1.3 * max(widths), (row.stratum, row.interval, widths)
    # every replicate has the same total table (labels do not change who is counted), so the
    # total varies only by the bootstrap streams: B is ~0 and the total stays near the truth
    total = rows[-1]
    assert total.stratum == "total" and total.lower < N_PEOPLE < total.upper
    assert total.diagnostics["between_variance_log"] < 0.01 * total.diagnostics["within_variance_log"]
    # the total's labels do not move: every replicate has the same total table, so the draws
    # differ only by the bootstrap seeds' streams, and the total stays near the truth 1,200
    assert rows[-1].stratum == "total" and rows[-1].lower < N_PEOPLE < rows[2].upper
    # fewer than 10 replicates: a caution, as verdata warns
    assert "few_replicates" in [r.code for r in rows[0].reasons] and rows[0].status == "caution"


def _est(obs, n0_draws, stratum="a", **kw):
    d = obs + np.asarray(n0_draws, dtype=float)
    return Estimate(method="m", model="x", lists=("A", "B", "C"), observed=obs,
                    estimate=float(np.median(d)), lower=float(d.min()), upper=float(d.max()),
                    stratum=stratum, seed=1, draws=d, draws_kind="posterior", input_hash="0a", **kw)


def test_rubins_rules_by_hand():
    # log n0 draws {0, 2} and {2, 4}: replicate means 1 and 3, within variances 2 and 2 (n-1)
    # so W = 2, B = 2, m = 2: total variance 2 + 1.5 * 2 = 5, df = (1 + 2/3)**2 = 25/9
    e1 = _est(100, np.exp([0.0, 2.0]))
    e2 = _est(110, np.exp([2.0, 4.0]))
    row = combine_estimates([e1, e2])
    q = student_t.ppf(0.975, 25 / 9)
    assert row.observed == 105
    assert row.diagnostics["within_variance_log"] == pytest.approx(2.0)
    assert row.diagnostics["between_variance_log"] == pytest.approx(2.0)
    assert row.diagnostics["df"] == pytest.approx(25 / 9)
    assert row.upper == pytest.approx(105 + math.exp(2 + q * math.sqrt(5)))
    assert row.lower == pytest.approx(max(105 + math.exp(2 - q * math.sqrt(5)), 105))
    mean_n0 = (np.mean(np.exp([0.0, 2.0])) + np.mean(np.exp([2.0, 4.0]))) / 2
    assert row.estimate == pytest.approx(105 + mean_n0)


def test_unequal_draw_counts_are_resampled_and_said():
    e1 = _est(100, np.arange(1.0, 41.0))
    e2 = _est(100, np.arange(1.0, 11.0))
    row = combine_estimates([e1, e2], seed=3)
    assert row.draws.shape == (2, 40)
    np.testing.assert_array_equal(row.draws[0], e1.flat_draws)
    assert set(row.draws[1]) <= set(e2.flat_draws)
    assert [r.code for r in row.reasons][:1] == ["replicates_resampled"]
    np.testing.assert_array_equal(combine_estimates([e1, e2], seed=3).draws, row.draws)


def test_not_estimable_in_one_replicate_is_not_estimable():
    tab = _replicates(1)[0].collapse()
    bad = Estimate.not_estimable("m", tab, "too few lists", code="too_few_lists", stratum="a")
    row = combine_estimates([_est(100, [5.0, 6.0]), bad], names=["R1", "R2"])
    assert not row.estimable and row.status == "not_estimable"
    assert row.reasons[0].code == "replicate_not_estimable" and "R2" in row.reason


def test_missing_stratum_and_unreliable_replicate_are_named():
    from uncounted.mse.status import Reason

    shaky = _est(100, [5.0, 9.0], reasons=(Reason("not_converged", "R-hat 1.3"),))
    runs = [[_est(100, [4.0, 6.0]), _est(50, [1.0, 2.0], stratum="b")],
            [shaky], [_est(100, [5.0, 7.0])]]
    rows = combine_replicates(runs)
    a, b = rows
    assert a.status == "unreliable" and "replicate_unreliable" in [r.code for r in a.reasons]
    assert "R2" in next(r.message for r in a.reasons if r.code == "replicate_unreliable")
    # stratum b exists in one replicate only: cannot be combined
    assert b is not None and not b.estimable and "at least 2" in b.reason


def test_no_draws_uses_the_intervals_and_says_so():
    tables = _replicates(3)
    runs = [estimate(t, "chao") for t in tables]
    rows = combine_replicates(runs)
    assert all(r.draws is None for r in rows)
    codes = [r.code for r in rows[0].reasons]
    assert "replicates_without_draws" in codes and rows[0].status == "caution"
    reps = [next(r for r in run if r.stratum == rows[0].stratum) for run in runs]
    assert rows[0].estimate == pytest.approx(np.mean([r.estimate for r in reps]))


def test_one_replicate_is_an_input_error():
    with pytest.raises(InputError, match="at least 2"):
        estimate_replicates(_replicates(1), "chao")


def test_cli_replicates_glob(tmp_path):
    from uncounted.cli import app

    for i, t in enumerate(_replicates(3), start=1):
        t.to_csv(tmp_path / f"R{i}.csv")
    r = CliRunner().invoke(app, ["estimate", str(tmp_path / "R1.csv"), "--replicates",
                                 str(tmp_path / "R*.csv"), "--strata", "s", "-m", "chao",
                                 "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert sorted(x["stratum"] for x in rows) == ["s=a", "s=b", "total"]
    assert rows[0]["diagnostics"]["replicates"] == 3  # R1 once, although the glob matches it too
