"""Published claims, stated precisely and evaluated against data.

A claims file (YAML or TOML) holds a list ``claims``; each claim names a *quantity* computed from the
data, the *regions* it is about (a rule), a *threshold* the quantity must meet, and where the claim
comes from (``source``, ``date``, ``url``), the ``period`` and the ``measure`` it speaks of. Because
words like "poor regions" or "the local wage" admit several readings, each claim is evaluated under
its primary definition and under ``alternatives`` (each overrides some fields); when the claim gives
none, the documented defaults in :data:`DEFAULT_ALTERNATIVES` are used. The verdict:

- ``supported``: the threshold is met under every definition;
- ``not supported``: it is met under none;
- ``depends on definition``: the definitions disagree; the report names the ones that flip it;
- ``not evaluable``: the data hold no deaths in the claim's period.

Quantities:

``share_of_deaths``
    deaths in the region set / all deaths with a region (a fraction).
``representation_ratio``
    (share of deaths) / (share of men aged 16-61) of the region set: 1 = proportional.
``pay_ratio``
    a regional sign-up bonus / the regional mean income per capita (monthly, or annual = 12x),
    aggregated over the regions with a figure (``aggregate``: median, max or min). The indicators
    hold *mean money income per capita*, not wages: wages are higher, so ratios to income overstate
    ratios to wages.

Region rules (``regions: {rule: ...}``) are listed in :data:`RULES`; see ``docs/claims.md``.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ConfigError
from .concentration import POORER_IS_HIGHER
from .reference import load_bonuses, load_indicators
from .regions import regional_rates

CLAIM_FIELDS = {"id", "statement", "source", "date", "url", "period", "measure", "quantity",
                "regions", "threshold", "alternatives", "bonus", "income", "aggregate", "notes"}
REQUIRED = ("id", "statement", "source", "date", "period", "measure", "quantity", "threshold")
ALT_FIELDS = {"label", "regions", "threshold", "bonus", "income", "aggregate", "note"}
REGION_FIELDS = {"rule", "indicator", "weight", "fraction", "codes", "districts", "of", "value"}
THRESHOLD_FIELDS = {"op", "value"}
BONUS_FIELDS = {"component", "include_uncertain"}
INCOME_FIELDS = {"basis", "column"}
QUANTITIES = ("share_of_deaths", "representation_ratio", "pay_ratio")
RULES = ("all", "list", "federal_district", "poorer_than_median", "poorest_fraction",
         "above_median", "below_median", "top_quartile", "bottom_quartile", "above", "below",
         "all_of", "any_of", "not")
OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
MEASURES = ("killed", "killed_or_wounded", "named_confirmed")
FEDERAL_BONUS_RUB = 400_000  # federal one-time payment from August 2024 (see the bonuses README)
INCOME_COLUMN = "mean_income_per_capita_rub_month_2020"

# Reasonable readings used when a claim lists no alternatives (documented in docs/claims.md).
_POOR = {"rule": "poorer_than_median", "indicator": "pct_below_subsistence_2020"}
DEFAULT_ALTERNATIVES: dict[str, list[dict]] = {
    "share_of_deaths": [
        {"label": "poverty above the men-weighted median",
         "regions": {**_POOR, "weight": "men"}},
        {"label": "poorest quarter of regions by poverty",
         "regions": {"rule": "top_quartile", "indicator": "pct_below_subsistence_2020"}},
        {"label": "income per capita below the regional median",
         "regions": {"rule": "poorer_than_median",
                     "indicator": "mean_income_per_capita_rub_month_2020"}},
        {"label": "unemployment above the regional median",
         "regions": {"rule": "poorer_than_median", "indicator": "unemployment_rate_2020"}},
        {"label": "poor on any of poverty, income, unemployment (widest)",
         "regions": {"rule": "any_of", "of": [
             _POOR,
             {"rule": "poorer_than_median", "indicator": "mean_income_per_capita_rub_month_2020"},
             {"rule": "poorer_than_median", "indicator": "unemployment_rate_2020"}]}},
        {"label": "everything outside Moscow, St Petersburg and their oblasts (widest 'remote')",
         "regions": {"rule": "not", "of": [{"rule": "list", "codes": [
             "RU-MOW", "RU-SPE", "RU-MOS", "RU-LEN"]}]}},
    ],
    "representation_ratio": [
        {"label": "capitals with their oblasts (agglomerations)",
         "regions": {"rule": "list", "codes": ["RU-MOW", "RU-SPE", "RU-MOS", "RU-LEN"]}},
    ],
    "pay_ratio": [
        {"label": "total bonus (regional + federal 400,000) / monthly income",
         "bonus": {"component": "total"}},
        {"label": "regional bonus / annual income (12 x monthly)",
         "income": {"basis": "annual"}},
        {"label": "total bonus / annual income", "bonus": {"component": "total"},
         "income": {"basis": "annual"}},
    ],
}


@dataclass(frozen=True)
class Evaluation:
    """The value of a claim's quantity under one definition."""

    label: str
    value: float
    holds: bool
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict with the numbers under every definition."""

    claim: dict
    verdict: str  # supported | not supported | depends on definition | not evaluable
    evaluations: tuple[Evaluation, ...]
    notes: tuple[str, ...] = ()

    @property
    def flipping(self) -> list[str]:
        """Labels of the definitions that disagree with the primary one."""
        if not self.evaluations:
            return []
        first = self.evaluations[0].holds
        return [e.label for e in self.evaluations[1:] if e.holds != first]

    def to_dict(self) -> dict:
        return {"id": self.claim["id"], "statement": self.claim["statement"],
                "verdict": self.verdict, "flipping": self.flipping, "notes": list(self.notes),
                "evaluations": [{"label": e.label, "value": e.value, "holds": e.holds,
                                 **{k: v for k, v in e.detail.items() if k != "regions"}}
                                for e in self.evaluations]}


# ---------------------------------------------------------------------------------- reading
def _check_fields(obj, valid: set, where: str, path: Path) -> None:
    if not isinstance(obj, dict):
        raise ConfigError(f"{where} must be a table/mapping, got {type(obj).__name__}", file=path)
    for key in obj:
        if key not in valid:
            close = difflib.get_close_matches(str(key), sorted(valid), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{where}: unknown field {key!r}.{hint} Valid fields: "
                              f"{', '.join(sorted(valid))}.", file=path, column=str(key),
                              value=key)


def _check_regions(spec, where: str, path: Path) -> None:
    _check_fields(spec, REGION_FIELDS, where, path)
    rule = spec.get("rule")
    if rule not in RULES:
        raise ConfigError(f"{where}: rule {rule!r} is not one of {', '.join(RULES)}", file=path,
                          column="rule", value=rule)
    for i, sub in enumerate(spec.get("of", []) or []):
        _check_regions(sub, f"{where}.of[{i}]", path)


def _check_claim(c: dict, i: int, path: Path) -> None:
    where = f"claim {i + 1} ({c.get('id', '?')})" if isinstance(c, dict) else f"claim {i + 1}"
    _check_fields(c, CLAIM_FIELDS, where, path)
    for key in REQUIRED:
        if key not in c:
            raise ConfigError(f"{where}: missing field {key!r} (required: {', '.join(REQUIRED)})",
                              file=path, column=key)
    if c["quantity"] not in QUANTITIES:
        raise ConfigError(f"{where}: quantity {c['quantity']!r} is not one of "
                          f"{', '.join(QUANTITIES)}", file=path, column="quantity",
                          value=c["quantity"])
    _check_threshold(c["threshold"], where, path)
    _check_value(c, "measure", MEASURES, where, path)
    _check_settings(c, where, path)
    if "regions" in c:
        _check_regions(c["regions"], f"{where}.regions", path)
    elif c["quantity"] != "pay_ratio":
        raise ConfigError(f"{where}: missing field 'regions' (needed for {c['quantity']})",
                          file=path, column="regions")
    for key, valid in (("bonus", BONUS_FIELDS), ("income", INCOME_FIELDS)):
        if key in c:
            _check_fields(c[key], valid, f"{where}.{key}", path)
    for j, alt in enumerate(c.get("alternatives", []) or []):
        w = f"{where}.alternatives[{j}]"
        _check_fields(alt, ALT_FIELDS, w, path)
        if "regions" in alt:
            _check_regions(alt["regions"], f"{w}.regions", path)
        if "threshold" in alt:
            _check_threshold(alt["threshold"], w, path)
        _check_settings(alt, w, path)
        for key, valid in (("bonus", BONUS_FIELDS), ("income", INCOME_FIELDS)):
            if key in alt:
                _check_fields(alt[key], valid, f"{w}.{key}", path)


def _check_value(obj: dict, key: str, allowed, where: str, path: Path) -> None:
    if key in obj and obj[key] not in allowed:
        raise ConfigError(f"{where}: {key} {obj[key]!r} is not one of {', '.join(allowed)}",
                          file=path, column=key, value=obj[key])


def _check_settings(obj: dict, where: str, path: Path) -> None:
    _check_value(obj, "aggregate", ("median", "max", "min"), where, path)
    if isinstance(obj.get("bonus"), dict):
        _check_value(obj["bonus"], "component", ("regional", "total"), f"{where}.bonus", path)
    if isinstance(obj.get("income"), dict):
        _check_value(obj["income"], "basis", ("monthly", "annual"), f"{where}.income", path)


def _check_threshold(t, where: str, path: Path) -> None:
    _check_fields(t, THRESHOLD_FIELDS, f"{where}.threshold", path)
    if t.get("op") not in OPS or not isinstance(t.get("value"), int | float):
        raise ConfigError(f"{where}.threshold needs op (one of {', '.join(OPS)}) and a numeric "
                          f"value; got {t!r}", file=path, column="threshold")


def load_claims(path: str | Path) -> list[dict]:
    """Read and validate a claims file (``.yaml``/``.yml`` or ``.toml``).

    Raises
    ------
    ConfigError
        For a syntax error, an unknown or missing field (naming the field, the file and the valid
        fields), an unknown quantity, rule or operator.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read the claims file: {err}", file=path) from err
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as err:  # yaml.YAMLError, tomllib.TOMLDecodeError
        raise ConfigError(f"not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {err}",
                          file=path) from err
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ConfigError("a claims file holds a list named 'claims' (YAML: 'claims:' then '- id: "
                          "...'; TOML: '[[claims]]' tables)", file=path, column="claims")
    _check_fields(data, {"claims", "title", "notes"}, "top level", path)
    for i, c in enumerate(data["claims"]):
        _check_claim(c, i, path)
    return data["claims"]


# ---------------------------------------------------------------------------------- region sets
def _median(values, weights=None) -> float:
    v = np.asarray(values, float)
    if weights is None:
        return float(np.median(v))
    w = np.asarray(weights, float)
    idx = np.argsort(v, kind="stable")
    cum = np.cumsum(w[idx]) / w.sum()
    return float(v[idx][np.searchsorted(cum, 0.5)])


def region_set(rates, spec: dict) -> np.ndarray:
    """Boolean mask over the rows of ``rates`` selected by a region rule (see :data:`RULES`).

    Regions without a denominator or without the indicator are never selected by indicator rules.
    """
    rule = spec["rule"]
    n = len(rates)
    if rule == "all":
        return rates["men"].notna().to_numpy()
    if rule == "list":
        return rates["iso_code"].isin(spec.get("codes", [])).to_numpy()
    if rule == "federal_district":
        return rates["federal_district"].isin(spec.get("districts", [])).to_numpy()
    if rule in ("all_of", "any_of", "not"):
        masks = [region_set(rates, s) for s in spec.get("of", [])]
        if rule == "all_of":
            return np.logical_and.reduce(masks) if masks else np.ones(n, bool)
        if rule == "any_of":
            return np.logical_or.reduce(masks) if masks else np.zeros(n, bool)
        return rates["men"].notna().to_numpy() & ~np.logical_or.reduce(masks)
    return _indicator_set(rates, spec)


def _indicator_set(rates, spec: dict) -> np.ndarray:
    rule, name = spec["rule"], spec.get("indicator")
    if name not in rates.columns:
        raise ConfigError(f"regions rule {rule!r} needs an indicator column; {name!r} is not one "
                          f"of {', '.join(c for c in rates.columns if c not in ('iso_code',))}",
                          column="indicator", value=name)
    v = rates[name].to_numpy(float)
    ok = np.isfinite(v) & rates["men"].notna().to_numpy()
    w = rates["men"].to_numpy(float)[ok] if spec.get("weight") == "men" else None
    high = POORER_IS_HIGHER.get(name, True)
    if rule == "poorer_than_median":
        rule = "above_median" if high else "below_median"
    if rule == "poorest_fraction":
        f = float(spec.get("fraction", 0.25))
        q = np.quantile(v[ok], 1 - f if high else f)
        return ok & ((v >= q) if high else (v <= q))
    if rule in ("above_median", "below_median"):
        m = _median(v[ok], w)
        return ok & ((v > m) if rule == "above_median" else (v < m))
    if rule in ("top_quartile", "bottom_quartile"):
        q = np.quantile(v[ok], 0.75 if rule == "top_quartile" else 0.25)
        return ok & ((v >= q) if rule == "top_quartile" else (v <= q))
    value = float(spec["value"])
    return ok & ((v > value) if rule == "above" else (v < value))


def describe_regions(spec: dict) -> str:
    """A short human reading of a region rule."""
    rule = spec["rule"]
    if rule == "list":
        return "regions " + ", ".join(spec.get("codes", []))
    if rule == "federal_district":
        return "federal districts " + ", ".join(spec.get("districts", []))
    if rule in ("all_of", "any_of", "not"):
        joiner = {"all_of": " and ", "any_of": " or ", "not": " or "}[rule]
        inner = joiner.join(f"({describe_regions(s)})" for s in spec.get("of", []))
        return f"not {inner}" if rule == "not" else inner
    w = " (men-weighted)" if spec.get("weight") == "men" else ""
    extra = f" {spec.get('fraction', '')}" if rule == "poorest_fraction" else ""
    extra += f" {spec['value']}" if rule in ("above", "below") else ""
    return f"{spec.get('indicator', '')} {rule.replace('_', ' ')}{extra}{w}"


# ---------------------------------------------------------------------------------- quantities
def _share(rates, mask, denominator: str) -> tuple[float, dict]:
    d = rates["deaths"].to_numpy(float)
    m = rates["men"].to_numpy(float)
    has = np.isfinite(m)
    sd = d[mask].sum() / d.sum()
    sm = np.nansum(m[mask & has]) / np.nansum(m[has])
    detail = {"share_of_deaths": float(sd), "share_of_men": float(sm),
              "regions": rates.loc[mask, "iso_code"].tolist(), "n_regions": int(mask.sum()),
              "deaths": int(d[mask].sum())}
    return (float(sd) if denominator == "deaths" else float(sd / sm)), detail


def _bonus_rows(bonuses, component: str, include_uncertain: bool):
    b = bonuses[bonuses["iso_code"].astype(str).str.strip() != ""].copy()
    if not include_uncertain:
        cert = b["certainty"].astype(str).str.casefold()
        b = b[~cert.str.startswith("uncertain") & ~cert.str.contains("ukrainian intelligence")]
    comp = b["component"].astype(str).str.casefold()
    is_total = comp.str.startswith("total")
    regional = np.where(is_total, b["amount_rub"] - FEDERAL_BONUS_RUB, b["amount_rub"])
    b["bonus_rub"] = regional + (FEDERAL_BONUS_RUB if component == "total" else 0)
    return b


def pay_ratios(bonuses, rates, *, component: str = "regional", basis: str = "monthly",
               include_uncertain: bool = False, column: str = INCOME_COLUMN):
    """One row per quoted regional bonus: the bonus, the region's income, and their ratio.

    ``component``: ``regional`` (the region's own payment) or ``total`` (plus the federal
    400,000 roubles). ``basis``: divide by ``monthly`` income per capita, or ``annual`` (12x).
    Rows whose certainty is 'uncertain...' or from Ukrainian intelligence are left out unless
    ``include_uncertain``.
    """
    b = _bonus_rows(bonuses, component, include_uncertain)
    income = rates.set_index("iso_code")[column]
    b["income_rub"] = b["iso_code"].map(income) * (12 if basis == "annual" else 1)
    b["ratio"] = b["bonus_rub"] / b["income_rub"]
    return b[b["ratio"].notna()].reset_index(drop=True)


def _pay(bonuses, rates, settings: dict) -> tuple[float, dict]:
    bonus, income = settings.get("bonus", {}), settings.get("income", {})
    t = pay_ratios(bonuses, rates, component=bonus.get("component", "regional"),
                   basis=income.get("basis", "monthly"),
                   include_uncertain=bool(bonus.get("include_uncertain", False)),
                   column=income.get("column", INCOME_COLUMN))
    agg = settings.get("aggregate", "median")
    if t.empty:
        return float("nan"), {"n_figures": 0}
    value = float({"median": np.median, "max": np.max, "min": np.min}[agg](t["ratio"]))
    return value, {"aggregate": agg, "n_figures": len(t), "min": float(t["ratio"].min()),
                   "median": float(t["ratio"].median()), "max": float(t["ratio"].max()),
                   "component": bonus.get("component", "regional"),
                   "basis": income.get("basis", "monthly")}


def _evaluate_one(claim: dict, settings: dict, rates, bonuses, label: str) -> Evaluation:
    q = claim["quantity"]
    if q == "pay_ratio":
        value, detail = _pay(bonuses, rates, settings)
    else:
        mask = region_set(rates, settings["regions"])
        value, detail = _share(rates, mask, "deaths" if q == "share_of_deaths" else "men")
        detail["definition"] = describe_regions(settings["regions"])
    t = settings["threshold"]
    holds = bool(math.isfinite(value) and OPS[t["op"]](value, t["value"]))
    detail["threshold"] = f"{t['op']} {t['value']}"
    return Evaluation(label=label, value=value, holds=holds, detail=detail)


def evaluate_claim(claim: dict, rates, bonuses=None) -> Verdict:
    """Evaluate one validated claim under its primary definition and every alternative.

    Parameters
    ----------
    claim
        A claim as returned by :func:`load_claims`.
    rates
        :func:`~uncounted.analysis.regions.regional_rates` of the data (deaths, men, indicators).
    bonuses
        The sign-up bonus table (default: the packaged one) for ``pay_ratio`` claims.
    """

    if claim["quantity"] == "pay_ratio" and bonuses is None:
        bonuses = load_bonuses()
    base = {k: claim[k] for k in ("regions", "threshold", "bonus", "income", "aggregate")
            if k in claim}
    alts = claim.get("alternatives")
    if alts is None:
        alts = DEFAULT_ALTERNATIVES.get(claim["quantity"], [])
    evals = [_evaluate_one(claim, base, rates, bonuses, "primary: " + _label(claim, base))]
    for i, alt in enumerate(alts):
        settings = {**base, **{k: v for k, v in alt.items() if k not in ("label", "note")}}
        evals.append(_evaluate_one(claim, settings, rates, bonuses,
                                   alt.get("label", f"alternative {i + 1}")))
    held = {e.holds for e in evals}
    verdict = ("supported" if held == {True} else "not supported" if held == {False}
               else "depends on definition")
    return Verdict(claim=claim, verdict=verdict, evaluations=tuple(evals),
                   notes=tuple(_notes(claim, rates)))


def _label(claim: dict, settings: dict) -> str:
    if claim["quantity"] == "pay_ratio":
        b, i = settings.get("bonus", {}), settings.get("income", {})
        return (f"{b.get('component', 'regional')} bonus / {i.get('basis', 'monthly')} income "
                f"per capita ({settings.get('aggregate', 'median')})")
    return describe_regions(settings["regions"])


def _notes(claim: dict, rates) -> list[str]:
    notes = []
    measure = rates.attrs.get("measure", "named_confirmed")
    if claim["measure"] != measure and claim["quantity"] != "pay_ratio":
        notes.append(f"the claim is about '{claim['measure']}' but the data are '{measure}': the "
                     f"evaluation assumes the {measure} deaths are distributed across regions like "
                     f"all {claim['measure']} deaths")
    if claim["quantity"] == "pay_ratio":
        notes.append("income is Rosstat's mean money income per capita (2020), not the average "
                     "wage; wages are higher, so these ratios overstate bonus-to-wage ratios; "
                     "bonuses are 2024-2026 roubles against 2020 incomes")
    return notes


def evaluate_claims(claims: list[dict], rates, bonuses=None) -> list[Verdict]:
    """Evaluate every claim (see :func:`evaluate_claim`)."""
    return [evaluate_claim(c, rates, bonuses) for c in claims]


def verdict_table(verdicts: list[Verdict]):
    """One row per claim and definition: a DataFrame for CSV output."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for v in verdicts:
        for e in v.evaluations:
            rows.append({"id": v.claim["id"], "verdict": v.verdict, "definition": e.label,
                         "value": e.value, "threshold": e.detail.get("threshold"),
                         "holds": e.holds, "share_of_deaths": e.detail.get("share_of_deaths"),
                         "share_of_men": e.detail.get("share_of_men"),
                         "n_regions": e.detail.get("n_regions", e.detail.get("n_figures"))})
    return pd.DataFrame(rows)


def _period_bounds(period) -> tuple[str | None, str | None]:
    if isinstance(period, dict):
        return (str(period["start"]) if period.get("start") else None,
                str(period["end"]) if period.get("end") else None)
    text = str(period)
    if "/" in text:
        a, b = (s.strip() for s in text.split("/", 1))
        return a or None, b or None
    return None, None


def filter_period(deaths, period):
    """Keep the deaths dated within ``period`` ("START/END", ISO dates; either side may be open).

    Undated deaths are kept (and counted in the returned ``undated``); returns ``(frame, undated)``.
    """
    frame = getattr(deaths, "frame", deaths)
    start, end = _period_bounds(period)
    dates = frame["date"].astype("string").str.strip()
    dated = dates.notna() & (dates != "")
    keep = ~dated
    inside = dated.copy()
    if start:
        inside &= dates.fillna("") >= start
    if end:
        inside &= dates.fillna("").str.slice(0, len(end)) <= end
    keep |= inside
    return frame[keep.to_numpy()].reset_index(drop=True), int((~dated).sum())


def evaluate_on_deaths(claims: list[dict], deaths, indicators=None, *, bonuses=None,
                       measure: str = "named_confirmed") -> list[Verdict]:
    """Evaluate claims on a list of deaths: rates are computed for each claim's period.

    ``measure`` says what the deaths are (``named_confirmed`` for a list of named dead).
    """
    import pandas as pd

    ind = indicators if isinstance(indicators, pd.DataFrame) else load_indicators(indicators)
    cache: dict[str, Any] = {}
    out = []
    for c in claims:
        key = str(c["period"])
        if key not in cache:
            frame, undated = filter_period(deaths, c["period"])
            r = regional_rates(frame, ind)
            r.attrs["measure"] = measure
            cache[key] = (r, undated)
        rates, undated = cache[key]
        if c["quantity"] != "pay_ratio" and rates["deaths"].sum() == 0:
            note = f"no deaths with a region in the period {c['period']}"
            out.append(Verdict(c, "not evaluable", (), (note,)))
            continue
        v = evaluate_claim(c, rates, bonuses)
        if undated and c["quantity"] != "pay_ratio":
            v = Verdict(v.claim, v.verdict, v.evaluations,
                        v.notes + (f"{undated:,} deaths without a date were kept",))
        out.append(v)
    return out
