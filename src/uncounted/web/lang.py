"""The language of each request of the review UI (Russian or English).

Chosen, first that applies: ``?lang=ru|en`` (remembered in a cookie), the ``uncounted_lang``
cookie, the browser's ``Accept-Language``, the server's locale
(:func:`uncounted.i18n.default_language`). :class:`Language` is a pure ASGI middleware that sets
the language for the whole request (:func:`uncounted.i18n.using`, a context variable that the
thread pool running the routes inherits), so templates and JSON answers are translated with the
same ``_()`` as the CLI and the report.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from ..i18n import LANGUAGES, default_language, normalise_language, using

LANG_COOKIE = "uncounted_lang"


def accepted_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header that we speak (by quality), or None."""
    best: tuple[float, int, str] | None = None
    for pos, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and q > 0 and (best is None or (-q, pos) < best[:2]):
            best = (-q, pos, code)
    return None if best is None else best[2]


def choose(query: str | None, cookie: str | None, accept: str | None) -> tuple[str, bool]:
    """(language, whether to remember it in the cookie)."""
    if query in LANGUAGES:
        return query, query != cookie
    if cookie in LANGUAGES:
        return cookie, False
    return accepted_language(accept) or normalise_language(default_language()) or "en", False


class Language:
    """Set the language of each HTTP request (see the module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        jar = SimpleCookie()
        try:
            jar.load(headers.get(b"cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header: no language cookie
            jar = SimpleCookie()
        cookie = jar[LANG_COOKIE].value if LANG_COOKIE in jar else None
        lang, remember = choose(query, cookie, headers.get(b"accept-language"))

        async def with_cookie(message):
            if remember and message["type"] == "http.response.start":
                value = f"{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Strict"
                message = {**message,
                           "headers": [*message.get("headers", []),
                                       (b"set-cookie", value.encode())]}
            await send(message)

        with using(lang):
            await self.app(scope, receive, with_cookie)
