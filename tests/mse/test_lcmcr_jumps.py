"""The lcmcr jumps between states (src/uncounted/mse/_lcmcr_jumps.py): target, state layout, and
that the move leaves the exact posterior of a tiny table unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uncounted.mse import _lcmcr_jumps as jm
from uncounted.mse._lcmcr_kernels import _marginal_logp, run_chain, state_size
from uncounted.mse.lcmcr import _groups, _run_with_jumps

from .test_lcmcr import _exact_n0_posterior

BITS = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]],
                dtype=np.uint8)
COUNTS = np.array([2, 1, 1, 1, 1, 1, 1], dtype=np.int64)


def _work(k, j):
    return (np.empty((k, j)), np.empty(k), np.empty(k), np.empty(k), np.empty(k),
            np.empty((k, j)), np.empty((k, j)), np.empty((k, j)))


def test_jump_target_is_the_marginal_posterior_with_alpha_and_its_gradient_is_exact():
    # log_posterior adds to _marginal_logp (tested against NumPy in test_lcmcr) each stick's
    # Beta(1, alpha) normaliser (alpha per stick: K - 1 of them), alpha's Gamma(a, b) prior and
    # the Jacobian of log alpha: (K - 1 + a) log alpha - b alpha, up to a constant. Gradient
    # against central differences, step 1e-6 (truncation ~1e-12, rounding ~1e-10 / 1e-6 = 1e-4
    # at |logp| ~ 1e2), so 1e-4 absolute.
    k, j, a, b = 3, BITS.shape[1], 0.25, 0.25
    rng = np.random.default_rng(0)
    z = rng.normal(size=k * j + k)
    n_obs = int(COUNTS.sum())
    grad = np.empty(z.size)
    lp = jm.log_posterior(z, k, j, a, b, BITS, COUNTS, n_obs, grad, _work(k, j))
    xi = np.zeros(k)
    xi[:k - 1] = z[k * j:k * j + k - 1]
    alpha = math.exp(z[-1])
    base = _marginal_logp(z[:k * j].reshape(k, j).copy(), xi, alpha, BITS, COUNTS, n_obs,
                          np.empty((k, j)), np.empty(k), np.empty(k), np.empty(k),
                          np.empty((k, j)), np.empty((k, j)), np.empty((k, j)))
    assert lp == pytest.approx(base + (k - 1 + a) * z[-1] - b * alpha, abs=1e-9)
    h = 1e-6
    for i in range(z.size):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        g = np.empty(z.size)
        numeric = (jm.log_posterior(up, k, j, a, b, BITS, COUNTS, n_obs, g, _work(k, j))
                   - jm.log_posterior(down, k, j, a, b, BITS, COUNTS, n_obs, g, _work(k, j))) / (2 * h)
        assert grad[i] == pytest.approx(numeric, abs=1e-4), i


def test_a_jump_without_moves_is_the_exact_metropolis_ratio_of_the_gaussian_map():
    # With no Hamiltonian moves on the way the path is deterministic: the point is carried by
    # the map z1 = mu_B + L_B L_A^-1 (z0 - mu_A), whose Jacobian is |L_B| / |L_A| =
    # q_A(z0) / q_B(z1), so the work must be log p(z1) - log p(z0) + log q_A(z0) - log q_B(z1),
    # whatever the path's grid (the terms of the intermediate steps cancel). Checks the work's
    # bookkeeping, signs and the change of coordinates exactly (rounding only: 1e-8).
    from scipy.stats import multivariate_normal

    k, j, a, b = 3, BITS.shape[1], 0.25, 0.25
    d = k * j + k
    rng = np.random.default_rng(4)
    mu_a, mu_b = rng.normal(size=d), rng.normal(size=d)
    m_a, m_b = rng.normal(size=(d, d)) * 0.2, rng.normal(size=(d, d)) * 0.2
    cov_a, cov_b = m_a @ m_a.T + 0.3 * np.eye(d), m_b @ m_b.T + 0.5 * np.eye(d)
    chol_a, chol_b = np.linalg.cholesky(cov_a), np.linalg.cholesky(cov_b)
    z0 = mu_a + chol_a @ rng.normal(size=d)
    grid = (1 - np.linspace(0, 1, 8)) ** 2
    work, z1, _ = jm.jump_path(z0, grid, mu_a, chol_a, float(np.log(np.diag(chol_a)).sum()),
                               mu_b, chol_b, float(np.log(np.diag(chol_b)).sum()), k, BITS,
                               COUNTS, a, b, 0.1, 3, 0, 7)
    np.testing.assert_allclose(z1, mu_b + chol_b @ np.linalg.solve(chol_a, z0 - mu_a), atol=1e-10)
    n_obs, g = int(COUNTS.sum()), np.empty(d)

    def logp(z):
        return jm.log_posterior(z, k, j, a, b, BITS, COUNTS, n_obs, g, _work(k, j))

    expected = (logp(z1) - logp(z0) + multivariate_normal(mu_a, cov_a).logpdf(z0)
                - multivariate_normal(mu_b, cov_b).logpdf(z1))
    assert work == pytest.approx(expected, abs=1e-8)


def test_a_point_written_into_a_chain_state_reads_back_and_redraws_the_unobserved():
    k, j, n_obs = 4, 3, int(COUNTS.sum())
    rng = np.random.default_rng(1)
    z = rng.normal(size=k * j + k)
    state = np.zeros(state_size(k, j))
    state[-2:] = (0.05, 0.7)        # the HMC step size and acceptance: must survive
    n = jm.write_state(state, z, k, j, n_obs, rng)
    np.testing.assert_allclose(jm.state_vector(state, k, j), z, atol=1e-9)
    miss = state[2 + k * j + 2 * k:2 + k * j + 3 * k]
    assert miss.sum() == n - n_obs and (miss >= 0).all()
    assert tuple(state[-2:]) == (0.05, 0.7)
    # the chain continues from it without complaint
    draws = run_chain(BITS, COUNTS, k, 0, 5, 1, 0.25, 0.25, 3, 1, 0, 0, state, 0)
    assert np.isfinite(draws[0]).all() and (draws[0] >= n_obs).all()


def test_chains_are_grouped_by_overlap_of_their_middle_halves():
    rng = np.random.default_rng(2)
    n = np.vstack([rng.normal(m, 1, 500) for m in (0, 10, 0.5, 10.3)])
    assert _groups(n) == [[0, 2], [1, 3]]
    assert _groups(n[[0, 2]]) == [[0, 1]]
    # chains whose N overlaps but whose classes differ in number are in different states (the
    # verdata men of 2003: chains with three and four classes at 1,810 and 1,925, whose middle
    # halves overlap through a third chain)
    assert _groups(n, kinds=[3, 4, 3, 3]) == [[0, 2], [1], [3]]
    assert _groups(n, kinds=[4, 4, 4, 4]) == [[0, 2], [1, 3]]


def _z(lam, pi):
    # the point z of capture probabilities lam (classes x lists) and weights pi
    v = pi / np.concatenate([[1.0], 1.0 - np.cumsum(pi)[:-1]])
    xi = np.log(v[:-1]) - np.log1p(-v[:-1])
    return np.concatenate([(np.log(lam) - np.log1p(-lam)).ravel(), xi, [0.0]])


def test_a_class_is_occupied_by_the_people_it_is_expected_to_hold():
    # 1,128 observed people (the verdata men of 2003): a class of weight 0.5% caught by two
    # lists at 0.95 is expected to hold 1.1% of them, 12 people, occupied although far under
    # the 2% weight that was the rule before; a class of weight 0.1%, about 2 people, is not.
    # In a table of 8 people a class must hold 2% of them (0.16 people), as 3 people would be
    # most of the table: there the class of 1.1% is not occupied.
    lam = np.array([[0.3, 0.1, 0.05], [0.95, 0.95, 0.02], [0.5, 0.5, 0.5], [0.4, 0.4, 0.4]])
    pi = np.array([0.894, 0.005, 0.1, 0.001])
    _, pi2 = jm.z_parts(_z(lam, pi), 4, 3)
    np.testing.assert_allclose(pi2, pi, atol=1e-12)
    assert list(jm.occupied(lam, pi, 1128)) == [0, 1, 2]
    assert list(jm.occupied(lam, pi, 8)) == [0, 2]
    assert list(jm.occupied(lam, np.array([0.8, 0.0, 0.2, 0.0]), 1128)) == [0, 2]


def test_a_point_is_in_the_nearest_state_with_as_many_classes():
    # Two states of three occupied classes that differ in one class (caught by list 3, or by
    # lists 1 and 2): a point near the second is in the second, though the first has as many
    # classes and comes first; a point with two occupied classes is in neither; and a point of
    # the second state with its labels in another order is in none (its jumps start from the
    # arrangement the state's Gaussian was fitted in).
    k, j, n_obs = 4, 3, 1000
    base = np.array([[0.1, 0.1, 0.1], [0.9, 0.1, 0.1], [0.1, 0.1, 0.9], [0.5, 0.5, 0.5]])
    other = base.copy()
    other[2] = (0.9, 0.9, 0.1)
    pi = np.array([0.6, 0.2, 0.2 - 1e-4, 1e-4])
    states = []
    for lam in (base, other):
        z = _z(lam, pi)
        st = jm.fit_state((0,), np.vstack([z] * 3 + [z + 1e-3]), lam[:3], k, j, n_obs, 2)
        assert st is not None and st.sticks == (0, 1, 2)
        states.append(st)
    near = other.copy()
    near[2] = (0.85, 0.8, 0.2)
    assert jm.classify(_z(near, pi), states, k, j, n_obs) == 1
    assert jm.classify(_z(base, pi), states, k, j, n_obs) == 0
    assert jm.classify(_z(near, np.array([0.8, 0.2 - 2e-4, 1e-4, 1e-4])), states, k, j,
                       n_obs) == -1
    swapped = near[[0, 2, 1, 3]]
    assert jm.classify(_z(swapped, pi[[0, 2, 1, 3]]), states, k, j, n_obs) == -1


def _survey(k, seed, count):
    state = np.zeros(state_size(k, BITS.shape[1]))
    pts = []
    for i in range(count):
        run_chain(BITS, COUNTS, k, 200 if i == 0 else 0, 1, 2, 0.25, 0.25, seed + i, 0, 0, 0,
                  state, 0)
        pts.append(jm.state_vector(state, k, BITS.shape[1]))
    return np.array(pts), state


@pytest.mark.slow
def test_jumps_between_two_states_keep_the_exact_posterior_and_the_states_shares():
    # The tiny table of test_lcmcr (8 people, 3 lists, K = 2), whose posterior of the unobserved
    # count is known exactly, has two 'states' as the jumps define them: one occupied class
    # (expected to hold 2% of the people or more) on the first stick, or two on sticks (0, 1);
    # each gets a Gaussian fitted to its surveyed draws. Plain-sweep chains then run with a jump
    # attempt every 10 draws, and the same chains without jumps (the sweep alone crosses between
    # the states here, and is checked against the exact posterior in test_lcmcr). A jump that
    # keeps the posterior must
    # leave (1) the unobserved count's posterior exact and (2) the share of time in each state
    # what the sweep alone gives. Neither is a sharp check of the acceptance rule: checked by
    # hand, a jump accepted always also passes here, because on this table an annealed path
    # that ends in a state ends at a point that state's posterior would give anyway, and the
    # two states weigh about the same. What this test catches is a chain state written back
    # wrongly (the unobserved count, the capture probabilities, the weights). The acceptance
    # rule is checked exactly above (no moves: the Metropolis ratio of the map) and, on real
    # data, by the 20-list stratum landing where the states' weighing by sequential Monte Carlo
    # puts it (test_lcmcr, slow).
    # Tolerances: 2 x 40,000 draws give an ESS of ~8 x 10^4 for P(n0 = t), a Monte Carlo
    # standard error <= 0.0018, so 0.008 is ~4.5 of them; each run's state at 8,000 block ends,
    # correlated over a few blocks, gives a share's standard error ~0.01 per run, so a
    # difference of 0.05 is ~3.5 standard errors of the difference.
    k, j = 2, BITS.shape[1]
    pts, _ = _survey(k, 11, 4000)
    n_obs = int(COUNTS.sum())
    occupied = np.array([jm.n_occupied(z, k, j, n_obs) for z in pts])
    both = []
    for m in (1, 2):
        lam, pi = jm.z_parts(pts[np.flatnonzero(occupied == m)[0]], k, j)
        both.append(jm.fit_state((0,), pts, lam[jm.occupied(lam, pi, n_obs)], k, j, n_obs, 200,
                                 sticks=(0,) if m == 1 else (0, 1)))
    assert all(s is not None for s in both)
    exact = _exact_n0_posterior(BITS, COUNTS)
    kw = dict(max_classes=k, thin=1, a_alpha=0.25, b_alpha=0.25, collapsed_steps=0,
              hmc_steps=0, label_swaps=0, split_merge=0)
    shares, accepted = {}, {}
    for jump in (True, False):
        n0, where, took = [], [], 0
        for seed in (41, 42):
            state = np.zeros(state_size(k, j))
            run_chain(BITS, COUNTS, k, 500, 1, 1, 0.25, 0.25, seed, 0, 0, 0, state, 0)
            (n, _, _), _, a = _run_with_jumps(BITS, COUNTS, state, seed, n_draws=40_000,
                                              states=both, jump=jump, where=where, **kw)
            n0.append(n - COUNTS.sum())
            took += a
        n0 = np.concatenate(n0).astype(int)
        freq = np.bincount(np.minimum(n0, 5), minlength=6)[:5] / n0.size
        np.testing.assert_allclose(freq, exact[:5], atol=0.008)
        where = np.array(where)
        shares[jump] = np.array([(where == s).mean() for s in (0, 1)])
        accepted[jump] = took
    assert accepted[True][0, 1] > 20 and accepted[True][1, 0] > 20   # the jumps do move chains
    assert accepted[False].sum() == 0
    assert shares[False].min() > 0.2                                  # both states visited
    np.testing.assert_allclose(shares[True], shares[False], atol=0.05)


def test_a_state_that_only_scouts_were_in_gets_a_chain():
    # Four chains (0-3) and four scouts (4-7). States: chains 0-3 with scout 4; scouts 5-6 only;
    # scout 7 only. The last chain of the largest state moves into each scouts-only state in
    # turn, continuing from that state's first scout's saved state; a state's own chains stay.
    from uncounted.mse.lcmcr import _seat_chains

    def st(chains):
        return jm.State(chains=chains, ref=np.zeros((1, 1)), sticks=(0,), share=1.0, draws=1,
                        mu=np.zeros(1), chol=np.eye(1), log_det=0.0)

    states = [np.full(3, float(c)) for c in range(4)]
    scouts = [np.full(3, 10.0 + s) for s in range(4)]
    found = [st((0, 1, 2, 3, 4)), st((5, 6)), st((7,))]
    assert _seat_chains(found, states, scouts, 4) == [4, 3]
    np.testing.assert_array_equal(states[3], scouts[1])
    np.testing.assert_array_equal(states[2], scouts[3])
    assert [s[0] for s in states[:2]] == [0.0, 1.0]
    # a state of one chain gives none away: two chains, two scouts-only states
    states = [np.zeros(3), np.ones(3)]
    assert _seat_chains([st((0,)), st((1,)), st((2,))], states, [np.full(3, 5.0)], 2) == []
    assert states[0][0] == 0.0 and states[1][0] == 1.0
