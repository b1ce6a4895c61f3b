"""``uncounted review``: a command-line reviewer for the queue of uncertain pairs."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import console, escape

KEYS = {"m": "match", "n": "non-match", "u": "unsure"}
HELP = "[m]atch  [n]on-match  [u]nsure  [s]kip  [q]uit"


def _show(console, store, item, position: int, total: int) -> None:
    from rich.table import Table

    from ..linkage.review import records_side_by_side

    t = Table(title=f"pair {position} of {total}: match probability {item.match_probability:.3f}"
                    + (f" (earlier: {item.previous})" if item.previous else ""),
              title_justify="left")
    t.add_column("field")
    t.add_column(escape(item.uid_l))
    t.add_column(escape(item.uid_r))
    for name, left, right in records_side_by_side(store, item.uid_l, item.uid_r):
        style = None if left == right else "bold"
        t.add_row(name, escape(left), escape(right), style=style)
    console.print(t)
    weights = item.detail.get("weights") or {}
    if weights:
        console.print("evidence (match weight): " + ", ".join(f"{escape(k)} {v:+.1f}"
                                                             for k, v in weights.items()),
                      style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def review(
        directory: Path = typer.Argument(..., help="Project folder."),
        reviewer: str = typer.Option(None, "--reviewer", help="Your name in the decision log "
                                                               "(default: $UNCOUNTED_USER or login)."),
        limit: int = typer.Option(None, "--limit", help="Stop after this many pairs."),
        band: str = typer.Option(None, "--band", help="Probability band 'lo,hi' (default: "
                                                      "[linkage] review_band)."),
    ) -> None:
        """Review uncertain pairs one by one; each answer is saved at once (never lost)."""
        from ..exceptions import InputError
        from ..linkage.review import ReviewQueue
        from ..project import Project

        project = Project.open(directory)
        if band:
            try:
                lo, hi = (float(x) for x in band.split(","))
            except ValueError as err:
                raise InputError("give the band as two probabilities 'lo,hi'", column="--band",
                                 value=band) from err
        else:
            lo, hi = project.setting("linkage", "review_band", [0.3, 0.9])
        stdin = typer.get_text_stream("stdin")
        counts = {"match": 0, "non-match": 0, "unsure": 0, "skipped": 0}
        with project.store() as store:
            items = list(ReviewQueue(store, band=(lo, hi)))
            if limit is not None:
                items = items[:limit]
            if not items:
                console.print("nothing to review in this band")
                return
            for i, item in enumerate(items, 1):
                _show(console, store, item, i, len(items))
                answer = None
                while answer is None:
                    console.print(HELP, highlight=False, markup=False)
                    line = stdin.readline()
                    if not line:                  # end of input: stop, as after q
                        answer = "q"
                        break
                    key = line.strip().lower()[:1]
                    answer = key if key in {*KEYS, "s", "q"} else None
                if answer == "q":
                    break
                if answer == "s":
                    counts["skipped"] += 1
                    continue
                store.decisions.record(item.uid_l, item.uid_r, KEYS[answer], reviewer=reviewer,
                                       based_on=item.previous_id)
                counts[KEYS[answer]] += 1
        console.print("saved: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
                      ". They apply at once to histories, the report and the review UI; "
                      "run 'uncounted link' to retrain the model with them.", highlight=False)
