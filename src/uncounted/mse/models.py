"""The space of hierarchical log-linear models of a ``2**k`` capture table.

A *term* is a set of lists, held as a bit mask (list ``j`` in term ``t`` iff ``(t >> j) & 1``),
exactly like capture patterns in :mod:`uncounted.mse.table`. The design column of term ``t`` is 1 on
the cells (patterns) ``p`` that contain it: ``p & t == t``. Term 0 is the intercept; the ``k``
single-list terms are the main effects, present in every model here.

A model is *hierarchical* when with every interaction it contains all the interactions of lower
order inside it: its interaction terms form a down-set of the subset lattice. Such a model is named,
as in Rcapture, by its *generating class* (the maximal terms), written with 1-based list numbers and
highest order first: ``[123,14,34]`` is the model with the 3-list interaction of lists 1, 2, 3 (and
so all pairs among them) plus the pairs 1-4 and 3-4. The independence model of four lists is
``[1,2,3,4]``.

All the hierarchical models with interactions up to order ``m`` are enumerated as down-sets, one
term at a time in order of size: a term may be added to a partial model only when every subterm one
order lower is already in it. With ``k = 5`` and ``m = 4`` that gives 6,893 models (113 for four lists).

References
----------
Bishop, Y. M. M., Fienberg, S. E. and Holland, P. W. (1975). *Discrete Multivariate Analysis*,
MIT Press, chapters 3 and 6 (hierarchical log-linear models, capture-recapture). doi:10.1007/978-0-387-72806-3
Baillargeon, S. and Rivest, L.-P. (2007). Rcapture: loglinear models for capture-recapture in R.
*Journal of Statistical Software* 19(5). doi:10.18637/jss.v019.i05
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np

from ..exceptions import InputError


def popcount(x: int) -> int:
    return x.bit_count()


def interaction_terms(k: int, max_order: int) -> list[int]:
    """Interaction terms (bit masks) of order 2..``max_order``, by order then lexicographically."""
    out = []
    for order in range(2, max_order + 1):
        for combo in combinations(range(k), order):
            out.append(sum(1 << j for j in combo))
    return out


def columns(k: int, max_order: int) -> list[int]:
    """Design columns: intercept (0), the ``k`` main effects, then :func:`interaction_terms`."""
    return [0] + [1 << j for j in range(k)] + interaction_terms(k, max_order)


def design_matrix(k: int, cols: Sequence[int], *, include_zero: bool = False) -> np.ndarray:
    """0/1 design over the cells: ``X[c, j] = 1`` iff pattern ``c`` contains term ``cols[j]``.

    Rows are the patterns ``1 .. 2**k - 1`` (or ``0 .. 2**k - 1`` with ``include_zero``).
    """
    start = 0 if include_zero else 1
    p = np.arange(start, 2**k)[:, None]
    t = np.asarray(cols, dtype=np.int64)[None, :]
    return ((p & t) == t).astype(float)


def hierarchical_models(k: int, max_order: int) -> np.ndarray:
    """Every hierarchical model with all main effects and interactions up to ``max_order``.

    Returns a boolean ``(M, P)`` mask over :func:`columns` ``(k, max_order)``; row 0 is the
    main-effects (independence) model.
    """
    terms = interaction_terms(k, max_order)
    index = {t: i for i, t in enumerate(terms)}
    nint = len(terms)
    if nint > 62:
        raise InputError(f"the model space for {k} lists with interactions up to order {max_order} "
                         "is too large to enumerate; use selection='stepwise' or a smaller max_order",
                         column="max_order", value=max_order)
    models = np.zeros(1, dtype=np.int64)
    for i, t in enumerate(terms):
        req = 0
        if popcount(t) > 2:
            for j in _bits(t):
                req |= 1 << index[t & ~(1 << j)]
        ok = models[(models & req) == req]
        models = np.concatenate([models, ok | np.int64(1 << i)])
    P = 1 + k + nint
    mask = np.ones((models.size, P), dtype=bool)
    mask[:, 1 + k:] = ((models[:, None] >> np.arange(nint)[None, :]) & 1).astype(bool)
    return mask


def _bits(t: int) -> list[int]:
    return [j for j in range(t.bit_length()) if (t >> j) & 1]


def generating_class(mask: np.ndarray, cols: Sequence[int]) -> list[int]:
    """The maximal terms of a model (main effects included when no interaction covers them)."""
    present = [t for t, m in zip(cols, mask, strict=True) if m and t != 0]
    maximal = [t for t in present if not any(u != t and (u & t) == t for u in present)]
    return sorted(maximal, key=lambda t: (-popcount(t), _bits(t)))


def model_name(mask: np.ndarray, cols: Sequence[int], k: int) -> str:
    """Rcapture-style name of a model, e.g. ``[123,14,34]`` (list numbers are 1-based).

    With more than 9 lists, numbers are separated by dots (``[1.10,2.3]``) to stay unambiguous.
    """
    sep = "" if k <= 9 else "."
    parts = [sep.join(str(j + 1) for j in _bits(t)) for t in generating_class(mask, cols)]
    return "[" + ",".join(parts) + "]"


def term_label(t: int, lists: Sequence[str]) -> str:
    """``EXH:ABA`` for a term over the named lists."""
    return ":".join(lists[j] for j in _bits(t))


def parse_model(spec: str | Iterable, lists: Sequence[str]) -> list[int]:
    """Parse a model given as ``"[123,14,34]"`` or as terms of list names.

    ``spec`` may be a string of comma-separated terms, each a run of 1-based list numbers
    (``"123"``; dot-separated ``"1.10"`` with more than 9 lists) or list names joined by ``:``
    (``"EXH:ABA"``), optionally inside brackets; or an iterable of such terms or of tuples of names.
    Returns the generating terms as bit masks (main effects are always added by the caller).
    """
    k = len(lists)
    if isinstance(spec, str):
        body = spec.strip()
        if body.startswith("[") and body.endswith("]"):
            body = body[1:-1]
        items: list = [s.strip() for s in body.split(",") if s.strip()]
    else:
        items = list(spec)
    out = []
    for item in items:
        out.append(_parse_term(item, lists, k, spec))
    return out


def _parse_term(item, lists: Sequence[str], k: int, spec) -> int:
    names = list(item) if isinstance(item, (tuple, list)) else None
    if names is None and ":" in str(item):
        names = str(item).split(":")
    if names is None and str(item) in lists:
        names = [str(item)]
    if names is not None:
        bad = [x for x in names if x not in lists]
        if bad:
            raise InputError(f"model term {item!r} names unknown list(s) {', '.join(map(str, bad))}; "
                             f"the lists are {', '.join(lists)}", column="model", value=spec)
        return sum(1 << lists.index(x) for x in names)
    text = str(item)
    digits = text.split(".") if "." in text else list(text)
    if not re.fullmatch(r"[0-9.]+", text) or not all(d.isdigit() and 1 <= int(d) <= k for d in digits):
        raise InputError(f"model term {text!r} is not a run of list numbers 1..{k} (as in "
                         "'[123,14,34]') nor list names joined by ':'", column="model", value=spec)
    if len(set(digits)) != len(digits):
        raise InputError(f"model term {text!r} repeats a list", column="model", value=spec)
    return sum(1 << (int(d) - 1) for d in digits)


def closure_mask(generators: Iterable[int], cols: Sequence[int]) -> np.ndarray:
    """The hierarchical model generated by ``generators``: every column inside some generator."""
    gens = list(generators)
    k_main = [t for t in cols if popcount(t) == 1]
    return np.array([t == 0 or t in k_main or any((g & t) == t for g in gens) for t in cols], dtype=bool)


def neighbours(mask: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """Hierarchical models one term away: add a term whose subterms are all in, or drop a maximal one.

    Used by the stepwise AIC/BIC search when the full model space is too large.
    """
    present = {t for t, m in zip(cols, mask, strict=True) if m}
    out = []
    for j, t in enumerate(cols):
        if popcount(t) < 2:
            continue
        if not mask[j]:
            if all((t & ~(1 << b)) in present for b in _bits(t)):
                new = mask.copy()
                new[j] = True
                out.append(new)
        elif not any(u != t and (u & t) == t for u in present):
            new = mask.copy()
            new[j] = False
            out.append(new)
    return np.array(out, dtype=bool).reshape(-1, len(cols))
