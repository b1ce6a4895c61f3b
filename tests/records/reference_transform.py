"""FROZEN COPY of ``uncounted.records.transform`` before the Arrow/DuckDB rewrite (commit 4c1278b).

Kept only as the reference that ``test_transform_equivalence.py`` compares the fast path with;
not imported by the package. The original docstring follows.


Vectorised: every column is factorised and each distinct value is parsed once (names, dates and
regions are also cached across chunks by the pure modules), so the cost is per distinct value, not
per row.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from uncounted.records.dates import DateError, parse_partial_date
from uncounted.records.names import normalise_names_frame, split_full_name
from uncounted.records.regions import resolve_region
from uncounted.records.schema import RowError

__all__ = ["MAX_CELL_CHARS", "RECORD_COLUMNS", "normalise_chunk"]

MAX_CELL_CHARS = 100_000
RECORD_COLUMNS = [
    "uid", "list_name", "record_id", "import_id", "row_number", "raw",
    "surname_raw", "given_name_raw", "patronymic_raw", "full_name_raw",
    "surname_cyr", "given_name_cyr", "patronymic_cyr",
    "surname_key", "given_name_key", "patronymic_key", "given_name_canon",
    "birth_date_raw", "birth_year", "birth_month", "birth_day", "birth_precision",
    "death_date_raw", "death_year", "death_month", "death_day", "death_precision",
    "reported_date_raw", "reported_year", "reported_month", "reported_day", "reported_precision",
    "region_raw", "region_iso", "region_status", "federal_district",
    "unit", "rank", "source_url", "notes", "extras",
]
_DATE_FIELDS = ("birth_date", "death_date", "reported_date")


class _Columns:
    """The chunk's columns factorised once: per-row stripped strings and per-value checks."""

    def __init__(self, chunk: pd.DataFrame):
        self.chunk = chunk
        self._fact: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._stripped: dict[str, pd.Series] = {}

    def factorised(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._fact:
            codes, uniq = pd.factorize(self.chunk[name].to_numpy(dtype=object), sort=False)
            uniq = np.array(["" if u is None else str(u) for u in uniq] + [""], dtype=object)
            self._fact[name] = (codes, uniq)  # code -1 (missing) indexes the trailing ""
        return self._fact[name]

    def stripped(self, name: str) -> pd.Series:
        if name not in self._stripped:
            codes, uniq = self.factorised(name)
            values = np.array([u.strip() for u in uniq], dtype=object)[codes]
            self._stripped[name] = pd.Series(values, dtype=object)
        return self._stripped[name].copy()


def _col(cols: _Columns, mapping: dict[str, str], field: str) -> pd.Series:
    if field in mapping:
        return cols.stripped(mapping[field])
    return pd.Series([""] * len(cols.chunk), dtype=object)


def _cell_errors(cols: _Columns, file, rows) -> tuple[list[RowError], np.ndarray]:
    """NUL bytes and oversized cells, anywhere in the row (checked once per distinct value)."""
    errors: list[RowError] = []
    bad = np.zeros(len(cols.chunk), dtype=bool)
    for name in cols.chunk.columns:
        codes, uniq = cols.factorised(name)
        nul = np.array(["\x00" in u for u in uniq])
        huge = np.array([len(u) > MAX_CELL_CHARS for u in uniq]) & ~nul
        if not (nul.any() or huge.any()):
            continue
        for i in np.flatnonzero(nul[codes]):
            errors.append(RowError(file, int(rows[i]), name, uniq[codes[i]].replace("\x00", "\\0"),
                                   "holds a NUL character (a binary control code).",
                                   "Remove it; names, dates and places are plain text."))
        for i in np.flatnonzero(huge[codes]):
            errors.append(RowError(file, int(rows[i]), name, uniq[codes[i]],
                                   f"is longer than {MAX_CELL_CHARS:,} characters.",
                                   "Check the quoting of this row; a stray quote swallows rows."))
        bad |= nul[codes] | huge[codes]
    return errors, bad


def _dates(values: pd.Series, field: str, column: str | None, file: str, rows):
    codes, uniques = pd.factorize(values, sort=False)
    parsed, failed = [], {}
    for j, u in enumerate(uniques):
        try:
            parsed.append(parse_partial_date(u))
        except DateError as err:
            parsed.append(None)
            failed[j] = err.message
    out = {}
    for k, attr in (("year", "year"), ("month", "month"), ("day", "day")):
        arr = np.array([getattr(p, attr, None) if p else None for p in parsed] + [None],
                       dtype=object)
        out[f"{field}_{k}"] = pd.array(arr[codes], dtype="Int32")
    prec = np.array([p.precision if p else None for p in parsed] + [None], dtype=object)
    out[f"{field}_precision"] = prec[codes]
    errors = [RowError(file, int(rows[i]), column, values.iat[i], failed[c])
              for i, c in enumerate(codes) if c in failed]
    return out, errors


def _regions(values: pd.Series):
    codes, uniques = pd.factorize(values, sort=False)
    hits = [resolve_region(u) if u else None for u in uniques]

    def pick(attr):
        return np.array([getattr(h, attr) if h else None for h in hits] + [None],
                        dtype=object)[codes]
    return {"region_iso": pick("iso_code"), "region_status": pick("status"),
            "federal_district": pick("federal_district")}


@lru_cache(maxsize=1)
def _duck():
    import duckdb

    return duckdb.connect()


def _json_rows(frame: pd.DataFrame) -> np.ndarray:
    """One JSON object per row (original header -> string), built by DuckDB's json_object.

    Headers go in as parameters, never into the SQL text.
    """
    if frame.shape[1] == 0 or len(frame) == 0:
        return np.array([None] * len(frame), dtype=object)
    data = pd.DataFrame({f"c{i}": frame.iloc[:, i].to_numpy(dtype=object)
                         for i in range(frame.shape[1])})
    con = _duck()
    con.register("_uncounted_json", data)
    try:
        pairs = ", ".join(f"?, c{i}" for i in range(frame.shape[1]))
        got = con.execute(f"SELECT json_object({pairs})::VARCHAR AS j FROM _uncounted_json",
                          [str(c) for c in frame.columns]).fetchnumpy()["j"]
    finally:
        con.unregister("_uncounted_json")
    return np.asarray(got, dtype=object)


def _names(cols, mapping):
    surname, given, patr = (_col(cols, mapping, f) for f in ("surname", "given_name", "patronymic"))
    full = _col(cols, mapping, "full_name")
    if "full_name" in mapping:
        need = (full != "") & (surname == "") & (given == "")
        if need.any():
            codes, uniques = pd.factorize(full[need], sort=False)
            split = [split_full_name(u) for u in uniques]
            for k, target in enumerate((surname, given, patr)):
                parts = np.array([s[k] or "" for s in split], dtype=object)[codes]
                target.loc[need & (target == "")] = parts[(target[need] == "").to_numpy()]
    return surname, given, patr, full


def normalise_chunk(chunk: pd.DataFrame, mapping: dict[str, str], extras: list[str], file: str,
                    offset: int, list_name: str, import_id: int):
    """Normalise one chunk; returns (good rows as a DataFrame, row errors, unresolved regions).

    ``offset`` is the number of data rows before this chunk (row numbers are 1-based).
    """
    chunk = chunk.reset_index(drop=True)
    rows = np.arange(offset + 1, offset + len(chunk) + 1)
    cols = _Columns(chunk)
    errors, bad = _cell_errors(cols, file, rows)
    out = pd.DataFrame({"row_number": rows})
    rid = _col(cols, mapping, "record_id")
    if "record_id" in mapping:
        for i in np.flatnonzero((rid == "").to_numpy()):
            errors.append(RowError(file, int(rows[i]), mapping["record_id"], "",
                                   "the record id is empty.", "Give every row an id."))
        out["record_id"] = rid.to_numpy(dtype=object)
    else:
        out["record_id"] = rows.astype(str).astype(object)
    out["list_name"] = list_name
    out["uid"] = list_name + "/" + out["record_id"]
    out["import_id"] = import_id
    out["raw"] = _json_rows(chunk)
    out["extras"] = _json_rows(chunk[extras]) if extras else None
    surname, given, patr, _full = _names(cols, mapping)
    for f in ("surname", "given_name", "patronymic", "full_name"):
        out[f"{f}_raw"] = _col(cols, mapping, f).replace("", None).to_numpy(dtype=object)
    keys = normalise_names_frame(surname.to_numpy(dtype=object), given.to_numpy(dtype=object),
                                 patr.to_numpy(dtype=object))
    for c in ("surname_cyr", "given_name_cyr", "patronymic_cyr", "surname_key", "given_name_key",
              "patronymic_key", "given_name_canon"):
        out[c] = keys[c].to_numpy(dtype=object)
    for field in _DATE_FIELDS:
        values = _col(cols, mapping, field)
        parsed, errs = _dates(values, field.removesuffix("_date"), mapping.get(field), file, rows)
        errors += errs
        out[f"{field}_raw"] = values.replace("", None).to_numpy(dtype=object)
        for k, v in parsed.items():
            out[k] = v
    errors += _order_errors(out, mapping, file)
    region = _col(cols, mapping, "region")
    out["region_raw"] = region.replace("", None).to_numpy(dtype=object)
    reg = _regions(region)
    for k, v in reg.items():
        out[k] = v
    for f in ("unit", "rank", "source_url", "notes"):
        out[f] = _col(cols, mapping, f).replace("", None).to_numpy(dtype=object)
    if errors:
        bad_rows = {e.row for e in errors}
        bad |= np.isin(rows, list(bad_rows))
        errors.sort(key=lambda e: e.row or 0)
    good = out.loc[~bad, RECORD_COLUMNS].reset_index(drop=True)
    missing = good["region_raw"].notna() & good["region_iso"].isna()
    unresolved = {k: int(v) for k, v in good.loc[missing, "region_raw"].value_counts().items()}
    return good, errors, unresolved


def _order_errors(out: pd.DataFrame, mapping: dict[str, str], file: str) -> list[RowError]:
    """Birth after death (compared at the coarser of the two precisions)."""
    b, d = out["birth_year"], out["death_year"]
    bm, dm = out["birth_month"].fillna(0), out["death_month"].fillna(0)
    bd, dd = out["birth_day"].fillna(0), out["death_day"].fillna(0)
    both_m = (out["birth_month"].notna() & out["death_month"].notna())
    both_d = (out["birth_day"].notna() & out["death_day"].notna())
    later = (b > d) | ((b == d) & both_m & (bm > dm)) | ((b == d) & both_m & (bm == dm) & both_d
                                                         & (bd > dd))
    later = later.fillna(False).to_numpy(dtype=bool)
    col = mapping.get("birth_date")
    return [RowError(file, int(out["row_number"].iat[i]), col,
                     str(out["birth_date_raw"].iat[i]),
                     f"the birth date is after the death date ({out['death_date_raw'].iat[i]}).",
                     "Check whether the two dates are swapped.") for i in np.flatnonzero(later)]
