"""Fixtures for the review UI: a filled project with two reviewer accounts."""

from __future__ import annotations

import json

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


#: The fixture's review model: prior probability that two random records match, and the
#: per-comparison weights (log2 Bayes factors) every stored pair gets, as a real link run stores
#: them (``pairs.detail``: comparison levels and weights); the rest of each pair's match weight is
#: what a real run's term-frequency adjustments add.
LAMBDA = 0.01
WEIGHTS = {"surname": -3.0, "given_name": 4.5, "birth_date": 5.0}
GAMMA = {"surname": 0, "given_name": 2, "birth_date": 1}
SAFE_URL = "https://example.org/memorial/1?a=1&b=2"
UNSAFE_URL = "javascript:window.__pwned=2"


def review_model() -> dict:
    """A Splink-shaped model: each comparison's levels, null level first."""
    def comp(name, labels):
        levels = [{"label_for_charts": "null", "is_null_level": True}]
        return {"output_column_name": name,
                "comparison_levels": levels + [{"label_for_charts": x} for x in labels]}

    return {"probability_two_random_records_match": LAMBDA,
            "comparisons": [comp("surname", ["exact", "else"]),
                            comp("given_name", ["exact", "diminutive", "else"]),
                            comp("birth_date", ["within a year", "else"])]}


def enrich_for_review(project_dir) -> tuple[str, str]:
    """Give the fixture what a real run has for review: the model, per-field weights on every
    pair, source links (one safe, one not) and a full-name-only record on the first pair; returns
    the first queued pair (uid_l, uid_r)."""
    from uncounted.project import Project

    with Project.open(project_dir).store() as store, store.transaction():
        con = store.con
        con.execute("UPDATE link_runs SET model_json = ?", [json.dumps(review_model())])
        con.execute("UPDATE pairs SET detail = ?",
                    [json.dumps({"gamma": GAMMA, "weights": WEIGHTS})])
        left, right = con.execute("SELECT uid_l, uid_r FROM pairs WHERE match_probability = 0.55"
                                  ).fetchone()
        con.execute("UPDATE records SET source_url = ? WHERE uid = ?", [SAFE_URL, left])
        # as the importer stores a full name: the raw field, and the parts it parsed from it
        con.execute("UPDATE records SET source_url = ?, full_name_raw = surname_raw || ' ' || "
                    "given_name_raw || ' Lvovich', surname_cyr = surname_raw, given_name_cyr = "
                    "given_name_raw, patronymic_cyr = 'Lvovich', patronymic_key = 'lvovich', "
                    "surname_raw = NULL, given_name_raw = NULL WHERE uid = ?", [UNSAFE_URL, right])
    return left, right


@pytest.fixture
def review_dir(project_dir):
    """The fixture project enriched for the review page (:func:`enrich_for_review`)."""
    enrich_for_review(project_dir)
    return project_dir
