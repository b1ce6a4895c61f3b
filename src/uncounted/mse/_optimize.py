"""Brent's root finder and Brent's bounded minimiser, for scalar functions.

The profile-likelihood interval needs one bounded maximisation and two roots of a scalar function.
SciPy's ``brentq`` and ``minimize_scalar(method="bounded")`` implement the same two algorithms, but
``scipy.optimize`` takes about half a second to import, more than a whole log-linear fit of a
small table; these are our own short versions of Brent's algorithms, written from the book.

References
----------
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*. Prentice-Hall, chapter 4
(``zero``: bisection with secant and inverse quadratic interpolation) and chapter 5 (``localmin``:
golden section with parabolic interpolation). Dover reprint 2002, ISBN 0-486-41998-3.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["brent_minimize", "brent_root"]

_EPS = 2.220446049250313e-16
_GOLDEN = (3.0 - math.sqrt(5.0)) / 2.0


def brent_root(f: Callable[[float], float], a: float, b: float, *, xtol: float = 1e-12,
               maxiter: int = 200) -> float:
    """A root of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` differ in sign.

    Converges when the bracket is narrower than ``xtol`` (plus a few units of rounding of the
    root). Raises :class:`ValueError` when the ends do not bracket a root, :class:`RuntimeError`
    after ``maxiter`` evaluations.
    """
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if (fa > 0) == (fb > 0):
        raise ValueError(f"f({a}) = {fa} and f({b}) = {fb} have the same sign: no bracket")
    c, fc = a, fa
    d = e = b - a
    for _ in range(maxiter):
        if (fb > 0) == (fc > 0):  # keep the root between b and c
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):  # b is the best guess so far
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * _EPS * abs(b) + 0.5 * xtol
        m = 0.5 * (c - b)
        if abs(m) <= tol or fb == 0.0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:  # secant
                p, q = 2.0 * m * s, 1.0 - s
            else:  # inverse quadratic interpolation
                q, r = fa / fc, fb / fc
                p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if 2.0 * p < min(3.0 * m * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = m
        else:  # bisection
            d = e = m
        a, fa = b, fb
        b += d if abs(d) > tol else (tol if m > 0 else -tol)
        fb = f(b)
    raise RuntimeError(f"no root to {xtol} after {maxiter} steps")


def brent_minimize(f: Callable[[float], float], a: float, b: float, *, xtol: float = 1e-5,
                   maxiter: int = 500) -> tuple[float, float]:
    """``(x, f(x))`` at a local minimum of ``f`` on ``[a, b]`` (the global one when unimodal).

    Stops when ``x`` is known to within about ``xtol`` plus ``sqrt(eps) |x|``.
    """
    x = w = v = a + _GOLDEN * (b - a)
    fx = fw = fv = f(x)
    d = e = 0.0
    sqrt_eps = math.sqrt(_EPS)
    for _ in range(maxiter):
        m = 0.5 * (a + b)
        tol1 = sqrt_eps * abs(x) + xtol / 3.0
        tol2 = 2.0 * tol1
        if abs(x - m) <= tol2 - 0.5 * (b - a):
            break
        parabolic = False
        if abs(e) > tol1:  # try a parabola through x, w, v
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0:
                p = -p
            q = abs(q)
            r, e = e, d
            if abs(p) < abs(0.5 * q * r) and q * (a - x) < p < q * (b - x):
                d = p / q
                u = x + d
                if u - a < tol2 or b - u < tol2:
                    d = tol1 if x < m else -tol1
                parabolic = True
        if not parabolic:  # golden section into the larger part
            e = (b - x) if x < m else (a - x)
            d = _GOLDEN * e
        u = x + (d if abs(d) >= tol1 else (tol1 if d > 0 else -tol1))
        fu = f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v in (x, w):
                v, fv = u, fu
    return x, fx
