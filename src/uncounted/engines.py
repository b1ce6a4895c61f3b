"""Distributed engines for the strata of an estimator (``docs/distributed.md``).

The MSE core fits strata here or in local processes (:class:`uncounted.mse.engine.LocalEngine`)
and imports nothing outside the package; this module brings the engine for users who outgrow one
machine, :class:`DaskEngine`, with the ``dask`` extra (``pip install 'uncounted[dask]'``)::

    from uncounted.engines import make_engine
    from uncounted.mse import LatentClass, read_capture_table

    table = read_capture_table("R1.csv", strata=["yy_hecho", "sexo"])
    rows = LatentClass(seed=1).fit_strata(table, engine=make_engine("dask", address="tcp://head:8786"))

Each stratum travels to a worker as one pickled job (the estimator's settings and that stratum's
own sparse table, a few kilobytes), is fitted there by :func:`uncounted.mse.engine.fit_job`, the
function the local engine runs, and its row comes back pickled: the rows equal the local ones for
the same seed. Dask was chosen over Spark and Ray (the reasons are in ``docs/distributed.md``).
"""

from __future__ import annotations

import queue
import uuid
from collections.abc import Sequence

from ._extras import require_extra
from .exceptions import InputError
from .mse.engine import LocalEngine, Relay, StratumJob, failed_stratum, fit_job, plain
from .mse.result import Estimate

__all__ = ["ENGINES", "DaskEngine", "make_engine"]

#: The engines ``make_engine`` (and ``uncounted estimate --engine``) knows.
ENGINES = ("local", "dask")


def make_engine(name: str = "local", *, address: str | None = None, workers: int | None = None):
    """The engine called ``name``: ``"local"`` (``workers`` processes on this machine) or
    ``"dask"`` (the Dask scheduler at ``address``; without one, a local Dask cluster of
    ``workers`` processes, for trying it out)."""
    if name == "local":
        if address is not None:
            raise InputError("a scheduler address needs engine 'dask' (the local engine runs on "
                             "this machine)", column="address", value=address)
        return LocalEngine(workers or 1)
    if name == "dask":
        return DaskEngine(address, workers=None if address else max(workers or 2, 1))
    raise InputError(f"unknown engine {name!r}; the engines are {', '.join(ENGINES)}",
                     column="engine", value=name)


class DaskEngine:
    """Fits strata on a Dask cluster: the scheduler at ``address`` (``tcp://host:8786``, as
    printed by ``dask scheduler``), or, without an address, a ``LocalCluster`` of ``workers``
    single-threaded processes started for the call and closed after it.

    One task per stratum (``pure=False``, so a re-run is never served from a cache); the worker
    processes need the same version of uncounted installed. Progress comes back as Dask events
    on a topic of this run (``log_event`` on the worker, ``subscribe_topic`` here), read in the
    caller's thread between results. A task that raises is caught inside
    :func:`~uncounted.mse.engine.fit_job` and returned as its stratum's ``stratum_failed`` row; a
    task whose workers keep dying (Dask's ``KilledWorker`` after its allowed failures) or that
    is cancelled becomes that row here.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, workers: int | None = None) -> None:
        require_extra("dask", "the Dask engine (uncounted.engines.DaskEngine)")
        self.address, self.workers = address, workers
        self._client = self._cluster = None

    def __repr__(self) -> str:
        return f"DaskEngine(address={self.address!r}, workers={self.workers!r})"

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def client(self):
        """The Dask client, connected (or its local cluster started) on first use and kept for
        the next strata until :meth:`close`: several methods share one cluster."""
        if self._client is None:
            import logging

            from distributed import Client, LocalCluster

            if self.address:
                self._client = Client(self.address)
            else:
                self._cluster = LocalCluster(n_workers=self.workers or 2, threads_per_worker=1,
                                             processes=True, dashboard_address=":0",
                                             silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
        return self._client

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this engine started one."""
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def run(self, jobs: Sequence[StratumJob], report=None) -> list[Estimate]:
        return self._run(self.client(), jobs, report)

    def _run(self, client, jobs, report) -> list[Estimate]:
        from distributed import wait

        relay = Relay(report)
        topic = f"uncounted-strata-{uuid.uuid4().hex}"
        events: queue.SimpleQueue = queue.SimpleQueue()
        if report is not None:
            client.subscribe_topic(topic, lambda event: events.put(event[1]))
        futures = [client.submit(_fit_on_worker, job, topic if report is not None else None,
                                 key=f"uncounted-stratum-{i}-{topic}", pure=False)
                   for i, job in enumerate(jobs)]
        index = {f.key: i for i, f in enumerate(futures)}
        rows: list[Estimate | None] = [None] * len(jobs)
        pending = set(futures)
        try:
            while pending:
                try:
                    wait(list(pending), timeout=0.25, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    pass
                _drain(events, relay)
                for fut in sorted((f for f in pending if f.done()), key=lambda f: index[f.key]):
                    pending.discard(fut)
                    i = index[fut.key]
                    rows[i] = _row_of(fut, jobs[i])
                    relay.done(jobs[i].label, rows[i])
        finally:
            if report is not None:
                client.unsubscribe_topic(topic)
        _drain(events, relay)
        return rows  # type: ignore[return-value]


def _fit_on_worker(job: StratumJob, topic: str | None) -> Estimate:
    """A stratum's row on a Dask worker, its progress sent as events on ``topic``."""
    if topic is None:
        return fit_job(job)
    from distributed import get_worker

    worker = get_worker()

    def report(label: str, event: str, info: dict | None) -> None:
        worker.log_event(topic, {"label": label, "event": event, "info": plain(info)})

    return fit_job(job, report)


def _row_of(fut, job: StratumJob) -> Estimate:
    if fut.status == "finished":
        return fut.result()
    if fut.status == "cancelled":
        return failed_stratum(job, "its task was cancelled on the Dask cluster")
    err = fut.exception()  # KilledWorker: the workers running it kept dying
    return failed_stratum(job, err)


def _drain(events: queue.SimpleQueue, relay: Relay) -> None:
    while True:
        try:
            msg = events.get_nowait()
        except queue.Empty:
            return
        relay(msg["label"], msg["event"], msg.get("info"))
