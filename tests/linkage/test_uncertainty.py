import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from uncounted.linkage.uncertainty import pool, sample_clusterings
from uncounted.mse.result import Estimate


def _est(n, se=0.05):
    z = stats.norm.ppf(0.975)
    return Estimate(method="chao", model="m", lists=("a", "b"), observed=90, estimate=n,
                    lower=n * math.exp(-z * se), upper=n * math.exp(z * se))


def test_pool_rubin_rules_on_log_scale():
    # logs of 100, 110, 121 are equally spaced by ln 1.1: between variance (ln 1.1)^2;
    # within variance 0.05^2; total W + (1 + 1/3) B; linkage share (4/3) B / total
    out = pool([_est(100), _est(110), _est(121)])
    b, w = math.log(1.1) ** 2, 0.05**2
    total = w + 4 / 3 * b
    assert out.estimate == pytest.approx(110 * (100 * 121 / 110**2) ** (1 / 3))
    assert out.diagnostics["between_variance_log"] == pytest.approx(b)
    assert out.diagnostics["within_variance_log"] == pytest.approx(w)
    assert out.diagnostics["linkage_share"] == pytest.approx(4 / 3 * b / total)
    dof = 2 * (1 + w / (4 / 3 * b)) ** 2
    q = stats.t.ppf(0.975, dof)
    assert out.upper == pytest.approx(out.estimate * math.exp(q * math.sqrt(total)))


def test_pool_without_between_variance_is_the_draw():
    out = pool([_est(100), _est(100)])
    assert out.estimate == pytest.approx(100) and out.diagnostics["linkage_share"] == 0
    assert out.lower == pytest.approx(_est(100).lower)


def test_sample_clusterings_respects_certain_edges_and_seed():
    uids = pd.Index(["a", "b", "c", "d"])
    left, right = np.array([0, 1, 2]), np.array([1, 2, 3])
    prob = np.array([1.0, 0.0, 0.5])
    decisions = pd.DataFrame({"uid_l": ["b"], "uid_r": ["c"], "decision": ["match"]})
    draws = list(sample_clusterings(uids, left, right, prob, draws=50, seed=4, decisions=decisions))
    for lab in draws:
        assert lab[0] == lab[1] == lab[2]          # p=1 edge and the decided match always in
    joined_d = np.mean([lab[2] == lab[3] for lab in draws])
    assert 0.3 < joined_d < 0.7                    # p=0.5 over 50 draws: +-0.2 is 2.8 binomial sd
    again = list(sample_clusterings(uids, left, right, prob, draws=50, seed=4, decisions=decisions))
    assert all((x == y).all() for x, y in zip(draws, again, strict=True))
