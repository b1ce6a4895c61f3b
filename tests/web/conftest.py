"""Fixtures for the review UI: a filled project with two reviewer accounts."""

from __future__ import annotations

import pytest

from ..project_fixture import make_project

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def password_hash():
    """One argon2 hash of PASSWORD, made once (``uncounted user add`` is tested on its own).

    Cheap parameters (8 MiB, one pass) so that the tests that check many passwords stay quick on
    a loaded 2-core machine; verification reads the parameters from the hash, so the server's
    code path is the same as with the defaults.
    """
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)


@pytest.fixture
def project_dir(tmp_path, password_hash):
    from uncounted.store import now

    root = tmp_path / "proj"
    project = make_project(root)
    with project.store() as store, store.transaction():
        for user in ("alice", "bob"):
            store.con.execute("INSERT INTO users VALUES (?, ?, 'reviewer', ?)",
                          [user, password_hash, now()])
    return root


def sign_in(client, user: str = "alice", password: str = PASSWORD):
    """Sign in through the form like a browser; returns the session's CSRF token."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": user, "password": password, "csrf_token": token,
                                    "next": "/review"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    review = client.get("/review")
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', review.text).group(1)
