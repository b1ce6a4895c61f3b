"""What the routes read from a request: the signed-in session, cookie security, error status."""

from __future__ import annotations

from typing import Any

from ..exceptions import InputError, UncountedError
from . import auth


def session_of(request) -> dict[str, Any] | None:
    """The signed-in session of ``request`` (user ``u``, ``csrf`` token), or None."""
    return request.app.state.sessions.read_session(request.cookies.get(auth.SESSION_COOKIE))


def cookie_secure(request) -> bool:
    """Mark cookies Secure: when configured so, or when the request came over https."""
    return bool(request.app.state.secure_cookies) or request.url.scheme == "https"


def error_status(err: UncountedError) -> int:
    """422 for bad input, 409 for a state the request cannot apply to."""
    return 422 if isinstance(err, InputError) else 409


def client_address(request) -> str:
    """The client's address (the proxy's X-Forwarded-For when uvicorn was told to trust it)."""
    return request.client.host if request.client and request.client.host else "unknown"
