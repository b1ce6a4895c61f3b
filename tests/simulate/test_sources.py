"""Five kinds of source and namesakes in the simulator (issue 18): each kind writes a man the way
such a source does, namesakes share a full name and a region, and the scenario option is checked."""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import ConfigError
from uncounted.simulate import named_scenario, simulate_lists
from uncounted.simulate.scenario import scenario_from_dict
from uncounted.simulate.sources import (
    add_namesakes,
    age_at_death,
    initials,
    namesake_pairs,
    oblique,
)

pytest.importorskip("iuliia")


def test_oblique_forms_of_regular_names():
    assert oblique("Иванов", "Иван", "Петрович", "gent") == ("Иванова", "Ивана", "Петровича")
    assert oblique("Иванов", "Иван", "Петрович", "ablt") == ("Ивановым", "Иваном", "Петровичем")
    assert oblique("Бельский", "Юрий", "Ильич", "gent") == ("Бельского", "Юрия", "Ильича")
    assert oblique("Бельский", "Илья", "", "ablt") == ("Бельским", "Ильёй", "")
    assert oblique("Черных", "Никита", "Игоревич", "gent") == ("Черных", "Никиты", "Игоревича")
    assert oblique("Петров", "Игорь", "Сергеевич", "ablt") == ("Петровым", "Игорем", "Сергеевичем")


def test_initials_and_age():
    assert initials("Иван", "Петрович") == "И. П."
    assert initials("Иван", "") == "И."
    assert age_at_death("1990-05-11", "2023-05-10") == 32     # the day before the birthday
    assert age_at_death("1990-05-10", "2023-05-10") == 33


def test_namesakes_share_name_and_region_not_birth():
    rng = np.random.default_rng(5)
    n = 2000
    people = pd.DataFrame({
        "person_id": [f"P{i}" for i in range(n)],
        "surname": [f"S{i}" for i in range(n)], "given_name": [f"G{i}" for i in range(n)],
        "patronymic": [f"P{i}" for i in range(n)],
        "region": rng.choice(["RU-A", "RU-B", "RU-C"], size=n),
        "birth_date": [f"{1960 + i % 40}-01-01" for i in range(n)]})
    out = add_namesakes(people, 0.06, rng)
    pairs = namesake_pairs(out)
    assert len(pairs) == 60                       # 6% of 2,000 men in 60 pairs
    by = out.set_index("person_id")
    for a, b in pairs:
        ra, rb = by.loc[a], by.loc[b]
        assert (ra["surname"], ra["given_name"], ra["patronymic"], ra["region"]) == \
            (rb["surname"], rb["given_name"], rb["patronymic"], rb["region"])
    assert (out["birth_date"] == people["birth_date"]).all()
    assert add_namesakes(people, 0.0, rng)["namesake_of"].eq("").all()


def test_kind_is_validated():
    data = {"lists": [{"name": "a", "capture": 0.5, "kind": "tabloid"},
                      {"name": "b", "capture": 0.5}]}
    with pytest.raises(ConfigError, match="kind"):
        scenario_from_dict(data)
    with pytest.raises(ConfigError, match="namesakes"):
        scenario_from_dict({"population": {"namesakes": 1.5}, "lists": data["lists"][1:] * 1
                            + [{"name": "c", "capture": 0.2}]})


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_five_sources_written_each_way(tmp_path):
    sim = simulate_lists(tmp_path, population=400, seed=3, scenario="five_sources")
    assert set(sim.files) == {"volunteers", "foreign_press", "officials", "obituaries",
                              "roll_of_honour"}
    people = sim.population.set_index("person_id")
    truth = sim.truth.set_index("record_id")
    assert (sim.population["namesake_of"] != "").sum() == 12          # 3% copy a name: 6% in pairs
    officials = _rows(sim.files["officials"])
    assert all(r["фамилия"] == r["фамилия"].upper() for r in officials)
    assert all(len(r["дата рождения"]) in (0, 10) for r in officials)   # full dates only
    roll = _rows(sim.files["roll_of_honour"])
    for r in roll:
        p = people.loc[truth.loc[r["record_id"], "person_id"]]
        if "typo" not in truth.loc[r["record_id"], "errors"]:
            assert r["ФИО"].startswith(p["surname"] + " " + p["given_name"][0] + ".")
        assert r["дата рождения"] in ("", p["birth_date"][:4], str(int(p["birth_date"][:4]) - 1),
                                      str(int(p["birth_date"][:4]) + 1))
    obits = _rows(sim.files["obituaries"])
    ages = [r for r in obits if r["возраст"]]
    assert ages and all(r["дата рождения"] == "" for r in obits)
    for r in ages:
        p = people.loc[truth.loc[r["record_id"], "person_id"]]
        assert int(r["возраст"]) == age_at_death(p["birth_date"], p["death_date"])
    assert any(r["ФИО"].split()[0].endswith(("ым", "ова", "ева", "ина", "ого", "им")) for r in obits)
    press = _rows(sim.files["foreign_press"])
    assert not any(re.search("[а-яА-ЯёЁ]", r["full_name"]) for r in press)    # Latin script
    assert {len(r["birth_date"]) for r in press} <= {0, 4, 10}
    schemas = {e for errs in truth.loc[[r["record_id"] for r in press], "errors"]
               for e in errs.split(";") if e.startswith("romanised_")}
    assert len(schemas) >= 5                      # one schema per record, several in one list


def test_default_scenario_has_no_kinds_or_namesakes():
    scn = named_scenario("default")
    assert scn.population.namesakes == 0 and {s.kind for s in scn.lists} == {"plain"}
