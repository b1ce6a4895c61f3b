"""Review queue, the CLI reviewer with piped answers, and decisions overriding the model."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import InputError, ProjectError
from uncounted.linkage.link import link_project
from uncounted.linkage.review import ReviewQueue
from uncounted.project import Project

from .helpers import insert_records, synthetic_lists

runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("review") / "proj"
    p = Project.init(root)
    records, _ = synthetic_lists(600, seed=11)
    with p.store() as store:
        insert_records(store, records)
        link_project(store, progress=False)
    return root


def test_queue_is_in_band_and_most_informative_first(project):
    with Project.open(project).store(read_only=True) as store:
        q = ReviewQueue(store, band=(0.2, 0.95)).frame()
    assert len(q) > 0
    assert q["match_probability"].between(0.2, 0.95).all()
    assert q["priority"].is_monotonic_decreasing


def test_cli_review_with_piped_answers_then_relink_obeys(project):
    with Project.open(project).store(read_only=True) as store:
        first = ReviewQueue(store, band=(0.01, 0.999)).frame().head(3)
    # answers: junk is asked again, then m, n, u for the first three pairs, then quit
    r = runner.invoke(app, ["review", str(project), "--band", "0.01,0.999", "--reviewer", "ann"],
                      input="x\nm\nn\nu\nq\n")
    assert r.exit_code == 0, r.output
    assert "1 match, 1 non-match, 1 unsure, 0 skipped" in r.output
    with Project.open(project).store() as store:
        dec = store.con.execute("SELECT uid_l, uid_r, decision, reviewer FROM decisions "
                            "ORDER BY decision_id").fetchall()
        assert [(a, b, d) for a, b, d, _ in dec] == [
            (first.uid_l[0], first.uid_r[0], "match"), (first.uid_l[1], first.uid_r[1], "non-match"),
            (first.uid_l[2], first.uid_r[2], "unsure")]
        assert {x[3] for x in dec} == {"ann"}
        # decided pairs leave the queue, the unsure one comes back last
        q = ReviewQueue(store, band=(0.01, 0.999)).frame()
        keys = list(zip(q.uid_l, q.uid_r, strict=True))
        assert (first.uid_l[0], first.uid_r[0]) not in keys
        assert keys[-1] == (first.uid_l[2], first.uid_r[2])
        res = link_project(store, progress=False, threshold=0.5)
        pid = dict(store.con.execute("SELECT uid, person_id FROM persons WHERE run_id = ?",
                                 [res.run_id]).fetchall())
        assert res.n_decisions == 3
    assert pid[first.uid_l[0]] == pid[first.uid_r[0]]
    assert pid[first.uid_l[1]] != pid[first.uid_r[1]]


def test_decisions_are_append_only_and_latest_wins(project):
    with Project.open(project).store() as store:
        a, b = store.con.execute("SELECT uid FROM records ORDER BY uid LIMIT 2").fetchall()
        n_before = store.decisions.count()
        d1 = store.decisions.record(b[0], a[0], "match", reviewer="ann").decision_id
        d2 = store.decisions.record(a[0], b[0], "non-match", reviewer="bob",
                                    based_on=d1).decision_id
        rows = store.con.execute("SELECT decision_id, uid_l, decision, based_on_decision FROM decisions "
                             "WHERE decision_id IN (?, ?) ORDER BY decision_id", [d1, d2]).fetchall()
        assert rows == [(d1, a[0], "match", None), (d2, a[0], "non-match", d1)]
        latest = store.decisions.in_force()
        mine = latest[(latest.uid_l == a[0]) & (latest.uid_r == b[0])]
        assert mine["decision"].tolist() == ["non-match"]
        n_audit = store.con.execute("SELECT count(*) FROM audit_log WHERE action = 'decision'").fetchone()
        assert n_audit[0] >= 2
        with pytest.raises(InputError, match="decision"):
            store.decisions.record(a[0], b[0], "maybe")
        with pytest.raises(ProjectError, match="no such record"):
            store.decisions.record(a[0], "nolist/404", "match")
        with pytest.raises(InputError, match="not a decision on"):
            store.decisions.record(a[0], b[0], "match", based_on=d2 + 1000)
        assert store.decisions.count() == n_before + 2  # refused decisions leave no trace
