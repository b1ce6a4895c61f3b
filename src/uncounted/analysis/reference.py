"""Reference tables the regional analysis joins on: federal subjects, regional indicators, bonuses.

Three sources, with different licences:

- the federal subjects (ISO 3166-2 code, English name, federal district, subject type, status)
  come from the reference table the records stage packages in ``uncounted/data/regions/``
  (:func:`uncounted.records.regions.federal_subjects`; sources and licence in the README there);
- the regional indicators (men aged 16-61 in the 2021 census, poverty, unemployment, income) come
  from A. Bessudnov's ``ruCasualtiesPublic`` repository, which states **no licence**, so they are not
  packaged: :func:`load_indicators` reads them from a path the user gives, or from the project's
  shared reference data when it sits beside the checkout;
- the sign-up bonuses quoted from news and analysis texts (our own compilation) are packaged in
  ``uncounted/data/analysis/signup_bonuses.csv``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..exceptions import InputError
from ..records.regions import federal_subjects

INDICATORS_FILE = "region_indicators_bessudnov.csv"
INDICATORS_URL = "https://github.com/abessudnov/ruCasualtiesPublic"
#: Columns of the indicators file this package uses, and what they hold.
INDICATOR_COLUMNS = {
    "men_16_61_census2021": "men aged 16-61 in the 2021 census (the denominator)",
    "pct_below_subsistence_2020": "% of people with income below the subsistence level, 2020",
    "unemployment_rate_2020": "unemployment rate (%), 2020",
    "subsistence_level_rub_2020q4": "subsistence level, roubles a month, 2020 Q4",
    "mean_income_per_capita_rub_month_2020": "mean money income per capita, roubles a month, 2020",
}


def _data_file(name: str):
    return resources.files("uncounted").joinpath("data", "analysis", name)


@lru_cache(maxsize=1)
def _subjects_cached():
    import pandas as pd

    df = pd.DataFrame(list(federal_subjects()))
    df = df.rename(columns={"federal_district_en": "federal_district", "type_en": "subject_type"})
    return df[["iso_code", "name_en", "federal_district", "subject_type", "status"]]


def load_subjects():
    """The 89 federal subjects as a DataFrame (from the records stage's reference table).

    Columns ``iso_code, name_en, federal_district, subject_type, status`` (status is
    ``ru_federal_subject``, ``occupied_ua_2014`` or ``occupied_ua_2022``). The table, its sources
    and licence are in ``uncounted/data/regions/`` (see the README there).
    """
    return _subjects_cached().copy()


def default_indicator_paths() -> list[Path]:
    """Where :func:`find_indicators` looks when no path is given, in order."""
    paths = []
    env = os.environ.get("UNCOUNTED_SHARED")
    if env:
        paths.append(Path(env) / "data" / "ru" / INDICATORS_FILE)
    paths.append(Path.cwd().parent / "shared" / "data" / "ru" / INDICATORS_FILE)
    paths.append(Path.cwd() / "shared" / "data" / "ru" / INDICATORS_FILE)
    # a source checkout: <root>/src/uncounted/analysis/reference.py -> a "shared" folder beside
    # the checkout or beside one of its parents
    for up in Path(__file__).resolve().parents[4:7]:
        paths.append(up / "shared" / "data" / "ru" / INDICATORS_FILE)
    return list(dict.fromkeys(paths))


def find_indicators(path: str | Path | None = None) -> Path:
    """Return the indicators file to use, or raise :class:`InputError` saying where to get it."""
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise InputError(f"indicators file not found. Pass the path of {INDICATORS_FILE} "
                             f"(men 16-61 and regional indicators, from {INDICATORS_URL}).",
                             file=p)
        return p
    for p in default_indicator_paths():
        if p.exists():
            return p
    raise InputError(
        f"no regional indicators file. The denominators (men aged 16-61, census 2021) and the "
        f"poverty/income/unemployment indicators are not bundled with uncounted because their "
        f"source states no licence. Get {INDICATORS_FILE} (built from {INDICATORS_URL}, files "
        f"census2021_nMen16-615.csv and regionCharacteristics.csv) and pass it with "
        f"--indicators FILE (Python: indicators=FILE).", column="--indicators")


def load_indicators(path: str | Path | None = None):
    """Read the regional indicators, keyed by ``iso_code``.

    Parameters
    ----------
    path
        The CSV (``iso_code`` plus the columns in :data:`INDICATOR_COLUMNS`); when ``None`` it is
        looked for in the shared reference data beside the checkout (see
        :func:`default_indicator_paths`).

    Returns
    -------
    pandas.DataFrame
        One row per region; numeric columns as floats (blank = missing).
    """
    import pandas as pd

    p = find_indicators(path)
    try:
        df = pd.read_csv(p, dtype={"iso_code": str})
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the indicators file: {err}", file=p) from err
    missing = [c for c in ["iso_code", "men_16_61_census2021"] if c not in df.columns]
    if missing:
        raise InputError(f"the indicators file lacks column(s) {', '.join(missing)}; it needs "
                         f"iso_code and men_16_61_census2021 (got {', '.join(df.columns)})",
                         file=p)
    for col in df.columns:
        if col in INDICATOR_COLUMNS or col.startswith("mod_"):
            df[col] = pd.to_numeric(df[col], errors="coerce")
    df.attrs["path"] = str(p)
    return df


def load_bonuses():
    """Regional one-time sign-up payments quoted in texts (packaged; see its README).

    Columns ``iso_code, region, amount_rub, component, as_of, source, url, note, certainty``;
    ``component`` says whether an amount is the regional part or a total including the federal
    payment. Rows without ``iso_code`` are national or average figures.
    """
    import pandas as pd

    with _data_file("signup_bonuses.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    df["amount_rub"] = pd.to_numeric(df["amount_rub"])
    return df
