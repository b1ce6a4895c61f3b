"""Routes of the review UI: sign-in, pages, and the JSON API (see :mod:`.app`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..exceptions import UncountedError
from ..mse.registry import available_methods
from . import auth
from .requests import cookie_secure, error_status, session_of


def _render(request: Request, name: str, status: int = 200, **context: Any):
    s = session_of(request)
    context.update(user=s and s["u"], csrf=s and s["csrf"])
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: '/x' but not '//host' or 'http://...'."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/review"


def _login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def register_pages(app) -> None:
    @app.get("/")
    def index(request: Request):
        return RedirectResponse("/review" if session_of(request) else "/login", status_code=303)

    @app.get("/login")
    def login_form(request: Request, next: str = "/review"):
        return _login_page(request, next, None, 200)

    @app.post("/login")
    async def login(request: Request):
        form = await request.form()
        username = str(form.get("username") or "")
        password = str(form.get("password") or "")
        nxt = _safe_next(str(form.get("next") or ""))
        review = request.app.state.review
        expected = request.app.state.sessions.read_login_token(request.cookies.get(auth.LOGIN_COOKIE))
        if not auth.same_token(expected, str(form.get("csrf_token") or "")):
            return _login_page(request, nxt, "The form expired; please sign in again.", 403)
        sessions = request.app.state.sessions
        if sessions.locked_out(username):
            return _login_page(request, nxt, "Too many failed sign-ins for this user; wait a few "
                                             "minutes.", 429)
        digest = await _in_thread(review.password_hash, username)
        if not await _in_thread(auth.verify_password, digest, password):
            sessions.failed(username)
            review.audit("login_failed", actor=username[:64] or "?", target="web")
            return _login_page(request, nxt, "Unknown user or wrong password.", 401)
        review.audit("login", actor=username, target="web")
        cookie, _ = request.app.state.sessions.new_session(username)
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, cookie, max_age=auth.SESSION_MAX_AGE, httponly=True,
                            samesite="strict", secure=cookie_secure(request), path="/")
        response.delete_cookie(auth.LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request):
        s = session_of(request)
        form = await request.form()
        if s is None or not auth.same_token(s["csrf"], str(form.get("csrf_token") or "")):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        request.app.state.sessions.end_session(s)
        request.app.state.review.audit("logout", actor=s["u"], target="web")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    @app.get("/review")
    def review_page(request: Request):
        if session_of(request) is None:
            return _login_redirect(request)
        rv = request.app.state.review
        return _render(request, "review.html.j2", progress=rv.progress(), band=rv.band)

    @app.get("/persons")
    def persons_page(request: Request, page: int = 1, q: str = ""):
        if session_of(request) is None:
            return _login_redirect(request)
        data = request.app.state.review.persons(page=page, query=q[:100])
        return _render(request, "persons.html.j2", data=data, q=q)

    @app.get("/lists")
    def lists_page(request: Request):
        if session_of(request) is None:
            return _login_redirect(request)
        return _render(request, "lists.html.j2", lists=request.app.state.review.lists())

    @app.get("/estimates")
    def estimates_page(request: Request):
        if session_of(request) is None:
            return _login_redirect(request)
        rv = request.app.state.review
        return _render(request, "estimates.html.j2", live=rv.live_estimate(),
                       stored=rv.stored_estimates(), progress=rv.progress())


    @app.get("/report")
    async def report_page(request: Request):
        if session_of(request) is None:
            return _login_redirect(request)
        rv = request.app.state.review
        wanted = list(rv.project.setting("estimate", "methods", ["loglinear"])) + ["chao"]
        methods = [m for m in dict.fromkeys(wanted) if m in available_methods()]
        html = await _in_thread(rv.report_html, methods)
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def _login_page(request: Request, nxt: str, error: str | None, status: int):
    signed, token = request.app.state.sessions.new_login_token()
    response = _render(request, "login.html.j2", status=status, next=_safe_next(nxt), error=error,
                       login_token=token)
    response.set_cookie(auth.LOGIN_COOKIE, signed, max_age=3600, httponly=True, samesite="strict",
                        secure=cookie_secure(request), path="/")
    return response


def _unauthorised() -> JSONResponse:
    return JSONResponse({"detail": "sign in first"}, status_code=401,
                        headers={"WWW-Authenticate": 'Cookie realm="uncounted"'})


def register_api(app) -> None:
    @app.get("/api/queue")
    def queue(request: Request, limit: int = 200, offset: int = 0, all: int = 0):
        if session_of(request) is None:
            return _unauthorised()
        return request.app.state.review.queue(limit=max(1, min(limit, 1000)), offset=max(offset, 0),
                                              include_decided=bool(all))

    @app.get("/api/estimate")
    def live_estimate(request: Request):
        if session_of(request) is None:
            return _unauthorised()
        return request.app.state.review.live_estimate()

    @app.get("/api/decisions")
    def history(request: Request, uid_l: str, uid_r: str):
        if session_of(request) is None:
            return _unauthorised()
        return {"decisions": request.app.state.review.history(uid_l, uid_r)}

    @app.post("/api/decisions")
    async def decide(request: Request):
        s = session_of(request)
        if s is None:
            return _unauthorised()
        if not auth.same_token(s["csrf"], request.headers.get("x-csrf-token")):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"detail": "the body must be a JSON object"}, status_code=422)
        if not isinstance(body, dict):
            return JSONResponse({"detail": "the body must be a JSON object"}, status_code=422)
        based_on = body.get("based_on_decision")
        if based_on is not None and (not isinstance(based_on, int) or isinstance(based_on, bool)):
            return JSONResponse({"detail": "based_on_decision must be an integer or null"},
                                status_code=422)
        note = body.get("note")
        try:
            result = await _in_thread(request.app.state.review.decide, s["u"],
                                      str(body.get("uid_l") or ""), str(body.get("uid_r") or ""),
                                      str(body.get("decision") or ""), based_on=based_on,
                                      note=None if note is None else str(note))
        except UncountedError as err:
            return JSONResponse({"detail": str(err)}, status_code=error_status(err))
        return JSONResponse(result, status_code=201)


async def _in_thread(fn, *args, **kwargs):
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)
