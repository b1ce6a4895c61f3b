"""Load test of the review UI: N concurrent reviewers deciding pairs for S seconds, on loopback.

Starts ``uncounted serve`` on a free 127.0.0.1 port in a subprocess (its own process, as in real
use), signs N reviewers in through the login form, and has each decide random review-band pairs
as fast as the server answers (one request in flight per reviewer), passing the decision id it last
saw (so concurrent decisions on one pair really happen and are flagged). Every tenth request
reads the queue and the live estimate instead. Afterwards it reads the store and checks that
every acknowledged decision is there exactly once (none lost, none duplicated) and that each has
its audit-log entry; it prints latency percentiles.

Run by hand (2-core shared machine: figures are indicative, compare runs on one machine):

    PYTHONPATH=src python benchmarks/load_review.py [--reviewers 20] [--seconds 60]
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

    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token},
                    follow_redirects=True)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', r.text)
    if csrf is None:
        raise RuntimeError(f"{user} could not sign in: {r.status_code}")
    return client, csrf.group(1)


def reviewer(base: str, user: str, seconds: float, seed: int, out: dict, start: threading.Barrier):
    try:
        client, csrf = sign_in(base, user)
        pairs = client.get("/api/queue", params={"all": 1, "limit": 1000}).json()["pairs"]
    except Exception as err:
        out[user] = {"acked": [], "post_ms": [], "get_ms": [], "errors": [("sign-in", str(err))]}
        start.abort()
        raise
    rng = random.Random(seed)
    acked, post_ms, get_ms, errors = [], [], [], []
    start.wait()
    end = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < end:
        seq += 1
        t0 = time.perf_counter()
        if seq % 10 == 0:
            pairs = client.get("/api/queue", params={"all": 1, "limit": 1000}).json()["pairs"]
            client.get("/api/estimate").raise_for_status()
            get_ms.append((time.perf_counter() - t0) * 1000)
            continue
        p = rng.choice(pairs)
        body = {"uid_l": p["uid_l"], "uid_r": p["uid_r"], "based_on_decision": p["decision_id"],
                "decision": rng.choice(["match", "non-match", "unsure"]), "note": f"{user}:{seq}"}
        r = client.post("/api/decisions", json=body, headers={"X-CSRF-Token": csrf})
        post_ms.append((time.perf_counter() - t0) * 1000)
        if r.status_code == 201:
            res = r.json()
            acked.append((res["decision_id"], body["note"], res["conflict"]))
            p["decision_id"] = res["decision_id"]
        else:
            errors.append((r.status_code, r.text[:200]))
    client.close()
    out[user] = {"acked": acked, "post_ms": post_ms, "get_ms": get_ms, "errors": errors}


def percentile(xs, q):
    import numpy as np

    return float(np.percentile(xs, q)) if xs else float("nan")


def run(reviewers: int = 20, seconds: float = 60.0, workdir: Path | None = None) -> dict:
    """Run the load test; returns counts, checks and latency percentiles (ms)."""
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
    try:
        threads = [threading.Thread(target=reviewer, args=(base, u, seconds, i, results, barrier))
                   for i, u in enumerate(users)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            pass  # a reviewer could not sign in: reported in errors
        t0 = time.monotonic()
        for t in threads:
            t.join(timeout=seconds + 120)
        wall = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
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
        "reviewers": reviewers, "seconds": seconds, "wall_s": wall,
        "finished": len(results), "acknowledged": len(acked), "stored": len(stored),
        "lost": len(set(acked_ids) - set(stored_ids)),
        "unacknowledged_stored": len(set(stored_ids) - set(acked_ids)),
        "duplicated_ids": len(stored_ids) - len(set(stored_ids)),
        "duplicated_notes": len(stored) - len({s[1] for s in stored}),
        "notes_match": {s[1] for s in stored} == {a[1] for a in acked},
        "audit_matches": audited_ids == stored_ids,
        "conflicts": sum(a[2] for a in acked),
        "errors": [e for r in results.values() for e in r["errors"]][:5],
        "post_p50_ms": percentile(post, 50), "post_p95_ms": percentile(post, 95),
        "post_p99_ms": percentile(post, 99), "get_p95_ms": percentile(get, 95),
        "decisions_per_s": len(acked) / wall if wall else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--no-reference", action="store_true",
                    help="Skip the one-reviewer reference run.")
    args = ap.parse_args()
    ref = None if args.no_reference else run(1, min(args.seconds, 20.0))
    res = run(args.reviewers, args.seconds)
    print(f"machine: {os.cpu_count()} cores (shared); server and clients on one host, loopback")
    print(f"{'measure':<24} {'value':>12}" + ("" if ref is None else f" {'1 reviewer':>12} {'ratio':>8}"))
    for k, v in res.items():
        line = f"{k:<24} {v:>12.1f}" if isinstance(v, float) else f"{k:<24} {v!s:>12}"
        if ref is not None and isinstance(v, float) and k.endswith(("_ms", "_per_s")):
            r = ref[k]
            line += f" {r:>12.1f} {v / r if r else float('nan'):>8.2f}"
        print(line)


if __name__ == "__main__":
    main()
