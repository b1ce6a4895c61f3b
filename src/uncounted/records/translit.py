"""Transliteration between Cyrillic and Latin for names and place names.

Two operations, both pure and cached:

- :func:`latin_key` turns a word in either script into a *canonical Latin key*: lower case, ASCII,
  and deliberately lossy where the common romanisations of Russian disagree (е/ё/э -> ``e``;
  и/й/ы -> ``i``, runs of ``i`` collapsed; ь/ъ dropped; ``ie`` -> ``e``). Every romanisation in
  iuliia's catalogue of the same Cyrillic word therefore maps to the same key as the word itself
  (``Юрий``, ``Yuriy``, ``Yury``, ``Iurii``, ``Jurij``, ``Ûrij`` -> ``iuri``), which is what record
  linkage compares.
- :func:`to_cyrillic` guesses the Cyrillic spelling of a romanised word by greedy longest match over
  a reverse table built from iuliia's schemas (ISO 9, GOST 7.79, GOST 16876, BGN/PCGN, ICAO Doc 9303,
  MVD, Wikipedia, scientific, ALA-LC, UNGEGN, Telegram, Yandex ...) plus a few context rules.
  The guess is for display; the key does not depend on the ambiguous letters it has to guess.

References
----------
iuliia: transliteration schemas, https://github.com/nalgeon/iuliia (MIT).
ISO 9:1995; GOST 7.79-2000; BGN/PCGN 1947; ICAO Doc 9303 (2021), part 3.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Cyrillic letter -> piece of the canonical key (Russian letters plus Ukrainian і ї є ґ)
_KEY = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "і": "i", "ї": "i", "є": "e", "ґ": "g",
}

_VOWELS_CYR = set("аеёиоуыэюяіїє")
_CYR_RE = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
# schemas whose letters we accept back; order = preference when two schemas disagree on a string
_SCHEMAS = ("BGN_PCGN", "WIKIPEDIA", "ICAO_DOC_9303", "MVD_310", "MVD_782", "GOST_52535",
            "YANDEX_MAPS", "MOSMETRO", "TELEGRAM", "GOST_7034", "GOST_779", "GOST_779_ALT",
            "GOST_16876", "GOST_16876_ALT", "ISO_9_1954", "ISO_9_1968", "ISO_9_1968_ALT",
            "UNGEGN_1987", "SCIENTIFIC", "ALA_LC", "ALA_LC_ALT", "BS_2979", "BS_2979_ALT")
# choices that no single schema makes but that common (English, German) spellings need
_OVERRIDES = {
    "x": "кс", "h": "х", "c": "ц", "w": "в", "q": "к", "ph": "ф", "sch": "щ", "tch": "ч",
    "y": "ы", "i": "и", "e": "е", "j": "й", "ye": "е", "yo": "ё", "jo": "ё", "ja": "я", "ju": "ю",
    "je": "е", "ia": "я", "iu": "ю", "ya": "я", "yu": "ю", "'": "ь", "’": "ь", "ʹ": "ь", "`": "",
    "ʺ": "ъ", "”": "ъ", '"': "ъ", "ie": "ие", "yi": "ьи", "ts": "ц", "kh": "х", "zh": "ж", "ch": "ч",
    "sh": "ш", "shch": "щ", "g": "г", "u": "у", "ë": "ё", "yë": "ё", "è": "э",
    "é": "е", "ĭ": "й", "ǐ": "й", "í": "ы", "ý": "ы", "ŷ": "ы",
}


def strip_stress(text: str) -> str:
    """Remove stress marks (combining acute/grave, U+0301/U+0300) that some texts put on vowels."""
    if "\u0301" not in text and "\u0300" not in text and text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", "").replace("\u0300", ""))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", strip_stress(text)).lower()


@lru_cache(maxsize=1)
def _reverse_table() -> dict[str, str]:
    """Latin string -> Cyrillic, from iuliia's letter maps (first schema in _SCHEMAS wins)."""
    import iuliia

    table: dict[str, str] = {}
    for name in _SCHEMAS:
        schema = getattr(iuliia, name, None)
        if schema is None:  # pragma: no cover - older iuliia
            continue
        schema.translate("а")  # loads the schema file
        for cyr, lat in schema._schema.map.items():
            lat = _fold(lat)
            if cyr.islower() and lat and lat not in table and cyr in _KEY:
                table[lat] = cyr
    table.update(_OVERRIDES)
    return table


@lru_cache(maxsize=1)
def _max_len() -> int:
    return max(len(k) for k in _reverse_table())


def has_cyrillic(text: str) -> bool:
    """True when ``text`` holds at least one Cyrillic letter."""
    return bool(_CYR_RE.search(text))


def _word_to_cyrillic(word: str) -> str:
    table, n = _reverse_table(), _max_len()
    out: list[str] = []
    i = 0
    while i < len(word):
        for size in range(min(n, len(word) - i), 0, -1):
            piece = word[i:i + size]
            if piece in table:
                out.append(_contextual(piece, table[piece], word, i, size, out))
                i += size
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def _contextual(piece: str, cyr: str, word: str, i: int, size: int, out: list[str]) -> str:
    """Context rules for the letters whose Cyrillic value depends on position."""
    prev = out[-1][-1] if out and out[-1] else ""
    at_end = i + size == len(word)
    after_vowel = prev in _VOWELS_CYR
    if piece in ("yo", "jo") and after_vowel:
        return "йо"  # Районов -> Rayonov; after a consonant yo is ё (Solovyov)
    if piece in ("y", "i", "j") and after_vowel:
        return "й" if (piece != "i" or at_end) else "и"
    if piece in ("y", "iy", "ij", "ii", "yy") and at_end and prev and not after_vowel:
        return "ый" if piece == "yy" else "ий"
    if piece in ("ia", "ya", "ja") and not prev:
        return "я"
    if piece == "e" and not prev:
        return "е"
    return cyr


_UA_H_RE = re.compile(r"(?<![kzcs])h")


@lru_cache(maxsize=200_000)
def to_cyrillic(text: str, ukrainian: bool = False) -> str:
    """Best-guess Cyrillic spelling of ``text`` (lower case); Cyrillic input is returned folded.

    Examples
    --------
    >>> to_cyrillic("Shcherbakov")
    'щербаков'
    >>> to_cyrillic("Yuriy")
    'юрий'
    """
    folded = unicodedata.normalize("NFC", _fold(text).replace("\u0361", ""))
    if ukrainian:  # Ukrainian national romanisation: h = г (kh = х)
        folded = _TOKEN_RE.sub(lambda m: _UA_H_RE.sub("g", m.group(0))
                               if _LATIN_RE.search(m.group(0)) else m.group(0), folded)
    return _TOKEN_RE.sub(_token_to_cyrillic, folded).replace("ё", "е")


_TOKEN_RE = re.compile(r"(?:[^\W\d_]|[’'ʹʺ”\"`])+")
_LATIN_RE = re.compile(r"[a-z]")


def _token_to_cyrillic(match: re.Match) -> str:
    token = match.group(0)
    if not _LATIN_RE.search(unicodedata.normalize("NFKD", token)):
        return token
    # a romanised word holding stray Cyrillic letters (some schemas keep ё, ь)
    token = token.replace("ё", "ë").replace("ь", "'").replace("ъ", '"')
    if token.startswith("x") and len(token) > 1 and token[1] not in "aeiouy":
        token = "h" + token[1:]  # scientific / GOST 7.34 x = х before a consonant
    return _word_to_cyrillic(token)


@lru_cache(maxsize=500_000)
def latin_key(text: str, ukrainian: bool = False) -> str:
    """Canonical, lossy Latin key of a word or phrase in Cyrillic or any romanisation.

    Letters are mapped as in ``_KEY``; anything that is not a letter becomes one space (collapsed,
    stripped), so ``"Petrov-Vodkin"`` -> ``"petrov vodkin"``. Returns ``""`` for no letters.
    ``ukrainian=True`` reads romanised text in the Ukrainian national system, where ``h`` is г
    (``Bohdanov`` -> ``bogdanov``); see :func:`detect_ukrainian_style`.

    Examples
    --------
    >>> latin_key("Алексеевич") == latin_key("Alekseyevich") == latin_key("Alekseevič")
    True
    """
    cyr = to_cyrillic(text, ukrainian)
    pieces = []
    for ch in cyr:
        if ch in _KEY:
            pieces.append(_KEY[ch])
        elif ch.isascii() and ch.isalpha():
            pieces.append(ch)
        elif ch.isalpha():
            base = unicodedata.normalize("NFKD", ch)[0]
            pieces.append(base if base.isascii() and base.isalpha() else " ")
        else:
            pieces.append(" ")
    key = "".join(pieces)
    key = re.sub(r"i{2,}", "i", key)
    key = key.replace("ie", "e")
    return " ".join(key.split())


_WORD_RE = re.compile(r"[a-z']+")


def detect_ukrainian_style(values) -> bool:
    """Whether romanised names follow the Ukrainian national system (h = г, kh = х).

    True when at least 2 and 3% of the Latin words have an ``h`` that is not part of kh/zh/ch/sh,
    and none has diacritics or a ``c`` outside ``ch`` (ISO 9, scientific and Telegram spellings,
    where a lone ``h`` is х, have those).
    """
    words = n_h = 0
    for v in values:
        if not v or not isinstance(v, str) or has_cyrillic(v):
            continue
        low = v.lower()
        if not low.isascii() or re.search(r"c(?!h)", low):
            return False
        for w in _WORD_RE.findall(low):
            words += 1
            n_h += bool(_UA_H_RE.search(w))
    return n_h >= 2 and n_h >= 0.03 * words
