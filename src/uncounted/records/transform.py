"""One chunk of a source list -> rows of the ``records`` table, plus located errors.

Vectorised: every column is factorised and each distinct value is parsed once (names, dates and
regions are also cached across chunks by the pure modules), so the Python cost is per distinct
value, not per row. Per-row work is done by numpy (``uniques[codes]``) and by DuckDB: the chunk
goes to DuckDB as an Arrow table (repeated values as dictionary arrays, so no Python string is
made per row), and DuckDB builds ``uid`` and the ``raw``/``extras`` JSON columns (with the
store's SQL, :mod:`uncounted.store.staging`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from ..exceptions import Msg
from ..store.schema import RECORD_COLUMNS
from ..store.staging import assemble_records
from .dates import AGE_PRECISION, MAX_AGE, DateError, parse_age, parse_partial_date
from .names import normalise_names_frame, split_full_name
from .regions import resolve_region
from .schema import RowError

__all__ = ["MAX_CELL_CHARS", "RECORD_COLUMNS", "normalise_chunk"]

MAX_CELL_CHARS = 100_000
_DATE_FIELDS = ("birth_date", "death_date", "reported_date")
_INT_COLUMNS = {f"{d}_{k}" for d in ("birth", "death", "reported") for k in ("year", "month", "day")}


class _Column:
    """One column of a chunk, factorised: per-row codes into the stripped distinct values.

    ``uniq`` holds the distinct stripped values with a trailing ``""`` (code -1, missing, indexes
    it); stripping first and then re-factorising would merge ``" a"`` and ``"a"``, which changes
    nothing downstream, so codes stay those of the raw values.
    """

    def __init__(self, codes: np.ndarray, uniq: np.ndarray):
        self.codes = np.where(codes < 0, len(uniq) - 1, codes)
        self.uniq = uniq

    @classmethod
    def empty(cls, n: int) -> _Column:
        return cls(np.zeros(n, dtype=np.intp), np.array([""], dtype=object))

    def values(self) -> np.ndarray:
        return self.uniq[self.codes]

    def map(self, values, dtype=object) -> np.ndarray:
        """Per-row array of ``values[i]`` computed for each distinct value ``uniq[i]``."""
        return np.asarray(values, dtype=dtype)[self.codes]

    def coded(self, values) -> _Coded:
        """Like :meth:`map` for strings, but kept as codes (an Arrow dictionary array later)."""
        return _Coded(self.codes, np.asarray(values, dtype=object))


class _Coded:
    """A per-row string column held as codes into distinct values (``None`` = missing)."""

    def __init__(self, codes: np.ndarray, uniq: np.ndarray):
        self.codes, self.uniq = codes, uniq

    def __getitem__(self, i):
        return self.uniq[self.codes[i]]

    def values(self) -> np.ndarray:
        return self.uniq[self.codes]

    def arrow(self, keep):
        import pyarrow as pa

        codes = self.codes if keep is None else self.codes[keep]
        missing = np.array([u is None for u in self.uniq], dtype=bool)
        indices = pa.array(codes.astype(np.int32), mask=missing[codes])
        return pa.DictionaryArray.from_arrays(indices, pa.array(self.uniq, type=pa.string(),
                                                                from_pandas=True))


class _Columns:
    """The chunk's columns factorised once: raw distinct values and stripped ones."""

    def __init__(self, chunk: pd.DataFrame):
        self.chunk = chunk
        self._fact: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._stripped: dict[str, _Column] = {}

    def factorised(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._fact:
            codes, uniq = pd.factorize(self.chunk[name].to_numpy(dtype=object), sort=False)
            uniq = np.array(["" if u is None else str(u) for u in uniq] + [""], dtype=object)
            self._fact[name] = (codes, uniq)  # code -1 (missing) indexes the trailing ""
        return self._fact[name]

    def stripped(self, name: str) -> _Column:
        if name not in self._stripped:
            codes, uniq = self.factorised(name)
            self._stripped[name] = _Column(codes, np.array([u.strip() for u in uniq],
                                                           dtype=object))
        return self._stripped[name]


def _col(cols: _Columns, mapping: dict[str, str], field: str) -> _Column:
    if field in mapping:
        return cols.stripped(mapping[field])
    return _Column.empty(len(cols.chunk))


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
                                   Msg("holds a NUL character (a binary control code)."),
                                   Msg("Remove it; names, dates and places are plain text.")))
        for i in np.flatnonzero(huge[codes]):
            errors.append(RowError(file, int(rows[i]), name, uniq[codes[i]],
                                   Msg("is longer than {limit:,} characters.",
                                       limit=MAX_CELL_CHARS),
                                   Msg("Check the quoting of this row; a stray quote swallows "
                                       "rows.")))
        bad |= nul[codes] | huge[codes]
    return errors, bad


def _dates(col: _Column, field: str, column: str | None, file: str, rows):
    """Parts of each distinct date as per-row (int32 values, valid mask), precision, errors."""
    parsed, errors = _parse_each(col, parse_partial_date, column, file, rows)
    out = {}
    for k in ("year", "month", "day"):
        got = [getattr(p, k, None) if p else None for p in parsed]
        valid = np.array([g is not None for g in got])
        vals = np.array([g or 0 for g in got], dtype=np.int32)
        out[f"{field}_{k}"] = (vals[col.codes], valid[col.codes])
    out[f"{field}_precision"] = col.coded([p.precision if p else None for p in parsed])
    return out, errors


def _parse_each(col: _Column, parse, column: str | None, file: str, rows):
    """``parse`` applied to each distinct value (None where it fails), and a RowError for every
    row holding a value that failed, naming file, row, column, value and the parser's message."""
    parsed, failed, messages = [], np.zeros(len(col.uniq), dtype=bool), {}
    for j, u in enumerate(col.uniq):
        try:
            parsed.append(parse(u))
        except DateError as err:
            parsed.append(None)
            failed[j] = True
            messages[j] = err.message
    errors = [RowError(file, int(rows[i]), column, col.uniq[col.codes[i]], messages[col.codes[i]])
              for i in np.flatnonzero(failed[col.codes])]
    return parsed, errors


def _age(out: dict, col: _Column, column: str, file: str, rows) -> list[RowError]:
    """The age at death as a birth year of precision ``age`` where the birth date is missing.

    ``birth_year`` = death year - age (the later of the two years the age allows; see
    :func:`uncounted.records.dates.birth_interval`); a row with a birth date keeps it, and the age
    stays in ``raw``. An age that is not a whole number of years is a row error.
    """
    ages, errors = _parse_each(col, parse_age, column, file, rows)
    has_age = col.map([a is not None for a in ages], dtype=bool)
    age = col.map([a or 0 for a in ages], dtype=np.int32)
    (by, has_by), (dy, has_dy) = out["birth_year"], out["death_year"]
    use = has_age & ~has_by & has_dy
    if use.any():
        out["birth_year"] = (np.where(use, dy - age, by).astype(np.int32), has_by | use)
        prec = out["birth_precision"]
        codes = prec.codes.copy()
        uniq = np.append(prec.uniq, AGE_PRECISION).astype(object)
        codes[use] = len(uniq) - 1
        out["birth_precision"] = _Coded(codes, uniq)
    return errors


def _regions(col: _Column):
    hits = [resolve_region(u) if u else None for u in col.uniq]

    def pick(attr):
        return col.coded([getattr(h, attr) if h else None for h in hits])
    return {"region_iso": pick("iso_code"), "region_status": pick("status"),
            "federal_district": pick("federal_district")}


def _names(cols, mapping):
    surname, given, patr = (_col(cols, mapping, f).values().copy()
                            for f in ("surname", "given_name", "patronymic"))
    if "full_name" in mapping:
        full = _col(cols, mapping, "full_name")
        need = (full.values() != "") & (surname == "") & (given == "")
        if need.any():
            codes, uniques = pd.factorize(full.values()[need], sort=False)
            split = [split_full_name(u) for u in uniques]
            for k, target in enumerate((surname, given, patr)):
                parts = np.array([s[k] or "" for s in split], dtype=object)[codes]
                fill = target[need] == ""
                idx = np.flatnonzero(need)[fill]
                target[idx] = parts[fill]
    return surname, given, patr


def _none_if_empty(col: _Column) -> _Coded:
    return col.coded([u if u != "" else None for u in col.uniq])


def _to_arrow(out: dict, keep: np.ndarray | None):
    """The per-row arrays as an Arrow table (only the rows in ``keep``, when given)."""
    import pyarrow as pa

    arrays = {}
    for name, v in out.items():
        if isinstance(v, _Coded):
            arrays[name] = v.arrow(keep)
        elif isinstance(v, tuple):  # (int32 values, valid mask)
            vals, valid = v if keep is None else (v[0][keep], v[1][keep])
            arrays[name] = pa.array(vals, type=pa.int32(), mask=~valid)
        else:
            v = v if keep is None else v[keep]
            arrays[name] = pa.array(v, type=pa.string() if v.dtype == object else None,
                                    from_pandas=True)
    return pa.table(arrays)


def _records(out: dict, cols: _Columns, extras: list[str], keep, list_name: str,
             import_id: int):
    """RECORD_COLUMNS as an Arrow table; the store's staging SQL builds ``uid``, ``raw`` and
    ``extras`` (:func:`uncounted.store.staging.assemble_records`)."""
    chunk = cols.chunk
    for i, name in enumerate(chunk.columns):
        codes, uniq = cols.factorised(name)
        out[f"_c{i}"] = _Coded(np.where(codes < 0, len(uniq) - 1, codes), uniq)
    pos = {str(c): i for i, c in enumerate(chunk.columns)}
    return assemble_records(_to_arrow(out, keep), [str(c) for c in chunk.columns],
                            [pos[str(e)] for e in extras], list_name, import_id)


def normalise_chunk(chunk: pd.DataFrame, mapping: dict[str, str], extras: list[str], file: str,
                    offset: int, list_name: str, import_id: int):
    """Normalise one chunk; returns (good rows as an Arrow table, row errors, unresolved regions).

    ``offset`` is the number of data rows before this chunk (row numbers are 1-based). The table
    has the columns :data:`RECORD_COLUMNS`, in that order, with the types of the ``records`` table.
    """
    n = len(chunk)
    rows = np.arange(offset + 1, offset + n + 1)
    cols = _Columns(chunk)
    errors, bad = _cell_errors(cols, file, rows)
    out: dict = {"row_number": rows}
    if "record_id" in mapping:
        rid = cols.stripped(mapping["record_id"])
        for i in np.flatnonzero(rid.map([u == "" for u in rid.uniq], dtype=bool)):
            errors.append(RowError(file, int(rows[i]), mapping["record_id"], "",
                                   Msg("the record id is empty."), Msg("Give every row an id.")))
        out["record_id"] = rid.values()
    else:
        out["record_id"] = rows.astype(str).astype(object)
    surname, given, patr = _names(cols, mapping)
    for f in ("surname", "given_name", "patronymic", "full_name"):
        out[f"{f}_raw"] = _none_if_empty(_col(cols, mapping, f))
    keys = normalise_names_frame(surname, given, patr)
    for c in ("surname_cyr", "given_name_cyr", "patronymic_cyr", "surname_key", "given_name_key",
              "patronymic_key", "given_name_canon"):
        out[c] = keys[c].to_numpy(dtype=object)
    for field in _DATE_FIELDS:
        col = _col(cols, mapping, field)
        parsed, errs = _dates(col, field.removesuffix("_date"), mapping.get(field), file, rows)
        errors += errs
        out[f"{field}_raw"] = _none_if_empty(col)
        out.update(parsed)
    if "age" in mapping:
        errors += _age(out, cols.stripped(mapping["age"]), mapping["age"], file, rows)
    errors += _order_errors(out, mapping, file)
    errors += _impossible_dates(out, mapping, file)
    region = _col(cols, mapping, "region")
    out["region_raw"] = _none_if_empty(region)
    out.update(_regions(region))
    for f in ("unit", "rank", "source_url", "notes"):
        out[f] = _none_if_empty(_col(cols, mapping, f))
    errors = _header_repeats(cols, rows, file, errors)
    if errors:
        bad |= np.isin(rows, list({e.row for e in errors}))
        errors.sort(key=lambda e: e.row or 0)
    keep = ~bad if bad.any() else None
    unresolved = _unresolved(region, out["region_iso"], keep)
    good = _records(out, cols, extras, keep, list_name, import_id)
    return good, errors, unresolved


def _unresolved(region: _Column, iso: _Coded, keep) -> dict[str, int]:
    """Counts of region texts (as written, stripped) that name no known subject, in good rows."""
    missing = (region.values() != "") & pd.isna(iso.values())
    if keep is not None:
        missing &= keep
    if not missing.any():
        return {}
    counts = pd.Series(region.values()[missing], dtype=object).value_counts()
    return {k: int(v) for k, v in counts.items()}


def _header_repeats(cols: _Columns, rows, file: str, errors: list[RowError]) -> list[RowError]:
    """A row that repeats the header (two exports joined into one file) gets one error saying so,
    in place of one 'not a date' per date column (compared once per distinct value)."""
    named = [c for c in cols.chunk.columns if str(c).strip()]
    if len(named) < 2:
        return errors
    same = np.ones(len(cols.chunk), dtype=bool)
    for c in named:
        col = cols.stripped(c)
        name = str(c).strip().casefold()
        same &= col.map([u.casefold() == name for u in col.uniq], dtype=bool)
    if not same.any():
        return errors
    repeat = {int(rows[i]) for i in np.flatnonzero(same)}
    return [e for e in errors if e.row not in repeat] + [
        RowError(file, r, None, ", ".join(map(str, named)),
                 Msg("this row repeats the header: were two files joined into one?"),
                 Msg("Remove the row.")) for r in sorted(repeat)]


def _parts(out: dict, prefix: str):
    """``((year, known), (month, known), (day, known))`` of a date field (``birth``, ...)."""
    return tuple(out[f"{prefix}_{unit}"] for unit in ("year", "month", "day"))


def _later(a, b) -> np.ndarray:
    """Where date ``a`` is certainly after date ``b``, compared at the coarser of their
    precisions (:func:`_parts` of each; a side may be scalars, as today is)."""
    (ay, has_ay), (am, has_am), (ad, has_ad) = a
    (by, has_by), (bm, has_bm), (bd, has_bd) = b
    both_m, both_d = has_am & has_bm, has_ad & has_bd
    return has_ay & has_by & ((ay > by) | ((ay == by) & both_m & (
        (am > bm) | ((am == bm) & both_d & (ad > bd)))))


def _impossible_dates(out: dict, mapping: dict[str, str], file: str) -> list[RowError]:
    """A date after today, or a birth more than :data:`~uncounted.records.dates.MAX_AGE` years
    (parse_age's limit) before the death: typos ('2027' for '2023', '1800' for '1980') that were
    imported without a word and would have placed the death, or the person's age, where it cannot
    be. A partial date is after today only when all of it is (the year 2026 is not, in December
    2026). Today is the date somewhere on Earth (UTC+14), so a death recorded in Moscow's or
    Vladivostok's today is never 'after'."""
    today = (datetime.now(timezone.utc) + timedelta(hours=14)).date()
    now = ((today.year, True), (today.month, True), (today.day, True))
    errors = []
    for field in _DATE_FIELDS:
        for i in np.flatnonzero(_later(_parts(out, field.removesuffix("_date")), now)):
            errors.append(RowError(file, int(out["row_number"][i]), mapping.get(field),
                                   str(out[f"{field}_raw"][i]),
                                   Msg("this date is after today ({today}).",
                                       today=today.strftime("%d.%m.%Y")),
                                   Msg("Check the year.")))
    (b, has_b), (dy, has_dy) = out["birth_year"], out["death_year"]
    for i in np.flatnonzero(has_b & has_dy & (dy - b > MAX_AGE)):
        errors.append(RowError(file, int(out["row_number"][i]), mapping.get("birth_date"),
                               str(out["birth_date_raw"][i]),
                               Msg("born {years} years before the death date ({death}): more "
                                   "than the {most} years anyone lives.",
                                   years=int(dy[i] - b[i]), death=str(out["death_date_raw"][i]),
                                   most=MAX_AGE),
                               Msg("Check the birth year.")))
    return errors


def _order_errors(out: dict, mapping: dict[str, str], file: str) -> list[RowError]:
    """Birth after death (compared at the coarser of the two precisions)."""
    col = mapping.get("birth_date")
    return [RowError(file, int(out["row_number"][i]), col, str(out["birth_date_raw"][i]),
                     Msg("the birth date is after the death date ({death}).",
                         death=str(out["death_date_raw"][i])),
                     Msg("Check whether the two dates are swapped."))
            for i in np.flatnonzero(_later(_parts(out, "birth"), _parts(out, "death")))]
