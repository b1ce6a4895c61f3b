"""``uncounted link``: records -> persons with Splink, saved as a new link run."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .._console import Column, console, err_console, escape, print_table, step_progress
from ..i18n import _, format_number


def register(app: typer.Typer) -> None:
    @app.command()
    def link(
        directory: Path = typer.Argument(..., help="Project folder (made by 'uncounted init')."),
        backend: str = typer.Option(None, "--backend", help="duckdb (default) or spark "
                                                              "(local mode; see docs/linkage.md)."),
        threshold: float = typer.Option(None, "--threshold", help="Match probability at which "
                                        "records are joined (default: [linkage] threshold, 0.9)."),
        seed: int = typer.Option(1, help="Seed of the random pairs used to estimate u values."),
        allow_weak: bool = typer.Option(False, "--allow-weak", help="Compare lists that share no "
                                        "name or full birth date, and let records without names "
                                        "join each other (see docs/linkage.md)."),
        strict: bool = typer.Option(False, "--strict", help="Exit with status 1 when any check "
                                    "of the run gives a warning (the run is still saved)."),
        as_json: bool = typer.Option(False, "--json", help="Print the run, the field profile and "
                                     "the checks as JSON."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    ) -> None:
        """Link the records of every list into persons (train by EM, predict, cluster)."""
        from ..linkage.checks import strict_failures
        from ..linkage.link import link_project
        from ..linkage.profile import field_profile
        from ..project import Project

        project = Project.open(directory)
        backend = backend or project.setting("linkage", "backend", "duckdb")
        threshold = threshold if threshold is not None else project.setting("linkage", "threshold",
                                                                            0.9)
        with project.store() as store:
            if not as_json:     # before training, which takes minutes on large projects
                profiles = field_profile(store)
                if profiles:
                    print_profile(profiles)
            with step_progress(not quiet and not as_json) as progress:
                res = link_project(store, backend=backend, threshold=float(threshold), seed=seed,
                                   progress=progress, allow_weak=allow_weak)
        failures = strict_failures(res.checks)
        if as_json:
            typer.echo(json.dumps({
                "run_id": res.run_id, "backend": res.backend, "threshold": res.threshold,
                "n_records": res.n_records, "n_persons": res.n_persons, "n_pairs": res.n_pairs,
                "n_decisions": res.n_decisions, "seconds": round(res.seconds, 2),
                "allow_weak": allow_weak, "profile": res.guard.get("profile", []),
                "removed_pairs": res.guard.get("removed", {}), "checks": res.checks,
                "strict_failures": failures}, ensure_ascii=False, indent=1))
        else:
            console.print(_(
                "link run {run} ({backend}): {records} records -> {persons} persons; {pairs} "
                "scored pairs; threshold {threshold}; review decisions applied: {decisions}; "
                "{seconds} s").format(run=res.run_id, backend=escape(res.backend),
                                      records=format_number(res.n_records),
                                      persons=format_number(res.n_persons),
                                      pairs=format_number(res.n_pairs),
                                      threshold=f"{res.threshold:g}", decisions=res.n_decisions,
                                      seconds=format_number(res.seconds, 1)), highlight=False)
            _print_checks(res.checks)
            if res.n_split:
                console.print(f"{res.n_split:,} linked group(s) were split because their records "
                              "conflict (birth dates, given names or patronymics); they are "
                              f"listed in link run {res.run_id}'s settings (split_components) "
                              "for review.", highlight=False)
        if strict and failures:
            err_console.print(f"--strict: {len(failures)} check(s) gave a warning "
                              f"({escape(', '.join(failures))}); exit status 1", highlight=False)
            raise typer.Exit(1)


def _print_checks(checks: list[dict]) -> None:
    warnings = [c for c in checks if c["severity"] == "warning"]
    notes = [c for c in checks if c["severity"] != "warning"]
    if not warnings:
        console.print("checks: no warning (nothing found that a person or a list could not be)",
                      highlight=False)
    for c in warnings:
        console.print(f"[bold yellow]warning[/bold yellow] ({escape(c['code'])}): "
                      f"{escape(c['message'])}", highlight=False)
        examples = c.get("detail", {}).get("examples")
        if examples:
            console.print("  e.g. " + escape("; ".join(map(str, examples))), highlight=False)
    for c in notes:
        console.print(f"note ({escape(c['code'])}): {escape(c['message'])}", highlight=False)


def print_profile(profiles) -> None:
    """The field profile through the shared printer: filled share of each field per list (the
    JSON has every count); list names never cut, piped or narrow."""
    def share(p, field):
        return f"{p.share(field):.0%}"

    rows = [{"list": p.list_name, "records": p.n, "surname": share(p, "surname"),
             "given": share(p, "given_name"), "patronymic": share(p, "patronymic"),
             "birth": share(p, "birth_date") + (f" {p.birth_precision}" if p.birth_date else ""),
             "region": share(p, "region"), "unit": share(p, "unit"),
             "death": share(p, "death_date"),
             "identifies": ", ".join(p.identifying).replace("birth date", "birth") or _("nothing")}
            for p in profiles]
    styles = [None if p.identifying else "bold red" for p in profiles]
    cols = [Column("list", _("list")), Column("records", _("records"), "right", show=format_number),
            *(Column(k, h, "right") for k, h in (
                ("surname", _("surname")), ("given", _("given")), ("patronymic", _("patr.")),
                ("birth", _("birth date")), ("region", _("region")), ("unit", _("unit")),
                ("death", _("death")))),
            Column("identifies", _("identifies by"), whole=False)]
    print_table(rows, cols, title=_("What each list brings to linkage (share of records with each "
                                    "field)"), row_styles=styles)
