"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997; R ``dga``).

Every decomposable (chordal) graph on the ``k`` lists is a log-linear model whose cliques carry the
dependence between lists. With a hyper-Dirichlet prior the marginal likelihood of the complete
``2**k`` table, for each value of the unobserved cell, is a product of Dirichlet-multinomial terms
over the cliques divided by the same terms over the separators. Averaging over all graphs (8 for 3
lists, 61 for 4, 822 for 5) and a grid of population sizes gives the exact joint posterior of graph
and ``N``; nothing is sampled except the optional draws kept for summing strata.

Prior parameterisation (as in R ``dga``): ``prior_delta`` is the prior count of every cell of the
full table; the marginal table over a clique ``C`` then has prior count
``prior_delta * 2**(k - |C|)`` per cell, so every marginal carries the same prior mass
``prior_delta * 2**k``. The prior on graphs is uniform.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import gammaln

from ..exceptions import EstimationWarning, InputError
from ._validation import Check, Interval, Options
from .base import Estimator
from .result import Estimate
from .status import warn
from .table import CaptureTable

__all__ = ["GraphAveraging", "GraphAveragingResults", "decomposable_graphs", "graph_posterior"]


# --------------------------------------------------------------------------- graphs
def _is_chordal_mcs(adj: np.ndarray) -> tuple[bool, list[int]]:
    """Maximum cardinality search; chordal iff each vertex's earlier neighbours are a clique.

    References
    ----------
    Tarjan, R. E. & Yannakakis, M. (1984). Simple linear-time algorithms to test chordality of
    graphs. SIAM J. Comput. 13(3):566-579. doi:10.1137/0213035
    """
    k = adj.shape[0]
    order: list[int] = []
    weight = np.zeros(k, dtype=int)
    for _ in range(k):
        cand = [v for v in range(k) if v not in order]
        v = max(cand, key=lambda u: (weight[u], -u))
        before = [u for u in order if adj[v, u]]
        for a, b in itertools.combinations(before, 2):
            if not adj[a, b]:
                return False, order
        order.append(v)
        weight[adj[v].astype(bool)] += 1
    return True, order


def _cliques_separators(adj: np.ndarray, order: list[int]) -> tuple[list[int], list[int]]:
    """Cliques in a running-intersection order and their separators, as list bit masks."""
    sets = []
    for i, v in enumerate(order):
        sets.append(frozenset([v] + [u for u in order[:i] if adj[v, u]]))
    cliques = [s for s in sets if not any(s < t for t in sets)]
    cliques = list(dict.fromkeys(cliques))  # MCS order is already a running-intersection order
    seps, seen = [], frozenset()
    for c in cliques:
        seps.append(c & seen)
        seen = seen | c
    mask = lambda s: sum(1 << j for j in s)
    return [mask(c) for c in cliques], [mask(s) for s in seps[1:]]


@functools.cache
def decomposable_graphs(k: int) -> tuple:
    """All decomposable graphs on ``k`` labelled vertices (computed once, then cached).

    Returns a tuple of ``(cliques, separators, edges)`` where cliques and separators are bit masks
    over the lists (bit ``j`` = list ``j``) and separators may be 0 (disconnected components).
    There are 8, 61 and 822 graphs for ``k`` = 3, 4, 5.
    """
    pairs = list(itertools.combinations(range(k), 2))
    out = []
    for bits in range(2 ** len(pairs)):
        adj = np.zeros((k, k), dtype=np.int8)
        edges = tuple(p for i, p in enumerate(pairs) if (bits >> i) & 1)
        for a, b in edges:
            adj[a, b] = adj[b, a] = 1
        ok, order = _is_chordal_mcs(adj)
        if ok:
            cl, sep = _cliques_separators(adj, order)
            out.append((tuple(cl), tuple(sep), edges))
    return tuple(out)


def _coefficients(k: int) -> np.ndarray:
    """``(n_graphs, 2**k)`` matrix: +1 per clique, -1 per separator (empty separators add 0)."""
    graphs = decomposable_graphs(k)
    coef = np.zeros((len(graphs), 2**k))
    for g, (cl, sep, _) in enumerate(graphs):
        for c in cl:
            coef[g, c] += 1
        for s in sep:
            coef[g, s] -= 1
    coef[:, 0] = 0.0
    return coef


# --------------------------------------------------------------------------- posterior
def _marginal_terms(counts: np.ndarray, k: int, delta: float, missing: np.ndarray) -> np.ndarray:
    """Log Dirichlet-multinomial marginal likelihood of every marginal table, per missing count.

    Row ``A`` (a bit mask of lists) is, for the table summed onto the lists in ``A``,
    ``lgamma(a) - lgamma(N + a) + sum_cells [lgamma(n_c + a_A) - lgamma(a_A)]`` with
    ``a = delta 2**k`` and ``a_A = delta 2**(k - |A|)``; the cell "on none of A" holds the missing
    count. Row 0 is 0 (the empty set's term cancels). Shape ``(2**k, len(missing))``.
    """
    n_obs = counts.sum()
    total = delta * 2**k
    n = n_obs + missing
    out = np.zeros((2**k, missing.size))
    patterns = np.arange(2**k)
    base = gammaln(total) - gammaln(n + total)
    for a in range(1, 2**k):
        size = a.bit_count()
        alpha = delta * 2 ** (k - size)
        marg = np.bincount(patterns & a, weights=counts, minlength=2**k)
        cells = np.unique(patterns & a)
        fixed = sum(gammaln(marg[c] + alpha) - gammaln(alpha) for c in cells if c != 0)
        out[a] = base + fixed + gammaln(marg[0] + missing + alpha) - gammaln(alpha)
    return out


def graph_posterior(counts: np.ndarray, k: int, delta: float, missing: np.ndarray,
                    log_prior_n: np.ndarray) -> np.ndarray:
    """Joint posterior probabilities of (graph, missing count), shape ``(n_graphs, len(missing))``.

    ``counts`` is the ``2**k`` capture vector (cell 0 ignored), ``missing`` the grid of values for
    the unobserved cell and ``log_prior_n`` the log prior of ``N = observed + missing`` on that grid
    (including any grid-spacing weight). The prior on graphs is uniform.
    """
    counts = np.asarray(counts, dtype=float).copy()
    counts[0] = 0.0
    missing = np.asarray(missing, dtype=float)
    n = counts.sum() + missing
    comps = _marginal_terms(counts, k, delta, missing)
    logw = _coefficients(k) @ comps
    multinom = gammaln(n + 1) - gammaln(counts[1:] + 1).sum() - gammaln(missing + 1)
    logw += multinom + log_prior_n
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def _grid(observed: int, n_max: int, n_grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer values of the missing cell from 0 to ``n_max - observed``, at most ``n_grid`` of them,
    and the width of the stretch of N each one stands for (1 on the integer part of the grid)."""
    top = n_max - observed
    if top + 1 <= n_grid:
        m = np.arange(top + 1, dtype=float)
    else:  # every integer near the data, then geometric steps out to n_max
        h = n_grid // 2
        tail = np.geomspace(h, top, n_grid - h)
        m = np.unique(np.concatenate([np.arange(h, dtype=float), np.round(tail)]))
    edges = np.concatenate([[m[0] - 0.5], (m[1:] + m[:-1]) / 2, [m[-1] + 0.5]])
    return m, np.diff(edges)


def _log_prior(prior_n, n: np.ndarray) -> np.ndarray:
    if callable(prior_n):
        lp = np.asarray(prior_n(n.copy()), dtype=float)
        if lp.shape != n.shape:
            raise InputError(f"prior_n returned shape {lp.shape}; it must return one log prior per N "
                             f"({n.shape})", column="prior_n")
        return lp
    if prior_n == "uniform":
        return np.zeros_like(n)
    if prior_n == "jeffreys":
        return -np.log(n)
    raise InputError("prior_n must be 'uniform', 'jeffreys' or a function of N returning log prior",
                     column="prior_n", value=prior_n)


def _graph_label(edges, lists) -> str:
    """Readable model, e.g. ``"[EXH-ABA, OSCE, HRW]"`` (connected components, edges inside)."""
    k = len(lists)
    comp = list(range(k))

    def find(x):
        while comp[x] != x:
            x = comp[x]
        return x

    for a, b in edges:
        comp[find(a)] = find(b)
    parts = []
    for root in sorted({find(v) for v in range(k)}, key=lambda r: min(v for v in range(k) if find(v) == r)):
        members = [v for v in range(k) if find(v) == root]
        es = [f"{lists[a]}-{lists[b]}" for a, b in edges if find(a) == root]
        parts.append(", ".join(es) if es else lists[members[0]])
    return "[" + "; ".join(parts) + "]"


def _quantile_from_grid(values: np.ndarray, probs: np.ndarray, q) -> np.ndarray:
    cdf = np.cumsum(probs)
    idx = np.searchsorted(cdf, np.atleast_1d(q) * cdf[-1], side="left")
    return values[np.minimum(idx, len(values) - 1)]


@dataclass(frozen=True)
class GraphAveragingResults:
    """The exact posterior, reachable as ``estimate.results``.

    Attributes
    ----------
    graphs
        Every decomposable graph averaged over, as readable labels (``"[EXH-ABA, OSCE, HRW]"``).
    weights
        Posterior probability of each graph (sums to 1).
    n, posterior_n
        The grid of population sizes and the posterior probability of each grid point.
    modes
        The posterior mode of N under each graph.
    """

    graphs: tuple[str, ...]
    weights: np.ndarray
    n: np.ndarray
    posterior_n: np.ndarray
    modes: np.ndarray

    def top(self, m: int = 5) -> list[tuple[str, float]]:
        """The ``m`` graphs of highest posterior probability, with their probabilities."""
        order = np.argsort(-self.weights, kind="stable")[:m]
        return [(self.graphs[g], float(self.weights[g])) for g in order]


class GraphAveraging(Estimator):
    """Exact Bayesian model averaging over all decomposable graphical models (3 to 5 lists).

    Parameters
    ----------
    prior_delta
        Hyper-Dirichlet prior count per cell of the full table. Default ``2**-k`` (one prior
        observation spread over the table), the default recommended by R ``dga``.
    n_max
        Largest population size on the grid. Default ``max(40 * observed, observed + 1000)``
        (R ``dga`` runs in the project's reference table used about 40 times the number observed;
        with a heavy right tail, as on Korea, the upper interval end moves with ``n_max``).
        A warning is issued when the posterior has visible mass near ``n_max``.
    n_grid
        Most grid points for the missing cell; an integer grid is used when it fits, otherwise
        every integer up to ``n_grid // 2`` and geometric steps beyond, each point weighted by the
        width of N it stands for.
    prior_n
        Prior on N: ``"jeffreys"`` (proportional to 1/N, R ``dga``'s default), ``"uniform"``, or a
        function taking an array of N and returning the log prior (need not be normalised).
    level
        Interval level (equal-tailed posterior quantiles).
    top
        Number of graphs, by posterior weight, reported in ``diagnostics["top_models"]``.
    n_draws
        Number of draws of N kept on the Estimate, shaped ``(1, n_draws)`` (sampled from the grid
        posterior with ``seed``; the estimate itself is computed exactly on the grid). They let
        strata be summed draw by draw.
    seed
        Seed for the draws.

    Notes
    -----
    ``estimate.results`` is a :class:`GraphAveragingResults` (every graph's weight, the grid
    posterior of N).

    References
    ----------
    Madigan, D. & York, J. C. (1997). Bayesian methods for estimation of the size of a closed
    population. Biometrika 84(1):19-31. doi:10.1093/biomet/84.1.19
    Dawid, A. P. & Lauritzen, S. L. (1993). Hyper Markov laws in the statistical analysis of
    decomposable graphical models. Ann. Statist. 21(3):1272-1317. doi:10.1214/aos/1176349260
    Johndrow, J., Lum, K. & Ball, P. (2015). dga: Capture-Recapture Estimation using Bayesian
    Model Averaging. R package (CRAN).
    """

    name = "dga"
    min_lists = 3
    max_lists = 5
    draws_kind = "posterior"
    _constraints: ClassVar[dict[str, list]] = {
        "prior_delta": [None, Interval("real", 0, None, closed="neither")],
        "n_max": [None, Interval("integer", 1, None)],
        "n_grid": [Interval("integer", 10, None)],
        "prior_n": [Options(("jeffreys", "uniform")), Check(callable, "a function of N")],
        "level": [Interval("real", 0, 1, closed="neither")],
        "top": [Interval("integer", 1, None)],
        "n_draws": [Interval("integer", 1, None)],
        "seed": [Interval("integer", 0, None)],
    }

    def __init__(self, *, prior_delta: float | None = None, n_max: int | None = None,
                 n_grid: int = 20_000, prior_n: str | Callable = "jeffreys", level: float = 0.95,
                 top: int = 5, n_draws: int = 10_000, seed: int = 1):
        self.prior_delta = prior_delta
        self.n_max = n_max
        self.n_grid = n_grid
        self.prior_n = prior_n
        self.level = level
        self.top = top
        self.n_draws = n_draws
        self.seed = seed

    def _hint_few(self) -> str:
        return "With two lists use lincoln-petersen (or chao for a lower bound)"

    def _hint_many(self) -> str:
        return ("dga averages over every decomposable graph, which is only practical for 3 to 5 "
                "lists. Use lcmcr (latent classes) or loglinear instead, or merge lists down to 5")

    def _fit(self, table: CaptureTable) -> Estimate:
        k, obs = table.k, table.observed
        delta = 2.0**-k if self.prior_delta is None else float(self.prior_delta)
        n_max = int(self.n_max) if self.n_max is not None else max(40 * obs, obs + 1000)
        if n_max <= obs:
            raise InputError(f"n_max ({n_max}) must exceed the number observed ({obs})",
                             column="n_max", value=n_max)
        missing, width = _grid(obs, n_max, int(self.n_grid))
        n = obs + missing
        log_prior = _log_prior(self.prior_n, n) + np.log(width)
        w = graph_posterior(table.dense_counts(max_k=self.max_lists), k, delta, missing, log_prior)
        return self._summarise(table, w, n, width, delta, n_max)

    def _summarise(self, table, w, n, width, delta, n_max) -> Estimate:
        post_n = w.sum(axis=0)
        alpha = (1 - self.level) / 2
        med, lo, hi = _quantile_from_grid(n, post_n, [0.5, alpha, 1 - alpha])
        mode = float(n[np.argmax(post_n / width)])
        mean = float(post_n @ n)
        graphs = decomposable_graphs(table.k)
        labels = tuple(_graph_label(g[2], table.lists) for g in graphs)
        gw = w.sum(axis=1)
        order = np.argsort(-gw, kind="stable")[: self.top]
        top = [{"model": labels[g], "weight": float(gw[g]),
                "mode": float(n[np.argmax(w[g] / width)])} for g in order]
        from .lcmcr import seed_sequence

        rng = np.random.default_rng(seed_sequence(self.seed, table))
        pick = rng.choice(n.size, size=int(self.n_draws), p=post_n)
        draws = n[pick] + np.round(rng.uniform(-0.5, 0.5, pick.size) * (width[pick] - 1))
        if post_n[n > n_max - 0.05 * (n_max - table.observed)].sum() > 1e-3:
            warn("grid_end", f"dga: the posterior of N has mass near the grid's end "
                 f"n_max={n_max:,}; raise it", EstimationWarning)
        diag = {"posterior_mode": mode, "posterior_mean": mean, "posterior_median": float(med),
                "prior_delta": delta, "prior_n": self.prior_n if isinstance(self.prior_n, str)
                else getattr(self.prior_n, "__name__", "callable"),
                "n_max": n_max, "grid_points": int(n.size), "graphs": len(graphs),
                "top_models": top}
        results = GraphAveragingResults(graphs=labels, weights=_ro(gw), n=_ro(n),
                                        posterior_n=_ro(post_n),
                                        modes=_ro(n[np.argmax(w / width, axis=1)]))
        return Estimate(method=self.name, model=f"average of {len(graphs)} decomposable graphs",
                        lists=table.lists, observed=table.observed, estimate=float(med),
                        lower=float(lo), upper=float(hi), level=self.level, seed=self.seed,
                        diagnostics=diag, draws=draws.reshape(1, -1).astype(float),
                        draws_kind="posterior", results=results)


def _ro(a) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a
