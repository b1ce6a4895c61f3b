"""The default scenario at full size (20,000 people): reproducible and with the stated capture.

Slow (about 10 s): run with ``-m slow``.
"""

from __future__ import annotations

import hashlib
import math

import pytest

from uncounted.simulate import default_scenario, simulate_lists
from uncounted.simulate.api import _draw
from uncounted.simulate.capture import capture_probabilities

pytestmark = pytest.mark.slow


def test_default_scenario_reproducible_and_calibrated(tmp_path):
    a = simulate_lists(tmp_path / "a", seed=42)
    b = simulate_lists(tmp_path / "b", seed=42)
    for name in ("truth.csv", "population.csv", *[p.name for p in a.files.values()]):
        assert hashlib.sha256((a.out_dir / name).read_bytes()).digest() == \
            hashlib.sha256((b.out_dir / name).read_bytes()).digest(), name
    scn = default_scenario()
    cov, caught, copied, _ = _draw(scn, 42)
    p = capture_probabilities(scn.lists, cov)
    n = scn.population.size
    for j, spec in enumerate(scn.lists):
        own = caught[:, j] & ~copied[:, j]
        # expected own-capture rate = mean person probability; 4 binomial s.e. (see test_rates)
        expected = p[:, j].mean()
        assert abs(own.mean() - expected) < 4 * math.sqrt(expected * (1 - expected) / n), spec.name
    # ua_intel copies 15% of the mediazona people it missed
    j, a_ = 2, 0
    missed = caught[:, a_] & ~(caught[:, j] & ~copied[:, j])
    rate = copied[missed, j].mean()
    assert abs(rate - 0.15) < 4 * math.sqrt(0.15 * 0.85 / missed.sum())
    assert a.capture_table == b.capture_table
