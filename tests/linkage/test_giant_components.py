"""Splitting components on conflicting evidence when reviewers' non-match decisions cut them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.linkage.cluster import Conflicts, assign

GIVEN = [("ivan", "Иван"), ("petr", "Пётр"), ("sergei", "Сергей"), ("i", "И"), ("", "")]
PATR = [("petrovich", "Петрович"), ("petrovch", "Петровч"), ("ivanovich", "Иванович"),
        ("p", "П"), ("", "")]


def _random_records(rng, n):
    """Records of one surname with a mix of names, initials, blanks and birth dates of every
    precision: enough variety that most pairs of a chain conflict somewhere."""
    g = rng.integers(len(GIVEN), size=n)
    p = rng.integers(len(PATR), size=n)
    prec = rng.choice(["day", "year", "none"], size=n, p=[0.3, 0.4, 0.3])
    year = rng.integers(1970, 1980, size=n)
    cols = {
        "given_name_key": [GIVEN[k][0] or None for k in g],
        "given_name_canon": [GIVEN[k][0] or None for k in g],
        "given_name_cyr": [GIVEN[k][1] or None for k in g],
        "patronymic_key": [PATR[k][0] or None for k in p],
        "patronymic_cyr": [PATR[k][1] or None for k in p],
        "surname_key": ["ivanov"] * n,
        "birth_year": [int(y) if c != "none" else None for y, c in zip(year, prec)],
        "birth_month": [int(rng.integers(1, 13)) if c == "day" else None for c in prec],
        "birth_day": [int(rng.integers(1, 29)) if c == "day" else None for c in prec],
        "birth_precision": [c if c != "none" else None for c in prec],
        "death_month": [None] * n, "death_day": [None] * n,
    }
    return Conflicts(pd.DataFrame(cols))


def _edges(rng, n, m):
    left = rng.integers(n, size=m)
    right = rng.integers(n, size=m)
    keep = left != right
    return left[keep], right[keep], rng.uniform(0.9, 1.0, size=keep.sum())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_non_match_decisions_do_not_let_the_split_rejoin_conflicts(seed):
    """~300 records, 600 random edges, two non-match decisions: the first pass leaves edges
    between its pieces, and the split once re-joined pieces along them without the conflicts
    across them (seed 2: two conflicting pairs in one person; seed 4: a KeyError)."""
    rng = np.random.default_rng(seed)
    n = 300
    conf = _random_records(rng, n)
    left, right, prob = _edges(rng, n, 600)
    uids = pd.Index([f"a/{i:04d}" for i in range(n)])
    decisions = pd.DataFrame({"uid_l": [uids[0], uids[5]], "uid_r": [uids[1], uids[9]],
                              "decision": ["non-match", "non-match"]})
    labels = assign(uids, left, right, prob, decisions, conf)
    assert len(np.unique(labels)) > 20                        # the chain was really cut up
    a, b = np.triu_indices(n, 1)
    together = labels[a] == labels[b]
    assert not conf.of(a[together], b[together]).any()
    assert labels[0] != labels[1] and labels[5] != labels[9]
