"""One-call estimation used by the CLI and by scripts: :func:`estimate`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..exceptions import DependencyError, InputError, Msg
from ._validation import parameter_error
from .base import as_table
from .registry import METHODS, estimator_class, make_estimator
from .result import Estimate

__all__ = ["estimate", "failed_row", "resolve_methods", "split_options"]


def resolve_methods(methods: Sequence[str] | str) -> list[str]:
    """Method names from ``"chao"``, ``"chao,lcmcr"``, ``["loglinear", "dga"]`` or ``"all"``.

    ``"all"`` is every registered method; the ones that do not apply to a table give a row
    saying why.
    """
    if isinstance(methods, str):
        methods = [methods]
    out: list[str] = []
    for m in methods:
        for part in str(m).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part == "all":
                out.extend(METHODS)
            else:
                estimator_class(part)  # an unknown name raises, listing the known ones
                out.append(part)
    if not out:
        raise parameter_error("estimate", "methods", Msg("no method given. Choose one of: "
                                                         "{methods}, all",
                                                         methods=", ".join(METHODS)), methods)
    return list(dict.fromkeys(out))


def split_options(names: Sequence[str], options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each method's own options out of ``options``.

    An option must belong to at least one of the methods; one that belongs to none is an
    :class:`InputError` listing the valid ones. Options given as ``None`` are left out (each
    estimator's default).
    """
    owned = {name: set(estimator_class(name).options()) for name in names}
    valid = set().union(*owned.values())
    for key in options:
        if key not in valid:
            import difflib

            close = difflib.get_close_matches(key, sorted(valid), n=1)
            hint = Msg(" (did you mean {close!r}?)", close=close[0]) if close else ""
            raise parameter_error("estimate", key, Msg(
                "unknown option {name!r}{hint} for {methods}. Valid options: {valid}.", name=key,
                hint=hint, methods=", ".join(names),
                valid=", ".join(sorted(valid | {"level", "seed"}))), key)
    return {name: {k: v for k, v in options.items() if k in owned[name] and v is not None}
            for name in names}


def estimate(table, methods: Sequence[str] | str = "loglinear", *, level: float | None = None,
             seed: int | None = None, progress: Callable[[int, int, str], None] | None = None,
             errors: str = "raise", workers: int | None = None, engine: Any = "local",
             sampler_progress: Callable[[dict], None] | None = None,
             strata_progress: Callable[[str, str, dict | None], None] | None = None,
             **options: Any) -> list[Estimate]:
    """Run one or more methods on ``table``; returns a list of :class:`Estimate`.

    Parameters
    ----------
    table
        What :meth:`Estimator.fit` accepts: a :class:`CaptureTable` (stratified or not), a pandas
        DataFrame in the capture-table file's shape, or the path of a capture-table CSV (see
        :func:`uncounted.mse.base.as_table`).
    methods
        A method name, several (a list, or comma-separated), or ``"all"``.
    level
        Interval level for every method (default: each estimator's, 0.95).
    seed
        Seed for every random method (lcmcr, dga, loglinear's bootstrap); deterministic methods
        have no seed and ignore it. Default: each estimator's, 1.
    workers
        Processes fitting the strata of a stratified table at once (default: one per core
        each method's fits leave free, see :meth:`Estimator.auto_workers`; 1 fits them in this
        process). The rows are the same whatever the number.
    engine
        Where the strata run: ``"local"`` (with ``workers``) or a distributed engine object
        (:func:`uncounted.engines.make_engine`); the rows are the same on every engine.
    **options
        Any estimator setting (``selection``, ``max_order``, ``n_draws``, ``chains`` ...). Each
        method receives the options it has; an option that no chosen method has is an
        :class:`InputError` listing the valid ones.
    progress
        Called as ``progress(done, total, label)`` before each unit of work (a method, or a
        method on one stratum) with the units finished so far and what starts now (strata may
        run at once: ``strata_progress`` says when each finishes), and once at the end with
        ``done == total`` (``label`` empty).
    sampler_progress
        Passed as ``progress`` to the methods whose estimator takes one (lcmcr: chains, draws,
        current R-hat and ESS while it samples); ``progress`` above is this function's own.
        With a stratified table and ``strata_progress``, the sampler reports go to
        ``strata_progress`` instead, labelled with their stratum.
    strata_progress
        Called as ``strata_progress(label, event, info)`` for each stratum of a stratified table
        (``label`` is ``"method [stratum]"``; ``event`` ``"start"``, ``"sampler"`` or ``"done"``;
        see :meth:`Estimator.fit_strata`), in this thread whatever the engine.
    errors
        ``"raise"`` (default): an unexpected error in a method propagates. ``"row"``: it becomes
        that method's not-estimable row (code ``method_failed``) naming the error, so one broken
        method does not hide the others. Errors in the input (:class:`InputError`: a bad setting,
        a broken table) and a missing dependency always propagate.

    Returns
    -------
    list of Estimate
        For a stratified table, each method gives one row per stratum and a ``"total"`` row. A
        method that cannot be applied gives a row with ``estimable=False``, status
        ``not_estimable`` and the reason, so one failing method does not hide the others. With
        ``"all"``, a method that applies to no stratum (Lincoln-Petersen on more than two lists,
        dga on more than five) gives that single row.
    """
    if errors not in ("raise", "row"):
        raise parameter_error("estimate", "errors", "errors must be 'raise' or 'row'", errors)
    table = as_table(table)
    names = resolve_methods(methods)
    every = "all" in ([methods] if isinstance(methods, str) else list(methods))
    per = split_options(names, options)
    if sampler_progress is not None and not (strata_progress and table.is_stratified):
        for name in names:
            if "progress" in estimator_class(name).options():
                per[name]["progress"] = sampler_progress
    estimators = [make_estimator(name, level=level, seed=seed, **per[name]) for name in names]
    skips = [_skip_row(est, table) if every and table.is_stratified else None for est in estimators]
    n_strata = table.n_strata if table.is_stratified else 0
    total = sum(1 if skip or not n_strata else n_strata for skip in skips)
    done = 0
    rows: list[Estimate] = []
    for est, skip in zip(estimators, skips, strict=True):
        if skip is not None:
            rows.append(skip)
            done += 1
            continue

        def tick(label, name=est.name):
            nonlocal done
            if progress:
                progress(done, total, f"{name} [{label}]" if label else name)
            done += 1

        def event(label, what, info, name=est.name):
            nonlocal done
            done += what == "done"
            if progress and what == "start":
                progress(done, total, f"{name} [{label}]")
            if strata_progress:
                strata_progress(f"{name} [{label}]", what, info)

        try:
            if table.is_stratified:
                rows.extend(est.fit_strata(table, events=event, workers=workers, engine=engine))
            else:
                tick(None)
                rows.append(est.fit_or_row(table))
        except (InputError, DependencyError, KeyboardInterrupt):
            raise
        except Exception as err:
            if errors == "raise":
                raise
            rows.append(failed_row(est, table, err))
    if progress:
        progress(total, total, "")
    return rows


def failed_row(est, table, err: BaseException) -> Estimate:
    """The not-estimable row of a method that failed with an unexpected error (named in it)."""
    what = f"{type(err).__name__}: {err}".rstrip(": ")
    flat = table.collapse() if table.is_stratified else table
    return Estimate.not_estimable(
        est.name, flat, f"{est.name} failed with an unexpected error ({what}); the other methods' "
        "rows stand. Please report it with the table", code="method_failed",
        stratum="total" if table.is_stratified else None, level=getattr(est, "level", 0.95),
        seed=getattr(est, "seed", None))


def _skip_row(est, table) -> Estimate | None:
    """With ``"all"``: one row when ``est`` applies to no stratum's number of lists."""
    ks = {sub.k for _, sub in table.iter_strata()}
    if any(est.applies_to(k) for k in ks):
        return None
    lo, hi = est._list_bounds()
    need = f"exactly {lo}" if lo == hi else f"{lo} to {hi}" if hi else f"at least {lo}"
    reason = (f"{est.name} needs {need} lists; the strata have {min(ks)} to {max(ks)}"
              if ks else f"{est.name}: the table has no strata")
    code = "too_many_lists" if ks and hi is not None and min(ks) > hi else "too_few_lists"
    return Estimate.not_estimable(est.name, table.collapse(), reason + "; not run on any stratum",
                                  code=code, stratum="total", level=getattr(est, "level", 0.95),
                                  seed=getattr(est, "seed", None))
