"""Linkage on the simulator's default scenario, through the real importer: precision and recall
against truth.csv, and the MSE estimate from linked histories against the true histories.

The issue's claims are for 20,000 people (slow test); the fast test runs the same pipeline on
2,000 people of the same scenario. Measured (seed 1, threshold 0.9, main as of 2026-11-24 19:05 UTC):
2,000 people: precision 1.0000, recall 1.0000, log-linear estimate 1,916 linked vs 1,916 true;
20,000 people: precision 1.0000, recall 0.9997, 19,041 vs 19,031 (+0.05%); blocking keeps
>= 99.96% of the true pairs (measured 18:30). The thresholds are the issue's (0.98;
3%).
"""

from __future__ import annotations

import pytest

from uncounted.project import Project

from .conftest import true_pairs

simulate = pytest.importorskip("uncounted.simulate", reason="needs the simulator (simulate stage)")
importer = pytest.importorskip("uncounted.records.importer", reason="needs the records stage")


def _method() -> str:
    from uncounted.mse.registry import available_methods

    return "loglinear" if "loglinear" in available_methods() else "chao"


def _run(tmp_path, population: int, seed: int = 1):
    from uncounted.histories import capture_table
    from uncounted.linkage.link import link_project

    sim = simulate.simulate_lists(tmp_path / "lists", population=population, seed=seed)
    project = Project.init(tmp_path / "proj")
    for name, path in sim.files.items():
        importer.import_list(project, path, name)
    with project.store() as store:
        res = link_project(store, progress=False, threshold=0.9)
        rows = store.con.execute("SELECT list_name, record_id, person_id FROM persons WHERE run_id = ?",
                             [res.run_id]).fetchall()
        linked_table = capture_table(store)
    found = true_pairs({f"{lst}/{rid}": pid for lst, rid, pid in rows})
    truth = sim.truth
    real = true_pairs({f"{lst}/{rid}": pid for lst, rid, pid in
                       zip(truth["list"], truth["record_id"].astype(str), truth["person_id"],
                           strict=True)})
    tp = len(found & real)
    return tp / len(found), tp / len(real), linked_table, sim.capture_table


def _check(tmp_path, population, min_pr, max_rel):
    from uncounted.mse.api import estimate

    precision, recall, linked, true = _run(tmp_path, population)
    print(f"population {population}: precision {precision:.4f} recall {recall:.4f}")
    assert precision >= min_pr and recall >= min_pr
    (a,) = estimate(linked, _method())
    (b,) = estimate(true.collapse() if true.is_stratified else true, _method())
    print(f"{_method()}: linked {a.estimate:,.0f} true {b.estimate:,.0f}")
    assert abs(a.estimate - b.estimate) / b.estimate <= max_rel


def test_default_scenario_small(tmp_path):
    # 2,000 people: the thresholds (0.98 pairwise, 3% on the estimate) at a tenth the size
    _check(tmp_path, 2000, 0.98, 0.03)


@pytest.mark.slow
def test_default_scenario_20000(tmp_path):
    _check(tmp_path, 20000, 0.98, 0.03)
