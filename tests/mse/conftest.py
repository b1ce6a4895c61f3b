"""Fixtures shared by the MSE tests."""

from __future__ import annotations

import csv

import pytest

from uncounted.mse import CaptureTable

from ..conftest import DATA


@pytest.fixture
def spina_strata():
    """conting's spina bifida table stratified by ethnicity, without the 'other' stratum.

    'other' holds two people, none on S2: that list is dropped there and the stratum is then too
    small for lcmcr and dga (tests of summing strata draw by draw need every stratum estimable).
    """
    with open(DATA / "mse" / "conting_spina.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["eth"] != "other"]
    import pandas as pd

    return CaptureTable.from_frame(pd.DataFrame(rows), strata="eth", source="conting_spina (2 strata)")
