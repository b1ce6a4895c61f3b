"""``uncounted review``: a command-line reviewer for the queue of uncertain pairs."""

from __future__ import annotations

from pathlib import Path

import typer

from .._console import Column, console, escape, print_table
from ..i18n import _, format_number

KEYS = {"m": "match", "n": "non-match", "u": "unsure"}
HELP = "[m]atch  [n]on-match  [u]nsure  [s]kip  [q]uit"


def _show(console, store, item, position: int, total: int) -> None:
    """The pair side by side through the shared printer: field, left record, right record, with
    the fields that differ in bold; record values wrap but the record ids in the header never
    are cut."""
    from ..linkage.review import records_side_by_side

    title = _("pair {position} of {total}: match probability {p}").format(
        position=position, total=total, p=format_number(item.match_probability, 3))
    if item.previous:
        title += " " + _("(earlier: {decision})").format(decision=escape(item.previous))
    rows, styles = [], []
    for name, left, right in records_side_by_side(store, item.uid_l, item.uid_r):
        rows.append({"field": name, "left": left, "right": right})
        styles.append(None if left == right else "bold")
    print_table(rows, [Column("field", _("field")), Column("left", item.uid_l, whole=False),
                       Column("right", item.uid_r, whole=False)],
                title=title, out=console, row_styles=styles)
    weights = item.detail.get("weights") or {}
    if weights:
        console.print(_("evidence (match weight): ") + ", ".join(
            f"{escape(k)} {v:+.1f}" for k, v in weights.items()), style="dim", highlight=False)


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
                console.print(_("nothing to review in this band"))
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
        console.print(_("saved: {counts}. They apply at once to histories, the report and the "
                        "review UI; run 'uncounted link' to retrain the model with them.").format(
                            counts=", ".join(f"{v} {k}" for k, v in counts.items())),
                      highlight=False)
