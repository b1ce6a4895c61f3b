"""The IRLS fitter against statsmodels, the model space by brute force, the existence checks."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from uncounted.exceptions import InputError
from uncounted.mse import models
from uncounted.mse.glm import fit_poisson
from uncounted.mse.sparse import check_model, mle_exists


def _design(table, spec, max_order=None):
    k = table.k
    cols = models.columns(k, max_order or k - 1)
    mask = models.closure_mask(models.parse_model(spec, table.lists), cols)
    return models.design_matrix(k, np.asarray(cols)[mask]), table.dense_counts()[1:].astype(float)


@pytest.mark.parametrize(("name", "spec"), [
    ("lcmcr_kosovo_aggregate", "[123,14,34]"),
    ("lcmcr_kosovo_aggregate", "[1,2,3,4]"),
    ("sparsemse_ukdat_5", "[123,25,34]"),
    ("mse_korea", "[12,23]"),
])
def test_irls_equals_statsmodels(mse_table, name, spec):
    import statsmodels.api as sm

    X, y = _design(mse_table(name), spec)
    ours = fit_poisson(X, y)
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12)
    # same maximum: deviance and log-likelihood to 1e-8, coefficients and covariance to 1e-6
    assert ours.deviance[0] == pytest.approx(ref.deviance, rel=1e-8, abs=1e-8)
    assert ours.loglik[0] == pytest.approx(ref.llf, rel=1e-10)
    np.testing.assert_allclose(ours.coef[0], ref.params, rtol=1e-6, atol=1e-8)
    assert ours.var_intercept[0] == pytest.approx(ref.cov_params()[0, 0], rel=1e-6)
    assert ours.aic()[0] == pytest.approx(ref.aic, rel=1e-10)


@pytest.mark.parametrize(("name", "step"), [("lcmcr_kosovo_aggregate", 7), ("sparsemse_western", 500)])
def test_batched_fits_equal_single_fits(mse_table, name, step):
    t = mse_table(name)
    k = t.k
    cols = models.columns(k, k - 1)
    X = models.design_matrix(k, cols)
    y = t.dense_counts()[1:].astype(float)
    masks = models.hierarchical_models(k, k - 1)[::step]
    batch = fit_poisson(X, y, masks, chunk=5)  # small chunks: padding and scatter exercised
    for i, m in enumerate(masks):
        one = fit_poisson(X[:, m], y)
        assert batch.deviance[i] == pytest.approx(one.deviance[0], rel=1e-9, abs=1e-9)
        # models without an MLE have coefficients drifting to +-inf along an ill-conditioned
        # direction, where rounding differs; compare coefficients only where the MLE exists
        if one.eta_step[0] < 0.1:
            np.testing.assert_allclose(batch.coef[i][m], one.coef[0], rtol=1e-7, atol=1e-7)
            assert batch.var_intercept[i] == pytest.approx(one.var_intercept[0], rel=1e-7)


def test_saturated_model_reproduces_counts():
    # with all terms up to order k-1 the model is saturated on the observed cells: mu = y
    rng = np.random.default_rng(3)
    y = rng.integers(1, 50, size=7).astype(float)
    X = models.design_matrix(3, models.columns(3, 2))
    f = fit_poisson(X, y)
    np.testing.assert_allclose(f.mu[0], y, rtol=1e-9)
    assert f.deviance[0] == pytest.approx(0.0, abs=1e-9)


def _brute_force_count(k, max_order):
    terms = models.interaction_terms(k, max_order)
    n = 0
    for r in range(len(terms) + 1):
        for sub in combinations(terms, r):
            s = set(sub)
            if all(all((t & ~(1 << j)) in s for j in range(k) if (t >> j) & 1 and t.bit_count() > 2)
                   for t in s):
                n += 1
    return n


@pytest.mark.parametrize(("k", "m"), [(3, 2), (4, 2), (4, 3), (5, 2)])
def test_model_space_is_every_down_set(k, m):
    masks = models.hierarchical_models(k, m)
    assert len({r.tobytes() for r in masks}) == len(masks)
    assert len(masks) == _brute_force_count(k, m)


def test_model_space_sizes():
    # 113: Silverman, Chan & Vincent (2024) "all 113 models" for four lists; 8 for three lists
    assert models.hierarchical_models(4, 3).shape[0] == 113
    assert models.hierarchical_models(3, 2).shape[0] == 8
    assert models.hierarchical_models(5, 4).shape[0] == 6893


def test_model_names_round_trip():
    lists = ["A", "B", "C", "D"]
    cols = models.columns(4, 3)
    for mask in models.hierarchical_models(4, 3):
        name = models.model_name(mask, cols, 4)
        again = models.closure_mask(models.parse_model(name, lists), cols)
        assert np.array_equal(again, mask), name
    assert models.model_name(models.hierarchical_models(4, 3)[0], cols, 4) == "[1,2,3,4]"


@pytest.mark.parametrize("bad", ["[125]", "[1x]", "[11]", "A:Z"])
def test_bad_model_names_the_problem(bad):
    with pytest.raises(InputError, match="model term"):
        models.parse_model(bad, ["A", "B", "C", "D"])


def test_checkident_codes_on_artificial(mse_table):
    # SparseMSE ?checkident examples on Artificial_3: all pairs -> not identifiable (2);
    # A:B alone -> MLE does not exist (1); A:C + B:C -> passes (0)
    c = mse_table("sparsemse_artificial_3").dense_counts()
    ab, ac, bc = 0b011, 0b101, 0b110
    assert check_model(c, 3, [ab, ac, bc]) == 2
    assert check_model(c, 3, [ab]) == 1
    assert check_model(c, 3, [ac, bc]) == 0


def test_mle_exists_by_hand():
    # 2x2 independence table with one zero cell among three observed: (A only, B only, both).
    X = models.design_matrix(2, [0, 1, 2])
    assert mle_exists(X, np.array([5.0, 3.0, 2.0]))
    # saturated on the observed cells, so mu = y: nobody on B alone needs exp(b0 + bB) = 0,
    # i.e. b0 = -inf (Lincoln-Petersen's N = n1 n2 / m = n: no one unobserved). No finite MLE.
    assert not mle_exists(X, np.array([5.0, 0.0, 2.0]))
    X3 = models.design_matrix(3, [0, 1, 2, 4])
    # everyone on list 1 is also on list 2: the A-only cell and A+C cell are zero, still fine
    y = np.array([0, 4, 6, 3, 0, 2, 1], dtype=float)
    assert mle_exists(X3, y)
    X12 = models.design_matrix(3, [0, 1, 2, 4, 3])
    # with the A:B term, cells with A and B all zero -> the A:B parameter goes to -inf
    y2 = np.array([5, 4, 0, 3, 2, 0, 0], dtype=float)
    assert not mle_exists(X12, y2)


def test_batch_size_does_not_change_fits(mse_table):
    # regression: near-saturated models of the sparse UKdat_5 table (e.g. [1234,1245,235,345])
    # once overshot to deviance ~1e9 depending on batch composition; step-halving fixed it
    t = mse_table("sparsemse_ukdat_5")
    cols = models.columns(5, 4)
    X = models.design_matrix(5, cols)
    y = t.dense_counts()[1:].astype(float)
    masks = models.hierarchical_models(5, 4)[6400:]
    small = fit_poisson(X, y, masks, chunk=16)
    large = fit_poisson(X, y, masks, chunk=len(masks))
    np.testing.assert_allclose(small.deviance, large.deviance, rtol=1e-8, atol=1e-8)
    # a deviance can never exceed that of the independence model it contains
    indep = fit_poisson(X[:, :6], y).deviance[0]
    assert small.deviance.max() <= indep
