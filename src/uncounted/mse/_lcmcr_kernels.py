"""Numba kernels of the latent-class sampler (see :mod:`uncounted.mse.lcmcr`).

Individuals with the same capture pattern are exchangeable given the parameters, so the class
labels of the ``n_c`` people in pattern ``c`` are drawn together as one multinomial. This is the
same chain as the individual-level sampler of Manrique-Vallier (2016) at a cost that depends on
the number of distinct patterns, not on the number of people.

Four moves are added to the paper's Gibbs sweep. Each leaves the same posterior invariant
(arguments in their docstrings; each alone and all together are checked against exact
enumeration in tests/mse/test_lcmcr.py):

- a partially collapsed update of the unobserved class sizes with the class weights and the
  capture probabilities integrated out (:func:`_collapsed_missing_step`), so those sizes move by
  their posterior spread rather than by about the square root of the class size per sweep;
- a Hamiltonian Monte Carlo move (:func:`_hmc_move`) on the logits of the capture probabilities
  and stick-breaking fractions, with the classes of the observed people and the unobserved count
  summed out (:func:`_marginal_logp`), followed by a fresh draw of the unobserved count. In the
  sweep, the classes of the observed people and the capture probabilities move each other by
  small steps; that was the slow part left (Kosovo: ~550 iterations per effective draw of N with
  the collapsed move, 850-950 without). A trajectory crosses that ridge in one move: ~10
  iterations per effective draw, and ~1 CPU second per 1,000 effective draws against ~9
  (``benchmarks/bayes_speed.py``).
- Metropolis exchanges of two classes' labels (:func:`_label_swaps`): the truncated
  stick-breaking prior is not symmetric in the labels, and a chain can otherwise stay for about a
  million iterations with its largest class on the second stick (UKdat_5).
- split-merge moves of whole classes (:func:`_split_merge`) on the collapsed target: with many
  lists the sweep cannot open a new class (an empty class fits anybody with chance ~``2**-J``),
  and a chain keeps two groups of people merged in one class (the 20-list verdata stratum).

The stick-breaking fractions are kept as ``log v`` and ``log(1 - v)``: with the Gamma(0.25, 0.25)
prior the concentration is often tiny and ``1 - v`` underflows, and clamping it biased N (by half
a percentage point of probability on a small exact check).

Every function takes arrays and returns arrays; the random state is numba's own (one per thread),
seeded once per chain with :func:`numpy.random.seed` inside the compiled code, so a chain's draws
do not depend on which thread runs it. :func:`run_chain` releases the GIL, so chains can run in
parallel threads.

Compile time: numba compiles :func:`run_chain` with every helper linked into it the first time a
process calls it, and caches the machine code on disk (``cache=True``: ``__pycache__`` beside this
file, or ``$NUMBA_CACHE_DIR``), so later processes load it in a fraction of a second. Only
``run_chain`` is cached: its cached code contains the helpers, so caching each helper too only
made numba write (and compile to machine code) the same code once more per level of calls. The
helpers have no Python wrapper unless a test calls them, no literal-typed arguments (numba
compiled a second copy of every callee for a literal ``0``), and no whole-array copy (``x[:] =
y`` pulls in the formatting of numba's shape-mismatch message). Together that cut the first
compile from ~21-25 s to ~12-15 s on the 2-core CI machine with the same draws for every seed
(``benchmarks/startup.py`` measures it in a fresh cache). :func:`compiled` tells whether the cache
already holds the sampler, so the CLI can say once that it is compiling.

References
----------
Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process
mixtures. Biometrics 72(4):1246-1254. doi:10.1111/biom.12502
Ishwaran, H. & James, L. F. (2001). Gibbs sampling methods for stick-breaking priors. JASA
96(453):161-173. doi:10.1198/016214501750332758
van Dyk, D. A. & Park, T. (2008). Partially collapsed Gibbs samplers: theory and methods. JASA
103(482):790-796. doi:10.1198/016214508000000409
Neal, R. M. (2011). MCMC using Hamiltonian dynamics. In Handbook of Markov Chain Monte Carlo,
ch. 5, 113-162. Chapman & Hall/CRC. arXiv:1206.1901
Papaspiliopoulos, O. & Roberts, G. O. (2008). Retrospective Markov chain Monte Carlo methods for
Dirichlet process hierarchical models. Biometrika 95(1):169-186. doi:10.1093/biomet/asm086
Jain, S. & Neal, R. M. (2004). A split-merge Markov chain Monte Carlo procedure for the Dirichlet
process mixture model. JCGS 13(1):158-182. doi:10.1198/1061860043001
Dahl, D. B. (2005). Sequentially-allocated merge-split sampler for conjugate and nonconjugate
Dirichlet process mixture models. Technical report, Department of Statistics, Texas A&M.
Hoffman, M. D. & Gelman, A. (2014). The No-U-Turn sampler: adaptively setting path lengths in
Hamiltonian Monte Carlo. JMLR 15:1593-1623 (section 3.2, dual averaging of the step size)
Marsaglia, G. & Tsang, W. W. (2000). A simple method for generating gamma variables. ACM TOMS
26(3):363-372. doi:10.1145/358407.358414
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Helpers called only from compiled code: compiled into :func:`run_chain`, not cached apart.
_helper = njit(cache=False, no_cpython_wrapper=True, no_cfunc_wrapper=True)
#: Helpers the tests also call from Python (they keep numba's Python wrapper).
_python_helper = njit(cache=False)

#: Rough seconds of the first compilation on a 2-core machine (benchmarks/startup.py).
COMPILE_SECONDS = 15


@_helper
def _multinomial(n, p, out):
    """Draw ``out ~ Multinomial(n, p)`` by conditional binomials (``p`` sums to 1)."""
    remaining = n
    rest = 1.0
    k_last = p.size - 1
    for k in range(k_last):
        if remaining == 0:
            out[k] = 0
            continue
        q = p[k] / rest if rest > 0 else 1.0
        if q >= 1.0:
            out[k] = remaining
            remaining = 0
            continue
        x = np.random.binomial(remaining, max(q, 0.0)) if q > 0 else 0
        out[k] = x
        remaining -= x
        rest -= p[k]
    out[k_last] = remaining


@_helper
def _log_gamma_variate(shape):
    """``log X`` for ``X ~ Gamma(shape, 1)``, exact in log space for small shapes.

    For ``shape < 1`` it uses ``X = Y U**(1/shape)`` with ``Y ~ Gamma(shape + 1)`` (Marsaglia &
    Tsang 2000), so a tiny stick-breaking concentration does not underflow ``X`` to 0.
    """
    if shape <= 0.0:
        return -np.inf
    if shape >= 1.0:
        return math.log(np.random.gamma(shape, 1.0))
    return math.log(np.random.gamma(shape + 1.0, 1.0)) + math.log(1.0 - np.random.random()) / shape


@_helper
def _log_beta_pair(a, b):
    """``(log V, log(1 - V))`` for ``V ~ Beta(a, b)``, from two log-gamma variates."""
    x = _log_gamma_variate(a)
    y = _log_gamma_variate(b)
    top = max(x, y)
    log_sum = top + math.log(math.exp(x - top) + math.exp(y - top))
    return x - log_sum, y - log_sum


@_helper
def _stick_breaking(log_v, log_w, pi, log_pi):
    """Class weights ``pi_k = v_k prod_{l<k} (1 - v_l)`` from ``log v`` and ``log(1 - v)``.

    Kept in logs: with a small concentration ``1 - v`` can be far below machine epsilon, and
    clamping it (as a plain ``v`` would need) biases the weights of empty classes and ``alpha``.
    """
    left = 0.0  # log of the stick not yet broken
    for k in range(log_v.size):
        log_pi[k] = left + log_v[k]
        pi[k] = math.exp(log_pi[k])
        left += log_w[k]


@_helper
def _missing_step(n_obs, pi, lam, miss_k, prob_k):
    """Draw the unobserved count and its classes given the parameters; return the count.

    With the prior ``p(N) ∝ 1/N`` the count nobody caught is negative binomial with size ``n_obs``
    and failure probability ``pi0 = sum_k pi_k prod_j (1 - lam_kj)``; drawn as a gamma-Poisson
    mixture. The classes of the unobserved are then multinomial with weights ``∝ pi_k prod_j
    (1 - lam_kj)``.
    """
    k_max, n_lists = lam.shape
    pi0 = 0.0
    for k in range(k_max):
        q = pi[k]
        for j in range(n_lists):
            q *= 1.0 - lam[k, j]
        prob_k[k] = q
        pi0 += q
    pi0 = min(pi0, 1.0 - 1e-12)
    rate = np.random.gamma(n_obs, pi0 / (1.0 - pi0))
    n0 = np.random.poisson(rate) if rate > 0 else 0
    for k in range(k_max):
        prob_k[k] = prob_k[k] / pi0 if pi0 > 0 else 1.0 / k_max
    _multinomial(n0, prob_k, miss_k)
    return n0


@_helper
def _allocate_observed(bits, counts, log_pi, lam, n_k, ones_k, prob_k, draw_k, alloc):
    """Draw the classes of the observed people, pattern by pattern; fill class sizes and list hits,
    and ``alloc[m, k]``, the people of pattern ``m`` in class ``k``."""
    m_pat, n_lists = bits.shape
    k_max = lam.shape[0]
    log1 = np.log(lam)
    log0 = np.log1p(-lam)
    for m in range(m_pat):
        top = -np.inf
        for k in range(k_max):
            s = log_pi[k]
            for j in range(n_lists):
                s += log1[k, j] if bits[m, j] else log0[k, j]
            prob_k[k] = s
            top = max(top, s)
        total = 0.0
        for k in range(k_max):
            prob_k[k] = np.exp(prob_k[k] - top)
            total += prob_k[k]
        for k in range(k_max):
            prob_k[k] /= total
        _multinomial(counts[m], prob_k, draw_k)
        for k in range(k_max):
            c = draw_k[k]
            alloc[m, k] = c
            if c:
                n_k[k] += c
                for j in range(n_lists):
                    if bits[m, j]:
                        ones_k[k, j] += c


@_helper
def _softplus(x):
    """``log(1 + exp(x))`` without overflow."""
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@_python_helper
def _marginal_logp(eta, xi, alpha, bits, counts, n_obs, g_eta, g_xi, pi, a_k, p1, p0, l0):
    """Log posterior of the parameters with the classes and the unobserved count summed out, and
    its gradient (written into ``g_eta``, ``g_xi``); ``-inf`` where it is not finite.

    The parameters are unconstrained: ``eta[k, j] = logit lambda[k, j]`` and ``xi[k] = logit v[k]``
    for the first ``K - 1`` stick-breaking fractions (``xi[K - 1]`` is unused). With the prior
    ``p(N) ∝ 1/N``, summing over ``N`` leaves the conditional multinomial of the observed
    patterns, ``prod_m (P_m / (1 - P_0))^{n_m}`` with ``P_m = sum_k pi_k prod_j lambda^b (1 -
    lambda)^(1 - b)`` and ``P_0`` the chance of being on no list; the priors are ``lambda ~ U(0, 1)``
    and ``v ~ Beta(1, alpha)`` with the Jacobians of the logit maps, ``alpha`` held fixed.
    ``pi``, ``a_k``, ``p1`` (lambda), ``p0`` (1 - lambda) and ``l0`` (log(1 - lambda)) are
    scratch arrays. Checked against finite
    differences and a direct NumPy evaluation in tests/mse/test_lcmcr.py.
    """
    k_max, n_lists = eta.shape
    logp = 0.0
    for k in range(k_max):
        for j in range(n_lists):
            e = eta[k, j]
            if e >= 0.0:
                t = math.exp(-e)
                lo1 = -math.log1p(t)
                lo0 = lo1 - e
                p1[k, j] = 1.0 / (1.0 + t)
                p0[k, j] = t / (1.0 + t)
            else:
                t = math.exp(e)
                lo0 = -math.log1p(t)
                lo1 = lo0 + e
                p1[k, j] = t / (1.0 + t)
                p0[k, j] = 1.0 / (1.0 + t)
            l0[k, j] = lo0
            logp += lo1 + lo0
            g_eta[k, j] = 1.0 - 2.0 * p1[k, j]
    left = 0.0
    for k in range(k_max - 1):
        e = xi[k]
        if e >= 0.0:
            t = math.exp(-e)
            lv = -math.log1p(t)
            lw = lv - e
        else:
            t = math.exp(e)
            lw = -math.log1p(t)
            lv = lw + e
        pi[k] = math.exp(left + lv)
        left += lw
        logp += lv + alpha * lw
    pi[k_max - 1] = math.exp(left)
    for k in range(k_max):
        a_k[k] = 0.0
    for m in range(bits.shape[0]):
        total = 0.0
        for k in range(k_max):
            a_tmp = pi[k]
            for j in range(n_lists):
                a_tmp *= p1[k, j] if bits[m, j] else p0[k, j]
            g_xi[k] = a_tmp  # scratch until the gradient of xi is filled in below
            total += a_tmp
        if not total > 0.0:
            return -np.inf
        logp += counts[m] * math.log(total)
        scale = counts[m] / total
        for k in range(k_max):
            w = scale * g_xi[k]
            a_k[k] += w
            for j in range(n_lists):
                if bits[m, j]:
                    g_eta[k, j] += w
    seen = 0.0
    for k in range(k_max):
        s = 0.0
        for j in range(n_lists):
            s += l0[k, j]
        g_xi[k] = s
        seen += pi[k] * (-math.expm1(s))
    if not seen > 0.0:
        return -np.inf
    logp -= n_obs * math.log(seen)
    for k in range(k_max):
        s = g_xi[k]
        q = math.exp(s)
        c = n_obs * pi[k] * q / seen
        wk = a_k[k] + c
        for j in range(n_lists):
            g_eta[k, j] -= wk * p1[k, j]
        a_k[k] -= n_obs * pi[k] * (-math.expm1(s)) / seen
    after = a_k[k_max - 1]
    for k in range(k_max - 2, -1, -1):
        v = 1.0 / (1.0 + math.exp(-xi[k]))
        g_xi[k] = a_k[k] * (1.0 - v) - v * after + (1.0 - v) - alpha * v
        after += a_k[k]
    g_xi[k_max - 1] = 0.0
    return logp


@_helper
def _hmc_step(x, k_max, alpha, bits, counts, n_obs, eps, steps, scratch_k, scratch_kj, flat):
    """One Hamiltonian Monte Carlo transition on :func:`_marginal_logp` given ``alpha``: unit
    mass, ``steps`` leapfrog steps of size ``eps`` and a Metropolis accept (Neal 2011).

    ``x`` holds ``eta`` (K x J, row by row) then ``xi`` (K; the last is unused and stays put) and
    is updated in place when the move is accepted; returns the acceptance probability (used to
    adapt ``eps`` during burn-in). ``scratch_k`` (3, K), ``scratch_kj`` (3, K, J) and ``flat``
    (3, len(x)) are work space. The target is evaluated at one call site, which keeps numba's
    compile time down.
    """
    n_lists = bits.shape[1]
    n_eta = k_max * n_lists
    n = x.size
    g, x1, p = flat[0], flat[1], flat[2]
    kin0 = 0.0
    for i in range(n):
        x1[i] = x[i]
        p[i] = np.random.standard_normal() if i < n - 1 else 0.0
        kin0 += 0.5 * p[i] * p[i]
    half = 0.5 * eps
    logp0 = logp = 0.0
    for step in range(steps + 1):
        if step > 0:
            for i in range(n):
                p[i] += half * g[i]
                x1[i] += eps * p[i]
        logp = _marginal_logp(x1[:n_eta].reshape((k_max, n_lists)), x1[n_eta:], alpha, bits,
                              counts, n_obs, g[:n_eta].reshape((k_max, n_lists)), g[n_eta:],
                              scratch_k[0], scratch_k[1], scratch_kj[0], scratch_kj[1],
                              scratch_kj[2])
        if not math.isfinite(logp):
            return 0.0
        if step == 0:
            logp0 = logp
        else:
            for i in range(n):
                p[i] += half * g[i]
    kin1 = 0.0
    for i in range(n):
        kin1 += 0.5 * p[i] * p[i]
    log_acc = logp - kin1 - logp0 + kin0
    if not math.isfinite(log_acc):
        return 0.0
    acc = 1.0 if log_acc >= 0.0 else math.exp(log_acc)
    if np.random.random() < acc:
        for i in range(n):      # a loop, not x[:] = x1: the slice copy compiles numba's
            x[i] = x1[i]        # shape-mismatch message formatting (~3 s of first compile)
    return acc


@_helper
def _hmc_move(lam, log_v, log_w, alpha, bits, counts, n_obs, eps, steps, x, scratch_k,
              scratch_kj, flat):
    """Map ``lambda`` and the stick-breaking fractions to logits, take one :func:`_hmc_step` with
    a number of leapfrog steps drawn uniformly from ``1..steps`` (so that trajectory lengths do
    not resonate with the posterior), and map back; return the acceptance probability.

    Why the chain keeps its posterior: the HMC step leaves the marginal posterior of the
    parameters given ``alpha`` invariant (the classes and ``N`` summed out). The caller then draws
    the unobserved count and its classes from their conditional given the new parameters, and the
    next sweep draws the observed people's classes from theirs, so the discarded latent variables
    are always redrawn before anything conditions on them: a blocked update of (parameters,
    latent variables) that leaves the joint posterior invariant.
    """
    k_max, n_lists = lam.shape
    n_eta = k_max * n_lists
    for k in range(k_max):
        for j in range(n_lists):
            x[k * n_lists + j] = math.log(lam[k, j]) - math.log1p(-lam[k, j])
        x[n_eta + k] = log_v[k] - log_w[k] if k < k_max - 1 else 0.0
    acc = _hmc_step(x, k_max, alpha, bits, counts, n_obs, eps, 1 + np.random.randint(0, steps),
                    scratch_k, scratch_kj, flat)
    for k in range(k_max):
        for j in range(n_lists):
            e = x[k * n_lists + j]
            lam[k, j] = min(max(1.0 / (1.0 + math.exp(-e)), 1e-12), 1.0 - 1e-12)
    for k in range(k_max - 1):
        log_v[k] = -_softplus(-x[n_eta + k])
        log_w[k] = -_softplus(x[n_eta + k])
    return acc


@_python_helper
def _swap_log_ratio(log_v, log_w, j, l, alpha, log_r_old, log_r_new):
    """Log acceptance ratio of exchanging the weights (and capture probabilities) of classes
    ``j < l``; fills ``log_r_old`` and ``log_r_new`` with the log stick lengths left before each
    class, before and after the exchange.

    With ``R_k = prod_{i<k} (1 - v_i)`` the stick left before class ``k``, the truncated
    stick-breaking prior (``v_k ~ Beta(1, alpha)``, ``k < K - 1``) has the density
    ``p(pi) ∝ pi_{K-1}^(alpha - 1) prod_{k=1}^{K-2} 1 / R_k`` on the weights (Jacobian of
    ``v_k = pi_k / R_k``). Exchanging ``pi_j`` and ``pi_l`` changes ``R_k`` to
    ``R_k + pi_j - pi_l`` for ``j < k <= l`` and, when ``l = K - 1``, the last weight; the map is
    a permutation (unit Jacobian) and the likelihood, a function of the set of (weight, capture
    probabilities) pairs, does not change. Returns ``-inf`` when rounding makes a stick empty.
    """
    k_max = log_v.size
    log_r = 0.0
    for k in range(k_max):
        log_r_old[k] = log_r
        log_r_new[k] = log_r
        log_r += log_w[k]
    pi_j = math.exp(log_r_old[j] + log_v[j])
    pi_l = math.exp(log_r_old[l] + log_v[l])
    out = 0.0
    for k in range(j + 1, l + 1):
        r_new = math.exp(log_r_old[k]) + pi_j - pi_l
        if not r_new > 0.0:
            return -np.inf
        log_r_new[k] = math.log(r_new)
        if k < k_max - 1:
            out += log_r_old[k] - log_r_new[k]
    if l == k_max - 1:
        out += (alpha - 1.0) * (log_v[j] + log_r_old[j] - log_r_old[l])
    return out


@_helper
def _label_swaps(lam, log_v, log_w, alpha, tries, log_r_old, log_r_new):
    """Metropolis exchanges of two classes' labels, ``tries`` random pairs; return the number
    accepted.

    The truncated stick-breaking prior is not symmetric in the labels, so a chain can stay for a
    long time with its largest class on the second stick rather than the first (UKdat_5: two
    such states with posterior medians of N 1,000 apart, left about once per million
    iterations). Exchanging labels moves between them at once (Papaspiliopoulos & Roberts
    2008). Like the HMC move, this targets the parameters' posterior given ``alpha`` with the
    classes and N summed out, so the caller redraws those afterwards. Ratio in
    :func:`_swap_log_ratio`.
    """
    k_max, n_lists = lam.shape
    accepted = 0
    for _ in range(tries):
        a = np.random.randint(0, k_max)
        b = np.random.randint(0, k_max - 1)
        if b >= a:
            b += 1
        j = min(a, b)
        l = max(a, b)
        log_acc = _swap_log_ratio(log_v, log_w, j, l, alpha, log_r_old, log_r_new)
        if not (log_acc >= 0.0 or np.log(np.random.random()) < log_acc):
            continue
        accepted += 1
        for i in range(n_lists):
            x = lam[j, i]
            lam[j, i] = lam[l, i]
            lam[l, i] = x
        log_pi_j = log_r_old[j] + log_v[j]
        log_pi_l = log_r_old[l] + log_v[l]
        for k in range(j, min(l + 1, k_max - 1)):
            if k == j:
                log_pi = log_pi_l
            elif k == l:
                log_pi = log_pi_j
            else:
                log_pi = log_r_old[k] + log_v[k]
            log_v[k] = log_pi - log_r_new[k]
            log_w[k] = log_r_new[k + 1] - log_r_new[k]
    return accepted


@_helper
def _suffix_sums(n_k, miss_k, suffix):
    """``suffix[l] = sum_{k >= l} (n_k + m_k)``, the people in classes ``l`` and beyond."""
    k_max = n_k.size
    suffix[k_max] = 0
    for k in range(k_max - 1, -1, -1):
        suffix[k] = suffix[k + 1] + n_k[k] + miss_k[k]


@_helper
def _class_terms(k, d, m, n_obs_k, ones, suffix, alpha, n_total):
    """The factors of the collapsed target that depend on class ``k``'s unobserved size.

    Evaluated at ``m + d`` given the current suffix sums and total ``N`` (both taken at ``m``):
    ``log Gamma(N) - log m!`` (prior ``1/N`` times the multinomial coefficient), the Beta integrals
    of the class's capture probabilities, and the stick-breaking integrals
    ``B(1 + n_l, alpha + S_{>l})`` of every class ``l <= k`` whose sums contain ``n_k``.
    """
    k_max = suffix.size - 1
    mk = m + d
    n = n_obs_k + mk
    out = math.lgamma(n_total + d) - math.lgamma(mk + 1.0)
    for j in range(ones.size):
        out += math.lgamma(1.0 + n - ones[j])
    out -= ones.size * math.lgamma(2.0 + n)
    if k < k_max - 1:
        out += math.lgamma(1.0 + n)
    for l in range(min(k, k_max - 2) + 1):
        out -= math.lgamma(1.0 + alpha + suffix[l] + d)
        if l < k:
            out += math.lgamma(alpha + suffix[l + 1] + d)
    return out


@_helper
def _proposal_scale(n_obs_k, ones):
    """Random-walk scale for a class's unobserved size, from its observed members only.

    The capture probabilities' Beta(1 + hits, 1 + misses) posteriors give the chance ``e1`` that a
    member is missed by every list and its second moment ``e2``; the scale is the spread of a
    mixed-Poisson count with mean ``rate * e1``, ``rate`` the class size the observed members
    suggest. It must not depend on the unobserved sizes, weights or capture probabilities
    (the proposal stays symmetric and the move stays a draw from the collapsed conditional).
    """
    e1 = 1.0
    e2 = 1.0
    for j in range(ones.size):
        b = 1.0 + n_obs_k - ones[j]
        ab = 2.0 + n_obs_k
        e1 *= b / ab
        e2 *= b * (b + 1.0) / (ab * (ab + 1.0))
    rate = (n_obs_k + 1.0) / (1.0 - e1)
    sd = math.sqrt(rate * e1 + rate * rate * max(e2 - e1 * e1, 0.0))
    return 2.4 * max(sd, 1.0)


@_helper
def _collapsed_missing_step(n_obs, alpha, ones_k, n_k, miss_k, suffix, steps):
    """Metropolis moves of the unobserved class sizes with weights and capture probabilities
    integrated out; return the new unobserved count ``n0``.

    Given the classes of the observed people and ``alpha``, the unobserved sizes ``m`` have the
    marginal posterior (up to a constant)

    ``Gamma(N) / prod_k m_k! * prod_k prod_j B(1 + hits_kj, 1 + n_k - hits_kj)
    * prod_{k<K} B(1 + n_k, alpha + S_{>k})``

    (``n_k`` observed plus unobserved members of class ``k``, ``S_{>k}`` the members of classes
    after ``k``): the ``1/N`` prior with the multinomial coefficient, the Beta(1, 1) capture
    probabilities integrated out, and the truncated stick-breaking weights integrated out
    (Ishwaran & James 2001). Each ``m_k`` takes ``steps`` symmetric random-walk Metropolis steps on
    this marginal, with a scale that depends only on the observed members (and a random factor
    1/2, 1, 2 or 4 drawn independently of the state), so each step leaves the marginal invariant.
    The caller then draws the capture probabilities and the weights from their full conditionals
    given the new sizes: together a blocked update of (sizes, weights, capture probabilities) from
    their joint conditional given the observed classes and ``alpha``, which leaves the posterior
    invariant (partially collapsed Gibbs; van Dyk & Park 2008). Unlike a Gibbs step given the
    weights, it is not tied to them, so ``N`` moves by its posterior spread in a few iterations.
    """
    k_max = ones_k.shape[0]
    zero = np.int64(0)  # not the literal 0, which numba would compile _class_terms for apart
    _suffix_sums(n_k, miss_k, suffix)
    n_total = n_obs
    for k in range(k_max):
        n_total += miss_k[k]
    for k in range(k_max):
        base = _proposal_scale(n_k[k], ones_k[k])
        m = miss_k[k]
        for _ in range(steps):
            scale = base * 0.5 * 2.0 ** np.random.randint(0, 4)
            d = int(np.round(scale * np.random.standard_normal()))
            if d == 0 or m + d < 0:
                continue
            diff = (_class_terms(k, d, m, n_k[k], ones_k[k], suffix, alpha, n_total)
                    - _class_terms(k, zero, m, n_k[k], ones_k[k], suffix, alpha, n_total))
            if np.log(np.random.random()) < diff:
                m += d
                n_total += d
                for l in range(k + 1):
                    suffix[l] += d
        miss_k[k] = m
    return n_total - n_obs


@_helper
def _beta_terms(hits, n):
    """``sum_j log B(1 + hits_j, 1 + n - hits_j)``: a class's Beta(1, 1) capture probabilities
    integrated out, for ``n`` members with ``hits_j`` catches on list ``j``."""
    out = -hits.size * math.lgamma(2.0 + n)
    for j in range(hits.size):
        out += math.lgamma(1.0 + hits[j]) + math.lgamma(1.0 + n - hits[j])
    return out


@_helper
def _stick_terms(sizes, alpha):
    """``sum_{k<K-1} log B(1 + n_k, alpha + S_{>k})``: the truncated stick-breaking weights
    integrated out (Ishwaran & James 2001), ``sizes`` the members of each class."""
    above = 0.0
    for k in range(sizes.size):
        above += sizes[k]
    out = 0.0
    for k in range(sizes.size - 1):
        above -= sizes[k]
        out += (math.lgamma(1.0 + sizes[k]) + math.lgamma(alpha + above)
                - math.lgamma(1.0 + alpha + sizes[k] + above))
    return out


@_helper
def _pattern_logpred(bits, m, n, hits):
    """Log predictive probability of pattern ``m`` (``m == len(bits)``: caught by no list) for a
    class with ``n`` members and ``hits`` catches per list, Beta(1, 1) capture probabilities."""
    out = 0.0
    for j in range(hits.size):
        b = bits[m, j] if m < bits.shape[0] else 0
        out += math.log((hits[j] + 1.0 if b else n - hits[j] + 1.0) / (n + 2.0))
    return out


@_helper
def _add_item(bits, m, t, hits2, row, sizes2):
    """Add ``t`` people of item ``m`` (a pattern, or ``len(bits)``: unobserved) to partial class
    ``row`` (0: ``i``'s, 1: ``j``'s) of a split: its size and catches per list."""
    sizes2[row] += t
    if m < bits.shape[0]:
        for j in range(bits.shape[1]):
            if bits[m, j]:
                hits2[row, j] += t


@_helper
def _restricted_scan(bits, order, n_items, tot, xb, hits2, sizes2, mode, target):
    """One pass over the items of a split-merge move in ``order``; return its log probability.

    ``tot[m]`` people of item ``m`` (a pattern, or ``len(bits)`` for the unobserved; the two
    anchor people left out) are divided, ``xb[m]`` of them to ``j``'s class and the rest to
    ``i``'s, each person independently with probability proportional to the class's size times
    its predictive probability of the item (Beta(1, 1) capture probabilities). ``mode`` 0: the
    sequential allocation of Dahl (2005), the classes holding only the anchors and the items
    already placed; 1: a restricted scan in the manner of Jain & Neal (2004), each item
    redrawn given all the others; 2: as 1, but the item is set to ``target[m]`` instead of
    drawn (the probability of reaching a given split, for the reverse of a merge).
    """
    log_q = 0.0
    for i in range(n_items):
        m = order[i]
        t = tot[m]
        if t == 0:
            continue
        if mode > 0:
            _add_item(bits, m, -(t - xb[m]), hits2, 0, sizes2)
            _add_item(bits, m, -xb[m], hits2, 1, sizes2)
        la = math.log(sizes2[0]) + _pattern_logpred(bits, m, sizes2[0], hits2[0])
        lb = math.log(sizes2[1]) + _pattern_logpred(bits, m, sizes2[1], hits2[1])
        top = max(la, lb)
        lse = top + math.log(math.exp(la - top) + math.exp(lb - top))
        if mode == 2:
            x = target[m]
        else:
            x = np.random.binomial(t, math.exp(lb - lse))
        if x > 0:
            log_q += x * (lb - lse)
        if t - x > 0:
            log_q += (t - x) * (la - lse)
        xb[m] = x
        _add_item(bits, m, t - x, hits2, 0, sizes2)
        _add_item(bits, m, x, hits2, 1, sizes2)
    return log_q


@_helper
def _recount(bits, alloc, c, n_k, ones_k):
    """Observed members and list catches of class ``c`` from ``alloc[:, c]``."""
    n_k[c] = 0
    for j in range(bits.shape[1]):
        ones_k[c, j] = 0
    for m in range(bits.shape[0]):
        a = alloc[m, c]
        if a:
            n_k[c] += a
            for j in range(bits.shape[1]):
                if bits[m, j]:
                    ones_k[c, j] += a


@_helper
def _pick_person(alloc, miss_k, r, skip_k, skip_m, pick):
    """The class and item of person number ``r`` (from 0) in a fixed order of everybody, one
    person of item ``skip_m`` in class ``skip_k`` left out; written into ``pick``."""
    m_pat, k_max = alloc.shape
    for k in range(k_max):
        for m in range(m_pat + 1):
            t = alloc[m, k] if m < m_pat else miss_k[k]
            if k == skip_k and m == skip_m:
                t -= 1
            if r < t:
                pick[0] = k
                pick[1] = m
                return
            r -= t
    pick[0] = -1


@_helper
def _set_split(bits, alloc, c, e, miss_k, n_k, ones_k, tot, xb, item_i, item_j):
    """Write a split (``xb`` of each item's ``tot`` to ``e``, the anchors ``i`` in ``c`` and ``j``
    in ``e``) into ``alloc`` and ``miss_k``, and recount both classes."""
    m_pat = bits.shape[0]
    for m in range(m_pat + 1):
        a = tot[m] - xb[m] + (1 if m == item_i else 0)
        b = xb[m] + (1 if m == item_j else 0)
        if m < m_pat:
            alloc[m, c] = a
            alloc[m, e] = b
        else:
            miss_k[c] = a
            miss_k[e] = b
    _recount(bits, alloc, c, n_k, ones_k)
    _recount(bits, alloc, e, n_k, ones_k)


@_helper
def _write_columns(bits, alloc, c, e, miss_k, n_k, ones_k, keep_c, keep_e, merged):
    """Put classes ``c`` and ``e`` back as ``keep_c``, ``keep_e`` (or, ``merged``, both in ``c``)."""
    m_pat = bits.shape[0]
    for m in range(m_pat + 1):
        a = keep_c[m] + keep_e[m] if merged else keep_c[m]
        b = 0 if merged else keep_e[m]
        if m < m_pat:
            alloc[m, c] = a
            alloc[m, e] = b
        else:
            miss_k[c] = a
            miss_k[e] = b
    _recount(bits, alloc, c, n_k, ones_k)
    _recount(bits, alloc, e, n_k, ones_k)


@_helper
def _split_merge(bits, alloc, n_k, ones_k, miss_k, alpha, tries, scans, sizes, order, hits2,
                 sizes2, items, pick):
    """Split-merge Metropolis-Hastings moves of whole classes (Jain & Neal 2004, launched by
    Dahl's 2005 sequential allocation), on the same collapsed target as
    :func:`_collapsed_missing_step` (weights and capture probabilities integrated out, ``alpha``
    fixed); return the number accepted.

    The Gibbs sweep moves people one at a time, and with many lists a new class cannot start:
    an empty class's capture probabilities come from the prior, so the chance that it fits
    anybody is about ``2**-J``. Chains then stay for a very long time with two groups of people
    merged in one class (the 20-list verdata stratum: chains at N ~1,410 with one class fewer
    and at ~1,900 did not meet in 500,000 sweeps).

    Two different people ``i``, ``j`` are drawn at random among all ``N`` (the unobserved
    included). The other members of their classes are put in a random order (the unobserved
    last) and a launch split is made by a sequential allocation and ``scans`` restricted scans
    (:func:`_restricted_scan`). In the same class ``c``, a split is proposed: ``j``'s part goes
    to an empty class ``e`` (uniform among the empty) and one more scan from the launch gives the
    proposal. In different classes, ``j``'s class is merged into ``i``'s, and the reverse
    probability is that of the present split from the launch. The launch depends only on the
    merged set, the anchors and fresh random numbers, so (Jain & Neal 2004, section 3) the
    acceptance ratio is the collapsed target's ratio (individuals labelled: no multinomial
    coefficients) times ``1 / (P(e) q)`` for a split and ``q P(e)`` for a merge, ``q`` the final
    scan's probability; the move leaves the collapsed target invariant. The caller then draws
    the capture probabilities and weights from their full conditionals (a partially collapsed
    Gibbs block, as for the unobserved class sizes). ``N`` does not change; the terms of classes
    other than ``c`` and ``e`` cancel except in the stick-breaking integrals, evaluated in full.
    """
    m_pat = bits.shape[0]
    k_max = n_k.size
    tot, xb, target, keep_c, keep_e = items[0], items[1], items[2], items[3], items[4]
    accepted = 0
    n_total = 0
    for k in range(k_max):
        n_total += n_k[k] + miss_k[k]
    if n_total < 2:
        return 0
    for _ in range(tries):
        emp = 0
        for k in range(k_max):
            sizes[k] = n_k[k] + miss_k[k]
            if sizes[k] == 0:
                emp += 1
        _pick_person(alloc, miss_k, np.random.randint(0, n_total), -1, -1, pick)
        c = pick[0]
        item_i = pick[1]
        _pick_person(alloc, miss_k, np.random.randint(0, n_total - 1), c, item_i, pick)
        item_j = pick[1]
        split = pick[0] == c
        if split:
            if emp == 0:
                continue
            nth = np.random.randint(0, emp)
            e = -1
            for k in range(k_max):
                if sizes[k] == 0:
                    if nth == 0:
                        e = k
                        break
                    nth -= 1
        else:
            e = pick[0]
        old = (_beta_terms(ones_k[c], sizes[c]) + _beta_terms(ones_k[e], sizes[e])
               + _stick_terms(sizes, alpha))
        n_items = 0
        for m in range(m_pat + 1):
            keep_c[m] = alloc[m, c] if m < m_pat else miss_k[c]
            keep_e[m] = alloc[m, e] if m < m_pat else miss_k[e]
            if m < m_pat:
                target[m] = alloc[m, e]
                tot[m] = alloc[m, c] + alloc[m, e]
            else:
                target[m] = miss_k[e]
                tot[m] = miss_k[c] + miss_k[e]
            if m == item_i:
                tot[m] -= 1
            if m == item_j:
                tot[m] -= 1
                target[m] -= 1
            xb[m] = 0
            if tot[m] > 0 and m < m_pat:
                order[n_items] = m
                n_items += 1
        for i in range(n_items - 1, 0, -1):      # Fisher-Yates shuffle of the observed
            r = np.random.randint(0, i + 1)
            tmp = order[i]
            order[i] = order[r]
            order[r] = tmp
        if tot[m_pat] > 0:                       # the unobserved last, once the classes
            order[n_items] = m_pat               # have taken shape
            n_items += 1
        for j in range(bits.shape[1]):
            hits2[0, j] = 0.0
            hits2[1, j] = 0.0
        sizes2[0] = 0.0
        sizes2[1] = 0.0
        _add_item(bits, item_i, 1, hits2, 0, sizes2)
        _add_item(bits, item_j, 1, hits2, 1, sizes2)
        _restricted_scan(bits, order, n_items, tot, xb, hits2, sizes2, 0, target)
        for _s in range(scans):
            _restricted_scan(bits, order, n_items, tot, xb, hits2, sizes2, 1, target)
        if split:
            log_q = _restricted_scan(bits, order, n_items, tot, xb, hits2, sizes2, 1, target)
            _set_split(bits, alloc, c, e, miss_k, n_k, ones_k, tot, xb, item_i, item_j)
            log_ratio = math.log(emp) - log_q
        else:
            log_q = _restricted_scan(bits, order, n_items, tot, xb, hits2, sizes2, 2, target)
            _write_columns(bits, alloc, c, e, miss_k, n_k, ones_k, keep_c, keep_e, True)
            log_ratio = log_q - math.log(emp + 1.0)
        sizes[c] = n_k[c] + miss_k[c]
        sizes[e] = n_k[e] + miss_k[e]
        new = (_beta_terms(ones_k[c], sizes[c]) + _beta_terms(ones_k[e], sizes[e])
               + _stick_terms(sizes, alpha))
        log_acc = new - old + log_ratio
        if log_acc >= 0.0 or math.log(np.random.random()) < log_acc:
            accepted += 1
        else:
            _write_columns(bits, alloc, c, e, miss_k, n_k, ones_k, keep_c, keep_e, False)
    return accepted


@_helper
def _update_weights(n_k, alpha, log_v, log_w, a_alpha, b_alpha):
    """Stick-breaking fractions given class sizes, then the concentration ``alpha``; return alpha.

    ``v_k ~ Beta(1 + n_k, alpha + n_{>k})`` and ``alpha ~ Gamma(a + K - 1, b - sum log(1 - v_k))``
    (Ishwaran & James 2001), with ``v`` kept as ``log v`` and ``log(1 - v)``.
    """
    k_max = log_v.size
    above = 0.0
    for k in range(k_max):
        above += n_k[k]
    log_left = 0.0
    for k in range(k_max - 1):
        above -= n_k[k]
        log_v[k], log_w[k] = _log_beta_pair(1.0 + n_k[k], alpha + above)
        log_left += log_w[k]
    log_v[k_max - 1] = 0.0
    log_w[k_max - 1] = -np.inf
    return np.random.gamma(a_alpha + k_max - 1, 1.0 / (b_alpha - log_left))


def state_size(k_max, n_lists):
    """Length of the float array that carries a chain's state between calls of :func:`run_chain`:
    a started flag, ``alpha``, ``lambda`` (K x J), ``log v``, ``log(1 - v)`` and the unobserved
    class sizes (K each), then the HMC step size and the HMC moves' mean acceptance probability
    in the kept part of the last call (the last two are read by :mod:`uncounted.mse.lcmcr`)."""
    return 4 + k_max * n_lists + 3 * k_max


@_helper
def _load_state(state, lam, log_v, log_w, miss_k):
    """Unpack a saved state (see :func:`state_size`); return alpha."""
    k_max, n_lists = lam.shape
    i = 2
    for k in range(k_max):
        for j in range(n_lists):
            lam[k, j] = state[i]
            i += 1
    for k in range(k_max):
        log_v[k] = state[i]
        log_w[k] = state[i + k_max]
        miss_k[k] = int(state[i + 2 * k_max])
        i += 1
    return state[1]


@_helper
def _save_state(state, alpha, lam, log_v, log_w, miss_k):
    """Pack a chain's state into ``state`` (see :func:`state_size`)."""
    k_max, n_lists = lam.shape
    state[0] = 1.0
    state[1] = alpha
    i = 2
    for k in range(k_max):
        for j in range(n_lists):
            state[i] = lam[k, j]
            i += 1
    for k in range(k_max):
        state[i] = log_v[k]
        state[i + k_max] = log_w[k]
        state[i + 2 * k_max] = miss_k[k]
        i += 1


@_helper
def _start(lam, log_v, log_w):
    """Random starting point: ``lambda ~ U(0, 1)``, fractions ``v ~ Beta(1, 1)``; return alpha."""
    k_max, n_lists = lam.shape
    for k in range(k_max):
        for j in range(n_lists):
            lam[k, j] = min(max(np.random.beta(1.0, 1.0), 1e-6), 1 - 1e-6)
    alpha = 1.0
    for k in range(k_max - 1):
        log_v[k], log_w[k] = _log_beta_pair(1.0, alpha)
    log_v[k_max - 1] = 0.0
    log_w[k_max - 1] = -np.inf
    return alpha


@njit(cache=True, nogil=True)
def run_chain(bits, counts, k_max, burn_in, samples, thin, a_alpha, b_alpha, seed, collapsed_steps,
              hmc_steps, label_swaps, state, split_merge=0, split_scans=3):
    """Run one chain; return draws of N, of alpha and of the number of classes holding observed people.

    Parameters
    ----------
    bits : (M, J) uint8 array, the distinct observed capture patterns.
    counts : (M,) int64 array, people with each pattern.
    k_max : truncation level of the stick-breaking prior.
    burn_in, samples, thin : iterations discarded, draws kept, iterations per kept draw.
    a_alpha, b_alpha : Gamma(shape, rate) prior of the concentration parameter.
    seed : seed of numba's random state for this call.
    collapsed_steps : Metropolis steps per class of the collapsed move (0 = none).
    hmc_steps : largest number of leapfrog steps of the HMC move on the marginal posterior of the
        parameters (0 = none; with it, ``collapsed_steps`` and ``label_swaps`` all 0 this is the
        paper's plain Gibbs sweep). Its step size is tuned during burn-in by dual averaging
        (Hoffman & Gelman 2014) to an acceptance rate of 0.8, then fixed; a continued chain
        keeps it.
    label_swaps : proposed exchanges of two classes' labels per iteration (0 = none).
    state : float array of :func:`state_size` ``(k_max, J)``; all zeros starts a new chain from a
        random point, otherwise the chain continues from it. Overwritten with the final state.
    split_merge : proposed split-merge moves of whole classes per iteration (0 = none; see
        :func:`_split_merge`).
    """
    np.random.seed(seed)
    n_lists = bits.shape[1]
    n_obs = np.int64(0)  # a literal 0 here makes numba compile every callee twice (~5 s)
    for m in range(counts.size):
        n_obs += counts[m]
    lam = np.empty((k_max, n_lists))
    log_v = np.empty(k_max)
    log_w = np.empty(k_max)
    miss_k = np.zeros(k_max, dtype=np.int64)
    started = state[0] != 0.0
    alpha = _load_state(state, lam, log_v, log_w, miss_k) if started else _start(lam, log_v, log_w)
    pi = np.empty(k_max)
    log_pi = np.empty(k_max)
    _stick_breaking(log_v, log_w, pi, log_pi)
    prob_k = np.empty(k_max)
    draw_k = np.zeros(k_max, dtype=np.int64)
    n_k = np.zeros(k_max, dtype=np.int64)
    ones_k = np.zeros((k_max, n_lists), dtype=np.int64)
    suffix = np.zeros(k_max + 1, dtype=np.int64)
    alloc = np.zeros((bits.shape[0], k_max), dtype=np.int64)
    sm_sizes = np.zeros(k_max, dtype=np.int64)
    sm_order = np.zeros(bits.shape[0] + 1, dtype=np.int64)
    sm_hits = np.zeros((2, n_lists))
    sm_sizes2 = np.zeros(2)
    sm_items = np.zeros((5, bits.shape[0] + 1), dtype=np.int64)
    sm_pick = np.zeros(2, dtype=np.int64)
    if started:
        n0 = 0
        for k in range(k_max):
            n0 += miss_k[k]
    else:
        n0 = _missing_step(n_obs, pi, lam, miss_k, prob_k)
    hmc_x = np.zeros(k_max * n_lists + k_max)
    hmc_flat = np.empty((3, hmc_x.size))
    scratch_k = np.empty((2, k_max))
    scratch_kj = np.empty((3, k_max, n_lists))
    log_r_old = np.empty(k_max)
    log_r_new = np.empty(k_max)
    # dual averaging of log eps (Hoffman & Gelman 2014, section 3.2: gamma 0.05, t0 10, kappa 0.75)
    log_eps_bar = math.log(state[state.size - 2]) if started and state[state.size - 2] > 0 \
        else math.log(0.02)
    log_eps = log_eps_bar
    mu = math.log(10.0) + log_eps_bar
    h_bar = 0.0
    accepted = 0.0
    moves = 0
    out_n = np.empty(samples)
    out_alpha = np.empty(samples)
    out_occ = np.empty(samples)
    total_it = burn_in + samples * thin
    kept = 0
    for it in range(total_it):
        n_k[:] = 0
        ones_k[:, :] = 0
        _allocate_observed(bits, counts, log_pi, lam, n_k, ones_k, prob_k, draw_k, alloc)
        if collapsed_steps > 0:
            n0 = _collapsed_missing_step(n_obs, alpha, ones_k, n_k, miss_k, suffix, collapsed_steps)
        if split_merge > 0:
            _split_merge(bits, alloc, n_k, ones_k, miss_k, alpha, split_merge, split_scans,
                         sm_sizes, sm_order, sm_hits, sm_sizes2, sm_items, sm_pick)
        occ = 0
        for k in range(k_max):
            if n_k[k] > 0:
                occ += 1
        for k in range(k_max):
            n_k[k] += miss_k[k]
            for j in range(n_lists):
                x = np.random.beta(1.0 + ones_k[k, j], 1.0 + n_k[k] - ones_k[k, j])
                lam[k, j] = min(max(x, 1e-12), 1.0 - 1e-12)
        alpha = _update_weights(n_k, alpha, log_v, log_w, a_alpha, b_alpha)
        if hmc_steps > 0:
            eps = math.exp(log_eps if it < burn_in else log_eps_bar)
            acc = _hmc_move(lam, log_v, log_w, alpha, bits, counts, n_obs, eps, hmc_steps, hmc_x,
                            scratch_k, scratch_kj, hmc_flat)
            if it < burn_in:
                t = it + 1.0
                h_bar += (0.8 - acc - h_bar) / (t + 10.0)
                log_eps = mu - math.sqrt(t) / 0.05 * h_bar
                weight = t ** -0.75
                log_eps_bar = weight * log_eps + (1.0 - weight) * log_eps_bar
            else:
                accepted += acc
                moves += 1
        if label_swaps > 0:
            _label_swaps(lam, log_v, log_w, alpha, label_swaps, log_r_old, log_r_new)
        _stick_breaking(log_v, log_w, pi, log_pi)
        n0 = _missing_step(n_obs, pi, lam, miss_k, prob_k)
        if it >= burn_in and (it - burn_in) % thin == thin - 1:
            out_n[kept] = n_obs + n0
            out_alpha[kept] = alpha
            out_occ[kept] = occ
            kept += 1
    _save_state(state, alpha, lam, log_v, log_w, miss_k)
    state[state.size - 2] = math.exp(log_eps_bar)
    state[state.size - 1] = accepted / moves if moves else np.nan
    return out_n, out_alpha, out_occ


def compiled() -> bool | None:
    """Whether numba's on-disk cache holds :func:`run_chain` for this source file.

    ``True``: the next call loads it at once; ``False``: the next call compiles it (about
    :data:`COMPILE_SECONDS`); ``None``: cannot tell (numba's cache layout is private and may
    change, or caching is off). Reads numba's cache index without compiling anything.
    """
    try:
        cache_file = run_chain._cache._cache_file
        return bool(cache_file._load_index())
    except Exception:   # noqa: BLE001 - a private numba API: unknown rather than wrong
        return None
