"""Routes of point-and-click estimation in the review UI (``/estimation``).

Pages: ``/estimation`` (upload a capture table, or pick the project's; the user's runs),
``/estimation/tables/{source}`` (choose methods, strata, level, seed), ``/estimation/jobs/{id}``
(progress while it runs, then every estimator side by side with its status, reasons,
diagnostics and the report's charts) and its downloads (``results.csv``, ``results.json``,
``report.html``, ``table.csv``); ``/api/estimation/jobs/{id}`` is the progress the job page polls.
The work is :class:`~uncounted.web.jobs.Workshop`'s; this module reads forms, checks the session
and its CSRF token, and renders. Every page is in the request's language (``?lang=ru|en``, kept
in a cookie; else the browser's ``Accept-Language``; else the server's locale).
"""

from __future__ import annotations

import base64
import secrets
import threading
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from ..exceptions import InputError, UncountedError
from ..i18n import (
    N_,
    _,
    format_number,
    get_language,
    ngettext,
    using,
)
from ..i18n.errors import describe, say
from ..report.charts import chart_text, render_all
from ..report.render import environment, method_name, render_html
from . import auth
from .jobs import (
    MAX_UPLOAD,
    METHOD_ORDER,
    PROJECT,
    Busy,
    Job,
    NotFound,
    Workshop,
    main_rows,
    results_csv,
    results_json,
    stratum_rows,
)
from .requests import session_of
from .routes import REPORT_CSP

#: Largest request body of the upload form: the file plus the multipart framing and fields.
UPLOAD_BODY = MAX_UPLOAD + 64 * 1024
#: Request paths allowed a larger body than the server's default (see ``app.BodyLimit``).
BODY_LIMITS = {"/estimation/upload": UPLOAD_BODY}
LEVELS = (0.8, 0.9, 0.95, 0.99)

#: What each method is, in a sentence the choose page shows beside its checkbox.
METHOD_NOTES = {
    "chao": N_("A lower bound from the people caught once and twice. It holds when some people "
               "are harder to catch than others, but it is not an estimate of the total."),
    "lincoln-petersen": N_("Two lists only (Chapman's form). Assumes the lists are independent "
                           "and everyone equally likely to be caught."),
    "loglinear": N_("Log-linear models of how the lists depend on each other, chosen by an "
                    "information criterion. Fast."),
    "dga": N_("Bayesian averaging over models of list dependence (decomposable graphs). Three "
              "to five lists; seconds."),
    "lcmcr": N_("Bayesian latent-class model: people differ in how catchable they are. The "
                "most robust here, and the slowest (a minute or more on many lists)."),
}

#: A run's state in words.
STATE_WORDS = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"),
               "failed": N_("failed")}

_CHARTS_LOCK = threading.Lock()  # matplotlib's pyplot is not thread-safe


def register_estimation(app) -> None:
    """Add the estimation pages and API to ``app`` (a :func:`~uncounted.web.app.create_app`)."""
    app.state.workshop = Workshop(app.state.review)
    register_pages(app)
    register_downloads(app)


# ---------------------------------------------------------------------- language and rendering
def lang_of(request: Request) -> str:
    """The request's language, as the app's :class:`~uncounted.web.lang.Language` middleware
    chose it (``?lang=``, kept in a cookie; the cookie; ``Accept-Language``; the server's
    locale)."""
    return get_language()


def _env(app):
    """The app's Jinja environment with gettext (``_``, ``ngettext``) following the current
    language of :mod:`uncounted.i18n`: an overlay, so filters the app adds are shared."""
    env = getattr(app.state, "estimation_env", None)
    if env is None:
        env = app.state.templates.env.overlay(extensions=["jinja2.ext.i18n"])
        env.globals = dict(env.globals)  # the overlay's own, not the app's
        env.install_gettext_callables(gettext=lambda s: _(s), ngettext=ngettext, newstyle=True)
        env.filters = dict(env.filters)
        env.filters["num"] = lambda x, digits=0: format_number(x, digits)
        env.globals.update(method_name=method_name, method_note=lambda m: _(METHOD_NOTES[m]),
                           state_word=lambda st: _(STATE_WORDS.get(st, st)))
        app.state.estimation_env = env
    return env


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    s = session_of(request)
    lang = lang_of(request)
    context.update(user=s and s["u"], csrf=s and s["csrf"])
    with using(lang):
        page = _env(request.app).get_template(name).render(request=request, **context)
    return HTMLResponse(page, status_code=status)


def error_text(err: UncountedError) -> str:
    """An error for the page: where (row, column) in the user's language, then what."""
    if not isinstance(err, InputError):
        return describe(err)
    where = []
    if err.row is not None:
        where.append(_("row %(row)s") % {"row": err.row})
    if err.column is not None:
        where.append(_("column “%(column)s”") % {"column": err.column})
    return (", ".join(where) + ": " if where else "") + say(err.message)


def _login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def _signed_in(request: Request):
    return await run_in_threadpool(session_of, request)


# ---------------------------------------------------------------------- pages
def register_pages(app) -> None:
    @app.get("/estimation")
    async def sources_page(request: Request):
        s = await _signed_in(request)
        if s is None:
            return _login_redirect(request)
        return await run_in_threadpool(_sources, request, s["u"])

    @app.post("/estimation/upload")
    async def upload(request: Request):
        s = await _signed_in(request)
        if s is None:
            return _login_redirect(request)
        with using(lang_of(request)):  # the messages made here are in the page's language
            return await _receive(request, s)

    @app.get("/estimation/tables/{source_id}")
    async def choose_page(request: Request, source_id: str):
        s = await _signed_in(request)
        if s is None:
            return _login_redirect(request)
        return await run_in_threadpool(_choose, request, s["u"], source_id)

    @app.post("/estimation/run")
    async def run(request: Request):
        s = await _signed_in(request)
        if s is None:
            return _login_redirect(request)
        form = await request.form(max_files=0, max_fields=40)
        if not auth.same_token(s["csrf"], _text(form, "csrf_token")):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        return await run_in_threadpool(_start, request, s["u"], form)

    @app.get("/estimation/jobs/{job_id}")
    async def job_page(request: Request, job_id: str):
        s = await _signed_in(request)
        if s is None:
            return _login_redirect(request)
        return await run_in_threadpool(_job_page, request, s["u"], job_id)

    @app.get("/api/estimation/jobs/{job_id}")
    async def job_progress(request: Request, job_id: str):
        s = await _signed_in(request)
        if s is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        try:
            job = request.app.state.workshop.job(s["u"], job_id)
        except NotFound:
            return JSONResponse({"detail": "no such run"}, status_code=404)
        with using(lang_of(request)):
            return {**job.progress(), "text": progress_text(job)}


async def _receive(request: Request, s: dict[str, Any]) -> Response:
    """Read the upload form and keep the table, or say what is wrong with it."""
    async with request.form(max_files=1, max_fields=10) as form:
        if not auth.same_token(s["csrf"], _text(form, "csrf_token")):
            return JSONResponse({"detail": "CSRF token missing or wrong"}, status_code=403)
        file = form.get("file")
        if file is None or isinstance(file, str) or not file.filename:
            return _sources(request, s["u"], error=_("Choose a CSV file to upload."),
                            status=422)
        content = await file.read(MAX_UPLOAD + 1)
        filename = file.filename
        strata = [c.strip() for c in _text(form, "strata").split(",") if c.strip()]
    if len(content) > MAX_UPLOAD:
        return _sources(request, s["u"], status=413, error=_(
            "The file is larger than %(mb)s MB. Add a count column (one row per capture "
            "pattern) to make it smaller.") % {"mb": MAX_UPLOAD // (1024 * 1024)})
    workshop: Workshop = request.app.state.workshop
    try:
        up = await run_in_threadpool(workshop.add_upload, s["u"], filename, content, strata)
    except InputError as err:
        return await run_in_threadpool(_sources, request, s["u"], status=422,
                                       rejected=err.file or filename, error=error_text(err))
    return RedirectResponse(f"/estimation/tables/{up.id}", status_code=303)


def _text(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _sources(request: Request, user: str, *, error: str | None = None,
             rejected: str | None = None, status: int = 200) -> HTMLResponse:
    workshop: Workshop = request.app.state.workshop
    try:
        project = workshop.source(user, PROJECT)
    except UncountedError:
        project = None
    return _page(request, "estimation.html.j2", status=status, project=project,
                 uploads=workshop.uploads(user), jobs=workshop.jobs(user), error=error,
                 rejected=rejected, max_mb=MAX_UPLOAD // (1024 * 1024))


def _choose(request: Request, user: str, source_id: str, *, error: str | None = None,
            status: int = 200, chosen: dict[str, Any] | None = None) -> HTMLResponse:
    try:
        source = request.app.state.workshop.source(user, source_id)
    except NotFound:
        return _page(request, "estimation_missing.html.j2", status=404)
    k = len(source.lists)
    default = {"methods": [m for m in ("chao", "loglinear") if k >= 2]
               + (["lincoln-petersen"] if k == 2 else []) + (["dga"] if 3 <= k <= 5 else []),
               "strata": [], "level": 0.95, "seed": 1}
    return _page(request, "estimation_choose.html.j2", status=status, source=source,
                 methods=METHOD_ORDER, levels=LEVELS, chosen=chosen or default, error=error,
                 key=secrets.token_urlsafe(18))


def _start(request: Request, user: str, form) -> Response:
    with using(lang_of(request)):  # the messages made here are in the page's language
        return _submit(request, user, form)


def _submit(request: Request, user: str, form) -> Response:
    source_id = _text(form, "source")
    chosen = {"methods": [m for m in form.getlist("methods") if isinstance(m, str)],
              "strata": [c for c in form.getlist("strata") if isinstance(c, str)]}
    key = _text(form, "idempotency_key") or None
    try:
        chosen["level"] = float(_text(form, "level") or "0.95")
        chosen["seed"] = int(_text(form, "seed") or "1")
    except ValueError:
        return _choose(request, user, source_id, status=422, chosen=None,
                       error=_("The level and the seed must be numbers."))
    workshop: Workshop = request.app.state.workshop
    try:
        job, _replayed = workshop.submit(user, source_id, key=key, **chosen)
    except NotFound:
        return _page(request, "estimation_missing.html.j2", status=404)
    except Busy:
        return _choose(request, user, source_id, status=429, chosen=chosen, error=_(
            "You already have runs waiting or running; wait for one of them to finish."))
    except UncountedError as err:
        return _choose(request, user, source_id, status=422, chosen=chosen,
                       error=error_text(err))
    return RedirectResponse(f"/estimation/jobs/{job.id}", status_code=303)


def _job_page(request: Request, user: str, job_id: str) -> HTMLResponse:
    try:
        job = request.app.state.workshop.job(user, job_id)
    except NotFound:
        return _page(request, "estimation_missing.html.j2", status=404)
    lang = lang_of(request)
    parts = charts = None
    if job.state == "done":
        parts = report_parts(job, lang)
        charts = chart_images(job, lang)
    with using(lang):
        text = progress_text(job)
    return _page(request, "estimation_job.html.j2", job=job, parts=parts, charts=charts,
                 progress=text, rows=main_rows(job))


def progress_text(job: Job) -> str:
    """Where a run is, in a sentence in the current language."""
    if job.state == "queued":
        return _("Waiting for the runs before it to finish.")
    if job.state == "failed":
        return _("The run failed: %(error)s") % {"error": job.error}
    if job.state == "done":
        return _("Done.")
    if job.total and job.done >= job.total:
        return _("Every estimate is made; preparing the results.")
    what = job.label or "…"
    text = _("Fitting %(what)s: %(done)s of %(total)s steps done.") % {
        "what": what, "done": job.done, "total": job.total or "?"}
    smp = job.sampler
    if smp and not smp.get("draws_per_chain"):
        text += " " + _("Sampler: %(chains)s chains, burning in (no draws kept yet).") % {
            "chains": smp.get("chains")}
    elif smp:
        text += " " + _("Sampler: %(chains)s chains, %(draws)s of at most %(cap)s draws each, "
                        "R-hat %(rhat)s, ESS %(ess)s.") % {
            "chains": smp.get("chains"), "draws": format_number(smp.get("draws_per_chain")),
            "cap": format_number(smp.get("max_draws_per_chain")),
            "rhat": format_number(smp.get("rhat"), 3), "ess": format_number(smp.get("ess_bulk"))}
    return text


# ---------------------------------------------------------------------- results
def report_parts(job: Job, lang: str) -> dict[str, Any]:
    """The report's own headline, estimates table and diagnostics for the job's rows (the same
    templates as :func:`uncounted.report.build_report`, so the same words and colours)."""
    env = environment(lang)
    d = job.data
    with using(lang):
        def part(name, **kw):
            return Markup(env.get_template(name).render(d=d, **kw))

        out = {"headline": part("_headline.html.j2"),
               "estimates": part("_estimates_table.html.j2", rows=main_rows(job)),
               "diagnostics": part("_diagnostics.html.j2")}
        per = stratum_rows(job)
        out["strata"] = part("_estimates_table.html.j2", rows=per) if per else None
    return out


def chart_svgs(job: Job, lang: str) -> dict[str, str]:
    """The report's charts of the job's data in ``lang`` (SVG markup), made once per language."""
    with _CHARTS_LOCK:
        if lang not in job.charts:
            with using(lang):
                job.charts[lang] = render_all(job.data)
        return job.charts[lang]


def chart_images(job: Job, lang: str) -> list[dict[str, str]]:
    """Each chart as an ``<img>`` source (a data URI: its own styles, allowed by the page's
    Content-Security-Policy) with its title and description."""
    out = []
    with using(lang):
        for name, svg in chart_svgs(job, lang).items():
            text = chart_text(name)
            uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            out.append({"name": name, "src": uri, "title": text["title"], "desc": text["desc"]})
    return out


def register_downloads(app) -> None:
    def finished(request: Request, job_id: str) -> Job | Response:
        s = session_of(request)
        if s is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        try:
            job = request.app.state.workshop.job(s["u"], job_id)
        except NotFound:
            return JSONResponse({"detail": "no such run"}, status_code=404)
        if job.state != "done":
            return JSONResponse({"detail": "the run has not finished"}, status_code=409)
        return job

    def attachment(body: str, media: str, name: str, **headers: str) -> Response:
        return Response(body, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}"', **headers})

    def download(request: Request, job_id: str, make) -> Response:
        """``make(job)`` of a finished run of the signed-in user, or the page's refusal."""
        job = finished(request, job_id)
        return job if isinstance(job, Response) else make(job)

    @app.get("/estimation/jobs/{job_id}/results.csv")
    def download_csv(request: Request, job_id: str):
        return download(request, job_id, lambda job: attachment(
            results_csv(job), "text/csv; charset=utf-8", f"uncounted-estimates-{job.id}.csv"))

    @app.get("/estimation/jobs/{job_id}/results.json")
    def download_json(request: Request, job_id: str):
        return download(request, job_id, lambda job: attachment(
            results_json(job), "application/json", f"uncounted-estimates-{job.id}.json"))

    @app.get("/estimation/jobs/{job_id}/table.csv")
    def download_table(request: Request, job_id: str):
        return download(request, job_id, lambda job: attachment(
            job.table_path.read_text(encoding="utf-8"), "text/csv; charset=utf-8",
            f"uncounted-table-{job.id}.csv"))

    @app.get("/estimation/jobs/{job_id}/report.html")
    def download_report(request: Request, job_id: str):
        def report(job):
            lang = lang_of(request)
            page = render_html(job.data, chart_svgs(job, lang), lang=lang)
            return attachment(page, "text/html; charset=utf-8", f"uncounted-report-{job.id}.html",
                              **{"Content-Security-Policy": REPORT_CSP})
        return download(request, job_id, report)
