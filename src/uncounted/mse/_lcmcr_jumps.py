"""Jumps between separated states of the lcmcr posterior (see :mod:`uncounted.mse.lcmcr`).

With many lists the posterior can hold two or more *states*, regions in which the classes of the
people differ as a whole (the 20-list verdata stratum: the people caught by ``in_23`` and
``in_19`` in a class of their own, or in one class with the rarely caught), and which no local
move crosses (docs/bayesian.md, 'Many lists'). When the chains of a fit sit in different states,
each state is described by a Gaussian ``q_s`` fitted to its chains' draws in one arrangement of
the class labels (unconstrained coordinates: logits of the capture probabilities and of the
stick-breaking fractions, and log alpha), and each chain is given a move that carries it from
one state to another:

1. from the current point, anneal the target from the posterior ``p`` to ``q_A`` along
   ``q_A^(1 - b) p^b`` (``b`` from 1 to 0), with Hamiltonian moves at each ``b``, in coordinates
   whitened by ``q_A`` (``z = mu_A + L_A u``), so that one step size suits every parameter;
2. keep ``u`` and change coordinates to ``q_B`` (``z = mu_B + L_B u``): a deterministic map under
   which ``q_A`` becomes ``q_B`` exactly, Jacobian included;
3. anneal back from ``q_B`` to ``p`` by the mirror image of step 1.

The move is accepted with probability ``min(1, exp(W))``, ``W`` the sum over the changes of
``b`` of ``(b_new - b_old) (log p - log q)`` at the point where ``b`` changes (the work, in the
terms of Crooks 1998 and Nilmeier et al. 2011), and only if the end point is classified in the
state aimed at. The protocol is its own time reversal (the moves at ``b = 0`` are made in both
states' coordinates, none at ``b = 1``), every Hamiltonian move leaves its intermediate density
invariant and is reversible, and the state aimed at is chosen the same way from either end, so
the move leaves ``p`` invariant whatever the Gaussians are: they decide only how often it is
accepted (Neal 1996, tempered transitions; Neal 2001, annealed importance sampling).

References
----------
Neal, R. M. (1996). Sampling from multimodal distributions using tempered transitions.
Statistics and Computing 6:353-366. doi:10.1007/BF00143556
Neal, R. M. (2001). Annealed importance sampling. Statistics and Computing 11:125-139.
doi:10.1023/A:1008923215028
Crooks, G. E. (1998). Nonequilibrium measurements of free energy differences for microscopically
reversible Markovian systems. Journal of Statistical Physics 90:1481-1487.
Nilmeier, J. P., Crooks, G. E., Minh, D. D. L. & Chodera, J. D. (2011). Nonequilibrium candidate
Monte Carlo is an efficient tool for equilibrium simulation. PNAS 108(45):E1009-E1018.
doi:10.1073/pnas.1106094108
Tjelmeland, H. & Hegstad, B. K. (2001). Mode jumping proposals in MCMC. Scandinavian Journal of
Statistics 28(1):205-223. doi:10.1111/1467-9469.00232
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ._lcmcr_kernels import _marginal_logp

_helper = njit(cache=False, no_cpython_wrapper=True, no_cfunc_wrapper=True)

#: Occupied class: one expected to hold at least this many of the observed people (the classes
#: that define a state's arrangement). In people rather than weight, so that a small class of a
#: large stratum counts and an empty class does not: on the verdata men of 1999, 2000 and 2003 an
#: empty class is expected to hold at most 1.8 observed people (95th percentile over 1,000 draws
#: per chain), a small but real one 5 to 90; a weight threshold of 2% cut through the small ones.
#: In a table of fewer than 150 people, 2% of them instead (a tiny table's classes are tiny).
OCCUPIED, OCCUPIED_SHARE = 3.0, 0.02


@njit(cache=False)
def log_posterior(z, k_max, n_lists, a_alpha, b_alpha, bits, counts, n_obs, grad, work):
    """Log posterior density (up to a constant) of ``z = (logit lambda, logit v[:K-1], log
    alpha)``, the classes and N summed out, and its gradient into ``grad``; ``-inf`` where not
    finite. :func:`_marginal_logp` given alpha, plus each stick's ``Beta(1, alpha)`` normaliser,
    alpha's ``Gamma(a_alpha, b_alpha)`` prior and the Jacobian of ``log alpha``."""
    g_eta, g_xi, xi, s0, s1, s2, s3, s4 = work
    n_eta = k_max * n_lists
    la = z[z.size - 1]
    alpha = math.exp(la)
    eta = z[:n_eta].reshape((k_max, n_lists))
    for k in range(k_max - 1):
        xi[k] = z[n_eta + k]
    xi[k_max - 1] = 0.0
    v = _marginal_logp(eta, xi, alpha, bits, counts, n_obs, g_eta, g_xi, s0, s1, s2, s3, s4)
    if not math.isfinite(v):
        return -np.inf
    sum_log_w = 0.0
    for k in range(k_max - 1):
        e = xi[k]
        sum_log_w -= max(e, 0.0) + math.log1p(math.exp(-abs(e)))   # log(1 - v) = -softplus(xi)
    for k in range(k_max):
        for j in range(n_lists):
            grad[k * n_lists + j] = g_eta[k, j]
    for k in range(k_max - 1):
        grad[n_eta + k] = g_xi[k]
    grad[z.size - 1] = alpha * sum_log_w + (k_max - 1) + a_alpha - b_alpha * alpha
    return v + (k_max - 1) * la + a_alpha * la - b_alpha * alpha


@_helper
def _to_z(u, mu, chol, z):
    """``z = mu + L u`` (``L`` lower triangular)."""
    for i in range(u.size):
        acc = mu[i]
        for j in range(i + 1):
            acc += chol[i, j] * u[j]
        z[i] = acc


@_helper
def _evaluate(u, b, mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits, counts, n_obs, z,
              g_z, g_u, work):
    """Log of ``q^(1 - b) p^b`` at ``z = mu + L u`` and its gradient in ``u`` (into ``g_u``), and
    ``log p - log q`` there; ``(-inf, -inf)`` where ``p`` is not finite."""
    d = u.size
    _to_z(u, mu, chol, z)
    lp = log_posterior(z, k_max, n_lists, a_alpha, b_alpha, bits, counts, n_obs, g_z, work)
    if not math.isfinite(lp):
        return -np.inf, -np.inf
    uu = 0.0
    for i in range(d):
        uu += u[i] * u[i]
    lq = -0.5 * uu - 0.5 * d * math.log(2.0 * math.pi) - log_det
    for j in range(d):
        acc = 0.0
        for i in range(j, d):
            acc += chol[i, j] * g_z[i]
        g_u[j] = -(1.0 - b) * u[j] + b * acc
    return (1.0 - b) * lq + b * lp, lp - lq


@_helper
def _hmc(u, b, mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits, counts, n_obs, eps,
         leapfrog, z, g_z, g_u, work, x1, p):
    """One Hamiltonian move of ``u`` on ``q^(1 - b) p^b`` (unit mass, 1 to ``leapfrog`` steps of
    size ``eps``, the number drawn each time: reversible); returns its acceptance probability."""
    d = u.size
    kin0 = 0.0
    for c in range(d):
        x1[c] = u[c]
        p[c] = np.random.standard_normal()
        kin0 += 0.5 * p[c] * p[c]
    t0, _ = _evaluate(x1, b, mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits, counts,
                      n_obs, z, g_z, g_u, work)
    t1 = t0
    for _s in range(1 + np.random.randint(0, leapfrog)):
        for c in range(d):
            p[c] += 0.5 * eps * g_u[c]
            x1[c] += eps * p[c]
        t1, _ = _evaluate(x1, b, mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits,
                          counts, n_obs, z, g_z, g_u, work)
        if not math.isfinite(t1):
            return 0.0
        for c in range(d):
            p[c] += 0.5 * eps * g_u[c]
    kin1 = 0.0
    for c in range(d):
        kin1 += 0.5 * p[c] * p[c]
    log_a = t1 - kin1 - t0 + kin0
    a = 1.0 if log_a >= 0.0 else math.exp(log_a)
    if np.random.random() < a:
        for c in range(d):
            u[c] = x1[c]
    return a


@_helper
def _anneal(u, b_from, b_to, mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits, counts,
            n_obs, eps, leapfrog, moves, r, z, g_z, g_u, work, x1, p, out):
    """Steps ``b_from[i] -> b_to[i]`` in the coordinates ``(mu, chol)``: the work
    ``(b_to - b_from) (log p - log q)`` at the point (``r`` on entry), then ``moves`` Hamiltonian
    moves at ``b_to``. Returns the work and ``log p - log q`` at the end point (``-inf`` if not
    finite); adds the moves' acceptance and count to ``out``."""
    w = 0.0
    for i in range(b_from.size):
        if not math.isfinite(r):
            return w, -np.inf
        w += (b_to[i] - b_from[i]) * r
        for _m in range(moves):
            out[0] += _hmc(u, b_to[i], mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits,
                           counts, n_obs, eps, leapfrog, z, g_z, g_u, work, x1, p)
            out[1] += 1.0
        _, r = _evaluate(u, b_to[i], mu, chol, log_det, k_max, n_lists, a_alpha, b_alpha, bits,
                         counts, n_obs, z, g_z, g_u, work)
    return w, r


@njit(cache=True, nogil=True)
def jump_path(z0, grid, mu_a, chol_a, log_det_a, mu_b, chol_b, log_det_b, k_max, bits, counts,
              a_alpha, b_alpha, eps, leapfrog, moves, seed):
    """The annealed path from ``z0`` (state A) to state B (the module docstring).

    ``grid``: the values of ``b`` from ``grid[0] = 1`` down to ``grid[-1] = 0``; ``moves``
    Hamiltonian moves at each interior value and at 0 (on both sides). Returns the work ``W``
    (log acceptance ratio), the end point ``z`` and the mean acceptance of the Hamiltonian moves.
    """
    np.random.seed(seed)
    d = z0.size
    n_lists = bits.shape[1]
    n_obs = np.int64(0)
    for m in range(counts.size):
        n_obs += counts[m]
    z, g_z, g_u = np.empty(d), np.empty(d), np.empty(d)
    x1, p, u = np.empty(d), np.empty(d), np.empty(d)
    out = np.zeros(2)
    work = (np.empty((k_max, n_lists)), np.empty(k_max), np.empty(k_max), np.empty(k_max),
            np.empty(k_max), np.empty((k_max, n_lists)), np.empty((k_max, n_lists)),
            np.empty((k_max, n_lists)))
    for i in range(d):     # u = L_A^-1 (z0 - mu_A), forward substitution
        acc = z0[i] - mu_a[i]
        for j in range(i):
            acc -= chol_a[i, j] * u[j]
        u[i] = acc / chol_a[i, i]
    n = grid.size
    _, r = _evaluate(u, 1.0, mu_a, chol_a, log_det_a, k_max, n_lists, a_alpha, b_alpha, bits,
                     counts, n_obs, z, g_z, g_u, work)
    # down in A's coordinates: 1 -> ... -> 0, moves at each value after the first
    w_down, r = _anneal(u, grid[:n - 1], grid[1:], mu_a, chol_a, log_det_a, k_max, n_lists,
                        a_alpha, b_alpha, bits, counts, n_obs, eps, leapfrog, moves, r, z, g_z,
                        g_u, work, x1, p, out)
    if not math.isfinite(r):
        return -np.inf, z0.copy(), 0.0
    _, r = _evaluate(u, 0.0, mu_b, chol_b, log_det_b, k_max, n_lists, a_alpha, b_alpha, bits,
                     counts, n_obs, z, g_z, g_u, work)
    # up in B's coordinates, the mirror image: moves at 0 (a step 0 -> 0, no work), then at each
    # value up to but not at 1; the last step to 1 has no moves
    b_from = np.empty(n - 1)
    b_to = np.empty(n - 1)
    b_from[0], b_to[0] = 0.0, 0.0
    for i in range(1, n - 1):
        b_from[i], b_to[i] = grid[n - i], grid[n - 1 - i]
    w_up, r = _anneal(u, b_from, b_to, mu_b, chol_b, log_det_b, k_max, n_lists, a_alpha, b_alpha,
                      bits, counts, n_obs, eps, leapfrog, moves, r, z, g_z, g_u, work, x1, p, out)
    if not math.isfinite(r):
        return -np.inf, z0.copy(), 0.0
    w = w_down + w_up + (grid[0] - grid[1]) * r
    _to_z(u, mu_b, chol_b, z)
    return w, z.copy(), out[0] / max(out[1], 1.0)


# ----------------------------------------------------------------------------------------------
# Python side: a chain's saved state <-> z, the states' Gaussians, classification


def state_parts(state, k_max, n_lists):
    """``lambda`` (K x J), ``log v`` and ``log(1 - v)`` of a chain's saved state (the layout of
    :func:`~uncounted.mse._lcmcr_kernels.state_size`), as views."""
    lam = state[2:2 + k_max * n_lists].reshape(k_max, n_lists)
    i = 2 + k_max * n_lists
    return lam, state[i:i + k_max], state[i + k_max:i + 2 * k_max]


def state_vector(state, k_max, n_lists):
    """``z = (logit lambda, logit v[:K-1], log alpha)`` of a chain's saved state."""
    lam, log_v, log_w = state_parts(state, k_max, n_lists)
    return np.concatenate([(np.log(lam) - np.log1p(-lam)).ravel(), (log_v - log_w)[:k_max - 1],
                           [math.log(state[1])]])


def z_parts(z, k_max, n_lists):
    """``lambda`` and the class weights ``pi`` of a point ``z``."""
    from scipy.special import expit

    lam = expit(z[:k_max * n_lists].reshape(k_max, n_lists))
    v = np.ones(k_max)
    v[:k_max - 1] = expit(z[k_max * n_lists:k_max * n_lists + k_max - 1])
    pi = v * np.concatenate([[1.0], np.cumprod(1.0 - v[:-1])])
    return lam, pi


def write_state(state, z, k_max, n_lists, n_obs, rng):
    """Put the point ``z`` into a chain's saved state, with the unobserved count and its classes
    drawn afresh from their conditional given ``z`` (as the sweep's ``_missing_step`` does), so the
    chain's joint state is again a draw given the parameters. Returns the new N."""
    lam, pi = z_parts(z, k_max, n_lists)
    lam = np.clip(lam, 1e-12, 1.0 - 1e-12)
    xi = z[k_max * n_lists:k_max * n_lists + k_max - 1]
    log_v, log_w = np.zeros(k_max), np.full(k_max, -np.inf)
    log_v[:k_max - 1] = -np.logaddexp(0.0, -xi)
    log_w[:k_max - 1] = -np.logaddexp(0.0, xi)
    missed = pi * np.prod(1.0 - lam, axis=1)
    pi0 = min(float(missed.sum()), 1.0 - 1e-12)
    rate = rng.gamma(n_obs, pi0 / (1.0 - pi0))
    n0 = int(rng.poisson(rate)) if rate > 0 else 0
    miss = rng.multinomial(n0, missed / missed.sum()) if missed.sum() > 0 else np.zeros(k_max)
    s_lam, s_v, s_w = state_parts(state, k_max, n_lists)
    state[0], state[1] = 1.0, math.exp(z[-1])
    s_lam[:] = lam
    s_v[:] = log_v
    s_w[:] = log_w
    i = 2 + k_max * n_lists + 2 * k_max
    state[i:i + k_max] = miss
    return n_obs + n0


def occupied(lam, pi, n_obs) -> np.ndarray:
    """Indices of the classes expected to hold at least :data:`OCCUPIED` of the ``n_obs`` observed
    people (or :data:`OCCUPIED_SHARE` of them, if fewer), given capture probabilities ``lam``
    (classes x lists) and weights ``pi``."""
    caught = pi * -np.expm1(np.log1p(-np.clip(lam, 0.0, 1.0 - 1e-15)).sum(axis=1))
    total = caught.sum()
    if not total > 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(caught / total >= min(OCCUPIED / n_obs, OCCUPIED_SHARE))


def n_occupied(z, k_max, n_lists, n_obs) -> int:
    """The number of :func:`occupied` classes at the point ``z``."""
    return len(occupied(*z_parts(z, k_max, n_lists), n_obs))


def match(z, ref, k_max, n_lists, n_obs):
    """The sticks of the occupied classes of ``z`` in the order of the reference classes ``ref``
    (capture probabilities, one row per class), matched by least total absolute difference of
    capture probabilities, and that total; None if the number of occupied classes differs.
    Deterministic, as the jump's classification must be."""
    from scipy.optimize import linear_sum_assignment

    lam, pi = z_parts(z, k_max, n_lists)
    occ = occupied(lam, pi, n_obs)
    if len(occ) != len(ref):
        return None
    cost = np.abs(ref[:, None, :] - lam[occ][None, :, :]).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    order = np.argsort(rows)
    return tuple(int(occ[c]) for c in cols[order]), float(cost[rows, cols].sum())


def arrangement(z, ref, k_max, n_lists, n_obs):
    """The sticks of :func:`match` alone (None if the number of occupied classes differs)."""
    m = match(z, ref, k_max, n_lists, n_obs)
    return None if m is None else m[0]


@dataclass(frozen=True)
class State:
    """One state of the posterior, as the jumps see it: its reference classes, the arrangement of
    labels the jumps start from and land in, and the Gaussian fitted to its draws there."""

    chains: tuple[int, ...]
    ref: np.ndarray
    sticks: tuple[int, ...]
    share: float           # of the state's surveyed draws in that arrangement
    draws: int             # used for the Gaussian
    mu: np.ndarray
    chol: np.ndarray
    log_det: float



def fit_state(chains, zs, ref, k_max, n_lists, n_obs, min_draws, sticks=None):
    """The :class:`State` of chains whose surveyed points are ``zs`` (rows), with ``ref`` their
    reference classes, in the arrangement ``sticks`` (default: the commonest among ``zs``); None
    if fewer than ``min_draws`` points are in it."""
    from collections import Counter

    arr = [arrangement(z, ref, k_max, n_lists, n_obs) for z in zs]
    seen = Counter(a for a in arr if a is not None)
    if sticks is None:
        if not seen:
            return None
        sticks = seen.most_common(1)[0][0]
    count = seen.get(tuple(sticks), 0)
    if count < min_draws:
        return None
    pts = zs[[a == sticks for a in arr]]
    d = pts.shape[1]
    cov = np.cov(pts.T)
    # shrunk towards its diagonal when the draws are few for the dimension (any positive-definite
    # Gaussian keeps the jump exact; a better fit only makes it accepted more often)
    shrink = d / (d + len(pts))
    cov = (1.0 - shrink) * cov + shrink * np.diag(np.diag(cov)) + 1e-8 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    return State(chains=tuple(chains), ref=ref, sticks=tuple(sticks), share=count / len(zs),
                 draws=int(len(pts)), mu=pts.mean(axis=0), chol=chol,
                 log_det=float(np.log(np.diag(chol)).sum()))


def classify(z, states, k_max, n_lists, n_obs) -> int:
    """Index of the state ``z`` is in, or -1: of the states with as many occupied classes as
    ``z``, the one whose reference classes :func:`match` those of ``z`` most closely (the first
    such on a tie), provided ``z`` has that state's arrangement of labels."""
    best, best_cost, best_sticks = -1, math.inf, None
    for i, s in enumerate(states):
        m = match(z, s.ref, k_max, n_lists, n_obs)
        if m is not None and m[1] < best_cost:
            best, best_cost, best_sticks = i, m[1], m[0]
    return best if best >= 0 and best_sticks == states[best].sticks else -1
