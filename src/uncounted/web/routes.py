"""Routes of the review UI: sign-in, pages, and the JSON API (see :mod:`.app`)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..exceptions import UncountedError
from ..i18n import N_, _, get_language
from ..mse.registry import available_methods
from . import auth, clusters
from .requests import client_address, cookie_secure, error_status, session_of

HERE = Path(__file__).resolve().parent


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
        review = request.app.state.review
        early = review.refused_before(client_address(request))
        if early is not None:  # this address (or everyone) is locked out: no form, no store,
            await _slow_down(request, early.retry_after)      # no template
            return _refused(LIMIT_MESSAGES[early.scope], early.retry_after)
        form = await request.form()
        username = _form_text(form, "username")[:64]
        password = _form_text(form, "password")
        nxt = _safe_next(_form_text(form, "next"))
        sessions = request.app.state.sessions
        expected = sessions.read_login_token(request.cookies.get(auth.LOGIN_COOKIE))
        if not auth.same_token(expected, _form_text(form, "csrf_token")):
            return _login_page(request, nxt, N_("The form expired; please sign in again."), 403)
        gate = request.app.state.hash_gate
        if not gate.enter():  # refused before any work is done for it
            await _slow_down(request, 1)
            return _login_page(request, nxt, N_("The server is busy checking other sign-ins; try "
                                                "again in a moment."), 429, retry_after=1)
        address = client_address(request)
        left = False
        try:
            # counted before the password is checked, in one transaction with the limits' check
            admitted = await _in_thread(review.admit_login, username, address)
            if admitted.attempt_id is None:
                gate.leave()
                left = True
                await _slow_down(request, admitted.retry_after)
                return _login_page(request, nxt, LIMIT_MESSAGES[admitted.scope], 429,
                                   retry_after=admitted.retry_after)
            digest = await _in_thread(review.password_hash, username)
            ok = await _in_thread(gate.verify, digest, password)
        finally:
            if not left:
                gate.leave()
        if not ok:
            await _in_thread(review.audit, "login_failed", actor=username or "?", target="web",
                             detail={"address": address})
            return _login_page(request, nxt, N_("Unknown user or wrong password."), 401)
        await _in_thread(review.login_succeeded, admitted.attempt_id, username)
        cookie, _ = await _in_thread(sessions.new_session, username, address=address)
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, cookie, max_age=auth.SESSION_MAX_AGE, httponly=True,
                            samesite="strict", secure=cookie_secure(request), path="/")
        response.delete_cookie(auth.LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request):
        s = await _in_thread(session_of, request)
        form = await request.form()
        if s is None or not auth.same_token(s["csrf"], _form_text(form, "csrf_token")):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        await _in_thread(request.app.state.sessions.end_session, s)
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
        rv = request.app.state.review
        data = rv.persons(page=page, query=q[:100])
        return _render(request, "persons.html.j2", data=data, q=q,
                       split=clusters.split_groups(rv))

    @app.get("/persons/{person_id}")
    def person_page(request: Request, person_id: str, done: str = ""):
        if session_of(request) is None:
            return _login_redirect(request)
        view = clusters.person_view(request.app.state.review, person_id[:64])
        if view is None:
            return _render(request, "person.html.j2", status=404, view=None,
                           person_id=person_id[:64], done="")
        return _render(request, "person.html.j2", view=view, person_id=person_id,
                       done=done if done in ("split", "merge", "undo") else "")

    @app.post("/persons/{person_id}/split")
    async def split_person(request: Request, person_id: str):
        return await _person_form(request, person_id, "split")

    @app.post("/persons/{person_id}/merge")
    async def merge_person(request: Request, person_id: str):
        return await _person_form(request, person_id, "merge")

    @app.post("/persons/{person_id}/undo")
    async def undo_on_person(request: Request, person_id: str):
        return await _person_form(request, person_id, "undo")

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it on every page; the report page declares none
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

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
        if await _in_thread(session_of, request) is None:
            return _login_redirect(request)
        rv = request.app.state.review
        wanted = list(rv.project.setting("estimate", "methods", ["loglinear"])) + ["chao"]
        methods = [m for m in dict.fromkeys(wanted) if m in available_methods()]
        html = await _in_thread(rv.report_html, methods)
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


async def _person_form(request: Request, person_id: str, action: str):
    """A split or merge form of the person page: CSRF-checked, stored, then the new person."""
    s = await _in_thread(session_of, request)
    if s is None:
        return _login_redirect(request)
    form = await request.form()
    if not auth.same_token(s["csrf"], _form_text(form, "csrf_token")):
        return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
    note = _form_text(form, "note").strip()[:2000] or None
    rv = request.app.state.review
    try:
        if action == "split":
            uids = [u for u in form.getlist("uid") if isinstance(u, str)][:1000]
            out = await _in_thread(clusters.split, rv, s["u"], person_id, uids, note)
            target = out["new_person"]
        elif action == "undo":
            did = _form_text(form, "decision_id")
            if not did.isdigit() or not 0 < int(did) < 2 ** 63:
                return _bad("decision_id must be a decision id (a positive 64-bit integer)")
            out = await _in_thread(rv.undo, s["u"], int(did))
            target = await _in_thread(clusters.person_of, rv, out["uid_l"])
        else:
            other = _form_text(form, "other").strip()[:MAX_UID]
            out = await _in_thread(clusters.merge, rv, s["u"], person_id, other, note)
            target = out["person"]
    except UncountedError as err:
        view = await _in_thread(clusters.person_view, rv, person_id)
        return _render(request, "person.html.j2", status=error_status(err), view=view,
                       person_id=person_id, done="", error=str(err))
    return RedirectResponse(f"/persons/{quote(target or person_id)}?done={action}",
                            status_code=303)


REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


LIMIT_MESSAGES = {
    "user": N_("Too many failed sign-ins for this user; wait a few minutes."),
    "address": N_("Too many failed sign-ins from this address; wait a few minutes."),
    "overall": N_("Too many failed sign-ins on this server just now; wait a minute. Reviewers who "
                  "are signed in can go on working."),
}


async def _slow_down(request: Request, retry_after: int) -> None:
    """Hold a refused sign-in for a while before answering (at most ``refusal_delay`` seconds,
    never past its ``Retry-After``): waiting costs the server nothing, and a flooding client,
    which waits for each answer, sends that much less."""
    import asyncio

    delay = min(float(retry_after), request.app.state.refusal_delay)
    if delay > 0:
        await asyncio.sleep(delay)


def _refused(message: str, retry_after: int) -> HTMLResponse:
    """A small fixed 429 page: the cheapest answer to a sign-in flood."""
    page = (f'<!DOCTYPE html><html lang="{get_language()}"><head><meta charset="utf-8"><title>'
            f'{html.escape(_("Sign in"))} — uncounted</title></head><body><p>'
            f'{html.escape(_(message))}</p><p><a href="/login">{html.escape(_("Sign in"))}</a>'
            '</p></body></html>')
    return HTMLResponse(page, status_code=429, headers={"Retry-After": str(int(retry_after))})


def _form_text(form, name: str) -> str:
    """A text field of a form ('' when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _login_page(request: Request, nxt: str, error: str | None, status: int,
                retry_after: int | None = None):
    signed, token = request.app.state.sessions.new_login_token()
    response = _render(request, "login.html.j2", status=status, next=_safe_next(nxt), error=error,
                       login_token=token)
    if retry_after is not None:
        response.headers["Retry-After"] = str(int(retry_after))
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
        """A decision on a candidate pair of the latest link run."""
        return await _write_decision(request, manual=False)

    @app.post("/api/undo")
    async def undo(request: Request):
        """Undo a decision: a new decision that supersedes it (the audit log keeps both)."""
        s = await _in_thread(session_of, request)
        if s is None:
            return _unauthorised()
        if not auth.same_token(s["csrf"], request.headers.get("x-csrf-token")):
            return _bad("CSRF token missing or wrong", 403)
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return _bad("the body must be a JSON object")
        did = body.get("decision_id") if isinstance(body, dict) else None
        if isinstance(did, bool) or not isinstance(did, int) or not 0 < did < 2 ** 63:
            return _bad("decision_id must be a decision id (a positive 64-bit integer)")
        try:
            out = await _in_thread(request.app.state.review.undo, s["u"], did)
        except UncountedError as err:
            return _bad(str(err), error_status(err))
        return JSONResponse(out, status_code=201)

    @app.post("/api/links")
    async def manual_link(request: Request):
        """A manual link (or un-link) of any two records, with a note: its own audited action."""
        return await _write_decision(request, manual=True)


#: Idempotency keys: what a client may send (a UUID fits easily).
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
MAX_UID = 1000


def _bad(detail: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _write_decision(request: Request, *, manual: bool):
    s = await _in_thread(session_of, request)  # may read the store: not on the event loop
    if s is None:
        return _unauthorised()
    if not auth.same_token(s["csrf"], request.headers.get("x-csrf-token")):
        return _bad("CSRF token missing or wrong", 403)
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        return _bad("Idempotency-Key must be 8-128 letters, digits or '_.:-' (a UUID will do)")
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):  # bad JSON or bad UTF-8; nesting too deep
        return _bad("the body must be a JSON object")
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    fields, problem = _decision_fields(body, manual)
    if problem:
        return _bad(problem)
    try:
        result, replayed = await _in_thread(request.app.state.review.decide, s["u"], **fields,
                                            manual=manual, key=key)
    except UncountedError as err:
        return _bad(str(err), error_status(err))
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(result, status_code=201, headers=headers)


def _decision_fields(body: dict, manual: bool) -> tuple[dict[str, Any], str | None]:
    """The fields of a decision request, type-checked (or the reason they are refused)."""
    out: dict[str, Any] = {}
    for name in ("uid_l", "uid_r", "decision"):
        value = body.get(name)
        if not isinstance(value, str) or not value or len(value) > MAX_UID:
            return out, f"{name} must be a non-empty string of at most {MAX_UID} characters"
        out[name] = value
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return out, "note must be a string or null"
    out["note"] = note
    based_on = body.get("based_on_decision")
    if based_on is not None and (isinstance(based_on, bool) or not isinstance(based_on, int)
                                 or not 0 < based_on < 2 ** 63):
        return out, "based_on_decision must be a decision id (a positive 64-bit integer) or null"
    out["based_on"] = based_on
    if manual and out["decision"] not in ("match", "non-match"):
        return out, "a manual link's decision is match (join) or non-match (keep apart)"
    for name in ("uid_l", "uid_r", "decision", "note"):
        if out[name] is not None and not _encodable(out[name]):
            return out, f"{name} is not valid text (a lone surrogate or a NUL character)"
    return out, None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


async def _in_thread(fn, *args, **kwargs):
    """Run blocking store work off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)
