"""Two records side by side for a reviewer: values aligned by meaning and compared as linkage does.

A reviewer should see the differences that matter and only those. So names are aligned by their
parsed parts (surname, given name, patronymic), whether a source gave them apart or as one
full-name field (the raw form stays visible in its own row), and each value is compared after the
same normalisation the linkage uses:

- names by their keys (transliteration undone, :mod:`uncounted.records.names`): a given name by
  its canonical key (diminutives and spellings of one name agree), an initial agrees with a name
  that starts with it;
- dates by their precision (:func:`uncounted.records.dates.birth_interval`): 26.04.1987 and 1987
  are compatible, 1987 and 1989 conflict (more than a year apart beyond their precision, the
  clustering's own rule), 1987 and 1988 differ;
- regions by their ISO code.

Each row gets a *state*: ``equal`` (the same value), ``compatible`` (written differently, the
same after normalisation, or one less precise than the other), ``differs`` (a disagreement the
model weighs, such as a surname typo or a neighbouring year), ``conflict`` (evidence that the two
are different men: the clustering never joins such a pair, :class:`~uncounted.linkage.cluster.
Conflicts`), ``one-sided`` (only one record has a value) and ``info`` (shown, not compared).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..i18n import N_
from ..records.dates import YEAR_SPAN, birth_interval, interval_gap
from ..records.names import _given_table
from .cluster import _PATR_SUFFIX, Conflicts, _edits_over_one

#: Record columns :func:`compare_records` reads.
COLUMNS = ("surname_raw", "given_name_raw", "patronymic_raw", "full_name_raw", "surname_cyr",
           "given_name_cyr", "patronymic_cyr", "surname_key", "given_name_key",
           "given_name_canon", "patronymic_key", "birth_date_raw", "birth_year", "birth_month",
           "birth_day", "birth_precision", "death_date_raw", "death_year", "death_month",
           "death_day", "region_raw", "region_iso", "unit", "rank", "source_url", "notes")

STATES = ("equal", "compatible", "differs", "conflict", "one-sided", "info")


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return " ".join(str(value).split())


def _int(value) -> int | None:
    text = _text(value)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _row(key: str, label: str, left: str, right: str, state: str, why: str = "",
         left_raw: str = "", right_raw: str = "") -> dict[str, Any]:
    return {"key": key, "label": label, "left": left, "right": right, "state": state, "why": why,
            "left_raw": left_raw, "right_raw": right_raw}


def _sides(a: str, b: str) -> str | None:
    """``one-sided`` when only one value is there, ``equal`` when both are the same text."""
    if not a or not b:
        return "one-sided"
    if a.casefold() == b.casefold():
        return "equal"
    return None


# ----------------------------------------------------------------------------- names
def _name_part(rec: dict, part: str) -> tuple[str, str]:
    """(shown value: the parsed Cyrillic nominative form or the raw part, the raw part)."""
    raw = _text(rec.get(f"{part}_raw"))
    parsed = _text(rec.get(f"{part}_cyr"))
    return (parsed or raw), raw


def _is_initial(rec: dict, part: str) -> bool:
    value = _text(rec.get(f"{part}_cyr")) or _text(rec.get(f"{part}_raw")).rstrip(".")
    return len(value) == 1


def _first_letter(rec: dict, part: str) -> str:
    value = _text(rec.get(f"{part}_cyr")) or _text(rec.get(f"{part}_raw"))
    if part == "given_name":
        canon = _text(rec.get("given_name_canon"))
        spelling = _given_table()[1].get(canon)
        if spelling and not _is_initial(rec, part):
            return spelling[:1].upper()
    return value[:1].upper()


def _compare_surname(a: dict, b: dict) -> tuple[str, str]:
    ka, kb = _text(a.get("surname_key")), _text(b.get("surname_key"))
    if ka and ka == kb:
        return "compatible", N_("the same surname, written differently")
    return "differs", ""


def _compare_initials(a: dict, b: dict, part: str) -> tuple[str, str] | None:
    ia, ib = _is_initial(a, part), _is_initial(b, part)
    if not (ia or ib):
        return None
    if _first_letter(a, part) == _first_letter(b, part):
        return "compatible", N_("an initial that agrees with the name")
    return "conflict", N_("initials that do not agree")


def _compare_given(a: dict, b: dict) -> tuple[str, str]:
    initials = _compare_initials(a, b, "given_name")
    if initials is not None:
        return initials
    ca = _text(a.get("given_name_canon")) or _text(a.get("given_name_key"))
    cb = _text(b.get("given_name_canon")) or _text(b.get("given_name_key"))
    if ca and ca == cb:
        return "compatible", N_("the same name (a diminutive, spelling or transliteration)")
    spelling = _given_table()[1]
    if ca in spelling and cb in spelling:
        return "conflict", N_("two different given names")
    return "differs", ""


def _compare_patronymic(a: dict, b: dict) -> tuple[str, str]:
    initials = _compare_initials(a, b, "patronymic")
    if initials is not None:
        return initials
    ka, kb = _text(a.get("patronymic_key")), _text(b.get("patronymic_key"))
    if ka and ka == kb:
        return "compatible", N_("the same patronymic, written differently")
    sa, sb = _PATR_SUFFIX.sub("", ka), _PATR_SUFFIX.sub("", kb)
    if _PATR_SUFFIX.search(ka) and _PATR_SUFFIX.search(kb) and _edits_over_one(sa, sb):
        return "conflict", N_("the fathers' names differ")
    return "differs", ""


NAME_PARTS = (("surname", N_("surname"), _compare_surname),
              ("given_name", N_("given name"), _compare_given),
              ("patronymic", N_("patronymic"), _compare_patronymic))


def name_rows(a: dict, b: dict) -> list[dict[str, Any]]:
    """One row per name part that either record has, and the name as each source wrote it."""
    rows = []
    for part, label, compare in NAME_PARTS:
        (va, ra), (vb, rb) = _name_part(a, part), _name_part(b, part)
        if not va and not vb:
            continue
        state, why = _sides(va, vb), ""
        if state is None:
            state, why = compare(a, b)
        elif state == "equal" and ra and rb and ra.casefold() != rb.casefold():
            state, why = "compatible", N_("the same name, written differently")
        rows.append(_row(part, label, va, vb, state, why, ra, rb))
    wa, wb = _as_written(a), _as_written(b)
    if wa or wb:
        rows.append(_row("name_raw", N_("name as written"), wa, wb, "info"))
    return rows


def _as_written(rec: dict) -> str:
    full = _text(rec.get("full_name_raw"))
    if full:
        return full
    return " ".join(x for x in (_text(rec.get(f"{p}_raw")) for p in
                                ("surname", "given_name", "patronymic")) if x)


# ----------------------------------------------------------------------------- dates
def _interval(rec: dict, kind: str) -> tuple[int, int] | None:
    year = _int(rec.get(f"{kind}_year"))
    if year is None:
        return None
    precision = _text(rec.get(f"{kind}_precision")) if kind == "birth" else ""
    try:
        return birth_interval(year, _int(rec.get(f"{kind}_month")), _int(rec.get(f"{kind}_day")),
                              precision or None, _int(rec.get("death_month")),
                              _int(rec.get("death_day")))
    except (TypeError, ValueError):
        return None


def _ymd(rec: dict, kind: str) -> tuple[int | None, int | None, int | None]:
    return tuple(_int(rec.get(f"{kind}_{p}")) for p in ("year", "month", "day"))  # type: ignore


def compare_dates(a: dict, b: dict, kind: str) -> tuple[str, str]:
    """State of two dates (``kind`` ``"birth"`` or ``"death"``) by their precision."""
    ia, ib = _interval(a, kind), _interval(b, kind)
    if ia is None or ib is None:
        return "differs", N_("one of the dates could not be read")
    if ia == ib:
        return "equal" if ia[0] == ia[1] else "compatible", ""
    gap = interval_gap(ia, ib)
    if gap <= 0:
        return "compatible", N_("one date is less precise, and they agree")
    if kind == "birth":
        if gap > YEAR_SPAN:
            return "conflict", N_("more than a year apart beyond their precision")
        ya, yb = _ymd(a, kind), _ymd(b, kind)
        if None not in ya and None not in yb:
            n_diff = sum(x != y for x, y in zip(ya, yb))
            transposed = ya[0] == yb[0] and ya[1] == yb[2] and ya[2] == yb[1]
            if n_diff >= 2 and not transposed and abs(ia[0] - ib[0]) > 1:
                return "conflict", N_("two full dates that differ in more than one part")
    return "differs", ""


def date_rows(a: dict, b: dict) -> list[dict[str, Any]]:
    rows = []
    for kind, label in (("birth", N_("birth date")), ("death", N_("death date"))):
        va, vb = _text(a.get(f"{kind}_date_raw")), _text(b.get(f"{kind}_date_raw"))
        if not va and not vb:
            continue
        state, why = _sides(va, vb), ""
        if state is None or (state == "equal" and _interval(a, kind) != _interval(b, kind)):
            state, why = compare_dates(a, b, kind)
        rows.append(_row(f"{kind}_date", label, va, vb, state, why))
    return rows


# ----------------------------------------------------------------------------- the rest
def other_rows(a: dict, b: dict) -> list[dict[str, Any]]:
    rows = []
    ra, rb = _text(a.get("region_raw")), _text(b.get("region_raw"))
    ca, cb = _text(a.get("region_iso")), _text(b.get("region_iso"))
    if ra or rb or ca or cb:
        state, why = _sides(ca or ra, cb or rb) or "differs", ""
        if state == "equal" and ra.casefold() != rb.casefold():
            state, why = "compatible", N_("the same region, written differently")
        rows.append(_row("region", N_("region"), _with_code(ra, ca), _with_code(rb, cb), state,
                         why))
    for key, label in (("unit", N_("unit")), ("rank", N_("rank"))):
        va, vb = _text(a.get(key)), _text(b.get(key))
        if va or vb:
            rows.append(_row(key, label, va, vb, _sides(va, vb) or "differs"))
    for key, label in (("source_url", N_("source")), ("notes", N_("notes"))):
        va, vb = _text(a.get(key)), _text(b.get(key))
        if va or vb:
            rows.append(_row(key, label, va, vb, "info"))
    return rows


def _with_code(raw: str, code: str) -> str:
    if code and raw and code != raw:
        return f"{raw} ({code})"
    return raw or code


def compare_records(a: dict, b: dict) -> list[dict[str, Any]]:
    """The rows a reviewer sees for records ``a`` and ``b`` (dicts of :data:`COLUMNS`), each with
    its ``state`` (:data:`STATES`) and, where it helps, ``why`` (an English message id)."""
    return name_rows(a, b) + date_rows(a, b) + other_rows(a, b)


def clustering_refuses(a: dict, b: dict) -> bool:
    """True when the clustering never joins the two records (:class:`Conflicts`, the one rule),
    unless a reviewer decides they match."""
    return refused_pairs({"a": a, "b": b}, [("a", "b")])[0]


def refused_pairs(records: dict[str, dict], pairs: list[tuple[str, str]]) -> list[bool]:
    """:func:`clustering_refuses` for many pairs of ``records`` (uid -> record) at once; a pair
    with a record that is not there is not refused."""
    uids = sorted({u for pair in pairs for u in pair if u in records})
    if not uids:
        return [False] * len(pairs)
    frame = pd.DataFrame([{c: records[u].get(c) for c in Conflicts.COLUMNS} for u in uids])
    for c in ("birth_year", "birth_month", "birth_day", "death_month", "death_day"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    pos = {u: i for i, u in enumerate(uids)}
    known = [k for k, (x, y) in enumerate(pairs) if x in pos and y in pos]
    hit = Conflicts(frame).of([pos[pairs[k][0]] for k in known], [pos[pairs[k][1]] for k in known])
    out = [False] * len(pairs)
    for k, h in zip(known, hit.tolist(), strict=True):
        out[k] = bool(h)
    return out


# ----------------------------------------------------------------------------- why it scored so
def safe_link(url) -> str | None:
    """``url`` when it is an absolute http(s) address (a link a reviewer may open), else None:
    ``javascript:``, ``data:``, relative and malformed addresses are shown as text only."""
    from urllib.parse import urlsplit

    text = _text(url)
    if not text or any(ch in text for ch in "\\\"'<> ") or len(text) > 2000:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _level_labels(model: dict | None) -> dict[str, list[str]]:
    """Per comparison, the label of each comparison level by its value (Splink numbers the
    levels other than the null level from the last, 0, to the first, the best agreement)."""
    out: dict[str, list[str]] = {}
    for comp in (model or {}).get("comparisons", []):
        name = comp.get("output_column_name")
        levels = [lv for lv in comp.get("comparison_levels", []) if not lv.get("is_null_level")]
        if name:
            out[name] = [str(lv.get("label_for_charts", "")) for lv in reversed(levels)]
    return out


def weight_chart(detail: dict | None, model: dict | None,
                 match_weight: float | None) -> dict[str, Any] | None:
    """Why a pair scored what it did: the trained model's match weight (log2 Bayes factor) for
    each comparison, the prior, and what is left (term-frequency adjustments: a common name
    agrees with less weight than a rare one), adding up to the pair's match weight.

    Parameters
    ----------
    detail
        The pair's stored comparison levels and weights (``{"gamma": ..., "weights": ...}``).
    model
        The run's trained Splink settings (``link_runs.model_json``).
    match_weight
        The pair's match weight.

    Returns
    -------
    ``{"prior": w, "bars": [{"comparison", "weight", "level", "gamma"}], "other": w,
    "total": w}``, or None when the run stored no weights for this pair.

    References
    ----------
    Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage. *JASA* 64(328),
    1183-1210. https://doi.org/10.1080/01621459.1969.10501049 (match weights as log Bayes
    factors that add up).
    """
    if not isinstance(detail, dict) or not isinstance(detail.get("weights"), dict):
        return None
    gamma = detail.get("gamma") or {}
    labels = _level_labels(model)
    lam = (model or {}).get("probability_two_random_records_match")
    prior = math.log2(lam / (1 - lam)) if isinstance(lam, float) and 0 < lam < 1 else None
    bars = []
    for name, w in detail["weights"].items():
        g = gamma.get(name)
        names = labels.get(name, [])
        level = ("" if g is None else N_("missing on one side") if g < 0
                 else names[g] if g < len(names) else "")
        bars.append({"comparison": name, "weight": float(w), "gamma": g, "level": level})
    total = None if match_weight is None or not math.isfinite(match_weight) else float(match_weight)
    other = None
    if total is not None and prior is not None:
        other = round(total - prior - sum(b["weight"] for b in bars), 3)
    return {"prior": prior, "bars": bars, "other": other, "total": total}
