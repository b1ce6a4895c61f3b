"""CaptureTable: reading, validation and views."""

from __future__ import annotations

import re

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import CaptureTableError, DataWarning, NotEstimableError
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
    # Latin-1 accents stand alone inside Latin words: not Russian in any code page (cp1251 would
    # read "Fiscal\xeda" as "Fiscalн"), so the file is refused, not guessed
    p = write(tmp_path, "Fiscalía,Policía,count\n1,0,4\n0,1,3\n1,1,2\n".encode("latin-1"))
    with pytest.raises(CaptureTableError, match="header is not valid UTF-8"):
        read_capture_table(p)


RUSSIAN = ("Мемориал;Медиазона;Некрологи;регион;count\n"
           "1;0;0;Республика Бурятия;40\n0;1;0;Республика Бурятия;31\n"
           "0;0;1;Республика Бурятия;22\n1;1;0;Республика Бурятия;9\n1;0;1;Республика Бурятия;6\n"
           "0;1;1;Республика Бурятия;5\n1;1;1;Республика Бурятия;2\n"
           "1;0;0;Москва;12\n0;1;0;Москва;10\n1;1;0;Москва;3\n0;0;1;Москва;7\n")


@pytest.mark.parametrize("encoding,said", [("cp1251", "cp1251 (Windows Cyrillic)"),
                                           ("koi8_r", "KOI8-R")])
def test_a_russian_code_page_table_reads_as_its_utf8_twin_with_a_warning(tmp_path, encoding,
                                                                        said):
    # what a Russian-locale spreadsheet saves: ';' and cp1251. It was refused ("the header is
    # not valid UTF-8"); the list importer already read such files
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(RUSSIAN, encoding="utf-8")
    other = write(tmp_path, RUSSIAN.encode(encoding))
    with pytest.warns(DataWarning, match=rf"read as {re.escape(said)}"):
        got = read_capture_table(other, strata=["регион"])
    want = read_capture_table(utf8, strata=["регион"])
    assert got.lists == want.lists == ("Мемориал", "Медиазона", "Некрологи")
    assert got.strata_keys == want.strata_keys
    assert {k: v.pattern_counts.tolist() for k, v in got.strata.items()} == \
        {k: v.pattern_counts.tolist() for k, v in want.strata.items()}


def test_a_list_column_without_a_name_is_refused_naming_its_position(tmp_path):
    # 'A,,C,count' gave a Chao estimate over lists ('A', '', 'C'): an unnamed source in every
    # row, chart and report
    p = write(tmp_path, "A,,C,count\n1,0,0,5\n0,1,1,4\n1,1,0,2\n0,0,1,3\n1,0,1,1\n")
    with pytest.raises(CaptureTableError, match="column 2 of the header has no name"):
        read_capture_table(p)
    assert read_capture_table(p, lists=["A", "C"]).lists == ("A", "C")   # left out: fine
    with pytest.raises(CaptureTableError, match="column 2 of the header has no name"):
        CaptureTable.from_frame(pd.DataFrame({"A": [1, 0], "": [0, 1], "count": [3, 4]}))


def test_a_byte_cp1251_leaves_undefined_is_named_not_read_as_koi8(tmp_path):
    # one stray 0x98 made KOI8-R win by default: every list and stratum renamed ('лЕЛНПХЮК')
    raw = RUSSIAN.encode("cp1251").replace("Москва".encode("cp1251"),
                                           "Москва".encode("cp1251") + b"\x98", 1)
    with pytest.raises(CaptureTableError, match=r"line 9 holds byte 0x98.*not a character in "
                                                r"cp1251") as err:
        read_capture_table(write(tmp_path, raw), strata=["регион"])
    assert err.value.row == 8


def test_a_table_partly_utf8_and_partly_cp1251_is_refused_at_the_line(tmp_path):
    # decoding it either way would rename one stratum or all the others
    raw = RUSSIAN.encode("utf-8").replace("Москва".encode("utf-8"), "Москва".encode("cp1251"), 1)
    with pytest.raises(CaptureTableError, match=r"line 9 is not valid UTF-8") as err:
        read_capture_table(write(tmp_path, raw), strata=["регион"])
    assert err.value.row == 8


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


# ---------------------------------------------------------------------------------- sparse tables
def _brute(rows, k):
    """List totals, times caught and pair overlaps straight from individual 0/1 rows."""
    arr = np.array(rows, dtype=np.int64).reshape(-1, k)
    totals = arr.sum(axis=0)
    times = np.bincount(arr.sum(axis=1), minlength=k + 1)
    both = arr.T @ arr
    return totals, times, both


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 64), data=st.data())
def test_sparse_helpers_match_brute_force_up_to_64_lists(k, data):
    masks = data.draw(st.lists(st.integers(1, 2**k - 1), min_size=1, max_size=30))
    rows = [[(m >> j) & 1 for j in range(k)] for m in masks]
    lists = [f"L{j}" for j in range(k)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        try:
            t = CaptureTable.from_rows(rows, lists)
        except CaptureTableError:  # fewer than two lists caught anyone
            assert sum(1 for j in range(k) if any(r[j] for r in rows)) < 2
            return
    keep = [j for j in range(k) if any(r[j] for r in rows)]
    assert t.lists == tuple(lists[j] for j in keep) and set(t.dropped) == set(lists) - set(t.lists)
    sub = [[r[j] for j in keep] for r in rows]
    totals, times, both = _brute(sub, len(keep))
    assert list(t.list_totals().values()) == totals.tolist()
    assert t.times_caught().tolist() == times.tolist()
    assert t.observed == len(rows) and t.patterns.dtype == np.uint64
    ov = t.overlap_summary().set_index("lists")["n"]
    a, b = t.lists[0], t.lists[1]
    assert ov[f"{a} & {b}"] == both[0, 1]
    # the same table built from bit masks, from a frame and through a CSV is equal and hashes equal
    masks = [sum(int(v) << j for j, v in enumerate(r)) for r in sub]
    again = CaptureTable.from_patterns(masks, lists=t.lists)
    assert again == t and again.input_hash() == t.input_hash()
    assert CaptureTable.from_frame(t.to_frame()) == t


def test_select_and_marginal_sums_on_many_lists():
    rng = np.random.default_rng(4)
    k = 40
    rows = (rng.random((500, k)) < 0.08).astype(int)
    rows = rows[rows.any(axis=1)]
    t = CaptureTable.from_rows(rows.tolist(), [f"L{j}" for j in range(k)])
    assert t.k == k and t.patterns.size <= len(rows)
    two = t.select(["L3", "L17"])
    on = rows[:, [3, 17]]
    on = on[on.any(axis=1)]
    assert two.observed == len(on)
    assert two.counts_of([1, 2, 3]).tolist() == [int(((on[:, 0] == 1) & (on[:, 1] == 0)).sum()),
                                                 int(((on[:, 0] == 0) & (on[:, 1] == 1)).sum()),
                                                 int((on.sum(axis=1) == 2).sum())]
    with pytest.raises(NotEstimableError, match="2\\*\\*40"):
        t.dense_counts()
    assert len(two.dense_counts()) == 4


def test_more_than_64_lists_is_a_clear_error(tmp_path):
    header = ",".join(f"L{j}" for j in range(65))
    row = ",".join(["1"] + ["0"] * 64)
    with pytest.raises(CaptureTableError, match="at most 64"):
        read_capture_table(write(tmp_path, f"{header}\n{row}\n"))


def test_lists_by_pattern_and_other_columns_named(tmp_path):
    p = write(tmp_path, "year,in_1,in_2,dept,in_3,count\n1999,1,0,11,0,2\n1999,0,1,11,1,3\n"
                        "2000,1,1,05,0,1\n")
    with pytest.raises(CaptureTableError, match="name it as a stratum column") as info:
        read_capture_table(p, strata="year")
    assert info.value.column == "dept" and info.value.row == 1
    t = read_capture_table(p, strata="year", lists=["in_*"])
    assert t.lists == ("in_1", "in_2", "in_3") and t.n_strata == 2


def test_a_stratum_value_missing_is_refused_naming_its_row(tmp_path):
    # a blank region became a stratum labelled 'region=', estimated and summed as if a place
    p = write(tmp_path, "region,A,B,count\nX,1,0,10\nX,0,1,8\n ,1,1,3\nY,1,0,5\nY,0,1,2\n")
    with pytest.raises(CaptureTableError, match="no value in stratum column 'region'") as info:
        read_capture_table(p, strata="region")
    assert (info.value.row, info.value.column) == (3, "region")
    # a data frame's missing values too (None, NaN, pandas' NA), which read as 'None' or 'nan'
    import pandas as pd

    for missing in (None, float("nan"), pd.NA):
        frame = pd.DataFrame({"region": pd.array(["X", missing, "Y"], dtype=object),
                              "A": [1, 0, 1], "B": [0, 1, 1], "count": [3, 4, 5]})
        with pytest.raises(CaptureTableError, match="no value in stratum column") as info:
            CaptureTable.from_frame(frame, strata="region")
        assert info.value.row == 2
    # blanks around a value are not a stratum of their own ('X ' is what a spreadsheet leaves)
    p = write(tmp_path, "region,A,B,count\nX ,1,0,10\nX,0,1,8\nY,1,1,3\n")
    t = read_capture_table(p, strata="region")
    assert t.strata_keys == (("X",), ("Y",))
    assert t.by_stratum()["region=X"].pattern_counts.sum() == 18


def test_a_count_column_by_another_name_and_empty_cells_get_a_hint(tmp_path):
    # 'freq' holding the counts is read as a list; the message says to name it 'count'
    p = write(tmp_path, "A,B,freq\n1,0,10\n0,1,8\n1,1,3\n")
    with pytest.raises(CaptureTableError, match="name it 'count'") as info:
        read_capture_table(p)
    assert (info.value.row, info.value.column, info.value.value) == (1, "freq", "10")
    # with a count column present, a 2 in a list is a plain error (no count hint)
    p = write(tmp_path, "A,B,count\n1,2,10\n")
    with pytest.raises(CaptureTableError, match="got '2'") as info:
        read_capture_table(p)
    assert "name it 'count'" not in str(info.value)
    # an empty cell is not read as 0, and the message says what to write
    p = write(tmp_path, "A,B,C\n1,0,\n0,1,0\n")
    with pytest.raises(CaptureTableError, match="this cell is empty. Write 0") as info:
        read_capture_table(p)
    assert (info.value.row, info.value.column) == (1, "C")
    p = write(tmp_path, "A,B,count\n1,0,\n0,1,4\n")
    with pytest.raises(CaptureTableError, match="this cell is empty") as info:
        read_capture_table(p)
    assert (info.value.row, info.value.column) == (1, "count")


def test_counts_with_spaced_thousands_are_read(tmp_path):
    # a Russian spreadsheet saves 1023 formatted as '1 023' (no-break space) or '1 023'
    p = write(tmp_path, "A;B;count\n1;0;1\u00a0023\n0;1;12\n1;1;2 000 000\n")
    t = read_capture_table(p)
    assert sorted(t.pattern_counts.tolist()) == [12, 1023, 2_000_000]
    # only whole groups of three: '1 02' or '10 23' may be two numbers run together
    for bad in ("1 02", "10 23", "1 0234"):
        with pytest.raises(CaptureTableError, match="counts must be non-negative integers"):
            read_capture_table(write(tmp_path, f"A;B;count\n1;0;{bad}\n0;1;12\n"))


def test_stratum_values_written_two_ways_are_kept_apart_with_a_warning(tmp_path):
    # a spreadsheet's mixed cells: '1999' typed, '1999.0' computed; or a name in two cases
    p = write(tmp_path, "yy,A,B,count\n1999,1,0,10\n1999.0,0,1,8\n1999,1,1,3\n"
                        "2000,1,0,5\n2000,0,1,2\n")
    with pytest.warns(DataWarning, match="differ only in how they are written \\('1999' / '1999.0'\\)"):
        t = read_capture_table(p, strata="yy")
    assert t.strata_keys == (("1999",), ("1999.0",), ("2000",))   # kept: '05' and '5' may differ
    p = write(tmp_path, "r,A,B,count\nМосква,1,0,10\nмосква,0,1,8\nТверь,1,1,3\n")
    with pytest.warns(DataWarning, match="'Москва' / 'москва'"):
        read_capture_table(p, strata="r")
    # values that are simply different say nothing
    p = write(tmp_path, "r,A,B,count\n05,1,0,10\n11,0,1,8\nМосква,1,1,3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_capture_table(p, strata="r")


def test_an_identifier_given_as_a_stratum_is_warned_of_and_its_total_names_a_few(tmp_path):
    # 'pid' as --strata: 300 strata of one person, none estimable, and the total's reason
    # listed all 300 labels
    rows = "".join(f"{i},{i % 2},{1 - i % 2 if i % 3 else 1}\n" for i in range(300))
    p = write(tmp_path, "pid,A,B\n" + rows)
    with pytest.warns(DataWarning, match="300 strata of pid for 300 people, fewer than 5"):
        t = read_capture_table(p, strata="pid")
    from uncounted.mse import ChaoLowerBound

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = ChaoLowerBound().fit_strata(t)[-1]
    assert total.status == "not_estimable"
    # (a person on both lists is a stratum with two lists: 50 of them are estimable)
    assert re.fullmatch(r"250 of 300 strata not estimable: (pid=\d+, ){9}pid=\d+ and 240 more",
                        total.reason), total.reason
    # 20 strata of 10 people each say nothing
    rows = "".join(f"{i % 20},{i % 2},{1 - i % 2 if i % 3 else 1}\n" for i in range(200))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_capture_table(write(tmp_path, "s,A,B\n" + rows), strata="s")


def test_a_list_empty_in_a_stratum_is_dropped_there_with_a_note(tmp_path):
    p = write(tmp_path, "s,A,B,C,count\nx,1,0,0,5\nx,0,1,0,4\nx,1,1,0,3\n"
                        "y,1,0,1,2\ny,0,0,1,6\ny,1,0,0,1\nz,1,0,0,7\n")
    t = read_capture_table(p, strata="s")
    assert t.lists == ("A", "B", "C") and t.dropped == ()
    parts = t.by_stratum()
    assert parts["s=x"].lists == ("A", "B") and parts["s=x"].dropped == ("C",)
    assert parts["s=y"].lists == ("A", "C") and parts["s=y"].dropped == ("B",)
    assert parts["s=z"].lists == ("A",)
    from uncounted.mse import ChaoLowerBound

    with pytest.warns(DataWarning, match="in 3 of 3 strata"):
        rows = ChaoLowerBound().fit_strata(t)
    by = {r.stratum: r for r in rows}
    assert by["s=x"].estimable
    # 12 people, 3 on both lists: the note first, then the data rules' verdict
    assert [r.code for r in by["s=x"].reasons] == ["lists_dropped", "too_few_recaptured",
                                                    "chao_f2_small", "small_list"]
    assert by["s=x"].status == "unreliable"
    assert "C" in by["s=x"].reasons[0].message
    z = by["s=z"]  # one list left: a row with the reason, never a traceback
    assert not z.estimable and z.status == "not_estimable"
    assert [r.code for r in z.reasons] == ["too_few_lists", "lists_dropped"]
    assert by["total"].status == "not_estimable" and "s=z" in by["total"].reason


def test_strata_views_and_equality(mse_table):
    t = mse_table("conting_spina", strata="eth")
    assert t.strata_keys == (("afro-american",), ("caucasian",), ("other",))
    assert sum(sub.observed for sub in t.strata.values()) == t.observed
    assert t.stratum(("other",)).lists == t.lists  # the raw stratum keeps every list
    with pytest.raises(KeyError):
        t.stratum(("nobody",))
    assert t != t.collapse() and t.collapse() == t.collapse()
    with pytest.raises(AttributeError):
        t.lists = ("x",)
    assert not t.patterns.flags.writeable
    sel = t.select(["S1", "S2"])
    assert sel.strata_keys == t.strata_keys and sel.observed < t.observed


def test_hash_is_stable_across_representations(mse_table):
    t = mse_table("lcmcr_kosovo_aggregate")
    dense = CaptureTable.from_counts(t.dense_counts().tolist(), list(t.lists))
    mapping = CaptureTable.from_counts(
        {"".join(str((p >> j) & 1) for j in range(t.k)): int(c)
         for p, c in zip(t.patterns.tolist(), t.pattern_counts.tolist(), strict=True)},
        list(t.lists))
    assert dense.input_hash() == mapping.input_hash() == t.input_hash()
    assert CaptureTable.from_counts(t.dense_counts().tolist(), list("WXYZ")).input_hash() \
        != t.input_hash()  # the list names are part of the content


def test_pickles(mse_table):
    import pickle

    t = mse_table("conting_spina", strata="eth")
    assert pickle.loads(pickle.dumps(t)) == t


def test_verdata_replicate_by_year_and_sex(shared_data):
    # the whole verdata replicate: 34 sources, 5 of them empty (dropped with a warning); chao by
    # year x sex runs sparse, one row per stratum with sources valid there, and a total
    from uncounted.mse import estimate

    path = shared_data("mse/verdata_reclutamiento_r1.csv")
    with pytest.warns(DataWarning, match="in_3, in_15, in_22, in_25, in_26"):
        t = read_capture_table(path, strata=["yy_hecho", "sexo"], lists=["in_*"])
    assert t.k == 29 and t.observed == 19_226
    with pytest.warns(DataWarning, match="strata, lists with no records there were left out"):
        rows = estimate(t, "chao")
    strata, total = rows[:-1], rows[-1]
    assert len(strata) == t.n_strata and total.stratum == "total"
    assert sum(r.observed for r in strata) == 19_226
    parts = t.by_stratum()
    for r in strata:  # each stratum keeps its valid sources; the others are named as dropped
        sub = parts[r.stratum]
        assert len(sub.dropped) == 34 - sub.k and set(sub.lists).isdisjoint(sub.dropped)
        if r.estimable:
            assert r.lists == sub.lists
    ok = [r for r in strata if r.estimable]
    assert ok and all(r.estimate >= r.observed for r in ok)
    assert all(r.status == "not_estimable" and r.reasons for r in strata if not r.estimable)


def test_from_patterns_keeps_high_patterns_exact_and_refuses_non_integers():
    # NumPy 2.4 reads [1, 2**64 - 2] as float64, which rounds the second pattern to 2**64; the
    # table must keep the exact bits of list 64 and refuse floats and strings rather than truncate.
    lists = [f"L{i}" for i in range(64)]
    t = CaptureTable.from_patterns([1, 2**64 - 2], lists=lists)
    assert sorted(int(x) for x in t.patterns) == [1, 2**64 - 2]
    for bad in ([1.5, 2], ["3"], [-1], [2**64]):
        with pytest.raises(CaptureTableError):
            CaptureTable.from_patterns(bad, lists=lists)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_tables_read_as_the_comma_one(tmp_path, sep):
    # a spreadsheet set to a Russian locale saves CSV with ';' (the comma is its decimal mark);
    # the reader said "found 1 list column (A;B;C;count)" and stopped
    rows = ["A,B,C,count", "1,0,0,10", "0,1,0,8", "1,1,0,3", "0,0,1,5", "1,0,1,2"]
    comma = tmp_path / "comma.csv"
    comma.write_text("\n".join(rows) + "\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("\n".join(r.replace(",", sep) for r in rows) + "\n", encoding="utf-8")
    assert read_capture_table(other).bits().tolist() == read_capture_table(comma).bits().tolist()
    assert list(read_capture_table(other).pattern_counts) == list(read_capture_table(comma).pattern_counts)
    short = tmp_path / "short.csv"
    short.write_text(sep.join("ABC") + f"{sep}count\n1{sep}0{sep}0{sep}10\n0{sep}1{sep}0\n",
                     encoding="utf-8")
    with pytest.raises(CaptureTableError, match=r"row 2.*3 fields where the header has 4"):
        read_capture_table(short)


def test_a_workbook_given_as_a_capture_table_is_named_as_one(tmp_path):
    # an .xlsx is a zip: the reader said "the header is not valid UTF-8 (byte 0x83 ...)"
    pytest.importorskip("openpyxl")
    book = tmp_path / "table.xlsx"
    pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 4, 2]}).to_excel(book, index=False)
    with pytest.raises(CaptureTableError, match="spreadsheet workbook, not a CSV file") as err:
        read_capture_table(book)
    assert "table.xlsx" in str(err.value)


def test_a_trailing_delimiter_is_dropped_and_a_value_past_the_last_column_is_refused(tmp_path):
    # spreadsheets often end every line with a delimiter; the reader took the empty name for a
    # list and said "list columns hold 0 or 1 ... got ''. If '' is not a list, ..."
    plain = tmp_path / "plain.csv"
    plain.write_text("A;B;C;count\n1;0;0;10\n0;1;0;8\n1;1;0;3\n0;0;1;5\n", encoding="utf-8")
    trailing = tmp_path / "trailing.csv"
    trailing.write_text("A;B;C;count;\n1;0;0;10;\n0;1;0;8\n1;1;0;3;\n0;0;1;5;\n", encoding="utf-8")
    want, got = read_capture_table(plain), read_capture_table(trailing)
    assert got.lists == want.lists and list(got.pattern_counts) == list(want.pattern_counts)
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("A;B;C;count;\n1;0;0;10;\n0;1;0;8;7\n", encoding="utf-8")
    with pytest.raises(CaptureTableError, match=r"row 2.*5 fields where the header has 4"):
        read_capture_table(shifted)
