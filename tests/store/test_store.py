"""The store: a store made by an older uncounted (schema v1) opens and is migrated in place; the
shared views; nested transactions."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest

from uncounted.exceptions import ProjectError
from uncounted.histories import capture_table, current_persons
from uncounted.store import SCHEMA_VERSION, Store

from . import v1_schema

T0 = datetime(2024, 1, 1, 12, 0, 0)


def _v1_store(path) -> None:
    """A v1 store with two lists, one link run, and decisions written as v1 wrote them."""
    con = duckdb.connect(str(path))
    for ddl in v1_schema.SCHEMA:
        con.execute(ddl)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    for uid, lst, rid, region in [("A/1", "A", "1", "RU-TY"), ("A/2", "A", "2", "RU-BU"),
                                  ("A/3", "A", "3", None), ("B/1", "B", "1", "RU-TY"),
                                  ("B/2", "B", "2", "RU-BU"), ("B/3", "B", "3", "RU-MOW")]:
        con.execute("INSERT INTO records (uid, list_name, record_id, import_id, region_iso) "
                    "VALUES (?, ?, ?, 1, ?)", [uid, lst, rid, region])
    con.execute("INSERT INTO lists VALUES ('A', NULL, 1, 3, ?, ?), ('B', NULL, 2, 3, ?, ?)",
                [T0, T0, T0, T0])
    con.execute("INSERT INTO link_runs VALUES (nextval('link_run_seq'), ?, 'duckdb', 0.9, '{}', "
                "'{}', 6, 3, 4)", [datetime(2024, 1, 2)])
    con.execute("INSERT INTO pairs VALUES (1, 'A/1', 'B/1', 5.0, 0.98, NULL), "
                "(1, 'A/2', 'B/2', 0.0, 0.5, NULL), (1, 'A/3', 'B/3', 0.0, 0.6, NULL)")
    # A/2-B/2: match, then non-match; the second was given an EARLIER clock time (a clock that
    # stepped back): the decision in force is the later-recorded one, by decision_id
    con.execute("INSERT INTO decisions VALUES (nextval('decision_seq'), 'A/2', 'B/2', 'match', "
                "'ann', ?, NULL, NULL)", [datetime(2024, 1, 3, 10)])
    con.execute("INSERT INTO decisions VALUES (nextval('decision_seq'), 'A/2', 'B/2', "
                "'non-match', 'bob', ?, NULL, 1)", [datetime(2024, 1, 3, 9)])
    # A/3-B/3 written the other way round (v1's writers sorted pairs; a hand-made row may not)
    con.execute("INSERT INTO decisions VALUES (nextval('decision_seq'), 'B/3', 'A/3', 'match', "
                "'ann', ?, NULL, NULL)", [datetime(2024, 1, 3, 11)])
    con.close()


def test_a_v1_store_opens_migrated_in_place(tmp_path):
    path = tmp_path / "v1.duckdb"
    _v1_store(path)
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 3
        assert store.records.count() == 6 and store.decisions.count() == 3   # nothing lost
        assert store.decisions.history("A/3", "B/3")[0]["decision"] == "match"  # pair sorted
        in_force = store.decisions.in_force()
        assert in_force[["uid_l", "uid_r", "decision", "decision_id"]].values.tolist() == [
            ["A/2", "B/2", "non-match", 2], ["A/3", "B/3", "match", 3]]
        persons = current_persons(store)
        pid = persons.frame.set_index("uid")["person_id"]
        assert pid["A/1"] == pid["B/1"] and pid["A/3"] == pid["B/3"] and pid["A/2"] != pid["B/2"]
        assert persons.n_persons == 4
        table = capture_table(store, strata=["region"])
        regions = store.persons.regions(persons.frame)
        # A/3 (no region) + B/3 (RU-MOW): the one region given; A/2 and B/2 apart
        assert regions[pid["A/3"]] == "RU-MOW" and regions[pid["A/1"]] == "RU-TY"
        assert table.observed == 4
        # the new writer works on the migrated store, and the migration is in the audit log
        rec = store.decisions.record("B/2", "A/2", "match", reviewer="cat", based_on=2)
        assert (rec.previous, rec.stale, rec.conflict) == (2, False, False)
        actions = [a for (a,) in store.con.execute("SELECT action FROM audit_log").fetchall()]
        assert actions == ["migrate", "migrate", "decision"]   # 1 -> 2 -> 3
        # version 3: the review server's tables exist and work
        assert store.sessions.live_count() == 0 and store.idempotency.count() == 0
    with Store.open(path, read_only=True) as store:    # migrated once, for good
        assert store.schema_version() == SCHEMA_VERSION and len(store.decisions.in_force()) == 2


def test_a_v1_store_opened_read_only_is_migrated_first(tmp_path):
    path = tmp_path / "v1.duckdb"
    _v1_store(path)
    with Store.open(path, read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.decisions.conflicts() == [] and len(store.decisions.in_force()) == 2
        with pytest.raises(duckdb.Error):       # and it is read-only, as asked
            store.con.execute("DELETE FROM records")


def test_newer_and_foreign_files_are_refused(tmp_path):
    path = tmp_path / "v1.duckdb"
    _v1_store(path)
    newer = tmp_path / "v9.duckdb"
    shutil.copy(path, newer)
    with duckdb.connect(str(newer)) as con:
        con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with pytest.raises(ProjectError, match="newer than this uncounted"):
        Store.open(newer)
    foreign = tmp_path / "other.duckdb"
    duckdb.connect(str(foreign)).close()
    with pytest.raises(ProjectError, match="not an uncounted project store"):
        Store.open(foreign)


def test_transactions_nest_and_roll_back_as_one(tmp_path):
    with Store.create(tmp_path / "s.duckdb") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.audit("outer")
            with store.transaction():
                store.audit("inner")
            raise RuntimeError("boom")
        with store.transaction():
            with store.transaction():
                store.audit("inner")
            store.audit("outer")
        rows = store.con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()
        assert rows == [("inner",), ("outer",)]
