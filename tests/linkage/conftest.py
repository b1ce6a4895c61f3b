"""A project with 2,000 people on 4 noisy lists, linked once per test module that asks for it."""

from __future__ import annotations

import itertools

import pytest

from uncounted.project import Project

from .helpers import insert_records, synthetic_lists


def true_pairs(groups: dict[str, object]) -> set[tuple[str, str]]:
    """All record pairs (uid_l < uid_r) that share a group label."""
    by: dict[object, list[str]] = {}
    for uid, g in groups.items():
        by.setdefault(g, []).append(uid)
    out = set()
    for uids in by.values():
        out.update(itertools.combinations(sorted(uids), 2))
    return out


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """(project dir, truth uid -> person, link result)."""
    from uncounted.linkage.link import link_project

    root = tmp_path_factory.mktemp("linked") / "proj"
    project = Project.init(root)
    records, truth = synthetic_lists(2000, seed=3)
    with project.store() as store:
        insert_records(store, records)
        # 0.7 balances precision and recall on this stand-in (measured over thresholds 0.3-0.9)
        result = link_project(store, progress=False, threshold=0.7)
    return root, truth, result
