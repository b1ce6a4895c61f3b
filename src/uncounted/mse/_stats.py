"""Small numeric helpers that keep SciPy's heavier modules out of the light paths.

:func:`z_value` uses the standard library's :class:`statistics.NormalDist` (Wichura's AS241
algorithm, accurate to about 1e-16), so the closed-form estimators need no SciPy at all.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_STD = NormalDist()


def z_value(level: float) -> float:
    """The two-sided normal quantile for an interval of ``level``, e.g. 1.959964 for 0.95."""
    return _STD.inv_cdf(0.5 + level / 2)


def log_factorial(y: np.ndarray) -> np.ndarray:
    """``log(y!)`` of non-negative integer-valued counts, elementwise (``lgamma(y + 1)``)."""
    y = np.asarray(y, dtype=float)
    values, inverse = np.unique(y, return_inverse=True)
    table = np.array([math.lgamma(v + 1.0) for v in values.tolist()])
    return table[inverse].reshape(y.shape)


def xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with 0 where ``x == 0`` (as SciPy's ``xlogy``)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x == 0, 0.0, out)
