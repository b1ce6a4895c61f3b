"""The review UI: a FastAPI app over one project (``uncounted serve DIR``).

Pages (``/review``, ``/persons``, ``/lists``, ``/estimates``) need a session and send visitors
without one to ``/login``; the JSON API (``/api/...``) answers 401 instead. Every POST checks the
session's CSRF token. Pages are Jinja2 templates with autoescape; the review page fills its pair
table from JSON with ``textContent`` only, so no record value is ever parsed as HTML. A strict
Content-Security-Policy allows scripts and styles from this server only.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..i18n import _, format_number, get_language, ngettext
from ..i18n.labels import model_label
from ..linkage.compare import safe_link
from ..project import Project
from ..report.render import reason_text
from ..store import LoginLimits
from . import auth
from .estimation import BODY_LIMITS, register_estimation
from .lang import Language
from .routes import register_api, register_pages
from .service import Review

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


#: Largest request body accepted (bytes): a decision with a 2,000-character note is under 13 KB.
MAX_BODY = 64 * 1024


def create_app(project_dir: str | Path, *, secure_cookies: bool = False, live_method: str = "auto",
               secret: str | None = None, login_limits: LoginLimits | None = None,
               hash_slots: int = 1, hash_queue: int = 8, max_body: int = MAX_BODY,
               refusal_delay: float = 2.0):
    """Build the app for the project in ``project_dir``.

    Parameters
    ----------
    project_dir
        The project folder.
    secure_cookies
        Always mark cookies ``Secure`` (set it behind an https proxy); they are marked anyway
        when a request arrives over https.
    live_method
        Estimator of the live estimate panel (``"auto"``: log-linear for up to four lists, else
        Chao's lower bound).
    secret
        Cookie-signing key (default: ``$UNCOUNTED_WEB_SECRET``, else one kept in the store).
    login_limits
        Sign-in failures allowed per user name, per address and overall
        (:class:`~uncounted.store.LoginLimits`).
    hash_slots, hash_queue
        Password checks (argon2) run at once, and sign-ins that may wait for one; more are
        refused with 429 (:class:`~uncounted.web.auth.HashGate`).
    max_body
        Largest request body in bytes; a larger one is refused with 413 while it is read.
    refusal_delay
        Seconds a refused sign-in (429) is held before the answer, so that a client flooding
        the sign-in form, which waits for each answer, is slowed down at no cost to the server.
    """
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    review = Review(Project.open(project_dir), live_method=live_method, limits=login_limits)
    sessions = auth.Sessions(review.secret(secret or os.environ.get("UNCOUNTED_WEB_SECRET")),
                             review)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        app.state.workshop.close()
        review.close()

    app = FastAPI(title="uncounted review", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.review = review
    app.state.sessions = sessions
    app.state.hash_gate = auth.HashGate(hash_slots, hash_queue)
    app.state.refusal_delay = float(refusal_delay)
    app.state.secure_cookies = secure_cookies
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    register_pages(app)
    register_api(app)
    register_estimation(app)
    app.add_middleware(Language)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=max_body, larger=BODY_LIMITS)
    return app


class SecurityHeaders:
    """Security headers on every response (pure ASGI: no extra task per request)."""

    FIXED = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
             (b"referrer-policy", b"no-referrer")]
    DEFAULTS = [(b"content-security-policy", CSP.encode()), (b"cache-control", b"no-store")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                fixed = {k for k, _ in self.FIXED}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in fixed]
                present = {k.lower() for k, _ in headers}
                headers += self.FIXED + [(k, v) for k, v in self.DEFAULTS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, counting bytes as they arrive.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body
    without one (chunked) is refused as soon as the bytes read pass the limit, so memory never
    holds more than the limit plus one chunk. Pure ASGI, outermost, so it sees every request.
    ``larger`` maps paths (the upload form) to a larger limit of their own.
    """

    def __init__(self, app, max_bytes: int, larger: dict[str, int] | None = None):
        self.app, self.max_bytes, self.larger = app, max_bytes, dict(larger or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = [v for k, v in scope.get("headers", []) if k == b"content-length"]
        if declared:
            try:
                size = int(declared[0])
            except ValueError:
                return await _plain(send, 400, "bad Content-Length header")
            if size > limit:
                return await _plain(send, 413, f"the request body is larger than "
                                               f"{limit} bytes")
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def watch(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except (_TooLarge, ExceptionGroup) as err:
            if isinstance(err, ExceptionGroup):
                rest = err.split(_TooLarge)[1]
                if rest is not None:
                    raise
            if started:
                raise
            await _plain(send, 413, f"the request body is larger than {limit} bytes")


class _TooLarge(Exception):
    pass


async def _plain(send, status: int, detail: str) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _templates():
    import jinja2
    from fastapi.templating import Jinja2Templates

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["num"] = format_number  # 4,713 in English, 4 713 in Russian
    env.globals.update(_=_, ngettext=ngettext, lang=get_language,  # the request's language
                       safe_link=safe_link,  # http(s) links only
                       reason_text=lambda r: reason_text(r, get_language()),
                       model_label=model_label)  # models in list names
    return Jinja2Templates(env=env)

