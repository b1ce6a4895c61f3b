"""Brent's root finder and minimiser against closed forms and SciPy's implementations."""

from __future__ import annotations

import math

import pytest

from uncounted.mse._optimize import brent_minimize, brent_root


@pytest.mark.parametrize(("f", "a", "b", "root"), [
    (lambda x: x**2 - 2, 0.0, 2.0, math.sqrt(2)),
    (lambda x: math.cos(x) - x, 0.0, 1.0, 0.7390851332151607),  # the Dottie number
    (lambda x: math.exp(x) - 10, -5.0, 10.0, math.log(10)),
    (lambda x: (x - 1) ** 3, -3.0, 4.0, 1.0),  # a triple root: bisection steps carry it
    (lambda x: x, 0.0, 5.0, 0.0),
])
def test_root_against_closed_forms(f, a, b, root):
    assert brent_root(f, a, b, xtol=1e-13) == pytest.approx(root, abs=1e-9)


def test_root_agrees_with_scipy_and_refuses_a_non_bracket():
    from scipy.optimize import brentq

    def f(x):
        return math.log(x) - 2.5 + 0.01 * x

    assert brent_root(f, 1.0, 100.0, xtol=1e-12) == pytest.approx(brentq(f, 1.0, 100.0), abs=1e-10)
    with pytest.raises(ValueError, match="same sign"):
        brent_root(lambda x: x**2 + 1, -1.0, 1.0)


@pytest.mark.parametrize(("f", "a", "b", "xmin"), [
    (lambda x: (x - 3.2) ** 2 + 1, 0.0, 10.0, 3.2),
    (lambda x: -math.sin(x), 0.0, math.pi, math.pi / 2),
    (lambda x: x * math.log(x), 0.01, 2.0, math.exp(-1)),
    (lambda x: x, 1.0, 2.0, 1.0),  # minimum at the bound
])
def test_minimum_against_closed_forms(f, a, b, xmin):
    # the minimiser knows x to about xtol + sqrt(eps)|x|; 1e-6 is well beyond that here
    x, fx = brent_minimize(f, a, b, xtol=1e-8)
    assert x == pytest.approx(xmin, abs=1e-6) and fx == f(x)


def test_minimum_follows_the_same_steps_as_scipy():
    from scipy.optimize import fminbound

    for f, a, b in [(lambda x: (x - 3.2) ** 2 + math.sin(5 * x), 0.0, 6.0), (lambda x: x, 1.0, 2.0)]:
        assert brent_minimize(f, a, b, xtol=1e-4)[0] == fminbound(f, a, b, xtol=1e-4)
