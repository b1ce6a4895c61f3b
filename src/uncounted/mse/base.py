"""The base class of estimators: the constructor stores, :meth:`Estimator.fit` works.

Subclasses declare their settings as keyword-only constructor parameters with defaults, stored
under the same names and nothing else (scikit-learn's convention), and ``_constraints``, the
accepted forms of each (:mod:`uncounted.mse._validation`). The base class then gives them
:meth:`~Estimator.get_params`, :meth:`~Estimator.set_params`, :meth:`~Estimator.clone`, rejects
unknown options at construction with the valid ones listed, checks every setting at the start of
:meth:`~Estimator.fit`, turns the warnings a fit issues into :class:`~uncounted.mse.status.Reason`
records, and decides the status of the result.
"""

from __future__ import annotations

import copy
import inspect
import os
import time
import warnings
from collections.abc import Mapping
from os import PathLike
from typing import Any, ClassVar

from ..exceptions import CaptureTableError, DataWarning, NotEstimableError, UncountedWarning
from . import status as _status
from ._table_io import is_dataframe
from ._validation import parameter_error, unknown_options, validate
from .engine import LocalEngine, StratumJob
from .result import Estimate
from .status import Reason, error_code, not_estimable
from .table import CaptureTable, read_capture_table

__all__ = ["Estimator", "as_table"]


class Estimator:
    """Base class of the estimators of :mod:`uncounted.mse`.

    Class attributes a subclass sets: ``name`` (the method name), ``min_lists`` / ``max_lists``
    (the numbers of lists the method handles), ``draws_kind`` (``"posterior"`` when its draws are
    posterior draws, else ``None``) and ``_constraints``. It implements ``_fit(table) ->
    Estimate`` and may raise :class:`NotEstimableError` (made with
    :func:`uncounted.mse.status.not_estimable` to carry a reason code).
    """

    name: ClassVar[str] = "estimator"
    min_lists: ClassVar[int] = 2
    max_lists: ClassVar[int | None] = None
    draws_kind: ClassVar[str | None] = None
    _constraints: ClassVar[Mapping[str, list]] = {}

    def __new__(cls, *args, **kwargs):
        if args:
            raise TypeError(f"{cls.__name__} takes keyword arguments only, e.g. "
                            f"{cls.__name__}(level=0.9); got {len(args)} positional")
        unknown_options(cls.__name__, kwargs, cls._param_names())
        return super().__new__(cls)

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"
                and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]

    @classmethod
    def _defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {p.name: p.default for p in sig.parameters.values()
                if p.name != "self" and p.default is not p.empty}

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The names of this estimator's settings (its constructor's keyword arguments)."""
        return tuple(cls._param_names())

    def get_params(self) -> dict[str, Any]:
        """The settings, as given to the constructor (or by :meth:`set_params`)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> Estimator:
        """Change settings (checked; nothing changes when one is invalid). Returns the estimator."""
        unknown_options(type(self).__name__, params, self._param_names())
        self._check_params({**self.get_params(), **params})
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def clone(self) -> Estimator:
        """A new, unfitted estimator with deep copies of the same settings."""
        return type(self)(**copy.deepcopy(self.get_params()))

    def _check_params(self, params: Mapping[str, Any] | None = None) -> None:
        """Check every setting against ``_constraints`` (and :meth:`_check_more`)."""
        params = self.get_params() if params is None else params
        validate(type(self).__name__, params, self._constraints, self._defaults())
        self._check_more(params)

    def _check_more(self, params: Mapping[str, Any]) -> None:
        """Checks that involve several settings at once (subclasses override)."""

    def __repr__(self) -> str:
        defaults = self._defaults()
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()
                           if k not in defaults or defaults[k] is not v and defaults[k] != v)
        return f"{type(self).__name__}({params})"

    # ------------------------------------------------------------------ fitting
    def fit(self, table) -> Estimate:
        """Estimate the population size of ``table`` (collapsed over strata, if any).

        ``table`` is a :class:`CaptureTable`, a pandas DataFrame in the capture-table file's shape
        (every column but ``count`` a list) or the path of a capture-table CSV (see
        :func:`as_table`). Returns a new :class:`Estimate`; raises :class:`NotEstimableError` when
        the method cannot be applied, with the reason.
        """
        self._check_params()
        table = as_table(table)
        if table.is_stratified:
            table = table.collapse()
        self._check_lists(table)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UncountedWarning)
            est = self._fit(table)
        seconds = time.perf_counter() - t0
        ours = [w for w in caught if issubclass(w.category, UncountedWarning)]
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        found = [_status.reason_from_warning(w.message) for w in ours]
        if table.dropped:
            found.insert(0, Reason("lists_dropped", f"list(s) {', '.join(table.dropped)} have no "
                                   "records here and were left out"))
        est = est.replace(input_hash=table.input_hash(),
                          warnings=tuple(dict.fromkeys(est.warnings + tuple(r.message for r in found
                                                       if r.code != "lists_dropped"))),
                          reasons=tuple(dict.fromkeys(tuple(found) + est.reasons)),
                          draws_kind=est.draws_kind if est.draws is not None else None,
                          timings={**est.timings, "fit_seconds": seconds})
        st, reasons = _status.decide(est, table)
        return est.replace(status=st, reasons=reasons)

    #: Whether a fit takes so little (closed forms) that a process per stratum costs more than
    #: it saves: ``workers=None`` then fits the strata here.
    cheap: ClassVar[bool] = False

    def _threads_per_fit(self) -> int:
        """Cores one fit keeps busy (lcmcr runs its chains in threads)."""
        return 1

    def auto_workers(self, n_strata: int) -> int:
        """The processes ``workers=None`` fits ``n_strata`` strata in: one per core the fits
        leave free (all of them for a single-threaded fit, ``cores // chain threads`` for
        lcmcr), at most one per stratum, and 1 for the closed forms. The verdata replicate by
        year and sex, log-linear, on 2 cores: 53.7 s serial, 33.4 s in 2 processes, the same
        rows; Chao there: 0.8 s serial, 1.0 s in 2 (docs/mse_api.md)."""
        if self.cheap or n_strata < 2:
            return 1
        return max(1, min(n_strata, available_cores() // max(1, self._threads_per_fit())))

    def fit_strata(self, table, *, total: bool = True, progress=None, workers: int | None = None,
                   engine="local", events=None) -> list[Estimate]:
        """Fit every stratum; a stratum that cannot be estimated becomes a row with its reason.

        Each stratum's table leaves out the lists with no records there (named in the row's
        reasons). With ``total=True`` a last row sums the strata (see
        :func:`uncounted.mse.strata.sum_strata`).

        ``engine`` runs the strata (:mod:`uncounted.mse.engine`): ``"local"`` fits them here, or
        in ``workers`` processes (``spawn``ed, so numba's threads are never forked; default
        :meth:`auto_workers`: the cores the fits leave free); a distributed engine object such
        as :class:`uncounted.engines.DaskEngine` fits them on a cluster (``workers`` is then the
        cluster's business and must stay 1 or None). Every stratum's
        random stream depends on the seed and its table only, so the rows equal the serial ones
        on every engine. A stratum whose fit fails unexpectedly, or whose worker dies, is a
        not-estimable row (``stratum_failed``) and the other rows stand.

        ``progress(label)``, when given, is called as each stratum starts. ``events(label,
        event, info)`` is told ``"start"``, ``"sampler"`` (the stratum's sampler report, lcmcr)
        and ``"done"`` (``{"status": ...}``) for each stratum, in this thread, whatever the
        engine; the estimator's own ``progress`` (lcmcr) still receives every sampler report.
        Warnings raised in a worker reach the rows' reasons but are not re-issued here.
        """
        from .strata import sum_strata

        self._check_params()
        owner = type(self).__name__
        runner = None if workers is None else _engine(owner, engine, workers)  # before the table
        table = as_table(table)
        if runner is None:
            local = isinstance(engine, str) and engine == "local"
            runner = _engine(owner, engine, self.auto_workers(table.n_strata)
                             if local and table.is_stratified else 1)
        if not table.is_stratified:
            return [self.fit(table)]
        subs = list(table.iter_strata())
        trimmed = sum(len(sub.dropped) > len(table.dropped) for _, sub in subs)
        own = getattr(self, "progress", None) if "progress" in self.options() else None
        quiet = copy.copy(self)
        if own is not None:  # a caller's callable need not pickle: reports come back instead
            quiet.progress = None

        def report(label, event, info):
            if event == "start" and progress:
                progress(label)
            if event == "sampler" and own is not None:
                own(info)
            if events:
                events(label, event, info)

        jobs = [StratumJob(quiet, sub, label) for label, sub in subs]
        reporting = bool(progress or events or own is not None)
        rows = list(runner.run(jobs, report if reporting else None))
        if trimmed:
            warnings.warn(f"{table.source}: in {trimmed} of {table.n_strata} strata, lists with no "
                          "records there were left out of that stratum's fit (each row's reasons "
                          "name them)", DataWarning, stacklevel=2)
        if total:
            rows.append(sum_strata(rows, table))
        return rows

    def fit_or_row(self, table: CaptureTable, *, stratum: str | None = None) -> Estimate:
        """:meth:`fit`, with a not-estimable row (and its reason code) instead of the error."""
        try:
            return self.fit(table).replace(stratum=stratum)
        except (NotEstimableError, CaptureTableError) as err:
            reason = getattr(err, "reason", None) or str(err)
            notes = ((Reason("lists_dropped", f"list(s) {', '.join(table.dropped)} have no records "
                             "here and were left out"),) if table.dropped else ())
            return Estimate.not_estimable(self.name, table, reason, code=error_code(err),
                                          stratum=stratum, level=getattr(self, "level", 0.95),
                                          seed=getattr(self, "seed", None), reasons=notes)

    def _list_bounds(self) -> tuple[int, int | None]:
        """Fewest and most lists this estimator handles, as set now."""
        return self.min_lists, self.max_lists

    def applies_to(self, k: int) -> bool:
        """Whether a table of ``k`` lists is within this estimator's bounds."""
        lo, hi = self._list_bounds()
        return k >= lo and (hi is None or k <= hi)

    def _check_lists(self, table: CaptureTable) -> None:
        lo, hi = self._list_bounds()
        if table.observed == 0:
            raise not_estimable("nobody_observed", "no one is observed in this table")
        if table.k < lo:
            need = f"exactly {_words(lo)}" if hi == lo else f"at least {_words(lo)}"
            raise not_estimable("too_few_lists", f"{self.name} needs {need} lists; the table has "
                                f"{table.k}. {self._hint_few()}".strip())
        if hi is not None and table.k > hi:
            need = f"needs exactly {_words(hi)}" if hi == lo else f"handles at most {_words(hi)}"
            raise not_estimable("too_many_lists", f"{self.name} {need} lists; the table has "
                                f"{table.k}. {self._hint_many()}".strip())

    def _hint_few(self) -> str:
        return ""

    def _hint_many(self) -> str:
        return ""

    def _fit(self, table: CaptureTable) -> Estimate:  # pragma: no cover - abstract
        raise NotImplementedError


def _words(n: int) -> str:
    return {2: "two", 3: "three", 4: "four", 5: "five"}.get(n, str(n))


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it, as in a
    container or under ``taskset``; else every core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


def _engine(owner: str, engine, workers) -> Any:
    """The engine object for ``fit_strata``'s ``engine`` and ``workers`` (checked)."""
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise parameter_error(owner, "workers", "workers must be a whole number, 1 or more. Use, "
                              "e.g., workers=2.", workers)
    if isinstance(engine, str) and engine == "local":
        return LocalEngine(workers)
    if isinstance(engine, str) or not callable(getattr(engine, "run", None)):
        raise parameter_error(owner, "engine", "engine must be 'local' or an engine object with "
                              "a run(jobs, report) method, such as uncounted.engines.DaskEngine("
                              "address) (make one with uncounted.engines.make_engine('dask', "
                              "address=...); the MSE core imports no distributed engine itself)",
                              engine)
    if workers != 1:
        raise parameter_error(owner, "workers", "workers applies to the local engine; a "
                              "distributed engine uses its cluster's workers. Leave workers=1.",
                              workers)
    return engine


def as_table(obj) -> CaptureTable:
    """Accept what :meth:`Estimator.fit` and :func:`uncounted.estimate` accept.

    - a :class:`CaptureTable` (stratified or not);
    - a pandas DataFrame in the capture-table file's shape, unstratified: every column but
      ``count`` is a list;
    - the path (``str`` or path object) of a capture-table CSV, read unstratified.

    For a stratified file or frame, build the table first with :func:`read_capture_table` or
    :meth:`CaptureTable.from_frame` and their ``strata`` argument.
    """
    if isinstance(obj, CaptureTable):
        return obj
    if is_dataframe(obj):
        return CaptureTable.from_frame(obj)
    if isinstance(obj, (str, PathLike)):
        return read_capture_table(obj)
    raise TypeError(f"expected a CaptureTable, a pandas DataFrame or the path of a capture-table "
                    f"CSV; got {type(obj).__name__}")
