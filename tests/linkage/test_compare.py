"""What a reviewer sees compared: names by parsed part and canonical key, dates by precision,
the per-field match weights, and which links are safe to open."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from uncounted.linkage.compare import clustering_refuses, compare_records, safe_link, weight_chart
from uncounted.records.transform import normalise_chunk


def rec(**fields) -> dict:
    """A record as the importer stores it (the real normalisation, one row)."""
    table, errors, _ = normalise_chunk(pd.DataFrame([fields]), {k: k for k in fields}, [],
                                       "t.csv", 0, "L", 1)
    assert not errors, errors
    return table.to_pylist()[0]


def states(a: dict, b: dict) -> dict[str, str]:
    return {r["key"]: r["state"] for r in compare_records(a, b)}


def test_parts_align_with_a_full_name_and_only_the_real_conflict_is_flagged():
    # the example: "Лебедев" in one row and "Лебедев Александр Львович" in another
    # showed a highlighted surname difference while Антон vs Александр was buried
    a = rec(surname="Лебедев", given_name="Антон", patronymic="Львович", birth_date="26.04.1987")
    b = rec(full_name="Лебедев Александр Львович", birth_date="1987")
    rows = {r["key"]: r for r in compare_records(a, b)}
    assert rows["surname"]["state"] == "equal"
    assert (rows["surname"]["left"], rows["surname"]["right"]) == ("Лебедев", "Лебедев")
    assert rows["given_name"]["state"] == "conflict"
    assert (rows["given_name"]["left"], rows["given_name"]["right"]) == ("Антон", "Александр")
    assert rows["patronymic"]["state"] == "equal"
    assert rows["birth_date"]["state"] == "compatible"        # 26.04.1987 vs 1987
    # the raw form stays visible, unhighlighted
    assert rows["name_raw"]["right"] == "Лебедев Александр Львович"
    assert rows["name_raw"]["state"] == "info"
    assert clustering_refuses(a, b)                           # Антон is not Александр


@pytest.mark.parametrize("left, right, state", [
    ("26.04.1987", "1987", "compatible"),
    ("04.1987", "26.04.1987", "compatible"),
    ("1987", "1987", "equal"),
    ("26.04.1987", "26.04.1987", "equal"),
    ("1987", "1988", "differs"),        # within the clustering's year of slack
    ("1987", "1989", "conflict"),       # more than a year apart beyond their precision
    ("26.04.1987", "27.04.1987", "differs"),
    ("04.05.1987", "05.04.1987", "differs"),   # day and month transposed: one error
    ("01.02.1987", "03.05.1987", "conflict"),  # two parts of a full date differ
])
def test_birth_dates_compare_by_precision(left, right, state):
    a, b = rec(surname="Иванов", birth_date=left), rec(surname="Иванов", birth_date=right)
    assert states(a, b)["birth_date"] == state
    assert clustering_refuses(a, b) == (state == "conflict")


def test_given_names_by_canonical_key_and_initials():
    base = {"surname": "Лебедев", "patronymic": "Львович"}
    full = rec(**base, given_name="Александр")
    assert states(rec(**base, given_name="Саша"), full)["given_name"] == "compatible"
    assert states(rec(**base, given_name="Aleksandr"), full)["given_name"] == "compatible"
    assert states(rec(**base, given_name="А."), full)["given_name"] == "compatible"
    assert states(rec(**base, given_name="И."), full)["given_name"] == "conflict"
    assert states(rec(**base, given_name="Алексндр"), full)["given_name"] == "differs"  # typo


def test_surnames_and_patronymics_after_normalisation():
    a = rec(surname="Lebedev", given_name="Ivan", patronymic="Petrovich")
    b = rec(surname="Лебедев", given_name="Иван", patronymic="П.")
    rows = {r["key"]: r for r in compare_records(a, b)}
    assert rows["surname"]["state"] == "compatible"            # a transliteration
    assert rows["surname"]["left_raw"] == "Lebedev" and rows["surname"]["left"] == "Лебедев"
    assert rows["patronymic"]["state"] == "compatible"         # the initial agrees
    c = rec(surname="Лебедев", given_name="Иван", patronymic="Сергеевич")
    assert states(a, c)["patronymic"] == "conflict"            # fathers' names differ
    d = rec(surname="Лебедева", given_name="Иван", patronymic="Петрович")
    assert states(a, d)["surname"] == "differs"


def test_one_sided_values_are_not_highlighted():
    a = rec(surname="Лебедев", birth_date="1987", unit="в/ч 12345")
    b = rec(surname="Лебедев")
    s = states(a, b)
    assert s["birth_date"] == s["unit"] == "one-sided"


def test_weight_chart_adds_up_to_the_match_weight():
    lam = 0.002
    model = {"probability_two_random_records_match": lam, "comparisons": [
        {"output_column_name": "surname", "comparison_levels": [
            {"is_null_level": True, "label_for_charts": "null"},
            {"label_for_charts": "exact"}, {"label_for_charts": "phonetic"},
            {"label_for_charts": "else"}]}]}
    detail = {"gamma": {"surname": 2, "birth_date": -1},
              "weights": {"surname": 8.148, "birth_date": 0.0}}
    total = 3.5
    chart = weight_chart(detail, model, total)
    prior = math.log2(lam / (1 - lam))
    assert chart["prior"] == pytest.approx(prior, abs=1e-12)
    assert [(b["comparison"], b["level"]) for b in chart["bars"]] == [
        ("surname", "exact"), ("birth_date", "missing on one side")]
    # what the stored weights do not explain (term-frequency adjustments) is shown, not hidden
    assert chart["other"] == pytest.approx(total - prior - 8.148, abs=1e-3)
    assert chart["prior"] + sum(b["weight"] for b in chart["bars"]) + chart["other"] == \
        pytest.approx(total, abs=1e-3)
    assert weight_chart({"surname": 2}, model, total) is None     # no weights stored


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/x?a=1&b=2", True), ("http://example.org", True),
    ("javascript:alert(1)", False), (" JavaScript:alert(1)", False), ("data:text/html,hi", False),
    ("//evil.example", False), ("/relative", False), ("ftp://example.org", False),
    ('https://example.org/"onmouseover=x', False), ("vbscript:x", False), ("", False),
])
def test_only_http_links_are_safe(url, safe):
    assert (safe_link(url) is not None) == safe
