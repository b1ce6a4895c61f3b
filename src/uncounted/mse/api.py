"""One-call estimation used by the CLI and by scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exceptions import CaptureTableError, NotEstimableError
from .registry import METHODS, available_methods, make_estimator
from .result import Estimate
from .table import CaptureTable


def resolve_methods(methods: Sequence[str] | str, table: CaptureTable) -> list[str]:
    """Expand ``"all"`` into every available method that applies to ``table``'s number of lists."""
    if isinstance(methods, str):
        methods = [methods]
    out: list[str] = []
    for m in methods:
        for part in str(m).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part == "all":
                for name in available_methods():
                    est = make_estimator(name)
                    if name == "lincoln-petersen" and table.k != 2:
                        continue
                    if getattr(est, "max_lists", None) and table.k > est.max_lists:
                        continue
                    out.append(name)
            elif part not in METHODS:
                make_estimator(part)  # raises the helpful error
            else:
                out.append(part)
    return list(dict.fromkeys(out))


def estimate(table: CaptureTable, methods: Sequence[str] | str = "loglinear", **options: Any
             ) -> list[Estimate]:
    """Run one or more methods on ``table``; returns a list of :class:`Estimate`.

    For a stratified table, each method gives one row per stratum and a ``"total"`` row. A method
    that cannot be applied gives a row with ``estimable=False`` and the reason, so one failing method
    does not hide the others. Options (``level``, ``selection``, ``max_order``, ``seed`` ...) are passed
    to each estimator that accepts them.
    """
    rows: list[Estimate] = []
    for name in resolve_methods(methods, table):
        est = make_estimator(name, **options)
        if table.is_stratified:
            rows.extend(est.fit_strata(table))
            continue
        try:
            rows.append(est.fit(table))
        except (NotEstimableError, CaptureTableError) as err:
            reason = getattr(err, "reason", None) or str(err)
            rows.append(Estimate.not_estimable(name, table, reason, level=options.get("level") or 0.95,
                                               seed=options.get("seed")))
    return rows
