"""How much posterior mass each state of a stuck lcmcr fit holds: the 20-list verdata stratum.

    PYTHONPATH=src python benchmarks/lcmcr_states.py [--seeds 1 2] [--draws 3000] [--max-classes 10]

At the defaults one chain in four sits at N ~1,410 with three occupied classes, while the others
sit at ~1,900 with four (docs/bayesian.md, 'Many lists'); no move tried crosses between them. This
script asks which state the posterior prefers, without crossing: for each seed it runs one chain
(raw numba seed, no label exchanges, so the chain keeps one arrangement of labels), keeps a draw of
the parameters every 10 iterations after 10,000 of burn-in, and estimates the log of the posterior
mass near that chain's state two ways:

- **bridge sampling** (Meng & Wong 1996, the iterative estimator; Gronau et al. 2017 for the
  recipe): the target is the joint posterior of the logits of the capture probabilities and the
  stick fractions and of ``log alpha``, with the classes and N summed out
  (``_marginal_logp`` plus the Beta(1, alpha) normalisers, the Gamma(0.25, 0.25) prior of alpha
  and the Jacobians); the proposal is a Gaussian fitted to one half of the draws, the other half
  bridges. Done twice, with the halves exchanged, as a check of stability.
- **Laplace's approximation** at the mode found from the chain's last state (L-BFGS on the same
  target given alpha, Hessian by central differences of the exact gradient), for alpha fixed at
  0.3 and 1.0.

Prints, per seed: the chain's N (median and 95% interval), occupied classes, the bridge estimates,
the Laplace estimates, and how far the Gaussian is from the posterior (median and 99th percentile
of log p/q of the proposal's draws, relative to the posterior draws': the bridge is reliable when
these are near 0). Differences of log mass between the seeds' states are what matter; the
absolute values include constants common to both. ~10 minutes for two seeds at 3,000 draws.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

A_ALPHA = B_ALPHA = 0.25


class Target:
    """The marginal posterior of one capture table's lcmcr parameters, in unconstrained form."""

    def __init__(self, bits, counts, k_max):
        self.bits, self.counts = bits, counts
        self.n_obs = int(counts.sum())
        self.k, self.j = k_max, bits.shape[1]
        self.dim = self.k * self.j + self.k - 1 + 1    # logits of lambda, of v, then log alpha
        self._scratch = [np.empty(self.k), np.empty(self.k), np.empty((self.k, self.j)),
                         np.empty((self.k, self.j)), np.empty((self.k, self.j))]

    def given_alpha(self, x, alpha):
        """Log density and gradient of (eta, xi) given alpha (x without its last coordinate)."""
        from uncounted.mse._lcmcr_kernels import _marginal_logp

        k, j = self.k, self.j
        eta = x[:k * j].reshape(k, j).copy()
        xi = np.zeros(k)
        xi[:k - 1] = x[k * j:k * j + k - 1]
        g_eta, g_xi = np.zeros((k, j)), np.zeros(k)
        v = _marginal_logp(eta, xi, alpha, self.bits, self.counts, self.n_obs, g_eta, g_xi,
                           *self._scratch)
        return v, np.concatenate([g_eta.ravel(), g_xi[:k - 1]])

    def joint(self, z):
        """Log density of (eta, xi, log alpha): the Beta(1, alpha) normaliser of each stick, the
        Gamma prior of alpha and the Jacobian of log alpha added to the given-alpha density."""
        from scipy.special import gammaln

        la = float(z[-1])
        v, _ = self.given_alpha(z[:-1], math.exp(la))
        return (v + (self.k - 1) * la + A_ALPHA * math.log(B_ALPHA) - gammaln(A_ALPHA)
                + (A_ALPHA - 1) * la - B_ALPHA * math.exp(la) + la)


def state_parts(st, k, j):
    """``lambda``, ``log v`` and ``log(1 - v)`` of a chain's saved state (now in the package)."""
    from uncounted.mse._lcmcr_jumps import state_parts as parts

    return parts(st, k, j)


def state_vector(st, k, j):
    """z = (logits of lambda, logits of the first K - 1 stick fractions, log alpha) of a state."""
    from uncounted.mse._lcmcr_jumps import state_vector as vector

    return vector(st, k, j)


def chain_draws(target, seed, n_draws, thin=10, burn_in=10_000):
    """Draws of z = (eta, xi, log alpha) and of N from one chain without label exchanges."""
    from uncounted.mse._lcmcr_kernels import run_chain, state_size

    k, j = target.k, target.j
    st = np.zeros(state_size(k, j))
    args = (A_ALPHA, B_ALPHA)
    run_chain(target.bits, target.counts, k, burn_in, 1, 1, *args, seed, 1, 40, 0, st, 1, 3)
    z, n, occ = np.empty((n_draws, target.dim)), np.empty(n_draws), np.empty(n_draws)
    for i in range(n_draws):
        nn, _, oo = run_chain(target.bits, target.counts, k, 0, 1, thin, *args,
                              seed * 100_003 + i, 1, 40, 0, st, 1, 3)
        z[i] = state_vector(st, k, j)
        n[i], occ[i] = nn[0], oo[0]
    return z, n, occ


def bridge(target, fit, use, seed=0):
    """Log normalising constant by the iterative bridge estimator, Gaussian proposal fitted to
    ``fit``, posterior draws ``use``; also the overlap (see the module docstring)."""
    from scipy.special import logsumexp

    d = target.dim
    mu = fit.mean(0)
    chol = np.linalg.cholesky(np.cov(fit.T) + 1e-6 * np.eye(d))
    logdet = 2 * np.log(np.diag(chol)).sum()

    def log_q(z):
        y = np.linalg.solve(chol, (z - mu).T)
        return -0.5 * (y ** 2).sum(0) - 0.5 * d * math.log(2 * math.pi) - 0.5 * logdet

    prop = mu + np.random.default_rng(seed).standard_normal((len(use), d)) @ chol.T
    l1 = np.array([target.joint(z) for z in use]) - log_q(use)
    l2 = np.array([target.joint(z) for z in prop]) - log_q(prop)
    ls1, ls2 = math.log(len(l1) / (len(l1) + len(l2))), math.log(len(l2) / (len(l1) + len(l2)))
    r = float(np.median(l1))
    for _ in range(500):
        num = logsumexp(l2 - np.logaddexp(ls1 + l2, ls2 + r)) - math.log(len(l2))
        den = logsumexp(-np.logaddexp(ls1 + l1, ls2 + r)) - math.log(len(l1))
        new = float(num - den)
        if abs(new - r) < 1e-9:
            break
        r = new
    return r, np.percentile(l2 - np.median(l1), [50, 99])


def laplace(target, x0, alpha):
    """Log mass by Laplace's approximation at the mode of the given-alpha density near x0."""
    from scipy.optimize import minimize

    def neg(x):
        v, g = target.given_alpha(x, alpha)
        return -v, -g

    x = minimize(neg, x0, jac=True, method="L-BFGS-B",
                 options={"maxiter": 20_000, "maxfun": 40_000, "gtol": 1e-7}).x
    v, _ = target.given_alpha(x, alpha)
    d, h = x.size, 1e-5
    hess = np.empty((d, d))
    for i in range(d):
        e = np.zeros(d)
        e[i] = h
        hess[i] = (target.given_alpha(x + e, alpha)[1] - target.given_alpha(x - e, alpha)[1]) / (2 * h)
    eig = np.linalg.eigvalsh(-0.5 * (hess + hess.T))
    return v + 0.5 * d * math.log(2 * math.pi) - 0.5 * float(np.log(eig).sum())


def main() -> None:
    from uncounted.mse.lcmcr import observed_patterns
    from uncounted.mse.table import read_capture_table

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default=str(ROOT.parent / "shared/data/mse/"
                                            "verdata_reclutamiento_r1_hombre_1999.csv"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--draws", type=int, default=3000)
    ap.add_argument("--max-classes", type=int, default=10)
    args = ap.parse_args()
    table = read_capture_table(args.table)
    bits, counts = observed_patterns(table)
    target = Target(bits, counts, args.max_classes)
    if args.draws // 2 < 5 * target.dim:
        ap.error(f"--draws {args.draws}: each half must hold at least 5 x {target.dim} draws to fit "
                 f"a {target.dim}-dimensional Gaussian (use {10 * target.dim} or more)")
    print(f"{Path(args.table).name}: {table.k} lists, {table.observed:,} observed, K = "
          f"{args.max_classes}, {args.draws:,} draws per chain")
    print(f"{'seed':>4} {'N median':>9} {'95% interval':>14} {'classes':>7} "
          f"{'bridge':>10} {'(swapped)':>10} {'overlap p50/p99':>16} "
          f"{'Laplace a=0.3':>14} {'Laplace a=1':>12}")
    for seed in args.seeds:
        z, n, occ = chain_draws(target, seed, args.draws)
        half = len(z) // 2
        b1, ov = bridge(target, z[:half], z[half:])
        b2, _ = bridge(target, z[half:], z[:half])
        lap = [laplace(target, z[-1, :-1], a) for a in (0.3, 1.0)]
        lo, hi = np.percentile(n, [2.5, 97.5])
        print(f"{seed:>4} {np.median(n):>9,.0f} {f'{lo:,.0f}-{hi:,.0f}':>14} {occ.mean():>7.2f} "
              f"{b1:>10.2f} {b2:>10.2f} {f'{ov[0]:.0f} / {ov[1]:.0f}':>16} "
              f"{lap[0]:>14.2f} {lap[1]:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
