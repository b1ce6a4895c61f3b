"""Several estimates of the same deaths, side by side, each labelled by what it measures.

Named counts, a nowcast of the named count, an MSE estimate, excess mortality and the probate-registry
estimate answer different questions: a name on a list, a name expected on it later, everyone counted
or not, excess male deaths of some ages in a calendar year, deaths inferred from inheritance cases.
:func:`compare` puts them in one table with the measure in its own column and the period each really
covers; the chart draws one series per measure. Nothing is added across measures.

Every reader takes a file and the period ``[start, end]`` and returns rows
``measure, source, period, value, lower, upper, note``; units that straddle the period's edges (a week
or month of death) are included whole and the period column says what was actually covered.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .nowcast import (
        build_triangle,
        development_factors,
        lognormal_interval,
        mack_chain_ladder,
        project,
        read_snapshots,
        total_mse,
    )

COLUMNS = ["measure", "source", "period", "value", "lower", "upper", "note"]


def _row(**fields) -> dict:
    """One table row (keyword arguments named after :data:`COLUMNS`)."""
    return fields


def _read(path: Path, what: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"cannot read {what}: {err}", file=Path(path).name) from err
    df.columns = [c.strip() for c in df.columns]
    return df


def _col(df, names, path, what):
    for n in names:
        for c in df.columns:
            if c.lower() == n.lower():
                return c
    raise InputError(f"{what} needs a column {' or '.join(names)}", file=Path(path).name)


def _numbers(df, col, path, *, dates=False, dayfirst=False):
    out = []
    for i, v in enumerate(df[col], start=1):
        try:
            if dates:
                x = pd.to_datetime(v, dayfirst=dayfirst, format="%d.%m.%Y" if dayfirst else None)
            else:
                x = float(v) if str(v).strip() != "" else math.nan
        except (ValueError, TypeError) as err:
            kind = "a date" if dates else "a number"
            raise InputError(f"{v!r} is not {kind}", file=Path(path).name, row=i, column=col,
                             value=v) from err
        out.append(x)
    return pd.Series(out, index=df.index)


def _span(a, b) -> str:
    return f"{pd.Timestamp(a).date()} – {pd.Timestamp(b).date()}"


def named_weekly(path, start, end) -> list[dict]:
    """Named records by week of death (``week``/``week_start`` and ``real``/``total`` columns)."""
    df = _read(path, "a weekly named file")
    wk = _col(df, ["week", "week_start"], path, "a weekly named file")
    val = _col(df, ["real", "total"], path, "a weekly named file")
    weeks = _numbers(df, wk, path, dates=True, dayfirst="." in str(df[wk].iloc[0]))
    vals = _numbers(df, val, path)
    sel = (weeks + pd.Timedelta(days=6) >= start) & (weeks <= end)
    if not sel.any():
        return []
    return [_row(measure="named (by date of death)", source=f"{Path(path).name}",
                 period=_span(weeks[sel].min(), weeks[sel].max() + pd.Timedelta(days=6)),
                 value=float(np.nansum(vals[sel])), lower=math.nan, upper=math.nan,
                 note="names on the list by week of death, as of the file's release")]


def named_daily(path, start, end) -> list[dict]:
    """The list's running total at the last scrape on or before ``end`` (deaths since the war began;
    only meaningful for a period starting at the beginning of the war)."""
    df = _read(path, "a daily named-total file")
    d = _numbers(df, _col(df, ["as_of_date"], path, "a daily file"), path, dates=True)
    v = _numbers(df, _col(df, ["named_total"], path, "a daily file"), path)
    ok = (d <= end) & v.notna()
    if not ok.any() or start > pd.Timestamp("2022-02-24"):
        return []
    last = d[ok].idxmax()
    return [_row(measure="named (reported by date)", source=Path(path).name,
                 period=_span("2022-02-24", d[last]), value=float(v[last]), lower=math.nan,
                 upper=math.nan, note=f"running total published on {d[last].date()}; includes "
                                      "deaths reported by then whatever their date")]


def probate(path, start, end) -> list[dict]:
    """Meduza/Mediazona probate-registry estimate (``EDAssembled``) and the named records of the same
    release (``BmzNow``), summed over the ISO weeks overlapping the period."""
    df = _read(path, "the probate file")
    y = _numbers(df, _col(df, ["Year"], path, "the probate file"), path)
    w = _numbers(df, _col(df, ["Week"], path, "the probate file"), path)
    monday = pd.Series([pd.Timestamp.fromisocalendar(int(a), int(b), 1) for a, b in zip(y, w)],
                       index=df.index)
    sel = (monday + pd.Timedelta(days=6) >= start) & (monday <= end)
    if not sel.any():
        return []
    span = _span(monday[sel].min(), monday[sel].max() + pd.Timedelta(days=6))
    col = {c: _numbers(df, _col(df, [c], path, "the probate file"), path)[sel]
           for c in ("EDAssembled", "EDAssembledLow", "EDAssembledHigh", "BmzNow")}
    return [_row(measure="probate-registry excess deaths", source=f"{Path(path).name} "
                 "(EDAssembled)", period=span, value=float(col["EDAssembled"].sum()),
                 lower=float(col["EDAssembledLow"].sum()), upper=float(col["EDAssembledHigh"].sum()),
                 note="killed + missing declared dead; bounds are sums of weekly 95% bounds, wider "
                      "than an interval of the sum"),
            _row(measure="named (by date of death)", source=f"{Path(path).name} (BmzNow)",
                 period=span, value=float(col["BmzNow"].sum()), lower=math.nan, upper=math.nan,
                 note="named records by week of death at the release")]


def nowcast_rows(path, start, end, level=0.95) -> list[dict]:
    """Named by month of death at the latest snapshot, and its Mack nowcast at the largest lag."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tri = build_triangle(read_snapshots(path))
        m = mack_chain_ladder(tri, level=level)
    month = pd.to_datetime(m.month_of_death + "-01")
    sel = ((month + pd.offsets.MonthEnd(0) >= start) & (month <= end)).to_numpy()
    if not sel.any():
        return []
    rows = np.where(sel & m.nowcast.notna().to_numpy())[0]
    cl = development_factors(tri.cum)
    target = np.maximum(m.attrs["target_lag"], tri.latest_lag)
    est, mse, _ = project(tri, cl, target)
    total, se = float(est[rows].sum()), math.sqrt(total_mse(tri, cl, target, mse, est, rows))
    lo, hi = lognormal_interval(total, se, level, floor=float(tri.latest[rows].sum()))
    span = _span(month[sel].min(), month[sel].max() + pd.offsets.MonthEnd(0))
    name = Path(path).name
    return [_row(measure="named (by date of death)", source=f"{name} (snapshot "
                 f"{tri.snapshot_months[-1]})", period=span, value=float(tri.latest[sel].sum()),
                 lower=math.nan, upper=math.nan, note="names by month of death, latest snapshot"),
            _row(measure="named, nowcast", source=f"{name} (Mack chain ladder)", period=span,
                 value=total, lower=float(lo), upper=float(hi),
                 note=f"names expected by lag {m.attrs['target_lag']} months; {level:.0%} interval")]


def _json_list(path, what):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {what} as JSON: {err}", file=Path(path).name) from err
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise InputError(f"{what} must be a JSON list of objects", file=Path(path).name)
    return data


def mse_rows(path, start, end) -> list[dict]:
    """Estimates from ``uncounted estimate --json`` (assumed to cover the compared period)."""
    out = []
    for i, r in enumerate(_json_list(path, "an `uncounted estimate --json` file"), start=1):
        if r.get("stratum") not in (None, "total") or r.get("estimate") is None:
            continue
        if "interval" not in r or "method" not in r:
            raise InputError("an estimate needs 'method', 'estimate' and 'interval' (the output of "
                             "uncounted estimate --json)", file=Path(path).name, row=i)
        lo, hi = (r["interval"] or [None, None])
        out.append(_row(measure="MSE estimate (all deaths)", source=f"{Path(path).name} "
                        f"({r['method']})", period=_span(start, end), value=float(r["estimate"]),
                        lower=math.nan if lo is None else float(lo),
                        upper=math.nan if hi is None else float(hi),
                        note=f"{r.get('observed', '?')} observed on the lists; the period is the "
                             "one the lists cover (not checked)"))
    return out


def excess_rows(path, start, end) -> list[dict]:
    """The country row (``RU``) of ``uncounted excess --json``, if its year overlaps the period."""
    out = []
    for i, r in enumerate(_json_list(path, "an `uncounted excess --json` file"), start=1):
        if r.get("region") != "RU":
            continue
        if "year" not in r or "estimate" not in r or "se" not in r:
            raise InputError("the RU row needs 'year', 'estimate' and 'se' (the output of "
                             "uncounted excess --json)", file=Path(path).name, row=i)
        y0, y1 = pd.Timestamp(f"{r['year']}-01-01"), pd.Timestamp(f"{r['year']}-12-31")
        if y1 < start or y0 > end:
            continue
        se = float(r["se"])
        out.append(_row(measure=f"excess deaths, sex {r.get('sex', '?')}, ages {r.get('ages', '?')}",
                        source=f"{Path(path).name} ({r.get('method', '?')})", period=_span(y0, y1),
                        value=float(r["estimate"]), lower=float(r["estimate"]) - 1.96 * se,
                        upper=float(r["estimate"]) + 1.96 * se,
                        note="registry deaths above the baseline; whole calendar year; +/-1.96 se"))
    return out


def compare(start, end, *, snapshots=None, named_weekly_file=None, named_daily_file=None,
            mse=None, excess=None, probate_file=None, level=0.95) -> pd.DataFrame:
    """One table of every estimate given for the period ``start``-``end``, labelled by measure.

    Returns a DataFrame with columns :data:`COLUMNS`, sorted by measure; sources without data for the
    period are left out.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise InputError("the period ends before it starts", column="--to", value=str(end.date()))
    rows = []
    for fn, path in ((nowcast_rows, snapshots), (named_weekly, named_weekly_file),
                     (named_daily, named_daily_file), (mse_rows, mse), (excess_rows, excess),
                     (probate, probate_file)):
        if path is not None:
            rows += fn(Path(path), start, end, level) if fn is nowcast_rows else fn(Path(path),
                                                                                    start, end)
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values("measure", kind="stable").reset_index(drop=True)
