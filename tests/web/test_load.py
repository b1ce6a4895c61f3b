"""Concurrent reviewers against a real server on loopback: no decision lost or duplicated.

The driver is ``benchmarks/load_review.py`` (run by hand for the 60-second figures). Here: 20
reviewers for 5 s in the default suite, and a short run with an anonymous sign-in flood and a
kill -9 of the server mid-load (the reviewers resend what got no answer, with the same
Idempotency-Key: stored exactly once either way); the full 50 reviewers + 40 flood connections for
60 s, with and without a kill, are slow tests. No timing is asserted (2-core shared CI machine);
the p95 latency is printed.
"""

from __future__ import annotations

import importlib.util

import pytest

from ..conftest import ROOT


def _driver():
    spec = importlib.util.spec_from_file_location("load_review", ROOT / "benchmarks" / "load_review.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _check(res, capsys, *, flood_refused: bool = True):
    with capsys.disabled():  # the p95 latency is reported in the test output
        print("\nload test:", {k: (round(v, 1) if isinstance(v, float) else v) for k, v in res.items()
                               if k in ("reviewers", "seconds", "acknowledged", "conflicts",
                                        "post_p50_ms", "post_p95_ms", "get_p95_ms",
                                        "decisions_per_s", "kills", "retried", "replayed",
                                        "flood_attempts", "flood_statuses")})
    assert res["finished"] == res["reviewers"]
    assert res["errors"] == []
    assert res["acknowledged"] > res["reviewers"]  # every reviewer got decisions through
    assert res["acknowledged"] == res["stored"]
    assert res["lost"] == 0 and res["unacknowledged_stored"] == 0
    assert res["duplicated_ids"] == 0 and res["duplicated_notes"] == 0
    assert res["notes_match"] and res["audit_matches"]
    assert res["conflicts"] > 0  # 20 reviewers on 5 pairs: concurrent decisions did happen
    if res["flood_connections"]:
        # every flood attempt was answered with a refusal (or was cut by the kill), none a 5xx
        assert set(res["flood_statuses"]) <= {401, 429, "no answer"}, res["flood_statuses"]
        if flood_refused:  # the flood met a live server (not only the kill's gap)
            assert res["flood_statuses"].get(429, 0) > 0


def test_twenty_reviewers_short(tmp_path, capsys):
    _check(_driver().run(reviewers=20, seconds=5, workdir=tmp_path), capsys)


@pytest.mark.slow
def test_twenty_reviewers_sixty_seconds(tmp_path, capsys):
    _check(_driver().run(reviewers=20, seconds=60, workdir=tmp_path), capsys)


def test_flood_and_kill_short(tmp_path, capsys):
    res = _driver().run(reviewers=8, seconds=9, workdir=tmp_path, flood_connections=8, kill_at=4)
    # kill at 4 s, not 2: on a quiet machine a kill at 2 s left no request spanning the restart
    # in 2 of 3 runs (retried 0); at 4 s three runs out of three had 1-7 requests retried
    _check(res, capsys, flood_refused=False)  # the flood may fall wholly in the restart
    # requests did span the restart: decisions or reads (a fresh clone's run once had every
    # reviewer inside the slow /api/estimate at the kill, and 0 decisions retried)
    assert res["kills"] == 1 and res["retried"] > 0


@pytest.mark.slow
def test_fifty_reviewers_flood_sixty_seconds(tmp_path, capsys):
    _check(_driver().run(reviewers=50, seconds=60, workdir=tmp_path, flood_connections=40,
                         think=2.0), capsys)


@pytest.mark.slow
def test_fifty_reviewers_flood_and_kill_sixty_seconds(tmp_path, capsys):
    res = _driver().run(reviewers=50, seconds=60, workdir=tmp_path, flood_connections=40,
                        kill_at=20, think=2.0)
    _check(res, capsys)
    assert res["kills"] == 1
