"""Five kinds of source and namesakes: how real lists of the dead write one man five ways.

A list's ``kind`` (scenario option, :class:`~uncounted.simulate.scenario.ListSpec`) decides how its
records are written, on top of the list's error rates:

- ``volunteer``: Cyrillic, split name fields; typos, diminutives and partial dates come from the
  list's error rates (nothing beyond a ``plain`` list).
- ``foreign_press``: one Latin full-name field, each record romanised with a schema of its own
  (several of iuliia's, or the Ukrainian national system), in Western order ("Ivan Ivanov",
  patronymic dropped) or Russian order; the birth date usually only as a year.
- ``official``: Cyrillic in upper case, split fields, full dates (no partial dates).
- ``obituary``: the full name in an oblique case ("Иванова Ивана Петровича" after "Памяти",
  "Ивановым Иваном Петровичем" after "Простились с"), with the age at death instead of a birth
  date (column ``age``).
- ``roll_of_honour``: surname and initials ("Иванов И. П."), birth year only, unit.

Namesakes (:func:`add_namesakes`, scenario option ``population.namesakes``): a share of the men
get the surname, given name and patronymic of another man of the same region, who was born in
another year: the hard case of Russian lists.

The inflection rules below are the simulator's own (the records stage reads oblique cases with
pymorphy3; the simulator must not use the code it tests): the regular endings of Russian male
surnames (-ов/-ев/-ёв/-ин/-ын, -ский/-цкий), given names (consonant, -й, -ий, -а/-я) and
patronymics (-ич); other surnames (-ых, -ко, -иа ...) do not decline.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .corrupt import RecordMaker, name_slips, transliterator
from .population import RANKS_EN, UNIT_NAMES
from .scenario import KINDS

__all__ = ["KINDS", "KindRecordMaker", "add_namesakes", "age_at_death", "columns", "initials",
           "namesake_pairs", "oblique", "record_maker"]

#: romanisations the foreign press uses, one drawn per record
PRESS_SCHEMAS = ("wikipedia", "bgn_pcgn", "icao_doc_9303", "mvd_782", "scientific", "gost_779",
                 "ukrainian")
#: the extra column a kind writes (besides the plain layout's)
EXTRA_COLUMNS = {"obituary": ["age"]}


# ------------------------------------------------------------------------------------ inflection
def _surname_case(s: str, case: str) -> str:
    low = s.lower()
    if low.endswith(("ский", "цкий")):
        return s[:-2] + ("ого" if case == "gent" else "им")
    if low.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return s + ("а" if case == "gent" else "ым")
    return s                                                   # -ых, -ко, foreign: indeclinable


def _given_case(g: str, case: str) -> str:
    low = g.lower()
    if low.endswith("ий"):
        return g[:-1] + ("я" if case == "gent" else "ем")     # Юрий -> Юрия, Юрием
    if low.endswith("й"):
        return g[:-1] + ("я" if case == "gent" else "ем")     # Сергей -> Сергея, Сергеем
    if low.endswith("ь"):
        return g[:-1] + ("я" if case == "gent" else "ем")     # Игорь -> Игоря, Игорем
    if low.endswith("ья"):
        return g[:-1] + ("и" if case == "gent" else "ёй")     # Илья -> Ильи, Ильёй
    if low.endswith("а"):
        soft = low[-2:-1] in set("гкхжчшщ")
        return g[:-1] + (("и" if soft else "ы") if case == "gent" else "ой")  # Никита -> Никиты
    if low.endswith("я"):
        return g[:-1] + ("и" if case == "gent" else "ей")
    soft_hiss = low[-1:] in set("жчшщц")
    return g + ("а" if case == "gent" else ("ем" if soft_hiss else "ом"))   # Иван -> Ивана, Иваном


def _patronymic_case(p: str, case: str) -> str:
    if p.lower().endswith("ич"):
        return p + ("а" if case == "gent" else "ем")
    return p


def oblique(surname: str, given: str, patronymic: str, case: str) -> tuple[str, str, str]:
    """A man's name in the genitive (``"gent"``) or instrumental (``"ablt"``) case.

    >>> oblique("Иванов", "Иван", "Петрович", "ablt")
    ('Ивановым', 'Иваном', 'Петровичем')
    """
    return (_surname_case(surname, case) if surname else surname,
            _given_case(given, case) if given else given,
            _patronymic_case(patronymic, case) if patronymic else patronymic)


def initials(given: str, patronymic: str) -> str:
    """``"И. П."`` from Иван Петрович (``"И."`` without a patronymic)."""
    return " ".join(f"{x[0].upper()}." for x in (given, patronymic) if x)


def age_at_death(birth_iso: str, death_iso: str) -> int:
    """Whole years between two ISO dates (the age a death notice gives)."""
    b, d = (tuple(int(x) for x in v.split("-")) for v in (birth_iso, death_iso))
    return d[0] - b[0] - ((d[1], d[2]) < (b[1], b[2]))


# ------------------------------------------------------------------------------------ records
class KindRecordMaker(RecordMaker):
    """A :class:`RecordMaker` that writes a record the way the list's ``kind`` of source does."""

    def __init__(self, spec, rng: np.random.Generator):
        super().__init__(spec, rng)
        self._schemas = {name: transliterator(name) for name in PRESS_SCHEMAS} \
            if spec.kind == "foreign_press" else {}

    def make(self, person: dict) -> tuple[dict[str, str], list[str]]:
        kind = self.spec.kind
        if kind in ("plain", "volunteer"):
            return super().make(person)
        rng = self.rng
        hit = dict(zip(_RATE_KINDS, rng.random(len(self.rates)) < self.rates, strict=True))
        applied = [k for k, v in hit.items() if v]
        surname, given, pat = person["surname"], person["given_name"], person["patronymic"]
        surname, given, pat = name_slips(surname, given, pat, hit, rng)
        for k in ("diminutive", "swap_names"):        # not how these sources write names
            if k in applied:
                applied.remove(k)
        rec: dict[str, str] = {}
        if kind == "official":
            rec.update(surname=surname.upper(), given_name=given.upper(), patronymic=pat.upper())
            hit["partial_birth_date"] = False
            if "partial_birth_date" in applied:
                applied.remove("partial_birth_date")
            rec.update(self._dates(person, hit, applied))
        elif kind == "obituary":
            case = "gent" if rng.random() < 0.5 else "ablt"
            rec["full_name"] = " ".join(x for x in oblique(surname, given, pat, case) if x)
            applied.append(f"case_{case}")
            dates = self._dates(person, hit, applied)
            rec["death_date"] = dates["death_date"]
            rec["birth_date"] = ""
            if hit["missing_birth_date"]:
                rec["age"] = ""
            else:
                rec["age"] = str(age_at_death(person["birth_date"], person["death_date"]))
                applied.append("age_for_birth_date")
            if "partial_birth_date" in applied:
                applied.remove("partial_birth_date")
        elif kind == "roll_of_honour":
            rec["full_name"] = f"{surname} {initials(given, pat)}".strip()
            applied.append("initials")
            dates = self._dates(person, hit, applied)
            rec["death_date"] = dates["death_date"]
            rec["birth_date"] = _year(dates["birth_date"])
        elif kind == "foreign_press":
            schema = PRESS_SCHEMAS[int(rng.integers(len(PRESS_SCHEMAS)))]
            tr = self._schemas[schema]
            s, g, p = (tr(x) if x else "" for x in (surname, given, pat))
            applied.append(f"romanised_{schema}")
            if rng.random() < 0.6:                      # Western order, patronymic dropped
                rec["full_name"] = f"{g} {s}"
                applied.append("western_order")
            else:
                rec["full_name"] = " ".join(x for x in (s, g, p) if x)
            dates = self._dates(person, hit, applied)
            rec["death_date"] = dates["death_date"]
            b = dates["birth_date"]
            rec["birth_date"] = _year(b) if b and rng.random() < 0.8 else b
        else:  # pragma: no cover - validated in scenario
            raise ValueError(kind)
        rec["region"] = self._region(person["region"], hit, applied)
        unit = person["unit"]
        if self.latin or kind == "foreign_press":
            unit = next((en for ru, en in UNIT_NAMES.values() if ru == unit),
                        unit.replace("в/ч", "military unit"))
            rec["rank"] = RANKS_EN.get(person["rank"], person["rank"])
        else:
            rec["rank"] = person["rank"]
        rec["unit"] = unit
        rec["category"] = ""
        return rec, applied


def _year(written: str) -> str:
    """The four-digit year of a date as a list wrote it (``""`` when there is none)."""
    hit = re.search(r"\d{4}", written)
    return hit.group(0) if hit else ""


_RATE_KINDS = ("typo", "swap_names", "diminutive", "missing_patronymic", "missing_birth_date",
               "partial_birth_date", "off_by_one_date", "region_variant", "missing_region")


def record_maker(spec, rng: np.random.Generator) -> RecordMaker:
    """The record maker for a list: :class:`KindRecordMaker` unless the list is ``plain``."""
    return RecordMaker(spec, rng) if spec.kind == "plain" else KindRecordMaker(spec, rng)


def columns(spec, base: list[str]) -> list[str]:
    """The columns a list of this kind writes: ``base`` (the layout's) adjusted for the kind."""
    cols = list(base)
    if spec.kind in ("foreign_press", "obituary", "roll_of_honour"):
        names = ("surname", "given_name", "patronymic")
        at = min(cols.index(n) for n in names if n in cols) if any(n in cols for n in names) \
            else cols.index("full_name")
        cols = [c for c in cols if c not in names and c != "full_name"]
        cols.insert(at, "full_name")
    for extra in EXTRA_COLUMNS.get(spec.kind, []):
        cols.insert(cols.index("death_date") + 1, extra)
    return cols


# ------------------------------------------------------------------------------------ namesakes
def add_namesakes(people: pd.DataFrame, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Give ``share`` of the men a namesake: another man of the same region with the same surname,
    given name and patronymic (and his own birth date).

    Pairs are drawn inside regions: half of ``share`` of the men copy the full name of another man
    of their region, so ``share`` of all men are in a namesake pair. Returns a copy with a
    ``namesake_of`` column (the person id whose name was copied, ``""`` otherwise).
    """
    out = people.copy()
    out["namesake_of"] = ""
    if share <= 0:
        return out
    n_pairs = round(len(out) * share / 2)
    order = rng.permutation(len(out))
    by_region: dict[str, list[int]] = {}
    for i in order:
        by_region.setdefault(out["region"].iat[i], []).append(int(i))
    pairs: list[tuple[int, int]] = []
    for members in by_region.values():
        for k in range(0, len(members) - 1, 2):
            pairs.append((members[k], members[k + 1]))
    pick = rng.permutation(len(pairs))[:n_pairs]
    cols = [out.columns.get_loc(c) for c in ("surname", "given_name", "patronymic")]
    nk = out.columns.get_loc("namesake_of")
    for j in pick:
        a, b = pairs[j]
        out.iloc[b, cols] = out.iloc[a, cols].to_numpy()
        out.iat[b, nk] = out["person_id"].iat[a]
    return out


def namesake_pairs(people: pd.DataFrame) -> set[frozenset[str]]:
    """The (person id, person id) pairs of namesakes in a population with ``namesake_of``."""
    if "namesake_of" not in people:
        return set()
    hit = people[people["namesake_of"] != ""]
    return {frozenset((a, b)) for a, b in zip(hit["person_id"], hit["namesake_of"], strict=True)}
