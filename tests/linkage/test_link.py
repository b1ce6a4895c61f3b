"""End-to-end linkage on 2,000 simulated people (4 lists, normalised records with known truth)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.histories import capture_table
from uncounted.mse.api import estimate
from uncounted.mse.table import CaptureTable
from uncounted.project import Project

from .conftest import true_pairs

runner = CliRunner()


def _persons(root, run_id=None):
    with Project.open(root).store(read_only=True) as store:
        run_id = run_id or store.con.execute("SELECT max(run_id) FROM link_runs").fetchone()[0]
        return store.con.execute("SELECT uid, person_id FROM persons WHERE run_id = ?", [run_id]).df()


def test_pairwise_precision_and_recall(linked):
    # This stand-in population is harsher than the simulator's default (typos in two fields at
    # once, 10-25% missing birth dates); on it we ask precision >= 0.99 and recall >= 0.97
    # (measured: 0.997 and 0.991 at threshold 0.7). The >= 0.98 claims on the simulator are in test_simulated.py.
    root, truth, result = linked
    persons = _persons(root)
    found = true_pairs(dict(zip(persons["uid"], persons["person_id"], strict=True)))
    real = true_pairs(truth)
    tp = len(found & real)
    assert tp / len(found) >= 0.99
    assert tp / len(real) >= 0.97
    assert result.n_records == len(truth) == len(persons)


def test_run_is_saved_with_model_pairs_and_persons(linked):
    root, _, result = linked
    with Project.open(root).store(read_only=True) as store:
        run = store.con.execute("SELECT backend, threshold, model_json, n_pairs, n_persons "
                            "FROM link_runs WHERE run_id = ?", [result.run_id]).fetchone()
        pairs = store.con.execute("SELECT uid_l, uid_r, match_probability, detail FROM pairs "
                              "WHERE run_id = ?", [result.run_id]).df()
        n_persons = store.con.execute("SELECT count(DISTINCT person_id) FROM persons WHERE run_id = ?",
                                  [result.run_id]).fetchone()[0]
        audit = store.con.execute("SELECT count(*) FROM audit_log WHERE action = 'link'").fetchone()[0]
    backend, threshold, model_json, n_pairs, n_persons_run = run
    model = json.loads(model_json)
    assert backend == "duckdb" and threshold == 0.7 and audit >= 1
    assert [c["output_column_name"] for c in model["comparisons"]][:2] == ["surname", "given_name"]
    exact_surname = model["comparisons"][0]["comparison_levels"][1]
    assert exact_surname["m_probability"] > 0.8 and exact_surname["u_probability"] < 0.1
    assert n_pairs == len(pairs) and (pairs["uid_l"] < pairs["uid_r"]).all()
    assert pairs["match_probability"].min() >= 0.01
    assert set(json.loads(pairs["detail"].iloc[0])) == {"gamma", "weights"}
    assert n_persons == n_persons_run == result.n_persons


def test_histories_and_estimate_close_to_truth(linked, tmp_path):
    root, truth, _ = linked
    with Project.open(root).store(read_only=True) as store:
        linked_table = capture_table(store)
        lists = store.con.execute("SELECT uid, list_name FROM records").df()
    lists["person"] = lists["uid"].map(truth)
    true = (pd.crosstab(lists["person"], lists["list_name"]) > 0).astype(int)
    true_table = CaptureTable.from_frame(true.reset_index(drop=True))
    assert abs(linked_table.observed - true_table.observed) / true_table.observed < 0.02
    (a,) = estimate(linked_table, "chao")
    (b,) = estimate(true_table, "chao")
    # the issue asks 3%; Chao reacts to every missed link (f1 up, f2 down): measured 2.2% here
    assert abs(a.estimate - b.estimate) / b.estimate < 0.03
    out = tmp_path / "t.csv"
    r = runner.invoke(app, ["histories", str(root), "--out", str(out), "--strata", "region"])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["region", "list1", "list2", "list3", "list4", "count"]
    assert frame["count"].sum() == linked_table.observed


def test_persons_csv_contract(linked, tmp_path):
    root, truth, result = linked
    out = tmp_path / "persons.csv"
    r = runner.invoke(app, ["persons", str(root), "--out", str(out)])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out, dtype={"record_id": str})
    assert list(frame.columns) == ["list", "record_id", "person_id", "match_probability"]
    assert len(frame) == len(truth) and frame["person_id"].nunique() == result.n_persons
    singles = frame.groupby("person_id")["record_id"].transform("size") == 1
    assert frame.loc[singles, "match_probability"].isna().all()
    assert frame.loc[~singles, "match_probability"].between(0.7, 1.0).all()


def test_estimate_on_project_dir_with_linkage_draws(linked):
    root, _, _ = linked
    r = runner.invoke(app, ["estimate", str(root), "-m", "chao", "--json"])
    assert r.exit_code == 0, r.output
    (plain,) = json.loads(r.stdout)
    r = runner.invoke(app, ["estimate", str(root), "-m", "chao", "--linkage-draws", "8", "--json"])
    assert r.exit_code == 0, r.output
    (pooled,) = json.loads(r.stdout)
    d = pooled["diagnostics"]
    assert d["linkage_draws"] == 8 and len(d["draw_estimates"]) == 8
    assert 0.0 <= d["linkage_share"] < 1.0
    assert len(set(d["draw_estimates"])) > 1          # the draws differ: linkage is uncertain
    # the pooled interval is at least as wide as the plain one less Monte Carlo noise, and near it
    assert abs(pooled["estimate"] - plain["estimate"]) / plain["estimate"] < 0.03
    r2 = runner.invoke(app, ["estimate", str(root), "-m", "chao", "--linkage-draws", "8", "--json"])
    assert json.loads(r2.stdout)[0]["estimate"] == pooled["estimate"]      # seeded


def test_linkage_draws_with_strata_is_a_clean_error(linked):
    root, _, _ = linked
    r = runner.invoke(app, ["estimate", str(root), "-m", "chao", "--linkage-draws", "2",
                            "--strata", "region"])
    assert r.exit_code == 2 and "--strata" in r.output


def test_estimate_on_project_dir_weighs_linkages_missed_joins(linked, tmp_path):
    """`uncounted estimate DIR` flags an estimate whose persons left apart a share of the records
    agreeing on surname and full birth date that is large against its interval (``missed_links``).
    """
    import shutil

    from uncounted.histories import current_persons, estimate_project, missed_measure
    from uncounted.mse import status as st

    root, _, _ = linked
    with Project.open(root).store(read_only=True) as store:
        apart, pairs = missed_measure(store, current_persons(store))
    _, (row,) = estimate_project(root, "loglinear")
    # this stand-in linked at 0.7 leaves 17 of 900 such pairs apart (1.9%) against an interval of
    # +-2.1% (2,001, 1,960-2,043): a true alarm, the linked Chao is 2.2% off the true histories'
    # (test_histories_and_estimate_close_to_truth); the default demo leaves 4 of 1,412 (0.3%)
    assert (apart, pairs) == (17, 900)
    assert row.status == "caution" and [r.code for r in row.reasons] == ["missed_links"]
    # a reviewer who wrongly keeps 1 in 8 of these pairs apart: more missed, a higher estimate
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    with Project.open(copy).store() as store:
        agreeing = store.runs.agreeing_pairs()
        for left, right in agreeing.iloc[::8][["uid_l", "uid_r"]].itertuples(index=False):
            store.decisions.record(left, right, "non-match", reviewer="test")
        apart2, pairs2 = missed_measure(store, current_persons(store))
    assert pairs2 == pairs and apart2 > apart + 50
    _, (flagged,) = estimate_project(copy, "loglinear")
    assert flagged.estimate > row.estimate
    (reason,) = [r for r in flagged.reasons if r.code == "missed_links"]
    assert f"{apart2:,} of {pairs2:,}" in reason.message
    assert st.missed_links(flagged, apart2, pairs2) == (reason,)
    # --linkage-draws weighs the same measure against its pooled, wider interval
    _, (pooled,) = estimate_project(copy, "loglinear", draws=4)
    assert pooled.upper - pooled.lower >= 0.9 * (flagged.upper - flagged.lower)
    (reason,) = [r for r in pooled.reasons if r.code == "missed_links"]
    assert f"{apart2:,} of {pairs2:,}" in reason.message
    # the rule reads the interval: the same share against a ten times wider one says nothing
    wide = row.replace(lower=row.estimate * 0.8, upper=row.estimate * 1.2, reasons=())
    assert st.missed_links(wide, apart, pairs) == ()


def test_the_review_server_weighs_linkages_missed_joins_too(linked):
    """The web's estimation of the project's own table and its live estimate carry the same
    ``missed_links`` reason as ``uncounted estimate DIR`` (17 of 900 agreeing pairs left apart on
    this stand-in, against an interval of +-2.1%: see the test above)."""
    pytest.importorskip("fastapi")
    from uncounted.histories import estimate_project
    from uncounted.web.jobs import PROJECT, Workshop
    from uncounted.web.service import Review

    root, _, _ = linked
    _, (cli_row,) = estimate_project(root, "loglinear", seed=1)
    review = Review(Project.open(root), live_method="loglinear")
    workshop = Workshop(review)
    try:
        job, _ = workshop.submit("alice", PROJECT, methods=["loglinear"], seed=1)
        workshop.wait(job, timeout=300)
        (row,) = [r for r in job.rows if r["method"] == "loglinear"]
        assert job.missed == (17, 900)
        assert row["status"] == cli_row.status == "caution"
        assert [r["code"] for r in row["reasons"]] == [r.code for r in cli_row.reasons] \
            == ["missed_links"]
        live = review.live_estimate()
        assert live["status"] == "caution"
        assert "missed_links" in [r["code"] for r in live["reasons"]]
    finally:
        workshop.close()
        review.close()
