"""Small and empty projects: a clear error, or a run with a warning, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import EstimationWarning
from uncounted.linkage.link import link_project
from uncounted.project import Project

from .helpers import insert_records

runner = CliRunner()


def test_empty_project_is_a_clean_error(tmp_path):
    Project.init(tmp_path / "p")
    r = runner.invoke(app, ["link", str(tmp_path / "p"), "--quiet"])
    assert r.exit_code == 2 and "import at least two records" in r.output
    r = runner.invoke(app, ["persons", str(tmp_path / "p"), "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "no link run" in r.output
    with Project.open(tmp_path / "p").store() as store:      # the scratch schema is gone
        schemas = {x[0] for x in store.con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert "splink_work" not in schemas


def test_two_unrelated_records_link_with_a_warning(tmp_path):
    p = Project.init(tmp_path / "p")
    with p.store() as store:
        insert_records(store, [
            {"list_name": "a", "record_id": "1", "surname_key": "ivanov", "given_name_key": "ivan"},
            {"list_name": "b", "record_id": "1", "surname_key": "petrov", "given_name_key": "ivan"}])
        with pytest.warns(EstimationWarning, match="skipped"):
            res = link_project(store, progress=False)
    assert (res.n_records, res.n_persons) == (2, 2)


def test_bad_threshold_and_backend(tmp_path):
    Project.init(tmp_path / "p")
    r = runner.invoke(app, ["link", str(tmp_path / "p"), "--threshold", "1.5"])
    assert r.exit_code == 2 and "threshold" in r.output
    r = runner.invoke(app, ["link", str(tmp_path / "p"), "--backend", "oracle"])
    assert r.exit_code == 2 and "backend" in r.output
