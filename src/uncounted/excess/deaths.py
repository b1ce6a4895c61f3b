"""Read and check a long table of registry deaths by region, year, age group and sex.

These are counts of all deaths registered (Rosstat), not a list of named dead: the list of named
dead, one row per person, is :class:`uncounted.analysis.deaths.Deaths`.

The reference input is Rosstat's table as published by D. Kobak (``Region, iso_code, Year, Age,
Gender, Deaths, excl_autonomous_okrugs``): one row per region x year x age group x sex. Age groups are
labels such as ``"15-19 лет"``, ``"15-19"``, ``"85 и более"`` or ``"85+"``; totals (``Всего``,
``total``) and unknown ages (``Неизвестно``, ``unknown``) are accepted and ignored.

Arkhangelsk and Tyumen oblasts are published twice by Rosstat: with their autonomous okrugs and
"без АО" (without them); the okrugs (Nenets, Khanty-Mansi, Yamalo-Nenets) have rows of their own.
:func:`subjects` keeps exactly one series per ISO code — the "without" one when both exist — so that
adding the subjects never counts an okrug twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError

REQUIRED = ("iso_code", "year", "age", "sex", "deaths")
ALIASES = {"region": "region", "iso_code": "iso_code", "iso": "iso_code", "year": "year",
           "age": "age", "gender": "sex", "sex": "sex", "deaths": "deaths",
           "excl_autonomous_okrugs": "excl_ao"}
SEXES = {"m": "m", "male": "m", "м": "m", "f": "f", "female": "f", "ж": "f"}
IGNORED_AGES = {"всего", "total", "all", "неизвестно", "unknown"}
_RANGE = re.compile(r"^\s*(\d{1,3})\s*[-–]\s*(\d{1,3})(\s*лет)?\s*$")
_OPEN = re.compile(r"^\s*(\d{1,3})\s*(\+|и более|and over|plus)\s*$")
TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no", ""}


@dataclass(frozen=True)
class RegistryDeaths:
    """A checked table of registry death counts.

    Attributes
    ----------
    data
        Columns ``region`` (name as given), ``iso_code``, ``excl_ao`` (bool), ``year`` (int),
        ``age_lo``, ``age_hi`` (int; ``age_hi`` 999 for an open group), ``sex`` ('m'/'f'),
        ``deaths`` (int), ``row`` (1-based data row in the file).
    source
        The file name, for messages.
    """

    data: pd.DataFrame
    source: str


def parse_age(label: str) -> tuple[int, int] | None:
    """Return ``(lo, hi)`` for an age-group label, ``None`` for totals and unknown ages.

    Raises ``ValueError`` for a label that is neither.
    """
    text = str(label).strip().lower()
    if text in IGNORED_AGES:
        return None
    m = _RANGE.match(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi < lo:
            raise ValueError(f"age group {label!r} ends before it starts")
        return lo, hi
    m = _OPEN.match(text)
    if m:
        return int(m.group(1)), 999
    raise ValueError(f"age group {label!r} is not of the form '15-19', '15-19 лет', '85+' or "
                     "'85 и более' (or Всего/Неизвестно)")


def read_registry_deaths(path: str | Path) -> RegistryDeaths:
    """Read a long CSV of deaths by region, year, age group and sex, checking every row.

    Parameters
    ----------
    path
        CSV with columns ``iso_code, Year, Age, Gender (or sex), Deaths`` and optionally ``Region``
        and ``excl_autonomous_okrugs`` (headers are case-insensitive).

    Returns
    -------
    RegistryDeaths

    Raises
    ------
    InputError
        Naming the file, row, column and value of the first bad cell, or the missing column.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"cannot read the deaths table: {err}", file=path.name) from err
    raw = raw.rename(columns={c: ALIASES.get(c.strip().lower(), c) for c in raw.columns})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; a deaths table needs iso_code, "
                         "Year, Age, Gender and Deaths (one row per region, year, age group and sex)",
                         file=path.name)
    return RegistryDeaths(_check_rows(raw, path.name), path.name)


def _check_rows(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    rows = []
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        age = _cell(lambda v: parse_age(v), rec, "age", i, name, "")
        if age is None:
            continue
        iso = rec["iso_code"].strip()
        if not iso:
            raise InputError("iso_code is empty; give the ISO 3166-2 code of the region (RU for the "
                             "country)", file=name, row=i, column="iso_code", value=iso)
        rows.append((rec.get("region", iso), iso, _flag(rec, i, name),
                     _cell(_int, rec, "year", i, name, "a year such as 2019"), age[0], age[1],
                     _cell(_sex, rec, "sex", i, name, "m or f"),
                     _cell(_count, rec, "deaths", i, name, "a whole number of deaths, 0 or more"),
                     i))
    df = pd.DataFrame(rows, columns=["region", "iso_code", "excl_ao", "year", "age_lo", "age_hi",
                                     "sex", "deaths", "row"])
    key = ["iso_code", "excl_ao", "year", "age_lo", "age_hi", "sex"]
    dup = df.duplicated(key, keep="first")
    if dup.any():
        r = df[dup].iloc[0]
        raise InputError(f"a second row for {r.iso_code}, year {r.year}, age {r.age_lo}-{r.age_hi}, "
                         f"sex {r.sex}; keep one row per region, year, age group and sex",
                         file=name, row=int(r.row), column="deaths", value=int(r.deaths))
    return df


def _cell(fn, rec, col, row, name, expected):
    value = rec[col]
    try:
        return fn(value)
    except ValueError as err:
        fix = f"; expected {expected}" if expected else ""
        raise InputError(f"{err}{fix}", file=name, row=row, column=col, value=value) from err


def _int(v: str) -> int:
    try:
        f = float(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a whole number") from None
    if not f.is_integer():
        raise ValueError(f"{v!r} is not a whole number")
    return int(f)


def _count(v: str) -> int:
    n = _int(v)
    if n < 0:
        raise ValueError(f"{v!r} is negative")
    return n


def _sex(v: str) -> str:
    s = SEXES.get(str(v).strip().lower())
    if s is None:
        raise ValueError(f"{v!r} is not a sex code")
    return s


def _flag(rec, row, name) -> bool:
    v = str(rec.get("excl_ao", "")).strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise InputError("excl_autonomous_okrugs must be True or False (or blank)", file=name, row=row,
                     column="excl_autonomous_okrugs", value=rec.get("excl_ao"))


def subjects(deaths: RegistryDeaths) -> pd.DataFrame:
    """One series per ISO code: the "without autonomous okrugs" rows where both versions exist.

    Arkhangelsk (RU-ARK) and Tyumen (RU-TYU) appear with and without their okrugs; the okrugs have
    rows of their own, so the "without" series is the federal subject that adds up without double
    counting. A code given twice with the same flag is an error.
    """
    df = deaths.data
    versions = df.groupby("iso_code")["excl_ao"].agg(lambda s: set(s))
    both = versions[versions.map(len) > 1].index
    keep = ~df.iso_code.isin(both) | df.excl_ao
    names = df[keep].groupby("iso_code")["region"].agg(lambda s: sorted(set(s)))
    clash = names[names.map(len) > 1]
    if len(clash):
        iso = clash.index[0]
        raise InputError(f"{iso} has rows under several region names ({'; '.join(clash.iloc[0])}) "
                         "without an excl_autonomous_okrugs column telling them apart; keep one "
                         "series per ISO code", file=deaths.source, column="iso_code", value=iso)
    return df[keep]


def cube(frame: pd.DataFrame, iso: str, ages: list[tuple[int, int]], sex: str,
         years: np.ndarray, source: str) -> np.ndarray:
    """Deaths as an array ``(len(ages), len(years))`` for one region and sex.

    Raises :class:`InputError` naming the region, age group, sex and year of the first missing cell.
    """
    sub = frame[(frame.iso_code == iso) & (frame.sex == sex)]
    table = sub.pivot_table(index=["age_lo", "age_hi"], columns="year", values="deaths",
                            aggfunc="sum")
    out = np.full((len(ages), len(years)), np.nan)
    for a, age in enumerate(ages):
        for y, year in enumerate(years):
            if age in table.index and year in table.columns and not np.isnan(table.at[age, year]):
                out[a, y] = table.at[age, year]
            else:
                raise InputError(f"no deaths row for {iso}, age {age[0]}-{age[1]}, sex {sex}, year "
                                 f"{year}; every region needs every age group, both sexes and every "
                                 "baseline and target year", file=source, column="deaths")
    return out
