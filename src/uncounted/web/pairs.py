"""A candidate pair as the review page shows it: aligned, compared, explained, with safe links.

Built from :mod:`uncounted.linkage.compare` (what agrees, what conflicts, why the pair scored
what it did) and translated here into the request's language; the page writes every value with
``textContent`` and opens only the links this module marks safe (http/https).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from ..i18n import _, get_language
from ..linkage.compare import COLUMNS, compare_records, safe_link, weight_chart
from ..records.regions import federal_subjects

#: Record columns the review page reads.
RECORD_COLUMNS = ["list_name", "record_id", *COLUMNS, "patronymic_cyr", "given_name_cyr"]


def _finite(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def reasons(prob: float | None, band: tuple[float, float], *, conflict: bool, decision: str | None,
            split: bool, refused: bool) -> list[str]:
    """Why the pair is in the queue, in words (the request's language)."""
    out = []
    if prob is not None and band[0] <= prob < band[1]:
        out.append(_("In the review band: match probability %(p)s is between %(lo)s and %(hi)s, "
                     "where the model is unsure.") % {"p": f"{prob:.3f}", "lo": f"{band[0]:g}",
                                                      "hi": f"{band[1]:g}"})
    if conflict:
        out.append(_("Reviewers disagree on it: decide again, having seen both decisions."))
    if decision == "unsure":
        out.append(_("Marked unsure earlier."))
    if split:
        out.append(_("Its records were in a group the clustering had to split on conflicting "
                     "evidence."))
    if refused:
        out.append(_("The records conflict (see the highlighted rows): the clustering keeps them "
                     "apart unless you decide they match."))
    return out


@cache
def _subject_names() -> dict[str, tuple[str, str]]:
    """ISO code -> (English, Russian) name of each federal subject."""
    return {r["iso_code"]: (r["name_en"], r["name_ru"]) for r in federal_subjects()}


def region_shown(value: str) -> str:
    """A region the source gave only as its code (``RU-MOS``) by name in the page's language,
    the code beside it (``Москва (RU-MOS)``); any other spelling as the source wrote it."""
    names = _subject_names().get(value)
    if not names:
        return value
    return f"{names[1] if get_language() == 'ru' else names[0]} ({value})"


def field_rows(left: dict, right: dict) -> list[dict[str, Any]]:
    """The compared rows with translated labels and reasons, region codes by name, and
    ``href`` for safe links."""
    rows = []
    for row in compare_records(left, right):
        row = {**row, "field": _(row["label"]), "why": _(row["why"]) if row["why"] else ""}
        if row["key"] == "source_url":
            row["left_href"], row["right_href"] = safe_link(row["left"]), safe_link(row["right"])
        elif row["key"] == "region":
            row["left"], row["right"] = region_shown(row["left"]), region_shown(row["right"])
        rows.append(row)
    return rows


def chart(detail, model, weight) -> dict[str, Any] | None:
    """:func:`~uncounted.linkage.compare.weight_chart` with translated level labels."""
    out = weight_chart(detail, model, _finite(weight))
    if out is not None:
        for bar in out["bars"]:
            bar["label"] = _(bar["comparison"].replace("_", " "))
            bar["level"] = _(bar["level"]) if bar["level"] else ""
    return out


def pair_view(row: tuple, records: dict[str, dict], *, band: tuple[float, float], conflict: bool,
              split: bool, model: dict | None, detail, refused: bool) -> dict[str, Any]:
    """One queue entry: both records' compared fields, the weight chart and the reasons
    (``refused``: the records conflict, :func:`~uncounted.linkage.compare.refused_pairs`)."""
    uid_l, uid_r, prob, weight, dec_id, decision, reviewer = row
    left, right = records.get(uid_l, {}), records.get(uid_r, {})
    return {"uid_l": uid_l, "uid_r": uid_r, "match_probability": _finite(prob),
            "match_weight": _finite(weight), "list_l": left.get("list_name"),
            "list_r": right.get("list_name"), "fields": field_rows(left, right),
            "chart": chart(detail, model, weight), "refused": refused,
            "reasons": reasons(_finite(prob), band, conflict=conflict, decision=decision,
                               split=split, refused=refused),
            "decision_id": dec_id, "decision": decision, "reviewer": reviewer,
            "conflict": conflict}
