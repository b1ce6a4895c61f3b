"""Every stage counts the same people the same way.

One project: three source lists imported from CSV (regions that conflict between lists, with ties
and with persons no list places), linked with Splink, then reviewed (a superseded decision, a
merge, a split by two reviewers who agree, an "unsure", and a conflict). The histories, the
regional analysis, the report, the review UI and the command line must agree on every person's
region, the decision in force on each decided pair, the number of persons and the capture table;
and those must be the values worked out by hand below.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uncounted.analysis.deaths import read_deaths
from uncounted.analysis.mse_regions import region_capture_table
from uncounted.cli import app
from uncounted.histories import capture_table, current_persons, histories_frame
from uncounted.linkage.link import link_project
from uncounted.project import Project
from uncounted.records import import_list
from uncounted.report.collect import collect
from uncounted.web.service import Review

# surname, given name, patronymic, birth, death, {list: region as written}
PEOPLE = [
    ("Иванов", "Сергей", "Петрович", "12.03.1994", "05.06.2023",
     {"A": "Тыва", "B": "Бурятия", "C": "Бурятия"}),                   # 1: majority RU-BU
    ("Смирнов", "Алексей", "Иванович", "01.02.1990", "11.07.2023",
     {"A": "Тыва", "B": "Бурятия"}),                                   # 2: tie -> RU-BU < RU-TY
    ("Кузнецов", "Дмитрий", "Олегович", "23.11.1988", "02.02.2023",
     {"A": "", "B": "г. Москва"}),                                     # 3: split by review
    ("Попов", "Андрей", "Сергеевич", "15.05.1999", "19.09.2022",
     {"A": "", "C": ""}),                                              # 4: no region: unknown
    ("Соколов", "Павел", "Андреевич", "30.08.1985", "14.03.2023",
     {"A": "Санкт-Петербург", "B": "Санкт-Петербург", "C": "Московская область"}),  # 5: RU-SPE
    ("Новиков", "Игорь", "Викторович", "04.04.1992", "21.12.2022", {"A": "Тыва"}),  # 6 (+10)
    ("Морозов", "Олег", "Николаевич", "17.07.1979", "08.08.2023",
     {"B": "Бурятия", "C": "Тыва"}),                                   # 7: split by review
    ("Волков", "Никита", "Павлович", "09.10.2001", "30.01.2023", {"C": "Краснодарский край"}),
    ("Лебедев", "Роман", "Юрьевич", "22.12.1996", "03.05.2023",
     {"A": "Краснодарский край", "C": "Краснодарский край"}),
    ("Егоров", "Артём", "Денисович", "11.01.2000", "16.04.2023", {"B": "Тыва"}),  # 10: merged
]

# worked out by hand from PEOPLE and the decisions in `project` (persons as sets of uids)
EXPECTED_PERSONS = {
    frozenset({"A/a1", "B/b1", "C/c1"}): "RU-BU",
    frozenset({"A/a2", "B/b2"}): "RU-BU",
    frozenset({"A/a3"}): "unknown",
    frozenset({"B/b3"}): "RU-MOW",
    frozenset({"A/a4", "C/c4"}): "unknown",
    frozenset({"A/a5", "B/b5", "C/c5"}): "RU-SPE",
    frozenset({"A/a6", "B/b10"}): "RU-TY",
    frozenset({"B/b7"}): "RU-BU",
    frozenset({"C/c7"}): "RU-TY",
    frozenset({"C/c8"}): "RU-KDA",
    frozenset({"A/a9", "C/c9"}): "RU-KDA",
}
# capture patterns over (A, B, C) -> persons
EXPECTED_TABLE = {(1, 1, 1): 2, (1, 1, 0): 2, (1, 0, 0): 1, (0, 1, 0): 2, (1, 0, 1): 2,
                  (0, 0, 1): 2}
EXPECTED_IN_FORCE = {("A/a2", "B/b2"): "match", ("A/a6", "B/b10"): "match",
                     ("B/b7", "C/c7"): "non-match", ("A/a4", "C/c4"): "unsure",
                     ("A/a3", "B/b3"): "non-match"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("agree")
    rows: dict[str, list[list[str]]] = {}
    for i, (surname, given, patr, born, died, regions) in enumerate(PEOPLE, start=1):
        for lst, region in regions.items():
            rows.setdefault(lst, []).append([f"{lst.lower()}{i}", surname, given, patr, born,
                                             died, region])
    proj = Project.init(root / "proj")
    for lst, lines in sorted(rows.items()):
        path = root / f"{lst}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "фамилия", "имя", "отчество", "дата рождения", "дата гибели",
                        "регион"])
            w.writerows(lines)
        import_list(proj, path, lst)
    with proj.store() as store:
        with warnings.catch_warnings():      # a tiny project: Splink skips some training steps
            warnings.simplefilter("ignore")
            link_project(store, progress=False)
        linked = {frozenset(g) for g in current_persons(store).frame.groupby("person_id")["uid"]
                  .apply(frozenset)}
        # the model found the ten true persons; the review then changes them
        assert len(linked) == 10 and frozenset({"B/b7", "C/c7"}) in linked
        d = store.decisions
        first = d.record("A/a2", "B/b2", "non-match", reviewer="ann")          # superseded ...
        d.record("B/b2", "A/a2", "match", reviewer="bob", based_on=first.decision_id)  # ... here
        d.record("A/a6", "B/b10", "match", reviewer="ann")                     # a merge
        d.record("B/b7", "C/c7", "non-match", reviewer="ann")                  # a split ...
        d.record("B/b7", "C/c7", "non-match", reviewer="bob")                  # stale, agrees
        d.record("A/a4", "C/c4", "unsure", reviewer="ann")                     # the model decides
        d.record("A/a3", "B/b3", "match", reviewer="ann")                      # two reviewers at
        assert d.record("A/a3", "B/b3", "non-match", reviewer="bob").conflict  # once: conflict
    return root / "proj"


def _partition(frame) -> dict[frozenset, str]:
    return {frozenset(g): pid for pid, g in frame.groupby("person_id")["uid"]}


def test_histories_match_the_hand_count(project):
    with Project.open(project).store(read_only=True) as store:
        persons = current_persons(store)
        frame, lists = histories_frame(store, strata=["region"], persons=persons)
        table = capture_table(store, strata=["region"])
        in_force = store.decisions.in_force()
    partition = _partition(persons.frame)
    assert set(partition) == set(EXPECTED_PERSONS) and lists == ["A", "B", "C"]
    region = frame.set_index("person_id")["region"]
    assert {members: region[pid] for members, pid in partition.items()} == EXPECTED_PERSONS
    assert table.observed == len(EXPECTED_PERSONS) == 11
    patterns, regions = _table_counts(table)
    assert patterns == EXPECTED_TABLE and regions == _expected_region_counts()
    assert dict(zip(zip(in_force.uid_l, in_force.uid_r, strict=True), in_force.decision,
                    strict=True)) == EXPECTED_IN_FORCE


def _table_counts(table) -> tuple[dict, collections.Counter]:
    """Persons by capture pattern over (A, B, C) and by region, read from the file contract's
    frame (0/1 list columns, ``count``, stratum columns)."""
    frame = table.to_frame()
    patterns: collections.Counter = collections.Counter()
    regions: collections.Counter = collections.Counter()
    for row in frame.to_dict("records"):
        patterns[(row["A"], row["B"], row["C"])] += int(row["count"])
        regions[row.get("region")] += int(row["count"])
    return dict(patterns), regions


def _expected_region_counts() -> collections.Counter:
    return collections.Counter(EXPECTED_PERSONS.values())


def test_analysis_agrees(project):
    deaths = read_deaths(project)
    with Project.open(project).store(read_only=True) as store:
        partition = _partition(current_persons(store).frame)
    by_pid = deaths.frame.set_index("person_id")
    got = {members: by_pid["iso_code"].get(pid, "unknown") for members, pid in partition.items()}
    assert got == EXPECTED_PERSONS
    assert deaths.total == 11 and deaths.no_region == 2
    lists = {members: by_pid["lists"].get(pid) for members, pid in partition.items()
             if pid in by_pid.index}
    assert lists[frozenset({"A/a6", "B/b10"})] == "A|B" and lists[frozenset({"C/c7"})] == "C"
    # the analysis' own table for an MSE by region: the same persons, less the two unplaced
    patterns, regions = _table_counts(region_capture_table(deaths))
    expected = _expected_region_counts()
    del expected["unknown"]
    assert regions == expected
    # A/a3 (A only) and A/a4+C/c4 (A and C) have no region
    assert patterns == {**{k: v for k, v in EXPECTED_TABLE.items() if k != (1, 0, 0)},
                        (1, 0, 1): 1}


def _report_view(data) -> tuple:
    capture = {tuple(1 if name in p["members"] else 0 for name in ("A", "B", "C")): p["count"]
               for p in data["capture"]["patterns"]}
    regions = {r["region_iso"]: r["persons"] for r in data["regions"]["rows"]}
    strata = {r["stratum"]: r["observed"] for r in data["strata"]["rows"]}
    return data["linkage"]["persons_now"], capture, regions, strata, data["linkage"]["review"]


def test_report_agrees(project):
    data = collect(project, methods=["chao"])
    persons, capture, regions, strata, review = _report_view(data)
    assert persons == 11 and capture == EXPECTED_TABLE
    assert regions == _expected_region_counts()
    assert strata == {f"region={k}": v for k, v in _expected_region_counts().items()}
    assert (review["decisions"], review["conflicts"]) == (8, 1)


def test_web_service_agrees(project):
    standalone = _report_view(collect(project, methods=["chao"]))
    review = Review(Project.open(project))
    try:
        persons = review.clustering()
        assert set(_partition(persons.frame)) == set(EXPECTED_PERSONS)
        assert review.live_estimate()["persons"] == 11
        shown = review.persons(per_page=100)
        assert shown["total"] == 11
        assert {frozenset(f"{r['list_name']}/{r['record_id']}" for r in p["records"])
                for p in shown["persons"]} == set(EXPECTED_PERSONS)
        for (a, b), decision in EXPECTED_IN_FORCE.items():
            assert review.history(b, a)[-1]["decision"] == decision
        assert review.progress()["conflicts"] == 1

        @contextlib.contextmanager
        def server_store():        # the report the server builds, through its own store
            with review.lock:
                yield review.store

        assert _report_view(collect(project, methods=["chao"], store=server_store())) == standalone
    finally:
        review.close()


def test_command_line_agrees(project, tmp_path):
    runner = CliRunner()
    out = tmp_path / "h.csv"
    r = runner.invoke(app, ["histories", str(project), "--out", str(out), "--strata", "region"])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table = {(int(x["A"]), int(x["B"]), int(x["C"])): 0 for x in rows}
    by_region: collections.Counter = collections.Counter()
    for x in rows:
        table[(int(x["A"]), int(x["B"]), int(x["C"]))] += int(x["count"])
        by_region[x["region"]] += int(x["count"])
    assert table == EXPECTED_TABLE and by_region == _expected_region_counts()
    out = tmp_path / "p.csv"
    r = runner.invoke(app, ["persons", str(project), "--out", str(out)])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8") as fh:
        groups: dict[str, set] = {}
        for x in csv.DictReader(fh):
            groups.setdefault(x["person_id"], set()).add(f"{x['list']}/{x['record_id']}")
    assert {frozenset(g) for g in groups.values()} == set(EXPECTED_PERSONS)
