"""The published-estimates ledger: packaged rows, measures kept apart, own estimates beside."""

from __future__ import annotations

import json

import numpy as np
import pytest

from uncounted.analysis.ledger import MEASURES, load_ledger, own_estimates
from uncounted.exceptions import InputError


def test_packaged_ledger_rows():
    everything = load_ledger(side=None)
    assert len(everything) == 146  # data README: 123 Economist rows + 23 from texts
    russia = load_ledger()
    assert len(russia) == 120 and set(russia["measure"]) == set(MEASURES)
    named = load_ledger(measure="named_confirmed")
    assert (named["measure"] == "named_confirmed").all()
    # the April 2023 BBC/Mediazona list: 20,253 named
    assert 20_253 in named["value"].tolist()


def test_value_kinds():
    led = load_ledger(measure="killed")
    row = led[(led["date"] == "2022-04-23")].iloc[0]  # NATO via WP: 7,000-15,000, no central
    assert row["value"] == 11_000 and row["value_kind"] == "midpoint"
    upper_only = led[led["value_kind"] == "at most"]
    assert len(upper_only) >= 1 and np.isnan(upper_only["low"]).all()


def test_bad_measure():
    with pytest.raises(InputError, match="killed, killed_or_wounded, named_confirmed"):
        load_ledger(measure="casualties")


def test_own_estimates_from_estimate_json(tmp_path, mse_table):
    from uncounted.mse import ChaoLowerBound

    est = ChaoLowerBound().fit(mse_table("lcmcr_kosovo_aggregate"))
    p = tmp_path / "est.json"
    p.write_text(json.dumps([est.to_dict()]))
    own = own_estimates(p, measure="killed", date="2024-01-01")
    assert own.iloc[0]["value"] == pytest.approx(est.estimate)
    assert own.iloc[0]["low"] == pytest.approx(est.lower)
    assert own.iloc[0]["measure"] == "killed" and own.iloc[0]["source_kind"] == "this_project"
    bad = tmp_path / "bad.json"
    bad.write_text('[{"x": 1}]')
    with pytest.raises(InputError, match="row 1"):
        own_estimates(bad)


def test_plot_one_panel_per_measure(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from uncounted.analysis.plots import ledger_png

    out = ledger_png(load_ledger(), tmp_path / "ledger.png")
    assert out.exists() and out.stat().st_size > 10_000
    assert plt.get_fignums() == []  # the figure was closed
