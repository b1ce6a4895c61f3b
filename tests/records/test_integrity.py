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


# ---------------------------------------------------------------- 10, 11. the lock, scratch, leftovers
def _python(code: str):
    import os
    import subprocess
    import sys
    import textwrap

    from ..conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            env=env, text=True)


def _stop(proc):
    import os
    import signal

    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_a_second_writer_waits_and_then_names_what_holds_the_store(project):
    from uncounted.exceptions import ProjectError
    from uncounted.store import Store

    holder = _python(f"""
        import sys, time
        from uncounted.store import Store
        s = Store.open({str(project.store_path)!r})
        print("READY", flush=True)
        sys.stdin and time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
        s.close()
        print("CLOSED", flush=True)
    """)
    try:
        assert holder.stdout.readline().strip() == "READY"
        with pytest.raises(ProjectError) as exc:       # main: DuckDB's raw "Could not set lock"
            Store.open(project.store_path, wait=0.3)
        msg = str(exc.value)
        assert f"process {holder.pid}" in msg and "--wait" in msg and "-c" in msg
        told = []
        Store.on_wait = told.append
        try:
            with Store.open(project.store_path, wait=60) as s:   # the holder closes after ~2 s
                assert s.records.count() == 0
        finally:
            Store.on_wait = None
        assert len(told) == 1 and f"process {holder.pid}" in told[0]
        assert holder.stdout.readline().strip() == "CLOSED"
    finally:
        _stop(holder)


def test_import_reads_without_the_lock_and_keeps_scratch_in_the_project(project, tmp_path):

    from uncounted.store import Store

    big = tmp_path / "big.csv"
    big.write_text("id,surname\n" + "".join(f"{i},Иванов\n" for i in range(5000)), encoding="utf-8")
    proc = _python(f"""
        import time
        from uncounted.records import import_list
        def progress(done, total, stage):
            if stage == "read":
                print("READING", flush=True)
                time.sleep(60)
        import_list({str(project.root)!r}, {str(big)!r}, "big", progress=progress)
    """)
    try:
        assert proc.stdout.readline().strip() == "READING"
        # main held the write lock through the whole read stage: this open failed
        with Store.open(project.store_path, wait=0) as s:
            assert s.records.count() == 0
        scratch = list((project.root / ".uncounted-tmp").iterdir())
        assert [p.name.split("-")[:2] for p in scratch] == [["import", str(proc.pid)]]
        assert list(scratch[0].glob("part-*.parquet"))
    finally:
        _stop(proc)   # kill -9 mid-read: the scratch folder stays until the next start
    assert scratch[0].exists()
    r = import_list(project, big, "big")
    assert r.n_imported == 5000 and not scratch[0].exists()
    assert list((project.root / ".uncounted-tmp").iterdir()) == []


def test_a_killed_links_workspace_is_dropped_and_the_store_compacted(project):
    import duckdb

    from uncounted.store import Store, core

    f = project.root / "l.csv"
    f.write_text("id,surname\n1,Иванов\n2,Петров\n", encoding="utf-8")
    import_list(project, f, "l")
    con = duckdb.connect(str(project.store_path))   # what a killed link run leaves behind
    con.execute("CREATE SCHEMA splink_work")
    con.execute("CREATE TABLE splink_work.blocked AS SELECT range AS i, "
                "md5(range::VARCHAR) || md5((range + 1)::VARCHAR) AS s FROM range(1500000)")
    con.close()
    grown = project.store_path.stat().st_size
    assert grown > 40 << 20
    core._RECOVERED.discard(str(project.store_path.resolve()))   # as a new process would
    with Store.open(project.store_path) as s:
        schemas = s.con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
        assert ("splink_work",) not in schemas
        assert s.records.count() == 2
        next_id = s.records.next_import_id()
    assert project.store_path.stat().st_size < 8 << 20
    assert next_id == 2   # sequences kept their place through the copy
    assert not project.store_path.with_name("uncounted.duckdb.compact").exists()


# ---------------------------------------------------------------- 11. the same file twice, a shrunk list
def test_the_same_file_under_another_list_name_needs_force(project, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("id,surname\n1,Иванов\n2,Петров\n", encoding="utf-8")
    import_list(project, f, "A")
    before = snapshot(project)
    with pytest.raises(RecordError) as exc:
        import_list(project, f, "B")
    assert "already imported as list 'A'" in str(exc.value) and "--force" in str(exc.value)
    assert snapshot(project) == before
    with pytest.warns(UserWarning, match="Imported anyway"):
        r = import_list(project, f, "B", force=True)
    assert r.n_imported == 2 and r.forced == ["same_file_as:A"]


def test_replacing_a_list_by_a_much_smaller_file_needs_force(project, tmp_path):
    f = tmp_path / "big.csv"
    f.write_text("id,surname\n" + "".join(f"{i},Иванов\n" for i in range(1241)), encoding="utf-8")
    import_list(project, f, "L")
    small = tmp_path / "small.csv"
    small.write_text("id,surname\n1,Иванов\n2,Петров\n", encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(RecordError) as exc:
        import_list(project, small, "L")
    assert "holds 1,241 records" in str(exc.value) and "drop 1,239" in str(exc.value)
    assert snapshot(project) == before
    with pytest.warns(UserWarning, match="Replaced anyway"):
        r = import_list(project, small, "L", force=True)
    assert r.n_imported == 2
    # a modest change is no question at all
    f.write_text("id,surname\n" + "".join(f"{i},Иванов\n" for i in range(1000)), encoding="utf-8")
    assert import_list(project, f, "L").n_imported == 1000


# ---------------------------------------------------------------- 3. workbooks
def _workbook(path, sheets):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)   # openpyxl saves formulas without a calculated value, as some programs do


def test_xlsx_formula_cells_without_a_saved_value_are_an_error_naming_them(project, tmp_path):
    f = tmp_path / "f.xlsx"
    _workbook(f, {"list": [["id", "surname", "birth_date"], [1, "Иванов", "=1989+1"],
                           [2, '="Пет"&"ров"', 1991]]})
    before = snapshot(project)
    with pytest.raises(RecordError) as exc:    # main imported both cells as empty values
        import_list(project, f, "x")
    assert "2 formula cell(s) have no saved value (C2, B3)" in str(exc.value)
    assert snapshot(project) == before


def test_xlsx_other_sheets_are_named_and_can_be_chosen(project, tmp_path):
    f = tmp_path / "s.xlsx"
    _workbook(f, {"2023": [["id", "surname"], [1, "Иванов"]],
                  "2024": [["id", "surname"], [1, "Петров"], [2, "Орлов"]], "notes": []})
    with pytest.warns(UserWarning, match="other sheets with data: '2024'"):
        r = import_list(project, f, "a")
    assert r.n_imported == 1 and r.sheet == "2023"
    with pytest.warns(UserWarning, match="other sheets with data: '2023'"):
        r = import_list(project, f, "b", sheet="2024")  # another sheet: another list
    assert r.n_imported == 2 and [x[2] for x in _records(project, "b")] == ["Петров", "Орлов"]
    with pytest.raises(RecordError, match="no sheet 'x'.*'2023', '2024', 'notes'"):
        import_list(project, f, "c", sheet="x")


def test_xlsx_value_beyond_the_named_columns_is_an_error(project, tmp_path):
    f = tmp_path / "v.xlsx"
    _workbook(f, {"list": [["id", "surname"], [1, "Иванов"], [2, "Петров", None, "лишнее"]]})
    with pytest.raises(RecordError) as exc:
        import_list(project, f, "v")
    assert exc.value.row == 2 and "'лишнее'" in str(exc.value)


def test_an_all_capitals_cp1251_list_is_not_read_as_koi8(project, tmp_path):
    # found while writing the property tests: main scored only lower-case letters; capitals in cp1251
    # are lower-case letters in KOI8-R ("ИВАНОВ" imported as "хбюмнб", exit 0)
    f = tmp_path / "caps.csv"
    f.write_bytes("id;surname;given_name\n1;ИВАНОВ;ПЁТР\n2;СМИРНОВА;АННА\n3;КУЗНЕЦОВ;СЕРГЕЙ\n"
                  .encode("cp1251"))
    r = import_list(project, f, "caps")
    assert r.encoding == "cp1251"
    assert [x[2] for x in _records(project, "caps")] == ["ИВАНОВ", "СМИРНОВА", "КУЗНЕЦОВ"]
    g = tmp_path / "caps_koi8.csv"
    g.write_bytes("id;surname\n1;ИВАНОВ\n2;СМИРНОВА\n".encode("koi8_r"))
    assert import_list(project, g, "k").encoding == "koi8_r"
    assert [x[2] for x in _records(project, "k")] == ["ИВАНОВ", "СМИРНОВА"]


def test_a_stray_byte_undefined_in_cp1251_is_named_not_read_as_koi8(project, tmp_path):
    # found feeding stray bytes to the capture-table reader: one byte 0x98 (undefined in cp1251)
    # ruled cp1251 out and KOI8-R won by default, every name garbled ("Иванов0" as "хБЮМНБ0")
    f = tmp_path / "stray.csv"
    text = "id;surname;given_name\n" + "".join(f"{i};Иванов;Пётр\n" for i in range(1, 31))
    f.write_bytes(text.encode("cp1251").replace("Пётр".encode("cp1251"),
                                                "Пётр".encode("cp1251") + b"\x98", 1))
    before = snapshot(project)
    with pytest.raises(RecordError, match="not valid cp1251"):
        import_list(project, f, "stray")
    assert snapshot(project) == before


def test_no_cyrillic_letters_is_read_by_its_signs_or_refused(project, tmp_path):
    # found by the slow property test: a cp1251 file whose only non-ASCII byte was '№' went to
    # charset-normalizer's guess and imported as 'ｹ' (main did the same), exit 0
    f = tmp_path / "sign.csv"
    f.write_bytes("id,surname,notes\n1,Ivanov,№ 5\n".encode("cp1251"))
    r = import_list(project, f, "s")
    assert r.encoding == "cp1251"
    with project.store(read_only=True) as s:
        assert s.con.execute("SELECT notes FROM records").fetchone()[0] == "№ 5"
    g = tmp_path / "box.csv"    # bytes that are neither letters nor signs in either code page
    g.write_bytes(b"id,surname\n1,Ivanov\x80\x81\x82\x83\n")
    with pytest.raises(RecordError, match="cannot tell the text encoding"):
        import_list(project, g, "b")


def test_a_cp1251_file_starting_with_a_chance_utf8_pair_is_still_cp1251(project, tmp_path):
    # 'СЁ' in cp1251 (D1 A8) is also a valid UTF-8 character: one such pair before the first
    # invalid byte does not make the file UTF-8
    f = tmp_path / "se.csv"
    f.write_bytes("id;surname\n1;СЁМИН\n2;Петров\n3;ИВАНОВ\n".encode("cp1251"))
    r = import_list(project, f, "se")
    assert r.encoding == "cp1251"
    assert [x[2] for x in _records(project, "se")] == ["СЁМИН", "Петров", "ИВАНОВ"]
