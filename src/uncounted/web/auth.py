"""Reviewer accounts, signed session cookies and CSRF tokens for the review UI.

Passwords are stored as argon2id hashes (argon2-cffi) in the store's ``users`` table; adding a user
is audited. A session is a cookie signed with itsdangerous holding the user name, a random session
id and the session's CSRF token; it is HttpOnly and SameSite=Strict, and Secure over https (or when
the server is told it sits behind https). The session must also be live in the store (so it
survives a restart and can be revoked). Sign-in attempts are counted in the store before the
password is checked (:meth:`uncounted.store.web.LoginAttempts.admit`), and the argon2 work of
checking them is bounded (:class:`HashGate`). Every state-changing request must carry the CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``), compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from ..exceptions import InputError, ProjectError
from ..store import Store

SESSION_COOKIE = "uncounted_session"
LOGIN_COOKIE = "uncounted_login"
SESSION_MAX_AGE = 12 * 3600
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def add_user(store: Store, username: str, password: str, *, role: str = "reviewer",
             actor: str | None = None) -> None:
    """Create a reviewer account (argon2 hash); refuses bad names, short passwords and duplicates."""
    if not USERNAME.match(username or ""):
        raise InputError("user names are 1-64 letters, digits, '_', '.', '@' or '-'",
                         column="NAME", value=username)
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters",
                         column="password")
    if role not in ("reviewer", "admin"):
        raise InputError("role must be reviewer or admin", column="--role", value=role)
    if store.users.exists(username):
        raise ProjectError(f"user {username!r} already exists")
    store.users.add(username, _hasher().hash(password), role=role, actor=actor)


_DUMMY_HASH: list[str] = []


def verify_password(digest: str | None, password: str) -> bool:
    """True when ``password`` matches ``digest``; ``None`` (unknown user) costs the same work."""
    from argon2.exceptions import InvalidHashError, VerificationError

    known = digest is not None
    if not known:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_hasher().hash(secrets.token_hex(16)))
        digest = _DUMMY_HASH[0]
    try:
        _hasher().verify(digest, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return known


class Sessions:
    """Signs and reads session and pre-login cookies; the sessions themselves live in the store.

    A session cookie is signed (itsdangerous) and holds the user name, a random session id and
    the session's CSRF token; it counts only while the store has that session live
    (``store.sessions``): signing out or ``uncounted user revoke`` ends it for good, and a
    restart of the server does not. ``store`` is the object that owns the connection
    (:class:`~uncounted.web.service.Review`).
    """

    def __init__(self, secret: str, store):
        from itsdangerous import URLSafeTimedSerializer

        self._session = URLSafeTimedSerializer(secret, salt="uncounted-session")
        self._login = URLSafeTimedSerializer(secret, salt="uncounted-login")
        self._store = store

    def new_session(self, username: str, *, address: str | None = None
                    ) -> tuple[str, dict[str, Any]]:
        data = {"u": username, "sid": secrets.token_urlsafe(16), "csrf": secrets.token_urlsafe(32)}
        self._store.start_session(data["sid"], username, SESSION_MAX_AGE, address)
        return self._session.dumps(data), data

    def read_session(self, cookie: str | None) -> dict[str, Any] | None:
        data = _loads(self._session, cookie, SESSION_MAX_AGE)
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str)
                                                 for k in ("u", "sid", "csrf")):
            return None
        if not self._store.session_alive(data["sid"], data["u"]):
            return None
        return data

    def end_session(self, data: dict[str, Any]) -> None:
        self._store.end_session(data["sid"], data["u"])

    def new_login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return self._login.dumps(token), token

    def read_login_token(self, cookie: str | None) -> str | None:
        token = _loads(self._login, cookie, 3600)
        return token if isinstance(token, str) else None


class HashGate:
    """Bounds the argon2 work of sign-ins so that a flood of them cannot starve reviewers.

    At most ``slots`` password checks run at once (argon2id is built to take a core's worth of
    memory and time); at most ``queue`` more may wait for a slot. A sign-in that finds the queue
    full is refused at once (HTTP 429 with ``Retry-After``) before any work is done for it.
    Thread-based (the checks run in the server's thread pool), so it works on any event loop.
    """

    def __init__(self, slots: int = 1, queue: int = 8):
        import threading

        self.slots, self.queue = slots, queue
        self._sem = threading.BoundedSemaphore(slots)
        self._count_lock = threading.Lock()
        self._inside = 0
        self.refused = 0

    def enter(self) -> bool:
        """Take a place (running or waiting); False when all ``slots + queue`` are taken."""
        with self._count_lock:
            if self._inside >= self.slots + self.queue:
                self.refused += 1
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._count_lock:
            self._inside -= 1

    def verify(self, digest: str | None, password: str) -> bool:
        """:func:`verify_password` in one of the slots (call between :meth:`enter` and
        :meth:`leave`, off the event loop)."""
        with self._sem:
            return verify_password(digest, password)


def _loads(serializer, cookie, max_age):
    from itsdangerous import BadSignature

    if not cookie:
        return None
    try:
        return serializer.loads(cookie, max_age=max_age)
    except BadSignature:
        return None


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def secret_key(store: Store, env_value: str | None = None) -> str:
    """The signing key: ``$UNCOUNTED_WEB_SECRET`` if set, else one kept in the store's ``meta``."""
    if env_value:
        return env_value
    return store.users.web_secret(secrets.token_urlsafe(48))
