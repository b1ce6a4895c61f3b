"""Project folder and store basics."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import ProjectError
from uncounted.project import Project


def test_init_creates_store_and_refuses_twice(tmp_path):
    r = CliRunner().invoke(app, ["init", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    p = Project.open(tmp_path / "p")
    with p.store() as s:
        tables = {t for (t,) in s.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"lists", "imports", "records", "audit_log", "pairs", "persons", "decisions"} <= tables
        assert s.con.execute("SELECT count(*) FROM audit_log WHERE action = 'init'").fetchone()[0] == 1
    r = CliRunner().invoke(app, ["init", str(tmp_path / "p")])
    assert r.exit_code == 2 and "already holds" in r.output


def test_transaction_rolls_back(tmp_path):
    p = Project.init(tmp_path / "p")
    with p.store() as s:
        with pytest.raises(RuntimeError), s.transaction():
            s.audit("x")
            raise RuntimeError("boom")
        assert s.con.execute("SELECT count(*) FROM audit_log WHERE action = 'x'").fetchone()[0] == 0


def test_open_missing(tmp_path):
    with pytest.raises(ProjectError, match="not an uncounted project"):
        Project.open(tmp_path)
