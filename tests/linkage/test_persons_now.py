"""Persons now: a link run's pairs with the decisions in force overriding the model; review
progress and conflicts (the fixture project of tests/project_fixture.py)."""

from __future__ import annotations

from uncounted.histories import capture_table, current_persons
from uncounted.linkage.review import review_progress

from ..project_fixture import OBSERVED_BEFORE, make_project


def _pair(store, lo, hi):
    return store.con.execute("SELECT uid_l, uid_r FROM pairs WHERE match_probability >= ? AND "
                             "match_probability < ? ORDER BY uid_l LIMIT 1", [lo, hi]).fetchone()


def test_decisions_override_the_model(tmp_path):
    with make_project(tmp_path / "p").store() as store:
        assert current_persons(store).n_persons == OBSERVED_BEFORE
        below = _pair(store, 0.54, 0.56)        # true match the model left apart
        above = store.con.execute(
            "SELECT uid_l, uid_r FROM pairs p WHERE match_probability = 0.98 AND "
            "uid_l LIKE 'A/%' AND uid_r LIKE 'C/%' AND (SELECT count(*) FROM pairs q "
            "WHERE q.uid_l = p.uid_l OR q.uid_r = p.uid_l OR q.uid_l = p.uid_r "
            "OR q.uid_r = p.uid_r) = 1 LIMIT 1").fetchone()  # a lone A-C link
        store.decisions.record(*below, "unsure", reviewer="t")
        assert current_persons(store).n_persons == OBSERVED_BEFORE  # unsure: the model decides
        store.decisions.record(*below, "match", reviewer="t")
        assert current_persons(store).n_persons == OBSERVED_BEFORE - 1
        store.decisions.record(*reversed(above), "non-match", reviewer="t")  # either order
        persons = current_persons(store)
        assert persons.n_persons == OBSERVED_BEFORE
        pid = persons.frame.set_index("uid")["person_id"]
        assert pid[below[0]] == pid[below[1]] and pid[above[0]] != pid[above[1]]
        assert persons.decisions_seen == 3 and persons.lists == ("A", "B", "C")
        table = capture_table(store, persons=persons)
        assert table.observed == OBSERVED_BEFORE and table.lists == ("A", "B", "C")
        # the clustering saved with the run is what it was when the run was made
        saved = store.runs.saved_persons(persons.run_id)
        assert saved["person_id"].nunique() == OBSERVED_BEFORE


def test_progress_and_conflicts(tmp_path):
    with make_project(tmp_path / "p").store() as store:
        pair = _pair(store, 0.59, 0.61)
        first = store.decisions.record(*pair, "match", reviewer="alice")      # saw nothing
        second = store.decisions.record(*pair, "non-match", reviewer="bob")   # also saw nothing
        assert (second.stale, second.conflict, second.previous) == (True, True, first.decision_id)
        assert [(c["reviewer"], c["previous"]) for c in store.decisions.conflicts()] == \
            [("bob", "match")]
        prog = review_progress(store, (0.3, 0.9))
        assert (prog["in_band"], prog["decided"], prog["non-match"], prog["conflicts"]) == \
            (5, 1, 1, 1)
        third = store.decisions.record(*pair, "non-match", reviewer="alice",
                                       based_on=second.decision_id)  # saw bob's: resolved
        assert not third.stale and store.decisions.conflicts() == []
        late = store.decisions.record(*pair, "non-match", reviewer="carol",
                                      based_on=first.decision_id)  # stale but agrees
        assert late.stale and not late.conflict and store.decisions.conflicts() == []
        in_force = store.decisions.in_force()
        assert in_force["decision_id"].tolist() == [late.decision_id]
        audit = store.con.execute("SELECT count(*) FROM audit_log WHERE action = 'decision'")
        assert audit.fetchone()[0] == 4
