"""The review UI (``uncounted serve DIR``): FastAPI app, reviewer accounts, decisions, live estimate.

:func:`create_app` builds the app; :class:`~uncounted.web.service.Review` is what it does to the
store; :mod:`uncounted.web.auth` holds accounts, sessions and CSRF.
"""

from .._extras import require_extra

require_extra("web", "uncounted.web")
require_extra("lists", "uncounted.web")
require_extra("report", "uncounted.web")


def create_app(*args, **kwargs):
    """Build the FastAPI app (see :func:`uncounted.web.app.create_app`)."""
    from .app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
