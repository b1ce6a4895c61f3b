"""Strata fitted in worker processes give the same rows as the serial fit (fixed seeds)."""

from __future__ import annotations

import pytest

from uncounted.exceptions import InputError
from uncounted.mse import LogLinear
from uncounted.mse.api import estimate

from .tables import three_strata_table


@pytest.fixture(scope="module")
def table():
    return three_strata_table()


def test_workers_give_identical_estimates(table):
    # the parametric bootstrap is random: equal draws show each stratum's stream is its own
    serial = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3,
                      workers=1)
    parallel = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3,
                        workers=2)
    assert len(serial) == 8 and serial == parallel
    assert all(r.draws is not None for r in serial if r.method == "loglinear")


def test_by_default_strata_take_the_cores_the_fits_leave_free(table, monkeypatch):
    # the issue asks strata in parallel by default: one process per core for a single-threaded
    # fit, cores // chain threads for lcmcr (its chains already run in threads), none for the
    # closed forms (a process costs more than Chao's whole fit) and none for one stratum
    from uncounted.mse import ChaoLowerBound, LatentClass, LincolnPetersen

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)))
    assert LogLinear().auto_workers(56) == 8 and LogLinear().auto_workers(3) == 3
    assert LogLinear().auto_workers(1) == 1
    assert LatentClass().auto_workers(56) == 2                   # 4 chains in 4 threads
    assert LatentClass(chains=2).auto_workers(56) == 4
    assert LatentClass(workers=1).auto_workers(56) == 8
    assert ChaoLowerBound().auto_workers(56) == LincolnPetersen().auto_workers(56) == 1
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert LatentClass().auto_workers(56) == 1 and LogLinear().auto_workers(56) == 2


def test_the_default_gives_the_serial_rows(table):
    serial = estimate(table, "loglinear", interval="bootstrap", n_draws=100, seed=5, workers=1)
    assert estimate(table, "loglinear", interval="bootstrap", n_draws=100, seed=5) == serial


def test_workers_must_be_a_positive_whole_number(table):
    with pytest.raises(InputError, match="workers"):
        LogLinear().fit_strata(table, workers=0)


def test_cli_workers_same_json(tmp_path, table):
    import json

    from typer.testing import CliRunner

    from uncounted.cli import app

    path = tmp_path / "t.csv"
    table.to_csv(path)
    out = []
    for w in ("1", "2"):
        r = CliRunner().invoke(app, ["estimate", str(path), "--strata", "s", "-m", "chao", "--json",
                                     "--workers", w])
        assert r.exit_code == 0, r.output
        out.append(json.loads(r.stdout))
    assert out[0] == out[1] and len(out[0]) == 4


@pytest.mark.slow
def test_lcmcr_workers_identical(table):
    # lcmcr mixes each stratum's table hash into its chains' seeds: processes change nothing
    serial = estimate(table, "lcmcr", n_draws=500, workers=1)
    assert serial == estimate(table, "lcmcr", n_draws=500, workers=2)
