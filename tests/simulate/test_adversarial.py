"""Adversarial scenarios through the whole chain: never a confident wrong number.

For each scenario of :mod:`uncounted.simulate.adversarial` and seed, the lists are simulated with
known truth, imported, linked, turned into a capture table and estimated (log-linear, the default
of ``uncounted estimate``, and Chao). Each estimate must either cover the true number of dead
(its interval holds it) or be flagged: its status is not ``ok``, or a linkage check of the run
gave a warning. Where a scenario breaks linkage in a known way, the check that must say so is
asserted by name.

One exception, stated so it can be checked: an honest 95% interval misses the truth one time in
twenty even on the true capture table (namesakes seed 3: Chao 1,089 (1,029-1,166) for 1,000 with
perfect linkage). A miss is excused when (a) the same method on the *true* capture table misses
too, (b) the linked estimate is within half an interval width of the true-table one (linkage
added little), and (c) it is within :data:`NOT_ABSURD` of the truth. A miss of that kind is the
estimator's, measured by the coverage studies of ``uncounted coverage``; a large miss, or one that
linkage made, must be flagged.

A large miss that the estimator makes on the true capture table as well (Chao on the dominant
scenario: 3,262 for 1,000, one list catching 90% and the two small lists sharing four people) is
not linkage's to catch: the estimate's own status must flag it (``unequal_lists_far`` of
``mse/status.py``: Chao's bound allowing lists of different sizes is 953), on the true table and on
the linked one, whatever the linkage checks say (:data:`STATUS_MUST_FLAG`). A miss that linkage
made is never excused. Seed 1 of every scenario runs by default (about 10 s each on 2 cores);
seeds 2 and 3 are ``slow``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from uncounted.histories import capture_table
from uncounted.linkage.link import link_project
from uncounted.mse.api import estimate
from uncounted.project import Project
from uncounted.records import import_list
from uncounted.simulate.adversarial import ADVERSARIAL, adversarial_scenario, simulate_adversarial

pytestmark = pytest.mark.filterwarnings("ignore::uncounted.exceptions.EstimationWarning",
                                        "ignore::uncounted.exceptions.DataWarning")

METHODS = ("loglinear", "chao")
#: Relative error beyond which a miss is never excused as the estimator's sampling error.
NOT_ABSURD = 0.15

#: Checks that must fire whatever the estimate says: linkage cannot do better on these lists.
MUST_FIRE = {"nameless": {"lists_not_compared", "no_overlap"}}
#: Checks of which one must fire unless every estimate covers the truth.
FIRES_UNLESS_COVERED = {"initials": {"missed_joins"}, "copies": {"list_contained"}}
#: Methods whose estimate must carry a status other than ``ok`` (on the true table and the linked
#: one), however linkage went: the estimator's own assumption is what breaks.
STATUS_MUST_FLAG = {"dominant": {"chao"}}


@dataclass
class Outcome:
    truth: int
    warnings: set
    rows: list
    n_records: int
    n_persons: int
    true_observed: int
    true_rows: list

    def estimators_own(self, row) -> bool:
        """The true capture table misses alike: linkage moved the number less than half an
        interval width."""
        ref = next(r for r in self.true_rows if r.method == row.method)
        if ref.lower is None or ref.upper is None or row.estimate is None or self.covered(ref):
            return False
        return abs(row.estimate - ref.estimate) <= (ref.upper - ref.lower) / 2

    def excused(self, row) -> bool:
        """A miss that is the estimator's, not linkage's (see the module docstring)."""
        ref = next(r for r in self.true_rows if r.method == row.method)
        if ref.lower is None or ref.upper is None or row.estimate is None or self.covered(ref):
            return False
        near_ref = abs(row.estimate - ref.estimate) <= (ref.upper - ref.lower) / 2
        return near_ref and abs(row.estimate - self.truth) <= NOT_ABSURD * self.truth

    def covered(self, row) -> bool:
        return row.lower is not None and row.upper is not None and row.lower <= self.truth <= row.upper

    def describe(self, row) -> str:
        return (f"{row.method} {row.estimate:,.0f} ({row.lower:,.0f}-{row.upper:,.0f}) status "
                f"{row.status}, truth {self.truth:,}; linkage warnings {sorted(self.warnings)}; "
                f"{self.n_records} records -> {self.n_persons} persons (truth: "
                f"{self.true_observed} observed)")


def chain(tmp_path, name: str, seed: int) -> Outcome:
    sim = simulate_adversarial(tmp_path / "lists", name, seed=seed)
    project = Project.init(tmp_path / "project")
    for list_name, path in sim.files.items():
        import_list(project, path, list_name)
    with project.store() as store:
        res = link_project(store, progress=False, seed=seed)
        table = capture_table(store)
    warnings = {c["code"] for c in res.checks if c["severity"] == "warning"}
    rows = estimate(table, list(METHODS), seed=seed)
    return Outcome(len(sim.population), warnings, rows, res.n_records, res.n_persons,
                   sim.capture_table.observed, estimate(sim.capture_table, list(METHODS), seed=seed))


CASES = [pytest.param(name, 1, id=f"{name}-seed1") for name in ADVERSARIAL] + [
    pytest.param(name, seed, id=f"{name}-seed{seed}", marks=pytest.mark.slow)
    for seed in (2, 3) for name in ADVERSARIAL]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_covers_the_truth_or_says_why_not(tmp_path, name, seed):
    out = chain(tmp_path, name, seed)
    wrong = [row for row in out.rows if not (out.covered(row) or row.status != "ok"
                                             or out.warnings or out.excused(row))]
    made_by_linkage = [row for row in wrong if not out.estimators_own(row)]
    assert not made_by_linkage, f"{name} seed {seed}: confident wrong number: " + "; ".join(
        out.describe(row) for row in made_by_linkage)
    missing = MUST_FIRE.get(name, set()) - out.warnings
    assert not missing, f"{name} seed {seed}: {sorted(missing)} did not fire: " + \
        out.describe(out.rows[0])
    # the linkage check must fire where linkage made a miss (a miss the true table makes alike is
    # the estimator's: initials seed 3, linked perfectly, Chao 1,079 (1,020-1,154))
    if name in FIRES_UNLESS_COVERED and any(not out.covered(r) and not out.estimators_own(r)
                                            for r in out.rows):
        assert out.warnings & FIRES_UNLESS_COVERED[name], f"{name} seed {seed}: " + "; ".join(
            out.describe(r) for r in out.rows)
    assert not wrong, f"{name} seed {seed}: the estimator's own confident wrong number, on the " \
        "true table too: " + "; ".join(out.describe(row) for row in wrong)
    for method in STATUS_MUST_FLAG.get(name, ()):
        flagged = [r for r in (*out.rows, *out.true_rows) if r.method == method]
        assert flagged and all(r.status != "ok" for r in flagged), "; ".join(
            out.describe(r) for r in flagged)


def test_the_excuse_is_narrow():
    """A miss is excused only when the true table misses alike and the number is not absurd."""
    from types import SimpleNamespace as Row

    def out(linked, ref):
        return Outcome(1000, set(), [linked], 0, 0, 0, [ref])

    chao3 = Row(method="chao", estimate=1089.0, lower=1029.0, upper=1166.0, status="ok")
    assert out(chao3, chao3).excused(chao3)
    assert not out(chao3, Row(method="chao", estimate=1000.0, lower=950.0, upper=1050.0,
                              status="ok")).excused(chao3)         # the true table covers
    far = Row(method="chao", estimate=1200.0, lower=1150.0, upper=1260.0, status="ok")
    assert not out(far, far).excused(far)                           # 20% off: absurd
    made = Row(method="chao", estimate=1140.0, lower=1080.0, upper=1200.0, status="ok")
    narrow = Row(method="chao", estimate=1089.0, lower=1060.0, upper=1120.0, status="ok")
    assert out(made, made).excused(made) and not out(made, narrow).excused(made)  # linkage moved it


def test_a_miss_linkage_made_is_never_the_estimators():
    from types import SimpleNamespace as Row

    dominant = Row(method="chao", estimate=3262.0, lower=2748.0, upper=3919.0, status="ok")
    out = Outcome(1000, set(), [dominant], 0, 0, 0, [dominant])
    assert out.estimators_own(dominant) and not out.excused(dominant)  # absurd: flag it
    initials = Row(method="chao", estimate=2563.0, lower=2254.0, upper=2947.0, status="ok")
    out = Outcome(1000, set(), [initials], 0, 0, 0,
                  [Row(method="chao", estimate=1039.0, lower=981.0, upper=1112.0, status="ok")])
    assert not out.estimators_own(initials)                                  # linkage made it


def test_scenarios_are_what_they_say(tmp_path):
    """The rewrites do what the docstring says (read back from the written files)."""
    import csv

    sim = simulate_adversarial(tmp_path, "nameless", seed=1, population=200)
    with open(sim.files["alpha"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["surname"] == r["given_name"] == r["patronymic"] == "" for r in rows)
    assert all(len(r["birth_date"]) in (0, 4) for r in rows)       # the year only, or nothing
    sim = simulate_adversarial(tmp_path / "i", "initials", seed=1, population=200)
    with open(sim.files["beta"], encoding="utf-8") as fh:
        beta = list(csv.DictReader(fh))
    assert all(len(r["given_name"]) == 2 and r["given_name"].endswith(".") for r in beta)
    sim = simulate_adversarial(tmp_path / "n", "namesakes", seed=1, population=200)
    with open(sim.files["gamma"], encoding="utf-8") as fh:
        gamma = list(csv.DictReader(fh))
    assert {r["surname"] for r in gamma} <= {"Иванов", "Смирнов", "Кузнецов"}
    scn, _ = adversarial_scenario("copies")
    assert scn.lists[2].copy_from == "alpha" and scn.lists[2].copy_rate == 0.9
    scn, _ = adversarial_scenario("tiny_overlap")
    assert scn.population.size == 3000 and {s.capture for s in scn.lists} == {0.04}


def test_unknown_scenario_is_a_config_error():
    from uncounted.exceptions import ConfigError

    with pytest.raises(ConfigError, match="unknown adversarial scenario 'nope'"):
        adversarial_scenario("nope")
