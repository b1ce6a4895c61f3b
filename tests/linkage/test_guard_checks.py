"""The after-clustering checks and the training-message translation, on hand-made inputs whose
answers are known exactly (no Splink run: these take milliseconds)."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from uncounted.linkage import checks as C
from uncounted.linkage.link import quiet_splink
from uncounted.linkage.profile import MIN_FILLED, ListProfile, separate_lists


def frame(rows):
    """persons and fields from (uid, list, person, birth_year, region, has_name) rows."""
    df = pd.DataFrame(rows, columns=["uid", "list_name", "person_id", "birth_year", "region_iso",
                                     "has_name"])
    return df[["uid", "list_name", "person_id"]], df[["uid", "has_name", "birth_year", "region_iso"]]


def codes(found):
    return {c.code for c in found}


def test_clean_clustering_gives_no_check():
    rows = []
    for i in range(60):            # 60 persons on a and b; a second region never disagrees
        rows += [(f"a/{i}", "a", f"p{i}", 1980 + i % 20, "RU-MOW", True),
                 (f"b/{i}", "b", f"p{i}", 1980 + i % 20, "RU-MOW", True)]
    rows += [(f"b/x{i}", "b", f"q{i}", 1990, None, True) for i in range(60)]
    persons, fields = frame(rows)
    assert C.cluster_checks(persons, fields, ["a", "b"]) == []


def test_birth_years_apart_fire_above_two_percent_and_off_by_one_does_not():
    rows = []
    for i in range(100):
        rows += [(f"a/{i}", "a", f"p{i}", 1980, "RU-MOW", True),
                 (f"b/{i}", "b", f"p{i}", 1981, "RU-MOW", True)]     # one year apart: allowed
    persons, fields = frame(rows)
    assert "birth_year_conflict" not in codes(C.cluster_checks(persons, fields, ["a", "b"]))
    fields.loc[fields["uid"].isin(["b/0", "b/1"]), "birth_year"] = 1995    # 2 of 100: at the limit
    assert "birth_year_conflict" not in codes(C.cluster_checks(persons, fields, ["a", "b"]))
    fields.loc[fields["uid"] == "b/2", "birth_year"] = 2002              # 3 of 100 > 2%
    found = {c.code: c for c in C.cluster_checks(persons, fields, ["a", "b"])}
    check = found["birth_year_conflict"]
    assert check.severity == "warning"
    assert check.detail["persons"] == 3 and check.detail["of"] == 100
    assert "p2: born 1980 and 2002" in check.detail["examples"]


def test_region_conflicts_fire_above_ten_percent():
    rows = []
    for i in range(50):
        region_b = "RU-PNZ" if i < 6 else "RU-MOW"          # 6 of 50 = 12%
        rows += [(f"a/{i}", "a", f"p{i}", 1980, "RU-MOW", True),
                 (f"b/{i}", "b", f"p{i}", 1980, region_b, True)]
    persons, fields = frame(rows)
    found = {c.code: c for c in C.cluster_checks(persons, fields, ["a", "b"])}
    assert found["region_conflict"].detail["persons"] == 6
    fields.loc[fields["uid"].isin([f"b/{i}" for i in range(2)]), "region_iso"] = "RU-MOW"   # 8%
    assert "region_conflict" not in codes(C.cluster_checks(persons, fields, ["a", "b"]))


def test_the_bbc_failure_fires_oversized_and_within_list():
    """What main did with the BBC list and a copy of it: strangers of the copy joined each other
    into a cluster of 37 records (birth years 1975..2002) on death date and unit type."""
    rows = [(f"bbc/{i}", "bbc", f"s{i}", 1970 + i % 30, "RU-MOW", False) for i in range(300)]
    rows += [(f"copy/{i}", "copy", "big" if i < 37 else f"c{i}", 1975 + i % 28, "RU-MOW", False)
             for i in range(120)]
    persons, fields = frame(rows)
    found = {c.code: c for c in C.cluster_checks(persons, fields, ["bbc", "copy"])}
    assert found["oversized_clusters"].detail["largest"] == 37
    assert found["oversized_clusters"].detail["limit"] == 3
    assert found["within_list_merges"].detail["lists"] == ["copy"]
    assert found["within_list_merges"].detail["shares"]["copy"] == pytest.approx(37 / 120, abs=1e-4)
    assert "birth_year_conflict" in found
    assert "no_overlap" in found          # 300 and 84 persons, nobody on both


def test_within_list_merges_need_five_records_and_eight_percent():
    rows = [(f"a/{i}", "a", f"p{i}", 1980, None, True) for i in range(100)]
    for i in range(4):               # 4 records in 2 pairs: 4% (the default simulation's level)
        rows[i] = (f"a/{i}", "a", f"d{i // 2}", 1980, None, True)
    persons, fields = frame(rows)
    assert "within_list_merges" not in codes(C.cluster_checks(persons, fields, ["a"]))
    for i in range(4, 10):           # 10 records: 10%
        rows[i] = (f"a/{i}", "a", f"d{i // 2}", 1980, None, True)
    persons, fields = frame(rows)
    assert "within_list_merges" in codes(C.cluster_checks(persons, fields, ["a"]))


def test_a_copied_list_is_told_from_a_dominant_one():
    """Three lists. 'gamma' holds 95% of alpha's people while beta holds 50%: a copy. When alpha
    catches 90% of everyone, both other lists are 90% inside it: no check (a dominant list)."""
    def lists(alpha_share_of_beta, alpha_share_of_gamma):
        rows = []
        for j, (name, share) in enumerate([("beta", alpha_share_of_beta),
                                           ("gamma", alpha_share_of_gamma)]):
            for i in range(200):
                pid = f"{name}{i}"
                rows.append((f"{name}/{i}", name, pid, 1980, None, True))
                if i < share * 200:
                    rows.append((f"alpha/{name}{i}", "alpha", pid, 1980, None, True))
        rows += [(f"alpha/x{i}", "alpha", f"x{i}", 1980, None, True) for i in range(100)]
        return frame(rows)

    found = {c.code: c for c in C.cluster_checks(*lists(0.5, 0.95), ["alpha", "beta", "gamma"])}
    assert found["list_contained"].detail["pairs"] == [["gamma", "alpha"]]
    assert "list_contained" not in codes(C.cluster_checks(*lists(0.9, 0.9),
                                                         ["alpha", "beta", "gamma"]))
    # excess 0.25 < 0.3: not flagged
    assert "list_contained" not in codes(C.cluster_checks(*lists(0.6, 0.85),
                                                         ["alpha", "beta", "gamma"]))


def test_two_lists_one_inside_the_other():
    rows = []
    for i in range(100):
        rows += [(f"a/{i}", "a", f"p{i}", 1980, None, True), (f"b/{i}", "b", f"p{i}", 1980, None, True)]
    rows += [(f"a/x{i}", "a", f"x{i}", 1980, None, True) for i in range(500)]
    found = {c.code: c for c in C.cluster_checks(*frame(rows), ["a", "b"])}
    assert found["list_contained"].detail["pairs"] == [["b", "a"]]


def test_missed_joins_count_pairs_agreeing_on_surname_and_birth_date():
    rows = [(f"a/{i}", "a", f"p{i}", 1980, None, True) for i in range(40)]
    rows += [(f"b/{i}", "b", f"p{i}" if i < 25 else f"q{i}", 1980, None, True) for i in range(40)]
    agreeing = pd.DataFrame({"uid_l": [f"a/{i}" for i in range(40)],
                             "uid_r": [f"b/{i}" for i in range(40)]})
    found = {c.code: c for c in C.cluster_checks(*frame(rows), ["a", "b"], agreeing=agreeing)}
    assert found["missed_joins"].detail["apart"] == {"a|b": [15, 40]}
    ok = agreeing.iloc[:28]          # 3 of 28 apart: 11%, but fewer than 10 pairs
    assert "missed_joins" not in codes(C.cluster_checks(*frame(rows), ["a", "b"], agreeing=ok))


def test_missed_share_pools_every_pair_of_lists_and_ignores_dead_records():
    rows = [(f"a/{i}", "a", f"p{i}", 1980, None, True) for i in range(40)]
    rows += [(f"b/{i}", "b", f"p{i}" if i < 25 else f"q{i}", 1980, None, True) for i in range(40)]
    rows += [(f"c/{i}", "c", f"p{i}" if i != 0 else "lone", 1980, None, True) for i in range(10)]
    agreeing = pd.DataFrame({"uid_l": [f"a/{i}" for i in range(40)] + [f"a/{i}" for i in range(10)]
                             + ["a/0", "gone/1"],
                             "uid_r": [f"b/{i}" for i in range(40)] + [f"c/{i}" for i in range(10)]
                             + ["gone/2", "b/1"]})
    persons, _ = frame(rows)
    # a-b: 15 of 40 apart; a-c: 1 of 10 (c/0); pairs with a record no longer live are not counted
    assert C.missed_share(persons, agreeing) == (16, 50)
    assert C.missed_share(persons, agreeing.iloc[:0]) == (0, 0)


def test_name_less_persons_are_reported_when_weak_links_are_allowed():
    rows = [("a/1", "a", "p", 1980, None, False), ("b/1", "b", "p", 1980, None, False),
            ("a/2", "a", "q", 1980, None, True), ("b/2", "b", "q", 1980, None, False)]
    persons, fields = frame(rows)
    assert "nameless_joined" not in codes(C.cluster_checks(persons, fields, ["a", "b"]))
    found = {c.code: c for c in C.cluster_checks(persons, fields, ["a", "b"], allow_weak=True)}
    assert found["nameless_joined"].detail == {"persons": 1, "examples": ["p"]}


def profile(name, n, **filled):
    base = {f: 0 for f in ("surname", "given_name", "patronymic", "full_name", "any_name",
                           "birth_date", "birth_day", "birth_month", "birth_year_only", "region",
                           "unit", "death_date")}
    return ListProfile(list_name=name, n=n, **{**base, **filled})


def test_lists_are_compared_only_on_a_shared_identifying_field():
    named = profile("named", 100, surname=100, any_name=100, birth_date=50, birth_year_only=50)
    dated = profile("dated", 100, birth_date=90, birth_day=90)
    bbc = profile("bbc", 100, birth_date=68, birth_year_only=68, region=98)
    both = profile("both", 100, any_name=100, surname=100, birth_date=100, birth_day=100)
    assert named.identifying == ("name",) and dated.identifying == ("birth date",)
    assert bbc.identifying == () and bbc.birth_precision == "year"
    pairs = {(a, b) for a, b, _ in separate_lists([named, dated, bbc, both])}
    assert pairs == {("named", "dated"), ("named", "bbc"), ("dated", "bbc"), ("bbc", "both")}
    why = {(a, b): w for a, b, w in separate_lists([named, bbc])}
    assert why[("named", "bbc")] == ("'named' identifies by name, 'bbc' by nothing (no names, "
                                     "birth dates only to the year)")
    # 5% of records with a name is enough for the list to be compared on names; 4% is not
    assert profile("x", 100, any_name=5).has("any_name") and MIN_FILLED == 0.05
    assert not profile("x", 100, any_name=4).has("any_name")


def test_rule_checks_say_what_was_kept_apart():
    named = profile("named", 100, surname=100, any_name=100)
    bbc = profile("bbc", 100, birth_date=68, birth_year_only=68)
    removed = {"nameless": 40, "nameless_joined": 7, "separate": 12, "separate_joined": 3}
    found = {c.code: c for c in C.rule_checks([named, bbc], removed, allow_weak=False)}
    assert found["lists_not_compared"].detail == {"pairs": [["named", "bbc"]], "pairs_removed": 12,
                                                  "pairs_above_threshold_removed": 3}
    assert found["nameless_not_joined"].detail["pairs_above_threshold_removed"] == 7
    weak = codes(C.rule_checks([named, bbc], {}, allow_weak=True))
    assert weak == {"weak_comparison"}


def test_training_messages_in_plain_words():
    names = ('the EM session blocked on (l."surname_key" = r."surname_key") AND '
             '(l."given_name_canon" = r."given_name_canon")')
    skipped = [
        (names,
         "Training rule `...` resulted in no record pairs.  This means ..."),
        ('the EM session blocked on (l."birth_year" = r."birth_year")',
         "m_probability value 1.107e-321 is below the minimum allowed value of 1e-300."),
    ]
    unseen = "WARNING:\nLevel exact on comparison unit not observed in dataset, unable to train m value\n"
    no_prior = "WARNING: Deterministic matching rules led to no observed matches! This means ..."
    messages = [(logging.WARNING, unseen), (logging.WARNING, no_prior),
                (logging.INFO, "\nEM converged after 20 iterations"),
                (logging.INFO, "\nEM converged after 7 iterations")]
    found = {c.code: c for c in C.training_checks(messages, skipped, None, 5000)}
    assert "surname and given name" in found["training_no_pairs"].message
    assert "birth year" in found["training_failed"].message
    assert found["training_no_prior"].severity == "warning"
    assert found["m_levels_not_observed"].detail == {"levels": {"unit": ["exact"]}}
    assert found["em_not_converged"].detail == {"iterations": [20, 7]}
    small = C.training_checks(messages, skipped, None, 50)
    assert {c.severity for c in small} == {"note"}      # a handful of records: expected


def test_strict_fails_on_warnings_only():
    found = [C.Check("a", "note", "x"), C.Check("b", "warning", "y")]
    assert C.strict_failures(found) == ["b"]
    assert C.strict_failures([c.to_dict() for c in found]) == ["b"]


def test_quiet_splink_collects_and_leaves_logging_as_it_was():
    logger = logging.getLogger("splink")
    before = (logger.level, logger.propagate, list(logger.handlers))
    got: list = []
    with quiet_splink(collect=got):
        logging.getLogger("splink.internals.x").warning("Level a on comparison b not observed")
        logging.getLogger("splink.internals.x").debug("not kept")
    assert got == [(logging.WARNING, "Level a on comparison b not observed")]
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


def test_too_many_pairs_per_record():
    assert C.pair_checks(11222, 23507) == []            # the default simulation, 20,000 people
    found = C.pair_checks(162045, 20550)                 # BBC/Mediazona with --allow-weak
    assert [c.code for c in found] == ["too_many_pairs"]
    assert found[0].detail["per_record"] == 7.89
    assert C.pair_checks(3000, 1000) == [] and C.pair_checks(3001, 1000)


def test_no_overlap_is_no_alarm_for_lists_of_different_regions():
    """Two lists of 100 persons each and nobody in common: an alarm when they cover the same
    region (independent lists would share 100 * 100 / 200 = 50), none when one covers Donetsk
    and the other Kherson (they would share no one)."""
    same = [(f"a/{i}", "a", f"a{i}", 1980, "RU-MOW", True) for i in range(100)]
    same += [(f"b/{i}", "b", f"b{i}", 1980, "RU-MOW", True) for i in range(100)]
    found = {c.code: c for c in C.cluster_checks(*frame(same), ["a", "b"])}
    assert found["no_overlap"].detail["rates"]["a|b"]["expected_if_independent"] == 50.0
    apart = [(f"a/{i}", "a", f"a{i}", 1980, "UA-14", True) for i in range(100)]
    apart += [(f"b/{i}", "b", f"b{i}", 1980, "UA-65", True) for i in range(100)]
    assert "no_overlap" not in codes(C.cluster_checks(*frame(apart), ["a", "b"]))
