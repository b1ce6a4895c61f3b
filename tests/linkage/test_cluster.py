import numpy as np
import pandas as pd

from uncounted.histories import counts_from_labels, patterns_from_labels
from uncounted.linkage.cluster import cluster_pairs, person_id

RECS = pd.DataFrame({"uid": ["a/1", "a/2", "b/1", "b/2", "c/1"],
                     "list_name": ["a", "a", "b", "b", "c"], "record_id": ["1", "2", "1", "2", "1"]})


def _groups(persons):
    return sorted(sorted(g) for g in persons.groupby("person_id")["uid"].apply(list))


def test_threshold_edges_make_components_with_lowest_probability():
    edges = pd.DataFrame({"uid_l": ["a/1", "a/2"], "uid_r": ["b/1", "b/1"],
                          "match_probability": [0.99, 0.95]})
    p = cluster_pairs(RECS, edges)
    assert _groups(p) == [["a/1", "a/2", "b/1"], ["b/2"], ["c/1"]]
    conf = p.set_index("uid")["match_probability"]
    assert conf["a/1"] == conf["b/1"] == 0.95 and np.isnan(conf["c/1"])


def test_non_match_decision_splits_a_chain_and_match_joins():
    # a/1 - b/1 - a/2 is a chain; "a/1 is not a/2" must split it, keeping the stronger link
    edges = pd.DataFrame({"uid_l": ["a/1", "a/2"], "uid_r": ["b/1", "b/1"],
                          "match_probability": [0.99, 0.95]})
    decisions = pd.DataFrame({"uid_l": ["a/1", "b/2"], "uid_r": ["a/2", "c/1"],
                              "decision": ["non-match", "match"]})
    p = cluster_pairs(RECS, edges, decisions)
    assert _groups(p) == [["a/1", "b/1"], ["a/2"], ["b/2", "c/1"]]
    assert p.set_index("uid").loc["c/1", "match_probability"] == 1.0


def test_unsure_decision_leaves_the_model_in_charge():
    edges = pd.DataFrame({"uid_l": ["a/1"], "uid_r": ["b/1"], "match_probability": [0.99]})
    decisions = pd.DataFrame({"uid_l": ["a/1"], "uid_r": ["b/1"], "decision": ["unsure"]})
    assert _groups(cluster_pairs(RECS, edges, decisions))[0] == ["a/1", "b/1"]


def test_person_ids_are_stable_hashes_of_the_smallest_uid():
    edges = pd.DataFrame({"uid_l": ["a/1"], "uid_r": ["b/1"], "match_probability": [0.99]})
    p1 = cluster_pairs(RECS, edges)
    p2 = cluster_pairs(RECS.iloc[::-1].reset_index(drop=True), edges)
    assert p1.set_index("uid")["person_id"].equals(p2.set_index("uid")["person_id"].loc[p1["uid"]])
    ids = p2.set_index("uid")["person_id"]
    assert ids["b/1"] == ids["a/1"] == person_id("a/1") and ids["c/1"] == person_id("c/1")


def test_patterns_and_counts_from_labels():
    # clusters: {0: lists 0,1}, {5: list 2}, {7: lists 0,0} -> patterns 3, 4, 1
    labels = np.array([0, 0, 5, 7, 7])
    lists = np.array([0, 1, 2, 0, 0])
    assert patterns_from_labels(labels, lists).tolist() == [3, 4, 1]
    assert counts_from_labels(labels, lists, 3).tolist() == [0, 1, 0, 1, 1, 0, 0, 0]


def test_refine_m_with_decisions_is_a_dirichlet_update():
    from uncounted.linkage.link import refine_m_with_decisions

    # one comparison: null level, then 3 levels with EM m = (0.7, 0.2, 0.1); gamma 2 is the first
    model = {"comparisons": [{"output_column_name": "surname", "comparison_levels": [
        {"is_null_level": True}, {"m_probability": 0.7}, {"m_probability": 0.2},
        {"m_probability": 0.1}]}]}
    gammas = [{"surname": 0}, {"surname": 0}, {"surname": 2}, {"surname": 0}]
    labels = [True, True, True, False]        # the non-match does not move m
    out = refine_m_with_decisions(model, gammas, labels, prior_strength=10)
    m = [lv["m_probability"] for lv in out["comparisons"][0]["comparison_levels"][1:]]
    # (10 * prior + counts) / (10 + 3), counts = (1, 0, 2)
    assert np.allclose(m, [(7 + 1) / 13, 2 / 13, (1 + 2) / 13])
    assert model["comparisons"][0]["comparison_levels"][1]["m_probability"] == 0.7   # not mutated
