"""Splitting components on conflicting evidence: when reviewers' non-match decisions cut them,
and when they are too large to check pair by pair (issue 18: chains through name-less records
make components of thousands of records, which were checked only along their direct edges);
those are split by cluster summaries, exactly as the pairwise pass would split them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.linkage.cluster import Conflicts, assign, cluster_pairs, split_components

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


def _partition(labels):
    return pd.factorize(labels)[0]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_summary_split_equals_the_pairwise_split(seed):
    """The same greedy pass, cannot-links tested two ways: the partitions must be identical.
    ~300 records, 600 random edges: one component holding hundreds of conflicting pairs. Two
    non-match decisions cut the first pass into pieces with edges between them, which the
    pairwise split once re-joined without the conflicts across them (seed 2 put two conflicting
    pairs in one person)."""
    rng = np.random.default_rng(seed)
    n = 300
    conf = _random_records(rng, n)
    left, right, prob = _edges(rng, n, 600)
    uids = pd.Index([f"a/{i:04d}" for i in range(n)])
    decisions = pd.DataFrame({"uid_l": [uids[0], uids[5]], "uid_r": [uids[1], uids[9]],
                              "decision": ["non-match", "non-match"]})
    pair_split, sum_split = [], []
    pairwise = assign(uids, left, right, prob, decisions, conf, split=pair_split)
    summary = assign(uids, left, right, prob, decisions, conf, split=sum_split, pairwise_max=10)
    assert len(np.unique(pairwise)) > 20                      # the chain was really cut up
    assert (_partition(pairwise) == _partition(summary)).all()
    assert pair_split and sum_split
    a, b = np.triu_indices(n, 1)
    for labels in (pairwise, summary):                       # no conflicting pair left together
        together = labels[a] == labels[b]
        assert not conf.of(a[together], b[together]).any()


def test_a_giant_chain_through_nameless_records_is_split_and_listed():
    """5,000 records chained one to the next (a component past the pairwise limit) whose birth
    years run from 1950 to 1999: the pieces must each span at most the allowed gap."""
    n = 5000
    years = np.repeat(np.arange(1950, 2000), n // 50)
    cols = {c: [None] * n for c in Conflicts.COLUMNS}
    cols["birth_year"] = years.tolist()
    cols["birth_precision"] = ["year"] * n
    conf = Conflicts(pd.DataFrame(cols))
    records = pd.DataFrame({"uid": [f"x/{i:05d}" for i in range(n)], "list_name": "x",
                            "record_id": [str(i) for i in range(n)]})
    edges = pd.DataFrame({"uid_l": records["uid"][:-1].to_numpy(),
                          "uid_r": records["uid"][1:].to_numpy(),
                          "match_probability": 0.95})
    out = cluster_pairs(records, edges, conflicts=conf)
    spans = pd.Series(years).groupby(out["person_id"].to_numpy()).agg(lambda y: y.max() - y.min())
    assert 1 < out["person_id"].nunique() < n
    assert (spans <= 2).all(), spans.max()          # one year of error each side (YEAR_SPAN)
    assert len(split_components(out)) == 1 and len(split_components(out)[0]) == n
