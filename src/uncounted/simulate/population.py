"""Draw a simulated population: covariates (array-in, array-out) and identities (names, dates).

Covariates (region, unit type, latent class, dates) come from one random stream and identities
(names, units, ranks) from another, so the capture table of :func:`simulate_capture_table` is the
same whether or not names are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .regions import region_weights
from .ru_names import FATHER_NAMES, GIVEN_NAMES, patronymic, surname_table, weighted

EPOCH = date(1970, 1, 1).toordinal()

#: rank tables by unit type: (rank, weight)
RANKS: dict[str, dict[str, float]] = {
    "professional": {"рядовой": 30, "ефрейтор": 15, "младший сержант": 12, "сержант": 12,
                     "старший сержант": 8, "прапорщик": 5, "лейтенант": 5, "старший лейтенант": 5,
                     "капитан": 4, "майор": 2, "подполковник": 1, "полковник": 0.5},
    "mobilised": {"рядовой": 60, "ефрейтор": 15, "младший сержант": 10, "сержант": 10,
                  "старший сержант": 4, "лейтенант": 1},
    "volunteer": {"рядовой": 55, "ефрейтор": 10, "сержант": 10, "": 25},
    "inmate": {"": 80, "рядовой": 20},
    "pmc": {"": 85, "рядовой": 10, "командир отделения": 5},
    "police": {"сержант полиции": 30, "старший сержант": 20, "прапорщик": 20, "лейтенант": 15,
               "капитан": 10, "майор": 5},
}
RANKS_EN = {"рядовой": "private", "ефрейтор": "corporal", "младший сержант": "junior sergeant",
            "сержант": "sergeant", "старший сержант": "senior sergeant", "прапорщик": "warrant officer",
            "лейтенант": "lieutenant", "старший лейтенант": "senior lieutenant", "капитан": "captain",
            "майор": "major", "подполковник": "lieutenant colonel", "полковник": "colonel",
            "командир отделения": "squad leader", "сержант полиции": "police sergeant", "": ""}
UNIT_NAMES = {"pmc": ("ЧВК «Вагнер»", "Wagner Group"), "inmate": ("отряд «Шторм Z»", "Storm-Z"),
              "police": ("Росгвардия", "Rosgvardia")}


@dataclass(frozen=True)
class Covariates:
    """Per-person covariates as parallel arrays (index = person)."""

    region: np.ndarray        # ISO code strings
    unit_type: np.ndarray     # unit type strings
    latent_class: np.ndarray  # int
    death_day: np.ndarray     # days since 1970-01-01
    birth_day: np.ndarray     # days since 1970-01-01

    @property
    def size(self) -> int:
        return len(self.region)


def draw_covariates(pop, rng: np.random.Generator) -> Covariates:
    """Draw region, unit type, latent class, death and birth dates for ``pop.size`` people."""
    n = pop.size
    codes, p_region = region_weights(pop.regions)
    region = codes[rng.choice(len(codes), size=n, p=p_region)]
    types = np.array(list(pop.unit_types), dtype=object)
    w = np.array([pop.unit_types[t] for t in types], dtype=float)
    unit_type = types[rng.choice(len(types), size=n, p=w / w.sum())]
    cls = np.asarray(pop.latent_classes, dtype=float)
    latent = rng.choice(len(cls), size=n, p=cls / cls.sum()).astype(np.int64)
    start = date.fromisoformat(pop.death_start).toordinal() - EPOCH
    end = date.fromisoformat(pop.death_end).toordinal() - EPOCH
    death = rng.integers(start, end + 1, size=n)
    age = pop.min_age + rng.gamma(pop.age_shape, pop.age_scale, size=n)
    age = np.minimum(age, pop.max_age + 0.999)
    birth = death - np.floor(age * 365.25).astype(np.int64)
    return Covariates(region=region, unit_type=unit_type, latent_class=latent, death_day=death,
                      birth_day=birth)


def iso_day(days: np.ndarray) -> list[str]:
    """Days since 1970-01-01 -> ISO date strings."""
    return [date.fromordinal(int(d) + EPOCH).isoformat() for d in days]


def draw_identities(cov: Covariates, rng: np.random.Generator) -> pd.DataFrame:
    """Names, unit and rank for each person; returns the population frame (without capture)."""
    n = cov.size
    surnames, p_s = surname_table()
    given, p_g = weighted(GIVEN_NAMES)
    fathers, p_f = weighted(FATHER_NAMES)
    s = np.asarray(surnames, dtype=object)[rng.choice(len(surnames), size=n, p=p_s)]
    g = np.asarray(given, dtype=object)[rng.choice(len(given), size=n, p=p_g)]
    f = np.asarray(fathers, dtype=object)[rng.choice(len(fathers), size=n, p=p_f)]
    pat = np.array([patronymic(x) for x in f], dtype=object)
    # military unit numbers: men from one region tend to serve in a few units
    pool = rng.choice(np.arange(10000, 100000), size=600, replace=False)
    region_codes = pd.factorize(cov.region, sort=True)[0]
    unit_no = pool[(region_codes * 7 + rng.integers(0, 14, size=n)) % len(pool)]
    units, ranks = [], []
    rank_draw = rng.random(n)
    for i in range(n):
        t = cov.unit_type[i]
        units.append(UNIT_NAMES[t][0] if t in UNIT_NAMES else f"в/ч {unit_no[i]}")
        table = RANKS.get(t, RANKS["professional"])
        keys = list(table)
        cum = np.cumsum([table[k] for k in keys])
        ranks.append(keys[int(np.searchsorted(cum / cum[-1], rank_draw[i]))])
    width = max(6, len(str(n)))
    return pd.DataFrame({
        "person_id": [f"P{i + 1:0{width}d}" for i in range(n)],
        "surname": s, "given_name": g, "patronymic": pat,
        "birth_date": iso_day(cov.birth_day), "death_date": iso_day(cov.death_day),
        "region": cov.region, "unit_type": cov.unit_type, "unit": units, "rank": ranks,
        "latent_class": cov.latent_class,
    })
