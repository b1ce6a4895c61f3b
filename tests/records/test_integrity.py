"""Import integrity (issue 16): each test reproduces a defect exactly as the issue reported it,
and failed on main before its fix."""

from __future__ import annotations

import json

import pytest

from uncounted.exceptions import RecordError
from uncounted.records import import_list

from .conftest import snapshot


def _records(project, list_name):
    with project.store(read_only=True) as s:
        return s.con.execute(
            "SELECT uid, record_id, surname_raw, given_name_raw, birth_date_raw, raw FROM records "
            "WHERE list_name = ? ORDER BY row_number", [list_name]).fetchall()


# ---------------------------------------------------------------- 1. trailing delimiter
def test_trailing_delimiter_on_data_rows_is_dropped_not_shifted(project, tmp_path):
    # the file: main imported uid '…/Иванов', surname 'Иван', given name '1990'
    f = tmp_path / "t.csv"
    f.write_bytes("record_id,surname,given_name,birth_date\n1,Иванов,Иван,1990,\n".encode())
    r = import_list(project, f, "t")
    assert (r.n_rows, r.n_imported) == (1, 1)
    (uid, rid, surname, given, birth, raw), = _records(project, "t")
    assert (uid, rid, surname, given, birth) == ("t/1", "1", "Иванов", "Иван", "1990")
    assert json.loads(raw) == {"record_id": "1", "surname": "Иванов", "given_name": "Иван",
                               "birth_date": "1990"}


def test_trailing_delimiter_on_header_and_rows_and_mixed_rows(project, tmp_path):
    f = tmp_path / "t.csv"
    f.write_bytes("id;surname;birth_date;\n1;Иванов;1990;\n2;Петров;1991\n3;Орлов;;\n".encode())
    import_list(project, f, "t")
    got = [(rid, s, b) for _, rid, s, _, b, _ in _records(project, "t")]
    assert got == [("1", "Иванов", "1990"), ("2", "Петров", "1991"), ("3", "Орлов", None)]


@pytest.mark.parametrize("body,row,what", [
    # a value after the last column: never dropped, never shifted
    ("1,Иванов,Иван,1990,x\n", 1, "after the last column"),
    ("1,Иванов,Иван,1990\n2,Петров,Пётр,1991,x,y\n", 2, "has 6 fields, the header 4"),
    ("1,Иванов,Иван,1990,x,y\n", 1, "has 6 fields, the header 4"),
])
def test_a_value_beyond_the_header_is_an_error_naming_the_row(project, tmp_path, body, row, what):
    f = tmp_path / "t.csv"
    f.write_bytes(("record_id,surname,given_name,birth_date\n" + body).encode())
    before = snapshot(project)
    with pytest.raises(RecordError) as exc:
        import_list(project, f, "t")
    assert exc.value.row == row and what in str(exc.value) and "t.csv" in str(exc.value)
    assert snapshot(project) == before


# ---------------------------------------------------------------- 2. encoding of the whole file
def _utf8_then_cp1251(path, n=60_000):
    lines = ["id,surname,given_name"] + [f"{i},Иванов,Иван" for i in range(1, n)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    assert len(data) > 1 << 20  # the one odd row comes after the first megabyte
    path.write_bytes(data + f"{n},Петров,Пётр\n".encode("cp1251")
                     + f"{n + 1},Сидоров,Иван\n".encode())


def test_a_cp1251_row_after_the_first_megabyte_of_utf8_fails_naming_it(project, tmp_path):
    # main decoded the whole file as KOI8-R, every row garbled, exit 0
    f = tmp_path / "mixed.csv"
    _utf8_then_cp1251(f)
    before = snapshot(project)
    with pytest.raises(RecordError) as exc:
        import_list(project, f, "m")
    assert exc.value.row == 60_000 and "UTF-8 up to line 60,001" in str(exc.value)
    assert snapshot(project) == before


def test_a_utf8_row_in_a_cp1251_file_fails_naming_it(project, tmp_path):
    f = tmp_path / "cp.csv"
    lines = ["id,surname"] + [f"{i},Иванов" for i in range(1, 2000)]
    f.write_bytes(("\n".join(lines) + "\n").encode("cp1251") + "2000,Сидоров\n".encode())
    with pytest.raises(RecordError) as exc:
        import_list(project, f, "c")
    assert exc.value.row == 2000 and "holds UTF-8 text" in str(exc.value)


def test_cp1251_after_a_long_ascii_head_is_decided_on_the_whole_file(project, tmp_path):
    # the first megabyte is plain ASCII: the encoding is decided by the Cyrillic further down
    f = tmp_path / "late.csv"
    lines = ["id,surname"] + [f"{i},Ivanov" for i in range(1, 110_000)] + ["110000,Ёлкин"]
    f.write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    r = import_list(project, f, "l")
    assert r.encoding == "cp1251"
    assert _records(project, "l")[-1][2] == "Ёлкин"


# ---------------------------------------------------------------- 4. counts when ids repeat
def test_repeated_ids_counts_add_up_everywhere_and_rejects_keep_the_row(project, tmp_path):
    import csv

    from typer.testing import CliRunner

    from uncounted.cli import app
    from uncounted.records import list_summary
    from uncounted.report.collect import collect

    f = tmp_path / "d.csv"
    f.write_text("id,surname\n1,A\n1,B\n2,C\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["import", str(project.root), str(f), "--list", "d",
                                 "--skip-invalid"])
    assert r.exit_code == 0, r.output
    assert "2 of 3 rows stored, 1 rejected" in r.output
    assert len(_records(project, "d")) == 2
    with (tmp_path / "d.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.DictReader(fh))
    # the rejects file keeps the repeated row's own values (main wrote only _row and _errors)
    assert [(x["_row"], x["id"], x["surname"]) for x in rejects] == [("2", "1", "B")]
    assert "already used" in rejects[0]["_errors"]
    with project.store(read_only=True) as s:
        (log,) = s.records.imports()
    assert (log["n_rows"], log["n_imported"], log["n_rejected"]) == (3, 2, 1)
    summary = list_summary(project).set_index("list_name").loc["d"]
    assert (summary["n_rows"], summary["n_records"], summary["n_rejected"]) == (3, 2, 1)
    report = collect(project.root)
    (imp,) = report["reproducibility"]["imports"]
    assert (imp["n_rows"], imp["n_imported"], imp["n_rejected"]) == (3, 2, 1)
    from uncounted.report.render import build_report

    html = build_report(project.root)
    assert ('<th class="n">rows read</th><th class="n">stored</th><th class="n">rejected</th>'
            in html)
    assert '<td class="n">3</td><td class="n">2</td><td class="n">1</td>' in html
