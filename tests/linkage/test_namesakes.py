"""Linkage that tells namesakes apart (issue 18): birth intervals in the linkage input agree with
the records stage's definition, initials are compared on their own, clustering splits on
conflicting evidence and lists the split components, EM keeps a session whose level underflows,
and on the five-source simulation with namesakes precision and recall stay above the floors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from uncounted.linkage import settings
from uncounted.linkage.cluster import Conflicts, cluster_pairs, split_components
from uncounted.project import Project
from uncounted.records.dates import birth_conflict, birth_interval

from .conftest import true_pairs
from .helpers import insert_records

BIRTHS = [  # (birth y, m, d, precision, death y, m, d)
    (1990, 3, 12, "day", 2023, 5, 10), (1990, 3, None, "month", 2023, 5, 10),
    (1990, None, None, "year", 2023, 5, 10), (1989, None, None, "age", 2023, 5, 10),
    (1989, None, None, "age", 2023, 5, None), (1989, None, None, "age", 2023, None, None),
    (2000, 2, 29, "day", 2024, 2, 29), (1999, None, None, "age", 2024, 2, 29),
    (None, None, None, None, 2023, 1, 1),
]


def _store(tmp_path, rows):
    project = Project.init(tmp_path / "p")
    store = project.store().__enter__()
    insert_records(store, rows)
    return store


def test_birth_interval_in_sql_is_the_records_definition(tmp_path):
    rows = [dict(list_name="a", record_id=str(i), surname_key="ivanov", birth_year=by,
                 birth_month=bm, birth_day=bd, birth_precision=bp, death_year=dy, death_month=dm,
                 death_day=dd) for i, (by, bm, bd, bp, dy, dm, dd) in enumerate(BIRTHS)]
    store = _store(tmp_path, rows)
    try:
        with store.runs.workspace() as ws:
            ws.build_input(settings.phonetic_key, settings.normalise_unit)
            got = ws.input_frame(["uid", "birth_lo", "birth_hi"]).set_index("uid")
    finally:
        store.close()
    for i, (by, bm, bd, bp, _dy, dm, dd) in enumerate(BIRTHS):
        want = birth_interval(by, bm, bd, bp, dm, dd)
        lo, hi = got.loc[f"a/{i}", "birth_lo"], got.loc[f"a/{i}", "birth_hi"]
        assert (None if pd.isna(lo) else (int(lo), int(hi))) == want, BIRTHS[i]


def test_initials_leave_the_name_comparisons(tmp_path):
    rows = [dict(list_name="roll", record_id="1", surname_key="ivanov", given_name_key="i",
                 given_name_canon="i", patronymic_key="p", given_name_cyr="И", patronymic_cyr="П"),
            dict(list_name="a", record_id="2", surname_key="ivanov", given_name_key="ivan",
                 given_name_canon="ivan", patronymic_key="petrovich", given_name_cyr="Иван",
                 patronymic_cyr="Петрович")]
    store = _store(tmp_path, rows)
    try:
        with store.runs.workspace() as ws:
            ws.build_input(settings.phonetic_key, settings.normalise_unit)
            got = ws.input_frame(["uid", "given_name_key", "patronymic_key", "given_name_init",
                                  "patronymic_init", "has_init"]).set_index("uid")
    finally:
        store.close()
    assert got.loc["roll/1"].tolist() == [None, None, "И", "П", 1]
    assert got.loc["a/2"].tolist() == ["ivan", "petrovich", "И", "П", 0]


def _conflicts(rows):
    cols = {c: [r.get(c) for r in rows] for c in Conflicts.COLUMNS}
    return Conflicts(pd.DataFrame(cols))


def test_conflicts():
    rows = [
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             patronymic_key="petrovich", patronymic_cyr="Петрович", surname_key="ivanov",
             birth_year=1975, birth_month=6, birth_day=28, birth_precision="day"),
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             surname_key="ivanov", birth_year=1972, birth_precision="year"),          # 1: 3 yrs
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             surname_key="ivanov", birth_year=1976, birth_precision="year"),          # 2: ok
        dict(given_name_key="sergei", given_name_canon="sergei", given_name_cyr="Сергей",
             surname_key="ivanov"),                                                   # 3: name
        dict(given_name_key="s", given_name_canon="s", given_name_cyr="С", patronymic_cyr="П",
             patronymic_key="p", surname_key="ivanov"),                               # 4: С.
        dict(given_name_key="vania", given_name_canon="ivan", given_name_cyr="Ваня",
             patronymic_key="petrovch", patronymic_cyr="Петровч", surname_key="ivanov"),  # 5 ok
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             patronymic_key="sergeevich", patronymic_cyr="Сергеевич", surname_key="ivanov"),
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             surname_key="ivanov", birth_year=1975, birth_month=8, birth_day=20,
             birth_precision="day"),                                                  # 7: 2 parts
        dict(given_name_key="ivan", given_name_canon="ivan", given_name_cyr="Иван",
             surname_key="ivanov", birth_year=1975, birth_month=6, birth_day=29,
             birth_precision="day"),                                                  # 8: a day
    ]
    c = _conflicts(rows)
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8), (3, 4), (2, 5)]
    got = c.of(np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
    assert dict(zip(pairs, got.tolist(), strict=True)) == {
        (0, 1): True, (0, 2): False, (0, 3): True, (0, 4): True, (0, 5): False, (0, 6): True,
        (0, 7): True, (0, 8): False, (3, 4): False, (2, 5): False}


def test_a_chain_of_namesakes_is_split_and_listed():
    # A (28.06.1975) -- B (no birth date) -- C (1972): the weaker link goes, A and B stay
    records = pd.DataFrame({"uid": ["a/1", "b/1", "c/1"], "list_name": ["a", "b", "c"],
                            "record_id": ["1", "1", "1"]})
    rows = [dict(given_name_cyr="Иван", given_name_canon="ivan", surname_key="ivanov",
                 birth_year=1975, birth_month=6, birth_day=28, birth_precision="day"),
            dict(given_name_cyr="Иван", given_name_canon="ivan", surname_key="ivanov"),
            dict(given_name_cyr="Иван", given_name_canon="ivan", surname_key="ivanov",
                 birth_year=1972, birth_precision="year")]
    edges = pd.DataFrame({"uid_l": ["a/1", "b/1"], "uid_r": ["b/1", "c/1"],
                          "match_probability": [0.99, 0.95]})
    plain = cluster_pairs(records, edges)
    assert plain["person_id"].nunique() == 1                     # chained without conflicts
    out = cluster_pairs(records, edges, conflicts=_conflicts(rows))
    pid = out.set_index("uid")["person_id"]
    assert pid["a/1"] == pid["b/1"] != pid["c/1"]
    assert split_components(out) == [["a/1", "b/1", "c/1"]]
    # a reviewer's "match" overrides the conflict
    decisions = pd.DataFrame({"uid_l": ["a/1"], "uid_r": ["c/1"], "decision": ["match"]})
    out = cluster_pairs(records, edges, decisions, conflicts=_conflicts(rows))
    assert out["person_id"].nunique() == 1


def test_m_floor_keeps_an_em_session():
    from splink import comparison_level_library as cll

    from uncounted.linkage.link import M_FLOOR, m_floor

    level = cll.ExactMatchLevel("x").get_comparison_level("duckdb")
    with pytest.raises(ValueError, match="below the minimum"):
        level.m_probability = 0.0                  # what threw the birth-date session away
    with m_floor():
        level.m_probability = 0.0
        assert level.m_probability == M_FLOOR
        level.m_probability = 0.3
        assert level.m_probability == 0.3
    with pytest.raises(ValueError):
        level.m_probability = 0.0                  # the setter is Splink's own again


def _link_simulated(tmp_path, population, seed):
    from uncounted.linkage.link import link_project
    from uncounted.records.importer import import_list
    from uncounted.simulate import simulate_lists
    from uncounted.simulate.sources import namesake_pairs

    sim = simulate_lists(tmp_path / "lists", population=population, seed=seed,
                         scenario="five_sources")
    project = Project.init(tmp_path / "proj")
    for name, path in sim.files.items():
        import_list(project, path, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with project.store() as store:
            res = link_project(store, threshold=0.9, progress=False)
            persons = store.runs.saved_persons(res.run_id)
            attrs = store.records.columns(Conflicts.COLUMNS).set_index("uid")
            from uncounted.histories import capture_table

            linked = capture_table(store)
    truth = dict(zip(sim.truth["list"] + "/" + sim.truth["record_id"].astype(str),
                     sim.truth["person_id"], strict=True))
    return sim, persons, truth, attrs, namesake_pairs(sim.population), linked


@pytest.mark.parametrize("seed", [1, 2])
def test_five_sources_precision_recall_and_namesakes(tmp_path, seed):
    # measured (2,000 men, 3 seeds, 2026-12-02): precision 0.9993-1.0000, recall 0.9958-0.9982;
    # plain Splink on the same lists: precision 0.91, recall 0.56 (benchmarks/linkage_quality.py).
    # 1,500 men keep the test short; the floors are the issue's.
    _, persons, truth, attrs, namesakes, _ = _link_simulated(tmp_path, 1500, seed)
    found = true_pairs(dict(zip(persons["uid"], persons["person_id"], strict=True)))
    real = true_pairs(truth)
    tp = len(found & real)
    assert tp / len(found) >= 0.99 and tp / len(real) >= 0.99
    # initials: pairs with a roll-of-honour record are found like the others
    roll = {p for p in real if p[0].startswith("roll_of_honour/") or p[1].startswith("roll_of_")}
    assert len(roll & found) / len(roll) >= 0.98
    # namesakes whose birth dates conflict are never one person, however alike their names
    checked = 0
    for a, b in found - real:
        if frozenset((truth[a], truth[b])) in namesakes:
            ra, rb = attrs.loc[a], attrs.loc[b]
            ia = birth_interval(*(None if pd.isna(ra[c]) else int(ra[c]) for c in
                                  ("birth_year", "birth_month", "birth_day")),
                                ra["birth_precision"], *(None if pd.isna(ra[c]) else int(ra[c])
                                                         for c in ("death_month", "death_day")))
            ib = birth_interval(*(None if pd.isna(rb[c]) else int(rb[c]) for c in
                                  ("birth_year", "birth_month", "birth_day")),
                                rb["birth_precision"], *(None if pd.isna(rb[c]) else int(rb[c])
                                                         for c in ("death_month", "death_day")))
            assert not birth_conflict(ia, ib), (a, b)
            checked += 1
    # and inside every person, no two records conflict at all
    uids = pd.Index(attrs.index)
    conf = Conflicts(attrs.reset_index()[list(Conflicts.COLUMNS)])
    pos = pd.Series(np.arange(len(uids)), index=uids)
    for _, grp in persons.groupby("person_id"):
        if len(grp) > 1:
            a, b = zip(*itertools.combinations(pos[grp["uid"]].to_numpy(), 2))
            assert not conf.of(np.array(a), np.array(b)).any()


@pytest.mark.slow
def test_five_sources_12000_floors(tmp_path):
    # the floors on its own scenario: pairwise precision and recall >= 0.99, and the
    # log-linear total from the linked histories within 5% of the true 12,000 (measured seed 1:
    # 0.9999, 0.9946, 12,069)
    from uncounted.mse.api import estimate

    _, persons, truth, _, _, linked = _link_simulated(tmp_path, 12000, 1)
    found = true_pairs(dict(zip(persons["uid"], persons["person_id"], strict=True)))
    real = true_pairs(truth)
    tp = len(found & real)
    assert tp / len(found) >= 0.99 and tp / len(real) >= 0.99
    (est,) = estimate(linked, "loglinear")
    assert abs(est.estimate / 12000 - 1) <= 0.05
