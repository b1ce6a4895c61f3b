"""Full and partial dates as casualty lists write them, with a precision field.

Accepted forms (day and month may have one or two digits; months in Russian in any case, or in
English, full or abbreviated)::

    1994            1994.0          (year; ``1994.0`` is how spreadsheets export a year)
    1994-03         03.1994   3/1994   март 1994   марта 1994   March 1994   Mar 1994   (month)
    1994-03-12      12.03.1994   12/03/1994   12-03-1994   12 марта 1994   12 March 1994
    1994-03-12T00:00:00 / 1994-03-12 00:00:00  (what spreadsheets and JSON export; day)

Slashes and dashes in ``DD/MM/YYYY`` are read day first, as in Russian usage. Two-digit years are
refused (``12.03.94`` could be 1894 or 1994), and so are impossible dates (``31.02.1990``), with an
error that names the value, the rule and the forms that work.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from ..exceptions import InputError, Msg

__all__ = ["AGE_PRECISION", "MAX_YEAR", "MIN_YEAR", "YEAR_SPAN", "DateError", "PartialDate",
           "birth_conflict", "birth_interval", "birth_intervals", "birth_year_from_age", "interval_gap", "parse_age",
           "parse_partial_date", "pseudo_day"]

MIN_YEAR = 1800
MAX_YEAR = 2100
HINT = Msg("Use DD.MM.YYYY, YYYY-MM-DD, MM.YYYY, YYYY-MM, YYYY or '12 марта 1994'.")


class DateError(InputError):
    """A value that is not a readable date (the importer adds file, row and column)."""


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, the month or only the year.

    Attributes
    ----------
    year : int
    month : int or None (``None`` when precision is ``year``)
    day : int or None (``None`` unless precision is ``day``)
    precision : ``"day"``, ``"month"`` or ``"year"``
    """

    year: int
    month: int | None = None
    day: int | None = None
    precision: str = "year"

    def iso(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        if self.precision == "year":
            return f"{self.year:04d}"
        if self.precision == "month":
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def __str__(self) -> str:
        return self.iso()


_MONTHS = {
    # Russian: nominative, genitive, abbreviations; English: full and three-letter
    "январь": 1, "января": 1, "янв": 1, "февраль": 2, "февраля": 2, "фев": 2, "февр": 2,
    "март": 3, "марта": 3, "мар": 3, "апрель": 4, "апреля": 4, "апр": 4, "май": 5, "мая": 5,
    "июнь": 6, "июня": 6, "июн": 6, "июль": 7, "июля": 7, "июл": 7, "август": 8, "августа": 8,
    "авг": 8, "сентябрь": 9, "сентября": 9, "сен": 9, "сент": 9, "октябрь": 10, "октября": 10,
    "окт": 10, "ноябрь": 11, "ноября": 11, "ноя": 11, "нояб": 11, "декабрь": 12, "декабря": 12,
    "дек": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
    "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

_Y = r"(?P<y>\d{4})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_PATTERNS = [
    re.compile(rf"^{_Y}(?:\.0+)?$"),
    re.compile(rf"^{_Y}\s*(?:г|года?)\.?$"),
    re.compile(rf"^{_Y}-{_M}$"),
    re.compile(rf"^{_M}[./-]{_Y}$"),
    re.compile(rf"^{_Y}-{_M}-{_D}(?:[t ]00:00(?::00(?:\.0+)?)?)?$"),
    re.compile(rf"^{_Y}\.{_M}\.{_D}$"),
    re.compile(rf"^{_D}[./-]{_M}[./-]{_Y}(?: 0?0:00(?::00)?)?$"),
    re.compile(rf"^(?:{_D}\s+)?(?P<mname>[^\W\d_]+)\.?,?\s+{_Y}(?:\s*(?:г|года?|г\.)\.?)?$"),
    re.compile(rf"^(?P<mname>[^\W\d_]+)\.?\s+{_D},?\s+{_Y}$"),  # March 12, 1994
]


def _fail(value: str, why: Msg) -> DateError:
    return DateError(Msg("{value!r} is not a date: {why}. {hint}", value=value, why=why, hint=HINT),
                     value=value)


def _build(value: str, y: int, m: int | None, d: int | None) -> PartialDate:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _fail(value, Msg("year {y} is outside {low}-{high}", y=y, low=MIN_YEAR,
                               high=MAX_YEAR))
    if m is None:
        return PartialDate(y, None, None, "year")
    if not 1 <= m <= 12:
        raise _fail(value, Msg("there is no month {m}", m=m))
    if d is None:
        return PartialDate(y, m, None, "month")
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        raise _fail(value, Msg("{month} {y} has {last} days, not {d}", month=calendar.month_name[m],
                                m=m, y=y, last=last, d=d))
    return PartialDate(y, m, d, "day")


@lru_cache(maxsize=100_000)
def parse_partial_date(text: str | None) -> PartialDate | None:
    """Read a full or partial date; ``None`` for an empty value.

    Parameters
    ----------
    text
        The date as written in the list.

    Returns
    -------
    PartialDate or None

    Raises
    ------
    DateError
        When the text is not one of the accepted forms, or names an impossible date.

    Examples
    --------
    >>> parse_partial_date("12 марта 1994")
    PartialDate(year=1994, month=3, day=12, precision='day')
    >>> parse_partial_date("03.1994").precision
    'month'
    """
    if text is None:
        return None
    value = " ".join(str(text).split())
    if not value:
        return None
    low = value.lower().replace("ё", "е")
    for pattern in _PATTERNS:
        if hit := pattern.match(low):
            parts = hit.groupdict()
            month = int(parts["m"]) if parts.get("m") else None
            if parts.get("mname") is not None:
                month = _MONTHS.get(parts["mname"].rstrip("."))
                if month is None:
                    raise _fail(value, Msg("{name!r} is not a month name", name=parts["mname"]))
            day = int(parts["d"]) if parts.get("d") else None
            return _build(value, int(parts["y"]), month, day)
    if re.match(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2}$", low):
        raise _fail(value, Msg("a two-digit year is ambiguous; write the year in full"))
    raise _fail(value, Msg("not a form of date uncounted reads"))


# ----------------------------------------------------------------------------- ages and intervals
#: precision of a birth year derived from the age at death (``birth_year`` = death year - age)
AGE_PRECISION = "age"
MAX_AGE = 120
_AGE_RE = re.compile(r"^(?P<a>\d{1,3})(?:\.0+)?\s*(?:лет|года?|г\.?|y\.?o\.?|years?(?: old)?)?$")


@lru_cache(maxsize=10_000)
def parse_age(text: str | None) -> int | None:
    """Read an age at death in whole years (``"34"``, ``"34 года"``, ``"34 years"``); ``None``
    for an empty value.

    Raises
    ------
    DateError
        When the text is not a whole number of years between 0 and 120.
    """
    if text is None:
        return None
    value = " ".join(str(text).split())
    if not value:
        return None
    hit = _AGE_RE.match(value.lower())
    if not hit or int(hit["a"]) > MAX_AGE:
        raise DateError(Msg("{value!r} is not an age at death: write the age in whole years "
                            "(0-{max_age}), as '34' or '34 года'.", value=value, max_age=MAX_AGE),
                        value=value)
    return int(hit["a"])


def birth_year_from_age(age: int, death: PartialDate) -> int:
    """The later of the two birth years an age at death allows (stored with precision ``age``).

    A man who died on 10.05.2023 aged 34 was born between 11.05.1988 and 10.05.1989:
    :func:`birth_interval` turns ``(1989, precision "age")`` and the death date back into that
    interval.
    """
    return death.year - age


#: pseudo-day number of a date: ``year * 372 + (month - 1) * 31 + day - 1`` (months of 31 days).
#: Monotonic, integer-only and the same in SQL (``uncounted.store.runs``) and here, so that the
#: comparison levels and the clustering's conflict rule agree to the day. One year is 372.
YEAR_SPAN = 372


def pseudo_day(year: int, month: int = 1, day: int = 1) -> int:
    """``year * 372 + (month - 1) * 31 + (day - 1)`` (see :data:`YEAR_SPAN`)."""
    return year * YEAR_SPAN + (month - 1) * 31 + (day - 1)


def birth_interval(year, month, day, precision, death_month=None, death_day=None
                   ) -> tuple[int, int] | None:
    """The interval ``(lo, hi)`` of pseudo-days (:func:`pseudo_day`) a birth date allows.

    A date known to the day is one point; to the month or the year, the whole month or year; a
    birth year derived from the age at death (precision ``"age"``, ``year`` = death year - age)
    spans the year before the death date's anniversary: from the day after it in ``year - 1`` to
    that day in ``year`` (to the death month, or the whole two years, when the death date is less
    precise). ``None`` when the year is missing.

    >>> birth_interval(1989, None, None, "age", 5, 10) == (pseudo_day(1988, 5, 11), pseudo_day(1989, 5, 10))
    True
    """
    if year is None:
        return None
    if precision == AGE_PRECISION:
        if death_month is not None and death_day is not None:
            return pseudo_day(year - 1, death_month, death_day) + 1, pseudo_day(year, death_month,
                                                                                 death_day)
        if death_month is not None:
            return pseudo_day(year - 1, death_month, 1), pseudo_day(year, death_month, 31)
        return pseudo_day(year - 1, 1, 1), pseudo_day(year, 12, 31)
    if month is None:
        return pseudo_day(year, 1, 1), pseudo_day(year, 12, 31)
    if day is None:
        return pseudo_day(year, month, 1), pseudo_day(year, month, 31)
    return pseudo_day(year, month, day), pseudo_day(year, month, day)


def birth_intervals(year, month, day, age, death_month, death_day):
    """:func:`birth_interval` over arrays: float arrays (NaN where missing) and a boolean array
    ``age`` (precision ``"age"``); returns ``(lo, hi)`` float arrays, NaN where the year is."""
    import numpy as np

    y, m, d, dm, dd = (np.asarray(v, float) for v in (year, month, day, death_month, death_day))
    span = float(YEAR_SPAN)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isnan(m), y * span, y * span + (m - 1) * 31 + np.nan_to_num(d - 1))
        hi = np.where(np.isnan(m), y * span + span - 1,
                      np.where(np.isnan(d), y * span + (m - 1) * 31 + 30,
                               y * span + (m - 1) * 31 + d - 1))
        has_dd, has_dm = ~np.isnan(dd) & ~np.isnan(dm), ~np.isnan(dm)
        age_lo = np.where(has_dd, (y - 1) * span + (dm - 1) * 31 + dd,
                          np.where(has_dm, (y - 1) * span + (dm - 1) * 31, (y - 1) * span))
        age_hi = np.where(has_dd, y * span + (dm - 1) * 31 + dd - 1,
                          np.where(has_dm, y * span + (dm - 1) * 31 + 30, y * span + span - 1))
    age = np.asarray(age, bool)
    return np.where(age, age_lo, lo), np.where(age, age_hi, hi)


def interval_gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Pseudo-days between two intervals (0 or less when they overlap)."""
    return max(a[0], b[0]) - min(a[1], b[1])


def birth_conflict(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Two birth dates that cannot be one man's: more than a year apart beyond their precision.

    One year of slack covers the errors lists make (a birth year one off, an age counted at the
    wrong anniversary); two years apart at the coarsest reading is a different man.
    """
    return a is not None and b is not None and interval_gap(a, b) > YEAR_SPAN
