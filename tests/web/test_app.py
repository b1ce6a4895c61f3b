"""The review UI through Starlette's test client: auth, CSRF, decisions, conflicts, live estimate."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from uncounted.mse import CaptureTable
from uncounted.mse.registry import make_estimator
from uncounted.project import Project
from uncounted.web import create_app

from ..project_fixture import OBSERVED_AFTER, OBSERVED_BEFORE, XSS, make_project
from .conftest import sign_in


@pytest.fixture
def client(project_dir):
    with TestClient(create_app(project_dir, secret="test-secret"), base_url="http://127.0.0.1") as c:
        yield c


def test_api_refuses_without_session(client):
    r = client.post("/api/decisions", json={"uid_l": "A/1", "uid_r": "B/1", "decision": "match"})
    assert r.status_code == 401
    assert client.get("/api/queue").status_code == 401
    assert client.get("/api/estimate").status_code == 401
    page = client.get("/review", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_wrong_password_and_forged_login_form(client):
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = client.post("/login", data={"username": "alice", "password": "nope-nope",
                                      "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 401 and "wrong password" in bad.text
    forged = client.post("/login", data={"username": "alice", "password": "x" * 9,
                                         "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "uncounted_session" not in client.cookies


def test_session_cookie_flags(client):
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "alice", "password": "correct horse battery",
                                    "csrf_token": token}, follow_redirects=False)
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("uncounted_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain http on loopback; https or --secure-cookies sets it
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_secure_flag_when_asked(project_dir):
    import re

    app = create_app(project_dir, secret="s", secure_cookies=True)
    with TestClient(app, base_url="https://127.0.0.1") as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        r = c.post("/login", data={"username": "bob", "password": "correct horse battery",
                                   "csrf_token": token}, follow_redirects=False)
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("uncounted_session="))
    assert "Secure" in cookie


def test_decision_needs_csrf_token(client):
    sign_in(client)
    r = client.post("/api/decisions", json={"uid_l": "A/1", "uid_r": "B/1", "decision": "match"})
    assert r.status_code == 403
    r = client.post("/api/decisions", json={"uid_l": "A/1", "uid_r": "B/1", "decision": "match"},
                    headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403


def test_queue_decide_and_live_estimate(client, project_dir):
    csrf = sign_in(client)
    q = client.get("/api/queue").json()
    probs = [p["match_probability"] for p in q["pairs"]]
    assert probs == [0.55, 0.60, 0.65, 0.30, 0.85]  # most uncertain first
    first = q["pairs"][0]
    states = {f["key"]: f["state"] for f in first["fields"]}
    # the <script> surname against Alekseev differs; given name, birth year and region agree
    assert states["surname"] == "differs"
    assert states["given_name"] == states["birth_date"] == states["region"] == "equal"
    assert "In the review band" in first["reasons"][0]
    before = client.get("/api/estimate").json()
    assert before["observed"] == OBSERVED_BEFORE and before["decisions"] == 0
    for p in q["pairs"][:3]:
        r = client.post("/api/decisions", headers={"X-CSRF-Token": csrf},
                        json={"uid_l": p["uid_r"], "uid_r": p["uid_l"], "decision": "match",
                              "based_on_decision": None})
        assert r.status_code == 201 and r.json()["conflict"] is False
    after = client.get("/api/estimate").json()
    assert after["observed"] == OBSERVED_AFTER and after["decisions"] == 3
    # the same numbers from the true table A 10, B 8, C 6, AB 5, AC 4, BC 3, ABC 2, fitted directly
    table = CaptureTable.from_counts({"100": 10, "010": 8, "001": 6, "110": 5, "101": 4, "011": 3,
                                      "111": 2}, ["A", "B", "C"])
    assert after["method"] in ("loglinear", "chao")  # auto: loglinear for 3 lists when installed
    direct = make_estimator(after["method"], level=0.95, seed=1).fit(table)
    assert after["estimate"] == pytest.approx(direct.estimate)
    assert (after["lower"], after["upper"]) == pytest.approx((direct.lower, direct.upper))
    assert [p["uid_l"] for p in client.get("/api/queue").json()["pairs"]] == \
        [p["uid_l"] for p in q["pairs"][3:]]
    rows = client.get("/api/decisions", params={"uid_l": first["uid_l"],
                                                "uid_r": first["uid_r"]}).json()["decisions"]
    assert [(r["decision"], r["reviewer"]) for r in rows] == [("match", "alice")]


def test_concurrent_decisions_are_kept_and_flagged(project_dir):
    app = create_app(project_dir, secret="s")
    with TestClient(app, base_url="http://127.0.0.1") as alice, \
            TestClient(app, base_url="http://127.0.0.1") as bob:
        ca, cb = sign_in(alice, "alice"), sign_in(bob, "bob")
        pair = alice.get("/api/queue").json()["pairs"][0]
        seen = pair["decision_id"]  # both reviewers saw the pair undecided
        ra = alice.post("/api/decisions", headers={"X-CSRF-Token": ca},
                        json={"uid_l": pair["uid_l"], "uid_r": pair["uid_r"], "decision": "match",
                              "based_on_decision": seen})
        rb = bob.post("/api/decisions", headers={"X-CSRF-Token": cb},
                      json={"uid_l": pair["uid_l"], "uid_r": pair["uid_r"],
                            "decision": "non-match", "based_on_decision": seen})
        assert ra.json()["conflict"] is False
        assert rb.status_code == 201 and rb.json()["conflict"] is True
        assert rb.json()["previous_decision"] == "match" and rb.json()["previous_reviewer"] == "alice"
        history = alice.get("/api/decisions", params=pair).json()["decisions"]
        assert [(d["reviewer"], d["decision"]) for d in history] == [("alice", "match"),
                                                                      ("bob", "non-match")]
        flagged = alice.get("/api/queue").json()["pairs"]
        assert flagged[0]["uid_l"] == pair["uid_l"] and flagged[0]["conflict"] is True
        # a decision that saw bob's resolves the conflict
        rc = alice.post("/api/decisions", headers={"X-CSRF-Token": ca},
                        json={"uid_l": pair["uid_l"], "uid_r": pair["uid_r"], "decision": "match",
                              "based_on_decision": rb.json()["decision_id"]})
        assert rc.json()["conflict"] is False
        assert alice.get("/api/queue").json()["pairs"][0]["uid_l"] != pair["uid_l"]
    app.state.review.close()
    with Project.open(project_dir).store(read_only=True) as store:
        audit = store.con.execute("SELECT actor, detail FROM audit_log WHERE action = 'decision' "
                              "ORDER BY audit_id").fetchall()
    assert [a for a, _ in audit] == ["alice", "bob", "alice"]
    assert [json.loads(d)["conflict"] for _, d in audit] == [False, True, False]


def test_bad_decisions_are_refused(client):
    csrf = sign_in(client)
    h = {"X-CSRF-Token": csrf}
    assert client.post("/api/decisions", headers=h, json={"uid_l": "A/1", "uid_r": "B/1",
                                                          "decision": "maybe"}).status_code == 422
    assert client.post("/api/decisions", headers=h, json={"uid_l": "A/1", "uid_r": "Z/9",
                                                          "decision": "match"}).status_code == 409
    assert client.post("/api/decisions", headers=h, json=[1, 2]).status_code == 422
    assert client.post("/api/decisions", headers=h,
                       json={"uid_l": "A/1", "uid_r": "B/1", "decision": "match",
                             "based_on_decision": "1; DROP TABLE decisions"}).status_code == 422


def test_script_in_a_name_is_escaped(client):
    sign_in(client)
    page = client.get("/persons", params={"q": "petrov"})
    assert page.status_code == 200
    assert "<script>window.__pwned" not in page.text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Petrov" in page.text
    assert XSS in json.dumps(client.get("/api/queue").json(), ensure_ascii=False)


def test_pages_render(client):
    sign_in(client)
    for path in ("/lists", "/estimates", "/persons?page=2"):
        r = client.get(path)
        assert r.status_code == 200, path
    assert "41 people observed" in client.get("/estimates").text
    assert "Status: <strong>" in client.get("/estimates").text  # issue 15: the live status shown


def test_sign_out_ends_the_session_for_good(client):
    csrf = sign_in(client)
    cookie = client.cookies.get("uncounted_session")
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("uncounted_session", cookie)  # a copy of the old cookie is worthless now
    assert client.get("/api/queue").status_code == 401


def test_repeated_failures_lock_the_name(client):
    import re

    from uncounted.store import LoginLimits

    limit = LoginLimits().per_user
    codes = []
    for _ in range(limit + 1):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        codes.append(client.post("/login", data={"username": "bob", "password": "wrong-guess",
                                                 "csrf_token": token}).status_code)
    assert codes == [401] * limit + [429]
    sign_in(client, "alice")  # other names are not affected


def test_report_from_the_running_server(client):
    import html5lib

    assert client.get("/report", follow_redirects=False).status_code == 303
    sign_in(client)
    r = client.get("/report")
    assert r.status_code == 200
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    html5lib.HTMLParser(strict=True).parse(r.text)
    assert 'data-chart="upset"' in r.text and "41 people were caught" in r.text


def test_before_any_link_run_there_are_no_persons_to_count(tmp_path, password_hash):
    from uncounted.store import now

    project = make_project(tmp_path / "unlinked", with_link_run=False)
    with project.store() as store, store.transaction():
        store.con.execute("INSERT INTO users VALUES ('alice', ?, 'reviewer', ?)",
                          [password_hash, now()])
    with TestClient(create_app(project.root, secret="s"), base_url="http://127.0.0.1") as c:
        sign_in(c)
        live = c.get("/api/estimate").json()
        assert live["estimable"] is False and "uncounted link" in live["reason"]
        assert live["estimate"] is None      # records are not persons: no number
        assert c.get("/persons").status_code == 200
        assert c.get("/api/queue").json()["total"] == 0
