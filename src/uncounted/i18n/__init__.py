"""Messages in Russian and English: gettext catalogues, the current language, numbers in words.

The CLI, the report and (later) the review UI write every user-facing sentence as ``_("...")``
with the English text as the message id; ``locales/<lang>/LC_MESSAGES/uncounted.mo`` holds the
translation (compiled from the ``.po`` beside it by ``python -m uncounted.i18n compile``, which
needs Babel, a development dependency; reading a catalogue needs only the standard library).

The language is per context (a :class:`contextvars.ContextVar`, so a web request or a thread can
have its own): :func:`set_language` or ``with using("ru"):``; by default it comes from
``UNCOUNTED_LANG``, then the locale variables ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``
(:func:`default_language`). Anything that is not Russian is English.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext as _gettext
import math
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

DOMAIN = "uncounted"
LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("en", "ru")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("uncounted_lang", default=None)

__all__ = ["LANGUAGES", "N_", "_", "default_language", "format_number", "get_language", "ngettext",
           "normalise_language", "set_language", "translations", "using"]


def normalise_language(value: str | None) -> str | None:
    """``"ru"`` for ``ru``, ``ru_RU.UTF-8``, ``RU`` ...; ``"en"`` for any other locale name; None
    for nothing (empty, ``C``/``POSIX`` count as English)."""
    if not value:
        return None
    first = value.split(":")[0].strip().lower()  # LANGUAGE may be a list: "ru:en"
    if not first:
        return None
    return "ru" if first.split(".")[0].split("_")[0].split("-")[0] == "ru" else "en"


def default_language(environ: dict[str, str] | None = None) -> str:
    """The language from ``UNCOUNTED_LANG`` or the locale variables (first one set wins)."""
    env = os.environ if environ is None else environ
    for var in ("UNCOUNTED_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        lang = normalise_language(env.get(var))
        if lang is not None:
            return lang
    return "en"


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else ValueError naming them."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


def get_language() -> str:
    """The current language: the one set in this context, else :func:`default_language`."""
    lang = _current.get()
    return lang if lang is not None else default_language()


def set_language(lang: str | None) -> None:
    """Set this context's language (``None``: back to the default from the environment)."""
    _current.set(None if lang is None else check_language(lang))


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """``with using("ru"):`` translate into ``lang`` inside the block (``None``: the current one)."""
    token = _current.set(get_language() if lang is None else check_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` (English falls back to the message ids themselves)."""
    return _gettext.translation(DOMAIN, localedir=str(LOCALES), languages=[check_language(lang)],
                                fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(get_language()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (translate it when shown)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the current language (Russian has three)."""
    return translations(get_language()).ngettext(singular, plural, n)


def format_number(x, digits: int = 0, lang: str | None = None) -> str:
    """``4,713`` in English, ``4 713`` in Russian (a narrow no-break space groups thousands and a
    comma marks decimals); an em dash for a missing or NaN value, ``∞`` for infinity."""
    if x is None or x == "":
        return "—"
    if isinstance(x, str):
        return "∞" if x == "inf" else x
    if isinstance(x, float) and not math.isfinite(x):
        return "—" if math.isnan(x) else "∞"
    text = f"{x:,.{digits}f}"
    if (lang or get_language()) == "ru":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text
