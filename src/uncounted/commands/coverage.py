"""``uncounted coverage``: how well a method does on simulated lists with known N."""

from __future__ import annotations

import json
import math

import typer

from .._console import (
    Column,
    announce_lcmcr_compile,
    check_format,
    console,
    count_progress,
    escape,
    print_table,
    show_progress,
)
from ..i18n import _, format_number, get_language


def register(app: typer.Typer) -> None:
    @app.command()
    def coverage(
        scenario: str = typer.Option(..., help="Scenario TOML file, or independent, heterogeneous, "
                                               "default."),
        method: str = typer.Option(..., "--method", "-m", help="lincoln-petersen, chao, loglinear, "
                                                               "lcmcr or dga."),
        replicates: int = typer.Option(200, "--replicates", "-r", help="Number of simulated tables."),
        seed: int = typer.Option(1, help="Study seed; each replicate's seed is derived from it."),
        jobs: int = typer.Option(None, "--jobs", "-j", help="Worker processes (default: the available "
                                                            "cores)."),
        population: int = typer.Option(None, "--population", "-n", help="Override the population size."),
        lists: int = typer.Option(None, "--lists", "-k", help="Override the number of lists (e.g. 2 for "
                                                              "lincoln-petersen)."),
        level: float = typer.Option(0.95, min=0.5, max=0.999, help="Interval level."),
        selection: str = typer.Option(None, help="Log-linear model selection (aic, bic ...)."),
        max_order: int = typer.Option(None, "--max-order", help="Highest log-linear interaction order."),
        chains: int = typer.Option(None, help="Chains for lcmcr."),
        n_draws: int = typer.Option(None, "--n-draws", "--samples",
                                    help="Draws per chain for lcmcr (of N for dga)."),
        out: str = typer.Option(None, help="Also write the per-replicate rows to this CSV."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        fmt: str = typer.Option("table", "--format", help="table, csv or json (one row per "
                                                          "measure, raw values)."),
    ) -> None:
        """Run a method on simulated capture tables and report bias, error, width and coverage."""
        from ..simulate.coverage import run_coverage

        check_format(fmt)
        announce_lcmcr_compile([method], as_json=as_json)
        options = {k: v for k, v in {"selection": selection, "max_order": max_order, "chains": chains,
                                     "n_draws": n_draws}.items() if v is not None}
        with count_progress(f"{method} on {scenario}", show_progress(as_json)) as progress:
            progress(0, replicates, "replicates")
            res = run_coverage(scenario, method, replicates, seed=seed, jobs=jobs, level=level,
                               population=population, lists=lists, options=options,
                               progress=lambda done: progress(done, replicates, "replicates"))
        if out:
            from .._safe_csv import write_frame

            write_frame(res.rows, out, index=False)
        s = res.summary()
        if as_json:
            typer.echo(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                                   for k, v in s.items()}, indent=1))
            return
        _print_summary(s, fmt)


def _print_summary(s: dict, fmt: str = "table") -> None:
    """The summary as measure/value rows through the shared printer (raw numbers in csv/json)."""
    rows = summary_rows(s)
    if fmt != "table":
        print_table(rows, [Column("measure"), Column("value"), Column("replicates")], fmt=fmt)
        return
    title = _("{method} on scenario {scenario}: N = {truth}, {replicates} replicates").format(
        method=escape(s["method"]), scenario=escape(s["scenario"]), truth=format_number(s["truth"]),
        replicates=format_number(s["replicates"]))
    shown = [r for r in rows if r["text"] is not None]  # the table shows shares beside counts
    print_table(shown, [Column("label", _("measure")), Column("text", _("value"), "right")],
                fmt=fmt, title=title)
    for reason, n in s.get("reasons", {}).items():
        console.print(_("  not estimable in {n} replicate(s): {reason}").format(
            n=n, reason=escape(reason)), highlight=False)


def _pct(x: float, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return "—"
    text = f"{x:+.1%}" if signed else f"{x:.1%}"
    return text.replace(".", ",") if get_language() == "ru" else text


def summary_rows(s: dict) -> list[dict]:
    """One row per measure of a coverage summary: ``measure`` (a stable key), ``value`` (the raw
    number), ``label`` and ``text`` (what the table shows, in the current language)."""
    rows = []

    def add(measure, label, value, text, replicates=None):
        rows.append({"measure": measure, "label": label, "value": value, "text": text,
                     "replicates": replicates})

    if "coverage" in s and not math.isnan(s["coverage"]):
        add("mean_observed", _("mean observed"), s["mean_observed"],
            format_number(s["mean_observed"]))
        add("mean_estimate", _("mean estimate"), s["mean_estimate"],
            format_number(s["mean_estimate"]))
        sign = "+" if s["bias"] >= 0 else ""
        add("bias", _("bias"), s["bias"],
            f"{sign}{format_number(s['bias'])} ({_pct(s['relative_bias'], signed=True)})")
        add("relative_bias", _("relative bias"), s["relative_bias"], None)
        add("relative_rmse", _("relative RMSE"), s["relative_rmse"], _pct(s["relative_rmse"]))
        add("mean_abs_relative_error", _("mean |relative error|"),
            s["mean_abs_relative_error"], _pct(s["mean_abs_relative_error"]))
        add("mean_width", _("mean interval width"), s["mean_width"],
            _("{width} ({share} of N)").format(width=format_number(s["mean_width"]),
                                               share=_pct(s["relative_width"])))
        add("relative_width", _("relative width"), s["relative_width"], None)
        add("coverage", _("coverage of {level} intervals").format(level=f"{s['level']:.0%}"),
            s["coverage"], _("{coverage} ± {se} (MC s.e.)").format(
                coverage=_pct(s["coverage"]), se=_pct(s["coverage_se"])))
        add("coverage_se", _("Monte Carlo s.e. of coverage"), s["coverage_se"], None)
    add("not_estimable", _("not estimable"), s["not_estimable"], str(s["not_estimable"]))
    for status, g in s.get("by_status", {}).items():
        add(f"coverage_{status}", _("coverage where status is {status}").format(status=status),
            g["coverage"], _("{coverage} of {n} replicates").format(
                coverage=_pct(g["coverage"]), n=g["replicates"]), g["replicates"])
    return rows
