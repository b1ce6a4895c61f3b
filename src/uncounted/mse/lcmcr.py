"""Non-parametric latent class model for capture-recapture (Manrique-Vallier 2016; R ``LCMCR``).

Each person belongs to one of at most ``K`` latent classes; within a class the lists catch people
independently, with class-specific probabilities ``lambda[k, j]``. The class weights come from a
truncated stick-breaking (Dirichlet-process) prior with concentration ``alpha ~ Gamma(a, b)``, so
the data decide how many classes are used. Heterogeneous catchability, the usual reason lists are
dependent, is captured by the mixture. The prior on the population size is ``p(N) ∝ 1/N``.

The Gibbs sampler (data augmentation of the unobserved cell included), with a partially collapsed
move of the unobserved class sizes, a Hamiltonian Monte Carlo move of the parameters, exchanges of
class labels and split-merge moves of whole classes, runs in numba
(:mod:`uncounted.mse._lcmcr_kernels`). When chains sit in separate states of the posterior,
jumps between the states carry them across (:mod:`uncounted.mse._lcmcr_jumps`). Chains run in
threads, each seeded from ``numpy.random.SeedSequence([seed, table hash])``, so a seed reproduces
every draw.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..exceptions import ConvergenceWarning, InputError
from ._validation import Check, Interval
from .base import Estimator, available_cores
from .diagnostics import summarise_chains
from .result import Estimate
from .status import warn
from .table import CaptureTable

__all__ = ["LatentClass", "LatentClassResults", "chain_seeds", "chains_apart", "plot_trace",
           "seed_sequence"]


def seed_sequence(seed: int, table: CaptureTable | None = None) -> np.random.SeedSequence:
    """The random stream for one fit: ``seed`` mixed with the table's :meth:`input_hash`.

    Strata fitted with the same seed thus get independent streams (their draws are summed draw by
    draw, which needs independent posteriors), and a seed still reproduces every fit.
    """
    entropy = [int(seed)]
    if table is not None:
        entropy.append(int(table.input_hash(), 16))
    return np.random.SeedSequence(entropy)


def chain_seeds(seed: int, chains: int, table: CaptureTable | None = None) -> list[int]:
    """One 32-bit seed per chain, derived from ``seed`` (and the table) by :func:`seed_sequence`."""
    states = seed_sequence(seed, table).generate_state(chains, dtype=np.uint32)
    return [int(s) for s in states]


def observed_patterns(table: CaptureTable) -> tuple[np.ndarray, np.ndarray]:
    """The distinct observed patterns as a ``(M, J)`` 0/1 ``uint8`` matrix, and their counts.

    Only the patterns somebody has: the sampler's cost per iteration is proportional to their
    number, never to ``2**J``.
    """
    return np.ascontiguousarray(table.bits()), np.array(table.pattern_counts, dtype=np.int64)


def sample_chains(bits, counts, *, max_classes, burn_in, n_draws, thin, a_alpha, b_alpha, seeds,
                  workers=1, collapsed_steps=1, hmc_steps=40, label_swaps=10, split_merge=0,
                  states=None):
    """Run one chain per seed; return arrays ``(chains, n_draws)`` of N, alpha and occupied classes.

    With ``workers > 1`` chains run in that many threads (the kernel releases the GIL); each chain
    seeds its own thread's generator, so the draws are the same whatever ``workers`` is.
    ``states`` (one float array per chain, see :func:`~uncounted.mse._lcmcr_kernels.state_size`)
    continues chains from where an earlier call left them and is updated in place; ``None``
    starts fresh chains.
    """
    from ._lcmcr_kernels import run_chain, state_size

    if states is None:
        states = [np.zeros(state_size(int(max_classes), bits.shape[1])) for _ in seeds]

    def one(args):
        s, state = args
        return run_chain(bits, counts, int(max_classes), int(burn_in), int(n_draws), int(thin),
                         float(a_alpha), float(b_alpha), s, int(collapsed_steps), int(hmc_steps),
                         int(label_swaps), state, int(split_merge))

    out = _per_chain(one, list(zip(seeds, states, strict=True)), workers)
    return tuple(np.vstack([o[i] for o in out]) for i in range(3))


def _per_chain(fn, jobs, workers):
    """``[fn(job) for job in jobs]``, in up to ``workers`` threads when there are several jobs
    (the kernels release the GIL; each job seeds its own generator, so the results do not
    depend on ``workers``)."""
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            return list(pool.map(fn, jobs))
    return [fn(job) for job in jobs]


#: The jumps' settings (docs/bayesian.md, 'Jumps between states'): values of b on the annealed
#: path (50 steps, denser near q), Hamiltonian moves per step, their step size and largest number
#: of leapfrog steps in coordinates whitened by the state's Gaussian, draws kept between jump
#: attempts, and the survey that finds the states (draws per chain, and the fewest draws in one
#: arrangement that a state's Gaussian is fitted to).
JUMP_GRID = (1.0 - np.linspace(0.0, 1.0, 51)) ** 2
JUMP_MOVES, JUMP_EPS, JUMP_LEAPFROG, JUMP_EVERY = 2, 0.2, 5, 10
SURVEY_DRAWS, SURVEY_MIN = 1000, 100
#: Scouts (:func:`scout`): extra chains, burnt in only, that look for states the chains missed,
#: in tables of at least this many lists (where states were found; docs/bayesian.md).
SCOUTS, SCOUT_MIN_LISTS = 4, 12


def _run_with_jumps(bits, counts, state, seed, *, max_classes, n_draws, thin, a_alpha, b_alpha,
                    collapsed_steps, hmc_steps, label_swaps, split_merge, states, jump=True,
                    where=None):
    """One chain continued for ``n_draws`` draws, with a jump attempt (:mod:`._lcmcr_jumps`)
    after every :data:`JUMP_EVERY` draws from a point that one of ``states`` holds, to another
    state chosen at random (the same chance from either end). Returns the draws of N, alpha and
    occupied classes, and the attempts and acceptances as a ``(states, states)`` pair of arrays.
    ``where`` (a list), if given, gets the state each block of draws ended in (-1: none), and
    ``jump=False`` classifies without jumping: together they let a test compare the share of
    time in each state with and without the jumps."""
    from ._lcmcr_jumps import classify, jump_path, state_vector, write_state
    from ._lcmcr_kernels import run_chain

    k, j = int(max_classes), bits.shape[1]
    n_obs = int(counts.sum())
    rng = np.random.default_rng(seed)
    tried = np.zeros((len(states), len(states)), dtype=np.int64)
    took = np.zeros_like(tried)
    out = [[], [], []]
    done = 0
    while done < n_draws:
        m = min(JUMP_EVERY, n_draws - done)
        draws = run_chain(bits, counts, k, 0, m, int(thin), float(a_alpha), float(b_alpha),
                          int(rng.integers(1 << 31)), int(collapsed_steps), int(hmc_steps),
                          int(label_swaps), state, int(split_merge))
        for i in range(3):
            out[i].append(draws[i])
        done += m
        z = state_vector(state, k, j)
        here = classify(z, states, k, j, n_obs)
        if where is not None:
            where.append(here)
        if here < 0 or not jump:
            continue
        there = int(rng.choice([s for s in range(len(states)) if s != here]))
        a, b = states[here], states[there]
        work, z_end, _ = jump_path(z, JUMP_GRID, a.mu, a.chol, a.log_det, b.mu, b.chol, b.log_det,
                                   k, bits, counts, float(a_alpha), float(b_alpha), JUMP_EPS,
                                   JUMP_LEAPFROG, JUMP_MOVES, int(rng.integers(1 << 31)))
        tried[here, there] += 1
        if (math.isfinite(work) and classify(z_end, states, k, j, n_obs) == there
                and math.log(rng.uniform()) < work):
            write_state(state, z_end, k, j, n_obs, rng)
            took[here, there] += 1
    return tuple(np.concatenate(o) for o in out), tried, took


def _groups(n: np.ndarray, kinds=None) -> list[list[int]]:
    """Chains grouped by overlap: two chains are in one group when they are of the same kind
    (``kinds``, one label per chain; all alike by default) and the middle halves of their draws
    of N overlap, directly or through other chains of that kind."""
    kinds = [0] * n.shape[0] if kinds is None else list(kinds)
    q = np.quantile(n, [0.25, 0.75], axis=1).T
    groups: list[list[int]] = []
    for kind in dict.fromkeys(kinds):
        own: list[list[int]] = []
        for c in np.argsort(q[:, 0]):
            if kinds[c] != kind:
                continue
            if own and q[c, 0] <= max(q[g, 1] for g in own[-1]):
                own[-1].append(int(c))
            else:
                own.append([int(c)])
        groups += own
    return sorted(sorted(g) for g in groups)


def find_states(bits, counts, chain_states, seeds, *, max_classes, thin, a_alpha, b_alpha,
                collapsed_steps, hmc_steps, label_swaps, split_merge, workers):
    """The states the chains sit in, for the jumps: each chain continued for
    :data:`SURVEY_DRAWS` draws whose points and N are surveyed, the chains grouped by
    :func:`_groups` of those N with their commonest number of occupied classes in the survey as
    their kind (chains with overlapping N but different classes are in different states: the
    verdata men of 2003 have three classes in one chain and four in two others, at 1,810 and
    1,925), and each group's :class:`~._lcmcr_jumps.State` fitted to its points. The chains may
    include scouts (:func:`scout`), which help find the states and are then left. Returns
    ``(states, None)`` or ``(None, reason)`` when the jumps cannot be set up."""
    from collections import Counter

    from ._lcmcr_jumps import fit_state, n_occupied, occupied, state_vector, z_parts
    from ._lcmcr_kernels import run_chain

    k, j = int(max_classes), bits.shape[1]
    n_obs = int(counts.sum())

    def survey(args):
        seed, state = args
        pts, ns = np.empty((SURVEY_DRAWS, k * j + k)), np.empty(SURVEY_DRAWS)
        for i in range(SURVEY_DRAWS):
            draws = run_chain(bits, counts, k, 0, 1, int(thin), float(a_alpha), float(b_alpha),
                              int(seed) + i, int(collapsed_steps), int(hmc_steps),
                              int(label_swaps), state, int(split_merge))
            pts[i], ns[i] = state_vector(state, k, j), draws[0][0]
        return pts, ns

    out = _per_chain(survey, list(zip(seeds, chain_states, strict=True)), workers)
    points = [o[0] for o in out]
    sizes = [[n_occupied(z, k, j, n_obs) for z in pts] for pts in points]
    kinds = [Counter(c).most_common(1)[0][0] for c in sizes]
    groups = _groups(np.vstack([o[1] for o in out]), kinds)
    if len(groups) < 2:
        return None, ("the survey found one state (the chains have as many classes, and their "
                      "draws of N overlap)")
    states = []
    for g in groups:
        last = next(points[c][i] for i in range(SURVEY_DRAWS - 1, -1, -1) for c in g
                    if sizes[c][i] == kinds[g[0]])
        lam, pi = z_parts(last, k, j)
        ref = lam[occupied(lam, pi, n_obs)]
        st = fit_state(g, np.vstack([points[c] for c in g]), ref, k, j, n_obs, SURVEY_MIN)
        if st is None:
            return None, (f"chains {', '.join(str(c + 1) for c in g)}: fewer than {SURVEY_MIN} "
                          f"surveyed draws in one arrangement of their classes")
        states.append(st)
    return states, None


def _kind(state, k, j, n_obs) -> int:
    """The number of occupied classes at a chain's saved state."""
    from ._lcmcr_jumps import n_occupied, state_vector

    return n_occupied(state_vector(state, k, j), k, j, n_obs)


def scout(bits, counts, states, seeds, *, max_classes, burn_in, thin, a_alpha, b_alpha,
          collapsed_steps, hmc_steps, label_swaps, split_merge, workers):
    """Scouts: chains started afresh and burnt in for ``burn_in`` iterations, each ending with
    some number of occupied classes. Returns their saved states and whether any has a number of
    classes that none of the chains' ``states`` has: a state the chains may have missed. On the
    verdata men of 1999 a third of the chains fall into a three-class state and the rest into
    a four-class one; at 3 seeds of 12 all four chains fell into one of them, agreed, and gave
    a confident figure for that state alone (seed 4: 1,864 where the weighed posterior's median
    is about 1,620; seed 9: about 1,410). With four scouts, the chance that all eight miss a
    state that holds a third of the starts is about 4%, not 20%. The scouts change no draw of
    the chains: they only let the states be surveyed (:func:`find_states`)."""
    from ._lcmcr_kernels import run_chain, state_size

    k, j = int(max_classes), bits.shape[1]
    n_obs = int(counts.sum())
    mine = [np.zeros(state_size(k, j)) for _ in seeds]

    def one(args):
        seed, state = args
        run_chain(bits, counts, k, int(burn_in), 0, int(thin), float(a_alpha), float(b_alpha),
                  int(seed), int(collapsed_steps), int(hmc_steps), int(label_swaps), state,
                  int(split_merge))

    _per_chain(one, list(zip(seeds, mine, strict=True)), workers)
    seen = {_kind(st, k, j, n_obs) for st in states}
    return mine, any(_kind(st, k, j, n_obs) not in seen for st in mine)


def _seat_chains(found, states, scouts, chains) -> list[int]:
    """Put a chain into each state that only scouts were in: the chain (the last of the state
    with most chains, while it has more than one) continues from a scout's saved state. The
    draws so far are dropped, so where a chain restarts is free; with a chain starting in every
    state, the jumps must carry chains both ways for R-hat and ESS to pass, and a state whose
    weight the jumps cannot measure shows as chains that disagree, not as a state no chain
    visited (the verdata men of 2001: four chains in a four-class state, two scouts in a
    three-class one, and no jump accepted from the first to the second). Returns the chains
    moved (numbered from 1)."""
    members = [[c for c in s.chains if c < chains] for s in found]
    moved = []
    for i, st in enumerate(found):
        if members[i]:
            continue
        donor = max(range(len(found)), key=lambda g: len(members[g]))
        if len(members[donor]) < 2:
            break
        c = members[donor].pop()
        states[c][:] = scouts[next(x for x in st.chains if x >= chains) - chains]
        members[i].append(c)
        moved.append(c + 1)
    return moved


def chains_apart(n: np.ndarray, rhat: float | None = None) -> list[int]:
    """Chains (0-based) whose middle half of draws of N does not overlap that of the other chains
    pooled: the chains sit in different parts of the posterior rather than wandering slowly
    through the same part (the 20-list verdata stratum, docs/bayesian.md). Only said where the
    between-chain disagreement is also large (R-hat above 1.1), where each chain has at least 100
    draws, and of a chain that sits still (the middle halves of its own first and second halves
    overlap): a slowly mixing but overlapping set of chains, or one still drifting out of its
    start, is reported as not converged, not as apart. ``rhat``: that of ``n``, when the caller
    has it already (computed here otherwise)."""
    chains = n.shape[0]
    if chains < 2 or n.shape[1] < 100:
        return []
    rh = summarise_chains(n).get("rhat") if rhat is None else rhat
    if rh is None or not math.isfinite(rh) or rh <= 1.1:
        return []
    out = []
    for c in range(chains):
        lo, hi = np.quantile(n[c], [0.25, 0.75])
        rest = np.delete(n, c, axis=0).ravel()
        r_lo, r_hi = np.quantile(rest, [0.25, 0.75])
        if hi < r_lo or lo > r_hi:
            first, second = np.array_split(n[c], 2)
            a_lo, a_hi = np.quantile(first, [0.25, 0.75])
            b_lo, b_hi = np.quantile(second, [0.25, 0.75])
            if a_hi >= b_lo and b_hi >= a_lo:
                out.append(c)
    return out


def _rhat_high(diag: dict) -> bool:
    """True when the R-hat of N is above 1.01 (the level at which the fit warns)."""
    rh = diag.get("rhat")
    return rh is not None and math.isfinite(rh) and rh > 1.01


def _out_of_reach(diag: dict, draws: int, per_round: int, cap: int, target: float) -> bool:
    """True when, after at least two rounds, the smaller ESS of N grown in proportion to the draws
    would not reach a quarter of ``target`` by ``cap`` draws: more rounds would run to the cap and
    still not converge (the verdata men of 2003 with jumps: ESS 15 at 4,000 draws per chain,
    30 at 48,000, 730 s), so the fit stops and says it has not converged. A quarter, because
    the ESS grows faster than the draws once chains settle: the verdata women of 2003 have a
    tail ESS of 16 at 4,000 draws and 81 at 16,000, and reach 400 before 48,000 (a half
    stopped them at 4,000)."""
    if draws < 2 * per_round:
        return False
    values = [v for v in (diag.get("ess_bulk"), diag.get("ess_tail"))
              if v is not None and math.isfinite(v)]
    return bool(values) and min(values) * cap / draws < target / 4


def _short_of(diag: dict, target: float) -> bool:
    """True when the bulk or tail ESS of N is below ``target`` (NaN counts as enough: N is fixed)."""
    values = [diag.get("ess_bulk"), diag.get("ess_tail")]
    return any(v is not None and not math.isnan(v) and v < target for v in values)


class LatentClass(Estimator):
    """Bayesian non-parametric latent class model (LCMCR) fitted by Gibbs sampling with four
    extra moves that leave the posterior unchanged and make N mix far faster (docs/bayesian.md).

    Parameters
    ----------
    max_classes
        Truncation level ``K`` of the stick-breaking prior (LCMCR's ``K``; HRDAG uses 10-15).
    burn_in
        Iterations discarded at the start of each chain.
    n_draws
        Draws kept per chain in the first round (see ``target_ess``).
    thin
        Iterations per kept draw. With the default moves N needs ~10 iterations per effective
        draw on Kosovo, so 5 loses little; with ``hmc_steps=0`` use ~50.
    chains
        Independent chains, started from different random points; R-hat compares them.
    seed
        Master seed; each chain gets its own stream derived from it.
    level
        Interval level (equal-tailed posterior quantiles).
    a_alpha, b_alpha
        Shape and rate of the Gamma prior of the stick-breaking concentration (paper and LCMCR
        default 0.25, 0.25).
    workers
        Threads running chains at once (default: the number of CPUs, at most ``chains``). The
        draws do not depend on it.
    collapsed_steps
        Metropolis steps per class of the extra, partially collapsed move of the unobserved class
        sizes with the class weights and capture probabilities integrated out (see
        :mod:`uncounted.mse._lcmcr_kernels`); 0 turns it off.
    hmc_steps
        Largest number of leapfrog steps of the Hamiltonian Monte Carlo move of the capture
        probabilities and class weights, with the classes and N summed out (the number is drawn
        from 1 to this each iteration; the step size is tuned during burn-in to an acceptance
        rate of 0.8). 0 turns it off; ``collapsed_steps=0, hmc_steps=0, label_swaps=0, split_merge=0`` is the
        paper's plain Gibbs sweep, as in R LCMCR. All settings target the same posterior; on Kosovo N needs
        ~10 iterations per effective draw with the default moves, ~550 with the collapsed move
        alone and 850-950 with the plain sweep, and an iteration with HMC costs ~5 plain ones.
    label_swaps
        Proposed Metropolis exchanges of two classes' labels per iteration (Papaspiliopoulos &
        Roberts 2008). The truncated stick-breaking prior is not symmetric in the labels, and
        without them a chain can stay for about a million iterations with its largest class on
        the wrong stick (UKdat_5: chains then disagree by 5% and R-hat is 1.02-1.16). 0 turns
        them off.
    target_ess
        When the bulk or tail ESS of N after ``n_draws`` draws is below this, every chain is
        extended by another ``n_draws`` draws (same ``thin``, no new burn-in), until the target
        or ``max_draws`` draws per chain is reached, or until a chain sits apart from the others
        (:func:`chains_apart`: more draws of the same chains cannot help, and the fit says so).
        The extensions are seeded from ``seed``, so the result is still reproducible. 0 turns
        this off.
    max_draws
        Largest number of kept draws per chain when extending (a value below ``n_draws`` means
        no extension). The default 48,000 lets the slowest-mixing strata of the verdata
        replicate (the women of 1998 and 2003: ESS 365 and 81 at 16,000) reach the target.
    split_merge
        Proposed split-merge moves of whole classes per iteration (Jain & Neal 2004; see
        :func:`uncounted.mse._lcmcr_kernels._split_merge`). With many lists the sweep cannot open
        a new class (an empty class fits anybody with chance ~``2**-J``), and a chain can keep
        two groups of people merged in one class for millions of iterations. 0 turns them off.
    state_jumps
        When the chains disagree after a round (a chain sits apart, :func:`chains_apart`, or
        R-hat is above 1.1: in different states of the posterior that the sweep's moves do not
        cross, as on the 20-list verdata stratum), or, in a table of :data:`SCOUT_MIN_LISTS` or
        more lists, when one of :data:`SCOUTS` scout chains (:func:`scout`) ends with a number
        of classes no chain has: survey the states, fit a Gaussian to each, drop the draws so
        far and go on with a jump attempt every :data:`JUMP_EVERY` draws: an annealed path from
        the chain's state to another and back to the posterior, accepted by its work
        (:mod:`uncounted.mse._lcmcr_jumps`; exact whatever the Gaussians). The fit's
        ``diagnostics['state_jumps']`` lists the states and the jumps tried and accepted. It
        cannot find a state that neither a chain nor a scout visited. False keeps the chains as
        they are, runs no scouts, and the fit stops after the round in which they sit apart.
    progress
        Called as ``progress(info)`` before sampling and after each round of draws, ``info`` a
        dict with ``chains``, ``draws_per_chain``, ``max_draws_per_chain``,
        ``iterations_per_chain``, ``seconds`` and the current ``rhat``, ``ess_bulk``, ``ess_tail``
        of N (None before the first round). The CLI draws it; the library prints nothing.

    Notes
    -----
    The defaults (4 chains x (2,000 burn-in + 2,000 x 5 iterations) on two threads, extended to
    at most 48,000 draws per chain until the bulk and tail ESS of N reach ``target_ess``) take
    about 2 s on Kosovo and give a bulk ESS of N near 4,000. See ``benchmarks/bayes_speed.py``.
    A :class:`ConvergenceWarning` is issued when R-hat > 1.01 or the bulk or tail ESS < 400
    after the extensions, and the Estimate's status is then ``unreliable``. ``diagnostics``
    holds R-hat, ESS and the HMC step size and acceptance rate of each chain; the draws are kept
    per chain, shaped ``(chains, draws)``; ``estimate.results`` is a
    :class:`LatentClassResults`; wall-clock seconds are in ``estimate.timings``.

    References
    ----------
    Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process
    mixtures. Biometrics 72(4):1246-1254. doi:10.1111/biom.12502
    Ishwaran, H. & James, L. F. (2001). Gibbs sampling methods for stick-breaking priors. JASA
    96(453):161-173. doi:10.1198/016214501750332758
    Neal, R. M. (2011). MCMC using Hamiltonian dynamics. Handbook of Markov Chain Monte Carlo,
    ch. 5. arXiv:1206.1901
    Papaspiliopoulos, O. & Roberts, G. O. (2008). Retrospective Markov chain Monte Carlo methods
    for Dirichlet process hierarchical models. Biometrika 95(1):169-186. doi:10.1093/biomet/asm086
    Jain, S. & Neal, R. M. (2004). A split-merge Markov chain Monte Carlo procedure for the
    Dirichlet process mixture model. JCGS 13(1):158-182. doi:10.1198/1061860043001
    Vehtari, A. et al. (2021). Rank-normalization, folding, and localization: an improved R-hat.
    Bayesian Analysis 16(2):667-718. doi:10.1214/20-BA1221
    """

    name = "lcmcr"
    min_lists = 3
    draws_kind = "posterior"
    _constraints: ClassVar[dict[str, list]] = {
        "max_classes": [Interval("integer", 2, None)],
        "burn_in": [Interval("integer", 0, None)],
        "n_draws": [Interval("integer", 10, None)],
        "thin": [Interval("integer", 1, None)],
        "chains": [Interval("integer", 1, None)],
        "seed": [Interval("integer", 0, None)],
        "level": [Interval("real", 0, 1, closed="neither")],
        "a_alpha": [Interval("real", 0, None, closed="neither")],
        "b_alpha": [Interval("real", 0, None, closed="neither")],
        "workers": [None, Interval("integer", 1, None)],
        "collapsed_steps": [Interval("integer", 0, None)],
        "hmc_steps": [Interval("integer", 0, None)],
        "label_swaps": [Interval("integer", 0, None)],
        "split_merge": [Interval("integer", 0, None)],
        "progress": [None, Check(callable, "a callable taking one dict")],
        "target_ess": [Interval("real", 0, None)],
        "max_draws": [Interval("integer", 1, None)],
        "state_jumps": [bool],
    }

    def __init__(self, *, max_classes: int = 10, burn_in: int = 2_000, n_draws: int = 2_000,
                 thin: int = 5, chains: int = 4, seed: int = 1, level: float = 0.95,
                 a_alpha: float = 0.25, b_alpha: float = 0.25, workers: int | None = None,
                 collapsed_steps: int = 1, hmc_steps: int = 40, label_swaps: int = 10,
                 split_merge: int = 1, progress=None,
                 target_ess: float = 400, max_draws: int = 48_000, state_jumps: bool = True):
        self.max_classes = max_classes
        self.burn_in = burn_in
        self.n_draws = n_draws
        self.thin = thin
        self.chains = chains
        self.seed = seed
        self.level = level
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.workers = workers
        self.collapsed_steps = collapsed_steps
        self.hmc_steps = hmc_steps
        self.label_swaps = label_swaps
        self.split_merge = split_merge
        self.progress = progress
        self.target_ess = target_ess
        self.max_draws = max_draws
        self.state_jumps = state_jumps

    def _hint_few(self) -> str:
        return ("A latent class model is not identified with fewer than 3 lists. With two lists "
                "use lincoln-petersen")

    def _workers(self) -> int:
        if self.workers is not None:
            return max(1, int(self.workers))
        return max(1, min(int(self.chains), available_cores()))

    def _threads_per_fit(self) -> int:
        return self._workers()

    def _fit(self, table: CaptureTable) -> Estimate:
        from ._lcmcr_kernels import state_size

        bits, counts = observed_patterns(table)
        chains, per_round = int(self.chains), int(self.n_draws)
        stream = seed_sequence(self.seed, table)
        seeds = [int(x) for x in stream.generate_state(chains, dtype=np.uint32)]
        states = [np.zeros(state_size(int(self.max_classes), table.k)) for _ in seeds]
        t0 = time.perf_counter()
        cap = max(int(self.max_draws), per_round)
        parts, burn_in, round_seeds = [], int(self.burn_in), seeds
        extra = stream.spawn(2 * (cap // per_round) + 1)
        rounds, jumps, found, stopped = 0, None, None, None
        kw = dict(max_classes=self.max_classes, thin=self.thin, a_alpha=self.a_alpha,
                  b_alpha=self.b_alpha, collapsed_steps=self.collapsed_steps,
                  hmc_steps=self.hmc_steps, label_swaps=self.label_swaps,
                  split_merge=self.split_merge)
        self._report(table, chains, 0, cap, {}, t0)
        while True:
            if found is None:
                parts.append(sample_chains(bits, counts, burn_in=burn_in, n_draws=per_round,
                                           seeds=round_seeds, workers=self._workers(),
                                           states=states, **kw))
            else:
                parts.append(self._jump_round(bits, counts, states, round_seeds, per_round,
                                              found, jumps, kw))
            rounds += 1
            n = np.hstack([p[0] for p in parts])
            conv = summarise_chains(n)    # this round's: reported, tested here, and kept
            self._report(table, chains, n.shape[1], cap, conv, t0)
            if not self.target_ess or n.shape[1] + per_round > cap:
                break
            settled = not (_short_of(conv, float(self.target_ess)) or _rhat_high(conv))
            scouts, missed = [], False
            if (rounds == 1 and self.state_jumps and jumps is None
                    and table.k >= SCOUT_MIN_LISTS and SCOUTS):
                scouts, missed = scout(
                    bits, counts, states,
                    [int(x) for x in extra[-2].generate_state(SCOUTS, dtype=np.uint32)],
                    burn_in=self.burn_in, workers=self._workers(), **kw)
            if settled and not missed:
                break
            reach = _out_of_reach(conv, n.shape[1], per_round, cap, float(self.target_ess))
            apart = chains_apart(n, conv.get("rhat"))
            rh = conv.get("rhat")
            if self.state_jumps and jumps is None and (
                    missed or apart or (rh is not None and rh > 1.1)
                    or (reach and _rhat_high(conv))):
                # chains that disagree this much, or scouts with classes no chain has, may be
                # in different states of the posterior, where the sweep's moves do not cross
                # (the verdata men of 1999, 2000 and 2003; docs/bayesian.md), whether or not
                # their draws of N overlap. Once, the states are surveyed and, if there are
                # several, the chains go on with jumps between them; the draws so far are
                # dropped (the jumps are fitted to them, and they weigh the states by where the
                # chains started).
                found, why = find_states(
                    bits, counts, states + scouts,
                    [int(x) for x in extra[-1].generate_state(chains + len(scouts),
                                                               dtype=np.uint32)],
                    workers=self._workers(), **kw)
                jumps = {"reason": why, "scouts": len(scouts)} if found is None else {
                    "tried": np.zeros((len(found), len(found)), dtype=np.int64),
                    "accepted": np.zeros((len(found), len(found)), dtype=np.int64),
                    "dropped_draws_per_chain": int(n.shape[1]), "scouts": len(scouts)}
                if found is not None:
                    jumps["moved"] = _seat_chains(found, states, scouts, chains)
                    parts = []
                    settled = reach = apart = False
            if settled:
                break
            if reach:
                stopped = "out_of_reach"
                break
            if apart:
                # a chain sits apart and no jumps (or no more jumps) can bring it back: more
                # draws cannot help, so stop and say so
                break
            burn_in = 0
            round_seeds = [int(x) for x in
                           extra[rounds - 1].generate_state(chains, dtype=np.uint32)]
        seconds = time.perf_counter() - t0
        alpha, occ = (np.hstack([p[i] for p in parts]) for i in (1, 2))
        hmc = np.array([st[-2:] for st in states])  # step size, acceptance in the last call
        return self._summarise(table, n, alpha, occ, seconds, seeds, hmc, conv,
                               self._jump_summary(jumps, found, chains), stopped)

    def _jump_round(self, bits, counts, states, seeds, n_draws, found, jumps, kw):
        """One round of draws of every chain with jumps between the ``found`` states; adds the
        attempts and acceptances to ``jumps``."""
        def one(args):
            seed, state = args
            return _run_with_jumps(bits, counts, state, seed, n_draws=n_draws, states=found,
                                   **kw)

        out = _per_chain(one, list(zip(seeds, states, strict=True)), self._workers())
        for _, tried, took in out:
            jumps["tried"] += tried
            jumps["accepted"] += took
        return tuple(np.vstack([o[0][i] for o in out]) for i in range(3))

    @staticmethod
    def _jump_summary(jumps, found, chains) -> dict | None:
        """The diagnostics' ``state_jumps``: the states found (the chains, numbered from 1, and
        the scouts in each), and the jumps tried and accepted between them (None when the
        states were never surveyed)."""
        if jumps is None:
            return None
        if found is None:
            return {"used": False, "reason": jumps["reason"], "scouts": jumps["scouts"]}
        return {
            "used": True, "dropped_draws_per_chain": jumps["dropped_draws_per_chain"],
            "scouts": jumps["scouts"], "chains_moved_to_scouts": jumps.get("moved", []),
            "states": [{"chains": [c + 1 for c in s.chains if c < chains],
                        "scouts": sum(c >= chains for c in s.chains), "classes": len(s.ref),
                        "arrangement_share": round(s.share, 3), "gaussian_draws": s.draws}
                       for s in found],
            "tried": int(jumps["tried"].sum()), "accepted": int(jumps["accepted"].sum()),
            "tried_by_pair": jumps["tried"].tolist(),
            "accepted_by_pair": jumps["accepted"].tolist(),
        }

    def _report(self, table, chains, draws, cap, conv, t0) -> None:
        """Call ``progress`` (if given) with where the sampler is: before the first round and
        after each round of draws."""
        if self.progress is None:
            return
        iterations = int(self.burn_in) + draws * int(self.thin) if draws else 0
        self.progress({
            "method": self.name, "lists": table.k, "observed": table.observed,
            "chains": chains, "draws_per_chain": draws, "max_draws_per_chain": cap,
            "iterations_per_chain": iterations, "seconds": time.perf_counter() - t0,
            "rhat": conv.get("rhat"), "ess_bulk": conv.get("ess_bulk"),
            "ess_tail": conv.get("ess_tail"), "target_ess": float(self.target_ess),
            "done": False})

    def _summarise(self, table, n, alpha, occ, seconds, seeds, hmc, conv=None,
                   jumps=None, stopped=None) -> Estimate:
        if conv is None:
            conv = summarise_chains(n) if n.shape[0] > 1 or n.shape[1] >= 4 else {}
        diag = dict(conv)
        flat = n.ravel()
        a = (1 - self.level) / 2
        med, lo, hi = np.quantile(flat, [0.5, a, 1 - a])
        values, freq = np.unique(flat, return_counts=True)
        per_chain = n.shape[1]
        iters = int(self.chains) * (int(self.burn_in) + per_chain * int(self.thin))
        diag.update({
            "posterior_mean": float(flat.mean()), "posterior_mode": float(values[np.argmax(freq)]),
            "chains": int(self.chains), "samples_per_chain": int(per_chain),
            "extensions": per_chain // int(self.n_draws) - 1,
            "burn_in": int(self.burn_in), "thin": int(self.thin), "max_classes": int(self.max_classes),
            "chain_seeds": seeds,
            "alpha_mean": float(alpha.mean()), "occupied_classes_mean": float(occ.mean()),
            "all_classes_used_share": float((occ >= int(self.max_classes)).mean()),
            "chain_medians": np.median(n, axis=1).tolist(),
            "chains_apart": [c + 1 for c in chains_apart(n, conv.get("rhat"))],
            "hmc_steps": int(self.hmc_steps), "label_swaps": int(self.label_swaps),
        })
        if jumps is not None:
            diag["state_jumps"] = jumps
        if stopped is not None:
            diag["extension_stopped"] = stopped
        if self.hmc_steps:
            diag["hmc_step_size"] = hmc[:, 0].tolist()
            diag["hmc_acceptance"] = hmc[:, 1].tolist()
        timings = {"sampling_seconds": seconds, "workers": self._workers(),
                   "iterations_per_second_per_chain": (iters / int(self.chains) / seconds
                                                       * min(self._workers(), int(self.chains))
                                                       if seconds else None)}
        self._warn(diag)
        results = LatentClassResults(n=_ro(n), alpha=_ro(alpha), occupied=_ro(occ),
                                     rhat=conv.get("rhat"), ess_bulk=conv.get("ess_bulk"),
                                     ess_tail=conv.get("ess_tail"), chain_seeds=tuple(seeds),
                                     step_size=_ro(hmc[:, 0]), acceptance=_ro(hmc[:, 1]))
        return Estimate(method=self.name, model=f"latent classes (K<={self.max_classes})",
                        lists=table.lists, observed=table.observed, estimate=float(med),
                        lower=float(lo), upper=float(hi), level=self.level, seed=self.seed,
                        diagnostics=diag, draws=n.astype(float), draws_kind="posterior",
                        timings=timings, results=results)

    @staticmethod
    def _jump_words(diag: dict) -> str:
        """What the jumps between states did, for the chains-apart warning."""
        jumps = diag.get("state_jumps")
        if not jumps:
            return ""
        if not jumps["used"]:
            return f". Jumps between the states could not be set up: {jumps['reason']}"
        return (f". Jumps between the {len(jumps['states'])} states were tried: "
                f"{jumps['accepted']} of {jumps['tried']} accepted")

    def _warn(self, diag: dict) -> None:
        problems = []
        rh, eb, et = diag.get("rhat"), diag.get("ess_bulk"), diag.get("ess_tail")
        if rh is not None and not math.isnan(rh) and rh > 1.01:
            problems.append(f"R-hat {rh:.3f} > 1.01")
        for label, e in (("bulk", eb), ("tail", et)):
            if e is not None and not math.isnan(e) and e < 400:
                problems.append(f"{label} ESS {e:.0f} < 400")
        apart = diag.get("chains_apart") or []
        if problems and apart:
            medians = " / ".join(f"{m:,.0f}" for m in diag["chain_medians"])
            which = ", ".join(str(c) for c in apart)
            warn("chains_apart", f"lcmcr: the chains for N have not converged "
                 f"({'; '.join(problems)}): chain {which} of {len(diag['chain_medians'])} sits "
                 f"in a different part of the posterior from the others (chain medians "
                 f"{medians}; the middle halves of their draws do not overlap). A longer "
                 f"burn_in may let it leave that state, but with many lists this sampler may not "
                 f"cross between such states at all (docs/bayesian.md, 'Many lists'): do not "
                 f"publish this figure{self._jump_words(diag)}", ConvergenceWarning,
                 params=("burn_in",))
        elif problems:
            why = ""
            if diag.get("extension_stopped") == "out_of_reach":
                why = (f"; the draws stopped at {diag['samples_per_chain']:,} per chain, as at "
                       f"this rate the ESS would not reach {self.target_ess:.0f} by max_draws "
                       f"{self.max_draws:,}")
            warn("not_converged", f"lcmcr: the chains for N may not have converged "
                 f"({'; '.join(problems)}){why}{self._jump_words(diag)}; raise burn_in, n_draws "
                 f"or thin, and do not publish this figure", ConvergenceWarning)
        if diag["all_classes_used_share"] > 0.5:
            warn("truncation_binds", f"lcmcr: all {self.max_classes} latent classes are occupied "
                 "in most draws; the truncation may bind: raise max_classes", ConvergenceWarning)


@dataclass(frozen=True)
class LatentClassResults:
    """The sampler's output, reachable as ``estimate.results``.

    Attributes
    ----------
    n, alpha, occupied
        Draws of N, of the stick-breaking concentration and of the number of occupied classes,
        each shaped ``(chains, draws)``.
    rhat, ess_bulk, ess_tail
        Convergence of N (rank-normalised split R-hat, bulk and tail ESS; Vehtari et al. 2021).
    chain_seeds
        The seed of each chain's first round.
    step_size, acceptance
        Each chain's HMC step size (tuned in burn-in) and acceptance rate in the last round.
    """

    n: np.ndarray
    alpha: np.ndarray
    occupied: np.ndarray
    rhat: float | None
    ess_bulk: float | None
    ess_tail: float | None
    chain_seeds: tuple[int, ...]
    step_size: np.ndarray
    acceptance: np.ndarray


def _ro(a) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


def plot_trace(estimate: Estimate, path=None, ax=None):
    """Trace plot of N, one line per chain, from an ``lcmcr`` Estimate's draws.

    Without ``ax`` a new :class:`matplotlib.figure.Figure` is made (no pyplot, no change of
    backend). With ``path`` the figure is written there (PNG). Returns the Axes.
    """
    if estimate.draws is None or estimate.draws_kind != "posterior":
        raise InputError("plot_trace needs an Estimate with posterior draws per chain (lcmcr)",
                         column="estimate", value=estimate.method)
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7, 3.5)).subplots()
    draws = estimate.draws
    chains = draws.shape[0]
    for c in range(chains):
        ax.plot(draws[c], linewidth=0.5, alpha=0.8, label=f"chain {c + 1}")
    ax.axhline(estimate.estimate, color="black", linewidth=1)
    ax.set_xlabel(f"kept draw (every {estimate.diagnostics.get('thin', 1)} iterations)")
    ax.set_ylabel("population size N")
    rh = estimate.diagnostics.get("rhat")
    ax.set_title("lcmcr trace" + (f", R-hat {rh:.3f}" if rh is not None else ""))
    ax.legend(loc="upper right", fontsize="x-small", ncol=min(chains, 4))
    if path is not None:
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    return ax
