"""CaptureTable: reading, validation and views."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import CaptureTableError, DataWarning
from uncounted.mse import CaptureTable, pattern_matrix, read_capture_table


def write(tmp_path, text, name="t.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def test_kosovo_reads_with_published_totals(mse_table):
    # list totals from shared/data/mse/README.md (LCMCR kosovo_aggregate)
    t = mse_table("lcmcr_kosovo_aggregate")
    assert t.lists == ("EXH", "ABA", "OSCE", "HRW")
    assert t.observed == 4400
    assert t.list_totals() == {"EXH": 1910, "ABA": 1528, "OSCE": 1786, "HRW": 685}
    assert t.patterns.tolist() == list(range(1, 16))  # all 15 patterns observed
    assert t.dense_counts()[0] == 0 and len(t.dense_counts()) == 16
    assert not hasattr(t, "counts")  # the dense attribute is gone: old callers fail loudly


def test_rows_and_counts_give_the_same_table(tmp_path):
    counted = write(tmp_path, "A,B,count\n1,0,2\n0,1,1\n1,1,1\n")
    rows = write(tmp_path, "A,B\n1,0\n1,0\n0,1\n1,1\n", name="rows.csv")
    assert read_capture_table(counted) == read_capture_table(rows)
    assert CaptureTable.from_rows([[1, 0], [1, 0], [0, 1], [1, 1]], ["A", "B"]) == read_capture_table(rows)
    assert CaptureTable.from_counts({"10": 2, "01": 1, "11": 1}, ["A", "B"]) == read_capture_table(rows)
    assert CaptureTable.from_counts([2, 1, 1], ["A", "B"]) == read_capture_table(rows)


@pytest.mark.parametrize("text,row,column,needle", [
    ("A,B,count\n1,0,3\n2,1,4\n", 2, "A", "0 or 1"),
    ("A,B,count\n1,0,3\n0,1,-4\n", 2, "count", "non-negative"),
    ("A,B,count\n1,0,3\n0,1,x\n", 2, "count", "non-negative"),
    ("A,B,count\n1,0,3\n0,1,1.5\n", 2, "count", "non-negative"),
    ("A,B,count\n1,0,3\n0,0,4\n", 2, "A", "all-zero"),
    ("A,B\n1,0\n0,0\n", 2, "A", "all-zero"),
])
def test_bad_cells_are_located(tmp_path, text, row, column, needle):
    p = write(tmp_path, text)
    with pytest.raises(CaptureTableError) as info:
        read_capture_table(p)
    err = info.value
    assert err.file == str(p) and err.row == row and err.column == column
    assert needle in str(err) and str(p) in str(err)


def test_all_zero_row_with_zero_count_is_ignored(tmp_path):
    t = read_capture_table(write(tmp_path, "A,B,count\n1,0,3\n0,0,0\n0,1,2\n1,1,1\n"))
    assert t.observed == 6


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("A,count\n1,4\n", "at least two list"),
    ("A,B,count\n", "no data rows"),
])
def test_bad_files(tmp_path, text, needle):
    with pytest.raises(CaptureTableError, match=needle):
        read_capture_table(write(tmp_path, text))


def test_non_utf8_header_is_named(tmp_path):
    p = write(tmp_path, "Список,B\n1,0\n".encode("cp1251"))
    with pytest.raises(CaptureTableError, match="header is not valid UTF-8"):
        read_capture_table(p)


def test_missing_file(tmp_path):
    with pytest.raises(CaptureTableError, match="not found"):
        read_capture_table(tmp_path / "nope.csv")


def test_empty_list_dropped_with_warning(tmp_path):
    p = write(tmp_path, "A,B,C,count\n1,0,0,3\n0,1,0,2\n1,1,0,1\n")
    with pytest.warns(DataWarning, match="C"):
        t = read_capture_table(p)
    assert t.lists == ("A", "B") and t.observed == 6
    assert t.dense_counts().tolist() == [0, 3, 2, 1] and t.dropped == ("C",)


def test_strata(mse_table):
    t = mse_table("conting_spina", strata="eth")
    assert t.is_stratified and t.strata_columns == ("eth",)
    parts = t.by_stratum()
    assert sum(p.observed for p in parts.values()) == t.observed == 621
    assert dict(t.collapse().strata) == {}
    # round trip through the file shape keeps strata and counts
    again = CaptureTable.from_frame(t.to_frame(), strata="eth")
    assert again == t


def test_unknown_stratum_column(mse_table):
    with pytest.raises(CaptureTableError, match="stratum column 'region'"):
        mse_table("lcmcr_kosovo_aggregate", strata="region")


def test_select_marginalises(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    two = t.select(["EXH", "ABA"])
    tot = t.list_totals()
    assert two.list_totals() == {"EXH": tot["EXH"], "ABA": tot["ABA"]}


def test_overlap_summary(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    s = t.overlap_summary()
    assert len(s) == 4 + 6
    assert s.loc[s["lists"] == "EXH", "n"].item() == 1910
    assert s.loc[s["lists"] == "EXH", "only"].item() == t.counts_of(0b0001)[0]


def test_times_caught_and_hash(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    f = t.times_caught()
    assert f.sum() == t.observed and f[0] == 0
    assert t.input_hash() == mse_table("lcmcr_kosovo_aggregate").input_hash()


@settings(max_examples=60, deadline=None)
@given(k=st.integers(2, 5), data=st.data())
def test_rows_equal_counts_property(k, data):
    n = data.draw(st.integers(1, 40))
    pats = data.draw(st.lists(st.integers(1, 2**k - 1), min_size=n, max_size=n))
    pm = pattern_matrix(k)
    lists = [f"L{j}" for j in range(k)]
    counts = np.bincount(pats, minlength=2**k)
    frame = pd.DataFrame([[*pm[p].tolist(), counts[p]] for p in range(1, 2**k)], columns=[*lists, "count"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        try:
            from_rows = CaptureTable.from_rows([pm[p].tolist() for p in pats], lists)
        except CaptureTableError:  # fewer than two lists caught anyone: both ways must say so
            with pytest.raises(CaptureTableError):
                CaptureTable.from_frame(frame)
            return
        from_counts = CaptureTable.from_frame(frame)
    assert from_rows == from_counts
