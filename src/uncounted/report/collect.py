"""Gather everything the report shows into one JSON-ready dict.

Two sources: a project folder (lists, imports, the latest link run, review decisions, persons) or a
plain capture-table CSV (useful before any linkage exists). The dict is what ``--format json``
prints and what the HTML template renders; charts are added beside it by :mod:`.render`.
"""

from __future__ import annotations

import importlib.metadata
import platform
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.ledger import load_ledger as _load_ledger
from ..analysis.regions import regional_rates
from ..exceptions import InputError, UncountedError, UncountedWarning
from ..histories import Persons, capture_table, current_persons, flag_missed_links, missed_measure
from ..i18n import N_
from ..i18n.labels import model_label
from ..linkage.review import review_progress
from ..mse.api import estimate
from ..mse.registry import available_methods, make_estimator
from ..mse.status import CODES
from ..mse.table import CaptureTable, pattern_label, popcount
from ..project import Project
from ..records.regions import federal_subjects
from ..store import UNKNOWN, Store

VERSIONED = ["uncounted", "numpy", "scipy", "pandas", "statsmodels", "duckdb", "splink", "numba",
             "jinja2", "matplotlib"]
MAX_STRATA = 60
#: Which method's per-stratum rows the strata section shows when several ran, best first.
STRATA_CHART_ORDER = ("loglinear", "lcmcr", "dga", "chao", "lincoln-petersen")


def collect(source: str | Path, *, methods: Sequence[str] | str | None = None,
            strata: Sequence[str] | None = None, level: float | None = None,
            seed: int | None = None, store=None,
            lists: Sequence[str] | None = None, progress=None) -> dict[str, Any]:
    """Report data for a project folder or a capture-table CSV.

    Parameters
    ----------
    source
        A project folder (holding ``uncounted.toml``) or a capture-table CSV file.
    methods
        Estimators to run (default: the project's ``[estimate] methods`` plus every other available
        one that applies, i.e. ``"all"``).
    strata
        Stratum columns of a CSV table (projects are stratified by region).
    lists
        List columns of a CSV table (names or patterns such as ``"in_*"``; default: every column
        but ``count`` and the strata), as ``uncounted estimate --lists``. Other columns are
        ignored.
    level, seed
        Interval level and seed (default: the project's settings, else 0.95 and 1).
    store
        For a project: a context manager that yields its open :class:`~uncounted.store.Store`
        (the review server passes its own, held under its lock); default: open it read-only.
    progress
        Called as :func:`uncounted.mse.api.estimate`'s ``progress`` while the estimators run; if
        it has ``sampler`` and ``stratum`` attributes (``uncounted._console.count_progress``),
        they get the samplers' and the strata's reports.
    """
    path = Path(source)
    if path.is_dir():
        return _from_project(path, methods=methods, level=level, seed=seed, store=store,
                             progress=progress)
    if path.is_file():
        return _from_table(path, methods=methods, strata=strata, level=level, seed=seed,
                           lists=lists, progress=progress)
    raise InputError("is neither a project folder nor a capture-table CSV. Give the folder made by "
                     "'uncounted init' or a CSV file.", file=path)


def _base(title: str, kind: str, path: Path) -> dict[str, Any]:
    return {"title": title, "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "source": {"kind": kind, "path": str(path)}, "lists": [], "capture": None,
            "linkage": None, "estimates": [], "stored_estimates": [], "strata": None,
            "regions": None, "ledger": load_ledger(), "notes": [], "simulated": False,
            "headline": None,
            "reproducibility": {"versions": versions(), "python": platform.python_version()}}


def _from_table(path: Path, *, methods, strata, level, seed, lists=None,
                progress=None) -> dict[str, Any]:
    table = CaptureTable.from_csv(path, strata=strata, lists=lists)
    level = 0.95 if level is None else level
    seed = 1 if seed is None else seed
    # The strata the user names are estimated apart and summed, as `uncounted estimate --strata`
    # and the web's estimation pages do: the headline is then a sum over strata. It used to be
    # the estimate of the table pooled over them (verdata by year and sex: 41,200 pooled against
    # 35,071 summed), a different figure from the one `estimate` gives for the same command.
    rows, by_stratum = split_strata(run_estimates(table, methods or "all", level=level,
                                                  seed=seed, progress=progress),
                                    table.strata_columns)
    return table_data(table, rows, strata=by_stratum, path=path, level=level, seed=seed)


def is_stratum_row(row: dict) -> bool:
    """Whether an ``Estimate.to_dict()`` row is one stratum's, not a method's ``"total"`` or the
    row of an unstratified fit."""
    return row.get("stratum") not in (None, "total")


def split_strata(rows: list[dict], columns: Sequence[str]) -> tuple[list[dict],
                                                                   dict[str, Any] | None]:
    """Split the rows of a stratified run (:func:`uncounted.mse.api.estimate`) into one row per
    method (the ``"total"`` sums, and methods that applied to no stratum) and the strata section:
    the per-stratum rows of the first of :data:`STRATA_CHART_ORDER` that ran, largest strata
    first, at most :data:`MAX_STRATA` (None when there are no per-stratum rows)."""
    main = [r for r in rows if not is_stratum_row(r)]
    per = [r for r in rows if is_stratum_row(r)]
    if not per:
        return main, None
    have = {r["method"] for r in per}
    method = next((m for m in STRATA_CHART_ORDER if m in have), per[0]["method"])
    shown = sorted((r for r in per if r["method"] == method), key=lambda r: -r["observed"])
    return main, {"column": ",".join(columns), "method": method, "rows": shown[:MAX_STRATA],
                  "n_strata": len(shown), "shown": min(len(shown), MAX_STRATA)}


def table_data(table: CaptureTable, estimates: list[dict], *, strata: dict[str, Any] | None,
               path: Path, level: float, seed: int, title: str | None = None,
               file_name: str | None = None) -> dict[str, Any]:
    """Report data of a capture table whose estimates are already made.

    ``estimates`` are ``Estimate.to_dict()`` rows, ``strata`` a :func:`strata_summary`-shaped
    dict (or None); ``path`` is the CSV read, ``file_name`` the name shown for it (default: the
    path). The review server's estimation pages use it so that the page and the report it offers
    show the same fits, made once.
    """
    data = _base(title or path.name, "table", path)
    data["ledger"] = None  # a bare capture table may be about anything: no war-dead ledger
    data["lists"] = [{"name": k, "n_records": v} for k, v in table.list_totals().items()]
    data["capture"] = capture_summary(table)
    data["estimates"] = estimates
    data["strata"] = strata
    data["reproducibility"].update({
        "input_hash": table.input_hash(),
        "settings": {"level": level, "strata": list(table.strata_columns)},
        "seeds": {"estimate": seed}, "imports": [{"file_name": file_name or str(path),
                                                  "list_name": None,
                                                  "file_sha256": _sha256(path),
                                                  "file_bytes": path.stat().st_size,
                                                  "status": None, "imported_at": None}]})
    data["regions"] = table_regions(table)
    data["notes"].append(N_("Built from a capture table: there is no linkage or review data.")
                         if data["regions"] else
                         N_("Built from a capture table: there is no linkage or review data, and "
                            "no region data."))
    finish(data)
    return data


def _from_project(root: Path, *, methods, level, seed, store=None,
                  progress=None) -> dict[str, Any]:
    import contextlib

    project = Project.open(root)
    if store is None:
        @contextlib.contextmanager
        def opened():
            with project.store(read_only=True) as st:
                yield st

        store = opened()
    level = float(project.setting("estimate", "level", 0.95) if level is None else level)
    seed = int(project.setting("estimate", "seed", 1) if seed is None else seed)
    band = tuple(project.setting("linkage", "review_band", [0.3, 0.9]))
    data = _base(str(project.setting("project", "name", root.name)), "project", root)
    if project.setting("project", "simulated", False):
        # made up: never drawn beside real-world published figures
        data["simulated"] = True
        data["ledger"] = None
    with store as st:
        data["lists"] = [{"name": row["list_name"], **{c: row[c] for c in (
            "description", "n_records", "file_name", "file_sha256", "imported_at")}}
            for row in st.records.lists_overview()]
        run = st.runs.get()
        imports = st.records.imports()
        latest = st.estimates.latest()  # the last batch saved (estimate, demo)
        data["stored_estimates"] = latest["rows"] if latest else []
        if run is None:
            data["notes"].append(N_("No linkage run yet: records are not joined into persons, "
                                    "so there is no capture table to estimate from. Run "
                                    "'uncounted link'."))
            data["reproducibility"].update(_repro_settings(project, imports, None, level, seed))
            data["records"] = st.records.count()
            return data
        persons = current_persons(st)
        data["linkage"] = {
            "run": {k: run[k] for k in ("run_id", "created_at", "backend", "threshold", "n_records",
                                        "n_pairs", "n_persons")},
            "histogram": probability_histogram(st, run["run_id"]),
            "review": {"band": list(band), **review_progress(st, band)},
            "persons_now": persons.n_persons,
            "guard": st.runs.guard(run["run_id"])}     # profile and checks (None: older run)
        data["reproducibility"].update(_repro_settings(project, imports, run, level, seed))
        if len(persons.lists) < 2 or persons.n_persons == 0:
            data["notes"].append(N_("Fewer than two lists with records: nothing to estimate."))
            return data
        table = capture_table(st, strata=["region"], persons=persons)
        missed = missed_measure(st, persons)
        data["regions"] = region_summary(st, persons)
    data["capture"] = capture_summary(table)
    data["reproducibility"]["input_hash"] = table.collapse().input_hash()
    data["estimates"] = run_estimates(table.collapse(), methods or "all", level=level, seed=seed,
                                      missed=missed, progress=progress)
    data["strata"] = strata_summary(table, _strata_method(methods, project), level=level, seed=seed,
                                    column="region")
    rates, why = region_rates(data["regions"], level=level)
    data["regions"]["rates"] = rates
    if why:
        data["regions"]["rates_error"] = why  # in the JSON; the page says it in a plain sentence
    finish(data)
    return data


def probability_histogram(store: Store, run_id: int, bins: int = 20) -> dict[str, Any]:
    """Histogram of the match probabilities of a run's scored pairs."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    p = store.runs.probabilities(run_id)
    counts, _ = np.histogram(p, bins=edges)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "n_pairs": int(p.size)}


def _repro_settings(project, imports, run, level, seed) -> dict[str, Any]:
    out: dict[str, Any] = {"imports": imports, "settings": project.config,
                           "seeds": {"estimate": seed}}
    if run is not None:
        out["link_run"] = {k: run.get(k) for k in ("run_id", "created_at", "backend", "threshold",
                                                   "settings")}
        settings = run.get("settings")
        if isinstance(settings, str):
            import json

            try:
                out["link_run"]["settings"] = json.loads(settings)
            except ValueError:
                pass
    out["settings_level"] = level
    return out


def _strata_method(methods, project=None) -> str:
    """One method for the per-stratum fits: the first requested/configured one, else chao."""

    wanted: list[str] = []
    if isinstance(methods, str):
        wanted = [m for m in methods.split(",") if m != "all"]
    elif methods:
        wanted = [m for m in methods if m != "all"]
    if not wanted and project is not None:
        wanted = list(project.setting("estimate", "methods", []))
    avail = available_methods()
    for m in wanted:
        if m in avail and m != "lincoln-petersen":
            return m
    return "chao"


def capture_summary(table: CaptureTable) -> dict[str, Any]:
    """Patterns (UpSet rows) and list totals of a table (collapsed over strata)."""
    flat = table.collapse()
    patterns = [{"mask": p, "label": pattern_label(p, flat.lists),
                 "members": [flat.lists[j] for j in range(flat.k) if (p >> j) & 1],
                 "count": c}
                for p, c in zip(flat.patterns.tolist(), flat.pattern_counts.tolist(), strict=True)]
    patterns.sort(key=lambda x: (-x["count"], x["mask"]))
    return {"lists": list(flat.lists), "observed": int(flat.observed),
            "list_totals": {k: int(v) for k, v in flat.list_totals().items()},
            "patterns": patterns, "input_hash": flat.input_hash()}


def run_estimates(table: CaptureTable, methods, *, level: float, seed: int,
                  missed: tuple[int, int] | None = None, progress=None) -> list[dict]:
    """Every requested estimator on ``table``, as ``Estimate.to_dict()`` rows (failures kept);
    ``missed``: linkage's measure of its missed joins on the persons ``table`` was made from
    (:func:`uncounted.histories.missed_measure`), weighed against each interval; ``progress``:
    as in :func:`collect`."""

    hooks: dict[str, Any] = {}
    if progress is not None:
        hooks["progress"] = progress
        if getattr(progress, "sampler", None) is not None:
            hooks["sampler_progress"] = progress.sampler
        if table.is_stratified and getattr(progress, "stratum", None) is not None:
            hooks["strata_progress"] = progress.stratum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncountedWarning)
        rows = estimate(table, methods, level=level, seed=seed, **hooks)
    if missed is not None:
        rows = flag_missed_links(rows, missed)
    return [r.to_dict() for r in rows]


def strata_summary(table: CaptureTable, method: str, *, level: float, seed: int,
                   column: str) -> dict[str, Any] | None:
    """Per-stratum estimates with one method (strata beyond ``MAX_STRATA`` are left out)."""

    if not table.is_stratified:
        return None
    est = make_estimator(method, level=level, seed=seed)
    subs = table.by_stratum()
    shown = sorted(subs, key=lambda s: -subs[s].observed)[:MAX_STRATA]
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncountedWarning)
        for label in shown:
            try:
                rows.append(est.fit(subs[label]).replace(stratum=label).to_dict())
            except (UncountedError, ArithmeticError, ValueError) as err:
                rows.append({"method": method, "stratum": label, "observed": subs[label].observed,
                             "estimable": False, "reason": str(err), "estimate": None,
                             "interval": [None, None], "level": level})
    return {"column": column, "method": method, "rows": rows, "n_strata": len(subs),
            "shown": len(shown)}


def region_summary(store: Store, persons: Persons) -> dict[str, Any]:
    """Records and persons by ``region_iso`` (each person in its region, the store's one rule)."""
    import collections

    regions = store.persons.regions(persons.frame)
    counts = collections.Counter(regions.tolist())
    records = store.records.region_counts()
    total = sum(counts.values()) or 1
    rows = [{"region_iso": reg, "persons": counts[reg], "records": records.get(reg, 0),
             "share": counts[reg] / total} for reg in sorted(counts, key=lambda r: (-counts[r], r))]
    return {"rows": rows, "rates": None}


def table_regions(table: CaptureTable) -> dict[str, Any] | None:
    """Persons observed per region when a table's one stratum column holds federal-subject codes.

    Persons are the stratum's observed count and records its list memberships; None when the
    table is not stratified by exactly one column or no stratum value is an ISO code of the table
    of federal subjects (``uncounted.records.regions.federal_subjects``).
    """
    if len(table.strata_columns) != 1:
        return None

    codes = {r["iso_code"] for r in federal_subjects()}
    if not any(str(key[0]) in codes for key in table.strata_keys):
        return None
    persons = {str(key[0]): sub.observed for key, sub in table.strata.items()}
    records = {str(key[0]): int(popcount(sub.patterns) @ sub.pattern_counts)  # list memberships
               for key, sub in table.strata.items()}
    total = sum(persons.values()) or 1
    rows = [{"region_iso": reg, "persons": persons[reg], "records": records[reg],
             "share": persons[reg] / total} for reg in sorted(persons, key=lambda r: (-persons[r], r))]
    return {"rows": rows, "rates": None}


LEDGER_COLUMNS = ["date", "measure", "low", "central", "high", "source_org", "source_kind",
                  "certainty", "url"]


def load_ledger() -> dict[str, Any]:
    """The published-estimates ledger (:func:`uncounted.analysis.ledger.load_ledger`) for
    Russia's military dead."""
    df = _load_ledger(side="russia")
    cols = [c for c in LEDGER_COLUMNS if c in df.columns]
    keep = cols + [c for c in ("value", "value_kind") if c in df.columns]
    rows = _records(df[keep])
    return {"tables": [{"name": "Russia's military losses as published", "columns": cols,
                        "rows": rows}], "series": rows}


def _records(df) -> list[dict[str, Any]]:
    """DataFrame rows as dicts with NaN turned into None (JSON-safe)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def region_rates(regions: dict[str, Any], *, level: float) -> tuple[dict | None, str | None]:
    """Persons per 100,000 men by region (:func:`uncounted.analysis.regions.regional_rates`) from
    the persons of :func:`region_summary`, or why not."""
    import pandas as pd

    codes = [r["region_iso"] for r in regions["rows"] for _ in range(r["persons"])
             if r["region_iso"] != UNKNOWN]
    try:
        df = regional_rates(pd.DataFrame({"iso_code": codes}), level=level)
    except (UncountedError, ValueError, OSError) as err:
        return None, str(err)
    df = df[df["deaths"] > 0].sort_values("per_100k", ascending=False, na_position="last")
    cols = [c for c in ("iso_code", "name_en", "federal_district", "deaths", "men", "per_100k",
                        "lower", "upper") if c in df.columns]
    return {"columns": cols, "rows": _records(df[cols]), "level": level}, None


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: Which estimate the headline gives, best first, among those not flagged ``unreliable``: the
#: latent-class model absorbs heterogeneous catchability, model averaging the uncertainty over
#: list dependence; a single selected log-linear model and two-list Chapman come after.
HEADLINE_ORDER = ("lcmcr", "dga", "loglinear", "lincoln-petersen")
#: Methods whose number is a lower bound, not an estimate of the total.
LOWER_BOUNDS = frozenset({"chao"})
#: Methods whose largest/smallest standing estimate differ by more than this "disagree".
DISAGREE_RATIO = 1.25


def region_names(iso: str | None) -> dict[str, str | None]:
    """``{"region_iso", "name_en", "name_ru"}`` of a federal-subject code (names None when the
    code is not one, as for ``unknown``)."""
    subject = _subjects().get(str(iso)) if iso else None
    return {"region_iso": iso, "name_en": subject["name_en"] if subject else None,
            "name_ru": subject["name_ru"] if subject else None}


def _subjects() -> dict[str, dict[str, str]]:
    return {r["iso_code"]: r for r in federal_subjects()}


def finish(data: dict[str, Any]) -> None:
    """Add what the page shows beside the raw numbers: models in list names, lower bounds marked,
    region names on regions and region strata, and the headline."""
    subjects = _subjects()

    def names(iso):
        s = subjects.get(str(iso))
        return {"name_en": s["name_en"] if s else None, "name_ru": s["name_ru"] if s else None}

    for rows in (data.get("estimates") or [], (data.get("strata") or {}).get("rows") or []):
        for e in rows:
            e["model_label"] = model_label(e.get("model"), e.get("lists") or [])
            e["lower_bound"] = e.get("method") in LOWER_BOUNDS
            for m in (e.get("diagnostics") or {}).get("top_models") or []:
                m["label"] = model_label(m.get("model"), e.get("lists") or [])
    strata = data.get("strata")
    if strata:
        for e in strata["rows"]:
            key, _, value = str(e.get("stratum") or "").partition("=")
            if key == "region" and value:
                e.update({"region_iso": value, **names(value), "unknown": value == UNKNOWN})
    regions = data.get("regions")
    if regions:
        for r in regions["rows"]:
            r.update(names(r["region_iso"]))
        for r in (regions.get("rates") or {}).get("rows") or []:
            r.setdefault("name_ru", names(r.get("iso_code"))["name_ru"])
    data["headline"] = headline(data)


def headline(data: dict[str, Any]) -> dict[str, Any] | None:
    """What the headline paragraph says, as data (the template puts it in words).

    The estimate given is the first of :data:`HEADLINE_ORDER` among those whose status is ``ok``
    (else ``caution``); ``unreliable`` ones are never the headline, only named. Also: the range of
    the standing estimates, the largest lower bound, and the main caveat: ``"below_bound"`` when
    the estimate is below the lower bound (a model that misses heterogeneity), ``"disagree"`` when the
    standing estimates differ by more than :data:`DISAGREE_RATIO`, ``"status"`` when the chosen one
    carries reasons, else ``"assumptions"``.
    """
    capture = data.get("capture")
    if not capture:
        return None
    rows = [e for e in data.get("estimates") or [] if e.get("estimable")
            and isinstance(e.get("estimate"), (int, float)) and np.isfinite(e["estimate"])]
    point = [e for e in rows if e["method"] not in LOWER_BOUNDS]
    rank = {"ok": 0, "caution": 1}
    standing = [e for e in point if e.get("status", "ok") in rank]
    order = {m: i for i, m in enumerate(HEADLINE_ORDER)}
    standing.sort(key=lambda e: (rank[e.get("status", "ok")], order.get(e["method"], 99)))
    chosen = standing[0] if standing else None
    bounds = [e for e in rows if e["method"] in LOWER_BOUNDS and e.get("status", "ok") in rank]
    bound = max(bounds, key=lambda e: e["estimate"]) if bounds else None
    values = [e["estimate"] for e in standing]
    caveat = "assumptions"
    if chosen is not None and bound is not None and chosen["estimate"] < bound["estimate"]:
        caveat = "below_bound"
    elif values and max(values) > DISAGREE_RATIO * min(values):
        caveat = "disagree"
    elif chosen is not None and chosen.get("status") == "caution":
        caveat = "status"

    def brief(e):
        return None if e is None else {
            "method": e["method"], "model": e.get("model_label") or e.get("model"),
            "estimate": e["estimate"], "lower": e["interval"][0], "upper": e["interval"][1],
            "level": e["level"], "status": e.get("status", "ok"),
            "reasons": [r for r in e.get("reasons") or [] if CODES.get(r.get("code"), ("caution",))[0]
                        != "ok"]}

    summed = None
    if chosen is not None and chosen.get("stratum") == "total":
        strata = data.get("strata") or {}
        summed = {"column": strata.get("column") or "",
                  "n": (chosen.get("diagnostics") or {}).get("strata") or strata.get("n_strata")}
    return {"observed": capture["observed"], "lists": list(capture["lists"]), "strata": summed,
            "linked": data["source"]["kind"] == "project", "simulated": bool(data.get("simulated")),
            "chosen": brief(chosen), "lower_bound": brief(bound),
            "others": len(standing) - (1 if chosen else 0),
            "range": [min(values), max(values)] if len(values) > 1 else None,
            "unreliable": sorted({e["method"] for e in point if e.get("status") == "unreliable"}),
            "not_estimable": sorted({e["method"] for e in data.get("estimates") or []
                                     if not e.get("estimable")}),
            "caveat": caveat}


def round_for_words(x: float) -> int:
    """A number as said in a sentence: three significant figures (4,715 -> 4,720; 157 -> 157)."""
    if not np.isfinite(x) or x <= 0:
        return int(x) if np.isfinite(x) else x
    digits = int(np.floor(np.log10(abs(x))))
    return int(round(x, -max(digits - 2, 0)))
