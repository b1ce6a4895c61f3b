"""A small project store filled with parameterised INSERTs, shaped like real linkage output.

38 true persons on three lists A, B, C (capture counts A 10, B 8, C 6, AB 5, AC 4, BC 3, ABC 2:
54 records). Links within a true person score 0.98, above the 0.9 threshold, except three A-B
pairs scored 0.55, 0.60 and 0.65 (in the review band, so the model keeps them apart): before review
there are 41 persons (A-only 13, B-only 11, AB 2). Two more review-band pairs join different people
(0.30 and 0.85). The first three pairs of the review queue (closest to 0.5 first) are the three true
matches; deciding ``match`` on them brings the count to 38. One surname carries a ``<script>`` tag.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from uncounted.project import Project
from uncounted.store import now

PATTERNS = {"A": 10, "B": 8, "C": 6, "AB": 5, "AC": 4, "BC": 3, "ABC": 2}
REVIEW_MATCH_P = [0.55, 0.60, 0.65]
REVIEW_NONMATCH_P = [0.30, 0.85]
XSS = "<script>window.__pwned=1</script>Petrov"
SURNAMES = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Sokolov", "Mikhailov",
            "Novikov", "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev"]
GIVEN = ["Ivan", "Sergei", "Andrei", "Dmitry", "Alexei", "Nikolai", "Pavel"]
REGIONS = ["RU-MOS", "RU-SPE", "RU-BU", "RU-TY"]
OBSERVED_BEFORE = 41
OBSERVED_AFTER = 38


def true_persons() -> list[str]:
    """Pattern of each true person, in a fixed order."""
    return [pat for pat, n in PATTERNS.items() for _ in range(n)]


def make_project(root: Path, *, with_link_run: bool = True) -> Project:
    """Create the project under ``root`` and fill it; returns the opened Project."""
    project = Project.init(root, name="fixture")
    with project.store() as store, store.transaction():
        con = store.con
        next_id = {name: 1 for name in "ABC"}
        records: list[tuple[str, str, int]] = []  # (uid, list, true person)
        for person, pat in enumerate(true_persons()):
            surname = SURNAMES[person % len(SURNAMES)]
            given = GIVEN[person % len(GIVEN)]
            region = REGIONS[person % len(REGIONS)]
            for lst in pat:
                rid = str(next_id[lst])
                next_id[lst] += 1
                uid = f"{lst}/{rid}"
                name = XSS if (person == 10 + 8 + 6 and lst == "A") else surname
                birth = 1980 + person % 15
                con.execute(
                    "INSERT INTO records (uid, list_name, record_id, import_id, row_number, raw, "
                    "surname_raw, given_name_raw, surname_key, given_name_key, birth_date_raw, "
                    "birth_year, death_date_raw, death_year, region_raw, region_iso, unit, rank) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [uid, lst, rid, "ABC".index(lst) + 1, int(rid), json.dumps({"surname": name}),
                     name, given, name.lower(), given.lower(),
                     str(birth) if lst != "C" else f"01.01.{birth}", birth, "2023", 2023,
                     region, region, f"unit {person % 5}", "private"])
                records.append((uid, lst, person))
        for i, lst in enumerate("ABC", start=1):
            n = next_id[lst] - 1
            digest = hashlib.sha256(f"list {lst}".encode()).hexdigest()
            con.execute("INSERT INTO lists VALUES (?, ?, ?, ?, ?, ?)",
                        [lst, f"source list {lst}", i, n, now(), now()])
            con.execute("INSERT INTO imports (import_id, list_name, file_name, file_sha256, file_bytes, "
                        "format, encoding, delimiter, n_rows, n_imported, n_rejected, status, "
                        "imported_at, actor, settings) VALUES (nextval('import_seq'), ?, ?, ?, ?, "
                        "'csv', 'utf-8', ',', ?, ?, 0, 'active', ?, 'fixture', ?)",
                        [lst, f"{lst.lower()}.csv", digest, 100 * n, n, n, now(), json.dumps({})])
        if with_link_run:
            _link(con, records)
    return project


def review_pairs(records) -> tuple[list, list]:
    """The three true-match pairs below threshold and two wrong pairs, as (uid_l, uid_r)."""
    by_person: dict[int, list[str]] = {}
    for uid, _, person in records:
        by_person.setdefault(person, []).append(uid)
    ab = [p for p, pat in enumerate(true_persons()) if pat == "AB"]
    split = [tuple(sorted(by_person[p])) for p in ab[:3]]
    a_only = [p for p, pat in enumerate(true_persons()) if pat == "A"]
    c_only = [p for p, pat in enumerate(true_persons()) if pat == "C"]
    wrong = [tuple(sorted((by_person[a_only[j]][0], by_person[c_only[j]][0]))) for j in range(2)]
    return split, wrong


def _link(con, records) -> None:
    split, wrong = review_pairs(records)
    con.execute("INSERT INTO link_runs VALUES (nextval('link_run_seq'), ?, 'duckdb', 0.9, ?, ?, ?, ?, ?)",
                [now(), json.dumps({"model": "fixture"}), json.dumps({"blocking": ["surname_key"]}),
                 len(records), 0, 0])
    run_id = con.execute("SELECT max(run_id) FROM link_runs").fetchone()[0]
    pairs: dict[tuple[str, str], float] = {}
    by_person: dict[int, list[str]] = {}
    for uid, _, person in records:
        by_person.setdefault(person, []).append(uid)
    for uids in by_person.values():
        uids = sorted(uids)
        for i in range(len(uids)):
            for j in range(i + 1, len(uids)):
                pairs[(uids[i], uids[j])] = 0.98
    for pair, p in zip(split, REVIEW_MATCH_P, strict=True):
        pairs[pair] = p
    for pair, p in zip(wrong, REVIEW_NONMATCH_P, strict=True):
        pairs[pair] = p
    # low-probability pairs for the histogram: consecutive A-only people
    a_only = sorted(u for u, lst, person in records if true_persons()[person] == "A")
    for i in range(len(a_only) - 1):
        pairs[(a_only[i], a_only[i + 1])] = 0.02 + 0.01 * i
    for (l, r), p in sorted(pairs.items()):
        weight = 0.0 if p in (0.0, 1.0) else float(__import__("math").log2(p / (1 - p)))
        con.execute("INSERT INTO pairs VALUES (?, ?, ?, ?, ?, ?)",
                    [run_id, l, r, weight, p, json.dumps({"surname": 2, "birth_date": 1})])
    # persons at threshold 0.9 (union-find)
    parent = {uid: uid for uid, _, _ in records}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (l, r), p in pairs.items():
        if p >= 0.9:
            parent[find(l)] = find(r)
    roots = sorted({find(u) for u in parent})
    pid = {root: f"P{i + 1:04d}" for i, root in enumerate(roots)}
    for uid, lst, _ in records:
        con.execute("INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?)",
                    [run_id, uid, lst, uid.split("/")[1], pid[find(uid)], 0.98])
    con.execute("UPDATE link_runs SET n_pairs = ?, n_persons = ? WHERE run_id = ?",
                [len(pairs), len(roots), run_id])
