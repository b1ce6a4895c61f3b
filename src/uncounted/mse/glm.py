"""A vectorised Poisson GLM fitter (IRLS) for many small log-linear models at once.

Every model in a search over hierarchical log-linear models of a ``2**k`` capture table shares the
same cells and a subset of the same columns. Instead of fitting thousands of tiny GLMs one after the
other, :func:`fit_poisson` fits them together: one design matrix ``X`` holds every column any model
may use, and a boolean ``mask`` of shape ``(models, columns)`` says which columns each model has.
Each iteration builds all the weighted cross-products ``X' W X`` with one matrix product and solves
them with one batched ``numpy.linalg.solve``; models leave the batch as soon as they converge.

The iteration replicates R's ``glm.fit`` for the Poisson family with log link (starting values
``mu = y + 0.1``, convergence when ``|dev - dev_old| / (|dev| + 0.1) < 1e-8``, at most 25
iterations by default), so models whose maximum likelihood estimate does not exist (a fitted cell
drifting to zero) stop where R would stop, and the reference numbers computed with R's ``glm`` are
reproduced.

References
----------
McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall,
section 2.5 (iteratively reweighted least squares). doi:10.1007/978-1-4899-3242-6
R Core Team. ``glm.fit`` in package stats (convergence rule and starting values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._stats import log_factorial, xlogy

#: Relative deviance change at which IRLS stops (R's ``glm.control(epsilon)``).
EPSILON = 1e-8
#: Largest linear predictor allowed (exp overflows near 709).
ETA_MAX = 700.0


@dataclass(frozen=True)
class PoissonFits:
    """Results of :func:`fit_poisson` for ``M`` models (arrays have ``M`` as first axis).

    Attributes
    ----------
    coef
        ``(M, P)`` coefficients; columns a model does not use are 0.
    mu
        ``(M, C)`` fitted means.
    deviance
        ``(M,)`` Poisson deviance ``2 sum(y log(y/mu) - (y - mu))``.
    loglik
        ``(M,)`` Poisson log-likelihood ``sum(y log mu - mu - log y!)``.
    npar
        ``(M,)`` number of columns used.
    var_intercept
        ``(M,)`` ``[(X' W X)^-1]_00``, the variance of the intercept (column 0).
    converged
        ``(M,)`` True when the deviance settled within ``maxiter`` iterations.
    iterations
        ``(M,)`` iterations used.
    eta_step
        ``(M,)`` largest change of the linear predictor in the last iteration. Near zero when the
        fit converged to an interior maximum; about 1 when cells are drifting to zero because the
        maximum likelihood estimate does not exist (Newton steps then move log-means linearly).
    """

    coef: np.ndarray
    mu: np.ndarray
    deviance: np.ndarray
    loglik: np.ndarray
    npar: np.ndarray
    var_intercept: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    eta_step: np.ndarray

    def aic(self) -> np.ndarray:
        """``-2 loglik + 2 npar`` (R's ``glm`` AIC for the Poisson family)."""
        return -2.0 * self.loglik + 2.0 * self.npar

    def bic(self, n: float) -> np.ndarray:
        """``-2 loglik + log(n) npar`` with ``n`` the number of individuals (Rcapture's rule)."""
        return -2.0 * self.loglik + np.log(n) * self.npar


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance summed over the last axis (``y = 0`` cells contribute ``2 mu``)."""
    return 2.0 * np.sum(xlogy(y, y) - xlogy(y, mu) - (y - mu), axis=-1)


def poisson_loglik(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood summed over the last axis."""
    return np.sum(xlogy(y, mu) - mu - log_factorial(y), axis=-1)


def fit_poisson(X: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None, *,
                maxiter: int = 25, epsilon: float = EPSILON, chunk: int = 256) -> PoissonFits:
    """Fit Poisson log-linear models by IRLS, many at once.

    Parameters
    ----------
    X
        ``(C, P)`` design matrix over the ``C`` cells; column 0 should be the intercept.
    y
        ``(C,)`` counts shared by all models, or ``(M, C)`` one count vector per model
        (e.g. bootstrap replicates).
    mask
        ``(M, P)`` booleans: the columns of ``X`` each model uses. Default: one model using all.
    maxiter, epsilon
        Iteration limit and relative-deviance convergence tolerance (R's defaults).
    chunk
        Models fitted together; they are sorted by size first, so each batch is padded only to
        the largest model in it.

    Returns
    -------
    PoissonFits
    """
    X = np.asarray(X, dtype=float)
    C, P = X.shape
    mask = np.ones((1, P), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    y = np.asarray(y, dtype=float)
    M = max(mask.shape[0], 1 if y.ndim == 1 else y.shape[0])
    mask = np.broadcast_to(mask, (M, P))
    Y = np.broadcast_to(y, (M, C))
    npar = mask.sum(axis=1)
    order = np.argsort(npar, kind="stable")
    coef = np.zeros((M, P))
    mu = np.empty((M, C))
    dev = np.empty(M)
    var0 = np.empty(M)
    converged = np.zeros(M, dtype=bool)
    iterations = np.zeros(M, dtype=np.int64)
    step = np.empty(M)
    for lo in range(0, M, chunk):
        sel = order[lo:lo + chunk]
        idx, valid = _padded_columns(mask[sel])
        Xm = X[:, idx].transpose(1, 0, 2) * valid[:, None, :]
        res = _irls(Xm, valid, Y[sel], maxiter, epsilon)
        b, mu[sel], dev[sel], var0[sel], converged[sel], iterations[sel], step[sel] = res
        rows = np.repeat(sel, idx.shape[1])
        np.add.at(coef, (rows[valid.ravel()], idx.ravel()[valid.ravel()]), b.ravel()[valid.ravel()])
    return PoissonFits(coef=coef, mu=mu, deviance=dev, loglik=poisson_loglik(Y, mu), npar=npar,
                       var_intercept=var0, converged=converged, iterations=iterations,
                       eta_step=step)


def _padded_columns(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of each model, left-aligned and padded to the widest (``valid`` marks real)."""
    width = int(mask.sum(axis=1).max())
    pos = np.cumsum(mask, axis=1) - 1
    idx = np.zeros((mask.shape[0], width), dtype=np.int64)
    rr, cc = np.nonzero(mask)
    idx[rr, pos[rr, cc]] = cc
    valid = np.arange(width)[None, :] < mask.sum(axis=1)[:, None]
    return idx, valid


def _irls(Xm: np.ndarray, valid: np.ndarray, Y: np.ndarray, maxiter: int, epsilon: float):
    """IRLS for a batch of models with their own (padded) design matrices ``Xm`` ``(B, C, p)``."""
    B, _, p = Xm.shape
    beta = np.zeros((B, p))
    mu = Y + 0.1
    eta = np.log(mu)
    dev = poisson_deviance(Y, mu)
    converged = np.zeros(B, dtype=bool)
    iterations = np.zeros(B, dtype=np.int64)
    step = np.zeros(B)
    active = np.arange(B)
    for it in range(1, maxiter + 1):
        if active.size == 0:
            break
        Xa, ya, ma, ea = Xm[active], Y[active], mu[active], eta[active]
        z = ea + (ya - ma) / ma
        ba = _solve(_gram(Xa, ma, valid[active]), np.matmul((ma * z)[:, None, :], Xa)[:, 0, :])
        if it > 1:
            ba, ea, ma, dnew = _halve_if_worse(Xa, ya, beta[active], ba, dev[active])
        else:
            ea = np.clip(np.matmul(Xa, ba[:, :, None])[..., 0], -ETA_MAX, ETA_MAX)
            ma = np.exp(ea)
            dnew = poisson_deviance(ya, ma)
        done = np.abs(dnew - dev[active]) / (np.abs(dnew) + 0.1) < epsilon
        step[active] = np.abs(ea - eta[active]).max(axis=1)
        beta[active], mu[active], eta[active], dev[active] = ba, ma, ea, dnew
        iterations[active] = it
        converged[active[done]] = True
        active = active[~done]
    e0 = np.zeros((B, p))
    e0[:, 0] = 1.0
    var0 = _solve(_gram(Xm, mu, valid), e0)[:, 0]
    return beta, mu, dev, var0, converged, iterations, step


def _halve_if_worse(Xa, ya, b_old, b_new, d_old, tries: int = 30):
    """Halve IRLS steps that increase the deviance (a guard for near-singular weighted systems).

    R's ``glm.fit`` solves each step by QR, which stays accurate when fitted cells drift towards
    zero; the normal equations used here lose precision there and a step can overshoot. Such a
    step raises the deviance, which an exact Newton step on this concave problem never does by
    more than rounding, so it is halved back towards the previous coefficients.
    """
    b = b_new.copy()
    for _ in range(tries):
        eta = np.clip(np.matmul(Xa, b[:, :, None])[..., 0], -ETA_MAX, ETA_MAX)
        mu = np.exp(eta)
        dev = poisson_deviance(ya, mu)
        worse = ~(dev <= d_old * (1 + 1e-7) + 1e-9)
        if not worse.any():
            break
        b[worse] = (b[worse] + b_old[worse]) / 2
    return b, eta, mu, dev


def _gram(Xa: np.ndarray, w: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``X' diag(w) X`` per model, with identity on the padding."""
    A = np.matmul(Xa.transpose(0, 2, 1) * w[:, None, :], Xa)
    p = A.shape[1]
    A[:, np.arange(p), np.arange(p)] += ~valid
    return A


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve, falling back to least squares for a singular system."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(a, r, rcond=None)[0] for a, r in zip(A, b, strict=True)])


# ------------------------------------------------------------------------------ single-model Newton
@dataclass(frozen=True)
class NewtonFit:
    """One Poisson log-linear fit by :func:`newton_poisson` or :class:`FactoredPoisson`.

    ``coef`` (intercept first), ``loglik`` (Poisson, with the ``log y!`` constant), ``deviance``,
    ``var_intercept`` (``[(X' W X)^-1]_00``), ``converged``, ``iterations`` and ``step`` (largest
    change of the linear predictor in the last iteration: about 1 when the MLE does not exist, see
    :attr:`PoissonFits.eta_step`). ``mu`` is the fitted means over the cells (dense fits only).
    """

    coef: np.ndarray
    loglik: float
    deviance: float
    var_intercept: float
    converged: bool
    iterations: int
    step: float
    mu: np.ndarray | None = None
    npar: int = 0

    @property
    def diverging(self) -> bool:
        """True when the Newton steps did not shrink: the MLE does not exist (a cell tends to 0).

        Also when the information matrix at the end is not positive definite (a negative or
        infinite variance): the fit has run off to where it is singular."""
        return (self.step >= DIVERGING_STEP
                or not (math.isnan(self.var_intercept) or 0 < self.var_intercept < math.inf))


#: Newton's last step in the linear predictor at or above this means the fit is drifting to the
#: boundary (the same screen as :data:`uncounted.mse.loglinear_search.DIVERGING_STEP`).
DIVERGING_STEP = 0.1


def newton_poisson(X: np.ndarray, y: np.ndarray, beta: np.ndarray | None = None, *,
                   maxiter: int = 60, tol: float = 1e-11, light: bool = False) -> NewtonFit:
    """Fit one Poisson log-linear model by Newton's method with step halving (small dense ``X``).

    Used inside model searches and bootstraps, where thousands of small models are fitted one at
    a time and the per-call overhead of :func:`fit_poisson` dominates. It maximises the same
    concave likelihood, so at an interior maximum it reaches the same estimate (stopping on a
    relative log-likelihood change below ``tol``, tighter than R's rule). ``beta`` warm-starts it
    (e.g. the previous model's coefficients with 0 for an added term); without it the first step
    is IRLS from ``mu = y + 0.1`` as in R's ``glm.fit``. ``light`` skips what a search does not
    need (the variance, the deviance and the ``log y!`` constant: returned as ``nan``).
    """
    y = np.asarray(y, dtype=float)
    if beta is None:
        mu = y + 0.1
        z = np.log(mu) + (y - mu) / mu
        XtW = X.T * mu
        beta = _solve1(XtW @ X, XtW @ z)
    beta = np.asarray(beta, dtype=float).copy()
    eta = np.clip(X @ beta, -ETA_MAX, ETA_MAX)
    mu = np.exp(eta)
    ll = float(y @ eta - mu.sum())
    converged, step, it = False, 0.0, 0
    for it in range(1, maxiter + 1):
        XtW = X.T * mu
        H = XtW @ X
        d = _solve1(H, X.T @ (y - mu))
        dx = X @ d
        t = 1.0
        for _ in range(40):
            eta_new = np.clip(eta + t * dx, -ETA_MAX, ETA_MAX)
            mu_new = np.exp(eta_new)
            ll_new = float(y @ eta_new - mu_new.sum())
            if ll_new >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        step = float(np.abs(t * dx).max()) if dx.size else 0.0
        beta += t * d
        done = abs(ll_new - ll) <= tol * (abs(ll_new) + 0.1)
        eta, mu, ll = eta_new, mu_new, ll_new
        if done:
            converged = True
            break
    if light:
        return NewtonFit(coef=beta, loglik=math.nan, deviance=math.nan, var_intercept=math.nan,
                         converged=converged, iterations=it, step=step, mu=mu, npar=X.shape[1])
    H = (X.T * mu) @ X
    var0 = float(_solve1(H, np.eye(1, H.shape[0])[0])[0])
    loglik = ll - float(log_factorial(y).sum())
    dev = float(poisson_deviance(y, mu))
    return NewtonFit(coef=beta, loglik=loglik, deviance=dev, var_intercept=var0,
                     converged=converged, iterations=it, step=step, mu=mu, npar=X.shape[1])


def _solve1(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(A, b, rcond=None)[0]


# ------------------------------------------------------------------------ factored (many lists)
#: Most lists one connected group of interactions may join: its ``2**m`` local patterns are
#: summed at each Newton step (1,048,576 for 20; 8 MB).
MAX_COMPONENT_LISTS = 20


class ComponentTooLarge(ValueError):
    """The model's interactions join more lists than :data:`MAX_COMPONENT_LISTS`."""


class FactoredPoisson:
    """A Poisson log-linear model over all ``2**k`` capture cells, fitted without enumerating them.

    The model (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6) puts
    ``log mu_c = b0 + sum_t b_t [c contains t]`` on every observable cell ``c`` (every non-empty
    pattern, zeros included; with ``n0`` the unobserved cell too). Its log-likelihood is
    ``b' T - sum_c mu_c - const`` where ``T = X' y`` are the sufficient statistics (the number of
    people caught by every list of each term), computed from the *observed* patterns alone. The
    only sum over all cells is ``sum_c mu_c``, and it factorises: group the lists into connected
    components of the model's interaction terms; then
    ``sum_{all c} exp(eta_c) = exp(b0) prod_a Z_a`` with ``Z_a`` the sum over the ``2**m_a`` local
    patterns of component ``a`` (``1 + exp(b_j)`` for a list in no interaction), and the cell of
    nobody contributes ``exp(b0)``. Expected sufficient statistics and the information matrix
    ``X' diag(mu) X`` are moments of this product measure: within a component by enumeration,
    across components products of first moments. Newton's method then works on ``p`` parameters
    (intercept, main effects, interactions) however many cells there are; a list in no interaction
    costs nothing. This is the same argument as iterative proportional fitting's, which needs only
    the margins fixed by the model (Deming & Stephan 1940; Bishop et al. 1975, section 3.5).

    Cells holding an ``excluded`` term (SparseMSE's empty overlaps, Chan, Silverman & Vincent
    2021) are structural zeros: left out of the sum.

    Parameters
    ----------
    k
        Number of lists.
    terms
        Interaction terms (bit masks of 2 or more lists); the intercept and the ``k`` main effects
        are always in the model. Coefficient order: intercept, main effects, ``terms``.
    patterns, counts
        The observed patterns (``uint64`` bit masks, non-zero) and their counts.
    excluded
        Terms whose cells are structural zeros.
    n0
        Count of the unobserved cell, to fit the full table (profile likelihood); ``None`` leaves
        the cell out, as in every estimate.
    """

    def __init__(self, k: int, terms, patterns, counts, *, excluded=(), n0: float | None = None):
        self.k = int(k)
        self.terms = tuple(int(t) for t in terms)
        self.excluded = tuple(int(t) for t in excluded)
        self.n0 = n0
        allterms = [1 << j for j in range(k)] + list(self.terms)
        self.cols = (0, *allterms)
        p = len(self.cols)
        parent = list(range(k))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for t in (*self.terms, *self.excluded):
            bits = _bits_of(t)
            for b in bits[1:]:
                parent[find(b)] = find(bits[0])
        groups: dict[int, list[int]] = {}
        for j in range(k):
            groups.setdefault(find(j), []).append(j)
        self.single = np.array([g[0] for g in groups.values() if len(g) == 1], dtype=np.int64)
        # per component: its lists, the columns of its terms, each term's local bit mask, the
        # local patterns allowed (not a structural zero)
        self.components = []
        for g in groups.values():
            if len(g) == 1:
                continue
            if len(g) > MAX_COMPONENT_LISTS:
                raise ComponentTooLarge(
                    f"the model's interactions join {len(g)} lists; at most {MAX_COMPONENT_LISTS} "
                    "can be joined")
            m = len(g)
            gmask = sum(1 << j for j in g)
            pos = {j: i for i, j in enumerate(g)}
            idx = np.array([i for i, t in enumerate(self.cols) if t and (t & gmask) == t])
            loc = np.array([sum(1 << pos[j] for j in _bits_of(self.cols[i])) for i in idx])
            allowed = np.ones(2**m, dtype=bool)
            local = np.arange(2**m)
            for e in self.excluded:
                if (e & gmask) == e:
                    le = sum(1 << pos[j] for j in _bits_of(e))
                    allowed &= (local & le) != le
            self.components.append((np.array(g), idx, loc, allowed, m))
        self.p = p
        pats = np.asarray(patterns, dtype=np.uint64)
        y = np.asarray(counts, dtype=float)
        tv = np.array(self.cols, dtype=np.uint64)
        inc = (pats[:, None] & tv[None, :]) == tv[None, :]
        self.T = y @ inc
        self.n = float(y.sum())
        if n0 is not None:
            self.T[0] += n0
        self.ylogy = float(xlogy(y, y).sum()) + (float(xlogy(n0, n0)) if n0 else 0.0)
        self.logfact = float(log_factorial(y).sum()) + (math.lgamma(n0 + 1) if n0 else 0.0)
        self.ytot = self.n + (n0 or 0.0)
        self._wcache: dict = {}

    # ---------------------------------------------------------------- moments
    def _moments(self, beta: np.ndarray, second: bool = True, first: bool = True):
        """``(logLam, E0, m, M)``: total of all cells (log), expected total of the cells fitted,
        first moments ``P(cell contains t)`` of the non-intercept columns and their second moments."""
        p = self.p
        m = np.empty(p - 1)
        logZ = 0.0
        s = self.single
        if s.size:
            b = beta[1 + s]
            logZ += float(np.logaddexp(0.0, b).sum())
            m[s] = 0.5 * (1 + np.tanh(b / 2))  # the logistic function, overflow-free
        blocks = []
        for ci, (_, idx, loc, allowed, mm) in enumerate(self.components):
            w, lz = self._weights(ci, beta[idx])
            logZ += lz
            if not first:
                continue
            P = _superset_sums(w, mm)
            m[idx - 1] = P[loc]
            if second:
                blocks.append((idx - 1, P[loc[:, None] | loc[None, :]]))
        log_lam = float(beta[0]) + logZ
        lam = math.exp(min(log_lam, ETA_MAX))
        # the observable cells' total: exp(b0) (prod Z - 1), by expm1 (no cancellation when every
        # list's effect is very negative and the cell of nobody dominates)
        if self.n0 is not None:
            E0 = lam
        elif logZ < ETA_MAX:
            E0 = math.exp(min(float(beta[0]), ETA_MAX)) * math.expm1(logZ)  # inf past the range
        else:
            # a trial step of the line search can make the weights' total astronomically large;
            # expm1 would raise OverflowError there (the 1997 and 1998 men of verdata's
            # replicate 1). At that size expm1(logZ) = exp(logZ) to double precision.
            E0 = math.exp(min(float(beta[0]) + logZ, ETA_MAX))
        M = None
        if second:
            M = np.outer(m, m)
            if s.size:
                M[s, s] = m[s]
            for ii, B in blocks:
                M[np.ix_(ii, ii)] = B
        return log_lam, lam, E0, m, M

    def _weights(self, ci: int, b: np.ndarray):
        """Component ``ci``'s normalised weights and log total at its coefficients ``b`` (the
        last one is kept: a line search's accepted point is the next step's)."""
        key = b.tobytes()
        hit = self._wcache.get(ci)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        _, _, loc, allowed, mm = self.components[ci]
        w, lz = _component_weights(b, loc, allowed, mm)
        self._wcache[ci] = (key, w, lz)
        return w, lz

    def loglik_at(self, beta: np.ndarray) -> float:
        """Poisson log-likelihood without the ``log y!`` constant."""
        _, _, E0, _, _ = self._moments(beta, second=False, first=False)
        return float(beta @ self.T - E0)

    def info(self, beta: np.ndarray) -> np.ndarray:
        """The information matrix ``X' diag(mu) X`` at ``beta``."""
        _, lam, E0, m, M = self._moments(beta)
        H = np.empty((self.p, self.p))
        H[0, 0] = E0
        H[0, 1:] = H[1:, 0] = lam * m
        H[1:, 1:] = lam * M
        return H

    def identifiable(self) -> bool:
        """Whether the columns are linearly independent over the cells fitted (full rank).

        Without structural zeros this always holds: the monomials ``prod_{j in t} x_j`` are a
        basis of the functions on ``{0,1}**k``, and dropping the cell of nobody only makes the
        ``k``-way term (never in a model here) a combination of the others.
        """
        if not self.excluded:
            return True
        H = self.info(self.start())
        d = np.sqrt(np.diag(H))
        if (d <= 0).any():
            return False
        ev = np.linalg.eigvalsh(H / np.outer(d, d))
        return bool(ev.min() > 1e-10 * ev.max())

    def start(self) -> np.ndarray:
        """Independence-model starting values: each list's share, the intercept from the total."""
        beta = np.zeros(self.p)
        tot = self.T[1:self.k + 1]
        frac = np.clip(tot / max(self.ytot, 1.0), 1e-3, 1 - 1e-3)
        beta[1:self.k + 1] = np.log(frac / (1 - frac))
        beta[0] = 0.0
        log_lam = self._moments(beta, second=False)[0]
        beta[0] = math.log(max(self.ytot, 1.0)) - log_lam
        return beta

    def pair_means(self, beta: np.ndarray) -> np.ndarray:
        """``(k, k)`` expected number of people on both lists ``i`` and ``j`` (cells fitted)."""
        _, lam, _, m, _ = self._moments(beta, second=False)
        q = m[: self.k].copy()
        Q = np.outer(q, q)
        for ci, (g, idx, loc, allowed, mm) in enumerate(self.components):
            P = _superset_sums(self._weights(ci, beta[idx])[0], mm)
            one = 1 << np.arange(mm)
            Q[np.ix_(g, g)] = P[one[:, None] | one[None, :]]
        return lam * Q

    def term_means(self, beta: np.ndarray, terms) -> np.ndarray:
        """Expected number of people on every list of each term (any terms, in the model or not)."""
        _, lam, _, m, _ = self._moments(beta, second=False)
        where = {}
        for ci, (g, _, _, _, _) in enumerate(self.components):
            for pos, j in enumerate(g):
                where[int(j)] = (ci, pos)
        sums = [None] * len(self.components)
        out = np.empty(len(terms))
        for i, t in enumerate(terms):
            prob = 1.0
            parts: dict[int, int] = {}
            for j in _bits_of(int(t)):
                if j in where:
                    ci, pos = where[j]
                    parts[ci] = parts.get(ci, 0) | (1 << pos)
                else:
                    prob *= m[j]
            for ci, lm in parts.items():
                if sums[ci] is None:
                    _, idx, _, _, mm = self.components[ci]
                    sums[ci] = _superset_sums(self._weights(ci, beta[idx])[0], mm)
                prob *= sums[ci][lm]
            out[i] = lam * prob
        return out

    # ---------------------------------------------------------------- fitting
    def fit(self, beta: np.ndarray | None = None, *, maxiter: int = 100, tol: float = 1e-11
            ) -> NewtonFit:
        """Newton's method with step halving from ``beta`` (default :meth:`start`)."""
        beta = self.start() if beta is None else np.asarray(beta, dtype=float).copy()
        ll = self.loglik_at(beta)
        converged, step, it = False, 0.0, 0
        for it in range(1, maxiter + 1):
            _, lam, E0, m, M = self._moments(beta)
            g = self.T - np.concatenate([[E0], lam * m])
            H = np.empty((self.p, self.p))
            H[0, 0] = E0
            H[0, 1:] = H[1:, 0] = lam * m
            H[1:, 1:] = lam * M
            d = _solve1(H, g)
            t = 1.0
            for _ in range(40):
                new = beta + t * d
                ll_new = self.loglik_at(new)
                if ll_new >= ll - 1e-12 * abs(ll):
                    break
                t /= 2
            step = float(np.abs(t * d).max())
            beta = new
            done = abs(ll_new - ll) <= tol * (abs(ll_new) + 0.1)
            ll = ll_new
            if done:
                converged = True
                break
        H = self.info(beta)
        var0 = float(_solve1(H, np.eye(1, self.p)[0])[0])
        loglik = ll - self.logfact
        _, _, E0, _, _ = self._moments(beta, second=False)
        dev = 2.0 * (self.ylogy - float(beta @ self.T) - self.ytot + E0)
        return NewtonFit(coef=beta, loglik=loglik, deviance=dev, var_intercept=var0,
                         converged=converged, iterations=it, step=step, npar=self.p)

    def cells_fitted(self) -> int:
        """Number of cells in the fit (all ``2**k - 1`` observable ones less structural zeros)."""
        total = 2 ** int(self.single.size)
        for *_, allowed, _ in self.components:
            total *= int(allowed.sum())
        return total - (self.n0 is None)


def _bits_of(t: int) -> list[int]:
    return [j for j in range(t.bit_length()) if (t >> j) & 1]


def _component_weights(b: np.ndarray, loc: np.ndarray, allowed: np.ndarray, m: int):
    """Over the ``2**m`` local patterns of one component: the weights
    ``exp(sum of the coefficients of the terms inside the pattern)``, normalised, and the log of
    their total. The linear predictor is a fast zeta transform (subset sums), ``O(m 2**m)``."""
    eta = np.zeros(2**m)
    eta[loc] = b
    for j in range(m):  # eta[s] = sum of the coefficients of the terms inside s
        v = eta.reshape(-1, 2, 1 << j)
        v[:, 1, :] += v[:, 0, :]
    eta[~allowed] = -np.inf
    top = eta.max()
    w = np.exp(eta - top)
    z = w.sum()
    w /= z
    return w, float(top + math.log(z))


def _superset_sums(w: np.ndarray, m: int) -> np.ndarray:
    """``P[v]``: the total weight of the local patterns containing ``v`` (superset sums)."""
    P = w.copy()
    for j in range(m):
        v = P.reshape(-1, 2, 1 << j)
        v[:, 0, :] += v[:, 1, :]
    return P
