"""Coverage rows carry the status, reasons and table facts; the summary gives coverage by status."""

from __future__ import annotations

from uncounted.simulate.coverage import FACT_COLUMNS, miss_links, run_coverage


def test_rows_carry_status_and_facts():
    res = run_coverage("independent", "chao", 4, seed=3, jobs=1, population=400)
    rows = res.rows
    assert set(rows["status"]) <= {"ok", "caution", "unreliable", "not_estimable"}
    assert all(c in rows for c in FACT_COLUMNS)
    assert (rows["recaptured"] == rows["observed"] - rows["f1"]).all()
    s = res.summary()
    assert sum(v["replicates"] for v in s["by_status"].values()) == 4


def test_missed_links_split_people_on_several_lists():
    from uncounted.mse import CaptureTable

    t = CaptureTable.from_counts({"11": 1000, "10": 50, "01": 40}, ["A", "B"])
    out = miss_links(t, 0.1, seed=1)
    split = 1000 - int(out.counts_of([3])[0])
    assert 60 < split < 140  # Binomial(1000, 0.1): mean 100, s.d. 9.5
    assert out.observed == t.observed + split  # each split person counted once per list
    assert miss_links(t, 0.0, seed=1) is t
