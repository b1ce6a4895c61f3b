"""simulate_lists: files in the source-list contract, byte-for-byte reproducibility, complete truth."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from uncounted.mse import CaptureTable
from uncounted.simulate import simulate_capture_table, simulate_lists

N = 800  # small: the default scenario's lists at 800 people take well under a second


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    return simulate_lists(tmp_path_factory.mktemp("sim"), population=N, seed=7)


def _read(path):
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    raw = path.read_bytes()
    enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
        enc = "cp1251"
    from io import StringIO

    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


def test_same_seed_same_bytes(sim, tmp_path):
    again = simulate_lists(tmp_path, population=N, seed=7)
    assert _hashes(sim.out_dir) == _hashes(again.out_dir)
    assert {p.suffix for p in sim.files.values()} == {".csv", ".xlsx"}


def test_other_seed_other_files(sim, tmp_path):
    other = simulate_lists(tmp_path, population=N, seed=8)
    a, b = _hashes(sim.out_dir), _hashes(other.out_dir)
    assert all(a[name] != b[name] for name in a if name != "scenario.json")


def test_files_follow_the_contract(sim):
    files = sim.files
    assert set(files) == {"mediazona", "obituaries", "ua_intel", "memorial_en"}
    mz = _read(files["mediazona"])
    assert list(mz.columns[:4]) == ["record_id", "фамилия", "имя", "отчество"]
    # the obituaries list is cp1251 with one full-name column and Russian text dates
    raw = files["obituaries"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    ob = pd.read_csv(files["obituaries"], encoding="cp1251", dtype=str, keep_default_na=False)
    assert "ФИО" in ob.columns and "фамилия" not in ob.columns
    assert ob["дата смерти"].str.contains(r"^\d{1,2} [а-я]+ \d{4}$").all()
    ua = _read(files["ua_intel"])
    assert files["ua_intel"].read_bytes().startswith(b"\xef\xbb\xbf")
    assert ua["surname"].str.fullmatch(r"[A-Za-z'’ -]+").all()
    en = _read(files["memorial_en"])
    assert en["death_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_truth_complete_and_consistent(sim):
    truth = pd.read_csv(sim.truth_path, dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["list", "record_id", "person_id", "errors"]
    assert truth["record_id"].is_unique
    people = pd.read_csv(sim.population_path, dtype=str, keep_default_na=False)
    assert len(people) == N and people["person_id"].is_unique
    assert set(truth["person_id"]) <= set(people["person_id"])
    for name, path in sim.files.items():
        records = _read(path)
        mine = truth[truth["list"] == name]
        # every record of the file is in truth exactly once, and nothing else is
        assert sorted(records["record_id"]) == sorted(mine["record_id"])
        # the persons of a list are exactly those the population marks as caught by it
        caught = set(people.loc[people[f"in_{name}"] == "1", "person_id"])
        assert set(mine["person_id"]) == caught
        # only records flagged as duplicates repeat a person within a list
        first = mine[~mine["errors"].str.startswith("duplicate")]
        assert first["person_id"].is_unique
    # the capture table is persons x lists from the truth
    wide = pd.crosstab(truth["person_id"], truth["list"]).clip(upper=1)[list(sim.scenario.list_names)]
    assert CaptureTable.from_rows(wide.to_numpy().tolist(), lists=list(wide.columns)) == sim.capture_table


def test_capture_table_only_is_the_same_draw(sim):
    table = simulate_capture_table(population=N, seed=7)
    assert table == sim.capture_table
    assert table.lists == sim.scenario.list_names


def test_records_carry_the_truth_when_there_is_no_error(sim):
    people = pd.read_csv(sim.population_path, dtype=str, keep_default_na=False).set_index("person_id")
    truth = pd.read_csv(sim.truth_path, dtype=str, keep_default_na=False)
    mz = _read(sim.files["mediazona"]).merge(truth, on="record_id")
    clean = mz[mz["errors"] == ""]
    assert len(clean) > 100
    p = people.loc[clean["person_id"]]
    assert (clean["фамилия"].to_numpy() == p["surname"].to_numpy()).all()
    assert (clean["отчество"].to_numpy() == p["patronymic"].to_numpy()).all()
    iso = pd.to_datetime(clean["дата рождения"], format="%d.%m.%Y").dt.strftime("%Y-%m-%d")
    assert (iso.to_numpy() == p["birth_date"].to_numpy()).all()


def test_population_is_realistic(tmp_path):
    people = simulate_lists(tmp_path, population=3000, lists=2, seed=3).population
    top = people["surname"].value_counts()
    # Faker's frequency order: Смирнов and Иванов about 1.3-1.5% each, so 25-70 of 3,000
    assert 25 <= top.get("Иванов", 0) <= 70
    assert people["patronymic"].str.endswith(("ович", "евич", "ич")).all()
    ages = (pd.to_datetime(people["death_date"]) - pd.to_datetime(people["birth_date"])).dt.days / 365.25
    assert ages.min() >= 18 and ages.max() < 64 and 28 < ages.mean() < 40
    # regions follow the packaged BBC/Mediazona shares: no one from the annexed oblasts
    assert not people["region"].isin(["UA-14", "UA-09", "UA-23", "UA-65"]).any()
    assert np.isclose(people["region"].value_counts(normalize=True).get("RU-MOW", 0), 0.0063, atol=0.006)
