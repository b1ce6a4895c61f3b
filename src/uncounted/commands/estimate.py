"""``uncounted estimate``: population size from a capture table."""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path

import typer

from .._console import (
    STATUS_STYLE,
    Column,
    announce_lcmcr_compile,
    check_format,
    column_names,
    console,
    count_progress,
    err_console,
    escape,
    print_table,
    interactive,
    show_progress,
)
from ..exceptions import InputError, Msg
from ..i18n import _, format_number


def _fmt(x: float) -> str:
    return format_number(None if x is None or (isinstance(x, float) and math.isnan(x)) else x)


def estimate_rows(rows) -> list[dict]:
    """Flat rows (one per estimate) for :func:`print_table`: models in list names, the status and
    the reasons that are not plain notes (the notes stay in ``--format json``)."""
    from ..i18n.labels import model_label

    out = []
    for r in rows:
        said = [x.text(cli=True) for x in r.reasons if x.status != "ok"]  # notes stay in JSON
        note = "; ".join(said) if r.estimable else r.reason
        out.append({"method": r.method, "model": model_label(r.model, r.lists),
                    "stratum": r.stratum, "observed": r.observed,
                    "estimate": r.estimate if r.estimable else None,
                    "lower": r.lower if r.estimable else None,
                    "upper": r.upper if r.estimable else None, "level": r.level,
                    "status": r.status, "note": note})
    return out


def estimate_columns() -> list[Column]:
    return [Column("method", _("method")), Column("model", _("model")),
            Column("stratum", _("stratum")),
            Column("observed", _("observed"), "right", show=format_number),
            Column("estimate", _("estimate"), "right", show=_fmt),
            Column("interval", _("interval"), "right"),
            Column("status", _("status")), Column("note", _("note"), whole=False)]


def print_estimates(rows, console, title: str, fmt: str = "table") -> None:
    """Show ``title`` as a line, then the estimates through :func:`print_table` (``csv``/``json``:
    the flat rows, without the title)."""
    flat = estimate_rows(rows)
    if fmt != "table":
        cols = [c for c in estimate_columns() if c.key != "interval"]
        cols[5:5] = [Column("lower"), Column("upper"), Column("level")]
        print_table(flat, cols, fmt=fmt, out=console)
        return
    for r in flat:
        if r["estimate"] is not None:
            r["interval"] = f"{_fmt(r['lower'])} – {_fmt(r['upper'])} ({r['level']:.0%})"
        r["status"] = STATUS_WORDS().get(r["status"], r["status"])
    styles = ["dim" if not r.estimable else STATUS_STYLE.get(r.status) if r.status != "ok" else None
              for r in rows]
    print_table(flat, estimate_columns(), title=title, out=console, row_styles=styles)


def STATUS_WORDS() -> dict[str, str]:
    return {"ok": _("ok"), "caution": _("caution"), "unreliable": _("unreliable"),
            "not_estimable": _("not estimable")}


def _with_flag(err: InputError) -> InputError:
    """The same error, naming the command-line flag of the parameter it is about."""
    name = err.column
    if not isinstance(name, str) or name.startswith("-") or err.file is not None:
        return err
    from ..mse.status import flag  # the one spelling of a setting's flag (reasons use it too)

    out = InputError(Msg("{error} (on the command line: {flag})", error=err, flag=flag(name)),
                     value=err.value)
    out.column = flag(name)
    return out


def _replicate_paths(table: Path, patterns: list[str]) -> list[Path]:
    """TABLE then every --replicates file or glob match (sorted), each once."""
    import glob

    out = [table]
    for pat in patterns:
        hits = sorted(glob.glob(pat)) if glob.has_magic(pat) else [pat]
        if not hits:
            raise InputError(f"--replicates {pat!r} matches no file", column="--replicates",
                             value=pat)
        out += [Path(h) for h in hits]
    seen, paths = set(), []
    for p in out:
        if p.is_dir():
            raise InputError(f"--replicates takes capture-table files, not a folder: {p}",
                             column="--replicates", value=str(p))
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            paths.append(p)
    return paths


def _run_replicates(table, patterns, method, strata_cols, list_cols, options):
    """Estimate each replicate, combine (uncounted.mse.replicates); the first table for the header."""
    from ..mse import read_capture_table
    from ..mse.api import estimate as run
    from ..mse.replicates import combine_replicates

    paths = _replicate_paths(table, patterns)
    if len(paths) < 2:
        raise InputError("--replicates needs at least one more replicate file than TABLE",
                         column="--replicates", value=patterns)
    tabs = [read_capture_table(p, strata=strata_cols, lists=list_cols) for p in paths]
    try:
        runs = [run(t, method, **options) for t in tabs]
    except InputError as err:
        raise _with_flag(err) from err
    names = [p.name for p in paths]
    names = names if len(set(names)) == len(names) else [str(p) for p in paths]
    return tabs[0], combine_replicates(runs, names=names, seed=options["seed"])


def register(app: typer.Typer) -> None:
    @app.command()
    def estimate(
        table: Path = typer.Argument(..., help="Capture-table CSV (one 0/1 column per list, optional "
                                               "'count' and stratum columns), or a project folder "
                                               "(histories of its latest link run)."),
        method: list[str] = typer.Option(["loglinear"], "--method", "-m",
                                         help="lincoln-petersen, chao, loglinear, lcmcr, dga or all; "
                                              "repeat or comma-separate for several."),
        selection: str = typer.Option(None, help="Log-linear model selection: aic, bic (default), "
                                                 "stepwise, average-aic or average-bic."),
        max_order: int = typer.Option(None, "--max-order", help="Highest interaction order in "
                                                                "log-linear models (default: k-1)."),
        interval: str = typer.Option(None, "--interval", help="Log-linear interval: profile "
                                     "(default), wald (default for stepwise), bootstrap "
                                     "(parametric) or bca (resampling people, model re-selected "
                                     "on each resample; SparseMSE's estimatepopulation)."),
        strata: str = typer.Option(None, "--strata", help="Stratum column(s), comma-separated: one "
                                                          "estimate per stratum plus the total."),
        lists: str = typer.Option(None, "--lists", help="List columns, comma-separated names or "
                                                        "patterns such as 'in_*' (default: every "
                                                        "column but count and the strata)."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        seed: int = typer.Option(None, help="Seed for random methods (default: 1)."),
        chains: int = typer.Option(None, help="Chains for lcmcr."),
        n_draws: int = typer.Option(None, "--n-draws", "--samples",
                                    help="Draws: per chain for lcmcr, of N for dga, bootstrap "
                                         "replicates for loglinear."),
        burn_in: int = typer.Option(None, "--burn-in", help="Iterations discarded per chain (lcmcr)."),
        thin: int = typer.Option(None, help="Iterations per kept draw (lcmcr)."),
        max_classes: int = typer.Option(None, "--max-classes", help="Truncation of the latent "
                                                                    "classes (lcmcr)."),
        n_max: int = typer.Option(None, "--n-max", help="Largest N on dga's grid."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array (Estimate.to_dict())."),
        fmt: str = typer.Option("table", "--format", help="table, csv (one flat row per estimate) "
                                                          "or json (as --json)."),
        linkage_draws: int = typer.Option(0, "--linkage-draws", min=0, help="With a project folder: "
                                          "pool estimates over this many clusterings sampled from "
                                          "the match probabilities."),
        workers: int = typer.Option(None, "--workers", min=1, help="Processes fitting strata at "
                                    "once (default: one per core the method leaves free; same "
                                    "results as 1)."),
        engine: str = typer.Option(None, "--engine", help="Where strata run: local (default; "
                                   "--workers processes) or dask (the --scheduler's cluster, or "
                                   "a local Dask cluster of --workers processes). Same results."),
        scheduler: str = typer.Option(None, "--scheduler", help="Address of a Dask scheduler "
                                      "(tcp://host:8786) to fit the strata on; implies --engine "
                                      "dask."),
        replicates: list[str] = typer.Option(None, "--replicates", help="More imputation "
                                             "replicates of TABLE (files or quoted globs such as "
                                             "'R*.csv'; repeatable): each is estimated and the "
                                             "estimates combined per stratum (verdata's rules)."),
    ) -> None:
        """Estimate the population size from a capture table."""
        from ..mse import read_capture_table
        from ..mse.api import estimate as run

        if selection not in {None, "aic", "bic", "stepwise", "average-aic", "average-bic"}:
            raise InputError(Msg("{flag} must be one of {choices}", flag="--selection",
                                 choices="aic, bic, stepwise, average-aic, average-bic"),
                             column="--selection", value=selection)
        if interval not in {None, "profile", "wald", "bootstrap", "bca"}:
            raise InputError(Msg("{flag} must be one of {choices}", flag="--interval",
                                 choices="profile, wald, bootstrap, bca"),
                             column="--interval", value=interval)
        if check_format(fmt) == "json":
            as_json = True
        strata_cols = column_names(strata)
        announce_lcmcr_compile(method, as_json=as_json)
        list_cols = column_names(lists)
        given = {"selection": selection, "max_order": max_order, "interval": interval,
                 "chains": chains, "n_draws": n_draws, "burn_in": burn_in, "thin": thin,
                 "max_classes": max_classes, "n_max": n_max}
        options = {k: v for k, v in given.items() if v is not None}
        options.update(level=level, seed=1 if seed is None else seed)
        options["errors"] = "row"  # an unexpected error in one method is that method's row
        wanted = {m.strip() for part in method for m in str(part).split(",")}
        show_sampler = interactive(as_json) and bool(wanted & {"lcmcr", "all"})
        runner = _engine(engine, scheduler, workers, linkage_draws)
        with count_progress("estimating", show_progress(as_json) or show_sampler) as progress, \
                _closing(runner):
            options["progress"] = progress
            if show_sampler:
                options["sampler_progress"] = progress.sampler
            if strata_cols and show_progress(as_json):
                options["strata_progress"] = progress.stratum
            if replicates:
                tab, rows = _run_replicates(table, replicates, method, strata_cols, list_cols,
                                            {**options, **runner})
            elif table.is_dir():
                from ..histories import estimate_project

                if linkage_draws:
                    options.pop("progress"), options.pop("errors")
                    options.pop("sampler_progress", None), options.pop("strata_progress", None)
                else:
                    options.update(runner)
                tab, rows = estimate_project(table, method, strata=strata_cols,
                                             draws=linkage_draws, **options)
            else:
                tab = read_capture_table(table, strata=strata_cols, lists=list_cols)
                try:
                    rows = run(tab, method, **runner, **options)
                except InputError as err:
                    raise _with_flag(err) from err
        if table.is_dir():
            _linkage_warnings(table)
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=1))
            return
        lists = ", ".join(f"{k} {format_number(v)}" for k, v in tab.list_totals().items())
        title = _("%(source)s: %(observed)s observed on %(k)s lists (%(lists)s)") % {
            "source": escape(str(table)), "observed": format_number(tab.observed), "k": tab.k,
            "lists": escape(lists)}
        print_estimates(rows, console, title, fmt=fmt)


def _engine(name: str | None, scheduler: str | None, workers: int | None,
            linkage_draws: int) -> dict:
    """``workers``/``engine`` for ``mse.api.estimate`` from --engine, --scheduler, --workers."""
    name = name or ("dask" if scheduler else "local")
    if name not in ("local", "dask"):
        raise InputError("--engine must be local or dask", column="--engine", value=name)
    if name == "local" and scheduler:
        raise InputError("--scheduler needs --engine dask (the local engine runs on this "
                         "machine)", column="--scheduler", value=scheduler)
    if name == "local":
        return {"workers": workers}
    if linkage_draws:
        raise InputError("--engine dask and --scheduler apply to capture tables and projects "
                         "without --linkage-draws", column="--engine", value=name)
    from ..engines import make_engine

    return {"engine": make_engine(name, address=scheduler, workers=workers)}


@contextmanager
def _closing(runner: dict):
    """Close a distributed engine (its client, and the local cluster it started) at the end."""
    try:
        yield
    finally:
        close = getattr(runner.get("engine"), "close", None)
        if close is not None:
            close()


def _linkage_warnings(directory: Path) -> None:
    """Say on stderr (also under --json) when the link run behind the estimates gave warnings."""
    from ..linkage.checks import strict_failures
    from ..project import Project

    with Project.open(directory).store(read_only=True) as store:
        guard = store.runs.guard()
    codes = list(dict.fromkeys(strict_failures(guard["checks"]))) if guard else []
    if codes:
        err_console.print(f"warning: link run {guard['run_id']} gave {len(codes)} kind(s) of "
                          f"linkage warning ({escape(', '.join(codes))}); these estimates count "
                          "its persons. Read them ('uncounted link', or the report) before "
                          "publishing a number.", highlight=False)
