"""Adversarial scenarios: lists that break what linkage and multiple systems estimation assume.

Each scenario starts from lists an estimator can handle (independent lists, one catchability class,
few writing errors, so that with right linkage a log-linear interval covers the truth) and breaks
one assumption, the way real lists break it:

``nameless``
    No list has names, and birth dates are written to the year only (as in the anonymised
    BBC/Mediazona list of 2023): nothing identifies a person, so linkage cannot join anyone.
``initials``
    One list writes given name and patronymic as initials ("Иванов А. С."), as many official
    notices do.
``namesakes``
    Everyone is called one of a handful of names (3 surnames, 2 given names, 2 patronymics) and
    most birth dates are known to the year only: strangers agree on every identifying field.
``copies``
    A third list copies most of the first (``copy_rate`` 0.9) and finds few people of its own:
    the lists are not independent sources.
``tiny_overlap``
    Three lists that each catch 4% of the dead: a handful of people are on two lists.
``dominant``
    One list catches 90% of the dead, two others 6% each.

:func:`adversarial_scenario` gives the :class:`Scenario` and :func:`simulate_adversarial` writes
the lists with known truth (``truth.csv``, as :func:`~uncounted.simulate.simulate_lists` does),
rewriting names and dates where the scenario asks. ``tests/simulate/test_adversarial.py`` runs
each through link -> histories -> estimate and asserts that the result covers the truth or is
flagged (an estimate status other than ``ok``, or a linkage check giving a warning).

References
----------
Lum, K., Price, M. E. and Banks, D. (2013). Applications of multiple systems estimation in human
rights research. *The American Statistician* 67(4), 191-200 (list dependence, heterogeneity and
linkage error as the ways an estimate goes wrong). https://doi.org/10.1080/00031305.2013.821093
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import ConfigError
from .api import simulate_lists
from .scenario import ErrorRates, ListSpec, PopulationSpec, Scenario

#: The adversarial scenarios, in the order of the module docstring.
ADVERSARIAL: tuple[str, ...] = ("nameless", "initials", "namesakes", "copies", "tiny_overlap",
                                "dominant")

#: One line per scenario (the module docstring says more).
DESCRIPTIONS: dict[str, str] = {
    "nameless": "no names on any list, birth dates to the year only",
    "initials": "one list writes given name and patronymic as initials",
    "namesakes": "everyone shares one of a few names; most birth dates to the year only",
    "copies": "a third list copies most of the first and finds few of its own",
    "tiny_overlap": "three lists that each catch 4% of the dead",
    "dominant": "one list catches 90% of the dead, two others 6% each",
}

#: Mild writing errors of every list (so linkage has something to do, and no more).
_ERRORS = ErrorRates(typo=0.01, diminutive=0.01, missing_patronymic=0.05, missing_birth_date=0.02,
                     partial_birth_date=0.03, off_by_one_date=0.01, region_variant=0.1,
                     missing_region=0.02, duplicate=0.0)

#: The few names of ``namesakes`` (Cyrillic, as the lists write them).
NAMESAKE_SURNAMES = ("Иванов", "Смирнов", "Кузнецов")
NAMESAKE_GIVEN = ("Александр", "Сергей")
NAMESAKE_PATRONYMICS = ("Александрович", "Сергеевич")


@dataclass(frozen=True)
class Rewrite:
    """How the written lists are changed after they are drawn (names, dates)."""

    nameless: tuple[str, ...] = ()      # lists whose names are blanked
    year_only: tuple[str, ...] = ()     # lists whose birth dates keep only the year
    initials: tuple[str, ...] = ()      # lists that write given name and patronymic as initials
    namesakes: bool = False             # every person gets one of the few namesake names
    year_only_share: float = 1.0        # share of records of ``year_only`` lists cut to the year


def _list(name: str, capture: float, **kw) -> ListSpec:
    return ListSpec(name=name, capture=capture, headers="en", script="cyrillic",
                    name_layout="split", date_format="dmy", errors=_ERRORS, **kw)


def adversarial_scenario(name: str, population: int | None = None) -> tuple[Scenario, Rewrite]:
    """The scenario ``name`` (one of :data:`ADVERSARIAL`) and the rewrite applied to its lists.

    ``population`` overrides the size (defaults: 1,000 people; 3,000 for ``tiny_overlap``, whose
    lists would otherwise hold a few dozen records).
    """
    if name not in ADVERSARIAL:
        raise ConfigError(f"unknown adversarial scenario {name!r}. Choose one of "
                          f"{', '.join(ADVERSARIAL)}", column="scenario", value=name)
    three = (_list("alpha", 0.5), _list("beta", 0.4), _list("gamma", 0.3))
    rewrite = Rewrite()
    size = 1000
    if name == "nameless":
        lists = three
        rewrite = Rewrite(nameless=("alpha", "beta", "gamma"), year_only=("alpha", "beta", "gamma"))
    elif name == "initials":
        lists = three
        rewrite = Rewrite(initials=("beta",))
    elif name == "namesakes":
        lists = three
        rewrite = Rewrite(namesakes=True, year_only=("alpha", "beta", "gamma"), year_only_share=0.8)
    elif name == "copies":
        lists = (_list("alpha", 0.5), _list("beta", 0.4),
                 _list("gamma", 0.05, copy_from="alpha", copy_rate=0.9))
    elif name == "tiny_overlap":
        lists = (_list("alpha", 0.04), _list("beta", 0.04), _list("gamma", 0.04))
        size = 3000
    else:   # dominant
        lists = (_list("alpha", 0.9), _list("beta", 0.06), _list("gamma", 0.06))
    scn = Scenario(name=f"adversarial-{name}", description=DESCRIPTIONS[name],
                   population=PopulationSpec(size=int(population or size), regions="uniform"),
                   lists=lists, source=f"uncounted.simulate.adversarial:{name}")
    return scn, rewrite


def simulate_adversarial(out_dir: str | Path, name: str, *, population: int | None = None,
                         seed: int = 1):
    """Write the lists of adversarial scenario ``name`` with known truth; a
    :class:`~uncounted.simulate.SimulationResult` (``capture_table`` is the true one)."""
    scn, rewrite = adversarial_scenario(name, population)
    sim = simulate_lists(out_dir, seed=seed, scenario=scn)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xAD]))
    names = None
    if rewrite.namesakes:
        n = len(sim.population)
        names = {pid: (NAMESAKE_SURNAMES[a], NAMESAKE_GIVEN[b], NAMESAKE_PATRONYMICS[c])
                 for pid, a, b, c in zip(sim.population["person_id"],
                                         rng.integers(len(NAMESAKE_SURNAMES), size=n),
                                         rng.integers(len(NAMESAKE_GIVEN), size=n),
                                         rng.integers(len(NAMESAKE_PATRONYMICS), size=n),
                                         strict=True)}
    truth = sim.truth.set_index(["list", "record_id"])["person_id"]
    for list_name, path in sim.files.items():
        _rewrite_file(path, list_name, rewrite, names, truth, rng)
    return dataclasses.replace(sim, scenario=scn)


def _rewrite_file(path: Path, list_name: str, rw: Rewrite, names, truth, rng) -> None:
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(header)}
    for row in body:
        if names is not None:
            pid = truth[(list_name, row[col["record_id"]])]
            row[col["surname"]], row[col["given_name"]], row[col["patronymic"]] = names[pid]
        if list_name in rw.nameless:
            for f in ("surname", "given_name", "patronymic"):
                row[col[f]] = ""
        if list_name in rw.initials:
            for f in ("given_name", "patronymic"):
                row[col[f]] = f"{row[col[f]][0]}." if row[col[f]] else ""
        birth = row[col["birth_date"]]
        if list_name in rw.year_only and birth and rng.random() < rw.year_only_share:
            row[col["birth_date"]] = birth[-4:]          # dmy: the year is the last four digits
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_text(out.getvalue(), encoding="utf-8")
