"""Fuzz and failure tests: any input gives a clear error or a correct import, never a crash, a
partial import or a changed store; a process killed mid-import leaves the store as it was."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uncounted.exceptions import UncountedError
from uncounted.project import Project
from uncounted.records import import_list

from ..conftest import DATA, ROOT
from .conftest import snapshot

FILES = DATA / "records"
pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.DataWarning")
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory):
    return Project.init(tmp_path_factory.mktemp("fuzz") / "proj")


_counter = iter(range(10**9))


def _try_import(project, path, **kw):
    """Import; on error the store must be unchanged; on success the list holds n_imported rows."""
    name = f"fuzz{next(_counter)}"
    before = snapshot(project)
    try:
        r = import_list(project, path, name, **kw)
    except UncountedError as err:
        assert str(err)  # a message, not an empty error
        assert snapshot(project) == before
        return None
    with project.store(read_only=True) as s:
        n = s.con.execute("SELECT count(*) FROM records WHERE list_name = ?", [name]).fetchone()[0]
    assert n == r.n_imported == r.n_rows - r.n_rejected
    return r


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".jsonl", ".txt"]))
def test_random_bytes(shared_project, tmp_path_factory, data, suffix):
    f = tmp_path_factory.mktemp("rb") / f"random{suffix}"
    f.write_bytes(data)
    _try_import(shared_project, f)


@FUZZ
@given(name=st.sampled_from(["en_utf8.csv", "ru_cp1251.csv", "ru_koi8r.tsv", "ru_utf16.txt",
                             "genitive.jsonl", "ru.xlsx", "latin_utf8.csv"]),
       cut=st.floats(0, 1))
def test_truncated_files(shared_project, tmp_path_factory, name, cut):
    data = (FILES / name).read_bytes()
    f = tmp_path_factory.mktemp("tr") / name
    f.write_bytes(data[:int(len(data) * cut)])
    _try_import(shared_project, f)


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3", "=HYPERLINK(\"x\")",
                     "a\x00b", "\r\n", '"', "12.03.1994", "31.02.1990", "ХМАО", "Иванов"]),
)


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=8),
       skip=st.booleans())
def test_random_cells_round_trip_or_clear_error(shared_project, tmp_path_factory, rows, skip):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["surname", "birth_date", "region", "notes"])
    w.writerows(rows)
    f = tmp_path_factory.mktemp("cells") / "cells.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    r = _try_import(shared_project, f, skip_invalid=skip)
    if r is None or r.n_rejected:
        return
    with shared_project.store(read_only=True) as s:
        raws = [json.loads(x) for (x,) in s.con.execute(
            "SELECT raw FROM records WHERE list_name = ? ORDER BY row_number",
            [r.list_name]).fetchall()]
    # every value is stored verbatim (formulas included, as inert text)
    written = list(csv.reader(io.StringIO(buf.getvalue())))[1:]
    stored = [[d[k] for k in ("surname", "birth_date", "region", "notes")] for d in raws]
    assert stored == [row for row in written if row]


def test_formula_cells_are_inert_text(project, tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("surname,notes\n=cmd|' /C calc'!A0,\"=HYPERLINK(\"\"http://x\"\")\"\n",
                 encoding="utf-8")
    import_list(project, f, "f")
    with project.store(read_only=True) as s:
        row = s.con.execute("SELECT surname_raw, notes, surname_key FROM records").fetchone()
    assert row[0] == "=cmd|' /C calc'!A0" and row[1] == '=HYPERLINK("http://x")'


def test_nul_inside_a_json_value_is_a_located_error(project, tmp_path):
    f = tmp_path / "n.jsonl"
    f.write_text('{"surname": "Ива\\u0000нов"}\n{"surname": "Петров"}\n', encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(UncountedError) as exc:
        import_list(project, f, "n")
    assert "row 1" in str(exc.value) and "NUL" in str(exc.value)
    assert snapshot(project) == before


def test_huge_fields(project, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("surname,notes\nИванов," + "я" * 200_000 + "\nПетров," + "b" * 50_000 + "\n",
                 encoding="utf-8")
    with pytest.raises(UncountedError) as exc:
        import_list(project, f, "h")
    assert "row 1" in str(exc.value) and "longer than 100,000" in str(exc.value)
    r = import_list(project, f, "h", skip_invalid=True)
    assert (r.n_imported, r.n_rejected) == (1, 1)


def test_killed_import_leaves_store_unchanged(project, tmp_path):
    """SIGKILL a subprocess inside its transaction: records replaced and inserted, not committed."""
    import_list(project, FILES / "en_utf8.csv", "kept")
    before = snapshot(project)
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("id,surname,given_name,birth_date,region\n")
        for i in range(20_000):
            fh.write(f"{i},Иванов{i % 97},Иван,1990,Бурятия\n")
    script = textwrap.dedent(f"""
        import sys, time
        from uncounted.records import import_list
        def progress(done, total, stage):
            if stage == "commit":
                print("IN_TRANSACTION", flush=True)
                time.sleep(60)
        import_list({str(project.root)!r}, {str(big)!r}, "kept", progress=progress)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "IN_TRANSACTION"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(project) == before
    r = import_list(project, big, "kept")  # and the store still works: the new version lands
    assert r.n_imported == 20_000 and r.replaced_import_id is not None


@pytest.mark.slow
def test_million_rows(project, tmp_path):
    f = tmp_path / "m.csv"
    with f.open("w", encoding="utf-8") as fh:
        fh.write("id,surname,given_name,patronymic,birth_date,death_date,region\n")
        for i in range(1_000_000):
            fh.write(f"{i},Иванов{i % 5000},Саша,Петрович,{1960 + i % 40},12.03.2023,ХМАО\n")
    r = import_list(project, f, "m")
    assert r.n_imported == 1_000_000
    with project.store(read_only=True) as s:
        got = s.con.execute("SELECT count(*), count(DISTINCT region_iso), min(given_name_canon), "
                        "max(birth_year) FROM records WHERE list_name = 'm'").fetchone()
    assert got == (1_000_000, 1, "aleksandr", 1999)
