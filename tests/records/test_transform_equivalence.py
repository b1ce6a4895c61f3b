"""The Arrow/DuckDB normaliser gives exactly the records, errors and unresolved regions of the
pandas one it replaced (frozen in ``reference_transform.py``), on every test file and on chunks
full of bad rows."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from uncounted.records.readers import open_source
from uncounted.records.schema import map_headers
from uncounted.records.transform import RECORD_COLUMNS, normalise_chunk

from ..conftest import DATA
from . import reference_transform as old

FILES = sorted(p.name for p in (DATA / "records").iterdir() if p.suffix != ".py")


def _plain(frame: pd.DataFrame) -> list[tuple]:
    """Rows as tuples of Python values, missing values as None (Int32 NA, NaN, None alike)."""
    obj = frame.astype(object)
    return [tuple(None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                  else (int(v) if isinstance(v, (np.integer, int)) else v) for v in row)
            for row in obj.itertuples(index=False)]


def _compare(chunk: pd.DataFrame, mapping, extras, offset=0):
    new_good, new_errors, new_unres = normalise_chunk(chunk, mapping, extras, "f.csv", offset,
                                                      "L", 7)
    old_good, old_errors, old_unres = old.normalise_chunk(chunk, mapping, extras, "f.csv", offset,
                                                          "L", 7)
    assert new_good.column_names == RECORD_COLUMNS == list(old_good.columns)
    assert _plain(new_good.to_pandas()) == _plain(old_good)
    assert new_errors == old_errors
    assert new_unres == old_unres
    return new_good, new_errors


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("chunk_rows", [2, 100_000])
def test_same_records_on_test_files(name, chunk_rows):
    src = open_source(DATA / "records" / name)
    offset, n = 0, 0
    for chunk in src.chunks(chunk_rows=chunk_rows):
        if offset == 0:
            mapping, extras = map_headers(list(chunk.columns))
        good, _ = _compare(chunk, mapping, extras, offset)
        offset += len(chunk)
        n += good.num_rows
    assert n > 0


def test_same_records_and_errors_on_bad_and_varied_rows():
    rng = random.Random(3)
    pick = {
        "id": [str(i) for i in range(40)] + ["", " 7 "],
        "ФИО": ["Иванов Иван Иванович", "Ивана Петровича Сидорова", "Ivan Petrov", "", "  ",
                "Петров, Сергей", "Алиев Рашид Али оглы"],
        "фамилия": ["", "Щербаков", "Shcherbakov", "Иванова", " Ёлкин "],
        "имя": ["", "Саша", "Yuriy", "Ивана", "Наталья", "Oleh"],
        "отчество": ["", "Ивановича", "Сергеевна", "Alekseyevich"],
        # no date after today and no life over 120 years: those checks came after the frozen
        # copy (tests/records/test_import.py tests them); '2025-01-01' is after every death here
        "дата рождения": ["", "1994", "12.03.1994", "31.02.1990", "12.03.94", "марта 1994",
                          "2025-01-01", "1994.0", "13.1994"],
        "дата гибели": ["", "1993", "03.1994", "12 марта 1994", "1994-03-11", "foo"],
        "регион": ["", "ХМАО", "Респ. Бурятия", "Atlantis", "Бурятия, Улан-Удэ", "Алтай"],
        "позывной": ["", "=cmd|' /C calc'!A0", "x\x00y", "a" * 100_001, '"quoted"'],
    }
    chunk = pd.DataFrame({k: [rng.choice(v) for _ in range(400)] for k, v in pick.items()},
                         dtype=object)
    mapping, extras = map_headers(list(chunk.columns))
    assert extras == ["позывной"]
    good, errors = _compare(chunk, mapping, extras, offset=1000)
    # the chunk really exercises the error paths and the full-name split
    messages = " ".join(e.message for e in errors)
    for expected in ("NUL", "longer than", "not a date", "record id is empty",
                     "birth date is after", "two-digit"):
        assert expected in messages
    assert 0 < good.num_rows < 400
