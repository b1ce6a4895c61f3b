"""R-hat and ESS (Vehtari et al. 2021) on draws whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.mse.diagnostics import ess_bulk, ess_tail, rhat, summarise_chains


def _ar1(rng, rho, chains, n):
    x = np.empty((chains, n))
    x[:, 0] = rng.standard_normal(chains) / np.sqrt(1 - rho**2)
    eps = rng.standard_normal((chains, n))
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + eps[:, t]
    return x


def test_iid_draws_have_rhat_one_and_ess_near_n():
    x = np.random.default_rng(1).standard_normal((4, 2000))
    assert rhat(x) == pytest.approx(1.0, abs=0.01)
    # ESS of 8,000 iid draws: the estimate's sampling spread is a few percent
    assert ess_bulk(x) == pytest.approx(8000, rel=0.1)
    assert ess_tail(x) == pytest.approx(8000, rel=0.15)


def test_ar1_ess_matches_the_integrated_autocorrelation_time():
    # AR(1) with rho = 0.8: tau = (1 + rho) / (1 - rho) = 9, so ESS ~ 4 * 5000 / 9 = 2222
    x = _ar1(np.random.default_rng(2), 0.8, 4, 5000)
    assert ess_bulk(x) == pytest.approx(4 * 5000 / 9, rel=0.15)


def test_chains_in_different_places_give_large_rhat():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 1000)) + np.array([[0.0], [0.0], [0.0], [2.0]])
    assert rhat(x) > 1.1
    # a chain that drifts (a trend) is caught by splitting it in halves
    drift = rng.standard_normal((1, 2000)) + np.linspace(0, 3, 2000)
    assert rhat(drift) > 1.1


def test_constant_draws_give_nan_not_an_error():
    out = summarise_chains(np.ones((2, 50)))
    assert all(np.isnan(v) for v in out.values())
