"""Read deaths, one row per dead person with a region, from any input the regional analysis accepts.

Inputs (see :func:`read_deaths`):

- a **project folder** (``uncounted.toml`` + ``uncounted.duckdb``): the persons of the latest linkage
  run with the review decisions in force (:func:`uncounted.histories.current_persons`, the persons
  every stage counts);
- a **persons table** (``list, record_id, person_id, match_probability``) with the project it came
  from (``project=``), or with its own ``region``/``iso_code`` column;
- a **list of deaths**: a source list (``region`` column, any spelling of a federal subject) or the
  anonymised BBC/Mediazona list (``iso_code`` column), one row per death.

A person is placed in a region, and given a unit, by the store's one rule
(:data:`uncounted.store.persons.PERSON_VALUE_RULE`: the most frequent non-empty value among its
records, ties to the smallest), the rule the histories, the report and the review UI use.

Region spellings are resolved by ISO 3166-2 code, the English names of the packaged subjects table,
and ``uncounted.records.regions.resolve_region`` (every spelling, Cyrillic or Latin). An
unresolvable region is an :class:`~uncounted.exceptions.RecordError` naming the file, row, column
and value. A blank region is allowed: the row is counted in ``no_region``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import InputError, ProjectError, RecordError
from ..histories import current_persons
from ..project import Project
from ..records.readers import open_source
from ..records.regions import resolve_region
from ..records.schema import HEADER_SYNONYMS, header_token
from ..store import UNKNOWN, Store
from ..store.persons import person_values
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
    """Named dead with a region, one row per dead person, ready to count.

    (Counts of all registered deaths by region, year, age and sex are a different thing:
    :class:`uncounted.excess.RegistryDeaths`.)

    Attributes
    ----------
    frame
        One row per death: ``iso_code`` (never blank), ``unit_type`` and ``date`` (may be blank);
        for persons (from a project or a persons table) also ``person_id`` and ``lists``: the
        names of the lists the person was found on, sorted and joined by ``|`` (the capture
        history).
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

    ISO codes and the packaged English names first, then
    :func:`uncounted.records.regions.resolve_region`, which knows every spelling, Cyrillic or
    Latin.
    """
    index = _fallback_index()

    def resolve(text: str) -> str | None:
        key = text.strip()
        hit = index.get(key.upper()) or index.get(key.casefold())
        if hit:
            return hit
        try:
            found = resolve_region(key)
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
    if kind == "persons":  # one row per record: one death per person, placed by the store's rule
        pid, lcol = _pick(df.columns, ("person_id",)), _pick(df.columns, ("list",))
        frame["person_id"] = df[pid].astype(str).to_numpy()
        frame["list"] = df[lcol].to_numpy()
        first = frame.drop_duplicates("person_id").set_index("person_id")
        region = _known(person_values(frame["person_id"], frame["iso_code"]))
        unit = _known(person_values(frame["person_id"], frame["unit_type"]))
        lists = _lists_by_person(frame).reindex(first.index).to_numpy()
        frame = _frame(region.reindex(first.index).tolist(), unit.reindex(first.index).tolist(),
                       first["date"].tolist())
        frame["person_id"] = first.index.to_numpy()
        frame["lists"] = lists
    return _finish(frame, str(path), kind)


def _known(values):
    """Values of the person rule with ``"unknown"`` (no record had one) as None."""
    return values.where(values != UNKNOWN, None)


def _finish(frame, source: str, kind: str) -> Deaths:
    frame = frame.replace({"": None})
    missing = int(frame["iso_code"].isna().sum())
    frame = frame[frame["iso_code"].notna()].reset_index(drop=True)
    return Deaths(frame=frame, source=source, kind=kind, no_region=missing)


def _lists_by_person(frame):
    """The sorted list names each person was found on, joined by '|'."""
    return frame.groupby("person_id", sort=False)["list"].agg(
        lambda s: "|".join(sorted(set(map(str, s)))))


def _persons_deaths(store: Store, persons, source: str) -> Deaths:
    """One death per person of ``persons`` (uid, list_name, person_id) from the store's records:
    region and unit by the store's rule, date the most precise any record gives."""
    ids = persons["person_id"].drop_duplicates()
    region = _known(store.persons.regions(persons))
    unit = _known(store.persons.values(persons, "unit"))
    date = store.persons.death_dates(persons)
    frame = _frame(region.reindex(ids).tolist(), unit.reindex(ids).tolist(),
                   date.reindex(ids).tolist())
    frame["person_id"] = ids.to_numpy()
    lists = _lists_by_person(persons.rename(columns={"list_name": "list"}))
    frame["lists"] = lists.reindex(ids).to_numpy()
    return _finish(frame, source, "persons")


def _project_deaths(root: Path) -> Deaths:
    with Project.open(root).store(read_only=True) as store:
        if store.runs.latest_id() is None:
            raise ProjectError(f"{root}: no linkage run in this project, so its records are not "
                               f"yet persons (counting records would count people on several "
                               f"lists more than once). Run 'uncounted link {root}' first.")
        persons = current_persons(store).frame
        return _persons_deaths(store, persons[["uid", "list_name", "person_id"]], str(root))


def _table_persons_deaths(table, project: Path, source: str) -> Deaths:
    """A persons table (list, record_id, person_id) placed with its project's records."""
    persons = table.assign(uid=table["list"].astype(str) + "/" + table["record_id"].astype(str),
                           person_id=table["person_id"].astype(str))
    persons = persons.rename(columns={"list": "list_name"})[["uid", "list_name", "person_id"]]
    with Project.open(project).store(read_only=True) as store:
        return _persons_deaths(store, persons, source)


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
        return _project_deaths(path)
    if not path.exists():
        raise InputError("file not found", file=path)
    df = _read_table(path)
    is_persons = all(c in [x.casefold() for x in df.columns] for c in PERSON_COLUMNS)
    if is_persons and _pick(df.columns, REGION_COLUMNS, "region") is None:
        if project is None:
            raise InputError("this is a persons table without regions: give the project it came "
                             "from (--project DIR), whose records hold the regions", file=path)
        df.columns = [c.casefold() for c in df.columns]
        return _table_persons_deaths(df[list(PERSON_COLUMNS)], Path(project), str(path))
    return _deaths_from_table(df, path, "persons" if is_persons else "list")
