"""Who each list catches: capture probabilities by list, covariate and latent class, and list
dependence (one list copying part of another). Array in, array out.

For person ``i`` and list ``j`` the capture probability is

``logit p_ij = logit(capture_j) + log class_odds_j[c_i] + log unit_type_odds_j[u_i] + log region_odds_j[r_i]``

so ``capture_j`` is the probability for a person in the reference group (all odds 1). Lists are
drawn independently given these probabilities; then a list with ``copy_from = a`` and
``copy_rate = q`` also takes each person on list ``a`` it missed with probability ``q``, so
``P(j | a) = p_j + (1 - p_j) q``.

References
----------
Bishop, Y. M. M., Fienberg, S. E. & Holland, P. W. (1975). *Discrete Multivariate Analysis*, ch. 6
(population size from incomplete multiple lists; dependence and heterogeneity).
"""

from __future__ import annotations

import numpy as np

from .population import Covariates


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def _log_odds(mult: float) -> float:
    return -np.inf if mult == 0 else float(np.log(mult))


def capture_probabilities(lists, cov: Covariates) -> np.ndarray:
    """``(n, k)`` matrix of each person's capture probability on each list (before copying)."""
    n = cov.size
    out = np.empty((n, len(lists)))
    for j, spec in enumerate(lists):
        eta = np.full(n, _logit(spec.capture))
        if spec.class_odds:
            eta += np.array([_log_odds(v) for v in spec.class_odds])[cov.latent_class]
        for utype, mult in spec.unit_type_odds.items():
            eta[cov.unit_type == utype] += _log_odds(mult)
        for region, mult in spec.region_odds.items():
            eta[cov.region == region] += _log_odds(mult)
        with np.errstate(over="ignore"):
            out[:, j] = 1.0 / (1.0 + np.exp(-eta))
        if spec.capture >= 1:
            out[:, j] = np.where(np.isneginf(eta), 0.0, 1.0)
    return out


def draw_captures(lists, cov: Covariates, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw who each list catches.

    Returns ``(caught, copied)``: boolean ``(n, k)`` matrices; ``copied[i, j]`` marks people that
    list ``j`` took from its ``copy_from`` list and would not have caught on its own.
    """
    p = capture_probabilities(lists, cov)
    caught = rng.random(p.shape) < p
    copied = np.zeros_like(caught)
    index = {s.name: j for j, s in enumerate(lists)}
    u = rng.random(p.shape)
    for j, spec in enumerate(lists):
        if spec.copy_from is None or spec.copy_rate <= 0:
            continue
        a = index[spec.copy_from]
        take = caught[:, a] & ~caught[:, j] & (u[:, j] < spec.copy_rate)
        copied[:, j] = take
        caught[:, j] |= take
    return caught, copied


def capture_counts(caught: np.ndarray) -> np.ndarray:
    """Counts by capture pattern (bit ``j`` = list ``j``), cell 0 set to 0 (the unknown)."""
    k = caught.shape[1]
    bits = (caught.astype(np.int64) << np.arange(k)).sum(axis=1)
    counts = np.bincount(bits, minlength=2**k).astype(np.int64)
    counts[0] = 0
    return counts
