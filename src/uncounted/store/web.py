"""What the review server keeps in the store: sessions, sign-in attempts, idempotency keys.

Keeping them in the store (not in the server's memory) means a session survives a restart and
can be revoked (``uncounted user revoke``), the sign-in limits hold across a restart, and a POST
retried after a crash is still stored once.

``store.sessions``  (:class:`WebSessions`)
    One row per sign-in, keyed by the SHA-256 of the session id the signed cookie carries (the
    store alone does not give anyone a session). A session counts while it has not ended and has
    not expired.
``store.logins``  (:class:`LoginAttempts`)
    :meth:`LoginAttempts.admit` counts an attempt *before* its password is checked, in one
    transaction with the check of the limits, so parallel attempts cannot all pass a check made
    before any of them was counted. A right password deletes its own attempt and the user's
    earlier failures; what stays are failures.
``store.idempotency``  (:class:`IdempotencyKeys`)
    The first answer to a POST that carried an ``Idempotency-Key``, written in the transaction
    of the change it acknowledges; a retry with the same key gets that answer back.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .base import Queries, now

#: Idempotency keys are kept this long (a client retries within minutes, not days).
IDEMPOTENCY_TTL = timedelta(days=1)


def session_hash(session_id: str) -> str:
    """What the store keeps of a session id."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class WebSessions(Queries):
    """``store.sessions``: signed-in sessions of the review UI."""

    def start(self, session_id: str, username: str, *, max_age: float,
              address: str | None = None) -> None:
        """Record a new session and audit the sign-in, in one transaction."""
        t = now()
        with self._store.transaction():
            self._con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, NULL, NULL)",
                              [session_hash(session_id), username, t,
                               t + timedelta(seconds=max_age)])
            self._store.audit("login", actor=username, target="web",
                              detail={"address": address})

    def alive(self, session_id: str, username: str) -> bool:
        """True while the session exists for ``username``, has not ended and has not expired."""
        return self._scalar(
            "SELECT count(*) FROM web_sessions WHERE session_hash = ? AND username = ? AND "
            "ended_at IS NULL AND expires_at > ?", [session_hash(session_id), username, now()]) == 1

    def seconds_left(self, session_id: str) -> float:
        """Seconds until the session expires (0 when unknown or past)."""
        left = self._scalar("SELECT expires_at FROM web_sessions WHERE session_hash = ?",
                            [session_hash(session_id)])
        return 0.0 if left is None else max(0.0, (left - now()).total_seconds())

    def end(self, session_id: str, *, actor: str) -> None:
        """Sign out: end one session and audit it."""
        with self._store.transaction():
            self._con.execute("UPDATE web_sessions SET ended_at = ?, ended_by = 'logout' "
                              "WHERE session_hash = ? AND ended_at IS NULL",
                              [now(), session_hash(session_id)])
            self._store.audit("logout", actor=actor, target="web")

    def revoke(self, username: str, *, actor: str | None = None) -> int:
        """End every live session of ``username``; returns how many; audited."""
        t = now()
        with self._store.transaction():
            n = int(self._scalar("SELECT count(*) FROM web_sessions WHERE username = ? AND "
                                 "ended_at IS NULL AND expires_at > ?", [username, t]))
            self._con.execute("UPDATE web_sessions SET ended_at = ?, ended_by = 'revoked' "
                              "WHERE username = ? AND ended_at IS NULL", [t, username])
            self._store.audit("sessions_revoked", actor=actor, target=username,
                              detail={"sessions": n})
        return n

    def live_count(self, username: str | None = None) -> int:
        """Live sessions (of one user, or of all)."""
        return int(self._scalar(
            "SELECT count(*) FROM web_sessions WHERE ended_at IS NULL AND expires_at > ? AND "
            "(? IS NULL OR username = ?)", [now(), username, username]))


@dataclass(frozen=True)
class LoginLimits:
    """How many sign-in failures are allowed (defaults of the review server).

    ``per_user`` failures of one user name within ``window`` seconds lock that name;
    ``per_address`` failures from one client address within ``window`` lock that address;
    ``overall`` failures from anyone within ``overall_window`` seconds stop all sign-ins (signed-in
    reviewers are not affected) until the window moves on.
    """

    per_user: int = 10
    per_address: int = 30
    overall: int = 120
    window: float = 300.0
    overall_window: float = 60.0


@dataclass(frozen=True)
class Admission:
    """The verdict of :meth:`LoginAttempts.admit`: an ``attempt_id`` to check the password
    under, or the limit that refused it (``scope``: user, address or overall) and the seconds
    until it frees (``retry_after``)."""

    attempt_id: int | None
    scope: str | None = None
    retry_after: int = 0


class LoginAttempts(Queries):
    """``store.logins``: sign-in attempts, counted before the password is checked."""

    def admit(self, username: str, address: str, limits: LoginLimits) -> Admission:
        """Check the limits and count this attempt, in one transaction (the caller serialises
        calls on its connection). Old attempts are dropped on the way."""
        t = now()
        since = t - timedelta(seconds=limits.window)
        since_all = t - timedelta(seconds=limits.overall_window)
        with self._store.transaction():
            self._con.execute("DELETE FROM login_attempts WHERE attempted_at < ?",
                              [min(since, since_all)])
            checks = [("user", "username = ?", [username], since, limits.per_user,
                       limits.window),
                      ("address", "address = ?", [address], since, limits.per_address,
                       limits.window),
                      ("overall", "TRUE", [], since_all, limits.overall, limits.overall_window)]
            for scope, where, params, cutoff, limit, window in checks:
                n, oldest = self._row(
                    f"SELECT count(*), min(attempted_at) FROM login_attempts WHERE {where} "
                    "AND attempted_at >= ?", [*params, cutoff])
                if n >= limit:
                    wait = (oldest + timedelta(seconds=window) - t).total_seconds()
                    return Admission(None, scope, max(1, math.ceil(wait)))
            attempt = int(self._scalar(
                "INSERT INTO login_attempts VALUES (nextval('login_attempt_seq'), ?, ?, ?) "
                "RETURNING attempt_id", [username, address, t]))
        return Admission(attempt)

    def succeeded(self, attempt_id: int, username: str) -> None:
        """A right password: forget this attempt and the user's earlier failures."""
        with self._store.transaction():
            self._con.execute("DELETE FROM login_attempts WHERE attempt_id = ? OR username = ?",
                              [attempt_id, username])

    def failures(self, *, username: str | None = None, address: str | None = None) -> int:
        """Attempts counted now (all, or of one user name or address)."""
        return int(self._scalar(
            "SELECT count(*) FROM login_attempts WHERE (? IS NULL OR username = ?) AND "
            "(? IS NULL OR address = ?)", [username, username, address, address]))


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a request with an idempotency key."""

    endpoint: str
    fingerprint: str
    status: int
    response: dict[str, Any]


class IdempotencyKeys(Queries):
    """``store.idempotency``: the first answer to each POST that carried an Idempotency-Key."""

    def get(self, username: str, key: str) -> StoredAnswer | None:
        row = self._row("SELECT endpoint, fingerprint, status, response FROM idempotency_keys "
                        "WHERE username = ? AND idem_key = ? AND created_at > ?",
                        [username, key, now() - IDEMPOTENCY_TTL])
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], int(row[2]), json.loads(row[3]))

    def put(self, username: str, key: str, *, endpoint: str, fingerprint: str, status: int,
            response: dict[str, Any]) -> None:
        """Keep an answer (call inside the transaction of the change it acknowledges)."""
        with self._store.transaction():  # OR REPLACE: an expired answer under the same key
            self._con.execute("INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
                              [username, key, endpoint, fingerprint, status,
                               json.dumps(response, ensure_ascii=False, default=str), now()])

    def prune(self) -> int:
        """Drop answers older than :data:`IDEMPOTENCY_TTL` (the server does it when it starts)."""
        with self._store.transaction():
            cutoff = now() - IDEMPOTENCY_TTL
            n = int(self._scalar("SELECT count(*) FROM idempotency_keys WHERE created_at <= ?",
                                 [cutoff]))
            self._con.execute("DELETE FROM idempotency_keys WHERE created_at <= ?", [cutoff])
        return n

    def count(self) -> int:
        return int(self._scalar("SELECT count(*) FROM idempotency_keys"))

