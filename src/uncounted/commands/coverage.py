"""``uncounted coverage``: how well a method does on simulated lists with known N."""

from __future__ import annotations

import json
import math

import typer

from .._console import announce_lcmcr_compile, console, count_progress, escape, show_progress


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
    ) -> None:
        """Run a method on simulated capture tables and report bias, error, width and coverage."""
        from ..simulate.coverage import run_coverage

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
        _print_summary(s, console, escape)


def _print_summary(s, console, escape) -> None:
    from rich.table import Table

    t = Table(title=f"{escape(s['method'])} on scenario {escape(s['scenario'])}: N = {s['truth']:,}, "
                    f"{s['replicates']} replicates", title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")

    def pct(x):
        return "—" if math.isnan(x) else f"{x:+.1%}"

    if "coverage" in s and not math.isnan(s["coverage"]):
        t.add_row("mean observed", f"{s['mean_observed']:,.0f}")
        t.add_row("mean estimate", f"{s['mean_estimate']:,.0f}")
        t.add_row("bias", f"{s['bias']:+,.0f} ({pct(s['relative_bias'])})")
        t.add_row("relative RMSE", f"{s['relative_rmse']:.1%}")
        t.add_row("mean |relative error|", f"{s['mean_abs_relative_error']:.1%}")
        t.add_row("mean interval width", f"{s['mean_width']:,.0f} ({s['relative_width']:.1%} of N)")
        t.add_row(f"coverage of {s['level']:.0%} intervals",
                  f"{s['coverage']:.1%} ± {s['coverage_se']:.1%} (MC s.e.)")
    t.add_row("not estimable", str(s["not_estimable"]))
    for status, g in s.get("by_status", {}).items():
        t.add_row(f"coverage where status is {status}",
                  f"{g['coverage']:.1%} of {g['replicates']} replicates")
    console.print(t)
    for reason, n in s.get("reasons", {}).items():
        console.print(f"  not estimable in {n} replicate(s): {escape(reason)}", highlight=False)
