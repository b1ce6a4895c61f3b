"""``uncounted demo``: the whole chain on simulated lists, checked against the known truth."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import STATUS_STYLE, compile_notice, console, err_console, escape, step_progress


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Path = typer.Argument(Path("uncounted-demo"), help="Folder to write into."),
        population: int = typer.Option(5000, "--population", "-n", min=100,
                                       help="People in the simulated population."),
        seed: int = typer.Option(1, help="Seed of the simulation and of random methods."),
        method: list[str] = typer.Option(["loglinear", "dga", "lcmcr", "chao"], "--method", "-m",
                                         help="Estimators to run."),
        threshold: float = typer.Option(None, help="Linkage threshold (default: the project's)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing demo folder."),
        no_report: bool = typer.Option(False, "--no-report", help="Skip the HTML report."),
    ) -> None:
        """Simulate four lists, import, link, estimate and write the report; compare with the truth."""
        from rich.table import Table

        from ..demo import run_demo

        def say(msg: str) -> None:
            err_console.print(f"[cyan]•[/] {escape(msg)}", highlight=False)

        with step_progress() as progress:
            res = run_demo(out, population=population, seed=seed, methods=method,
                           threshold=threshold, force=force, report=not no_report, say=say,
                           progress=compile_notice(progress))
        q = res.quality
        console.print(f"\nTrue population {res.true_population:,}; caught by at least one list "
                      f"{res.true_observed:,}; after linkage {res.linked_observed:,} persons.")
        console.print(f"Linkage against the truth: pairwise precision {q.precision:.4f}, recall "
                      f"{q.recall:.4f} ({q.correct_pairs:,} of {q.true_pairs:,} true pairs found).")
        t = Table(title="Estimates of the population size (the truth is known here)",
                  title_justify="left")
        for col in ("method", "model", "from linked lists", "interval", "status",
                    "from true histories", "covers truth"):
            t.add_column(col, justify="left" if col in ("method", "model", "status") else "right")
        for est, ref in zip(res.estimates, res.true_table_estimates, strict=True):
            if not est.estimable:
                t.add_row(est.method, "—", "not estimable", escape(est.reason or ""),
                          "not estimable", "", "")
                continue
            covers = "yes" if est.lower <= res.true_population <= est.upper else "no"
            ref_txt = f"{ref.estimate:,.0f}" if ref.estimable else "—"
            style = STATUS_STYLE.get(est.status, "")
            why = "; ".join(r.text(cli=True) for r in est.reasons if r.status != "ok")
            t.add_row(est.method, escape(est.model or ""), f"{est.estimate:,.0f}",
                      f"{est.lower:,.0f} – {est.upper:,.0f}",
                      f"[{style}]{est.status}[/]" + (f": {escape(why)}" if why else ""), ref_txt,
                      covers)
        console.print(t)
        missed = [e.method for e in res.estimates
                  if e.estimable and not e.lower <= res.true_population <= e.upper]
        if missed:
            console.print(f"Intervals that miss the truth ({', '.join(missed)}): the default scenario "
                          "has a hard-to-reach group that every list under-records (heterogeneous "
                          "catchability), which pulls MSE estimates low. docs/coverage.md measures it.")
        if res.report_path:
            console.print(f"Report: {escape(str(res.report_path))}")
