"""``uncounted demo``: the whole chain on simulated lists, checked against the known truth."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import (STATUS_STYLE, Column, compile_notice, console, err_console, escape,
                        print_table, step_progress)
from ..i18n import _, format_number


def _covers(est, truth: int) -> str:
    from ..demo import LOWER_BOUNDS, holds

    if est.method in LOWER_BOUNDS:
        return _("bound holds") if holds(est, truth) else _("bound exceeds truth")
    return _("yes") if holds(est, truth) else _("no")


def explain(res) -> list[str]:
    """Why the intervals of the default scenario miss the truth, in plain sentences (empty when
    they all cover it)."""
    missed = res.misses()
    if not missed:
        return []
    lines = [_("Why the estimates of %(methods)s miss the truth: the default scenario breaks two "
               "assumptions these methods lean on.") % {"methods": ", ".join(missed)},
             _("  1. Dependent lists: one list copies part of another, so being on one makes being "
               "on the other likelier. Log-linear and graphical models can allow for a dependent "
               "pair only as far as the overlaps reveal it."),
             _("  2. Heterogeneity: 30% of the people belong to a hard-to-reach group that every "
               "list catches less often. They are missed together, which looks like a smaller "
               "population, so every method comes out low.")]
    from ..demo import holds

    true_miss = [e.method for e in res.true_table_estimates
                 if e.estimable and not holds(e, res.true_population)]
    if set(missed) <= set(true_miss):
        lines.append(_("  From the true histories (no linkage errors at all) the same intervals "
                       "miss too, so linkage is not the cause: the model assumptions are."))
    return lines


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
        control: str = typer.Option("independent", "--control",
                                    help="Scenario whose true table the methods also estimate, "
                                         "as a control where their assumptions hold ('none' to "
                                         "skip)."),
    ) -> None:
        """Simulate four lists, import, link, estimate and write the report; compare with the truth."""
        from ..demo import run_demo

        def say(msg: str) -> None:
            err_console.print(f"[cyan]•[/] {escape(msg)}", highlight=False)

        with step_progress() as progress:
            res = run_demo(out, population=population, seed=seed, methods=method,
                           threshold=threshold, force=force, report=not no_report, say=say,
                           progress=compile_notice(progress), control=None if control == "none" else control)
        q = res.quality
        console.print()
        console.print(_("True population %(n)s; caught by at least one list %(caught)s; after "
                        "linkage %(linked)s persons.") % {
            "n": format_number(res.true_population), "caught": format_number(res.true_observed),
            "linked": format_number(res.linked_observed)}, highlight=False)
        console.print(_("Linkage against the truth: pairwise precision %(p)s, recall %(r)s "
                        "(%(found)s of %(true)s true pairs found).") % {
            "p": f"{q.precision:.4f}", "r": f"{q.recall:.4f}",
            "found": format_number(q.correct_pairs), "true": format_number(q.true_pairs)},
            highlight=False)
        rows, styles = [], []
        for est, ref in zip(res.estimates, res.true_table_estimates, strict=True):
            from ..i18n.labels import model_label

            row = {"method": est.method, "model": model_label(est.model, est.lists)}
            if est.estimable:
                row.update(linked=format_number(est.estimate),
                           interval=f"{format_number(est.lower)} – {format_number(est.upper)}",
                           status=est.status,
                           true=format_number(ref.estimate) if ref.estimable else "—",
                           covers=_covers(est, res.true_population))
            else:
                row.update(linked=_("not estimable"), interval=est.reason or "")
            rows.append(row)
            styles.append(STATUS_STYLE.get(est.status) if est.estimable else "dim")
        cols = [Column("method", _("method")), Column("model", _("model"), whole=False),
                Column("linked", _("from linked lists"), "right"),
                Column("interval", _("interval"), "right"),
                Column("status", _("status")),
                Column("true", _("from true histories"), "right"),
                Column("covers", _("covers truth"), "right")]
        print_table(rows, cols, title=_("Estimates of the population size (the truth, %(n)s, is "
                                        "known here)") % {"n": format_number(res.true_population)},
                    row_styles=styles)
        for line in explain(res):
            console.print(line, highlight=False)
        if res.control_estimates:
            n = res.control_population
            crows = [{"method": e.method,
                      "estimate": format_number(e.estimate) if e.estimable else _("not estimable"),
                      "interval": f"{format_number(e.lower)} – {format_number(e.upper)}"
                      if e.estimable else "", "covers": _covers(e, n) if e.estimable else ""}
                     for e in res.control_estimates]
            console.print()
            print_table(crows, [Column("method", _("method")),
                                Column("estimate", _("estimate"), "right"),
                                Column("interval", _("interval"), "right"),
                                Column("covers", _("covers truth"), "right")],
                        title=_("Control: the same methods on scenario '%(name)s' (%(n)s people; "
                                "independent lists, everyone equally catchable), from its true "
                                "histories") % {"name": escape(res.control_scenario),
                                                "n": format_number(n)})
            from ..demo import holds

            ok = sum(e.estimable and holds(e, n) for e in res.control_estimates)
            console.print(_("Here %(ok)s of %(all)s methods are right about the truth: where the "
                            "assumptions hold, the methods find it. docs/coverage.md measures "
                            "coverage over many runs.") % {
                "ok": ok, "all": len(res.control_estimates)}, highlight=False)
        if res.report_path:
            console.print(_("Report: %(path)s") % {"path": escape(str(res.report_path))},
                          highlight=False)
