"""Regions: any spelling of a Russian federal subject (or occupied Ukrainian territory) -> ISO code.

The reference table is packaged at ``uncounted/data/regions/federal_subjects.csv`` (89 rows,
CC BY-SA 4.0, attribution in the README beside it) with our own aliases in ``region_aliases.csv``.
:func:`resolve_region` tries, in order, and stops at the first level that gives exactly one region:

1. ``exact``: the text, case-folded, ё -> е, punctuation -> spaces, equals a known name
   (``name_ru``, ``name_en``, every ``alt_names_*``, the ISO romanisation, Bessudnov's and
   Rosstat's labels, an alias such as ``ХМАО``, or the ISO code itself);
2. ``stripped``: the same after dropping words for the kind of region (``обл.``, ``респ.``,
   ``край``, ``Republic of``, ``oblast`` ...): ``"Респ. Бурятия"``, ``"Buryatia Republic"``;
3. ``key``: the canonical Latin key (:func:`uncounted.records.translit.latin_key`) of the stripped
   text, so romanisations no list carries still match (``"Burjatija"``, ``"Sverdlovskaya obl"``);
4. ``prefix``: a stripped text of 5+ letters that begins exactly one stripped name
   (``"Свердловск. обл."``);
5. ``part``: text with commas, semicolons or slashes (``"Бурятия, Улан-Удэ"``): exactly one of its
   parts resolves.

An ambiguous or unknown text gives ``None``; nothing is guessed. The ``status`` of occupied
territories is kept as the table has it (``occupied_ua_2014``, ``occupied_ua_2022``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .translit import has_cyrillic, latin_key, strip_stress

__all__ = ["RegionMatch", "federal_subjects", "normalise_region_text", "resolve_region",
           "resolve_regions"]


@dataclass(frozen=True)
class RegionMatch:
    """One federal subject, and how the text was matched to it.

    Attributes
    ----------
    iso_code : ISO 3166-2 code (``RU-BU``; ``UA-14`` etc. for occupied Ukrainian territories).
    name_ru, name_en : names as in the reference table.
    status : ``ru_federal_subject``, ``occupied_ua_2014`` or ``occupied_ua_2022``.
    federal_district : English name of the federal district (``Far Eastern``).
    federal_district_ru : Russian name (``Дальневосточный``).
    parent_iso_code : the oblast an autonomous okrug lies in (RU-NEN -> RU-ARK), else ``None``.
    matched_by : ``exact``, ``stripped``, ``key``, ``prefix`` or ``part``.
    """

    iso_code: str
    name_ru: str
    name_en: str
    status: str
    federal_district: str
    federal_district_ru: str
    parent_iso_code: str | None
    matched_by: str


DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "regions"

# words that say what kind of region it is, not which one
_TYPE_TEXT = """
область обл обл-ть край кр республика респ рес р-ка автономный автономная автономного автономн
округ ао аобл г гор город федерального значения субъект рф россия российской федерации
oblast oblast' obl krai kray kraj region reg republic respublika resp rep autonomous avtonomnyy
avtonomnyj avtonomnaja okrug ao city g gorod federal of the territory province rf russia
"""
_TYPE_WORDS = frozenset(_TYPE_TEXT.split())
_HOMOGLYPHS = str.maketrans("aeopcxykmhtb", "аеорсхукмнтв")
_PUNCT_RE = re.compile(r"[^\w]+|_")


def normalise_region_text(text: str) -> str:
    """Case-fold, ё -> е, punctuation to single spaces; Latin look-alikes in Cyrillic text fixed."""
    s = strip_stress(unicodedata.normalize("NFKC", str(text))).lower().replace("ё", "е")
    s = s.replace("’", "'")
    if has_cyrillic(s):
        s = s.translate(_HOMOGLYPHS)  # 'Ямало-Hенецкий' with a Latin H (as in Rosstat files)
    s = s.replace("'", "")
    return " ".join(_PUNCT_RE.sub(" ", s).split())


def _strip_types(norm: str) -> str:
    return " ".join(w for w in norm.split() if w not in _TYPE_WORDS)


@lru_cache(maxsize=1)
def federal_subjects() -> tuple[dict[str, str], ...]:
    """The packaged reference table, one dict per row (all 16 columns as strings)."""
    with (DATA_DIR / "federal_subjects.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _aliases() -> list[tuple[str, str]]:
    with (DATA_DIR / "region_aliases.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["iso_code"], r["alias"]) for r in csv.DictReader(fh)]


def _names_of(row: dict[str, str]) -> list[str]:
    names = [row["iso_code"], row["name_ru"], row["name_en"], row["iso_romanization"],
             row["bessudnov_name_en"], row["kobak_rosstat_name_ru"]]
    for col in ("alt_names_ru", "alt_names_en"):
        names += [n for n in row[col].split(";")]
    return [n.strip() for n in names if n and n.strip()]


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, set[str]], ...]:
    exact: dict[str, set[str]] = {}
    stripped: dict[str, set[str]] = {}
    keyed: dict[str, set[str]] = {}
    pairs = [(r["iso_code"], n) for r in federal_subjects() for n in _names_of(r)] + _aliases()
    for iso, name in pairs:
        norm = normalise_region_text(name)
        if not norm:
            continue
        exact.setdefault(norm, set()).add(iso)
        bare = _strip_types(norm)
        if bare:
            stripped.setdefault(bare, set()).add(iso)
            keyed.setdefault(latin_key(bare), set()).add(iso)
    return exact, stripped, keyed


@lru_cache(maxsize=1)
def _rows() -> dict[str, dict[str, str]]:
    return {r["iso_code"]: r for r in federal_subjects()}


def _match(iso: str, how: str) -> RegionMatch:
    r = _rows()[iso]
    return RegionMatch(iso, r["name_ru"], r["name_en"], r["status"], r["federal_district_en"],
                       r["federal_district_ru"], r["parent_iso_code"] or None, how)


# words that say the kind of region, used to choose between namesakes (Altai Republic / Altai Krai)
_KIND_WORDS = {"republic": {"республика", "респ", "рес", "р-ка", "republic", "respublika", "resp",
                            "rep"},
               "krai": {"край", "кр", "krai", "kray", "kraj"},
               "oblast": {"область", "обл", "обл-ть", "oblast", "obl"},
               "autonomous okrug": {"округ", "ао", "okrug", "ao"},
               "federal city": {"г", "город", "гор", "city", "gorod"}}


def _kind_of(norm: str) -> set[str]:
    words = set(norm.split())
    return {kind for kind, ws in _KIND_WORDS.items() if words & ws}


def _only(found: set[str] | None, norm: str = "") -> str | None:
    if found and len(found) > 1 and norm:
        kinds = _kind_of(norm)
        found = {i for i in found if _rows()[i]["type_en"] in kinds} if kinds else found
    return next(iter(found)) if found and len(found) == 1 else None


def _resolve_one(norm: str) -> tuple[str, str] | None:
    exact, stripped, keyed = _index()
    if iso := _only(exact.get(norm)):
        return iso, "exact"
    bare = _strip_types(norm)
    if not bare:
        return None
    if iso := _only(stripped.get(bare), norm):
        return iso, "stripped"
    if iso := _only(keyed.get(latin_key(bare)), norm):
        return iso, "key"
    if len(bare) >= 5:
        found = {i for name, isos in stripped.items() if name.startswith(bare) for i in isos}
        if iso := _only(found):
            return iso, "prefix"
    return None


@lru_cache(maxsize=100_000)
def resolve_region(text: str | None) -> RegionMatch | None:
    """The federal subject that ``text`` names, or ``None`` when unknown or ambiguous.

    Parameters
    ----------
    text
        A region in any common spelling: ``"Республика Бурятия"``, ``"Респ. Бурятия"``,
        ``"Buryatia"``, ``"Republic of Buryatia"``, ``"ХМАО"``, ``"ДНР"``, ``"г. Москва"``.

    Examples
    --------
    >>> resolve_region("ХМАО-Югра").iso_code
    'RU-KHM'
    >>> resolve_region("Донецкая Народная Республика").status
    'occupied_ua_2022'
    """
    if text is None:
        return None
    norm = normalise_region_text(text)
    if not norm:
        return None
    if hit := _resolve_one(norm):
        return _match(*hit)
    parts = [p for p in (normalise_region_text(p) for p in re.split(r"[,;/|]", str(text))) if p]
    if len(parts) < 2:
        return None
    hits = {p: _resolve_one(p) for p in parts}
    found = {h[0] for h in hits.values() if h}
    # a part that did not resolve but holds a word naming a region makes the text ambiguous
    other = {w_hit[0] for p, h in hits.items() if not h
             for w in p.split() if (w_hit := _resolve_one(w))}
    if len(found) == 1 and not other - found:
        return _match(found.pop(), "part")
    return None


def resolve_regions(values: Iterable[str | None]) -> list[RegionMatch | None]:
    """:func:`resolve_region` over many values (each distinct value is resolved once)."""
    return [resolve_region(v) for v in values]
