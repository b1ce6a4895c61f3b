"""``uncounted link``: records -> persons with Splink, saved as a new link run."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape, step_progress


def register(app: typer.Typer) -> None:
    @app.command()
    def link(
        directory: Path = typer.Argument(..., help="Project folder (made by 'uncounted init')."),
        backend: str = typer.Option(None, "--backend", help="duckdb (default) or spark "
                                                              "(local mode; see docs/linkage.md)."),
        threshold: float = typer.Option(None, "--threshold", help="Match probability at which "
                                        "records are joined (default: [linkage] threshold, 0.9)."),
        seed: int = typer.Option(1, help="Seed of the random pairs used to estimate u values."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    ) -> None:
        """Link the records of every list into persons (train by EM, predict, cluster)."""
        from ..linkage.link import link_project
        from ..project import Project

        project = Project.open(directory)
        backend = backend or project.setting("linkage", "backend", "duckdb")
        threshold = threshold if threshold is not None else project.setting("linkage", "threshold",
                                                                            0.9)
        with project.store() as store, step_progress(not quiet) as progress:
            res = link_project(store, backend=backend, threshold=float(threshold), seed=seed,
                               progress=progress)
        console.print(
            f"link run {res.run_id} ({escape(res.backend)}): {res.n_records:,} records -> "
            f"{res.n_persons:,} persons; {res.n_pairs:,} scored pairs; threshold "
            f"{res.threshold:g}; {res.n_decisions} review decision(s) applied; "
            f"{res.seconds:.1f} s", highlight=False)
        if res.n_split:
            console.print(f"{res.n_split:,} linked group(s) were split because their records "
                          "conflict (birth dates, given names or patronymics); they are listed "
                          f"in link run {res.run_id}'s settings (split_components) for review.",
                          highlight=False)
