"""Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018,
arXiv:1804.06788) of the two Bayesian estimators on small problems.

Draw the truth from the prior, data from the model, fit, and take the rank of the true value
among L posterior draws. When the sampler (or the exact computation) targets the right posterior,
the rank is uniform on 0..L whatever the prior draw; a bias shows as a slope, too narrow or too
wide a posterior as a U or a hump. Each test bins the ranks into 10 equal bins and applies a
chi-square test of uniformity (9 degrees of freedom) at level 0.001, with fixed seeds: the
statistic is deterministic, and a correct sampler fails with chance 1 in 1,000 over seeds.

lcmcr's prior on N is the improper 1/N, so its SBC conditions on the number observed ``n``: with
that prior the posterior of the parameters is prior times the conditional multinomial of the
observed patterns given ``n`` (what the HMC move targets), and the unobserved count given the
parameters is negative binomial with size ``n`` and probability ``1 - P0``. The generative
model is therefore: parameters from the prior; ``n`` patterns from the conditional multinomial;
the true unobserved count from that negative binomial. Its joint is the posterior's, so the
rank of the true N among the sampler's draws of N is uniform.

dga's exact posterior takes any prior on N, so its SBC uses a proper one (uniform on 20..150,
given as a callable) with graphs drawn uniformly and cell probabilities from the hyper-Dirichlet
prior of the graph, drawn clique by clique along a perfect ordering.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy import stats

from uncounted.exceptions import ConvergenceWarning
from uncounted.mse import CaptureTable

pytestmark = pytest.mark.slow

BINS = 10
LEVEL = 0.001


def _rank(truth: float, draws: np.ndarray, rng) -> int:
    """Rank of ``truth`` among ``draws`` with ties broken at random (N is an integer)."""
    below = int((draws < truth).sum())
    ties = int((draws == truth).sum())
    return below + int(rng.integers(0, ties + 1))


def _uniformity_p(ranks: np.ndarray, n_draws: int) -> float:
    counts = np.bincount(ranks * BINS // (n_draws + 1), minlength=BINS)
    return float(stats.chisquare(counts).pvalue)


def _table(bits: np.ndarray, counts: np.ndarray, k: int) -> CaptureTable:
    full = np.zeros(2**k, dtype=np.int64)
    full[bits @ (1 << np.arange(k))] = counts
    return CaptureTable.from_counts(full.tolist(), [f"L{j + 1}" for j in range(k)])


def _every_list_caught(bits, counts) -> bool:
    """Replicates where a list caught nobody are drawn again: a condition on the data alone,
    which leaves the rank of the truth uniform (the posterior given the data is unchanged)."""
    return bool(((bits * counts[:, None]).sum(0) > 0).all())


PATTERNS3 = np.array(list(itertools.product([0, 1], repeat=3)))[1:]  # the 7 observable patterns


def _lcmcr_replicate(rng, n_obs=40, k_classes=3):
    """Parameters from the LCMCR prior (a = b = 0.25), n_obs observed people, true N."""
    alpha = rng.gamma(0.25, 1 / 0.25)
    v = rng.beta(1.0, max(alpha, 1e-300), size=k_classes - 1)
    pi = np.append(v, 1.0) * np.concatenate([[1.0], np.cumprod(1 - v)])
    lam = rng.uniform(size=(k_classes, 3))
    cell = (pi[:, None] * np.prod(np.where(PATTERNS3[None] == 1, lam[:, None], 1 - lam[:, None]),
                                  axis=2)).sum(0)
    p0 = float((pi * np.prod(1 - lam, axis=1)).sum())
    counts = rng.multinomial(n_obs, cell / cell.sum())
    if not _every_list_caught(PATTERNS3, counts):
        return _lcmcr_replicate(rng, n_obs, k_classes)
    n0 = rng.negative_binomial(n_obs, 1 - p0) if p0 > 0 else 0
    return counts, n_obs + n0


def test_lcmcr_sbc_ranks_of_n_are_uniform():
    # 200 replicates x 99 draws of N, thinned from 2 chains x 500 draws (every 4 iterations,
    # after 500 of burn-in) with the default moves: one kept draw per ~40 iterations, where N
    # needs ~10 per effective draw, so nearly independent. K = 3 so the split-merge move acts.
    from uncounted.mse.lcmcr import LatentClass

    rng = np.random.default_rng(20260401)
    reps, keep = 200, 99
    ranks = []
    for r in range(reps):
        counts, n_true = _lcmcr_replicate(rng)
        tab = _table(PATTERNS3, counts, 3)
        est = LatentClass(max_classes=3, seed=1000 + r, chains=2, burn_in=500, n_draws=500,
                          thin=4, target_ess=0, workers=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            draws = est.fit(tab).draws.ravel()
        pick = draws[np.linspace(0, draws.size - 1, keep).round().astype(int)]
        ranks.append(_rank(n_true, pick, rng))
    p = _uniformity_p(np.array(ranks), keep)
    assert p > LEVEL, (p, np.bincount(np.array(ranks) * BINS // (keep + 1), minlength=BINS))


def _hyper_dirichlet(rng, cliques, seps, k, delta):
    """Cell probabilities of the full ``2**k`` table from the hyper-Dirichlet prior of a
    decomposable graph (prior count ``delta`` per full cell, ``delta 2**(k - |C|)`` per cell of
    clique ``C``): the first clique's table, then each next clique's table given its separator,
    one Dirichlet per separator value; the joint is the product of these (Dawid & Lauritzen
    1993, as used by Madigan & York 1997)."""
    cells = np.arange(2**k)
    p = np.ones(2**k)
    for i, c in enumerate(cliques):
        s = seps[i - 1] if i else 0
        a = delta * 2 ** (k - c.bit_count())
        configs = [y for y in range(2**k) if y & ~c == 0]
        cond = np.zeros(2**k)
        for sv in sorted({y & s for y in configs}):
            group = [y for y in configs if y & s == sv]
            cond[group] = rng.dirichlet(np.full(len(group), a))
        p *= cond[cells & c]
    return p


def test_dga_sbc_ranks_of_n_are_uniform():
    # 3 lists (all 8 graphs decomposable), graph uniform, N uniform on 20..150 (the same prior
    # given to dga as a callable), the default prior count 2**-3 per cell. 300 replicates, 99
    # posterior draws each.
    from uncounted.mse.dga import GraphAveraging, decomposable_graphs

    k, delta, lo, hi = 3, 2.0**-3, 20, 150
    graphs = decomposable_graphs(k)
    bits = np.array([[(m >> j) & 1 for j in range(k)] for m in range(1, 2**k)])
    rng = np.random.default_rng(20260402)

    def prior_n(n):
        return np.where((n >= lo) & (n <= hi), 0.0, -1e10)

    ranks, keep = [], 99
    while len(ranks) < 300:
        cl, sep, _ = graphs[rng.integers(len(graphs))]
        p = _hyper_dirichlet(rng, cl, sep, k, delta)
        n_true = int(rng.integers(lo, hi + 1))
        counts = rng.multinomial(n_true, p / p.sum())[1:]
        if not _every_list_caught(bits, counts):
            continue
        est = GraphAveraging(prior_n=prior_n, n_max=hi + 1, seed=len(ranks) + 1, n_draws=keep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            draws = est.fit(_table(bits, counts, k)).draws.ravel()
        ranks.append(_rank(n_true, draws, rng))
    p = _uniformity_p(np.array(ranks), keep)
    assert p > LEVEL, (p, np.bincount(np.array(ranks) * BINS // (keep + 1), minlength=BINS))
