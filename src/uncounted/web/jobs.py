"""Point-and-click estimation behind the review UI: uploads, background jobs, results.

A signed-in user uploads a capture table (the file contract of DESIGN.md, read by
:meth:`~uncounted.mse.table.CaptureTable.from_csv`, whose errors name the row and column) or
picks the project's own (the persons of the latest link run with the decisions in force,
:func:`uncounted.histories.capture_table`). A run of the chosen methods is a :class:`Job` in a
one-worker thread pool, off the request thread: the page polls its progress. The fits are made
once, by :func:`uncounted.mse.api.estimate` with ``errors="row"`` (one failing method becomes its
own not-estimable row), and the page, the CSV/JSON downloads and the HTML report all show those
rows (:func:`uncounted.report.collect.table_data`).

Everything here lives in memory for the server's lifetime (uploaded files in a temporary
folder): uploads and jobs belong to the user who made them and are found only through them; the
project's table is everyone's. A run is idempotent twice over: a form carries a key, and a
second submission with that key gets the first job back; and the same request (source, table
contents, methods, strata, level, seed) while its job is queued, running or done gets that job.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._safe_csv import SafeWriter
from ..exceptions import CaptureTableError, InputError, ProjectError, UncountedError
from ..histories import STRATA, capture_table, flag_missed_links, missed_measure
from ..i18n.labels import model_label
from ..mse.api import estimate
from ..mse.registry import METHODS
from ..mse.table import CaptureTable
from ..report.collect import LOWER_BOUNDS, is_stratum_row, split_strata, table_data

#: The source id of the project's own capture table.
PROJECT = "project"
#: Largest upload accepted (bytes); a capture table with a ``count`` column is far smaller.
MAX_UPLOAD = 8 * 1024 * 1024
#: Stratum columns offered for the project's table (``region_iso`` is ``region`` again).
PROJECT_STRATA = tuple(s for s in STRATA if s != "region_iso")
#: Methods in the order the page lists them.
METHOD_ORDER = ("chao", "lincoln-petersen", "loglinear", "dga", "lcmcr")
MAX_NAME = 120
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class NotFound(LookupError):
    """No such upload or job for this user (another user's looks the same: not found)."""


class Busy(ProjectError):
    """The user already has as many runs waiting or running as allowed."""


@dataclass
class Upload:
    """A capture table a user uploaded: where its file is and what it holds."""

    id: str
    owner: str
    name: str
    path: Path
    lists: list[str]
    strata: list[str]
    rows: int
    observed: int
    size: int
    notes: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)


@dataclass
class Source:
    """What the choose page shows of a table (an upload or the project's)."""

    id: str
    name: str
    lists: list[str]
    strata: list[str]
    observed: int | None
    notes: list[str] = field(default_factory=list)


@dataclass
class Job:
    """One run of the chosen methods on one table, with its progress and results."""

    id: str
    owner: str
    source: str
    source_name: str
    settings: dict[str, Any]
    fingerprint: str
    state: str = "queued"          # queued, running, done, failed
    done: int = 0
    total: int = 0
    label: str = ""
    sampler: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    table_path: Path | None = None
    charts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the project's linkage measure of missed joins (left apart, all), for its own table only
    missed: tuple[int, int] | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def progress(self) -> dict[str, Any]:
        """What the page polls: state, units done of total, what runs now, the sampler's line."""
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                "label": self.label, "sampler": self.sampler, "error": self.error}


class Workshop:
    """Uploads and estimation jobs of one server (see the module docstring).

    Parameters
    ----------
    review
        The server's :class:`~uncounted.web.service.Review` (the project's store and persons).
    workdir
        Folder for uploaded files and the tables of jobs (default: a new temporary folder,
        removed by :meth:`close`).
    active_per_user
        Runs one user may have waiting or running at once.
    uploads_per_user, jobs_kept
        Older uploads of a user, and older finished jobs overall, are forgotten beyond these.
    """

    def __init__(self, review, *, workdir: str | Path | None = None, active_per_user: int = 2,
                 uploads_per_user: int = 20, jobs_kept: int = 200):
        self.review = review
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="uncounted-estimation-"))
        self.active_per_user = active_per_user
        self.uploads_per_user = uploads_per_user
        self.jobs_kept = jobs_kept
        self.lock = threading.Lock()
        self._uploads: dict[str, Upload] = {}
        self._jobs: dict[str, Job] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uncounted-estimate")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ uploads
    def add_upload(self, owner: str, filename: str | None, content: bytes,
                   strata: Sequence[str] = ()) -> Upload:
        """Read ``content`` as a capture table (``strata``: its stratum columns) and keep it.

        A table that breaks the contract raises the reader's
        :class:`~uncounted.exceptions.CaptureTableError` (row, column, value) with the file
        named as the user named it; nothing is kept then.
        """
        name = display_name(filename)
        if len(content) > MAX_UPLOAD:
            raise InputError(f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB",
                             file=name)
        upload_id = secrets.token_urlsafe(12)
        path = self.workdir / f"upload-{upload_id}.csv"
        path.write_bytes(content)
        try:
            table, notes = _read(path, name, strata=list(strata))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        upload = Upload(id=upload_id, owner=owner, name=name, path=path, lists=list(table.lists),
                        strata=list(table.strata_columns), rows=_data_rows(content),
                        observed=table.observed, size=len(content), notes=notes)
        with self.lock:
            self._uploads[upload_id] = upload
            mine = sorted((u for u in self._uploads.values() if u.owner == owner),
                          key=lambda u: u.created)
            for old in mine[:-self.uploads_per_user]:
                self._uploads.pop(old.id, None)
                old.path.unlink(missing_ok=True)
        return upload

    def uploads(self, owner: str) -> list[Upload]:
        """The user's own uploads, newest first."""
        with self.lock:
            return sorted((u for u in self._uploads.values() if u.owner == owner),
                          key=lambda u: -u.created)

    def upload(self, owner: str, upload_id: str) -> Upload:
        with self.lock:
            up = self._uploads.get(upload_id)
        if up is None or up.owner != owner:
            raise NotFound(upload_id)
        return up

    def source(self, owner: str, source_id: str) -> Source:
        """The table ``source_id`` as the choose page shows it (the project's, or an upload)."""
        if source_id == PROJECT:
            cl = self.review.clustering()
            lists = list(cl.lists) if cl is not None else []
            return Source(PROJECT, self.project_name(), lists, list(PROJECT_STRATA),
                          cl.n_persons if cl is not None else None)
        up = self.upload(owner, source_id)
        return Source(up.id, up.name, up.lists, up.strata, up.observed, up.notes)

    def project_name(self) -> str:
        return str(self.review.project.setting("project", "name", self.review.project.root.name))

    def table(self, owner: str, source_id: str, strata: Sequence[str]) -> CaptureTable:
        """The capture table of a source with the chosen stratum columns (the others summed)."""
        if source_id == PROJECT:
            cl = self.review.clustering()
            if cl is None or len(cl.lists) < 2:
                raise ProjectError("the project has no capture table yet: run 'uncounted link' "
                                   "on at least two lists")
            with self.review.lock:
                return capture_table(self.review.store, strata=list(strata) or None, persons=cl)
        up = self.upload(owner, source_id)
        unknown = [s for s in strata if s not in up.strata]
        if unknown:
            raise InputError("is not a stratum column of this table", column=unknown[0],
                             file=up.name)
        table, _ = _read(up.path, up.name, strata=list(strata), lists=up.lists)
        return table

    # ------------------------------------------------------------------ jobs
    def submit(self, owner: str, source_id: str, *, methods: Sequence[str],
               strata: Sequence[str] = (), level: float = 0.95, seed: int = 1,
               key: str | None = None) -> tuple[Job, bool]:
        """Start (or find) the run; returns the job and whether it was already there.

        Raises :class:`NotFound` for a source the user may not see, ``InputError`` for bad
        settings or a key reused for another request, :class:`Busy` when the user already has
        ``active_per_user`` runs waiting or running.
        """
        settings = check_settings(methods, strata, level, seed)
        source = self.source(owner, source_id)
        table = self.table(owner, source_id, settings["strata"])
        fingerprint = hashlib.sha256(json.dumps(
            [source_id, table.input_hash(), settings], sort_keys=True).encode()).hexdigest()
        with self.lock:
            found = self._existing(owner, key, fingerprint)
            if found is not None:
                return found, True
            if sum(j.active for j in self._jobs.values() if j.owner == owner) \
                    >= self.active_per_user:
                raise Busy("you already have runs waiting or running; wait for one to finish")
            job = Job(id=secrets.token_urlsafe(12), owner=owner, source=source_id,
                      source_name=source.name, settings=settings, fingerprint=fingerprint)
            self._jobs[job.id] = job
            if key is not None:
                self._keys[(owner, key)] = job.id
            self._forget_old()
        if source_id == PROJECT:      # the persons' missed joins weigh on its estimates
            with self.review.lock:
                job.missed = missed_measure(self.review.store, self.review.clustering())
        job.table_path = self.workdir / f"job-{job.id}.csv"
        table.to_csv(job.table_path)
        self._pool.submit(self._run, job, table)
        return job, False

    def _existing(self, owner: str, key: str | None, fingerprint: str) -> Job | None:
        if key is not None and (owner, key) in self._keys:
            job = self._jobs.get(self._keys[(owner, key)])
            if job is not None:
                if job.fingerprint != fingerprint:
                    raise InputError("this form was already used for a different run; reload "
                                     "the page to start a new one", column="idempotency_key")
                return job
        for job in self._jobs.values():
            if job.owner == owner and job.fingerprint == fingerprint and job.state != "failed":
                return job
        return None

    def _forget_old(self) -> None:
        done = sorted((j for j in self._jobs.values() if not j.active), key=lambda j: j.created)
        for old in done[:max(0, len(self._jobs) - self.jobs_kept)]:
            self._jobs.pop(old.id, None)
            if old.table_path is not None:
                old.table_path.unlink(missing_ok=True)
        live = set(self._jobs)
        self._keys = {k: v for k, v in self._keys.items() if v in live}

    def job(self, owner: str, job_id: str) -> Job:
        with self.lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound(job_id)
        return job

    def jobs(self, owner: str) -> list[Job]:
        """The user's runs, newest first."""
        with self.lock:
            return sorted((j for j in self._jobs.values() if j.owner == owner),
                          key=lambda j: -j.created)

    def wait(self, job: Job, timeout: float = 60.0) -> Job:
        """Block until ``job`` is done or failed (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while job.active and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def _run(self, job: Job, table: CaptureTable) -> None:
        job.state = "running"

        def tick(done: int, total: int, label: str) -> None:
            job.sampler = None  # a new unit starts: the sampler line was the last one's
            job.done, job.total, job.label = done, total, label

        def sampler(info: dict) -> None:
            job.sampler = {k: info.get(k) for k in (
                "method", "chains", "draws_per_chain", "max_draws_per_chain", "seconds", "rhat",
                "ess_bulk")}

        s = job.settings
        try:
            rows = estimate(table, s["methods"], level=s["level"], seed=s["seed"], progress=tick,
                            sampler_progress=sampler, errors="row")
            if job.missed is not None:    # as `uncounted estimate DIR` and the report do
                rows = flag_missed_links(rows, job.missed)
            job.rows = [label_row(r.to_dict()) for r in rows]
            job.data = report_data(table, job)
            job.state = "done"
        except (UncountedError, ArithmeticError, ValueError, MemoryError) as err:
            job.error, job.state = str(err), "failed"
        except Exception as err:  # noqa: BLE001 - a bug: the page says so instead of spinning
            job.error, job.state = f"{type(err).__name__}: {err}", "failed"
        finally:
            job.sampler = None
            job.finished = time.time()


def check_settings(methods: Sequence[str], strata: Sequence[str], level: float,
                   seed: int) -> dict[str, Any]:
    """The run's settings, checked: known methods (at least one), level in (0.5, 1), seed >= 0."""
    chosen = [m for m in METHOD_ORDER if m in set(methods)]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise InputError("unknown method", column="methods", value=unknown[0])
    if not chosen:
        raise InputError("choose at least one method", column="methods")
    if not (isinstance(level, float) and 0.5 <= level < 1.0):
        raise InputError("the interval level must be between 0.5 and 0.999", column="level",
                         value=level)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
        raise InputError("the seed must be a whole number from 0 to 4294967295", column="seed",
                         value=seed)
    return {"methods": chosen, "strata": list(dict.fromkeys(strata)), "level": level,
            "seed": seed}


def label_row(row: dict[str, Any]) -> dict[str, Any]:
    """A result row with its model, and its top models, written in list names."""
    row["model_label"] = model_label(row.get("model"), row.get("lists") or [])
    row["lower_bound"] = row.get("method") in LOWER_BOUNDS
    for m in (row.get("diagnostics") or {}).get("top_models") or []:
        m["label"] = model_label(m.get("model"), row.get("lists") or [])
    return row


def main_rows(job: Job) -> list[dict[str, Any]]:
    """The side-by-side rows: one per method (the sums over strata for a stratified run)."""
    return [r for r in job.rows if not is_stratum_row(r)]


def stratum_rows(job: Job) -> list[dict[str, Any]]:
    return [r for r in job.rows if is_stratum_row(r)]


def report_data(table: CaptureTable, job: Job) -> dict[str, Any]:
    """The report's data for the job's rows (:func:`uncounted.report.collect.table_data`)."""
    s = job.settings
    main, strata = split_strata(job.rows, s["strata"])
    return table_data(table, main, strata=strata, path=job.table_path,
                      level=s["level"], seed=s["seed"], title=job.source_name,
                      file_name=job.source_name)


CSV_COLUMNS = ["method", "stratum", "model", "observed", "estimate", "lower", "upper", "level",
               "status", "reasons", "reason", "rhat", "ess_bulk", "chains", "seed", "input_hash"]


def results_csv(job: Job) -> str:
    """Every row of the run (strata and sums) as CSV, cells guarded against spreadsheet
    formulas (:mod:`uncounted._safe_csv`)."""
    buf = io.StringIO()
    out = SafeWriter(buf)
    out.writerow(CSV_COLUMNS)
    for r in job.rows:
        g = r.get("diagnostics") or {}
        lo, hi = r.get("interval") or [None, None]
        out.writerow([r["method"], r.get("stratum") or "", r.get("model_label") or "",
                      r["observed"], _cell(r.get("estimate")), _cell(lo), _cell(hi), r["level"],
                      r.get("status") or "", ";".join(x["code"] for x in r.get("reasons") or []),
                      r.get("reason") or "", _cell(g.get("rhat")), _cell(g.get("ess_bulk")),
                      _cell(g.get("chains")), _cell(r.get("seed")), r.get("input_hash") or ""])
    return buf.getvalue()


def results_json(job: Job) -> str:
    """The run as JSON: its table, settings and every row (``Estimate.to_dict()``)."""
    return json.dumps({"source": job.source_name, "settings": job.settings,
                       "input_hash": (job.data or {}).get("reproducibility", {}).get("input_hash"),
                       "estimates": job.rows}, indent=1, ensure_ascii=False, default=str)


def display_name(filename: str | None) -> str:
    """The name an upload is shown by: the file's base name, printable, at most 120 characters
    (only ever shown, autoescaped; never a path)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = _UNPRINTABLE.sub("", base).strip()[:MAX_NAME]
    return base or "upload.csv"


def _read(path: Path, name: str, *, strata: list[str], lists: Sequence[str] | None = None
          ) -> tuple[CaptureTable, list[str]]:
    """Read the CSV at ``path``; errors and warnings name the file as ``name``, not the path."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            table = CaptureTable.from_csv(path, strata=strata or None, lists=lists)
        except CaptureTableError as err:
            message = err.message        # a Msg keeps its template for the page's language
            if str(path) in str(message):
                message = str(message).replace(str(path), name)
            raise CaptureTableError(message, file=name, row=err.row, column=err.column,
                                    value=err.value) from None
    notes = [str(w.message).replace(str(path), name) for w in caught]
    return table, notes


def _data_rows(content: bytes) -> int:
    return max(0, sum(1 for line in content.splitlines() if line.strip()) - 1)


def _cell(x):
    return "" if x is None else x
