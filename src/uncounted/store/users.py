"""Reviewer accounts and the web UI's signing key."""

from __future__ import annotations

from .base import Queries, now

_SECRET_KEY = "web_secret"


class Users(Queries):
    """``store.users``: accounts of the review UI (passwords only as argon2 hashes)."""

    def exists(self, username: str) -> bool:
        return self._scalar("SELECT count(*) FROM users WHERE username = ?", [username]) == 1

    def add(self, username: str, password_hash: str, *, role: str,
            actor: str | None = None) -> None:
        """Create an account and audit it, in one transaction (the name must be new)."""
        with self._store.transaction():
            self._con.execute("INSERT INTO users VALUES (?, ?, ?, ?)",
                              [username, password_hash, role, now()])
            self._store.audit("user_add", actor=actor, target=username, detail={"role": role})

    def password_hash(self, username: str) -> str | None:
        """The stored hash of ``username`` (None for an unknown user)."""
        return self._scalar("SELECT password_hash FROM users WHERE username = ?", [username])

    def web_secret(self, new: str) -> str:
        """The cookie-signing key kept in the store; ``new`` becomes it when there is none."""
        return self._store.meta(_SECRET_KEY) or self._store.set_meta_once(_SECRET_KEY, new)
