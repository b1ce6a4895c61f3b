"""``uncounted estimate --method lcmcr,dga`` reaches the Bayesian estimators with their options."""

from __future__ import annotations

import json
import warnings

from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import ConvergenceWarning

from ..conftest import DATA

runner = CliRunner()


def test_cli_passes_chains_samples_seed_and_sums_strata():
    spina = str(DATA / "mse" / "conting_spina.csv")
    args = ["estimate", spina, "--strata", "eth", "-m", "lcmcr,dga", "--chains", "2", "--samples",
            "150", "--burn-in", "300", "--thin", "2", "--seed", "9", "--json"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = runner.invoke(app, args)
        again = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    lc = [x for x in rows if x["method"] == "lcmcr"]
    dg = [x for x in rows if x["method"] == "dga"]
    assert lc[-1]["stratum"] == "total" and dg[-1]["stratum"] == "total"
    first = lc[0]["diagnostics"]
    assert (first["chains"], first["burn_in"], first["thin"]) == (2, 300, 2)
    # --samples is the first round; chains are extended by 150 draws until ESS 400 (at most 8,000)
    assert first["samples_per_chain"] == 150 * (1 + first["extensions"])
    assert lc[0]["seed"] == 9 and dg[0]["seed"] == 9
    def stable(rs):  # everything but the timings
        for x in rs:
            for key in ("seconds", "iterations_per_second_per_chain"):
                x["diagnostics"].pop(key, None)
        return rs

    assert stable(json.loads(again.stdout)) == stable(rows)  # the seed reproduces the whole run


def test_cli_dga_on_six_lists_says_use_lcmcr(tmp_path):
    import itertools

    path = tmp_path / "six.csv"
    lines = ["A,B,C,D,E,F,count"] + [",".join(map(str, b)) + ",3"
                                      for b in itertools.product([0, 1], repeat=6) if any(b)]
    path.write_text("\n".join(lines) + "\n")
    r = runner.invoke(app, ["estimate", str(path), "-m", "dga", "--json"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)[0]
    assert row["estimable"] is False and "lcmcr" in row["reason"]
