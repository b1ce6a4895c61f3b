"""What the review UI does to the store, behind one connection and one lock.

DuckDB allows one read-write connection to a file per process, and a connection must not be used
from two threads at once; the web server answers requests on a thread pool. So :class:`Review`
holds the only connection and every use of it goes through ``self.lock``. Work that needs no store
(fitting the live estimate, hashing passwords) happens outside the lock.

Decisions are written by the store's one writer (``store.decisions.record``), as the command-line
reviewer's are: append-only, each carrying ``based_on_decision``, the decision in force that the
reviewer saw; when that is no longer the latest one (another reviewer decided in between) the new
decision is still recorded, and flagged as a conflict in the answer, the audit log and the queue.
The persons shown and estimated are the persons of the latest link run with the decisions in force
(:func:`uncounted.histories.current_persons`), the same as in the report and ``uncounted
histories``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, ProjectError
from ..histories import (
    Persons,
    capture_table,
    current_persons,
    flag_missed_links,
    missed_measure,
)
from ..i18n.labels import model_label
from ..linkage.compare import refused_pairs
from ..linkage.review import review_progress
from ..mse.registry import available_methods, make_estimator
from ..project import Project
from ..report import build_report
from ..store import Admission, LoginLimits, RecordedDecision, Store
from .auth import secret_key
from .pairs import RECORD_COLUMNS, pair_view


class Review:
    """The review UI's access to one project store.

    Parameters
    ----------
    project
        The opened project.
    live_method
        Estimator for the live panel (refitted after every decision, so it must be cheap).
        ``"auto"`` (default): log-linear (BIC) for up to four lists when installed, else Chao's
        lower bound.
    limits
        Sign-in limits (:class:`~uncounted.store.web.LoginLimits`; default: its defaults).
    """

    AUTO_LOGLINEAR_MAX_LISTS = 4

    def __init__(self, project: Project, *, live_method: str = "auto",
                 limits: LoginLimits | None = None):
        self.project = project
        self.limits = limits or LoginLimits()
        self.store = Store.open(project.store_path)
        self.lock = threading.RLock()
        self.band = tuple(float(x) for x in project.setting("linkage", "review_band", [0.3, 0.9]))
        self.level = float(project.setting("estimate", "level", 0.95))
        self.live_method = live_method
        self._cache: dict[str, Any] = {}
        self._live: dict[str, tuple[str, float]] = {}
        self._blocked: dict[tuple[str, str | None], float] = {}
        self.store.idempotency.prune()

    def close(self) -> None:
        with self.lock:
            self.store.close()

    # ------------------------------------------------------------------ reading
    def queue(self, *, limit: int = 200, offset: int = 0, include_decided: bool = False) -> dict:
        """Review-band pairs of the latest run, most uncertain first, with both records compared
        (:mod:`.pairs`): aligned fields, the weight chart and why each pair is in the queue."""
        split = self.split_uids()
        with self.lock:
            run_id = self.store.runs.latest_id()
            if run_id is None:
                return {"pairs": [], "band": list(self.band), "total": 0, "run_id": None}
            flagged = {(c["uid_l"], c["uid_r"]) for c in self.store.decisions.conflicts()}
            pairs = self.store.runs.band_pairs(run_id, self.band)
            pairs = pairs.assign(_d=(pairs["match_probability"] - 0.5).abs()).sort_values(
                ["_d", "uid_l", "uid_r"], kind="stable")
            rows = [(r.uid_l, r.uid_r, r.match_probability, r.match_weight,
                     None if _missing(r.decision_id) else int(r.decision_id),
                     None if _missing(r.decision) else r.decision,
                     None if _missing(r.reviewer) else r.reviewer, r.detail)
                    for r in pairs.itertuples(index=False)]
            keep = [r for r in rows if include_decided or r[5] is None or (r[0], r[1]) in flagged]
            page = keep[offset:offset + limit]
            uids = sorted({u for r in page for u in (r[0], r[1])})
            records = self._records(uids)
            model = self.model(run_id)
        refused = refused_pairs(records, [(r[0], r[1]) for r in page])  # one pass for the page
        out = [pair_view(r[:7], records, band=self.band, conflict=(r[0], r[1]) in flagged,
                         split=r[0] in split and r[1] in split, model=model, detail=_json(r[7]),
                         refused=no)
               for r, no in zip(page, refused, strict=True)]
        return {"pairs": out, "band": list(self.band), "total": len(keep), "run_id": run_id}

    def model(self, run_id: int) -> dict | None:
        """The trained Splink model (settings with m and u probabilities) of a link run."""
        key = ("model", run_id)
        if key not in self._cache:
            with self.lock:
                run = self.store.runs.get(run_id)
            self._cache[key] = _json(run.get("model_json")) if run else None
        return self._cache[key]

    def split_uids(self) -> set[str]:
        """Records of components the clustering split on conflicting evidence (issue 18)."""
        cl = self.clustering()
        if cl is None or "split_from" not in cl.frame:
            return set()
        return set(cl.frame.loc[cl.frame["split_from"].notna(), "uid"])

    def _records(self, uids: list[str]) -> dict[str, dict]:
        return self.store.records.by_uid(uids, RECORD_COLUMNS)

    def history(self, uid_l: str, uid_r: str) -> list[dict]:
        with self.lock:
            return self.store.decisions.history(uid_l, uid_r)

    def lists(self) -> list[dict]:
        cols = ["list_name", "description", "n_records", "updated_at", "file_name", "file_sha256"]
        with self.lock:
            return [{c: row[c] for c in cols} for row in self.store.records.lists_overview()]

    def progress(self) -> dict:
        with self.lock:
            return review_progress(self.store, self.band)

    def stored_estimates(self) -> dict | None:
        """The batch of estimates saved by the last ``uncounted estimate DIR`` (or demo) run."""
        with self.lock:
            return self.store.estimates.latest()

    def clustering(self) -> Persons | None:
        """Persons now (decisions overriding the model), cached until the next decision or run;
        None before the first link run (records are not persons yet)."""
        with self.lock:
            key = (self.store.runs.latest_id(), self.store.decisions.last_id())
            if key[0] is None:
                return None
            cached = self._cache.get("persons")
            if cached is not None and self._cache.get("persons_key") == key:
                return cached
            result = current_persons(self.store)
            self._cache["persons"], self._cache["persons_key"] = result, key
            return result

    def persons(self, *, page: int = 1, per_page: int = 50, query: str = "") -> dict:
        """Persons with their records, largest first; ``query`` filters by a surname substring."""
        cl = self.clustering()
        if cl is None:
            return {"persons": [], "total": 0, "page": 1, "per_page": per_page}
        label = cl.labels()
        n = int(label.max()) + 1 if label.size else 0
        sizes = np.bincount(label, minlength=n) if n else np.zeros(0, int)
        order = sorted(range(n), key=lambda i: (-int(sizes[i]), i))
        members: dict[int, list[str]] = {}
        ids: dict[int, str] = {}
        for uid, lab, pid in zip(cl.frame["uid"].tolist(), label.tolist(),
                                 cl.frame["person_id"].tolist(), strict=True):
            members.setdefault(lab, []).append(uid)
            ids[lab] = pid
        if query:
            with self.lock:
                hits = self.store.records.matching_name(query)
            order = [i for i in order if any(u in hits for u in members.get(i, []))]
        start = (max(page, 1) - 1) * per_page
        shown = order[start:start + per_page]
        with self.lock:
            recs = self._records(sorted(u for i in shown for u in members[i]))
        people = [{"person": i + 1, "person_id": ids[i],
                   "records": [recs[u] for u in members[i] if u in recs]}
                  for i in shown]
        return {"persons": people, "total": len(order), "page": max(page, 1), "per_page": per_page}

    def live_estimate(self) -> dict[str, Any]:
        """The fast estimator on the capture table of the current clustering."""
        cl = self.clustering()
        if cl is None:
            return {"method": self.live_method, "persons": 0, "decisions": 0, "level": self.level,
                    "observed": None, "estimate": None, "lower": None, "upper": None,
                    "estimable": False, "reason": "no link run yet: records are not joined into "
                                                  "persons. Run 'uncounted link'."}
        key = ("estimate", cl.run_id, cl.decisions_seen)
        if self._cache.get("estimate_key") == key:
            return self._cache["estimate"]
        k = len(cl.lists)
        method = self._method_for(k)
        out: dict[str, Any] = {"method": method, "persons": cl.n_persons,
                               "decisions": cl.decisions_seen, "level": self.level}
        try:
            if k < 2:
                raise InputError("fewer than two lists have records")
            with self.lock:
                table = capture_table(self.store, persons=cl)
                missed = missed_measure(self.store, cl)

            est = make_estimator(method, level=self.level, seed=1).fit(table)
            est = flag_missed_links([est], missed)[0]      # as `uncounted estimate DIR` does
            out.update(observed=est.observed, estimate=_num(est.estimate), lower=_num(est.lower),
                       upper=_num(est.upper), model=model_label(est.model, est.lists),
                       estimable=True, status=est.status,
                       reasons=[r.to_dict() for r in est.reasons if r.status != "ok"])
        except Exception as err:  # noqa: BLE001 - the panel shows why there is no number
            out.update(observed=cl.n_persons, estimate=None, lower=None, upper=None,
                       estimable=False, reason=str(err))
        self._cache["estimate_key"], self._cache["estimate"] = key, out
        return out

    def _method_for(self, k: int) -> str:
        if self.live_method != "auto":
            return self.live_method

        if "loglinear" in available_methods() and k <= self.AUTO_LOGLINEAR_MAX_LISTS:
            return "loglinear"
        return "chao"

    # ------------------------------------------------------------------ writing
    def decide(self, reviewer: str, uid_l: str, uid_r: str, decision: str, *,
               based_on: int | None = None, note: str | None = None, manual: bool = False,
               key: str | None = None) -> tuple[dict[str, Any], bool]:
        """Append a decision; never drops one. Returns it with ``conflict``/``stale`` flags, and
        whether it is the stored answer to an earlier request with the same ``key``.

        A review decision (``manual=False``) must be on a candidate pair of the latest link run;
        a manual link (``manual=True``) may join any two records but needs a note, and is
        audited as ``manual_link``. With an idempotency ``key`` the decision and its answer are
        stored in one transaction, and a retry with that key gets the answer back without a
        second decision (the same key on a different request is refused).

        Errors are the store writer's: :class:`~uncounted.exceptions.InputError` for a bad
        decision, pair, note or ``based_on`` (HTTP 422), :class:`~uncounted.exceptions.ProjectError`
        for a record that is not in the store or a pair the run did not propose (409).
        """
        endpoint = "links" if manual else "decisions"
        fingerprint = hashlib.sha256(json.dumps(
            [endpoint, uid_l, uid_r, decision, based_on, note]).encode()).hexdigest()
        with self.lock, self.store.transaction():
            if key is not None:
                prior = self.store.idempotency.get(reviewer, key)
                if prior is not None:
                    if (prior.endpoint, prior.fingerprint) != (endpoint, fingerprint):
                        raise InputError("this Idempotency-Key was already used for a different "
                                         "request; use a new key for a new decision",
                                         column="Idempotency-Key", value=key)
                    return prior.response, True
            if manual:
                if not (note or "").strip():
                    raise InputError("a manual link needs a note saying why the two records are "
                                     "one person (or not)", column="note")
                run_id = None
            else:
                run_id = self.store.runs.latest_id()
                if run_id is None:
                    raise ProjectError("no link run yet: there are no candidate pairs to decide")

            def keep(rec: RecordedDecision) -> None:
                if key is not None:
                    self.store.idempotency.put(reviewer, key, endpoint=endpoint,
                                               fingerprint=fingerprint, status=201,
                                               response=_answer(rec))

            rec = self.store.decisions.record(
                uid_l, uid_r, decision, reviewer=reviewer, note=note, based_on=based_on,
                candidate_of=run_id, action="manual_link" if manual else "decision", extra=keep)
        return _answer(rec), False

    def undo(self, reviewer: str, decision_id: int) -> dict[str, Any]:
        """Undo a decision with a new one that supersedes it (``store.decisions.undo``)."""
        with self.lock, self.store.transaction():
            return _answer(self.store.decisions.undo(decision_id, reviewer=reviewer))

    # ------------------------------------------------------------------ sign-in and sessions
    def admit_login(self, username: str, address: str) -> Admission:
        """Count a sign-in attempt before its password is checked, or refuse it (a limit).

        A refusal is remembered until its ``Retry-After`` passes, so that a flood from a locked
        address (or against a locked name, or while the overall limit holds) is refused without
        touching the store; the store stays the only place where attempts are counted.
        """
        refused = self.refused_before(address, username)
        if refused is not None:
            return refused
        with self.lock:
            out = self.store.logins.admit(username, address, self.limits)
            if out.attempt_id is None:
                who = {"user": username, "address": address, "overall": ""}[out.scope]
                self._blocked[(out.scope, who)] = time.monotonic() + out.retry_after
        return out

    def refused_before(self, address: str, username: str | None = None) -> Admission | None:
        """The remembered refusal that still holds for this address (and name), if any."""
        t = time.monotonic()
        for scope, who in (("overall", ""), ("address", address), ("user", username)):
            until = self._blocked.get((scope, who))
            if until is not None and until > t:
                return Admission(None, scope, max(1, math.ceil(until - t)))
        return None

    def login_succeeded(self, attempt_id: int, username: str) -> None:
        with self.lock:
            self.store.logins.succeeded(attempt_id, username)
            self._blocked.pop(("user", username), None)

    # While the server runs it holds the store's only read-write connection, so no one else can
    # end a session meanwhile: sessions known live are remembered (until they expire or are ended
    # here), and the store is read only for a cookie not seen since the start.
    def start_session(self, session_id: str, username: str, max_age: float,
                      address: str | None) -> None:
        with self.lock:
            self.store.sessions.start(session_id, username, max_age=max_age, address=address)
            self._live[session_id] = (username, time.monotonic() + max_age)

    def session_alive(self, session_id: str, username: str) -> bool:
        known = self._live.get(session_id)  # no lock: async routes must not wait for the store
        if known is not None and known[0] == username and known[1] > time.monotonic():
            return True
        with self.lock:
            if not self.store.sessions.alive(session_id, username):
                return False
            remaining = self.store.sessions.seconds_left(session_id)
            self._live[session_id] = (username, time.monotonic() + remaining)
            return True

    def end_session(self, session_id: str, username: str) -> None:
        with self.lock:
            self._live.pop(session_id, None)
            self.store.sessions.end(session_id, actor=username)

    def audit(self, action: str, *, actor: str, target: str | None = None,
              detail: dict | None = None) -> None:
        with self.lock, self.store.transaction():
            self.store.audit(action, actor=actor, target=target, detail=detail)

    def report_html(self, methods: list[str]) -> str:
        """The offline report of this project, read through the server's own store."""

        @contextlib.contextmanager
        def locked():
            with self.lock:
                yield self.store

        return build_report(self.project.root, methods=methods, store=locked())

    def password_hash(self, username: str) -> str | None:
        """The stored argon2 hash of ``username`` (None for an unknown user)."""
        with self.lock:
            return self.store.users.password_hash(username)

    def secret(self, env_value: str | None) -> str:
        with self.lock:
            return secret_key(self.store, env_value)


def _answer(rec: RecordedDecision) -> dict[str, Any]:
    out = {"uid_l": rec.uid_l, "uid_r": rec.uid_r, "decision_id": rec.decision_id,
           "decision": rec.decision, "based_on": rec.based_on, "previous": rec.previous,
           "stale": rec.stale, "conflict": rec.conflict}
    if rec.stale:
        out["previous_decision"] = rec.previous_decision
        out["previous_reviewer"] = rec.previous_reviewer
    return out


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _json(x):
    """A JSON column's value (already parsed by the store, or still text)."""
    if isinstance(x, str):
        try:
            return json.loads(x)
        except ValueError:
            return None
    return x if isinstance(x, dict) else None


def _num(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)
