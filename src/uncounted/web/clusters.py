"""Persons (clusters) in the review UI: one person's records and edges, split and merge.

A split or a merge is stored as pairwise decisions, the only thing the clustering reads
(:func:`uncounted.linkage.cluster.current_persons`), written by the store's one writer and audited
like every decision (action ``split`` or ``merge``, plus one ``person_split``/``person_merge``
entry naming the whole operation):

- **split** (take records S out of person P into a new person): ``non-match`` on every pair of a
  record in S and a record left in P, and ``match`` on every pair inside S. The rest of P stays as
  the model joins it (when S held the only links between two parts of P, they fall apart too,
  and the page shows it).
- **merge** (P with person Q): ``match`` on every pair of a record of P and a record of Q, so that
  no conflict between them splits the two again (decided matches override conflicts).

Each decision is based on the decision in force it replaces (so it is not flagged as a reviewers'
conflict) and can be undone one by one; nothing is deleted. The persons shown next are those of
the decisions now in force.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import InputError, ProjectError
from ..i18n import _
from ..linkage.compare import refused_pairs

#: Largest number of pairwise decisions one split or merge may write.
MAX_PAIRS = 5000


def members(review, person_id: str) -> list[str]:
    """The uids of a person now (empty when there is no such person)."""
    cl = review.clustering()
    if cl is None:
        return []
    frame = cl.frame
    return sorted(frame.loc[frame["person_id"] == person_id, "uid"])


def person_of(review, uid: str) -> str | None:
    cl = review.clustering()
    if cl is None:
        return None
    hit = cl.frame.loc[cl.frame["uid"] == uid, "person_id"]
    return None if hit.empty else str(hit.iloc[0])


def split_groups(review) -> list[dict[str, Any]]:
    """Components the clustering had to split on conflicting evidence (issue 18), each with the
    persons it became (id and size), largest component first."""
    cl = review.clustering()
    if cl is None or "split_from" not in cl.frame:
        return []
    hit = cl.frame[cl.frame["split_from"].notna()]
    out = []
    for origin, group in hit.groupby("split_from", sort=True):
        sizes = group.groupby("person_id").size().sort_values(ascending=False, kind="stable")
        out.append({"split_from": origin, "records": len(group),
                    "persons": [{"person_id": p, "size": int(n)} for p, n in sizes.items()]})
    return sorted(out, key=lambda g: (-g["records"], g["split_from"]))


def person_view(review, person_id: str) -> dict[str, Any] | None:
    """A person's records, the scored pairs among them and the decisions in force on them."""
    uids = members(review, person_id)
    if not uids:
        return None
    cl = review.clustering()
    with review.lock:
        records = review._records(uids)
        edges = review.store.runs.pairs_among(cl.run_id, uids)
        involving = review.store.decisions.involving(uids)
    inside = set(uids)
    decided = {(d["uid_l"], d["uid_r"]): d for d in involving
               if d["uid_l"] in inside and d["uid_r"] in inside}
    across = [{**d, "other": person_of(review, d["uid_r"] if d["uid_l"] in inside else d["uid_l"])}
              for d in involving if (d["uid_l"] in inside) != (d["uid_r"] in inside)]
    frame = cl.frame[cl.frame["uid"].isin(uids)]
    origin = frame["split_from"].dropna() if "split_from" in frame else frame["uid"].iloc[:0]
    siblings = []
    if len(origin):
        for g in split_groups(review):
            if g["split_from"] == origin.iloc[0]:
                siblings = [p for p in g["persons"] if p["person_id"] != person_id]
    rows = []
    for e in edges.itertuples(index=False):
        d = decided.pop((e.uid_l, e.uid_r), None)
        rows.append({"uid_l": e.uid_l, "uid_r": e.uid_r, "p": float(e.match_probability),
                     "joins": float(e.match_probability) >= cl.threshold,
                     "decision": d and d["decision"], "decision_id": d and d["decision_id"]})
    for (a, b), d in decided.items():  # decided pairs the run did not score (manual, split, merge)
        rows.append({"uid_l": a, "uid_r": b, "p": None, "joins": False,
                     "decision": d["decision"], "decision_id": d["decision_id"]})
    return {"person_id": person_id, "records": [records[u] for u in uids if u in records],
            "edges": rows, "split_from": origin.iloc[0] if len(origin) else None,
            "siblings": siblings, "threshold": cl.threshold, "across": across,
            "cut": _cut_edges(review, cl, uids, siblings)}


def _cut_edges(review, cl, uids: list[str], siblings: list[dict]) -> list[dict[str, Any]]:
    """The scored pairs from this person to the other parts of its split component, and whether
    the two records conflict (why the clustering cut them apart)."""
    if not siblings:
        return []
    frame = cl.frame
    others = sorted(frame.loc[frame["person_id"].isin([p["person_id"] for p in siblings]), "uid"])
    mine = set(uids)
    with review.lock:
        edges = review.store.runs.pairs_among(cl.run_id, uids + others)
        records = review._records(uids + others)
    cut = [e for e in edges.itertuples(index=False) if (e.uid_l in mine) != (e.uid_r in mine)]
    refused = refused_pairs(records, [(e.uid_l, e.uid_r) for e in cut])
    return [{"uid_l": e.uid_l, "uid_r": e.uid_r, "p": float(e.match_probability),
             "conflict": no, "other": person_of(review, e.uid_r if e.uid_l in mine else e.uid_l)}
            for e, no in zip(cut, refused, strict=True)]


def _write(review, reviewer: str, pairs: list[tuple[str, str, str]], action: str,
           note: str | None, summary: dict[str, Any]) -> list[int]:
    """Record ``(uid_l, uid_r, decision)`` pairs, each based on the decision in force it
    replaces, and one summary audit entry, in one transaction."""
    if len(pairs) > MAX_PAIRS:
        raise InputError(_("this would write %(n)s decisions, more than %(max)s at once; split "
                           "or merge smaller groups") % {"n": len(pairs), "max": MAX_PAIRS},
                         column="uids")
    store = review.store
    uids = sorted({u for a, b, _d in pairs for u in (a, b)})
    in_force = {(d["uid_l"], d["uid_r"]): d["decision_id"] for d in store.decisions.among(uids)}
    ids = []
    for a, b, decision in pairs:
        key = tuple(sorted((a, b)))
        rec = store.decisions.record(a, b, decision, reviewer=reviewer, note=note,
                                     based_on=in_force.get(key), action=action)
        ids.append(rec.decision_id)
    store.audit(f"person_{action}", actor=reviewer, target=summary.get("person_id"),
                detail={**summary, "decisions": ids, "note": note})
    return ids


def split(review, reviewer: str, person_id: str, take: list[str],
          note: str | None = None) -> dict[str, Any]:
    """Take records ``take`` out of ``person_id`` into a new person (see the module docstring)."""
    with review.lock, review.store.transaction():
        now = members(review, person_id)
        if not now:
            raise ProjectError(_("there is no person %(id)s now (reload the page)")
                               % {"id": person_id})
        take = sorted(set(take))
        stray = [u for u in take if u not in now]
        if stray:
            raise InputError(_("records not in this person: %(uids)s")
                             % {"uids": ", ".join(stray)}, column="uids")
        rest = [u for u in now if u not in take]
        if not take or not rest:
            raise InputError(_("choose some of the person's records, not none or all of them"),
                             column="uids")
        pairs = [(a, b, "non-match") for a in take for b in rest]
        pairs += [(a, b, "match") for i, a in enumerate(take) for b in take[i + 1:]]
        ids = _write(review, reviewer, pairs, "split", note,
                     {"person_id": person_id, "taken": take, "left": rest})
    return {"decisions": ids, "new_person": person_of(review, take[0]),
            "rest_person": person_of(review, rest[0])}


def merge(review, reviewer: str, person_id: str, other: str,
          note: str | None = None) -> dict[str, Any]:
    """Merge ``person_id`` with ``other`` (a person id, or the uid of one of its records)."""
    with review.lock, review.store.transaction():
        mine = members(review, person_id)
        if not mine:
            raise ProjectError(_("there is no person %(id)s now (reload the page)")
                               % {"id": person_id})
        other_id = other if members(review, other) else person_of(review, other)
        theirs = members(review, other_id) if other_id else []
        if not theirs:
            raise InputError(_("no person or record %(other)s: give a person id (p...) or a "
                               "record uid (list/record_id)") % {"other": other}, column="other")
        if other_id == person_id:
            raise InputError(_("that is this person already"), column="other")
        pairs = [(a, b, "match") for a in mine for b in theirs]
        ids = _write(review, reviewer, pairs, "merge", note,
                     {"person_id": person_id, "other": other_id, "records": mine + theirs})
    return {"decisions": ids, "person": person_of(review, mine[0])}
