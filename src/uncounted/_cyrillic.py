"""Which Russian code page a file that is not UTF-8 was saved in: cp1251 or KOI8-R.

Both code pages decode any byte, so a wrong guess does not fail: it garbles every Cyrillic
value without a word. :func:`single_byte_encoding` tells them apart by which one turns the
file's high bytes into Russian letters with the frequencies of Russian text, and says when it
cannot. Used by the list importer (:mod:`uncounted.records.readers`) and the capture-table reader
(:mod:`uncounted.mse._table_io`).

Imports nothing from the package (every layer may use it, the estimators included).
"""

from __future__ import annotations

import re

__all__ = ["AMBIGUOUS", "RU_FREQ", "RU_SIGNS", "UTF8_WORD", "single_byte_encoding"]

# three UTF-8 Cyrillic letters in a row: in cp1251 that is "Р"/"С" + a symbol, three times over,
# in KOI8-R "п"/"я" + a box-drawing character: no Russian text in either reads like that
UTF8_WORD = re.compile(rb"(?:[\xd0\xd1][\x80-\xbf]){3}")

#: What :func:`single_byte_encoding` returns when both code pages read as Russian.
AMBIGUOUS = "ambiguous"

# how often each letter occurs in Russian text, per mille (rounded; the usual corpus figures,
# e.g. the Russian National Corpus as quoted on Wikipedia's "Russian alphabet" frequency table)
RU_FREQ = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
                   (110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17, 17,
                    16, 16, 14, 12, 10, 9, 7, 6, 5, 4, 3, 3, 0.4, 0.4), strict=True))
#: Typographic signs of Russian text in either code page.
RU_SIGNS = set("№«»–—…„“”‘’\xa0·•°")


def single_byte_encoding(high_counts: list[int]) -> str | None:
    """cp1251 or KOI8-R: whichever turns the file's high bytes into Russian letters with the
    frequencies of Russian text, in either case (both code pages turn most high bytes into some
    Cyrillic letter, but an all-capitals cp1251 list read as KOI8-R gives rare lower-case ones);
    None when under half the high bytes are Cyrillic letters in the best of the two.

    A byte that a code page leaves undefined (cp1251's 0x98) counts for nothing in that code
    page's reading but does not rule it out: a cp1251 list with one stray 0x98 is still cp1251,
    and the caller's strict decoding then names the byte. Ruling it out made KOI8-R win by
    default and garble every Cyrillic letter of the file ("Иванов" read as "хБЮМНБ")."""
    high = sum(high_counts)
    scores, letters, plausible = {}, {}, {}
    for enc in ("cp1251", "koi8_r"):
        score = n_letters = n_signs = 0
        for b, n in enumerate(high_counts, start=128):
            if not n:
                continue
            try:
                ch = bytes([b]).decode(enc).lower()
            except UnicodeDecodeError:  # cp1251 leaves 0x98 undefined
                continue
            score += n * RU_FREQ.get(ch, 0)
            n_letters += n * (ch in RU_FREQ)
            n_signs += n * (ch in RU_SIGNS)
        scores[enc], letters[enc] = score, n_letters
        plausible[enc] = n_letters + n_signs
    best = max(scores, key=scores.get)
    if not (best and high and letters[best] >= 0.5 * high):
        # no Russian letters to go by: only typographic signs (№, «», dashes) decide, and
        # only when one code page reads every high byte as such and the other does not
        fits = [enc for enc in plausible if high and plausible[enc] == high]
        return fits[0] if len(fits) == 1 else None
    other = min(scores.values())
    if scores[best] < 1.3 * other:
        # the two code pages permute the Cyrillic letters: with too few of them (or letters
        # with no Russian frequencies) either reading is plausible, and a guess could garble
        return AMBIGUOUS
    return best
