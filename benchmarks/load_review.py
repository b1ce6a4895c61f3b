"""Load test of the review UI: N concurrent reviewers deciding pairs for S seconds, on loopback.

Starts ``uncounted serve`` on a free 127.0.0.1 port in a subprocess (its own process, as in real
use), signs N reviewers in through the login form, and has each decide random review-band pairs
as fast as the server answers (one request in flight per reviewer), passing the decision id it last
saw (so concurrent decisions on one pair really happen and are flagged). Every tenth request
reads the queue and the live estimate instead. Each decision carries an Idempotency-Key; a request
that gets no answer (the server died) is sent again with the same key until it is answered.

``--flood F`` adds F connections of anonymous sign-in attempts (random user names and passwords,
each with a valid login-form token) from a separate process for the whole run. ``--kill-at T``
kills the server with SIGKILL T seconds in and starts it again on the same port at once; the
reviewers keep their session cookies (sessions live in the store) and resend what was in flight.

Afterwards it reads the store and checks that every acknowledged decision is there exactly once
(none lost, none duplicated, nothing stored that was not acknowledged) and that each has its
audit-log entry; it prints latency percentiles of the reviewers' requests.

Run by hand (2-core shared machine: figures are indicative, compare runs on one machine):

    PYTHONPATH=src python benchmarks/load_review.py [--reviewers 50] [--seconds 60] [--flood 40]
        [--kill-at 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(project: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "UNCOUNTED_WEB_SECRET": "load-test"}
    proc = subprocess.Popen([sys.executable, "-m", "uncounted", "serve", str(project), "--host",
                             "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("server did not start within 60 s")


def sign_in(base: str, user: str):
    import httpx

    client = httpx.Client(base_url=base, timeout=60)
    deadline = time.monotonic() + 600
    while True:
        try:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = client.post("/login", data={"username": user, "password": PASSWORD,
                                            "csrf_token": token}, follow_redirects=True)
        except httpx.TimeoutException:
            if time.monotonic() > deadline:
                raise
            continue
        if r.status_code != 429 or time.monotonic() > deadline:
            break  # 429: the password checks are busy (many reviewers sign in at once); wait
        time.sleep(float(r.headers.get("retry-after", "1")))
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', r.text)
    if csrf is None:
        raise RuntimeError(f"{user} could not sign in: {r.status_code}")
    return client, csrf.group(1)


def _send(client, method, url, deadline, **kw):
    """One request, sent again (same body and headers) until it is answered or the deadline
    passes: a server killed mid-request gives no answer, and the retry carries the same
    Idempotency-Key. Returns (response or None, attempts)."""
    import httpx

    attempts = 0
    while True:
        attempts += 1
        try:
            return client.request(method, url, **kw), attempts
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                return None, attempts
            time.sleep(0.2)


def reviewer(base: str, user: str, seconds: float, seed: int, out: dict, start: threading.Barrier,
             think: float = 0.0):
    try:
        client, csrf = sign_in(base, user)
        pairs = client.get("/api/queue", params={"all": 1, "limit": 1000}).json()["pairs"]
    except Exception as err:
        out[user] = {"acked": [], "post_ms": [], "get_ms": [], "errors": [("sign-in", str(err))],
                     "retried": 0, "replayed": 0}
        start.abort()
        raise
    rng = random.Random(seed)
    acked, post_ms, get_ms, errors = [], [], [], []
    retried = replayed = 0
    start.wait()
    end = time.monotonic() + seconds
    grace = end + 90  # time for a killed server to come back
    seq = 0
    while time.monotonic() < end:
        seq += 1
        if think:  # a reviewer reads the pair before deciding (exponential pause, mean `think`)
            time.sleep(min(rng.expovariate(1 / think), max(0.0, end - time.monotonic())))
        t0 = time.perf_counter()
        if seq % 10 == 0:
            r, n = _send(client, "GET", "/api/queue", grace, params={"all": 1, "limit": 1000})
            if r is not None and r.status_code == 200:
                pairs = r.json()["pairs"]
                r2, n2 = _send(client, "GET", "/api/estimate", grace)
                n += n2 - 1
                if r2 is None or r2.status_code != 200:
                    errors.append(("estimate", None if r2 is None else r2.status_code))
            else:
                errors.append(("queue", None if r is None else r.status_code))
            if n == 1:
                get_ms.append((time.perf_counter() - t0) * 1000)
            # a read spans a restart as well as a decision does: /api/estimate is the slow
            # request, so a kill often finds every reviewer inside it (the flood-and-kill test
            # once saw 0 retried decisions, and every read retried)
            retried += n > 1
            continue
        p = rng.choice(pairs)
        body = {"uid_l": p["uid_l"], "uid_r": p["uid_r"], "based_on_decision": p["decision_id"],
                "decision": rng.choice(["match", "non-match", "unsure"]), "note": f"{user}:{seq}"}
        headers = {"X-CSRF-Token": csrf, "Idempotency-Key": f"{user}-{seq}-{seed}"}
        r, n = _send(client, "POST", "/api/decisions", grace, json=body, headers=headers)
        if n == 1:  # latency of requests that did not span a restart
            post_ms.append((time.perf_counter() - t0) * 1000)
        retried += n > 1
        if r is not None and r.status_code == 201:
            res = r.json()
            replayed += r.headers.get("idempotent-replayed") == "true"
            acked.append((res["decision_id"], body["note"], res["conflict"]))
            p["decision_id"] = res["decision_id"]
        else:
            errors.append((None if r is None else r.status_code,
                           "no answer" if r is None else r.text[:200]))
    client.close()
    out[user] = {"acked": acked, "post_ms": post_ms, "get_ms": get_ms, "errors": errors,
                 "retried": retried, "replayed": replayed}


def flood(base: str, connections: int, seconds: float) -> dict:
    """Anonymous sign-in attempts on ``connections`` connections for ``seconds``; the count of
    each answer (run in its own process, ``--flood-only``, so that its work does not slow the
    reviewers' client threads)."""
    import collections

    import httpx

    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def one(i):
        rng = random.Random(1000 + i)
        with httpx.Client(base_url=base, timeout=30) as c:
            while time.monotonic() < end:
                try:
                    page = c.get("/login")
                    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                    r = c.post("/login", data={"username": f"intruder{rng.randrange(10**6)}",
                                               "password": f"guess{rng.randrange(10**9)}",
                                               "csrf_token": token}, follow_redirects=False)
                    key = r.status_code
                except (httpx.HTTPError, AttributeError):
                    key = "no answer"
                    time.sleep(0.2)
                with lock:
                    counts[key] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(counts)


def percentile(xs, q):
    import numpy as np

    return float(np.percentile(xs, q)) if xs else float("nan")


def run(reviewers: int = 20, seconds: float = 60.0, workdir: Path | None = None, *,
        flood_connections: int = 0, kill_at: float | None = None, think: float = 0.0,
        decoy: bool = False) -> dict:
    """Run the load test; returns counts, checks and latency percentiles (ms).

    ``decoy=True`` aims the flood at a second server (its own project) instead: the reviewers'
    server gets no flood, but the machine carries the flood's clients and that server, which
    tells what part of the slowdown is the shared 2 cores rather than the reviewers' server.
    """
    import signal

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    from argon2 import PasswordHasher

    from tests.project_fixture import make_project
    from uncounted.project import Project
    from uncounted.store import now

    workdir = Path(workdir or tempfile.mkdtemp(prefix="uncounted-load-"))
    project = make_project(workdir / "proj")
    users = [f"reviewer{i:02d}" for i in range(reviewers)]
    digest = PasswordHasher().hash(PASSWORD)  # one argon2 hash shared by the load-test accounts
    with project.store() as store, store.transaction():
        for u in users:
            store.con.execute("INSERT INTO users VALUES (?, ?, 'reviewer', ?)", [u, digest, now()])
    port = free_port()
    proc = start_server(project.root, port)
    base = f"http://127.0.0.1:{port}"
    results: dict = {}
    barrier = threading.Barrier(reviewers + 1)
    flooder = decoy_proc = None
    kills = 0
    flood_target = base
    if flood_connections and decoy:  # started before the clock, like the reviewers' server
        decoy_port = free_port()
        decoy_proc = start_server(make_project(workdir / "decoy").root, decoy_port)
        flood_target = f"http://127.0.0.1:{decoy_port}"
    try:
        threads = [threading.Thread(target=reviewer, args=(base, u, seconds, i, results, barrier, think))
                   for i, u in enumerate(users)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        try:
            barrier.wait(timeout=900)
        except threading.BrokenBarrierError:
            pass  # a reviewer could not sign in: reported in errors
        t0 = time.monotonic()
        if flood_connections:
            flooder = subprocess.Popen(
                [sys.executable, __file__, "--flood-only", flood_target, str(flood_connections),
                 str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if kill_at is not None:
            time.sleep(kill_at)
            proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: as a power cut would
            proc.wait()
            kills += 1
            proc = start_server(project.root, port)
        for t in threads:
            t.join(timeout=seconds + 180)
        wall = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        flood_counts: dict = {}
        if decoy_proc is not None:
            decoy_proc.terminate()
            decoy_proc.wait(timeout=30)
        if flooder is not None:
            out, err = flooder.communicate(timeout=seconds + 120)
            if flooder.returncode:
                raise RuntimeError(f"the flood failed: {err[-2000:]}")
            flood_counts = {(int(k) if k.isdigit() else k): v
                            for k, v in json.loads(out.strip().splitlines()[-1]).items()}
    with Project.open(project.root).store(read_only=True) as store:
        stored = store.con.execute("SELECT decision_id, note FROM decisions").fetchall()
        audited = store.con.execute(
            "SELECT detail FROM audit_log WHERE action = 'decision'").fetchall()
    acked = [a for r in results.values() for a in r["acked"]]
    acked_ids = sorted(a[0] for a in acked)
    stored_ids = sorted(s[0] for s in stored)
    audited_ids = sorted(json.loads(d[0])["decision_id"] for d in audited)
    post = [x for r in results.values() for x in r["post_ms"]]
    get = [x for r in results.values() for x in r["get_ms"]]
    return {
        "reviewers": reviewers, "seconds": seconds, "think_s": think, "wall_s": wall,
        "finished": len(results), "acknowledged": len(acked), "stored": len(stored),
        "lost": len(set(acked_ids) - set(stored_ids)),
        "unacknowledged_stored": len(set(stored_ids) - set(acked_ids)),
        "duplicated_ids": len(stored_ids) - len(set(stored_ids)),
        "duplicated_notes": len(stored) - len({s[1] for s in stored}),
        "notes_match": {s[1] for s in stored} == {a[1] for a in acked},
        "audit_matches": audited_ids == stored_ids,
        "conflicts": sum(a[2] for a in acked),
        "kills": kills,
        "retried": sum(r["retried"] for r in results.values()),
        "replayed": sum(r["replayed"] for r in results.values()),
        "flood_connections": flood_connections, "flood_at_decoy": decoy,
        "flood_attempts": sum(flood_counts.values()),
        "flood_statuses": dict(sorted(flood_counts.items(), key=str)),
        "errors": [e for r in results.values() for e in r["errors"]][:5],
        "post_p50_ms": percentile(post, 50), "post_p95_ms": percentile(post, 95),
        "post_p99_ms": percentile(post, 99), "get_p95_ms": percentile(get, 95),
        "decisions_per_s": len(acked) / wall if wall else float("nan"),
    }


def main() -> None:
    if sys.argv[1:2] == ["--flood-only"]:  # the flood's own process (see run)
        base, connections, seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps({str(k): v for k, v in flood(base, connections, seconds).items()}))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--flood", type=int, default=0,
                    help="Connections of anonymous sign-in attempts during the run.")
    ap.add_argument("--kill-at", type=float, default=None,
                    help="SIGKILL the server this many seconds in and start it again.")
    ap.add_argument("--decoy", action="store_true",
                    help="Aim the flood at a second server (control for the shared machine).")
    ap.add_argument("--think", type=float, default=0.0,
                    help="Mean pause (s) of a reviewer before each request (0: none).")
    ap.add_argument("--no-reference", action="store_true",
                    help="Skip the reference run (the same reviewers without flood or kill; "
                         "one reviewer when there is neither).")
    args = ap.parse_args()
    ref = None
    if not args.no_reference:
        if args.flood or args.kill_at is not None:
            ref = run(args.reviewers, args.seconds, think=args.think)
        else:
            ref = run(1, min(args.seconds, 20.0))
    res = run(args.reviewers, args.seconds, flood_connections=args.flood, kill_at=args.kill_at,
              think=args.think, decoy=args.decoy)
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores (shared with other jobs; load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end); server and clients on one "
          "host, loopback")
    label = "reference" if ref is None else ("no flood" if ref["reviewers"] > 1 else "1 reviewer")
    print(f"{'measure':<24} {'value':>12}" + ("" if ref is None else f" {label:>12} {'ratio':>8}"))
    for k, v in res.items():
        line = f"{k:<24} {v:>12.1f}" if isinstance(v, float) else f"{k:<24} {v!s:>12}"
        if ref is not None and isinstance(v, float) and k.endswith(("_ms", "_per_s")):
            r = ref[k]
            line += f" {r:>12.1f} {v / r if r else float('nan'):>8.2f}"
        print(line)


if __name__ == "__main__":
    main()
