"""Every CSV uncounted writes is safe to open in a spreadsheet (issue 16 defects 5 and 9): a cell
starting with = + - @, tab or CR gets a leading apostrophe, numbers stay numbers; record fields
reach the terminal without control characters."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from uncounted._safe_csv import neutralise, restore
from uncounted.cli import app
from uncounted.linkage.link import link_project
from uncounted.project import Project
from uncounted.records import import_list

from ..linkage.helpers import insert_records

runner = CliRunner()
FORMULA_LIST = '=HYPERLINK("http://evil","x")'
IDS = ["=1+1", "-2+3", "@SUM(A1)", "+7", "-5", "\tx", "\r=1", "plain"]


def _cells(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _unsafe(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@", "\t", "\r")) and cell.lstrip("+-").replace(
        ".", "", 1).isdigit() is False


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    root = tmp_path_factory.mktemp("safe") / "p"
    Project.init(root)
    rows = []
    for lst in (FORMULA_LIST, "B"):
        for i, rid in enumerate(IDS):
            rows.append({'list_name': lst, 'record_id': rid, 'surname_raw': "Ivanov\x1b[2J\x1b]0;x\x07",
                             'given_name_raw': "Ivan", 'surname_key': f"ivanov{i}",
                             'given_name_key': "ivan", 'given_name_canon': "ivan", 'birth_year': 1990,
                             'birth_month': 1, 'birth_day': i + 1, 'unit': "=cmd|' /C calc'!A0"})
    with Project.open(root).store() as store:
        insert_records(store, rows)
        link_project(store, progress=False)
    return root


def test_persons_csv_neutralises_list_names_and_ids(linked, tmp_path):
    out = tmp_path / "persons.csv"
    r = runner.invoke(app, ["persons", str(linked), "--out", str(out)])
    assert r.exit_code == 0, r.output
    cells = _cells(out)
    assert not [c for row in cells for c in row if _unsafe(c)]
    lists = {row[0] for row in cells[1:]}
    assert lists == {"'" + FORMULA_LIST, "B"}
    ids = {row[1] for row in cells[1:]}
    assert ids == {neutralise(i) for i in IDS}
    assert {"-5", "+7", "'=1+1", "'-2+3", "'\tx"} <= ids  # numbers stay numbers


def test_histories_csv_neutralises_list_names_and_strata(linked, tmp_path):
    out = tmp_path / "h.csv"
    r = runner.invoke(app, ["histories", str(linked), "--out", str(out), "--strata", "unit"])
    assert r.exit_code == 0, r.output
    cells = _cells(out)
    assert not [c for row in cells for c in row if _unsafe(c)]
    assert cells[0][:2] == ["unit", "'" + FORMULA_LIST]
    assert {row[0] for row in cells[1:]} == {"'=cmd|' /C calc'!A0"}


def test_review_prints_no_control_characters(linked):
    r = runner.invoke(app, ["review", str(linked), "--band", "0.0,1.0"], input="s\n" * 20)
    assert r.exit_code == 0, r.output
    assert "Ivanov" in r.output
    assert not any(ch in r.output for ch in "\x1b\x07\x9b")


def test_rejects_csv_neutralises_minus_too(project, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,surname,birth_date\n-1,-cmd,31.02.1990\n2,Петров,1990\n", encoding="utf-8")
    r = import_list(project, f, "r", skip_invalid=True)
    cells = _cells(r.rejects_path)
    assert cells[1][0] == "1" and cells[1][2:] == ["-1", "'-cmd", "31.02.1990"]
    assert not [c for row in cells for c in row if _unsafe(c)]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r'0123456789.,eEa x"), max_size=8))
def test_neutralise_is_safe_and_one_to_one(text):
    safe = neutralise(text)
    assert restore(safe) == text
    assert safe == text or safe == "'" + text
    if safe == text and text.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(text.replace(",", "."))   # left alone only because it is a number
