"""Persons from the store with decisions overriding the model; review progress and conflicts."""

from __future__ import annotations

from uncounted.report import projectdata as pdata
from uncounted.store import now

from ..project_fixture import OBSERVED_BEFORE, make_project


def _decide(con, l, r, decision, based_on=None, reviewer="t"):
    con.execute("INSERT INTO decisions VALUES (nextval('decision_seq'), ?, ?, ?, ?, ?, NULL, ?)",
                [l, r, decision, reviewer, now(), based_on])


def _pair(con, lo, hi):
    return con.execute("SELECT uid_l, uid_r FROM pairs WHERE match_probability >= ? AND "
                       "match_probability < ? ORDER BY uid_l LIMIT 1", [lo, hi]).fetchone()


def test_decisions_override_the_model(tmp_path):
    with make_project(tmp_path / "p").store() as store:
        con = store.con
        assert pdata.cluster(con).n_persons == OBSERVED_BEFORE
        below = _pair(con, 0.54, 0.56)        # true match the model left apart
        above = con.execute("SELECT uid_l, uid_r FROM pairs p WHERE match_probability = 0.98 AND "
                            "uid_l LIKE 'A/%' AND uid_r LIKE 'C/%' AND (SELECT count(*) FROM pairs q "
                            "WHERE q.uid_l = p.uid_l OR q.uid_r = p.uid_l OR q.uid_l = p.uid_r "
                            "OR q.uid_r = p.uid_r) = 1 LIMIT 1").fetchone()  # a lone A-C link
        _decide(con, *below, "unsure")
        assert pdata.cluster(con).n_persons == OBSERVED_BEFORE  # unsure: the model decides
        _decide(con, *below, "match")
        assert pdata.cluster(con).n_persons == OBSERVED_BEFORE - 1
        _decide(con, *above, "non-match")
        cl = pdata.cluster(con)
        assert cl.n_persons == OBSERVED_BEFORE
        lab = dict(zip(cl.uids.tolist(), cl.label.tolist(), strict=True))
        assert lab[below[0]] == lab[below[1]] and lab[above[0]] != lab[above[1]]
        assert cl.decisions_seen == 3
        table = cl.capture_table()
        assert table.observed == OBSERVED_BEFORE and table.lists == ("A", "B", "C")


def test_progress_and_conflicts(tmp_path):
    with make_project(tmp_path / "p").store() as store:
        con = store.con
        pair = _pair(con, 0.59, 0.61)
        _decide(con, *pair, "match", reviewer="alice")            # id 1, saw nothing
        _decide(con, *pair, "non-match", reviewer="bob")          # id 2, also saw nothing: conflict
        assert [(c["reviewer"], c["previous"]) for c in pdata.conflicts(con)] == [("bob", "match")]
        prog = pdata.review_progress(con, (0.3, 0.9))
        assert (prog["in_band"], prog["decided"], prog["non-match"], prog["conflicts"]) == (5, 1, 1, 1)
        _decide(con, *pair, "non-match", based_on=2, reviewer="alice")  # saw bob's: resolved
        assert pdata.conflicts(con) == []
        _decide(con, *pair, "non-match", based_on=1, reviewer="carol")  # stale but agrees
        assert pdata.conflicts(con) == []
