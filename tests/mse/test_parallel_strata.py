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
    serial = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3)
    parallel = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3,
                        workers=2)
    assert len(serial) == 8 and serial == parallel
    assert all(r.draws is not None for r in serial if r.method == "loglinear")


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
    serial = estimate(table, "lcmcr", n_draws=500)
    assert serial == estimate(table, "lcmcr", n_draws=500, workers=2)
