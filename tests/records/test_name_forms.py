"""Every way a source writes a name and a birth date (issue 18): oblique cases read list-wide,
given-name-first order in one full-name field, romanisations detected per record, age at death
as a birth-year interval, and the birth intervals the linkage compares."""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.records import ImportFailed, import_list
from uncounted.records.dates import (
    DateError,
    birth_conflict,
    birth_interval,
    birth_intervals,
    parse_age,
    pseudo_day,
)
from uncounted.records.names import normalise_names_frame, split_full_name, to_nominative

pytest.importorskip("pymorphy3")


def test_oblique_case_ambiguous_alone_read_in_the_lists_case():
    # "Александра" alone is a woman's name or a man's in the genitive: unchanged on its own ...
    assert to_nominative("Бельского", "Александра", None) == ("Бельского", "Александра", None,
                                                              "nomn")
    # ... but read as a man's genitive in a list written in the genitive; the surname follows
    assert to_nominative("Бельского", "Александра", None, "gent") == ("Бельский", "Александр",
                                                                      None, "gent")
    # surnames pymorphy3 reads as adjectives get the regular men's endings back
    assert to_nominative("Обидским", "Александром", "Андреевичем")[:3] == (
        "Обидский", "Александр", "Андреевич")


def test_obituary_list_reduced_list_wide():
    names = [split_full_name(t) for t in (
        "Иванова Ивана Петровича", "Петровым Сергеем Ивановичем", "Сидорова Олега Юрьевича",
        "Кузнецова Андрея Олеговича", "Смирновым Павлом Игоревичем", "Бельского Александра",
        "Орлова Никиты")]
    s, g, p = (list(x) for x in zip(*names))
    out = normalise_names_frame(s, g, p)
    assert list(out["surname_cyr"]) == ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов",
                                        "Бельский", "Орлов"]
    assert list(out["given_name_key"])[-2:] == ["aleksandr", "nikita"]
    # a list in the nominative keeps "Александра" (a woman) as it is
    nom = normalise_names_frame(["Бельская"] + ["Иванов"] * 5, ["Александра"] + ["Иван"] * 5,
                                [None] * 6)
    assert nom["given_name_key"].iloc[0] == "aleksandra"


@pytest.mark.parametrize("text,expected", [
    ("Nikita Danilov", ("Danilov", "Nikita", None)),          # given name first, Western order
    ("Bair Kosterskij", ("Kosterskij", "Bair", None)),        # surname known by its ending
    ("Mixail Denʹgov", ("Denʹgov", "Mixail", None)),          # scientific x = х in a given name
    ("Serhii Hrachov", ("Hrachov", "Serhii", None)),          # Ukrainian h = г
    ("Danilov Nikita", ("Danilov", "Nikita", None)),
    ("Ivan Petrovich Ivanov", ("Ivanov", "Ivan", "Petrovich")),
    ("Иванов И. П.", ("Иванов", "И", "П")),
])
def test_name_order_in_one_field(text, expected):
    assert split_full_name(text) == expected


def test_romanisation_detected_per_record():
    # a list mixing schemas record by record: the list-wide check sees no Ukrainian style, each
    # record is read in the schema that makes its given name a known name
    s, g, p = zip(*[split_full_name(t) for t in (
        "Mixail Denʹgov", "Serhei Hrachev", "Sergei Ivanov", "Aleksandr Petrov", "Dmitrii Orlov",
        "Andrei Sokolov")])
    out = normalise_names_frame(list(s), list(g), list(p))
    assert list(out["given_name_key"][:3]) == ["mikhail", "sergei", "sergei"]
    assert list(out["surname_key"][:2]) == ["dengov", "grachev"]


def test_age_parsing():
    assert parse_age("34") == 34 and parse_age(" 34 года ") == 34 and parse_age("21 years") == 21
    assert parse_age("") is None and parse_age("34.0") == 34
    for bad in ("тридцать", "-3", "130", "34.5"):
        with pytest.raises(DateError, match="age at death"):
            parse_age(bad)


def test_birth_intervals_by_precision():
    assert birth_interval(1990, 3, 12, "day") == (pseudo_day(1990, 3, 12),) * 2
    assert birth_interval(1990, 3, None, "month") == (pseudo_day(1990, 3, 1), pseudo_day(1990, 3, 31))
    assert birth_interval(1990, None, None, "year") == (pseudo_day(1990), pseudo_day(1990, 12, 31))
    # died 10.05.2023 aged 34 -> born 11.05.1988 .. 10.05.1989 (stored as 1989, precision age)
    assert birth_interval(1989, None, None, "age", 5, 10) == (pseudo_day(1988, 5, 11),
                                                              pseudo_day(1989, 5, 10))
    assert birth_interval(None, None, None, None) is None
    lo, hi = birth_intervals([1990, 1989, float("nan")], [3, float("nan")] * 1 + [float("nan")],
                             [12, float("nan"), float("nan")], [False, True, False],
                             [5, 5, 5], [10, 10, 10])
    assert (lo[0], hi[0]) == birth_interval(1990, 3, 12, "day")
    assert (lo[1], hi[1]) == birth_interval(1989, None, None, "age", 5, 10)
    assert pd.isna(lo[2]) and pd.isna(hi[2])


def test_birth_conflicts_beyond_a_year():
    # the examples: 28.06.1975 vs 1972 and 2000 vs 01.04.1997 are two men
    assert birth_conflict(birth_interval(1975, 6, 28, "day"), birth_interval(1972, None, None, "year"))
    assert birth_conflict(birth_interval(2000, None, None, "year"), birth_interval(1997, 4, 1, "day"))
    # a year one off, adjacent years, an age against the year it allows: not a conflict
    assert not birth_conflict(birth_interval(1975, 6, 28, "day"), birth_interval(1976, 6, 28, "day"))
    assert not birth_conflict(birth_interval(1975, None, None, "year"),
                              birth_interval(1976, None, None, "year"))
    assert not birth_conflict(birth_interval(1989, None, None, "age", 5, 10),
                              birth_interval(1988, 12, 1, "day"))
    assert birth_conflict(birth_interval(1989, None, None, "age", 5, 10),
                          birth_interval(1986, 12, 1, "day"))
    assert not birth_conflict(None, birth_interval(1990, None, None, "year"))


def test_import_reads_age_at_death(tmp_path):
    from uncounted.project import Project

    project = Project.init(tmp_path / "p")
    f = tmp_path / "obits.csv"
    f.write_text("id,ФИО,дата смерти,возраст,дата рождения\n"
                 "1,Иванова Ивана Петровича,10 мая 2023,34,\n"
                 "2,Петрова Олега Юрьевича,2023,21 год,\n"
                 "3,Сидорова Павла Игоревича,10.05.2023,40,01.02.1980\n", encoding="utf-8")
    import_list(project, f, "obits")
    with project.store(read_only=True) as s:
        df = s.con.execute("SELECT record_id, surname_cyr, birth_year, birth_precision "
                           "FROM records ORDER BY record_id").df()
    assert df.values.tolist() == [["1", "Иванов", 1989, "age"], ["2", "Петров", 2002, "age"],
                                  ["3", "Сидоров", 1980, "day"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,surname,death_date,age\n1,Иванов,2023,тридцать\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_list(project, bad, "bad")
    (err,) = exc.value.errors
    assert (err.file, err.row, err.column) == ("bad.csv", 1, "age")
    assert "age at death" in str(err)
