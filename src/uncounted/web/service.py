"""What the review UI does to the store, behind one connection and one lock.

DuckDB allows one read-write connection to a file per process, and a connection must not be used
from two threads at once; the web server answers requests on a thread pool. So :class:`Review`
holds the only connection and every use of it goes through ``self.lock``. Work that needs no store
(fitting the live estimate, hashing passwords) happens outside the lock.

Decisions are append-only. Each carries ``based_on_decision``, the decision in force that the
reviewer saw; when that is no longer the latest one (another reviewer decided in between) the new
decision is still recorded, and flagged as a conflict in the answer, the audit log and the queue.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from ..exceptions import InputError, ProjectError
from ..mse.registry import available_methods, make_estimator
from ..project import Project
from ..report import build_report
from ..report import projectdata as pdata
from ..store import Store, now
from .auth import secret_key

DECISIONS = ("match", "non-match", "unsure")
FIELDS = [("surname", "surname_raw"), ("given name", "given_name_raw"),
          ("patronymic", "patronymic_raw"), ("full name", "full_name_raw"),
          ("birth date", "birth_date_raw"), ("death date", "death_date_raw"),
          ("region", "region_raw"), ("region (ISO)", "region_iso"), ("unit", "unit"),
          ("rank", "rank"), ("source", "source_url"), ("notes", "notes")]
MAX_NOTE = 2000


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
    """

    AUTO_LOGLINEAR_MAX_LISTS = 4

    def __init__(self, project: Project, *, live_method: str = "auto"):
        self.project = project
        self.store = Store.open(project.store_path)
        self.lock = threading.RLock()
        self.band = tuple(float(x) for x in project.setting("linkage", "review_band", [0.3, 0.9]))
        self.default_threshold = float(project.setting("linkage", "threshold", 0.9))
        self.level = float(project.setting("estimate", "level", 0.95))
        self.live_method = live_method
        self._cache: dict[str, Any] = {}

    def close(self) -> None:
        with self.lock:
            self.store.close()

    # ------------------------------------------------------------------ reading
    def queue(self, *, limit: int = 200, offset: int = 0, include_decided: bool = False) -> dict:
        """Review-band pairs of the latest run, most uncertain first, with both records."""
        with self.lock:
            con = self.store.con
            run = pdata.latest_run(con)
            if run is None:
                return {"pairs": [], "band": list(self.band), "total": 0, "run_id": None}
            flagged = {(c["uid_l"], c["uid_r"]) for c in pdata.conflicts(con)}
            rows = con.execute(f"""
                WITH latest AS ({pdata.LATEST_DECISIONS})
                SELECT p.uid_l, p.uid_r, p.match_probability, p.match_weight, d.decision_id,
                       d.decision, d.reviewer
                FROM pairs p LEFT JOIN latest d ON d.uid_l = p.uid_l AND d.uid_r = p.uid_r
                WHERE p.run_id = ? AND p.match_probability >= ? AND p.match_probability < ?
                ORDER BY abs(p.match_probability - 0.5), p.uid_l, p.uid_r
            """, [run["run_id"], self.band[0], self.band[1]]).fetchall()
            keep = [r for r in rows if include_decided or r[5] is None or (r[0], r[1]) in flagged]
            page = keep[offset:offset + limit]
            uids = sorted({u for r in page for u in (r[0], r[1])})
            records = self._records(uids)
        pairs = [self._pair_dict(r, records, (r[0], r[1]) in flagged) for r in page]
        return {"pairs": pairs, "band": list(self.band), "total": len(keep), "run_id": run["run_id"]}

    def _records(self, uids: list[str]) -> dict[str, dict]:
        if not uids:
            return {}
        cols = ["uid", "list_name", "record_id"] + [c for _, c in FIELDS]
        cur = self.store.con.execute(
            f"SELECT {', '.join(cols)} FROM records WHERE uid IN (SELECT unnest(?))", [uids])
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}

    @staticmethod
    def _pair_dict(row, records: dict[str, dict], conflict: bool) -> dict[str, Any]:
        uid_l, uid_r, prob, weight, dec_id, decision, reviewer = row
        left, right = records.get(uid_l, {}), records.get(uid_r, {})
        fields = []
        for label, col in FIELDS:
            a, b = left.get(col), right.get(col)
            if a is None and b is None:
                continue
            fields.append({"field": label, "left": a, "right": b, "differs": _norm(a) != _norm(b)})
        return {"uid_l": uid_l, "uid_r": uid_r, "match_probability": prob, "match_weight": weight,
                "list_l": left.get("list_name"), "list_r": right.get("list_name"),
                "fields": fields, "decision_id": dec_id, "decision": decision,
                "reviewer": reviewer, "conflict": conflict}

    def history(self, uid_l: str, uid_r: str) -> list[dict]:
        uid_l, uid_r = sorted((uid_l, uid_r))
        with self.lock:
            return pdata.rows_as_dicts(self.store.con, """
                SELECT decision_id, decision, reviewer, decided_at, note, based_on_decision
                FROM decisions WHERE uid_l = ? AND uid_r = ? ORDER BY decision_id""", [uid_l, uid_r])

    def lists(self) -> list[dict]:
        with self.lock:
            return pdata.rows_as_dicts(self.store.con, """
                SELECT l.list_name, l.description, l.n_records, l.updated_at, i.file_name,
                       i.file_sha256 FROM lists l
                LEFT JOIN imports i ON i.import_id = l.current_import_id ORDER BY l.list_name""")

    def progress(self) -> dict:
        with self.lock:
            return pdata.review_progress(self.store.con, self.band)

    def stored_estimates(self) -> list[dict]:
        with self.lock:
            rows = pdata.rows_as_dicts(self.store.con,
                                       "SELECT payload FROM estimates ORDER BY estimate_id")
        return [x for r in rows for x in (r["payload"] if isinstance(r["payload"], list)
                                          else [r["payload"]])]

    def clustering(self) -> pdata.Clustering:
        """Persons now (decisions overriding the model), cached until the next decision."""
        with self.lock:
            seen = self.store.con.execute(
                "SELECT coalesce(max(decision_id), 0) FROM decisions").fetchone()[0]
            cached = self._cache.get("clustering")
            if cached is not None and cached.decisions_seen == seen:
                return cached
            result = pdata.cluster(self.store.con, default_threshold=self.default_threshold)
            self._cache["clustering"] = result
            return result

    def persons(self, *, page: int = 1, per_page: int = 50, query: str = "") -> dict:
        """Persons with their records, largest first; ``query`` filters by a surname substring."""
        cl = self.clustering()
        import numpy as np

        sizes = np.bincount(cl.label, minlength=cl.n_persons) if cl.n_persons else np.zeros(0, int)
        order = sorted(range(cl.n_persons), key=lambda i: (-int(sizes[i]), i))
        members: dict[int, list[str]] = {}
        for uid, lab in zip(cl.uids.tolist(), cl.label.tolist(), strict=True):
            members.setdefault(lab, []).append(uid)
        if query:
            with self.lock:
                hits = {r[0] for r in self.store.con.execute(
                    "SELECT uid FROM records WHERE contains(lower(coalesce(surname_raw, '') || ' ' || "
                    "coalesce(full_name_raw, '')), lower(?))", [query]).fetchall()}
            order = [i for i in order if any(u in hits for u in members.get(i, []))]
        start = (max(page, 1) - 1) * per_page
        shown = order[start:start + per_page]
        with self.lock:
            recs = self._records(sorted(u for i in shown for u in members[i]))
        people = [{"person": i + 1, "records": [recs[u] for u in members[i] if u in recs]}
                  for i in shown]
        return {"persons": people, "total": len(order), "page": max(page, 1), "per_page": per_page}

    def live_estimate(self) -> dict[str, Any]:
        """The fast estimator on the capture table of the current clustering."""
        cl = self.clustering()
        key = ("estimate", cl.decisions_seen)
        if self._cache.get("estimate_key") == key:
            return self._cache["estimate"]
        k = len(set(cl.lists.tolist()))
        method = self._method_for(k)
        out: dict[str, Any] = {"method": method, "persons": cl.n_persons,
                               "decisions": cl.decisions_seen, "level": self.level}
        try:
            if k < 2:
                raise InputError("fewer than two lists have records")

            est = make_estimator(method, level=self.level, seed=1).fit(cl.capture_table())
            out.update(observed=est.observed, estimate=_num(est.estimate), lower=_num(est.lower),
                       upper=_num(est.upper), model=est.model, estimable=True)
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
               based_on: int | None = None, note: str | None = None) -> dict[str, Any]:
        """Append a decision; never drops one. Returns it with ``conflict``/``stale`` flags."""
        if decision not in DECISIONS:
            raise InputError(f"decision must be one of {', '.join(DECISIONS)}", column="decision",
                             value=decision)
        if not uid_l or not uid_r or uid_l == uid_r:
            raise InputError("a decision needs two different record uids", column="uid_l")
        if note is not None and len(note) > MAX_NOTE:
            raise InputError(f"the note is longer than {MAX_NOTE} characters", column="note")
        uid_l, uid_r = sorted((str(uid_l), str(uid_r)))
        with self.lock:
            con = self.store.con
            known = con.execute("SELECT count(*) FROM records WHERE uid IN (?, ?)",
                                [uid_l, uid_r]).fetchone()[0]
            if known != 2:
                raise ProjectError(f"no such records: {uid_l}, {uid_r}")
            with self.store.transaction():
                prev = con.execute(
                    "SELECT decision_id, decision, reviewer FROM decisions WHERE uid_l = ? AND "
                    "uid_r = ? ORDER BY decision_id DESC LIMIT 1", [uid_l, uid_r]).fetchone()
                new_id = con.execute(
                    "INSERT INTO decisions VALUES (nextval('decision_seq'), ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING decision_id",
                    [uid_l, uid_r, decision, reviewer, now(), note, based_on]).fetchone()[0]
                stale = prev is not None and based_on != prev[0]
                conflict = stale and prev[1] != decision
                detail = {"decision_id": new_id, "decision": decision, "based_on": based_on,
                          "previous": None if prev is None else prev[0], "stale": stale,
                          "conflict": conflict}
                self.store.audit("decision", actor=reviewer, target=f"{uid_l} | {uid_r}",
                                 detail=detail)
        out = {"uid_l": uid_l, "uid_r": uid_r, **detail}
        if stale:
            out["previous_decision"] = prev[1]
            out["previous_reviewer"] = prev[2]
        return out

    def audit(self, action: str, *, actor: str, target: str | None = None,
              detail: dict | None = None) -> None:
        with self.lock, self.store.transaction():
            self.store.audit(action, actor=actor, target=target, detail=detail)

    def report_html(self, methods: list[str]) -> str:
        """The offline report of this project, read through the server's own connection."""
        import contextlib

        @contextlib.contextmanager
        def connection():
            with self.lock:
                yield self.store.con

        return build_report(self.project.root, methods=methods, connection=connection())

    def password_hash(self, username: str) -> str | None:
        """The stored argon2 hash of ``username`` (None for an unknown user)."""
        with self.lock:
            row = self.store.con.execute("SELECT password_hash FROM users WHERE username = ?",
                                         [username]).fetchone()
        return None if row is None else row[0]

    def secret(self, env_value: str | None) -> str:
        with self.lock:
            return secret_key(self.store, env_value)


def _norm(x) -> str:
    return "" if x is None else " ".join(str(x).split()).casefold()


def _num(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)
