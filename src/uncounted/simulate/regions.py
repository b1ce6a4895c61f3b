"""Regions for simulated people: the packaged spelling table and the regional weights."""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

import numpy as np
import pandas as pd


@lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """The packaged table ``data/simulate/regions.csv`` (see its PROVENANCE.md).

    Columns: ``iso_code, name_ru, name_en, short_ru, abbrev_ru, alt_en, translit, weight``.
    """
    ref = resources.files("uncounted").joinpath("data", "simulate", "regions.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def region_weights(spec) -> tuple[np.ndarray, np.ndarray]:
    """ISO codes and sampling probabilities for ``PopulationSpec.regions``.

    ``"bbc-mediazona-2023"``: the packaged rounded shares; ``"uniform"``: every Russian federal
    subject and Crimea/Sevastopol equally (the four oblasts annexed in 2022 get 0, as in the
    default); a mapping: the given weights, normalised.
    """
    table = region_table()
    codes = table["iso_code"].to_numpy()
    if isinstance(spec, str) and spec == "bbc-mediazona-2023":
        w = table["weight"].astype(float).to_numpy()
    elif isinstance(spec, str) and spec == "uniform":
        w = (table["weight"].astype(float).to_numpy() > 0).astype(float)
    else:
        w = np.array([float(spec.get(c, 0.0)) for c in codes])
    return codes, w / w.sum()


@cache
def spellings(iso_code: str) -> dict[str, str]:
    """The spellings of one region by kind (empty kinds left out)."""
    row = region_table().set_index("iso_code").loc[iso_code]
    return {k: row[k] for k in ("name_ru", "name_en", "short_ru", "abbrev_ru", "alt_en", "translit")
            if row[k]}
