"""Read deaths, one row per dead person with a region, from any input the regional analysis accepts.

Inputs (see :func:`read_deaths`):

- a **project folder** (``uncounted.toml`` + ``uncounted.duckdb``): the persons of the latest linkage
  run, each placed in the region most of its records give (``records.region_iso``);
- a **persons table** (``list, record_id, person_id, match_probability``) with the project it came
  from (``project=``), or with its own ``region``/``iso_code`` column;
- a **list of deaths**: a source list (``region`` column, any spelling of a federal subject) or the
  anonymised BBC/Mediazona list (``iso_code`` column), one row per death.

Region spellings are resolved by ``uncounted.records.regions.resolve_region`` when that module is
installed; otherwise ISO 3166-2 codes and the English names of the packaged subjects table are
accepted. An unresolvable region is an :class:`~uncounted.exceptions.RecordError` naming the file,
row, column and value. A blank region is allowed: the row is counted in ``no_region``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import InputError, ProjectError, RecordError
from ..project import Project
from ..records.readers import open_source
from ..records.regions import resolve_region
from ..records.schema import HEADER_SYNONYMS, header_token
from .reference import load_subjects

# headers are compared as uncounted.records.schema.header_token reduces them (lower case, letters
# and digits only); the region, date and unit-type synonyms follow the source-list contract
REGION_COLUMNS = ("iso_code", "region_iso", "region", "регион", "subject", "субъект")
UNIT_COLUMNS = ("unit_type", "unittype", "unit type", "category", "категория", "тип")
DATE_COLUMNS = ("death_date", "deathconfirmeddate", "date_of_death", "reported_date", "date",
                "дата_смерти")
PERSON_COLUMNS = ("list", "record_id", "person_id")
# unofficial codes some software uses for Crimea and Sevastopol
_ALIASES = {"RU-CR": "UA-43", "RU-KRY": "UA-43", "RU-SEV": "UA-40"}


@dataclass
class Deaths:
    """Deaths with a region, ready to count.

    Attributes
    ----------
    frame
        One row per death: ``iso_code`` (never blank), ``unit_type`` and ``date`` (may be blank);
        for persons (from a project or a persons table) also ``lists``: the names of the lists
        the person was found on, sorted and joined by ``|`` (the capture history).
    source
        What was read (a path, or a description).
    kind
        ``project``, ``persons`` or ``list``.
    no_region
        How many deaths had no region (excluded from the rates).
    """

    frame: object
    source: str
    kind: str
    no_region: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.frame) + self.no_region


def _fallback_index() -> dict[str, str]:
    subj = load_subjects()
    index = {c.upper(): c for c in subj["iso_code"]}
    index.update({n.casefold(): c for n, c in zip(subj["name_en"], subj["iso_code"], strict=True)})
    index.update(_ALIASES)
    return index


def region_resolver():
    """Return ``resolve(text) -> iso_code | None``.

    ISO codes, the packaged English names and aliases first, then
    :func:`uncounted.records.regions.resolve_region` (it knows every spelling, Cyrillic or Latin).
    """
    index = _fallback_index()
    external = resolve_region

    def resolve(text: str) -> str | None:
        key = text.strip()
        hit = index.get(key.upper()) or index.get(key.casefold())
        if hit:
            return hit
        try:
            found = external(key)
        except (ValueError, LookupError):  # InputError is a ValueError
            return None
        if found is None:
            return None
        code = found if isinstance(found, str) else getattr(found, "iso_code", None)
        return index.get(str(code).upper()) if code else None

    return resolve


def _synonyms(wanted, field: str | None):
    return list(wanted) + list(HEADER_SYNONYMS.get(field, ())) if field else list(wanted)


def _pick(columns, wanted, field: str | None = None) -> str | None:
    """The first column whose header matches ``wanted`` (then the contract's synonyms of
    ``field``), compared as :func:`uncounted.records.schema.header_token` reduces them."""

    tokens = {}
    for c in columns:
        tokens.setdefault(header_token(c), c)
    for w in _synonyms(wanted, field):
        if header_token(w) in tokens:
            return tokens[header_token(w)]
    return None


def resolve_regions(values, *, file: str, column: str):
    """Map region texts to ISO codes; blank stays None; unknown raises RecordError."""
    resolve = region_resolver()
    cache: dict[str, str | None] = {}
    out = []
    for i, v in enumerate(values, start=1):
        text = "" if v is None else str(v).strip()
        if not text or text.casefold() in {"nan", "none"}:
            out.append(None)
            continue
        if text not in cache:
            cache[text] = resolve(text)
        if cache[text] is None:
            raise RecordError(
                f"unknown region {text!r}: not an ISO 3166-2 code or a name that matches exactly "
                f"one federal subject (e.g. 'RU-TY', 'Tuva', 'Республика Тыва'). Correct the "
                f"spelling (or use the ISO code), or leave it blank if the region is unknown.",
                file=file, row=i, column=column, value=text)
        out.append(cache[text])
    return out


def _frame(iso, unit=None, date=None):
    import pandas as pd

    df = pd.DataFrame({"iso_code": iso,
                       "unit_type": unit if unit is not None else [None] * len(iso),
                       "date": date if date is not None else [None] * len(iso)})
    return df


def _read_table(path: Path):
    """Every row of a CSV/XLSX/JSONL file as strings, through the records stage's readers
    (encoding and delimiter detection: UTF-8/16, cp1251, KOI8-R)."""
    import pandas as pd

    src = open_source(path)
    parts = list(src.chunks())
    if not parts:
        return pd.DataFrame(columns=src.headers)
    return pd.concat(parts, ignore_index=True)


def _deaths_from_table(df, path: Path, kind: str) -> Deaths:
    col = _pick(df.columns, REGION_COLUMNS, "region")
    if col is None:
        raise InputError(f"no region column: expected iso_code or one of the region headers "
                         f"({', '.join(_synonyms(REGION_COLUMNS[1:], 'region'))}); got "
                         f"{', '.join(map(str, df.columns))}", file=path)
    iso = resolve_regions(df[col].tolist(), file=str(path), column=col)
    ucol = _pick(df.columns, UNIT_COLUMNS)
    dcol = _pick(df.columns, DATE_COLUMNS, "death_date") or _pick(df.columns, (), "reported_date")
    frame = _frame(iso, df[ucol].tolist() if ucol else None, df[dcol].tolist() if dcol else None)
    if kind == "persons":  # one row per record: one death per person, in its most frequent region
        pid, lcol = _pick(df.columns, ("person_id",)), _pick(df.columns, ("list",))
        frame["person_id"] = df[pid].to_numpy()
        frame["list"] = df[lcol].to_numpy()
        region = _mode_region(frame.rename(columns={"iso_code": "region_iso"}))
        first = frame.drop_duplicates("person_id").set_index("person_id")
        lists = _lists_by_person(frame).reindex(first.index).to_numpy()
        frame = _frame(region.reindex(first.index).tolist(), first["unit_type"].tolist(),
                       first["date"].tolist())
        frame["lists"] = lists
    return _finish(frame, str(path), kind)


def _finish(frame, source: str, kind: str) -> Deaths:
    frame = frame.replace({"": None})
    missing = int(frame["iso_code"].isna().sum())
    frame = frame[frame["iso_code"].notna()].reset_index(drop=True)
    return Deaths(frame=frame, source=source, kind=kind, no_region=missing)


def _mode_region(records):
    """One region per person: the most frequent non-blank region of its records (ties: first)."""
    r = records[records["region_iso"].notna() & (records["region_iso"] != "")]
    counts = r.groupby(["person_id", "region_iso"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["person_id", "n"], ascending=[True, False], kind="stable")
    return counts.drop_duplicates("person_id").set_index("person_id")["region_iso"]


def _lists_by_person(frame):
    """The sorted list names each person was found on, joined by '|'."""
    return frame.groupby("person_id", sort=False)["list"].agg(
        lambda s: "|".join(sorted(set(map(str, s)))))


def _persons_with_regions(persons, records, source: str) -> Deaths:
    import pandas as pd

    merged = persons.merge(records, on=["list", "record_id"], how="left")
    region = _mode_region(merged)
    unit = merged.dropna(subset=["unit"]).drop_duplicates("person_id").set_index("person_id")["unit"]
    ids = pd.Index(persons["person_id"].unique())
    date = None
    if "date" in merged.columns:  # the most precise date any record of the person gives
        d = merged.dropna(subset=["date"])
        d = d.assign(n=d["date"].str.len()).sort_values("n", ascending=False, kind="stable")
        date = d.drop_duplicates("person_id").set_index("person_id")["date"].reindex(ids).tolist()
    frame = _frame(region.reindex(ids).tolist(), unit.reindex(ids).tolist(), date)
    frame["lists"] = _lists_by_person(persons).reindex(ids).to_numpy()
    return _finish(frame, source, "persons")


def _project_records(root: Path):
    project = Project.open(root)
    with project.store(read_only=True) as store:
        records = store.execute(
            "SELECT list_name AS list, record_id, region_iso, unit, "
            "CASE WHEN death_year IS NULL THEN NULL "
            "     WHEN death_month IS NULL THEN CAST(death_year AS VARCHAR) "
            "     WHEN death_day IS NULL THEN printf('%04d-%02d', death_year, death_month) "
            "     ELSE printf('%04d-%02d-%02d', death_year, death_month, death_day) END AS date "
            "FROM records").df()
        run = store.execute("SELECT max(run_id) FROM link_runs").fetchone()[0]
        persons = None
        if run is not None:
            persons = store.execute("SELECT list_name AS list, record_id, person_id FROM persons "
                                    "WHERE run_id = ?", [run]).df()
    return records, persons


def read_deaths(path: str | Path, *, project: str | Path | None = None) -> Deaths:
    """Read deaths with regions from a project folder, a persons table or a list of deaths.

    Parameters
    ----------
    path
        A project folder, a persons CSV, or a list (CSV/XLSX/JSONL) with one row per death.
    project
        The project a persons table came from (its records hold the regions).
    """
    path = Path(path)
    if path.is_dir():
        records, persons = _project_records(path)
        if persons is None or persons.empty:
            raise ProjectError(f"{path}: no linkage run in this project, so its records are not yet "
                               f"persons (counting records would count people on several lists "
                               f"more than once). Run 'uncounted link {path}' first.")
        return _persons_with_regions(persons, records, str(path))
    if not path.exists():
        raise InputError("file not found", file=path)
    df = _read_table(path)
    is_persons = all(c in [x.casefold() for x in df.columns] for c in PERSON_COLUMNS)
    if is_persons and _pick(df.columns, REGION_COLUMNS, "region") is None:
        if project is None:
            raise InputError("this is a persons table without regions: give the project it came "
                             "from (--project DIR), whose records hold the regions", file=path)
        records, _ = _project_records(Path(project))
        df.columns = [c.casefold() for c in df.columns]
        return _persons_with_regions(df[list(PERSON_COLUMNS)], records, str(path))
    return _deaths_from_table(df, path, "persons" if is_persons else "list")
