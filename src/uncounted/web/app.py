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

from ..project import Project
from ..report.render import fmt_number
from . import auth
from .routes import register_api, register_pages
from .service import Review

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def create_app(project_dir: str | Path, *, secure_cookies: bool = False, live_method: str = "auto",
               secret: str | None = None):
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
    """
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    review = Review(Project.open(project_dir), live_method=live_method)
    sessions = auth.Sessions(review.secret(secret or os.environ.get("UNCOUNTED_WEB_SECRET")))

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        review.close()

    app = FastAPI(title="uncounted review", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.review = review
    app.state.sessions = sessions
    app.state.secure_cookies = secure_cookies
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def headers(request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    register_pages(app)
    register_api(app)
    return app


def _templates():
    import jinja2
    from fastapi.templating import Jinja2Templates

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["num"] = fmt_number
    return Jinja2Templates(env=env)

