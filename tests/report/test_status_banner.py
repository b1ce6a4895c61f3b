"""The report shows each flagged estimate in a banner and its status in the table (issue 15)."""

from __future__ import annotations

from uncounted.report import build_report

from ..conftest import DATA


def test_an_unreliable_estimate_gets_a_banner(tmp_path):
    # SparseMSE's Artificial_3: 6 of 96 people on two lists (too_few_recaptured)
    html = build_report(DATA / "mse" / "sparsemse_artificial_3.csv", methods=["chao"])
    assert html.count('class="banner banner-unreliable"') == 1
    assert "chao: unreliable." in html and "Do not publish this number" in html
    assert "only 6 of 96 people are on more than one list" in html
    assert '<span class="status status-unreliable">unreliable</span>' in html


def test_an_ok_estimate_gets_none_and_a_caution_its_own():
    html = build_report(DATA / "mse" / "lcmcr_kosovo_aggregate.csv", methods=["loglinear", "chao"])
    # log-linear is ok; Chao's bound is a caution on Kosovo (positively dependent lists)
    assert html.count('class="banner') == 1 and 'class="banner banner-caution"' in html
    assert "chao: caution." in html and "read it as a lower bound" in html
    assert html.count('<span class="status status-ok">ok</span>') == 1
