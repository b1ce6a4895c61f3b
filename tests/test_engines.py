"""Strata on a Dask cluster (a LocalCluster of 2 worker processes): the same rows as the local
run for the same seed, progress from the workers, and a failing stratum as its own row.

The cluster tests are marked ``dask`` and ``slow`` (a cluster and its workers' imports take
~10 s, and each test fits on it: ~50 s in all on 2 busy cores); CI runs them in their own step,
``pytest -m 'spark or dask'``. The engine's errors and install hint run in the default suite.
"""

from __future__ import annotations

import json

import pytest

from uncounted.exceptions import DependencyError, InputError
from uncounted.mse import ChaoLowerBound, LatentClass
from uncounted.mse.api import estimate

pytest.importorskip("distributed")

from uncounted.engines import DaskEngine, make_engine

from .mse.tables import three_strata_table


@pytest.fixture(scope="module")
def table():
    return three_strata_table()


@pytest.fixture(scope="module")
def dask():
    with make_engine("dask", workers=2) as engine:   # a LocalCluster, closed after the module
        yield engine


@pytest.mark.dask
@pytest.mark.slow
def test_dask_rows_equal_the_local_rows(table, dask):
    # the parametric bootstrap is random: equal draws show each stratum's stream is its own
    local = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3)
    events = []
    remote = estimate(table, "loglinear,chao", interval="bootstrap", n_draws=200, seed=3,
                      engine=dask, strata_progress=lambda *e: events.append(e))
    assert len(local) == 8 and remote == local
    assert all(r.draws is not None for r in remote if r.method == "loglinear")
    seq: dict[str, list[str]] = {}
    for label, event, _ in events:
        seq.setdefault(label, []).append(event)
    assert seq == {f"{m} [s={s}]": ["start", "done"] for m in ("loglinear", "chao") for s in "xyz"}


@pytest.mark.dask
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::uncounted.exceptions.ConvergenceWarning")  # short chains
def test_dask_lcmcr_equals_local_and_reports_its_sampler(table, dask):
    # lcmcr's chains are seeded from the seed and each stratum's table hash: the same draws on
    # a worker of the cluster as here
    quick = {"burn_in": 200, "n_draws": 100, "thin": 1, "chains": 2, "target_ess": 0, "seed": 4}
    local = LatentClass(**quick).fit_strata(table)
    events = []
    remote = LatentClass(**quick).fit_strata(table, engine=dask,
                                             events=lambda *e: events.append(e))
    assert remote == local and remote[3].draws is not None
    sampler = [info for _, event, info in events if event == "sampler"]
    assert sampler and sampler[-1]["draws_per_chain"] == 100 and sampler[-1]["chains"] == 2


class _BrokenOnOne(ChaoLowerBound):
    """Chao's bound, with an unexpected error in the stratum of ``fail_at`` people."""

    def _fit(self, table):
        if table.observed == self.fail_at:
            raise ZeroDivisionError("float division by zero")
        return super()._fit(table)


@pytest.mark.dask
@pytest.mark.slow
def test_a_stratum_failing_on_a_worker_is_its_row(table, dask):
    good = ChaoLowerBound().fit_strata(table)
    broken = _BrokenOnOne()
    broken.fail_at = good[2].observed
    rows = broken.fit_strata(table, engine=dask)
    assert rows[:2] == good[:2]
    assert rows[2].reasons[0].code == "stratum_failed" and rows[2].status == "not_estimable"
    assert "ZeroDivisionError: float division by zero" in rows[2].reason   # raised on the worker
    assert rows[3].reasons[0].code == "strata_not_estimable"


@pytest.mark.dask
@pytest.mark.slow
def test_cli_scheduler_gives_the_local_json(tmp_path, table, dask):
    # --scheduler ADDRESS: the command connects to a running cluster (this module's) and leaves
    # it running; the JSON equals the local engine's
    from typer.testing import CliRunner

    from uncounted.cli import app

    path = tmp_path / "t.csv"
    table.to_csv(path)
    address = dask.client().scheduler.address
    out = []
    for extra in ([], ["--scheduler", address]):
        r = CliRunner().invoke(app, ["estimate", str(path), "--strata", "s", "-m", "chao",
                                     "--json", *extra])
        assert r.exit_code == 0, r.output
        out.append(json.loads(r.stdout))
    assert out[0] == out[1] and len(out[0]) == 4
    assert dask.client().status == "running"


def test_make_engine_names_the_engines():
    with pytest.raises(InputError, match="unknown engine 'ray'; the engines are local, dask"):
        make_engine("ray")
    with pytest.raises(InputError, match="scheduler address needs engine 'dask'"):
        make_engine("local", address="tcp://127.0.0.1:8786")
    assert repr(make_engine("dask", address="tcp://127.0.0.1:8786")) == \
        "DaskEngine(address='tcp://127.0.0.1:8786', workers=None)"


def test_missing_dask_names_the_extra(monkeypatch):
    from uncounted import _extras

    real = _extras._present
    monkeypatch.setattr(_extras, "_present", lambda m: m != "distributed" and real(m))
    with pytest.raises(DependencyError, match=r"pip install 'uncounted\[dask\]' \(distributed"):
        DaskEngine("tcp://127.0.0.1:8786")
