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
