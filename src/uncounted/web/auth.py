"""Reviewer accounts, signed session cookies and CSRF tokens for the review UI.

Passwords are stored as argon2id hashes (argon2-cffi) in the store's ``users`` table; adding a user
is audited. A session is a cookie signed with itsdangerous holding the user name, a random session
id and the session's CSRF token; it is HttpOnly and SameSite=Strict, and Secure over https (or when
the server is told it sits behind https). Every state-changing request must carry the CSRF token
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
    """Signs and reads session and pre-login cookies with one secret key.

    A signed cookie alone would stay valid after sign-out; so the server also keeps the ids of
    live sessions in memory, and a cookie counts only while its id is there. Signing out (or
    restarting the server) ends a session for good. Sign-in failures are counted per user name:
    after ``MAX_FAILURES`` within ``FAILURE_WINDOW`` seconds that name is locked for the rest of
    the window.
    """

    MAX_FAILURES = 10
    FAILURE_WINDOW = 300.0

    def __init__(self, secret: str):
        import threading

        from itsdangerous import URLSafeTimedSerializer

        self._session = URLSafeTimedSerializer(secret, salt="uncounted-session")
        self._login = URLSafeTimedSerializer(secret, salt="uncounted-login")
        self._live: set[str] = set()
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def new_session(self, username: str) -> tuple[str, dict[str, Any]]:
        data = {"u": username, "sid": secrets.token_urlsafe(16), "csrf": secrets.token_urlsafe(32)}
        with self._lock:
            self._live.add(data["sid"])
            self._failures.pop(username, None)
        return self._session.dumps(data), data

    def read_session(self, cookie: str | None) -> dict[str, Any] | None:
        data = _loads(self._session, cookie, SESSION_MAX_AGE)
        if not isinstance(data, dict) or data.get("sid") not in self._live:
            return None
        return data

    def end_session(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._live.discard(data.get("sid"))

    def locked_out(self, username: str) -> bool:
        """True while ``username`` has too many recent sign-in failures."""
        import time

        cutoff = time.monotonic() - self.FAILURE_WINDOW
        with self._lock:
            recent = [t for t in self._failures.get(username, []) if t > cutoff]
            self._failures[username] = recent
            return len(recent) >= self.MAX_FAILURES

    def failed(self, username: str) -> None:
        import time

        with self._lock:
            self._failures.setdefault(username, []).append(time.monotonic())

    def new_login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return self._login.dumps(token), token

    def read_login_token(self, cookie: str | None) -> str | None:
        return _loads(self._login, cookie, 3600)


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
