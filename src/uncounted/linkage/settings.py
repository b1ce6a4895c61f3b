"""Splink comparisons and blocking rules made for casualty records.

The linkage input is one row per record (``uid`` is Splink's unique id) with the normalised columns
of the ``records`` table plus a few derived in :mod:`uncounted.linkage.prepare`: phonetic keys of
the names (:func:`phonetic_key`), day and month numbers of the death date, and a normalised unit.
Every comparison is written with Splink's level library or with portable SQL (integer arithmetic,
``=``, ``abs``), so the same settings run on DuckDB and on Spark.

The comparisons, most specific level first:

- surname: exact key (with a term-frequency adjustment, so "ivanov" agreeing counts for less than
  "shcherbakov" agreeing; given name and patronymic have one too), same phonetic key, Jaro-Winkler >= 0.92 and >= 0.85, swapped with the
  given name;
- given name: exact key, same canonical name (diminutives and variants resolved by the records
  stage: "sasha" and "aleksandr"), same phonetic key, Jaro-Winkler >= 0.92, swapped with the surname;
- patronymic: exact key, same phonetic key or Jaro-Winkler >= 0.90;
- birth date, as an interval (a full date is a point; a month, a year or an age at death an
  interval): exact, a typo (one of year/month/day differs, transposed, a day apart), compatible to
  the month, compatible at a year's precision, less than a year apart, else;
- initials ("Иванов И. П."): given and patronymic initials agree, the given initial only (null
  unless one side is written with initials; the given-name and patronymic comparisons are null
  then, so an initial never counts as much as a name);
- death date: exact, within 7 days, within 31 days, same year;
- region: same federal subject, same federal district;
- unit: exact, Jaro-Winkler >= 0.90.

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage. *Journal of the American
Statistical Association* 64(328), 1183-1210. https://doi.org/10.1080/01621459.1969.10501049

Linacre, R. et al. (2022). Splink: free software for probabilistic record linkage at scale.
*International Journal of Population Data Science* 7(3). https://doi.org/10.23889/ijpds.v7i3.1794

Winkler, W. E. (1990). String comparator metrics and enhanced decision rules in the Fellegi-Sunter
model of record linkage. *Proceedings of the Section on Survey Research Methods*, ASA, 354-359.
"""

from __future__ import annotations

import re
from typing import Any

from ..records.dates import YEAR_SPAN

#: Columns of the linkage input table, in order (``uid`` and ``list_name`` first).
INPUT_COLUMNS: tuple[str, ...] = (
    "uid", "list_name", "surname_key", "given_name_key", "given_name_canon", "patronymic_key",
    "surname_phon", "given_name_phon", "patronymic_phon",
    "given_name_init", "patronymic_init", "has_init",
    "birth_year", "birth_month", "birth_day", "birth_lo", "birth_hi", "birth_precision",
    "death_year", "death_month", "death_day",
    "death_dnum", "death_mnum", "region_iso", "federal_district", "unit_key",
)

# Latin letter clusters of the common transliterations of Russian, longest first, mapped to one
# sound class each (shch/sch/shh -> S, zh -> Z, ts/tz/c -> T, ...). g, h and kh are one class:
# Ukrainian-style romanisation writes Russian г as h ("Serhei"), which read back gives х ("kh").
_PHON_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "S"), ("sch", "S"), ("shh", "S"), ("tch", "C"), ("ch", "C"), ("sh", "S"), ("zh", "Z"),
    ("kh", "H"), ("gh", "H"), ("ph", "F"), ("ts", "T"), ("tz", "T"), ("th", "T"), ("ks", "K"),
    ("x", "K"), ("ck", "K"), ("q", "K"), ("w", "V"), ("h", "H"), ("g", "H"), ("c", "T"),
    ("j", "I"), ("y", "I"),
)
_VOWELS = set("aeiouI")
_DEVOICE = str.maketrans({"b": "p", "d": "t", "v": "f", "z": "s", "Z": "S", "V": "F"})


def phonetic_key(name: Any) -> str | None:
    """A phonetic key for a Latin name key, tolerant of transliteration schemes and typos.

    Consonant clusters of the usual Russian transliterations are reduced to one class each
    (``shch``/``sch`` -> S, ``kh``/``h`` -> H, ``ts``/``c`` -> T ...), vowels after the first letter
    are dropped, voiced consonants are devoiced (Russian final devoicing makes "-ov"/"-off" and
    "-ev"/"-eff" one sound), and doubled letters are collapsed. Returns ``None`` for empty input.

    >>> phonetic_key("shcherbakov") == phonetic_key("scherbakoff")
    True
    """
    if name is None or not isinstance(name, str):
        return None
    s = re.sub(r"[^a-z]", "", name.lower())
    if not s:
        return None
    for src, dst in _PHON_RULES:
        s = s.replace(src, dst)
    head, tail = s[0], s[1:]
    tail = "".join(ch for ch in tail if ch not in _VOWELS)
    s = (head + tail).translate(_DEVOICE)
    out = [s[0]]
    for ch in s[1:]:
        if ch != out[-1]:
            out.append(ch)
    key = "".join(out).upper()
    return key[:8]


def normalise_unit(unit: Any) -> str | None:
    """A comparable unit key; ``None`` when empty.

    A unit written with a military unit number (4-5 digits: "в/ч 51614", "military unit 51614")
    is keyed by the number ("#51614"), whatever language it is written in; otherwise the unit is
    lower-cased with punctuation and repeated spaces removed.
    """
    if unit is None or not isinstance(unit, str):
        return None
    number = re.search(r"(?<!\d)(\d{4,5})(?!\d)", unit)
    if number:
        return "#" + number.group(1)
    s = re.sub(r"[^\w]+", " ", unit.lower()).strip()
    return s or None


def _jw(col: str, threshold: float):
    from splink import comparison_level_library as cll

    return cll.JaroWinklerLevel(col, threshold)


def _sql(condition: str, label: str):
    from splink import comparison_level_library as cll

    return cll.CustomLevel(condition, label)


def _null(*cols: str):
    from splink import comparison_level_library as cll

    cond = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)
    return cll.CustomLevel(cond, "null").configure(is_null_level=True)


def comparisons() -> list:
    """The Splink comparisons (see the module docstring)."""
    from splink import comparison_level_library as cll
    from splink import comparison_library as cl

    def comp(name: str, levels: list):
        return cl.CustomComparison(levels + [cll.ElseLevel()], output_column_name=name)

    surname = comp("surname", [
        _null("surname_key"),
        cll.ExactMatchLevel("surname_key", term_frequency_adjustments=True),
        _sql("surname_phon_l = surname_phon_r", "same phonetic key"),
        _jw("surname_key", 0.92), _jw("surname_key", 0.85),
        _sql("surname_key_l = given_name_key_r OR surname_phon_l = given_name_phon_r",
             "swapped with given name"),
    ])
    given = comp("given_name", [
        _null("given_name_key"),
        cll.ExactMatchLevel("given_name_key", term_frequency_adjustments=True),
        _sql("given_name_canon_l = given_name_canon_r", "same canonical name (diminutive)"),
        _sql("given_name_phon_l = given_name_phon_r", "same phonetic key"),
        _jw("given_name_key", 0.92),
        _sql("given_name_key_l = surname_key_r OR given_name_phon_l = surname_phon_r",
             "swapped with surname"),
    ])
    patronymic = comp("patronymic", [
        _null("patronymic_key"),
        cll.ExactMatchLevel("patronymic_key", term_frequency_adjustments=True),
        cll.Or(_sql("patronymic_phon_l = patronymic_phon_r", "phonetic"),
               _jw("patronymic_key", 0.90)).configure(label_for_charts="phonetic or JW >= 0.90"),
    ])
    # initials ("Иванов И. П."): only when one side writes a name as an initial; the given name
    # and patronymic comparisons are null there, so an initial is never as strong as a name
    initials = comp("initials", [
        _sql("(has_init_l = 0 AND has_init_r = 0) OR given_name_init_l IS NULL "
             "OR given_name_init_r IS NULL", "null").configure(is_null_level=True),
        _sql("given_name_init_l = given_name_init_r AND patronymic_init_l = patronymic_init_r",
             "given name and patronymic initials agree"),
        _sql("given_name_init_l = given_name_init_r AND (patronymic_init_l IS NULL "
             "OR patronymic_init_r IS NULL)", "given name initial agrees, no patronymic"),
        _sql("given_name_init_l = given_name_init_r", "given name initial agrees only"),
    ])
    overlap = "greatest(birth_lo_l, birth_lo_r) - least(birth_hi_l, birth_hi_r)"
    both_day = "birth_precision_l = 'day' AND birth_precision_r = 'day'"
    birth = comp("birth_date", [
        _null("birth_lo"),
        _sql(f"{both_day} AND birth_lo_l = birth_lo_r", "exact"),
        _sql(f"{both_day} AND ((birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
             "AND birth_day_l = birth_month_r) OR abs(birth_lo_l - birth_lo_r) <= 1 "
             "OR (CAST(birth_year_l <> birth_year_r AS INTEGER) "
             "+ CAST(birth_month_l <> birth_month_r AS INTEGER) "
             "+ CAST(birth_day_l <> birth_day_r AS INTEGER)) = 1)",
             "a typo: one part differs, day and month transposed, or a day apart"),
        _sql(f"{overlap} <= 0 AND birth_hi_l - birth_lo_l <= 30 AND birth_hi_r - birth_lo_r <= 30",
             "compatible to the month"),
        _sql(f"{overlap} <= 0", "compatible at a year's precision (year, age at death)"),
        _sql(f"{overlap} <= {YEAR_SPAN}", "less than a year apart beyond precision"),
    ])
    death = comp("death_date", [
        _null("death_year"),
        _sql("death_dnum_l = death_dnum_r", "exact"),
        _sql("abs(death_dnum_l - death_dnum_r) <= 7", "within 7 days"),
        _sql("abs(death_dnum_l - death_dnum_r) <= 31 OR death_mnum_l = death_mnum_r",
             "within 31 days or same month"),
        _sql("death_year_l = death_year_r", "same year"),
    ])
    region = comp("region", [
        _null("region_iso"),
        cll.ExactMatchLevel("region_iso"),
        _sql("federal_district_l = federal_district_r", "same federal district"),
    ])
    unit = comp("unit", [
        _null("unit_key"),
        cll.ExactMatchLevel("unit_key"),
        _jw("unit_key", 0.90),
    ])
    return [surname, given, patronymic, initials, birth, death, region, unit]


def blocking_rules() -> list:
    """Blocking rules for prediction; their union keeps > 99.5% of true pairs in simulation.

    Each rule catches the pairs the others miss when one field is wrong or missing: a surname typo
    (rules on the given name), a missing birth date (rules on names and region), names swapped.
    """
    from splink import block_on

    return [
        block_on("surname_key", "birth_year"),
        block_on("surname_phon", "given_name_canon"),
        block_on("given_name_canon", "birth_year", "birth_month"),
        block_on("given_name_canon", "patronymic_key", "region_iso"),
        block_on("birth_year", "birth_month", "birth_day", "region_iso"),
        block_on("surname_phon", "birth_year", "birth_month"),
        block_on("surname_phon", "given_name_phon"),
        block_on("surname_key", "patronymic_key"),
        block_on("surname_key", "death_year", "death_month"),
        block_on("given_name_canon", "death_dnum"),
        block_on("given_name_canon", "unit_key", "region_iso"),
        block_on("unit_key", "death_dnum"),
        block_on("surname_key", "given_name_init", "patronymic_init"),
        block_on("surname_phon", "given_name_init", "birth_year"),
        "l.surname_key = r.given_name_key AND l.given_name_key = r.surname_key",
        "l.surname_phon = r.given_name_phon AND l.given_name_phon = r.surname_phon",
    ]


def training_rules() -> list:
    """EM sessions: each estimates the m values of the comparisons its rule does not use.

    The second session blocks on the birth interval (so partial dates and ages train too) and the
    region: blocking on the birth date alone made a block of every pair of men born the same
    year, most of them strangers, and cost five times the time.
    """
    from splink import block_on

    return [block_on("surname_key", "given_name_canon"),
            block_on("birth_lo", "birth_hi", "region_iso")]


def deterministic_rules() -> list:
    """Rules that admit almost no false matches, to estimate the prior match probability."""
    from splink import block_on

    return [block_on("surname_key", "given_name_key", "birth_year", "birth_month", "birth_day")]


def settings_creator(*, max_iterations: int = 20, link_type: str = "dedupe_only",
                     extra_comparisons: list | None = None, extra_blocking_rules: list | None = None):
    """The Splink :class:`~splink.SettingsCreator` for a dedupe of all records of a project.

    ``extra_comparisons`` and ``extra_blocking_rules`` add fields a data set has beyond the
    casualty-record columns (an identity number, an address), as the FEBRL benchmark does.
    """
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        comparisons=comparisons() + list(extra_comparisons or []),
        blocking_rules_to_generate_predictions=blocking_rules() + list(extra_blocking_rules or []),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["list_name"],
        max_iterations=max_iterations,
        em_convergence=0.001,
    )


def comparison_names() -> list[str]:
    """Output column names of the comparisons (``gamma_<name>`` in predictions)."""
    return ["surname", "given_name", "patronymic", "initials", "birth_date", "death_date", "region",
            "unit"]
