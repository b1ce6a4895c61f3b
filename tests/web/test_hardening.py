"""The review server under a hostile or clumsy client (issue 16, defects 6, 7 and 8).

Sign-in attempts are counted before the password is checked (so parallel guesses cannot slip past
the lockout), with per-address and overall limits and a bounded amount of argon2 work; request
bodies are limited while they are read; malformed input gets a 4xx, never a 500; decisions are
taken only on candidate pairs (a manual link is its own endpoint, with a note); a POST retried with
its Idempotency-Key is stored once; sessions live in the store (they survive a restart and can be
revoked).
"""

from __future__ import annotations

import json
import re
import socket
import threading

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from uncounted.cli import app as cli_app
from uncounted.project import Project
from uncounted.store import LoginLimits
from uncounted.web import create_app

from ..project_fixture import OBSERVED_BEFORE
from .conftest import PASSWORD, sign_in
from .server import running_server


def _client(project_dir, **options):
    options.setdefault("refusal_delay", 0.0)  # refused sign-ins answered at once (see below)
    return TestClient(create_app(project_dir, secret="test-secret", **options),
                      base_url="http://127.0.0.1", raise_server_exceptions=False)


def _login_token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


def _try(client, user, password):
    return client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": _login_token(client)},
                       follow_redirects=False)


def _stored(where, sql, params=None):
    """Rows of a query: through a running app's connection (a TestClient), or from the store."""
    if isinstance(where, TestClient):
        review = where.app.state.review
        with review.lock:
            return review.store.con.execute(sql, params or []).fetchall()
    with Project.open(where).store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


# ---------------------------------------------------------------------- (6) sign-in limits
def test_parallel_guesses_cannot_pass_the_lockout(project_dir):
    """60 wrong passwords at once: exactly ``per_user`` are checked, the rest refused, and the
    right password afterwards is refused too (before the fix 48 got 401 and the right password a
    session: the lockout was checked before the password and counted after it)."""
    import httpx

    limit = LoginLimits().per_user
    with running_server(project_dir, hash_queue=100) as (base, _app):
        clients = [httpx.Client(base_url=base, timeout=60) for _ in range(60)]
        tokens = [_login_token(c) for c in clients]
        codes: list[int] = []
        start = threading.Barrier(len(clients))

        def guess(c, token):
            start.wait()
            r = c.post("/login", data={"username": "bob", "password": "wrong-guess",
                                       "csrf_token": token}, follow_redirects=False)
            codes.append(r.status_code)

        threads = [threading.Thread(target=guess, args=ct) for ct in zip(clients, tokens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        right = _try(clients[0], "bob", PASSWORD)
        for c in clients:
            c.close()
    assert sorted(codes) == [401] * limit + [429] * (60 - limit)
    assert right.status_code == 429 and "uncounted_session" not in right.headers.get("set-cookie", "")
    assert int(right.headers["retry-after"]) > 0


def test_per_address_and_overall_limits(project_dir):
    import time

    with _client(project_dir, login_limits=LoginLimits(per_user=100, per_address=3),
                 refusal_delay=0.5) as c:
        codes = [_try(c, f"nobody{i}", "wrong-guess").status_code for i in range(3)]
        t0 = time.monotonic()
        codes.append(_try(c, "nobody3", "wrong-guess").status_code)
        assert time.monotonic() - t0 >= 0.5  # a refusal is held before the answer
        assert codes == [401, 401, 401, 429]
        r = _try(c, "alice", PASSWORD)  # a right password from a locked address waits too
        assert r.status_code == 429 and "from this address" in r.text
        assert 0 < int(r.headers["retry-after"]) <= 300
    with _client(project_dir, login_limits=LoginLimits(per_user=100, per_address=100,
                                                       overall=2)) as c:
        codes = [_try(c, f"someone{i}", "wrong-guess").status_code for i in range(3)]
        assert codes == [429, 429, 429]  # the 4 failures above are still in the minute's window


def test_a_right_password_clears_the_users_failures(project_dir):
    with _client(project_dir) as c:
        for _ in range(LoginLimits().per_user - 1):
            assert _try(c, "alice", "wrong-guess").status_code == 401
        assert _try(c, "alice", PASSWORD).status_code == 303
    with _client(project_dir) as c:
        assert _try(c, "alice", "wrong-guess").status_code == 401  # counting starts again
    assert _stored(project_dir, "SELECT count(*) FROM login_attempts WHERE username = 'alice'") \
        == [(1,)]


def test_a_full_hash_queue_refuses_at_once_without_counting(project_dir):
    app = create_app(project_dir, secret="s", hash_slots=1, hash_queue=0)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        gate = app.state.hash_gate
        assert gate.enter()            # the one slot is taken (a sign-in being checked)
        r = _try(c, "alice", PASSWORD)
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        assert "busy" in r.text
        gate.leave()
        assert _try(c, "alice", PASSWORD).status_code == 303
    assert gate.refused == 1
    assert _stored(project_dir, "SELECT count(*) FROM login_attempts") == [(0,)]


# ---------------------------------------------------------------------- (7) bodies and input
def test_a_large_body_is_refused_before_it_is_read(client_signed):
    c, h = client_signed
    r = c.post("/api/decisions", headers={**h, "Content-Type": "application/json"},
               content=b'{"note": "' + b"x" * 200_000 + b'"}')
    assert r.status_code == 413
    r = c.post("/login", content=b"a=" + b"b" * 100_000,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_a_chunked_body_is_cut_off_while_it_streams(project_dir):
    """No Content-Length: the server stops reading once the limit is passed, answers 413 and
    closes; the client manages to send only a little of its 200 MB (before the fix the server
    read it all)."""
    total = 200 * 1024 * 1024
    chunk = b"[" * 65536
    with running_server(project_dir) as (base, _app):
        port = int(base.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent = 0
        try:
            while sent < total:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection
        sock.settimeout(10)
        try:
            answer = sock.recv(65536)
        except OSError:
            answer = b""
        sock.close()
    assert sent < 32 * 1024 * 1024, sent  # socket buffers hold a few MB at most
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


WRONG = [
    ({"based_on_decision": 2 ** 70}, "64-bit"),
    ({"based_on_decision": -1}, "64-bit"),
    ({"based_on_decision": 1.5}, "64-bit"),
    ({"uid_l": ["A/1"]}, "uid_l"),
    ({"uid_r": {"$ne": 1}}, "uid_r"),
    ({"decision": 1}, "decision"),
    ({"note": {"a": 1}}, "note"),
    ({"note": "\ud800"}, "not valid text"),
    ({"uid_l": "A/1\x00"}, "not valid text"),
]


def test_wrong_types_and_values_are_422(client_signed):
    c, h = client_signed
    good = {"uid_l": "A/1", "uid_r": "B/1", "decision": "match", "based_on_decision": None}
    for body, detail in WRONG:
        r = c.post("/api/decisions", headers=h, content=json.dumps({**good, **body}).encode())
        assert r.status_code == 422, (body, r.text)
        assert detail in r.json()["detail"], body


def test_deep_nesting_and_bad_bytes_are_4xx_not_500(client_signed):
    c, h = client_signed
    h = {**h, "Content-Type": "application/json"}
    assert c.post("/api/decisions", headers=h, content=b"[" * 100_000 + b"]" * 100_000
                  ).status_code == 413
    deep = b"[" * 30_000 + b"]" * 30_000  # under the size limit, over the parser's depth
    assert c.post("/api/decisions", headers=h, content=deep).status_code == 422
    assert c.post("/api/decisions", headers=h, content=b'{"uid_l": "\xff\xfe"}').status_code == 422
    assert c.post("/api/decisions", headers=h, content=b"1" * 5000).status_code == 422
    assert c.post("/api/decisions", headers=h, content=b'{"a": NaN}').status_code == 422


ODD_PATHS = [
    "/api/queue?limit=99999999999999999999999999&offset=99999999999999999999999",
    "/api/queue?limit=-99999999999999999999999&offset=-5",
    "/api/queue?limit=1e999", "/api/queue?all=%00",
    "/persons?page=99999999999999999999999999", "/persons?page=-99999999999999999999999",
    "/persons?q=%ED%A0%80", "/persons?q=%00%ff",
    "/api/decisions?uid_l=%ED%A0%80&uid_r=%00", "/api/decisions?uid_l=A/1",
    "/login?next=%ED%A0%80",
]


def test_odd_query_strings_are_never_500(client_signed):
    c, _ = client_signed
    for path in ODD_PATHS:
        r = c.get(path)
        assert r.status_code < 500, (path, r.status_code, r.text[:300])


def test_odd_forms_are_never_500(project_dir):
    with _client(project_dir) as c:
        token = _login_token(c)
        cases = [
            (b"username=%ED%A0%80&password=%ff&csrf_token=" + token.encode(),
             "application/x-www-form-urlencoded"),
            (b"--x\r\nContent-Disposition: form-data; name=\"username\"; filename=\"a\"\r\n\r\n"
             b"alice\r\n--x--\r\n", "multipart/form-data; boundary=x"),
            (b"garbage", "multipart/form-data; boundary="),
            (b"\x00\x01\x02", "application/x-www-form-urlencoded"),
        ]
        for body, ctype in cases:
            r = c.post("/login", content=body, headers={"Content-Type": ctype})
            assert r.status_code < 500, (body[:40], r.status_code, r.text[:300])


# ---------------------------------------------------------------------- (8) candidate pairs
def _two_unscored_records(project_dir) -> tuple[str, str]:
    """Two records of different persons (and lists) that the link run never scored as a pair."""
    scored = {tuple(r) for r in _stored(project_dir, "SELECT uid_l, uid_r FROM pairs")}
    person = dict(_stored(project_dir, "SELECT uid, person_id FROM persons"))
    uids = sorted(person)
    return next((a, b) for a in uids for b in uids
                if a < b and a[0] != b[0] and person[a] != person[b] and (a, b) not in scored)


def test_a_decision_on_an_unscored_pair_is_refused(client_signed, project_dir):
    c, h = client_signed
    a, b = _two_unscored_records(c)
    r = c.post("/api/decisions", headers=h, json={"uid_l": a, "uid_r": b, "decision": "match"})
    assert r.status_code == 409 and "not a candidate pair" in r.json()["detail"]
    assert _stored(c, "SELECT count(*) FROM decisions") == [(0,)]
    assert c.get("/api/estimate").json()["observed"] == OBSERVED_BEFORE


def test_a_manual_link_is_its_own_audited_action(client_signed, project_dir):
    c, h = client_signed
    a, b = _two_unscored_records(c)
    no_note = c.post("/api/links", headers=h, json={"uid_l": a, "uid_r": b, "decision": "match"})
    assert no_note.status_code == 422 and "note" in no_note.json()["detail"]
    unsure = c.post("/api/links", headers=h, json={"uid_l": a, "uid_r": b, "decision": "unsure",
                                                   "note": "x"})
    assert unsure.status_code == 422
    r = c.post("/api/links", headers=h, json={"uid_l": a, "uid_r": b, "decision": "match",
                                              "note": "same service number in both sources"})
    assert r.status_code == 201, r.text
    assert c.get("/api/estimate").json()["observed"] == OBSERVED_BEFORE - 1  # two people joined
    audit = _stored(c, "SELECT action, actor, target, detail FROM audit_log WHERE "
                                 "action IN ('decision', 'manual_link')")
    assert [(x[0], x[1], x[2]) for x in audit] == [("manual_link", "alice", f"{a} | {b}")]
    assert json.loads(audit[0][3])["note"] == "same service number in both sources"


# ---------------------------------------------------------------------- idempotency
def test_a_retried_post_is_stored_once(client_signed, project_dir):
    c, h = client_signed
    pair = c.get("/api/queue").json()["pairs"][0]
    body = {"uid_l": pair["uid_l"], "uid_r": pair["uid_r"], "decision": "match",
            "based_on_decision": None, "note": "retry me"}
    key = {**h, "Idempotency-Key": "0f8fad5b-d9cb-469f-a165-70867728950e"}
    first = c.post("/api/decisions", headers=key, json=body)
    again = c.post("/api/decisions", headers=key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other = c.post("/api/decisions", headers=key, json={**body, "decision": "non-match"})
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert c.post("/api/decisions", headers={**h, "Idempotency-Key": "short"},
                  json=body).status_code == 422
    assert _stored(c, "SELECT count(*) FROM decisions WHERE note = 'retry me'") == [(1,)]
    assert _stored(c, "SELECT count(*) FROM audit_log WHERE action = 'decision'") \
        == [(1,)]
    # another reviewer's identical key is another request
    with _client(project_dir) as bob:
        hb = {"X-CSRF-Token": sign_in(bob, "bob"), "Idempotency-Key": key["Idempotency-Key"]}
        assert bob.post("/api/decisions", headers=hb, json=body).json()["decision_id"] != \
            first.json()["decision_id"]


# ---------------------------------------------------------------------- sessions in the store
def test_sessions_survive_a_restart_and_can_be_revoked(project_dir):
    app = create_app(project_dir, secret="same-secret")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        csrf = sign_in(c)
        cookie = c.cookies.get("uncounted_session")
    app.state.review.close()

    def fresh():
        a = create_app(project_dir, secret="same-secret")
        client = TestClient(a, base_url="http://127.0.0.1")
        client.cookies.set("uncounted_session", cookie)
        return a, client

    a2, c2 = fresh()
    with c2:
        assert c2.get("/api/queue").status_code == 200      # the restart did not sign anyone out
        assert c2.post("/api/decisions", headers={"X-CSRF-Token": csrf},
                       json={"uid_l": "A/1", "uid_r": "A/1", "decision": "match"}
                       ).status_code == 422             # and the CSRF token still holds
    a2.state.review.close()
    r = CliRunner().invoke(cli_app, ["user", "revoke", str(project_dir), "alice"])
    assert r.exit_code == 0 and "Ended 1 session" in r.output, r.output
    a3, c3 = fresh()
    with c3:
        assert c3.get("/api/queue").status_code == 401
    a3.state.review.close()
    assert _stored(project_dir, "SELECT action, target FROM audit_log WHERE action = "
                                "'sessions_revoked'") == [("sessions_revoked", "alice")]
    bad = CliRunner().invoke(cli_app, ["user", "revoke", str(project_dir), "nobody"])
    assert bad.exit_code != 0 and "no user" in bad.output


def test_sign_out_holds_after_a_restart(project_dir):
    app = create_app(project_dir, secret="same-secret")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        csrf = sign_in(c)
        cookie = c.cookies.get("uncounted_session")
        assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False
                      ).status_code == 303
    app.state.review.close()
    app = create_app(project_dir, secret="same-secret")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.cookies.set("uncounted_session", cookie)
        assert c.get("/api/queue").status_code == 401
    app.state.review.close()


@pytest.fixture
def client_signed(project_dir):
    with _client(project_dir) as c:
        yield c, {"X-CSRF-Token": sign_in(c)}
