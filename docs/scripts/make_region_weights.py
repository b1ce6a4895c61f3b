"""Build src/uncounted/data/simulate/regions.csv: region spellings and default regional weights.

Run by hand (needs ../shared/data/ru/, which is not in a user's clone)::

    python docs/scripts/make_region_weights.py

Columns written:

- ``iso_code``, ``name_ru``, ``name_en``: the names of the subjects (facts; the same names appear in
  the Constitution of the Russian Federation, art. 65, and ISO 3166-2).
- ``short_ru``, ``abbrev_ru``, ``alt_en``, ``translit``: other spellings written by us (short forms
  built by rule, common abbreviations such as ХМАО, "Republic of ..." for republics, and the BGN/PCGN
  romanisation of the Russian name made with iuliia).
- ``weight``: share of the named dead with a known region in the BBC Russian/Mediazona list of
  12 April 2023, aggregated by region and **rounded to two significant figures** (not renormalised;
  the simulator normalises). Regions absent from that list (the four oblasts annexed in 2022) get 0.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from pathlib import Path

import iuliia
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("UNCOUNTED_SHARED", ROOT.parent / "shared")) / "data" / "ru"
OUT = ROOT / "src" / "uncounted" / "data" / "simulate" / "regions.csv"

ABBREV = {"RU-KHM": "ХМАО", "RU-YAN": "ЯНАО", "RU-NEN": "НАО", "RU-CHU": "ЧАО", "RU-YEV": "ЕАО",
          "RU-KB": "КБР", "RU-KC": "КЧР", "RU-SE": "РСО-Алания", "RU-SPE": "СПб", "RU-MOW": "г. Москва",
          "RU-MOS": "Подмосковье", "RU-SA": "Якутия", "RU-CU": "Чувашия", "RU-UD": "Удмуртия",
          "RU-CE": "Чечня", "RU-KEM": "Кузбасс", "UA-14": "ДНР", "UA-09": "ЛНР", "UA-40": "г. Севастополь",
          "UA-43": "Крым"}
REPUBLIC_EN = {"RU-AD": "Republic of Adygea", "RU-BA": "Republic of Bashkortostan",
               "RU-BU": "Republic of Buryatia", "RU-DA": "Republic of Dagestan",
               "RU-IN": "Republic of Ingushetia", "RU-KK": "Republic of Khakassia",
               "RU-KL": "Republic of Kalmykia", "RU-KO": "Republic of Komi", "RU-KR": "Republic of Karelia",
               "RU-ME": "Mari El Republic", "RU-MO": "Republic of Mordovia", "RU-TA": "Republic of Tatarstan",
               "RU-TY": "Tyva Republic", "RU-SA": "Republic of Sakha (Yakutia)", "RU-CE": "Chechen Republic",
               "RU-CU": "Chuvash Republic", "RU-UD": "Udmurt Republic", "RU-KB": "Kabardino-Balkar Republic",
               "RU-KC": "Karachay-Cherkess Republic", "RU-SE": "Republic of North Ossetia-Alania",
               "RU-AL": "Altai Republic", "UA-43": "Republic of Crimea"}


def short_ru(name: str) -> str:
    if name.startswith("Республика "):
        return name.removeprefix("Республика ")
    if name.endswith(" область"):
        return name.removesuffix(" область") + " обл."
    if name.endswith(" край"):
        return name.removesuffix(" край") + " кр."
    if name.endswith(" Республика"):
        return name.removesuffix(" Республика") + " Респ."
    return name


def sig2(x: float) -> float:
    if x <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(x))
    return round(x, digits)


def main() -> int:
    subjects = pd.read_csv(SHARED / "federal_subjects.csv")
    deaths = pd.read_csv(SHARED / "bbc_mediazona_deaths_by_region_2023-04-12.csv")
    share = deaths.set_index("iso_code")["named_deaths"] / deaths["named_deaths"].sum()
    bgn = iuliia.BGN_PCGN
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["iso_code", "name_ru", "name_en", "short_ru", "abbrev_ru", "alt_en", "translit",
                    "weight"])
        for r in subjects.itertuples():
            x = share.get(r.iso_code, 0.0)
            weight = 0.0 if pd.isna(x) else sig2(float(x))
            w.writerow([r.iso_code, r.name_ru, r.name_en, short_ru(r.name_ru), ABBREV.get(r.iso_code, ""),
                        REPUBLIC_EN.get(r.iso_code, ""), bgn.translate(r.name_ru).replace("·", ""),
                        f"{weight:g}"])
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
