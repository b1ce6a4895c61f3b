"""Names: a Cyrillic form and a canonical Latin key for surname, given name and patronymic.

- :func:`normalise_name` cleans each part (spaces, stress marks, stray punctuation; ё = е), guesses
  the Cyrillic spelling of romanised input (any of iuliia's schemas, see
  :mod:`uncounted.records.translit`), computes the lossy Latin key that all romanisations of one
  Cyrillic name share, and resolves the given name's diminutives and variants
  (``Саша``, ``Alexander``, ``Oleksandr`` -> ``aleksandr``) with the curated table
  ``uncounted/data/names/given_names.csv`` (sources in the README beside it).
- A name written in an oblique case (``Иванова Ивана Ивановича``, ``Петровой Марией``) is reduced
  to the nominative with pymorphy3, but only when the given name or patronymic shows the case: a
  surname alone (``Иванова``: a woman, or a man in the genitive?) is never changed.
- :func:`split_full_name` splits ``"Иванов Иван Иванович"``, ``"Иван Иванович Иванов"``,
  ``"Ivan Ivanov"``, ``"Иванов, Иван"`` into parts.

References
----------
Korobov, M. (2015). Morphological analyzer and generator for Russian and Ukrainian languages.
AIST 2015, CCIS 542, 320-332. doi:10.1007/978-3-319-26123-2_31 (pymorphy2; pymorphy3 is its fork).
Petrovsky, N. A. (1966). Словарь русских личных имён. Moscow: Sovetskaya Entsiklopediya.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..exceptions import require
from .translit import (
    detect_ukrainian_style,
    has_cyrillic,
    latin_key,
    strip_stress,
    to_cyrillic,
)

__all__ = ["NameKeys", "clean_name_part", "given_name_canonical", "name_gender", "normalise_name",
           "split_full_name", "to_nominative"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "names"
_JUNK_RE = re.compile(r"[^\w\s'’ʹ-]|[\d_]")
_PATR_M = ("ович", "евич", "ич", "оглы", "ovich", "evich", "ich", "ogly", "oglu")
_PATR_F = ("овна", "евна", "ична", "инична", "кызы", "ovna", "evna", "ichna", "kyzy", "qizi")


# when a form fits several cases (Ивана: gent or accs), report the likelier one in casualty lists
_CASE_ORDER = ["gent", "datv", "ablt", "loct", "accs", "gen2", "loc2", "voct"]
_LOWER_WORDS = {"оглы", "кызы", "ogly", "oglu", "kyzy", "qizi"}


@dataclass(frozen=True)
class NameKeys:
    """Normalised forms of one person's name (``None`` where the part is missing).

    Attributes
    ----------
    surname_cyr, given_name_cyr, patronymic_cyr : Cyrillic forms, title case, ё written е.
    surname_key, given_name_key, patronymic_key : canonical Latin keys (``translit.latin_key``).
    given_name_canon : key of the full given name after diminutives and variants are resolved.
    gender : ``"m"``/``"f"`` when the patronymic (or the name table) says, else ``None``.
    case : the grammatical case the name was written in (``"nomn"`` unless reduced).
    """

    surname_cyr: str | None = None
    given_name_cyr: str | None = None
    patronymic_cyr: str | None = None
    surname_key: str | None = None
    given_name_key: str | None = None
    patronymic_key: str | None = None
    given_name_canon: str | None = None
    gender: str | None = None
    case: str = "nomn"


def clean_name_part(text: str | None) -> str | None:
    """Trim and tidy one part of a name; ``None`` when nothing letter-like is left."""
    if text is None:
        return None
    s = strip_stress(unicodedata.normalize("NFKC", str(text)))
    s = _JUNK_RE.sub(" ", s).replace("ё", "е").replace("Ё", "Е")
    s = re.sub(r"\s*-\s*", "-", " ".join(s.split())).strip("-' ")
    return s or None


def _title(word: str) -> str:
    return "-".join(" ".join(w if w in _LOWER_WORDS else w[:1].upper() + w[1:]
                             for w in part.split(" "))
                    for part in word.lower().split("-"))


# ----------------------------------------------------------------- given-name table
@lru_cache(maxsize=1)
def _given_table() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """variant key -> {gender: canonical key}; canonical key -> Cyrillic spelling."""
    variants: dict[str, dict[str, str]] = {}
    spelling: dict[str, str] = {}
    with (DATA_DIR / "given_names.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            canon = latin_key(row["canonical"])
            variants.setdefault(latin_key(row["variant"]), {})[row["gender"]] = canon
            spelling.setdefault(canon, row["canonical"].replace("ё", "е"))
    return variants, spelling


def given_name_canonical(key: str | None, gender: str | None = None) -> str | None:
    """Key of the full name a given-name key stands for (``"sasha"`` -> ``"aleksandr"``).

    A key the table does not know is returned as it is; a diminutive shared by both genders
    (Саша, Женя, Валя) is resolved only when ``gender`` (``"m"``/``"f"``) is given.
    """
    if not key:
        return key
    found = _given_table()[0].get(key)
    if not found:
        return key
    if gender in found:
        return found[gender]
    return next(iter(found.values())) if len(found) == 1 else key


def name_gender(patronymic: str | None, given_key: str | None = None) -> str | None:
    """``"m"``/``"f"`` from a patronymic's ending, else from an unambiguous given name."""
    if patronymic:
        low = patronymic.lower().replace("ё", "е")
        if low.endswith(_PATR_F):
            return "f"
        if low.endswith(_PATR_M):
            return "m"
    if given_key:
        found = _given_table()[0].get(given_key)
        if found and len(found) == 1:
            return next(iter(found))
    return None


# ----------------------------------------------------------------- grammatical case (pymorphy3)
@lru_cache(maxsize=1)
def _morph():
    return require("pymorphy3", "lists").MorphAnalyzer()


@lru_cache(maxsize=100_000)
def _cases(word: str, tag: str) -> frozenset[tuple[str, str]]:
    """(case, gender) pairs of the parses of ``word`` carrying ``tag`` (Name, Patr, Surn)."""
    out = set()
    for p in _morph().parse(word):
        if tag in p.tag and p.tag.number != "plur":
            out.add((str(p.tag.case), str(p.tag.gender) if p.tag.gender else "ms-f"))
    return frozenset(out)


def _inflect(word: str, tag: str, case: str, gender: str) -> str:
    for p in _morph().parse(word):
        g = str(p.tag.gender) if p.tag.gender else "ms-f"
        if tag in p.tag and str(p.tag.case) == case and (g == gender or "ms-f" in (g, gender)):
            grams = {"nomn", "sing"} | ({gender} if tag == "Surn" and gender != "ms-f" else set())
            form = p.inflect(grams) or p.inflect({"nomn"})
            if form is not None:
                return _title(form.word)
    return _title(word)


@lru_cache(maxsize=100_000)
def needs_case_check(word: str | None) -> bool:
    """True when a Cyrillic given name or patronymic cannot be read as nominative."""
    if not word or not has_cyrillic(word):
        return False
    low = word.lower()
    tags = _cases(low, "Name") | _cases(low, "Patr")
    return bool(tags) and not any(c == "nomn" for c, _ in tags)


def to_nominative(surname: str | None, given: str | None, patronymic: str | None,
                  list_case: str | tuple[str, ...] | None = None) -> tuple[str | None, str | None, str | None, str]:
    """Reduce a Cyrillic name written in an oblique case to the nominative.

    The case and gender are read from the given name and patronymic together; the surname follows
    them. Returns the three parts and the case found (``"nomn"`` when nothing was changed).
    ``list_case`` is the case (or cases) the list's other names are written in (an obituary list
    writes them in the genitive): a form that reads as either a nominative or that case
    ("Бельского Александра": a woman's name, or a man's in the genitive?) is then read in it, as
    a man's name.

    Examples
    --------
    >>> to_nominative("Иванова", "Ивана", "Ивановича")
    ('Иванов', 'Иван', 'Иванович', 'gent')
    """
    found_by_tag = [(_cases(w.lower(), tag), tag) for w, tag in ((given, "Name"),
                    (patronymic, "Patr")) if w and has_cyrillic(w)]
    found_by_tag = [(f, tag) for f, tag in found_by_tag if f]
    if not found_by_tag:
        return surname, given, patronymic, "nomn"
    cases = set.intersection(*({c for c, _ in f} for f, _ in found_by_tag))
    list_cases = (list_case,) if isinstance(list_case, str) else tuple(list_case or ())
    fits = [c for c in list_cases if c != "nomn" and all((c, "masc") in f for f, _ in found_by_tag)]
    if not cases or ("nomn" in cases and not fits):
        return surname, given, patronymic, "nomn"
    if "nomn" in cases:
        case, gender = fits[0], "masc"
    else:
        case = min(cases, key=lambda c: (_CASE_ORDER.index(c) if c in _CASE_ORDER else 99, c))
        # gender: the patronymic's if there is one (Саша is masc or femn; Петровича is masc)
        genders = [g for f, tag in sorted(found_by_tag, key=lambda x: x[1] != "Patr")
                   for c, g in sorted(f) if c == case and g != "ms-f"]
        gender = genders[0] if genders else "ms-f"
    new_given = _inflect(given.lower(), "Name", case, gender) if given else given
    new_patr = _inflect(patronymic.lower(), "Patr", case, gender) if patronymic else patronymic
    new_sur = surname
    if surname and has_cyrillic(surname):
        new_sur = "-".join(_surname_nominative(p, case, gender) for p in surname.split("-"))
    return new_sur, new_given, new_patr, case


# regular endings of men's surnames in the oblique cases -> nominative (for surnames pymorphy3
# does not know as surnames: it reads "Бельского" as an adjective)
_SURNAME_ENDINGS = {
    "gent": (("ского", "ский"), ("цкого", "цкий"), ("ова", "ов"), ("ева", "ев"), ("ёва", "ёв"),
             ("ина", "ин"), ("ына", "ын")),
    "accs": (("ского", "ский"), ("цкого", "цкий"), ("ова", "ов"), ("ева", "ев"), ("ёва", "ёв"),
             ("ина", "ин"), ("ына", "ын")),
    "ablt": (("ским", "ский"), ("цким", "цкий"), ("овым", "ов"), ("евым", "ев"), ("ёвым", "ёв"),
             ("иным", "ин"), ("ыным", "ын")),
    "datv": (("скому", "ский"), ("цкому", "цкий"), ("ову", "ов"), ("еву", "ев"), ("ину", "ин"),
             ("ыну", "ын")),
    "loct": (("ском", "ский"), ("цком", "цкий"), ("ове", "ов"), ("еве", "ев"), ("ине", "ин"),
             ("ыне", "ын")),
}


def _surname_nominative(part: str, case: str, gender: str) -> str:
    low = part.lower()
    if _cases(low, "Surn"):
        new = _inflect(low, "Surn", case, gender)
        if new.lower() != low:
            return new
    if gender in ("masc", "ms-f"):
        for end, nom in _SURNAME_ENDINGS.get(case, ()):
            if low.endswith(end) and len(low) > len(end) + 1:
                return _title(low[: -len(end)] + nom)
    return part


# ----------------------------------------------------------------- parts
@lru_cache(maxsize=500_000)
def _part(text: str | None, kind: str, ukrainian: bool = False) -> tuple[str | None, str | None]:
    """(Cyrillic form, key) of one cleaned name part."""
    clean = clean_name_part(text)
    if clean is None:
        return None, None
    key = latin_key(clean, ukrainian) or None
    if has_cyrillic(clean):
        return _title(clean), key
    if kind == "given" and key:
        spelled = _given_table()[1].get(given_name_canonical(key) or "")
        if spelled and latin_key(spelled) == key:
            return spelled, key
    return _title(to_cyrillic(clean, ukrainian)), key


def normalise_name(surname: str | None = None, given: str | None = None,
                   patronymic: str | None = None, *, reduce_case: bool = True,
                   ukrainian: bool = False, list_case: tuple[str, ...] = ()) -> NameKeys:
    """Cyrillic forms, Latin keys and the canonical given name of one person's name.

    Parameters
    ----------
    surname, given, patronymic
        The parts as written, in Cyrillic or any romanisation; ``None`` or ``""`` when missing.
    reduce_case
        Reduce a name written in an oblique case to the nominative (pymorphy3).
    ukrainian
        Latin parts are in the Ukrainian national romanisation (``h`` = г: ``Serhii``, ``Oleh``);
        :func:`normalise_names_frame` detects this per list.
    list_case
        Oblique cases the list writes names in (see :func:`to_nominative`): ambiguous forms are
        read in them.

    Examples
    --------
    >>> k = normalise_name("Shcherbakov", "Yuriy", "Alekseyevich")
    >>> (k.surname_cyr, k.given_name_key) == ("Щербаков", "iuri")
    True
    """
    s, g, p = (clean_name_part(x) for x in (surname, given, patronymic))
    case = "nomn"
    if reduce_case and (needs_case_check(g) or needs_case_check(p) or list_case):
        s, g, p, case = to_nominative(s, g, p, list_case)
    s_cyr, s_key = _part(s, "surname", ukrainian)
    g_cyr, g_key = _part(g, "given", ukrainian)
    p_cyr, p_key = _part(p, "patronymic", ukrainian)
    gender = name_gender(p_cyr, g_key)
    return NameKeys(s_cyr, g_cyr, p_cyr, s_key, g_key, p_key,
                    given_name_canonical(g_key, gender), gender, case)


def _is_patronymic(token: str) -> bool:
    low = latin_key(token)
    return bool(low) and len(low) > 4 and low.endswith(
        ("ovich", "evich", "ich", "ovna", "evna", "ichna", "ogli", "kizi"))


def _is_given(token: str) -> bool:
    """A known given name (in the table) under any romanisation we read, or any case."""
    table = _given_table()[0]
    return any(latin_key(text, uk) in table for text, uk in _readings(token))


_SURNAME_END = ("ov", "ev", "in", "yn", "ski", "skii", "skiy", "skij", "skyi", "sky", "tskii",
                "enko", "uk", "iuk", "chuk", "ykh", "ikh", "off", "eff", "ova", "eva", "ina")


def _looks_like_surname(token: str) -> bool:
    """A word ending the way Russian and Ukrainian surnames end (-ов, -ин, -ский, -енко ...)."""
    key = latin_key(token)
    return len(key) > 4 and key.endswith(_SURNAME_END) and not _is_given(token)


def _readings(text: str) -> list[tuple[str, bool]]:
    """Ways to read a romanised word: as written, in the Ukrainian system (h = г), with the
    scientific/ISO x = х (``Mixail``); Cyrillic text is read as written."""
    if has_cyrillic(text) or not re.search(r"[a-zA-Z]", text):
        return [(text, False)]
    out = [(text, False)]
    low = text.lower()
    if "h" in low:
        out.append((text, True))
    if "x" in low:
        out.append((re.sub("x", "kh", re.sub("X", "Kh", text)), False))
    return out


def split_full_name(text: str | None) -> tuple[str | None, str | None, str | None]:
    """Split a full name into (surname, given name, patronymic).

    Russian order ``Фамилия Имя Отчество`` is assumed unless the patronymic is found second
    (``Имя Отчество Фамилия``), or with two words the first is a known given name (in any
    romanisation we read) and the second is not (``Ivan Petrov``, ``Mixail Denʹgov``), or the
    second ends like a surname and the first does not (``Bair Kosterskij``). ``"Фамилия, Имя ..."`` is surname first. Azerbaijani-style patronymics
    (``Али оглы``) stay one part. One word is taken as the surname.

    Examples
    --------
    >>> split_full_name("Иван Иванович Петров")
    ('Петров', 'Иван', 'Иванович')
    """
    if text is None:
        return None, None, None
    raw = " ".join(str(text).split())
    if "," in raw:
        head, _, rest = raw.partition(",")
        g, p = (rest.split(None, 1) + [None, None])[:2] if rest.strip() else (None, None)
        return clean_name_part(head), clean_name_part(g), clean_name_part(p)
    words = [w for w in (clean_name_part(w) for w in raw.split()) if w]
    words = _join_turkic(words)
    if not words:
        return None, None, None
    if len(words) == 1:
        return words[0], None, None
    if len(words) == 2:
        if _is_given(words[0]) and not _is_given(words[1]) and not _is_patronymic(words[1]):
            return words[1], words[0], None
        if _looks_like_surname(words[1]) and not _looks_like_surname(words[0]) \
                and not _is_patronymic(words[1]):
            return words[1], words[0], None             # "Nikita Danilov": given name first
        if _is_patronymic(words[1]):
            return None, words[0], words[1]
        return words[0], words[1], None
    if _is_patronymic(words[1]) and not _is_patronymic(words[-1]):
        return " ".join(words[2:]), words[0], words[1]
    return words[0], words[1], " ".join(words[2:])


def _join_turkic(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        if out and latin_key(w) in ("ogli", "oglu", "kizi", "kizi", "uli"):
            out[-1] = f"{out[-1]} {w}"
        else:
            out.append(w)
    return out


def _per_record_romanisation(out, parts, ukrainian: bool):
    """Rows whose romanised given name is unknown as written but known in another romanisation
    (the Ukrainian h = г, the scientific x = х) are read in that romanisation, all three parts.

    A list of the foreign press mixes schemas record by record; the list-wide detection
    (:func:`~uncounted.records.translit.detect_ukrainian_style`) cannot see them.
    """
    import numpy as np

    table = _given_table()[0]
    g_codes, g_clean = parts["given_name"]
    s_codes, s_clean = parts["surname"]
    p_codes, p_clean = parts["patronymic"]

    def reading(g):
        if not g or has_cyrillic(g) or latin_key(g, ukrainian) in table:
            return None
        for text, uk in _readings(g)[1:]:
            if latin_key(text, uk or ukrainian) in table:
                return text != g, uk or ukrainian
        return None

    found = [reading(g) for g in g_clean] + [None]
    for i in np.flatnonzero([found[c] is not None for c in g_codes]):
        x, uk = found[g_codes[i]]

        def fix(text, x=x):
            return re.sub("x", "kh", re.sub("X", "Kh", text)) if text and x else text
        keys = normalise_name(fix(s_clean[s_codes[i]]), fix(g_clean[g_codes[i]]),
                              fix(p_clean[p_codes[i]]), ukrainian=uk, reduce_case=False)
        out.iloc[i, :] = [getattr(keys, c) for c in out.columns]
    return out


def normalise_names_frame(surnames, givens, patronymics, ukrainian: bool | None = None):
    """:func:`normalise_name` over columns (array-like of str, ``""`` or ``None`` when missing).

    Each distinct value is normalised once; rows whose given name or patronymic shows an oblique
    case go through :func:`normalise_name` row by row. ``ukrainian=None`` detects the Ukrainian
    romanisation (``h`` = г) from the Latin values themselves
    (:func:`~uncounted.records.translit.detect_ukrainian_style`). Returns a DataFrame with the columns of
    :class:`NameKeys`, one row per input row, same order.
    """
    import numpy as np
    import pandas as pd

    cols = {}
    parts = {}
    columns = [pd.Series(v, dtype=object).fillna("") for v in (surnames, givens, patronymics)]
    if ukrainian is None:
        ukrainian = detect_ukrainian_style(pd.unique(pd.concat(columns, ignore_index=True)))
    surnames, givens, patronymics = columns
    for name, values, kind in (("surname", surnames, "surname"), ("given_name", givens, "given"),
                               ("patronymic", patronymics, "patronymic")):
        codes, uniques = pd.factorize(pd.Series(values, dtype=object).fillna(""), sort=False)
        cleaned = [clean_name_part(u) for u in uniques]
        done = [_part(c, kind, ukrainian) for c in cleaned]
        cyr = np.array([d[0] for d in done] + [None], dtype=object)[codes]
        key = np.array([d[1] for d in done] + [None], dtype=object)[codes]
        cols[f"{name}_cyr"], cols[f"{name}_key"] = cyr, key
        parts[name] = (codes, cleaned)
    out = pd.DataFrame(cols)
    p_codes, p_clean = parts["patronymic"]
    patr_gender = np.array([name_gender(p) for p in p_clean] + [None], dtype=object)[p_codes]
    gk_codes, gk_uniq = pd.factorize(out["given_name_key"], sort=False)
    g_gender = np.array([name_gender(None, k) for k in gk_uniq] + [None], dtype=object)[gk_codes]
    gender = np.where(pd.notna(patr_gender), patr_gender, g_gender)
    out["gender"] = pd.Series(gender, dtype=object).where(pd.notna(gender), None)
    # canonical given name per distinct (key, gender): gender code 0 none, 1 m, 2 f
    g_code = np.select([gender == "m", gender == "f"], [1, 2], 0)
    pair = (gk_codes + 1) * 3 + g_code
    pc_codes, pc_uniq = pd.factorize(pair, sort=False)
    keys = np.append(np.asarray(gk_uniq, dtype=object), None)
    canon = [given_name_canonical(keys[(v // 3) - 1], (None, "m", "f")[v % 3]) for v in pc_uniq]
    out["given_name_canon"] = np.array(canon, dtype=object)[pc_codes]
    out["case"] = "nomn"
    g_codes, g_clean = parts["given_name"]
    flag_g = np.array([needs_case_check(c) for c in g_clean] + [False])[g_codes]
    flag_p = np.array([needs_case_check(c) for c in p_clean] + [False])[p_codes]
    s_codes, s_clean = parts["surname"]
    for i in np.flatnonzero(flag_g | flag_p):
        k = normalise_name(s_clean[s_codes[i]], g_clean[g_codes[i]], p_clean[p_codes[i]],
                           ukrainian=ukrainian)
        out.iloc[i, :] = pd.Series(k.__dict__)[out.columns].to_numpy(dtype=object)
    # a list that writes most names in oblique cases (obituaries: "Памяти Иванова Ивана") writes
    # them all so: the forms that read as either a nominative or one of its cases are read in it
    cyr_given = np.array([bool(c) and has_cyrillic(c) for c in g_clean] + [False])[g_codes]
    n_cyr = int(cyr_given.sum())
    oblique = out["case"][cyr_given & (out["case"] != "nomn").to_numpy()]
    if n_cyr >= 5 and len(oblique) >= 0.3 * n_cyr:
        shares = oblique.value_counts()
        list_case = tuple(c for c, n in shares.items() if n >= 0.1 * len(oblique))
        for i in np.flatnonzero(cyr_given & (out["case"] == "nomn").to_numpy()):
            k = normalise_name(s_clean[s_codes[i]], g_clean[g_codes[i]], p_clean[p_codes[i]],
                               ukrainian=ukrainian, list_case=list_case)
            if k.case != "nomn":
                out.iloc[i, :] = pd.Series(k.__dict__)[out.columns].to_numpy(dtype=object)
    out = _per_record_romanisation(out, parts, ukrainian)
    return out[["surname_cyr", "given_name_cyr", "patronymic_cyr", "surname_key",
                "given_name_key", "patronymic_key", "given_name_canon", "gender", "case"]]
