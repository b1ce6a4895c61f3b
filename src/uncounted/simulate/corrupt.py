"""Write one person as one list's record: script, transliteration, layout, and writing errors.

Each record is made from the person's true values by :class:`RecordMaker`, which applies the list's
:class:`~uncounted.simulate.scenario.ErrorRates` independently per record and reports which errors it
applied (the ``errors`` column of ``truth.csv``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np

from .population import RANKS_EN, UNIT_NAMES
from .regions import spellings
from .ru_names import DIMINUTIVES

MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря")
CATEGORY = {"professional": ("контрактник", "contract soldier"), "inmate": ("заключённый", "convict"),
            "volunteer": ("доброволец", "volunteer"), "mobilised": ("мобилизованный", "mobilised"),
            "pmc": ("ЧВК", "PMC"), "police": ("силовик", "security forces")}
# Russian as a Ukrainian source romanises it (Ukrainian national system's letters applied to the
# Russian spelling: г -> h, и -> i, ы -> y, final -ий -> -yi, х -> kh ...); ь and ъ are dropped
_UKRAINIAN = {"а": "a", "б": "b", "в": "v", "г": "h", "д": "d", "е": "e", "ё": "e", "ж": "zh",
              "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
              "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
              "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia"}
_KEYBOARD = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
ERROR_KINDS = ("typo", "swap_names", "diminutive", "missing_patronymic", "missing_birth_date",
               "partial_birth_date", "off_by_one_date", "region_variant", "missing_region", "duplicate")


def ukrainian_style(text: str) -> str:
    """Romanise Russian text the way a Ukrainian source would (``Григорий`` -> ``Hryhorii``)."""
    text = re.sub(r"(?<=\w)ий\b", "ый", text)
    out = []
    for ch in text:
        low = ch.lower()
        rep = _UKRAINIAN.get(low)
        if rep is None:
            out.append(ch)
        elif ch != low and rep:
            out.append(rep[0].upper() + rep[1:])
        else:
            out.append(rep)
    return "".join(out)


def transliterator(name: str):
    """A function romanising Russian text with the schema ``name`` (iuliia name or ``ukrainian``).

    Letters a schema leaves in Cyrillic (some iuliia schemas keep ``ё`` after ``ь``) are romanised
    by :func:`ukrainian_style`, so a Latin-script list never holds Cyrillic.
    """
    if name == "ukrainian":
        return ukrainian_style
    import iuliia

    schema = getattr(iuliia, name.upper())

    def translate(text: str) -> str:
        out = schema.translate(text)
        return ukrainian_style(out) if _CYRILLIC.search(out) else out

    return translate


def _neighbours(ch: str) -> str:
    for row in _KEYBOARD:
        i = row.find(ch)
        if i >= 0:
            return row[max(i - 1, 0):i] + row[i + 1:i + 2]
    return "аоеи"


def typo(word: str, rng: np.random.Generator) -> str:
    """One keyboard-like edit (substitute a neighbour key, drop, double or swap letters)."""
    if len(word) < 3:
        return word + "а"
    for _ in range(10):
        i = int(rng.integers(1, len(word)))  # keep the capital letter
        op = int(rng.integers(0, 4))
        ch = word[i].lower()
        if op == 0:
            new = word[:i] + rng.choice(list(_neighbours(ch))) + word[i + 1:]
        elif op == 1:
            new = word[:i] + word[i + 1:]
        elif op == 2:
            new = word[:i] + word[i] + word[i:]
        else:
            j = min(i + 1, len(word) - 1)
            new = word[:i] + word[j] + word[i] + word[j + 1:] if j > i else word[:i - 1] + word[i] + word[i - 1]
        if new != word:
            return new
    return word[:-1]


def format_date(d: date, precision: str, style: str) -> str:
    """Write ``d`` at ``precision`` (day, month, year) in the list's ``style`` (dmy, iso, text)."""
    if precision == "year":
        return f"{d.year:04d}"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}" if style == "iso" else f"{d.month:02d}.{d.year:04d}"
    if style == "iso":
        return d.isoformat()
    if style == "text":
        return f"{d.day} {MONTHS_RU[d.month - 1]} {d.year}"
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def name_slips(surname: str, given: str, pat: str, hit: dict, rng: np.random.Generator
               ) -> tuple[str, str, str]:
    """The typo (surname 70%, given name 30%) and the dropped patronymic a record may carry,
    as ``hit`` says; shared by every source kind so they draw from ``rng`` in the same order."""
    if hit["typo"]:
        if rng.random() < 0.7:
            surname = typo(surname, rng)
        else:
            given = typo(given, rng)
    if hit["missing_patronymic"]:
        pat = ""
    return surname, given, pat


class RecordMaker:
    """Makes the records of one list from true person rows.

    Parameters
    ----------
    spec
        The list's :class:`~uncounted.simulate.scenario.ListSpec`.
    rng
        The list's own random generator (errors of one list never shift another's).
    """

    def __init__(self, spec, rng: np.random.Generator):
        self.spec = spec
        self.rng = rng
        self.latin = spec.script == "latin"
        self.translit = transliterator(spec.transliteration) if self.latin else None
        e = spec.errors
        self.rates = np.array([getattr(e, k) for k in ERROR_KINDS[:-1]])

    def make(self, person: dict) -> tuple[dict[str, str], list[str]]:
        """One record (field -> text) for ``person`` and the list of errors applied."""
        rng, spec = self.rng, self.spec
        hit = dict(zip(ERROR_KINDS[:-1], rng.random(len(self.rates)) < self.rates, strict=True))
        applied = [k for k, v in hit.items() if v]
        surname, given, pat = person["surname"], person["given_name"], person["patronymic"]
        if hit["diminutive"]:
            forms = DIMINUTIVES.get(given)
            if forms:
                given = forms[int(rng.integers(len(forms)))]
            else:
                applied.remove("diminutive")
        surname, given, pat = name_slips(surname, given, pat, hit, rng)
        if self.latin:
            surname, given, pat = (self.translit(x) if x else "" for x in (surname, given, pat))
        rec: dict[str, str] = {}
        if spec.name_layout == "full_name":
            parts = [given, pat, surname] if hit["swap_names"] else [surname, given, pat]
            rec["full_name"] = " ".join(x for x in parts if x)
        else:
            if hit["swap_names"]:
                surname, given = given, surname
            rec.update(surname=surname, given_name=given, patronymic=pat)
        rec.update(self._dates(person, hit, applied))
        rec["region"] = self._region(person["region"], hit, applied)
        unit = person["unit"]
        if self.latin:
            unit = next((en for ru, en in UNIT_NAMES.values() if ru == unit),
                        unit.replace("в/ч", "military unit"))
        rec["unit"] = unit
        rec["rank"] = RANKS_EN.get(person["rank"], person["rank"]) if self.latin else person["rank"]
        rec["category"] = CATEGORY[person["unit_type"]][1 if self.latin else 0]
        return rec, applied

    def _dates(self, person, hit, applied) -> dict[str, str]:
        birth = date.fromisoformat(person["birth_date"])
        death = date.fromisoformat(person["death_date"])
        rng = self.rng
        if hit["off_by_one_date"]:
            which = int(rng.integers(3))
            step = 1 if rng.random() < 0.5 else -1
            if which == 0:
                birth += timedelta(days=step)
            elif which == 1:
                birth = _shift_year(birth, step)
            else:
                death += timedelta(days=step)
        precision = "day"
        if hit["partial_birth_date"]:
            precision = "year" if rng.random() < 0.5 else "month"
        style = self.spec.date_format
        out = {"birth_date": "" if hit["missing_birth_date"] else format_date(birth, precision, style),
               "death_date": format_date(death, "day", style)}
        if hit["missing_birth_date"] and "partial_birth_date" in applied:
            applied.remove("partial_birth_date")
        return out

    def _region(self, iso: str, hit, applied) -> str:
        if hit["missing_region"]:
            if "region_variant" in applied:
                applied.remove("region_variant")
            return ""
        names = spellings(iso)
        default = names["name_en"] if self.latin else names["name_ru"]
        if not hit["region_variant"]:
            return default
        others = sorted({v for v in names.values() if v != default})
        if not others:
            applied.remove("region_variant")
            return default
        return others[int(self.rng.integers(len(others)))]
