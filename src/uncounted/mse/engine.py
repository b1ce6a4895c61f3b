"""Where the strata of one estimator are fitted: the engine protocol and the local engine.

:meth:`Estimator.fit_strata <uncounted.mse.base.Estimator.fit_strata>` turns each stratum into a
:class:`StratumJob` (the estimator, the stratum's own table and its label) and hands the list to an
engine, an object with one method::

    engine.run(jobs, report) -> list[Estimate]     # one row per job, in the jobs' order

Every engine fits a job with :func:`fit_job`, wherever it runs it, so a stratum's row is the same
on every engine: its random stream depends on the estimator's seed and the stratum's table only,
never on the process, the machine or the order. ``report(label, event, info)``, when not ``None``,
is told ``"start"`` when a stratum begins (from the process that fits it), ``"sampler"`` with a
sampler's ``progress(info)`` report while it runs (lcmcr: draws, R-hat, ESS) and ``"done"`` with
``{"status": ...}`` when its row is back; an engine delivers these in the caller's thread.

:class:`LocalEngine` fits the jobs in this process or in a pool of local processes. Distributed
engines live outside the MSE core (it imports nothing but its own modules and the exceptions):
:class:`uncounted.engines.DaskEngine` runs the same jobs on a Dask cluster (``docs/distributed.md``).

A stratum whose fit fails with an unexpected error, or whose worker process dies, becomes a
not-estimable row with code ``stratum_failed`` naming the error: the other strata's rows stand
(their total is not estimable, ``strata_not_estimable``).
"""

from __future__ import annotations

import copy
import queue as _queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..exceptions import DependencyError, InputError
from .result import Estimate

__all__ = ["LocalEngine", "StratumJob", "failed_stratum", "fit_job", "plain"]

Report = Callable[[str, str, "dict | None"], None]


@dataclass(frozen=True)
class StratumJob:
    """One stratum to fit: the estimator (its own ``progress`` cleared), the stratum's table (its
    empty lists already left out) and the stratum's label. Pickles as it is."""

    estimator: Any
    table: Any
    label: str


def fit_job(job: StratumJob, report: Report | None = None) -> Estimate:
    """The row of one stratum, in whichever process runs it (module level, so that it pickles).

    Says ``"start"`` and forwards the sampler's reports to ``report``; an unexpected error becomes
    the stratum's not-estimable row (:func:`failed_stratum`). Errors in the input or a missing
    dependency propagate: they are the same in every stratum.
    """
    est = job.estimator
    if report is not None:
        report(job.label, "start", None)
        if "progress" in est.options():
            est = copy.copy(est)
            est.progress = _SamplerReport(report, job.label)
    try:
        return est.fit_or_row(job.table, stratum=job.label)
    except (InputError, DependencyError):
        raise
    except Exception as err:  # noqa: BLE001 - one stratum's failure is that stratum's row
        return failed_stratum(job, err)


def failed_stratum(job: StratumJob, err: BaseException | str) -> Estimate:
    """The not-estimable row (code ``stratum_failed``) of a stratum whose fit failed or whose
    worker was lost, naming the error."""
    what = err if isinstance(err, str) else f"{type(err).__name__}: {err}".rstrip(": ")
    est = job.estimator
    return Estimate.not_estimable(
        est.name, job.table, f"fitting this stratum failed ({what}); the other strata's rows "
        "stand", code="stratum_failed", stratum=job.label, level=getattr(est, "level", 0.95),
        seed=getattr(est, "seed", None))


def plain(info: dict | None) -> dict | None:
    """A sampler report with NumPy scalars made Python numbers (to cross any wire)."""
    if info is None:
        return None
    return {k: v.item() if hasattr(v, "item") and callable(v.item) else v for k, v in info.items()}


class _SamplerReport:
    """An estimator's ``progress``: its sampler's reports, labelled with the stratum."""

    def __init__(self, report: Report, label: str) -> None:
        self.report, self.label = report, label

    def __call__(self, info: dict) -> None:
        self.report(self.label, "sampler", plain(info))


class Relay:
    """``report`` for an engine's caller: each stratum's ``"start"`` comes before its ``"done"``
    (said on arrival of the row if the worker's own message has not come yet), and what arrives
    for a stratum already done (a worker's last messages can overtake its result) is dropped."""

    def __init__(self, report: Report | None) -> None:
        self.report, self.started, self.finished = report, set(), set()

    def __call__(self, label: str, event: str, info: dict | None) -> None:
        if self.report is None or label in self.finished:
            return
        if event == "start":
            if label in self.started:
                return
            self.started.add(label)
        self.report(label, event, info)

    def done(self, label: str, row: Estimate) -> None:
        """Say ``"done"`` with the row's status (and ``"start"`` first if still unsaid)."""
        self(label, "start", None)
        self(label, "done", {"status": row.status})
        self.finished.add(label)


# ---------------------------------------------------------------------------- local processes
_WORKER_QUEUE = None


def _init_worker(events) -> None:
    global _WORKER_QUEUE
    _WORKER_QUEUE = events


def _queue_report(label: str, event: str, info: dict | None) -> None:
    _WORKER_QUEUE.put((label, event, info))


def _fit_in_worker(job: StratumJob) -> Estimate:
    return fit_job(job, _queue_report if _WORKER_QUEUE is not None else None)


class LocalEngine:
    """Fits the jobs here (``workers=1``) or in ``workers`` local processes.

    The processes are ``spawn``ed (numba's threads are never forked); their reports come back on
    a multiprocessing queue read between results, so the caller's display is drawn by the
    caller's thread alone. A worker process that dies (killed for memory) breaks the pool: the
    strata not yet back become ``stratum_failed`` rows.
    """

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def __repr__(self) -> str:
        return f"LocalEngine(workers={self.workers})"

    def run(self, jobs: Sequence[StratumJob], report: Report | None = None) -> list[Estimate]:
        relay = Relay(report)
        if self.workers <= 1 or len(jobs) <= 1:
            rows = []
            for job in jobs:
                rows.append(fit_job(job, relay if report is not None else None))
                relay.done(job.label, rows[-1])
            return rows
        return self._pool(jobs, relay, report is not None)

    def _pool(self, jobs, relay: Relay, reporting: bool) -> list[Estimate]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        ctx = multiprocessing.get_context("spawn")
        events = ctx.Queue() if reporting else None
        rows: list[Estimate | None] = [None] * len(jobs)
        with ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=ctx,
                                 initializer=_init_worker, initargs=(events,)) as pool:
            index = {pool.submit(_fit_in_worker, job): i for i, job in enumerate(jobs)}
            pending = set(index)
            while pending:
                finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                _drain(events, relay)
                for fut in sorted(finished, key=index.__getitem__):
                    i = index[fut]
                    rows[i] = _row_of(fut, jobs[i])
                    relay.done(jobs[i].label, rows[i])
        _drain(events, relay)
        return rows  # type: ignore[return-value]


def _row_of(fut, job: StratumJob) -> Estimate:
    """A finished future's row; a lost worker (or any error that escaped) is the stratum's row."""
    try:
        return fut.result()
    except (InputError, DependencyError):
        raise
    except Exception as err:  # noqa: BLE001 - BrokenProcessPool: the worker died
        return failed_stratum(job, err)


def _drain(events, relay: Relay) -> None:
    if events is None:
        return
    while True:
        try:
            label, event, info = events.get_nowait()
        except _queue.Empty:
            return
        relay(label, event, info)
