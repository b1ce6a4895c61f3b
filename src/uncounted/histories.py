"""Capture histories: persons x lists -> :class:`~uncounted.mse.table.CaptureTable`.

The persons are those of a link run (default: the latest) with the review decisions in force
applied (:func:`~uncounted.linkage.cluster.current_persons`), the same persons the report, the
regional analysis and the review UI count. A person is caught by a list when at least one of its
records comes from that list. Strata describe the person by the store's one rule
(:data:`uncounted.store.persons.PERSON_VALUE_RULE`): the most frequent non-empty value among its
records, ties to the smallest value, none: ``"unknown"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .exceptions import ConfigError, InputError, ProjectError
from .linkage.checks import missed_share
from .linkage.cluster import Persons, counts_from_labels, current_persons, patterns_from_labels
from .linkage.uncertainty import estimate_with_linkage_draws
from .mse.api import estimate
from .mse.status import missed_links
from .mse.table import CaptureTable
from .project import Project
from .store import UNKNOWN, Store

__all__ = ["STRATA", "UNKNOWN", "Persons", "capture_table", "counts_from_labels",
           "current_persons", "estimate_project", "flag_missed_links", "histories_frame",
           "missed_measure", "patterns_from_labels"]

#: Stratum names accepted by ``--strata`` and the ``records`` column each one reads.
STRATA: dict[str, str] = {
    "region": "region_iso", "region_iso": "region_iso", "federal_district": "federal_district",
    "region_status": "region_status", "birth_year": "birth_year", "death_year": "death_year",
    "unit": "unit", "rank": "rank",
}


def _check_strata(strata: Sequence[str] | None) -> list[str]:
    strata = list(strata or [])
    for s in strata:
        if s not in STRATA:
            raise InputError(f"unknown stratum; use one of {', '.join(sorted(STRATA))}",
                             column="--strata", value=s)
    return strata


def histories_frame(store: Store, *, run_id: int | None = None,
                    strata: Sequence[str] | None = None,
                    persons: Persons | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per person: ``person_id``, a 0/1 column per list and a column per stratum; and
    the list names.

    ``persons`` (from :func:`current_persons`) saves clustering again when the caller has them.
    """
    strata = _check_strata(strata)
    persons = current_persons(store, run_id) if persons is None else persons
    lists = list(persons.lists)
    if len(lists) < 2:
        raise ProjectError(f"capture histories need at least two lists; the store has {len(lists)}")
    frame = persons.frame
    if frame.empty:
        raise ProjectError(f"link run {persons.run_id} has no persons")
    person, ids = pd.factorize(frame["person_id"], sort=True)
    on_list = pd.Index(lists).get_indexer(frame["list_name"])
    caught = np.zeros((len(ids), len(lists)), dtype=np.int64)
    caught[person, on_list] = 1
    out = pd.DataFrame(caught, columns=lists)
    out.insert(0, "person_id", np.asarray(ids, dtype=object))
    for s in strata:
        values = store.persons.values(frame, STRATA[s])
        out[s] = values.reindex(out["person_id"]).fillna(UNKNOWN).to_numpy()
    return out, lists


def capture_table(store: Store, *, run_id: int | None = None,
                  strata: Sequence[str] | None = None,
                  persons: Persons | None = None) -> CaptureTable:
    """The capture table of a link run's persons (default: the latest run), optionally stratified.

    Parameters
    ----------
    store
        An open project store.
    run_id
        The link run (default: the latest).
    strata
        Stratum names (:data:`STRATA`), e.g. ``["region"]``.
    persons
        The persons, when the caller already has them (:func:`current_persons`).
    """
    strata = _check_strata(strata)
    persons = current_persons(store, run_id) if persons is None else persons
    frame, lists = histories_frame(store, strata=strata, persons=persons)
    grouped = frame.groupby(lists + strata, as_index=False).size()
    grouped = grouped.rename(columns={"size": "count"})
    return CaptureTable.from_frame(grouped, strata=strata or None, lists=lists,
                                   source=f"link run {persons.run_id}")


def missed_measure(store: Store, persons: Persons) -> tuple[int, int]:
    """(left apart, all) of the record pairs on different lists that agree exactly on surname and
    full birth date, for ``persons`` (:func:`uncounted.linkage.checks.missed_share`)."""
    return missed_share(persons.frame, store.runs.agreeing_pairs())


def flag_missed_links(rows: list, measure: tuple[int, int]) -> list:
    """``rows`` (estimates from the persons ``measure`` was taken on, :func:`missed_measure`) with
    the ``missed_links`` reason where linkage's missed joins are large against the estimate's
    interval (:func:`uncounted.mse.status.missed_links`)."""
    apart, pairs = measure
    out = []
    for row in rows:
        extra = missed_links(row, apart, pairs)
        out.append(row.replace(reasons=row.reasons + extra) if extra else row)
    return out


def estimate_project(directory, methods, *, strata=None, draws: int = 0, **options):
    """(capture table, estimates) for a project folder, as ``uncounted estimate DIR`` shows them;
    the estimates are also saved in the project's store (``store.estimates``).

    Without draws: the estimates on the latest link run's histories. With ``draws``: one pooled
    estimate per method over that many sampled clusterings (unstratified only).
    """
    if draws and strata:
        raise ConfigError("--linkage-draws works on the whole population; leave out --strata",
                          column="--strata", value=",".join(strata))
    project = Project.open(directory)
    with project.store() as store:
        persons = current_persons(store)
        table = capture_table(store, strata=strata, persons=persons)
        if not draws:
            rows = flag_missed_links(estimate(table, methods, **options),
                                     missed_measure(store, persons))
        else:
            seed = options.pop("seed", 1) or 1
            level = options.pop("level", 0.95) or 0.95
            # the draws resample clusterings around these persons; the missed joins measured on
            # them are weighed against the pooled (wider) interval, as for a plain estimate
            rows = flag_missed_links(
                estimate_with_linkage_draws(store, methods, draws=draws, seed=seed, level=level,
                                            **options),
                missed_measure(store, persons))
        # kept with the project: the review UI's Estimates page and the report list them
        store.estimates.save([r.to_dict() for r in rows], run_id=persons.run_id)
    return table, rows
