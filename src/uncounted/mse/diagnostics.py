"""MCMC convergence diagnostics: rank-normalised split R-hat and bulk/tail effective sample size.

Array in, number out: ``draws`` has shape ``(chains, draws_per_chain)``.

References
----------
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC. Bayesian Analysis
16(2):667-718. doi:10.1214/20-BA1221
Geyer, C. J. (1992). Practical Markov chain Monte Carlo. Statistical Science 7(4):473-483.
doi:10.1214/ss/1177011137
"""

from __future__ import annotations

import numpy as np

__all__ = ["ess_bulk", "ess_tail", "rhat", "summarise_chains"]


def _split(draws: np.ndarray) -> np.ndarray:
    draws = np.atleast_2d(np.asarray(draws, dtype=float))
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, -half:]], axis=0)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of all values of ``x``, ties given their average rank (as ``rankdata``)."""
    flat = x.ravel()
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])  # ranks before each distinct value
    return (first + (counts + 1) / 2.0)[inverse].reshape(x.shape)


def _rank_normal(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    r = _average_ranks(x)
    return ndtri((r - 0.375) / (x.size + 0.25))


def _basic_rhat(x: np.ndarray) -> float:
    n = x.shape[1]
    if n < 2 or np.ptp(x) == 0:
        return float("nan")
    w = x.var(axis=1, ddof=1).mean()
    b = n * x.mean(axis=1).var(ddof=1)
    return float(np.sqrt(((n - 1) / n * w + b / n) / w))


def rhat(draws: np.ndarray) -> float:
    """Rank-normalised split R-hat: the larger of the bulk and the folded (tail) R-hat."""
    x = _split(draws)
    if np.ptp(x) == 0:
        return float("nan")
    bulk = _basic_rhat(_rank_normal(x))
    folded = _basic_rhat(_rank_normal(np.abs(x - np.median(x))))
    return float(np.nanmax([bulk, folded]))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance of each row (biased, by FFT)."""
    n = x.shape[1]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    centred = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(centred, n=size, axis=1)
    return np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n] / n


def _ess(x: np.ndarray) -> float:
    """Effective sample size of ``(chains, n)`` draws, Geyer's initial monotone sequence."""
    m, n = x.shape
    if n < 4 or np.ptp(x) == 0:
        return float("nan")
    acov = _autocov(x)
    w = acov[:, 0].mean() * n / (n - 1)
    var_plus = w * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[:-1:2] + rho[1::2]
    stop = np.argmax(pairs <= 0) if np.any(pairs <= 0) else pairs.size
    pairs = np.minimum.accumulate(pairs[:stop])
    tau = -1.0 + 2.0 * pairs.sum()
    tau = max(tau, 1.0 / np.log10(m * n))
    return float(m * n / tau)


def ess_bulk(draws: np.ndarray) -> float:
    """Bulk effective sample size (rank-normalised split chains)."""
    return _ess(_rank_normal(_split(draws)))


def ess_tail(draws: np.ndarray) -> float:
    """Tail effective sample size: the smaller ESS of the 5% and 95% quantile indicators."""
    x = _split(draws)
    if np.ptp(x) == 0:
        return float("nan")
    q05, q95 = np.quantile(x, [0.05, 0.95])
    return float(np.nanmin([_ess((x <= q05).astype(float)), _ess((x >= q95).astype(float))]))


def summarise_chains(draws: np.ndarray) -> dict[str, float]:
    """R-hat, bulk and tail ESS of ``(chains, n)`` draws as a dict."""
    return {"rhat": rhat(draws), "ess_bulk": ess_bulk(draws), "ess_tail": ess_tail(draws)}
