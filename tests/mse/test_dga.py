"""GraphAveraging (dga): exact Bayesian model averaging over decomposable graphs.

Oracles, with their R calls, package versions and tolerances, in
:mod:`tests.mse.results.results_r`: Madigan & York (1997)'s spina bifida example as checked by R
dga's own test, and R dga 2.0.2 ``bma.cr`` with delta = 2^-J and dga's default prior on N.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from uncounted.exceptions import InputError, NotEstimableError
from uncounted.mse import CaptureTable
from uncounted.mse.dga import GraphAveraging, decomposable_graphs, graph_posterior

from .results.results_r import DGA_DEFAULT_PRIOR, MADIGAN_YORK


def test_graph_counts_are_the_labelled_chordal_graphs():
    # OEIS A058862: labelled chordal graphs on n nodes: 1, 2, 8, 61, 822
    assert [len(decomposable_graphs(k)) for k in (2, 3, 4, 5)] == [2, 8, 61, 822]


def test_cliques_and_separators_of_a_chain_and_a_cycle():
    graphs = {g[2]: g for g in decomposable_graphs(4)}
    chain = graphs[((0, 1), (1, 2), (2, 3))]
    assert sorted(chain[0]) == [0b0011, 0b0110, 0b1100]
    assert sorted(chain[1]) == [0b0010, 0b0100]
    # the 4-cycle without a chord is not decomposable
    assert ((0, 1), (0, 3), (1, 2), (2, 3)) not in graphs
    empty = graphs[()]
    assert sorted(empty[0]) == [1, 2, 4, 8] and all(s == 0 for s in empty[1])


def _dirmult(table_counts, alpha):
    """Log Dirichlet-multinomial marginal likelihood, written out directly."""
    c = np.asarray(table_counts, float)
    return (gammaln(alpha * c.size) - gammaln(c.sum() + alpha * c.size)
            + np.sum(gammaln(c + alpha) - gammaln(alpha)))


def test_joint_posterior_matches_a_direct_hyper_dirichlet_computation():
    # 3 lists, delta = 0.5: compare graph [0-1, 2] with the complete graph at two missing counts,
    # computed cell by cell from the clique/separator factorisation (Dawid & Lauritzen 1993).
    counts = np.array([0, 20, 15, 6, 11, 4, 5, 3])
    delta, k = 0.5, 3
    missing = np.array([10.0, 40.0])
    w = graph_posterior(counts, k, delta, missing, np.zeros(2))
    graphs = decomposable_graphs(k)
    i_pair = [g[2] for g in graphs].index(((0, 1),))
    i_full = [g[2] for g in graphs].index(((0, 1), (0, 2), (1, 2)))

    def direct(graph, m):
        full = counts.astype(float).copy()
        full[0] = m
        if graph == "full":
            lml = _dirmult(full, delta)
        else:  # cliques {0,1} and {2}, empty separator
            m01 = np.bincount(np.arange(8) & 0b011, weights=full, minlength=8)[[0, 1, 2, 3]]
            m2 = np.bincount(np.arange(8) & 0b100, weights=full, minlength=8)[[0, 4]]
            lml = _dirmult(m01, delta * 2) + _dirmult(m2, delta * 4)
        n = full.sum()
        return lml + gammaln(n + 1) - gammaln(full + 1).sum()

    lp = {(g, j): direct(g, m) for g in ("pair", "full") for j, m in enumerate(missing)}
    assert np.log(w[i_pair, 0] / w[i_full, 1]) == pytest.approx(lp["pair", 0] - lp["full", 1], abs=1e-9)
    assert np.log(w[i_full, 0] / w[i_pair, 1]) == pytest.approx(lp["full", 0] - lp["pair", 1], abs=1e-9)


def test_spina_bifida_madigan_york_informative_prior(mse_table):
    # dga's test expresses M&Y's prior as a log prior over N = Nmissing + n, Nmissing = 1:300:
    # N log b - (N + a) log(1 + b) + lgamma(N + a) - lgamma(N + 1) - lgamma(a)
    ref = MADIGAN_YORK
    table = mse_table(ref["dataset"])
    a, b = ref["a"], ref["b"]

    def negbin(n):
        return n * np.log(b) - (n + a) * np.log1p(b) + gammaln(n + a) - gammaln(n + 1) - gammaln(a)

    est = GraphAveraging(prior_delta=1, prior_n=negbin,
                         n_max=table.observed + ref["missing_max"]).fit(table)
    assert est.estimate == ref["estimate"]
    assert est.diagnostics["posterior_mode"] == ref["mode"]
    top = est.diagnostics["top_models"][0]
    assert round(top["weight"], 2) == ref["top_weight"]
    assert est.method == "dga" and est.lower < ref["mode"] < est.upper
    assert est.results.top(1)[0] == (top["model"], top["weight"])


@pytest.mark.parametrize("ref", DGA_DEFAULT_PRIOR, ids=lambda r: r.id)
def test_matches_r_dga_default_prior(mse_table, ref):
    est = GraphAveraging(**ref.settings).fit(mse_table(ref.dataset))
    assert est.estimate == ref.point_tol.approx(ref.estimate)
    assert est.lower == ref.interval_tol.approx(ref.lower)
    assert est.upper == ref.interval_tol.approx(ref.upper)
    assert est.draws.shape == (1, 10_000) and est.draws_kind == "posterior"
    assert est.results.posterior_n.sum() == pytest.approx(1.0)


def test_uniform_prior_shifts_up_and_callable_must_match_shape(mse_table):
    table = mse_table("lcmcr_kosovo_aggregate")
    jeff = GraphAveraging().fit(table)
    unif = GraphAveraging(prior_n="uniform").fit(table)
    assert unif.estimate > jeff.estimate  # a 1/N prior pulls the posterior down
    with pytest.raises(InputError, match="prior_n"):
        GraphAveraging(prior_n=lambda n: 0.0).fit(table)
    with pytest.raises(InputError, match="prior_n"):
        GraphAveraging(prior_n="flat").fit(table)


def test_draws_reproduce_and_sum_over_strata(spina_strata):
    table = spina_strata
    rows = GraphAveraging(n_draws=4000, seed=7).fit_strata(table)
    strata, total = rows[:-1], rows[-1]
    assert total.stratum == "total" and len(strata) == len(table.strata)
    np.testing.assert_array_equal(total.draws, np.sum([r.draws for r in strata], axis=0))
    assert total.estimate == np.median(total.draws)
    again = GraphAveraging(n_draws=4000, seed=7).fit_strata(table)
    np.testing.assert_array_equal(again[-1].draws, total.draws)
    # the draws follow the grid posterior: their median is the exact posterior median (+-1%)
    assert np.median(strata[0].draws) == pytest.approx(strata[0].estimate, rel=0.01)
    # independent streams per stratum: with 4,000 draws a correlation's sd is ~0.016
    big = sorted(strata, key=lambda r: -r.observed)[:2]
    assert abs(np.corrcoef(big[0].flat_draws, big[1].flat_draws)[0, 1]) < 0.1


def test_too_few_or_too_many_lists_say_what_to_use():
    two = CaptureTable.from_frame(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 6, 2]}))
    with pytest.raises(NotEstimableError, match="lincoln-petersen"):
        GraphAveraging().fit(two)
    six = CaptureTable.from_frame(pd.DataFrame(
        [[*bits, 1] for bits in itertools.product([0, 1], repeat=6) if any(bits)],
        columns=[*"ABCDEF", "count"]))
    with pytest.raises(NotEstimableError, match="lcmcr"):
        GraphAveraging().fit(six)


def test_top_models_are_sorted_and_weights_sum_to_one(mse_table):
    est = GraphAveraging(top=822).fit(mse_table("sparsemse_western"))
    weights = [m["weight"] for m in est.diagnostics["top_models"]]
    assert weights == sorted(weights, reverse=True)
    assert sum(weights) == pytest.approx(1.0, abs=1e-9)
    assert est.diagnostics["graphs"] == 822
