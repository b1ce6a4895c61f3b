"""Checks on a link run: what the clustering says that no person could be.

A linkage model scores pairs; nothing in it knows that one man has one birth year, that a list
compiled with care names each person once, or that two independent lists cannot each hold the
other entirely. These checks read the clustering after it is made and say, in plain words, where it
contradicts what a person or a list can be. Each :class:`Check` has a stable ``code``, a
``severity`` (``warning``: the persons, and any estimate made from them, should not be published
before this is looked at; ``uncounted link --strict`` exits non-zero; ``note``: worth knowing) and
a plain ``message`` naming the lists, the counts and what to do.

Thresholds are set above what the default simulation (four realistic lists with typos, partial and
off-by-one dates, 0.5-2% duplicates; measured in docs/linkage.md) produces when linkage is right,
so that a check firing means something is wrong, not that the lists are ordinary.

The pair rules applied before clustering (:func:`uncounted.linkage.link.link_project`: lists that
share no identifying field are not compared, records without any name are never joined to each
other) are reported here too, so that everything the guard rails did is in one place.

References
----------
Christen, P. (2012). *Data Matching*, ch. 7 (evaluation of linkage without ground truth: cluster
sizes and attribute conflicts as signs of false matches). Springer.

Ball, P. et al. (2003). How many Peruvians have died? (AAAS/HRDAG): record linkage errors as the
first threat to a multiple systems estimate; lists assumed de-duplicated before matching.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .profile import ListProfile, separate_lists

#: Share of multi-record persons whose records give birth years more than one year apart above
#: which the check fires (the default simulation gives 0.0-0.3%: off-by-one years are allowed).
MAX_BIRTH_CONFLICT = 0.02
#: Share of multi-record persons whose records name different regions (after normalisation to
#: ISO codes) above which the check fires. Lists disagree on regions more often than on birth
#: years (residence, burial place, place of death), so the bar is higher.
MAX_REGION_CONFLICT = 0.10
#: Share of a list's records joined to another record of the same list above which the list is
#: flagged (a list is assumed de-duplicated; the default simulation has up to 2% duplicates, which
#: put 3.3-4.0% of the obituaries list's records in such pairs at 5,000 people, seeds 1 and 2),
#: when at least :data:`MIN_WITHIN_LIST` records are involved.
MAX_WITHIN_LIST = 0.08
MIN_WITHIN_LIST = 5
#: A pair of lists is checked for an implausible overlap when both have at least this many records.
MIN_LIST_FOR_RATE = 50
#: ``no_overlap`` fires only when lists catching people independently within each region would
#: share at least this many (so lists of different regions, which share no one, are no alarm).
MIN_EXPECTED_OVERLAP = 10.0
#: Share of the smaller list found on the other above which the pair is flagged as "contained"
#: (checked when the smaller list has at least 100 records: an independent list catching 90% of
#: the dead holds 98% of another list's 100 records with probability below 0.1%).
MAX_CONTAINED = 0.98
MIN_LIST_FOR_CONTAINED = 100
#: Share of cross-list record pairs agreeing exactly on surname and full birth date that a run
#: leaves in different persons, above which the pair of lists is flagged (when at least
#: :data:`MIN_MISSED` such pairs are apart). Such pairs are one person nearly always: the default
#: simulation leaves 0.1-0.3% of them apart (5,000 people, seeds 1 and 2); a list writing given
#: names as initials left 60% apart.
MAX_MISSED = 0.10
MIN_MISSED = 10
#: With three lists or more, list B is flagged as drawn from list A when at least
#: :data:`MIN_DRAWN` of B's persons are on A and that share exceeds the share of every other
#: list's persons on A by :data:`MIN_DRAWN_EXCESS`: independent lists find a list's people in
#: about the same proportion (a list that catches 90% of the dead holds about 90% of each other
#: list). The default simulation, where one list copies 15% of another, gives an excess of at
#: most 0.10 (5,000 people, seeds 1 and 2); a list copying 90% of another gives 0.45.
MIN_DRAWN = 0.8
MIN_DRAWN_EXCESS = 0.3
#: Examples kept per check.
N_EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    """One finding: a stable ``code``, ``severity`` (``warning`` | ``note``), a plain ``message``,
    and ``detail`` (counts and examples, JSON-ready)."""

    code: str
    severity: str
    message: str
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


#: Every check code and what it means.
CODES: dict[str, str] = {
    "lists_not_compared": "two lists share no identifying field and were not compared",
    "weak_comparison": "lists without a shared identifying field were compared (--allow-weak)",
    "nameless_not_joined": "pairs of records without any name scored above the threshold and "
                           "were not joined",
    "nameless_joined": "records without any name were joined to each other (--allow-weak)",
    "birth_year_conflict": "persons whose records give birth years more than a year apart",
    "region_conflict": "persons whose records name different regions",
    "oversized_clusters": "persons made of more records than there are lists",
    "within_list_merges": "records of one list joined to each other",
    "no_overlap": "two lists of the same regions have no person in common",
    "missed_joins": "records agreeing on surname and full birth date were left apart",
    "list_contained": "nearly every person of one list is on another",
    "too_many_pairs": "the run scored many candidate pairs per record (blocking or fields too "
                      "loose to tell people apart)",
    "training_no_pairs": "an EM training session found no pairs (a field is missing or written "
                         "differently)",
    "training_no_prior": "no exact duplicates to estimate the share of matching pairs",
    "training_prior_one": "the model concluded that all records are one person",
    "training_failed": "an EM training session failed (numerical trouble in Splink)",
    "training_step_skipped": "a training step found nothing to learn from",
    "m_not_trained": "the model never learned the weight of a field",
    "m_levels_not_observed": "some levels of agreement never occurred in training",
    "em_not_converged": "an EM session stopped before its weights settled",
}


#: Below this many records a training step that finds nothing is expected (a handful of
#: records has no exact duplicates to learn from): the training checks are notes, not warnings.
MIN_RECORDS_TO_TRAIN = 1000
#: EM sessions stop after this many iterations (``settings.settings_creator(max_iterations=20)``).
EM_MAX_ITERATIONS = 20

#: Comparisons that are null unless some records carry that form (names written as initials).
OPTIONAL = ("initials",)

#: Plain names of the linkage input's columns, for messages.
COLUMN_LABELS = {
    "surname_key": "surname", "surname_phon": "surname (by sound)",
    "given_name_key": "given name", "given_name_canon": "given name",
    "given_name_phon": "given name (by sound)", "patronymic_key": "patronymic",
    "birth_year": "birth year", "birth_month": "birth month", "birth_day": "birth day",
    "death_year": "death year", "death_month": "death month", "death_dnum": "death date",
    "region_iso": "region", "unit_key": "unit",
}
COMPARISON_LABELS = {"surname": "surname", "given_name": "given name", "patronymic": "patronymic",
                     "birth_date": "birth date", "death_date": "death date", "region": "region",
                     "unit": "unit"}


def _fields_of(sql: str) -> str:
    import re

    cols = []
    for c in re.findall(r'l\.\"?(\w+)\"?', sql):
        label = COLUMN_LABELS.get(c, c)
        if label not in cols:
            cols.append(label)
    return " and ".join(cols) or sql


def training_checks(messages: list, skipped: list, linker, n_records: int) -> list[Check]:
    """Splink's training messages, said as what they mean for the user.

    Parameters
    ----------
    messages
        ``(level, text)`` collected from Splink's logger during the run
        (:func:`uncounted.linkage.link.quiet_splink` with ``collect``).
    skipped
        ``(step, error)`` of the training steps that raised (no record pairs for a training rule,
        no exact duplicates for the prior ...).
    linker
        The trained Splink linker (its comparisons say which m values were never trained).
    n_records
        Records linked: below :data:`MIN_RECORDS_TO_TRAIN` these are notes.
    """
    import re

    severity = "warning" if n_records >= MIN_RECORDS_TO_TRAIN else "note"
    out = []
    for what, err in skipped:
        if what.startswith("the EM session") and "no record pairs" not in err:
            fields = _fields_of(what.split("blocked on", 1)[-1])
            out.append(Check("training_failed", severity,
                             f"The training session on pairs that agree on {fields} failed "
                             f"(Splink: {err.splitlines()[0][:160]}): the weights it would have "
                             "learnt stay at starting guesses. A session fails like this when its "
                             "pairs are nearly all matches or nearly all non-matches, e.g. when one "
                             "list holds almost everyone.",
                             {"step": what, "splink": err.splitlines()[0][:300]}))
        elif what.startswith("the EM session"):
            sql = what.split("blocked on", 1)[-1]
            fields = _fields_of(sql)
            out.append(Check("training_no_pairs", severity,
                             f"No two records agree on {fields}, so the model could not learn from "
                             f"pairs that do how much the other fields agree among true matches: "
                             "those weights stay at starting guesses. Usually a list lacks these "
                             "fields (see the profile) or writes them differently (a transliteration, "
                             "a date format); check the import of each list.",
                             {"step": what, "splink": err.splitlines()[0][:300]}))
        elif what.startswith("the prior"):
            out.append(Check("training_no_prior", severity,
                             "No two records agree exactly on surname, given name and full birth "
                             "date, so the share of pairs that are the same person could not be "
                             "estimated and a guess of 1 in 10,000 was used. Either the lists do not "
                             "overlap, or they lack names or full birth dates (see the profile).",
                             {"step": what, "splink": err.splitlines()[0][:300]}))
        else:
            out.append(Check("training_step_skipped", severity,
                             f"Training step '{what}' found nothing to learn from and was skipped; "
                             "the model keeps starting values there.",
                             {"step": what, "splink": err.splitlines()[0][:300]}))
    unseen: dict[str, list[str]] = {}
    iterations = []
    prior_skipped = any(what.startswith("the prior") for what, _ in skipped)
    for _, text in messages:
        if "Deterministic matching rules led to no observed matches" in text and not prior_skipped:
            prior_skipped = True
            out.append(Check("training_no_prior", severity,
                             "No two records agree exactly on surname, given name and full birth "
                             "date, so the share of pairs that are the same person could not be "
                             "estimated and a guess of 1 in 10,000 was used. Either the lists do not "
                             "overlap, or they lack names or full birth dates (see the profile).",
                             {"splink": text.strip().splitlines()[0][:300]}))
        if "Probability two random records match is estimated to be 1" in text:
            out.append(Check("training_prior_one", "warning",
                             "Every pair of records that agrees on surname, given name and full "
                             "birth date looked like a match, and the model concluded all records "
                             "are one person: the lists probably repeat the same few values "
                             "(placeholders such as 'unknown' or 01.01.1900). Check the import.",
                             {"splink": text.strip().splitlines()[0][:300]}))
        m = re.search(r"Level (.+?) on comparison (\w+) not observed in dataset, unable to "
                      r"train m value", text)
        if m:
            levels = unseen.setdefault(m.group(2), [])
            if m.group(1).strip() not in levels:
                levels.append(m.group(1).strip())
        m = re.search(r"EM converged after (\d+) iterations", text)
        if m:
            iterations.append(int(m.group(1)))
    untrained = []
    for comp in getattr(getattr(linker, "_settings_obj", None), "comparisons", []) or []:
        try:
            # the initials comparison applies only to records written with initials: a project
            # without any has nothing to train there and nothing rests on it
            if not comp._some_m_are_trained and comp.output_column_name not in OPTIONAL:
                untrained.append(comp.output_column_name)
        except AttributeError:          # another Splink version: the messages still count
            pass
    if untrained:
        names = ", ".join(COMPARISON_LABELS.get(c, c) for c in untrained)
        out.append(Check("m_not_trained", severity,
                         f"The model never learned how often {names} agree for the same person (no "
                         "training pairs showed it): it weighs them with starting guesses. Joins "
                         "that rest on these fields are not backed by the data.",
                         {"comparisons": untrained}))
    partly = {c: lv for c, lv in unseen.items() if c not in untrained}
    if partly:
        what = "; ".join(f"{COMPARISON_LABELS.get(c, c)}: {', '.join(lv)}" for c, lv in partly.items())
        out.append(Check("m_levels_not_observed", "note",
                         f"Some levels of agreement never occurred in training ({what}); their "
                         "weights are starting guesses. Harmless when those levels are rare.",
                         {"levels": partly}))
    stuck = [i for i in iterations if i >= EM_MAX_ITERATIONS]
    if stuck:
        out.append(Check("em_not_converged", severity,
                         f"{len(stuck)} of {len(iterations)} EM training session(s) stopped at "
                         f"{EM_MAX_ITERATIONS} iterations without settling: the weights may still "
                         "be moving. Usually the fields disagree in ways the model cannot separate "
                         "(one list's dates or names written differently); check the profile.",
                         {"iterations": iterations}))
    return out


#: Scored pairs (match probability >= 0.01) per record above which the run is flagged: the
#: fields compared do not tell people apart, or blocking lets too much through. The default
#: simulation gives 0.48 per record (20,000 people), the adversarial scenarios at most 0.61
#: (copies); the BBC/Mediazona list compared with --allow-weak 7.9.
MAX_PAIRS_PER_RECORD = 3.0


def pair_checks(n_pairs: int, n_records: int) -> list[Check]:
    """A check on the number of pairs the run scored (Splink does not warn when blocking and the
    model let through most candidate pairs: the run just gets slow and merges strangers)."""
    if not n_records or n_pairs / n_records <= MAX_PAIRS_PER_RECORD:
        return []
    rate = n_pairs / n_records
    return [Check("too_many_pairs", "warning",
                  f"{n_pairs:,} pairs scored a match probability of 1% or more, {rate:.1f} per "
                  "record: the fields compared do not tell people apart (many records agree on "
                  "dates, places or units and on little else), or the lists repeat placeholder "
                  "values. Expect strangers to be merged; see the profile and the other checks.",
                  {"pairs": int(n_pairs), "records": int(n_records), "per_record": round(rate, 2),
                   "limit": MAX_PAIRS_PER_RECORD})]


def rule_checks(profiles: list[ListProfile], removed: dict, *, allow_weak: bool) -> list[Check]:
    """Checks of the pair rules applied before clustering (``removed``: counts from
    :meth:`uncounted.store.runs.Workspace.drop_weak_pairs`)."""
    out = []
    sep = separate_lists(profiles)
    if sep:
        pairs = "; ".join(f"'{a}' and '{b}' ({why})" for a, b, why in sep)
        if allow_weak:
            out.append(Check("weak_comparison", "warning",
                             f"Compared with --allow-weak (allow_weak=True) although they share no identifying field "
                             f"(a name or a full birth date): {pairs}. Joins between them rest on "
                             "dates, places or units that strangers share; check them in "
                             "'uncounted review' before using the persons.",
                             {"pairs": [[a, b] for a, b, _ in sep]}))
        else:
            out.append(Check("lists_not_compared", "warning",
                             f"Not compared, because they share no identifying field (a name or a "
                             f"full birth date): {pairs}. Nobody is joined across them, so anyone on "
                             "both is counted twice and an estimate from these lists is not "
                             "meaningful. Add names or full birth dates to the lists, or run "
                             "'uncounted link --allow-weak' (allow_weak=True in Python) and review the "
                             "joins.",
                             {"pairs": [[a, b] for a, b, _ in sep],
                              "pairs_removed": removed.get("separate", 0),
                              "pairs_above_threshold_removed": removed.get("separate_joined", 0)}))
    if removed.get("nameless_joined", 0):
        n = removed["nameless_joined"]
        out.append(Check("nameless_not_joined", "warning",
                         f"{n:,} pair(s) of records without any name scored above the threshold and "
                         "were not joined: agreement on dates, places or units alone does not "
                         "identify a person. Those records stay separate persons; if the same person "
                         "is on several lists without a name, they are counted more than once. Add "
                         "names to the records; a pair known to be one person can be recorded as a "
                         "'match' decision, which always joins.",
                         {"pairs_removed": removed.get("nameless", 0),
                          "pairs_above_threshold_removed": n}))
    return out


def cluster_checks(persons: pd.DataFrame, fields: pd.DataFrame, lists: list[str], *,
                   allow_weak: bool = False, agreeing: pd.DataFrame | None = None) -> list[Check]:
    """Checks of a clustering.

    Parameters
    ----------
    persons
        ``uid``, ``list_name``, ``person_id`` of every live record (a run's clustering).
    fields
        ``uid``, ``has_name``, ``birth_year``, ``region_iso`` of every live record
        (``store.runs.guard_fields()``).
    lists
        The lists with live records.
    allow_weak
        The run was made with ``allow_weak``: joins of two name-less records are reported.
    agreeing
        ``uid_l``, ``uid_r`` of cross-list pairs agreeing on surname and full birth date
        (``store.runs.agreeing_pairs()``): how many the run left apart.
    """
    frame = persons[["uid", "list_name", "person_id"]].merge(
        fields[["uid", "has_name", "birth_year", "region_iso"]], on="uid", how="left")
    out: list[Check] = []
    size = frame.groupby("person_id")["uid"].transform("size")
    multi = frame[size > 1]
    n_multi = int(multi["person_id"].nunique())
    out += _conflicts(multi, n_multi)
    out += _oversized(frame, size, len(lists))
    out += _within_list(frame)
    out += _overlaps(frame, lists)
    if agreeing is not None and len(agreeing):
        out += _missed(frame, agreeing)
    if allow_weak and len(multi):
        named = multi.groupby("person_id")["has_name"].any()
        bad = named[~named]
        if len(bad):
            out.append(Check("nameless_joined", "warning",
                             f"{len(bad):,} person(s) are made only of records without any name, "
                             "joined on dates, places or units (--allow-weak). Check them in "
                             "'uncounted review'.",
                             {"persons": len(bad), "examples": list(bad.index[:N_EXAMPLES])}))
    return out


def _conflicts(multi: pd.DataFrame, n_multi: int) -> list[Check]:
    out = []
    if not n_multi:
        return out
    years = multi.dropna(subset=["birth_year"]).groupby("person_id")["birth_year"].agg(["min", "max"])
    bad = years[(years["max"] - years["min"]) > 1]
    share = len(bad) / n_multi
    if share > MAX_BIRTH_CONFLICT:
        ex = [f"{pid}: born {int(r['min'])} and {int(r['max'])}" for pid, r in bad.head(N_EXAMPLES).iterrows()]
        out.append(Check("birth_year_conflict", "warning",
                         f"{len(bad):,} of {n_multi:,} persons with more than one record ({share:.1%}) "
                         "join records whose birth years are more than a year apart: strangers were "
                         "probably merged. Raise --threshold (threshold= in Python), or review "
                         "these persons.",
                         {"persons": len(bad), "of": n_multi, "share": round(share, 4),
                          "limit": MAX_BIRTH_CONFLICT, "examples": ex}))
    regions = multi.dropna(subset=["region_iso"]).groupby("person_id")["region_iso"].nunique()
    bad_r = regions[regions > 1]
    share_r = len(bad_r) / n_multi
    if share_r > MAX_REGION_CONFLICT:
        ex = list(bad_r.index[:N_EXAMPLES])
        out.append(Check("region_conflict", "warning",
                         f"{len(bad_r):,} of {n_multi:,} persons with more than one record "
                         f"({share_r:.1%}) join records from different regions: more than lists "
                         "usually disagree on (residence, burial place). Strangers may have been "
                         "merged; review these persons.",
                         {"persons": len(bad_r), "of": n_multi, "share": round(share_r, 4),
                          "limit": MAX_REGION_CONFLICT, "examples": ex}))
    return out


def _oversized(frame: pd.DataFrame, size: pd.Series, k: int) -> list[Check]:
    limit = k + 1           # one record per list, and one duplicate
    big = frame.loc[size > limit].groupby("person_id")["uid"].size().sort_values(ascending=False)
    if not len(big):
        return []
    return [Check("oversized_clusters", "warning",
                  f"{len(big):,} person(s) are made of more than {limit} records (the largest: "
                  f"{int(big.iloc[0])}) with {k} lists: one person is on each list once or twice at "
                  "most. The model joined strangers, usually on fields many people share; raise "
                  "--threshold (threshold= in Python) or review the largest persons.",
                  {"persons": len(big), "largest": int(big.iloc[0]), "limit": limit,
                   "examples": [f"{pid}: {int(n)} records" for pid, n in big.head(N_EXAMPLES).items()]})]


def _within_list(frame: pd.DataFrame) -> list[Check]:
    per = frame.groupby(["person_id", "list_name"])["uid"].transform("size")
    frame = frame.assign(dup=per > 1)
    share = frame.groupby("list_name")["dup"].mean()
    count = frame.groupby("list_name")["dup"].sum()
    bad = share[(share > MAX_WITHIN_LIST) & (count >= MIN_WITHIN_LIST)]
    if not len(bad):
        return []
    what = ", ".join(f"'{name}' {s:.0%}" for name, s in bad.items())
    return [Check("within_list_merges", "warning",
                  f"Records of one list were joined to each other: {what} of their records. A list "
                  "is assumed to name each person once; this many merges inside a list means the "
                  "model joined different people, or the list needs de-duplicating before it is "
                  "used (a duplicate counts once, a wrong merge loses a person).",
                  {"shares": {str(k): round(float(v), 4) for k, v in share.items()},
                   "limit": MAX_WITHIN_LIST, "lists": list(map(str, bad.index))})]


def _overlaps(frame: pd.DataFrame, lists: list[str]) -> list[Check]:
    members = frame.groupby("list_name")["person_id"].agg(lambda s: set(s))
    sizes = frame.groupby("list_name")["person_id"].nunique()
    none, contained = [], []
    rates = {}
    expected = _expected_overlap(frame, lists)
    for i, a in enumerate(lists):
        for b in lists[i + 1:]:
            if a not in members or b not in members:
                continue
            both = len(members[a] & members[b])
            small = a if sizes[a] <= sizes[b] else b
            rate = both / sizes[small]
            rates[f"{a}|{b}"] = {"in_both": both, "share_of_smaller": round(rate, 4),
                                 "smaller": small}
            if both == 0 and min(sizes[a], sizes[b]) >= MIN_LIST_FOR_RATE \
                    and expected[(a, b)] >= MIN_EXPECTED_OVERLAP:
                none.append((a, b))
                rates[f"{a}|{b}"]["expected_if_independent"] = round(expected[(a, b)], 1)
            elif rate >= MAX_CONTAINED and sizes[small] >= MIN_LIST_FOR_CONTAINED:
                contained.append((small, b if small == a else a, rate))
    contained += _drawn(members, sizes, lists, {(c[0], c[1]) for c in contained})
    out = []
    if none:
        what = "; ".join(f"'{a}' and '{b}'" for a, b in none)
        out.append(Check("no_overlap", "warning",
                         f"No person is on both lists: {what}. Either linkage could not join them "
                         "(see the field profile: do they share names or birth dates?) or the lists "
                         "do not overlap; either way multiple systems estimation has nothing to work "
                         "with for this pair and an estimate would be unbounded or meaningless.",
                         {"pairs": [list(p) for p in none], "rates": rates}))
    if contained:
        what = "; ".join(f"{r:.0%} of '{s}' is on '{o}'" for s, o, r in contained)
        out.append(Check("list_contained", "warning",
                         f"One list's persons are nearly all on another, far more than chance: "
                         f"{what}. Either one list "
                         "copies the other (then they are not independent sources, and an estimate "
                         "that treats them as such is too low), or linkage merged too much. Do not "
                         "count a copy as a separate list.",
                         {"pairs": [[s, o] for s, o, _ in contained], "limit": MAX_CONTAINED,
                          "drawn_limit": [MIN_DRAWN, MIN_DRAWN_EXCESS], "rates": rates}))
    return out


def _expected_overlap(frame: pd.DataFrame, lists: list[str]) -> dict:
    """Persons two lists would share if each caught people independently within each region:
    the sum over regions of ``n_a,r * n_b,r / n_r`` (``n_r``: persons with a record in region
    ``r``; records without a region form one more region). Lists of different regions expect
    no one in common, so finding no one is no alarm for them."""
    region = frame["region_iso"].fillna("?")
    by = frame.assign(region=region).drop_duplicates(["person_id", "list_name", "region"])
    counts = by.groupby(["region", "list_name"])["person_id"].nunique().unstack(fill_value=0)
    total = by.groupby("region")["person_id"].nunique()
    out = {}
    for i, a in enumerate(lists):
        for b in lists[i + 1:]:
            if a in counts and b in counts:
                out[(a, b)] = float((counts[a] * counts[b] / total).sum())
            else:
                out[(a, b)] = 0.0
    return out


def _drawn(members, sizes, lists, seen) -> list[tuple[str, str, float]]:
    """(B, A, share) where B's persons are on A far more than any other list's are."""
    big = [x for x in lists if x in members and sizes[x] >= MIN_LIST_FOR_RATE]
    if len(big) < 3:
        return []
    out = []
    for a in big:
        share = {b: len(members[b] & members[a]) / sizes[b] for b in big if b != a}
        for b, r in share.items():
            others = [v for c, v in share.items() if c != b]
            if (b, a) not in seen and r >= MIN_DRAWN and r - max(others) >= MIN_DRAWN_EXCESS:
                out.append((b, a, r))
    best: dict[frozenset, tuple[str, str, float]] = {}
    for b, a, r in out:             # one line per pair of lists: the direction with more
        key = frozenset((a, b))
        if key not in best or r > best[key][2]:
            best[key] = (b, a, r)
    return list(best.values())


def _apart(frame: pd.DataFrame, agreeing: pd.DataFrame) -> pd.DataFrame:
    """Each agreeing pair of live records: its lists ``a``, ``b`` and whether it was left ``apart``."""
    person = frame.set_index("uid")["person_id"]
    lst = frame.set_index("uid")["list_name"]
    agreeing = agreeing[agreeing["uid_l"].isin(person.index) & agreeing["uid_r"].isin(person.index)]
    apart = person[agreeing["uid_l"]].to_numpy() != person[agreeing["uid_r"]].to_numpy()
    return pd.DataFrame({"a": lst[agreeing["uid_l"]].to_numpy(),
                         "b": lst[agreeing["uid_r"]].to_numpy(), "apart": apart})


def missed_share(frame: pd.DataFrame, agreeing: pd.DataFrame) -> tuple[int, int]:
    """(left apart, all): record pairs on different lists agreeing exactly on surname and full
    birth date (``store.runs.agreeing_pairs()``), and how many of them the persons in ``frame``
    (``uid``, ``list_name``, ``person_id``) keep as different persons: linkage's own measure of
    its missed joins, which :func:`uncounted.mse.status.missed_links` weighs against an
    estimate's interval."""
    by = _apart(frame, agreeing)
    return int(by["apart"].sum()), len(by)


def _missed(frame: pd.DataFrame, agreeing: pd.DataFrame) -> list[Check]:
    by = _apart(frame, agreeing)
    if not len(by):
        return []
    stats = by.groupby(["a", "b"])["apart"].agg(["sum", "size"])
    stats["share"] = stats["sum"] / stats["size"]
    bad = stats[(stats["share"] > MAX_MISSED) & (stats["sum"] >= MIN_MISSED)]
    if not len(bad):
        return []
    what = "; ".join(f"'{a}' and '{b}': {int(r['sum']):,} of {int(r['size']):,} ({r['share']:.0%})"
                     for (a, b), r in bad.iterrows())
    return [Check("missed_joins", "warning",
                  f"Records that agree exactly on surname and full birth date were left as "
                  f"different persons: {what}. Such pairs are nearly always one person; the model "
                  "is missing joins, usually because one list writes names differently (initials, "
                  "another transliteration, names in another order). Missed joins make the "
                  "estimate too high. Check how these lists write names, or review the pairs.",
                  {"pairs": [[a, b] for a, b in bad.index],
                   "apart": {f"{a}|{b}": [int(r["sum"]), int(r["size"])] for (a, b), r in
                             stats.iterrows()},
                   "limit": MAX_MISSED})]


def strict_failures(checks: list[Check] | list[dict]) -> list[str]:
    """Codes of the checks that make ``uncounted link --strict`` fail (every ``warning``)."""
    return [c["code"] if isinstance(c, dict) else c.code for c in checks
            if (c["severity"] if isinstance(c, dict) else c.severity) == "warning"]


def summary_counts(frame: pd.DataFrame) -> dict:
    """Cluster size distribution of a clustering (``person_id`` column): for the stored record."""
    sizes = frame.groupby("person_id").size()
    counts = np.bincount(sizes.to_numpy()) if len(sizes) else np.array([], int)
    return {str(i): int(c) for i, c in enumerate(counts) if c}
