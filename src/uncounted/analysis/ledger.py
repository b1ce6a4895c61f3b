"""The published-estimates ledger: what others have estimated, by measure, over time.

The packaged ledger (``uncounted/data/ledger/published_estimates.csv``, see the README beside it
for sources and licences) lists estimates of military losses with their measure: ``killed``,
``killed_or_wounded`` or ``named_confirmed``. The measures are never mixed in one series. The
project's own estimates (the JSON printed by ``uncounted estimate --json``) can be placed beside
them, labelled with the measure they estimate.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from ..exceptions import InputError

MEASURES = ("killed", "killed_or_wounded", "named_confirmed")
SIDES = ("russia", "ukraine", "soviet_afghanistan_1979_1989")
COLUMNS = ["date", "measure", "value", "low", "high", "value_kind", "source_org", "source_kind",
           "certainty", "url"]


def _value(central, low, high):
    """The point to plot: central; else the midpoint of low-high; else the one bound given."""
    value = np.where(np.isfinite(central), central,
                     np.where(np.isfinite(low) & np.isfinite(high), (low + high) / 2,
                              np.where(np.isfinite(low), low, high)))
    kind = np.where(np.isfinite(central), "central",
                    np.where(np.isfinite(low) & np.isfinite(high), "midpoint",
                             np.where(np.isfinite(low), "at least", "at most")))
    return value, kind


def load_ledger(*, side: str | None = "russia", measure: str | None = None,
                path: str | Path | None = None):
    """Published estimates as a DataFrame, oldest first.

    Parameters
    ----------
    side
        ``russia`` (default), ``ukraine``, ``soviet_afghanistan_1979_1989``, or None for all.
    measure
        Keep one measure (``killed``, ``killed_or_wounded``, ``named_confirmed``), or None for all.
    path
        Another ledger CSV with the same columns (default: the packaged one).

    Returns
    -------
    pandas.DataFrame
        The file's columns plus ``value`` (the point to show) and ``value_kind`` (``central``,
        ``midpoint`` of low-high, ``at least`` or ``at most`` when only one bound was published).
    """
    import pandas as pd

    if measure is not None and measure not in MEASURES:
        raise InputError(f"measure must be one of {', '.join(MEASURES)}", column="--measure",
                         value=measure)
    if side is not None and side not in SIDES:
        raise InputError(f"side must be one of {', '.join(SIDES)}", column="--side", value=side)
    if path is None:
        with resources.files("uncounted").joinpath("data", "ledger",
                                                   "published_estimates.csv").open() as fh:
            df = pd.read_csv(fh)
    else:
        df = pd.read_csv(path)
    for c in ("low", "central", "high"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    df["value"], df["value_kind"] = _value(df["central"].to_numpy(float), df["low"].to_numpy(float),
                                           df["high"].to_numpy(float))
    if side is not None:
        df = df[df["side"] == side]
    if measure is not None:
        df = df[df["measure"] == measure]
    return df.sort_values(["measure", "date"], kind="stable").reset_index(drop=True)


def own_estimates(path: str | Path, *, measure: str = "killed", date: str | None = None,
                  label: str = "uncounted"):
    """Read ``uncounted estimate --json`` output as ledger rows labelled with ``measure``.

    Parameters
    ----------
    path
        The JSON file: an array of ``Estimate.to_dict()`` objects (or one object).
    measure
        What the estimates estimate: an MSE from lists of named dead estimates ``killed``.
    date
        The date the estimates refer to (ISO); default: today.
    label
        Shown as the source organisation.
    """
    import datetime as dt

    import pandas as pd

    if measure not in MEASURES:
        raise InputError(f"measure must be one of {', '.join(MEASURES)}", column="--as-measure",
                         value=measure)
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"not a JSON file from 'uncounted estimate --json': {err}",
                         file=p) from err
    rows = data if isinstance(data, list) else [data]
    out = []
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, dict) or "estimate" not in r:
            raise InputError("each entry needs 'estimate' (and 'interval'); is this the output of "
                             "'uncounted estimate --json'?", file=p, row=i)
        if r.get("stratum") not in (None, "", "all", "total"):
            continue  # strata are parts, not the total
        lo, hi = (r.get("interval") or [None, None])[:2]
        out.append({"date": date or dt.date.today().isoformat(), "measure": measure,
                    "value": float(r["estimate"]), "low": _num(lo), "high": _num(hi),
                    "value_kind": "central", "source_org": f"{label}: {r.get('method', '?')}",
                    "source_kind": "this_project", "certainty": "", "url": str(p)})
    return pd.DataFrame(out, columns=COLUMNS)


def _num(x):
    return float("nan") if x is None else float(x)


def latest_by_measure(ledger):
    """The most recent estimate per measure and source kind (a compact summary)."""
    last = ledger.sort_values("date").groupby(["measure", "source_kind"]).tail(1)
    return last.sort_values(["measure", "date"]).reset_index(drop=True)
