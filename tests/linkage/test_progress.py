"""The library is silent and leaves the process as it found it; the CLI draws the progress."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import ConfigError
from uncounted.linkage.link import link_project
from uncounted.project import Project

from .helpers import insert_records, synthetic_lists

# 150 people are too few for one EM session; the warning about it is not what is tested here
pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.EstimationWarning")


@pytest.fixture()
def small_project(tmp_path):
    p = Project.init(tmp_path / "p")
    records, _ = synthetic_lists(150, seed=5)
    with p.store() as store:
        insert_records(store, records)
    return p


def test_link_is_silent_by_default_and_restores_splink_logging(small_project, capfd):
    splink = logging.getLogger("splink")
    splink.setLevel(logging.DEBUG)
    handlers, propagate = list(splink.handlers), splink.propagate
    with small_project.store() as store:
        res = link_project(store)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert res.n_persons > 0
    assert splink.level == logging.DEBUG          # set back, not left at ERROR
    assert (splink.handlers, splink.propagate) == (handlers, propagate)  # no handler added
    splink.setLevel(logging.NOTSET)


def test_progress_callback_sees_each_step_start_and_end(small_project):
    events = []
    with small_project.store() as store:
        res = link_project(store, progress=lambda step, seconds: events.append((step, seconds)))
    starts = [s for s, sec in events if sec is None]
    ends = [s for s, sec in events if sec is not None]
    assert starts == ends == list(res.steps)
    assert starts[0] == "prepare input" and starts[-1] == "cluster and save"
    assert all(sec >= 0 for _, sec in events if sec is not None)


def test_progress_must_be_a_callback(small_project):
    with small_project.store() as store, pytest.raises(ConfigError, match="progress"):
        link_project(store, progress="yes")


def test_cli_draws_the_steps_on_stderr(small_project):
    r = CliRunner().invoke(app, ["link", str(small_project.root)])
    assert r.exit_code == 0, r.output
    assert "train: prior, u by random sampling, m by EM" in r.output
    r = CliRunner().invoke(app, ["link", str(small_project.root), "--quiet"])
    assert r.exit_code == 0 and "train: prior" not in r.output
