"""The local engine of strata: what it reports while it runs, and a failing stratum as a row."""

from __future__ import annotations

import pytest

from uncounted.exceptions import InputError
from uncounted.mse import ChaoLowerBound, LatentClass
from uncounted.mse.api import estimate
from uncounted.mse.engine import LocalEngine

from .tables import three_strata_table


@pytest.fixture(scope="module")
def table():
    return three_strata_table()


def _by_label(events):
    out: dict[str, list[str]] = {}
    for label, event, _info in events:
        out.setdefault(label, []).append(event)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_each_stratum_starts_then_finishes_with_its_status(table, workers):
    events, counted = [], []
    rows = estimate(table, "chao", workers=workers, strata_progress=lambda *e: events.append(e),
                    progress=lambda done, total, label: counted.append((done, total)))
    assert _by_label(events) == {f"chao [s={s}]": ["start", "done"] for s in "xyz"}
    status = {label: info["status"] for label, event, info in events if event == "done"}
    assert status == {f"chao [{r.stratum}]": r.status for r in rows[:3]}
    # progress is told as each stratum starts (with the strata finished so far), then at the end
    dones = [d for d, _ in counted]
    assert len(counted) == 4 and dones == sorted(dones) and counted[-1] == (3, 3)
    assert all(t == 3 for _, t in counted) and dones[0] == 0


@pytest.mark.filterwarnings("ignore::uncounted.exceptions.ConvergenceWarning")  # short chains
def test_sampler_reports_are_labelled_with_their_stratum(table):
    events, own = [], []
    quick = {"burn_in": 200, "n_draws": 100, "thin": 1, "chains": 2, "target_ess": 0, "seed": 4}
    rows = LatentClass(**quick, progress=own.append).fit_strata(
        table, events=lambda *e: events.append(e))
    sampler = [(label, info) for label, event, info in events if event == "sampler"]
    assert {label for label, _ in sampler} == {"s=x", "s=y", "s=z"}
    # the last report of each stratum is its last round: every draw of the chains taken
    last = {label: info for label, info in sampler}
    assert all(info["draws_per_chain"] == 100 and info["chains"] == 2 for info in last.values())
    assert len(own) == len(sampler)               # the estimator's own callback still hears all
    assert [r.stratum for r in rows] == ["s=x", "s=y", "s=z", "total"]
    for label, seq in _by_label(events).items():
        assert seq[0] == "start" and seq[-1] == "done" and set(seq[1:-1]) == {"sampler"}, label


class _BrokenOnY(ChaoLowerBound):
    """Chao's bound, with an unexpected error in stratum s=y (a bug in an estimator)."""

    def _fit(self, table):
        if table.observed == self.fail_at:
            raise ZeroDivisionError("float division by zero")
        return super()._fit(table)


def test_a_stratum_that_fails_is_a_row_and_the_others_stand(table):
    good = ChaoLowerBound().fit_strata(table)
    broken = _BrokenOnY()
    broken.fail_at = good[1].observed
    rows = broken.fit_strata(table)
    assert [r.stratum for r in rows] == ["s=x", "s=y", "s=z", "total"]
    assert rows[0] == good[0] and rows[2] == good[2]
    assert not rows[1].estimable and rows[1].status == "not_estimable"
    assert rows[1].reasons[0].code == "stratum_failed"
    assert "ZeroDivisionError: float division by zero" in rows[1].reason
    assert rows[3].reasons[0].code == "strata_not_estimable" and "s=y" in rows[3].reason


def test_engine_must_be_local_or_an_engine_object(table):
    with pytest.raises(InputError, match=r"make_engine\('dask'"):
        ChaoLowerBound().fit_strata(table, engine="dask")
    with pytest.raises(InputError, match="workers applies to the local engine"):
        ChaoLowerBound().fit_strata(table, engine=LocalEngine(2), workers=2)
    # an engine object is used as it is
    assert ChaoLowerBound().fit_strata(table, engine=LocalEngine(1)) == \
        ChaoLowerBound().fit_strata(table)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::uncounted.exceptions.ConvergenceWarning")
def test_sampler_reports_cross_process_boundaries(table):
    # workers=2: the estimator's own progress is a closure (it cannot pickle); its reports come
    # back from the worker processes on the queue, as in the serial run, and the rows are equal
    quick = {"burn_in": 200, "n_draws": 100, "thin": 1, "chains": 2, "target_ess": 0, "seed": 4}
    got = {}
    for workers in (1, 2):
        events, own = [], []
        rows = LatentClass(**quick, progress=own.append).fit_strata(
            table, workers=workers, events=lambda *e, out=events: out.append(e))
        got[workers] = (rows, sorted((label, ev) for label, ev, _ in events), len(own))
    assert got[1] == got[2]
