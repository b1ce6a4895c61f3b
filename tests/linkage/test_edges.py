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
        res = link_project(store, progress=False)
    assert (res.n_records, res.n_persons) == (2, 2)
    # the skipped training steps are said in the run's checks (notes: two records are too few
    # to train on), not as Splink's raw message
    codes = {c["code"]: c["severity"] for c in res.checks}
    assert codes["training_no_prior"] == "note" and codes["training_no_pairs"] == "note"


def test_train_linker_alone_still_warns(tmp_path):
    from uncounted.linkage.link import train_linker

    class Linker:                                   # every training step raises
        class training:
            @staticmethod
            def estimate_probability_two_random_records_match(*a, **k):
                raise ValueError("no pairs")

            estimate_u_using_random_sampling = estimate_probability_two_random_records_match
            estimate_parameters_using_expectation_maximisation = \
                estimate_probability_two_random_records_match

        class _settings_obj:
            _probability_two_random_records_match = 0.0

    with pytest.warns(EstimationWarning, match="skipped"):
        train_linker(Linker())


def test_bad_threshold_and_backend(tmp_path):
    Project.init(tmp_path / "p")
    r = runner.invoke(app, ["link", str(tmp_path / "p"), "--threshold", "1.5"])
    assert r.exit_code == 2 and "threshold" in r.output
    r = runner.invoke(app, ["link", str(tmp_path / "p"), "--backend", "oracle"])
    assert r.exit_code == 2 and "backend" in r.output
