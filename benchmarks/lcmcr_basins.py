"""Weigh the states of a stuck lcmcr fit: each state's posterior mass, all label arrangements counted.

    PYTHONPATH=src python benchmarks/lcmcr_basins.py [--seeds 1 2] [--rank 1] [--particles 400]

On the 20-list verdata stratum the default sampler's chains sit in one of two states and never
cross (docs/bayesian.md, 'Many lists'). ``lcmcr_states.py`` estimated each state's mass by bridge
sampling and Laplace's approximation, but for one arrangement of the class labels only, with a
Gaussian proposal far from the posterior. This script measures the mass of each *whole* state:

1. **A chain with label exchanges** (raw numba seed per state: seed 1 falls in the N ~1,410 state,
   seed 2 in the other), 10,000 iterations of burn-in, then a draw every 10 iterations. Each
   draw's arrangement is where its occupied classes (weight > 0.02) sit among the K sticks, the
   classes told apart by matching their capture probabilities to those of the burn-in's last
   draw. The share ``f`` of draws in the chosen arrangement (``--rank 1``: the commonest) is that
   arrangement's share of the state's mass: label exchanges move the chain between arrangements
   with the prior's weights (``test_label_swap_ratio_is_the_prior_ratio``). These draws of N
   are also the state's posterior of N.
2. **The chain frozen in that arrangement**: continued without label exchanges from a draw in it,
   2,000 iterations, then a draw of the parameters every 10 (logits of the capture probabilities
   and of the stick fractions, and log alpha); the share of draws still in the arrangement is
   printed.
3. **The arrangement's mass** by a sequential Monte Carlo sampler (Del Moral, Doucet & Jasra 2006)
   along the geometric path ``q^(1-b) p^b`` from a Gaussian ``q`` fitted to those draws to the
   posterior ``p`` (the classes and N summed out, ``_marginal_logp`` with alpha's prior and the
   Jacobians): adaptive steps of ``b`` keeping the effective sample size at 90%, systematic
   resampling, 20 Hamiltonian moves per particle per step (Neal 2011). ``log Z`` is the sum of the
   log mean incremental weights; ``q`` is normalised, so it estimates the log mass of the region
   the particles stay in (annealed importance sampling, Neal 2001, with resampling).
4. The state's log mass is ``log Z - log f``.

Checked by running it from a second arrangement (``--rank 2``): the state's mass must come out
the same. Prints one row per state, then each state's posterior probability and the N that a
sampler weighing them so would report (the states' draws of N mixed in those proportions).
About 4 minutes per state on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from numba import njit, prange

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from lcmcr_states import state_parts, state_vector  # noqa: E402  (beside this script)

from uncounted.mse import _lcmcr_kernels as kern  # noqa: E402
from uncounted.mse._lcmcr_jumps import log_posterior  # noqa: E402

A_ALPHA = B_ALPHA = 0.25
K_MAX = 10


@njit(cache=True)
def _log_post(z, k_max, n_lists, bits, counts, n_obs, g, ge, gx, xi, s0, s1, s2, s3, s4):
    """Log density of z = (eta, xi[:K-1], log alpha) and its gradient into ``g``
    (:func:`uncounted.mse._lcmcr_jumps.log_posterior`, up to a constant)."""
    return log_posterior(z, k_max, n_lists, A_ALPHA, B_ALPHA, bits, counts, n_obs, g,
                         (ge, gx, xi, s0, s1, s2, s3, s4))


@njit(cache=True)
def _log_q(z, mu, prec, log_q0, gq):
    s = 0.0
    for i in range(z.size):
        acc = 0.0
        for j in range(z.size):
            acc += prec[i, j] * (z[j] - mu[j])
        gq[i] = -acc
        s += (z[i] - mu[i]) * acc
    return log_q0 - 0.5 * s


@njit(cache=True)
def _path(z, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, g, gp, gq, work):
    """``(1 - b) log q + b log p`` and its gradient; also ``log p - log q``."""
    ge, gx, xi, s0, s1, s2, s3, s4 = work
    lp = _log_post(z, k_max, n_lists, bits, counts, n_obs, gp, ge, gx, xi, s0, s1, s2, s3, s4)
    if not math.isfinite(lp):
        return -np.inf, -np.inf
    lq = _log_q(z, mu, prec, log_q0, gq)
    for i in range(z.size):
        g[i] = (1 - b) * gq[i] + b * gp[i]
    return (1 - b) * lq + b * lp, lp - lq


@njit(parallel=True, cache=True)
def _move(Z, log_ratio, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, eps, steps,
          moves, acc_out, seed):
    """``moves`` HMC transitions of every particle on the path's density at ``b`` (unit mass,
    1..steps leapfrog steps); stores each particle's ``log p - log q`` and acceptance."""
    n_part, d = Z.shape
    for i in prange(n_part):
        np.random.seed(seed + i)
        g, gp, gq = np.empty(d), np.empty(d), np.empty(d)
        x1, p = np.empty(d), np.empty(d)
        work = (np.empty((k_max, n_lists)), np.empty(k_max), np.empty(k_max), np.empty(k_max),
                np.empty(k_max), np.empty((k_max, n_lists)), np.empty((k_max, n_lists)),
                np.empty((k_max, n_lists)))
        z = Z[i]
        acc = 0.0
        for _ in range(moves):
            kin0 = 0.0
            for c in range(d):
                x1[c] = z[c]
                p[c] = np.random.standard_normal()
                kin0 += 0.5 * p[c] * p[c]
            t0, _ = _path(x1, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, g, gp, gq,
                          work)
            t1 = t0
            for _s in range(1 + np.random.randint(0, steps)):
                for c in range(d):
                    p[c] += 0.5 * eps * g[c]
                    x1[c] += eps * p[c]
                t1, _ = _path(x1, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, g,
                              gp, gq, work)
                if not math.isfinite(t1):
                    break
                for c in range(d):
                    p[c] += 0.5 * eps * g[c]
            a = 0.0
            if math.isfinite(t1):
                kin1 = 0.0
                for c in range(d):
                    kin1 += 0.5 * p[c] * p[c]
                log_a = t1 - kin1 - t0 + kin0
                a = 1.0 if log_a >= 0 else math.exp(log_a)
                if np.random.random() < a:
                    for c in range(d):
                        z[c] = x1[c]
            acc += a
        acc_out[i] = acc / max(moves, 1)
        _, log_ratio[i] = _path(z, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, g,
                                gp, gq, work)


def _ess(log_w):
    w = np.exp(log_w - log_w.max())
    return w.sum() ** 2 / (w ** 2).sum()


def basin_mass(bits, counts, draws, n_part, seed, moves=20, steps=15, keep=0.9):
    """Log mass of the basin the draws sit in (see the module docstring, step 3)."""
    rng = np.random.default_rng(seed)
    k_max, n_lists, n_obs = K_MAX, bits.shape[1], int(counts.sum())
    d = draws.shape[1]
    mu = draws.mean(0)
    cov = np.cov(draws.T) + 1e-6 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    prec = np.linalg.inv(cov)
    log_q0 = -0.5 * d * math.log(2 * math.pi) - float(np.log(np.diag(chol)).sum())
    Z = mu + rng.standard_normal((n_part, d)) @ chol.T
    log_ratio, acc = np.empty(n_part), np.empty(n_part)
    _move(Z, log_ratio, 0.0, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, 0.1, steps, 0,
          acc, 1)
    b, log_z, eps, n_steps = 0.0, 0.0, 0.1, 0
    while b < 1.0:
        lr = np.where(np.isfinite(log_ratio), log_ratio, -np.inf)

        def kept(nb, lr=lr, b=b):
            return _ess((nb - b) * lr) / n_part

        if kept(1.0) >= keep:
            nb = 1.0
        else:
            lo, hi = b, 1.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if kept(mid) >= keep else (lo, mid)
            nb = max(lo, b + 1e-9)
        inc = (nb - b) * lr
        top = inc.max()
        log_z += top + math.log(np.exp(inc - top).mean())
        w = np.exp(inc - top)
        w /= w.sum()
        pick = np.minimum(np.searchsorted(np.cumsum(w), (rng.uniform() + np.arange(n_part)) / n_part),
                          n_part - 1)
        Z, log_ratio = Z[pick].copy(), log_ratio[pick].copy()
        b = nb
        _move(Z, log_ratio, b, k_max, n_lists, bits, counts, n_obs, mu, prec, log_q0, eps, steps,
              moves, acc, int(rng.integers(1 << 30)))
        eps = min(max(eps * math.exp(1.5 * (acc.mean() - 0.65)), 1e-3), 1.0)
        n_steps += 1
    return log_z, n_steps


def _unpack(st, n_lists):
    """``lambda`` (a copy) and the class weights of a chain's saved state."""
    lam, log_v, log_w = state_parts(st, K_MAX, n_lists)
    pi = np.exp(log_v + np.concatenate([[0.0], np.cumsum(log_w[:-1])]))
    return lam.copy(), pi


def _arrangement(lam, pi, ref, occupied=0.02):
    """Sticks of the occupied classes, in the order of the reference classes; None if the number of
    occupied classes differs from the reference's."""
    occ = np.flatnonzero(pi > occupied)
    if len(occ) != len(ref):
        return None
    best = min(itertools.permutations(occ),
               key=lambda perm: sum(np.abs(lam[p] - r).sum() for p, r in zip(perm, ref)))
    return tuple(int(s) for s in best)


def weigh_state(bits, counts, seed, rank, n_draws, n_part, smc_seed):
    n_lists = bits.shape[1]
    args = (A_ALPHA, B_ALPHA)
    st = np.zeros(kern.state_size(K_MAX, n_lists))
    kern.run_chain(bits, counts, K_MAX, 10_000, 1, 1, *args, seed, 1, 40, 10, st, 1, 3)
    lam, pi = _unpack(st, n_lists)
    ref = [lam[k] for k in np.flatnonzero(pi > 0.02)]
    arrangements, states, n = [], [], np.empty(n_draws)
    for i in range(n_draws):
        nn, _, _ = kern.run_chain(bits, counts, K_MAX, 0, 1, 10, *args, seed * 1_000_003 + i, 1,
                                  40, 10, st, 1, 3)
        lam, pi = _unpack(st, n_lists)
        arrangements.append(_arrangement(lam, pi, ref))
        states.append(st.copy())
        n[i] = nn[0]
    seen = Counter(a for a in arrangements if a is not None)
    chosen, count = seen.most_common()[rank - 1]
    share = count / n_draws
    st = states[arrangements.index(chosen)].copy()
    kern.run_chain(bits, counts, K_MAX, 2_000, 1, 1, *args, seed + 77, 1, 40, 0, st, 1, 3)
    dim = K_MAX * n_lists + K_MAX
    z, stayed = np.empty((n_draws, dim)), 0
    for i in range(n_draws):
        kern.run_chain(bits, counts, K_MAX, 0, 1, 10, *args, seed * 7_000_003 + i, 1, 40, 0, st, 1, 3)
        lam, pi = _unpack(st, n_lists)
        stayed += _arrangement(lam, pi, ref) == chosen
        z[i] = state_vector(st, K_MAX, n_lists)
    log_z, n_steps = basin_mass(bits, counts, z, n_part, smc_seed)
    return {"seed": seed, "classes": len(ref), "arrangements": len(seen), "chosen": chosen,
            "share": share, "stayed": stayed / n_draws, "log_z": log_z, "steps": n_steps,
            "log_mass": log_z - math.log(share), "n": n}


def main() -> None:
    from uncounted.mse.lcmcr import observed_patterns
    from uncounted.mse.table import read_capture_table

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default=str(ROOT.parent / "shared/data/mse/"
                                            "verdata_reclutamiento_r1_hombre_1999.csv"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rank", type=int, default=1, help="weigh through the arrangement of this "
                    "rank by frequency (1: the commonest; 2 checks the first)")
    ap.add_argument("--draws", type=int, default=3000)
    ap.add_argument("--particles", type=int, default=400)
    ap.add_argument("--smc-seed", type=int, default=1)
    args = ap.parse_args()
    table = read_capture_table(args.table)
    bits, counts = observed_patterns(table)
    print(f"{Path(args.table).name}: {table.k} lists, {table.observed:,} observed, K = {K_MAX}; "
          f"{args.draws:,} draws per chain, {args.particles} particles, arrangement rank {args.rank}")
    print(f"{'seed':>4} {'N median':>9} {'95% interval':>14} {'classes':>7} {'arrangements':>12} "
          f"{'share':>6} {'stayed':>6} {'log mass arr.':>13} {'SMC steps':>9} {'log mass state':>14} "
          f"{'s':>5}")
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        r = weigh_state(bits, counts, seed, args.rank, args.draws, args.particles, args.smc_seed)
        rows.append(r)
        lo, hi = np.percentile(r["n"], [2.5, 97.5])
        print(f"{seed:>4} {np.median(r['n']):>9,.0f} {f'{lo:,.0f}-{hi:,.0f}':>14} "
              f"{r['classes']:>7} {r['arrangements']:>12} {r['share']:>6.3f} {r['stayed']:>6.3f} "
              f"{r['log_z']:>13.2f} {r['steps']:>9} {r['log_mass']:>14.2f} "
              f"{time.perf_counter() - t0:>5.0f}", flush=True)
    masses = np.array([r["log_mass"] for r in rows])
    prob = np.exp(masses - masses.max())
    prob /= prob.sum()
    rng = np.random.default_rng(0)
    which = rng.choice(len(rows), size=200_000, p=prob)
    mixed = np.concatenate([rng.choice(r["n"], size=int((which == i).sum()))
                            for i, r in enumerate(rows)])
    lo, hi = np.percentile(mixed, [2.5, 97.5])
    print("posterior probability of each state: "
          + ", ".join(f"seed {r['seed']} {p:.2f}" for r, p in zip(rows, prob)))
    print(f"N with the states so weighed: median {np.median(mixed):,.0f} (95%: {lo:,.0f}-{hi:,.0f})")


if __name__ == "__main__":
    main()
