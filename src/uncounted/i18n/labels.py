"""Labels a reader can read: log-linear models written with list names instead of list numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..exceptions import InputError
from ..mse.models import parse_model, term_label

_NUMBERED = re.compile(r"\[\s*[0-9.]+(\s*,\s*[0-9.]+)*\s*\]")


def model_label(model: str | None, lists: Sequence[str]) -> str | None:
    """``"[14,2,3]"`` over lists ``a, b, c, d`` becomes ``"[a:d, b, c]"``: each generating term with
    the names of its lists joined by ``:`` (an interaction), as R formulas write it.

    Anything that is not a model of list numbers (``"model average (BIC)"``, a graph already in
    names, a model whose numbers do not fit ``lists``) is returned unchanged.
    """
    if not model or not lists or not _NUMBERED.fullmatch(model.strip()):
        return model
    try:
        terms = parse_model(model, list(lists))
    except InputError:
        return model
    return "[" + ", ".join(term_label(t, list(lists)) for t in terms) + "]"
