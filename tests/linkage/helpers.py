"""Test helpers: put normalised records straight into a project store, and make noisy lists with
known truth (a small stand-in for the simulator, writing the normalised columns directly)."""

from __future__ import annotations

import json

import numpy as np

RECORD_COLUMNS = ["uid", "list_name", "record_id", "import_id", "row_number", "raw",
                  "surname_raw", "given_name_raw", "patronymic_raw",
                  "surname_key", "given_name_key", "given_name_canon", "patronymic_key",
                  "birth_year", "birth_month", "birth_day", "birth_precision",
                  "death_year", "death_month", "death_day", "death_precision",
                  "region_raw", "region_iso", "federal_district", "unit",
                  "given_name_cyr", "patronymic_cyr", "surname_cyr"]


def insert_records(store, rows: list[dict]) -> None:
    """Insert record dicts (keys from RECORD_COLUMNS; list_name and record_id required)."""
    import pandas as pd

    out = []
    for i, r in enumerate(rows):
        r = dict(r)
        r.setdefault("uid", f"{r['list_name']}/{r['record_id']}")
        r.setdefault("import_id", 1)
        r.setdefault("row_number", i + 1)
        r.setdefault("raw", json.dumps({k: r.get(k) for k in ("surname_raw", "given_name_raw")},
                                       ensure_ascii=False))
        out.append([r.get(c) for c in RECORD_COLUMNS])
    frame = pd.DataFrame(out, columns=RECORD_COLUMNS)
    for c in RECORD_COLUMNS:                     # all-None columns would be typed INTEGER
        if frame[c].isna().all():
            frame[c] = frame[c].astype(object)
    # the values travel as data (a registered DataFrame), never inside the SQL text
    cols = ", ".join(RECORD_COLUMNS)
    with store.transaction():
        store.con.register("__test_records", frame)
        store.con.execute(f"INSERT INTO records ({cols}) SELECT {cols} FROM __test_records")
        store.con.unregister("__test_records")
        for name in sorted(frame["list_name"].unique()):
            store.con.execute("INSERT OR IGNORE INTO lists (list_name, n_records) VALUES (?, 0)", [name])


SURNAMES = ["ivanov", "smirnov", "kuznetsov", "popov", "vasilyev", "petrov", "sokolov", "mikhaylov", "novikov", "fedorov", "morozov", "volkov", "alekseyev", "lebedev", "semenov", "yegorov", "pavlov", "kozlov", "stepanov", "nikolayev", "orlov", "andreyev", "makarov", "nikitin", "zakharov", "zaytsev", "solovyev", "borisov", "yakovlev", "grigoryev", "romanov", "vorobyev", "sergeyev", "kuzmin", "frolov", "aleksandrov", "dmitriyev", "korolev", "gusev", "kiselev", "ilyin", "maksimov", "polyakov", "sorokin", "vinogradov", "kovalev", "belov", "medvedev", "antonov", "tarasov", "zhukov", "baranov", "filippov", "komarov", "davydov", "belyayev", "gerasimov", "bogdanov", "osipov", "sidorov", "matveyev", "titov", "markov", "mironov", "krylov", "kulikov", "karpov", "vlasov", "melnikov", "denisov", "gavrilov", "tikhonov", "kazakov", "afanasyev", "danilov", "savelyev", "timofeyev", "fomin", "chernov", "abramov", "martynov", "yefimov", "fedotov", "shcherbakov", "nazarov", "kalinin", "isayev", "chernyshev", "bykov", "maslov", "rodionov", "konovalov", "lazarev", "voronin", "klimov", "filatov", "ponomarev", "golubev", "kudryavtsev", "prokhorov"]
GIVEN = {"aleksandr": ["sasha", "shura"], "aleksey": ["alesha", "lesha"], "andrey": ["andryusha"],
         "dmitriy": ["dima", "mitya"], "sergey": ["serezha"], "ivan": ["vanya"],
         "mikhail": ["misha"], "nikolay": ["kolya"], "vladimir": ["volodya", "vova"],
         "yevgeniy": ["zhenya"], "pavel": ["pasha"], "artem": ["tema"], "maksim": ["maks"],
         "denis": ["den"], "roman": ["roma"], "igor": ["igorek"], "oleg": ["olezhka"],
         "anton": ["antosha"], "viktor": ["vitya"], "yuriy": ["yura"], "konstantin": ["kostya"],
         "vitaliy": ["vitalik"], "ruslan": ["rus"], "vadim": ["vadik"], "kirill": ["kirya"],
         "stanislav": ["stas"], "vyacheslav": ["slava"], "anatoliy": ["tolya"], "gennadiy": ["gena"],
         "valeriy": ["valera"], "nikita": ["nikitka"], "ilya": ["ilyusha"], "yegor": ["yegorka"],
         "timur": ["tima"], "arseniy": ["senya"], "bogdan": ["bodya"], "danila": ["danya"],
         "leonid": ["lenya"], "grigoriy": ["grisha"], "boris": ["borya"]}
REGIONS = [("RU-MOS", "central"), ("RU-MOW", "central"), ("RU-BU", "far-eastern"),
           ("RU-SVE", "urals"), ("RU-KDA", "southern"), ("RU-BA", "volga"), ("RU-TA", "volga"),
           ("RU-ROS", "southern"), ("RU-CHE", "urals"), ("RU-VGG", "southern"),
           ("RU-ORE", "volga"), ("RU-IRK", "siberian"), ("RU-NVS", "siberian"), ("RU-SPE", "northwestern"),
           ("RU-TY", "siberian"), ("RU-DA", "north-caucasian")]


def _typo(s: str, rng) -> str:
    i = int(rng.integers(1, len(s)))
    op = rng.integers(3)
    letters = "abdefgiklmnoprstuvyz"
    if op == 0:
        return s[:i] + s[i + 1:]
    if op == 1:
        return s[:i] + letters[rng.integers(len(letters))] + s[i + 1:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:] if i < len(s) else s + "a"


def many_surnames() -> list[str]:
    """~5,000 surname-like keys (root + ending) for scale runs, where 120 would be too few."""
    endings = ["", "ov", "ev", "in", "enko", "sky", "ovich", "uk", "ko", "ets", "ishin", "ikov",
               "yan", "adze", "shvili", "iev", "ash", "off", "ner", "man", "ich", "ak", "chuk",
               "ayev", "ulin", "ykh", "ago", "ida", "ura", "ela", "ovsky", "enkov", "ich", "elev",
               "arin", "anov", "onov", "unov", "inov", "atov", "itov", "otov"]
    roots = [s[:-2] if s.endswith(("ov", "ev")) else s for s in SURNAMES]
    return sorted({r + e for r in roots for e in endings})


def synthetic_lists(n_people: int, n_lists: int = 4, *, seed: int = 1,
                    capture=(0.55, 0.45, 0.35, 0.25), surnames=None, zipf: float = 0.8
                    ) -> tuple[list[dict], dict[str, int]]:
    """Noisy records of ``n_people`` on ``n_lists`` lists; returns (records, uid -> person)."""
    rng = np.random.default_rng(seed)
    pool = list(surnames or SURNAMES)
    w = 1.0 / np.arange(1, len(pool) + 1) ** zipf               # Zipf-like: ivanov is common
    w /= w.sum()
    sur_draw = rng.choice(len(pool), size=n_people, p=w)
    givens = list(GIVEN)
    people = []
    for pid in range(n_people):
        father = givens[rng.integers(len(givens))]
        reg = REGIONS[rng.integers(len(REGIONS))]
        people.append(dict(
            surname=pool[sur_draw[pid]], given=givens[rng.integers(len(givens))],
            patronymic=father + "ovich", by=int(rng.integers(1965, 2005)), bm=int(rng.integers(1, 13)),
            bd=int(rng.integers(1, 29)), dy=int(rng.integers(2022, 2025)), dm=int(rng.integers(1, 13)),
            dd=int(rng.integers(1, 29)), region=reg, unit=f"{int(rng.integers(1, 300))} motor rifle"))
    records, truth = [], {}
    for j in range(n_lists):
        name = f"list{j + 1}"
        for pid, p in enumerate(people):
            if rng.random() >= capture[j % len(capture)]:
                continue
            rec = _noisy(p, rng)
            rec.update(list_name=name, record_id=str(len(records) + 1))
            records.append(rec)
            truth[f"{name}/{rec['record_id']}"] = pid
    return records, truth


def _noisy(p: dict, rng) -> dict:
    sur, giv = p["surname"], p["given"]
    if rng.random() < 0.05:
        sur = _typo(sur, rng)
    canon = giv
    if rng.random() < 0.10:
        giv = GIVEN[giv][rng.integers(len(GIVEN[giv]))]
    elif rng.random() < 0.03:
        giv = _typo(giv, rng)
        canon = giv
    if rng.random() < 0.01:
        sur, giv, canon = giv, sur, sur
    r = dict(surname_key=sur, given_name_key=giv, given_name_canon=canon, surname_raw=sur.title(),
             given_name_raw=giv.title(),
             patronymic_key=None if rng.random() < 0.25 else p["patronymic"])
    u = rng.random()
    by, bm, bd = p["by"], p["bm"], p["bd"]
    if rng.random() < 0.03:
        bm, bd = (bd, bm) if bd <= 12 else (bm, bd)
    if rng.random() < 0.02:
        by += int(rng.choice([-1, 1]))
    if u < 0.10:
        r.update(birth_year=None, birth_month=None, birth_day=None)
    elif u < 0.25:
        r.update(birth_year=by, birth_month=None, birth_day=None, birth_precision="year")
    else:
        r.update(birth_year=by, birth_month=bm, birth_day=bd, birth_precision="day")
    dd = p["dd"] + (int(rng.integers(-3, 4)) if rng.random() < 0.15 else 0)
    if rng.random() < 0.15:
        r.update(death_year=None, death_month=None, death_day=None)
    else:
        r.update(death_year=p["dy"], death_month=p["dm"], death_day=min(max(dd, 1), 28),
                 death_precision="day")
    if rng.random() >= 0.1:
        r.update(region_iso=p["region"][0], federal_district=p["region"][1])
    if rng.random() >= 0.4:
        r["unit"] = p["unit"]
    return r
