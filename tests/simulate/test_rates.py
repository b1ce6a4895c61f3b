"""The simulator does what the scenario says: capture rates, dependence, error rates.

Tolerances: every rate is a binomial proportion, so the check is |observed - expected| < 4 standard
errors, sqrt(p (1 - p) / n). With a fixed seed the tests are deterministic; 4 SE means a correct
simulator would fail a given check with probability about 6e-5 for a fresh seed, while a wrong rate
(e.g. 0.25 instead of 0.30 at n = 20,000, about 15 SE) fails it surely.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import ConfigError
from uncounted.simulate import (
    ErrorRates,
    ListSpec,
    PopulationSpec,
    Scenario,
    named_scenario,
    simulate_capture_table,
    simulate_lists,
)
from uncounted.simulate.api import _draw
from uncounted.simulate.capture import capture_probabilities
from uncounted.simulate.ru_names import DIMINUTIVES


def within(observed: float, expected: float, n: int, k: float = 4.0) -> bool:
    se = math.sqrt(max(expected * (1 - expected), 1e-9) / n)
    return abs(observed - expected) < k * se


def test_independent_capture_rates():
    scn = named_scenario("independent").with_size(20000)
    table = simulate_capture_table(seed=11, scenario=scn)
    for spec, total in zip(scn.lists, table.list_totals().values(), strict=True):
        assert within(total / 20000, spec.capture, 20000), (spec.name, total)
    # independence: the share caught by both A and B is p_A p_B
    both = int(table.select(["A", "B"]).counts_of(0b11)[0])
    assert within(both / 20000, 0.30 * 0.25, 20000)


def test_heterogeneous_rates_by_class():
    scn = named_scenario("heterogeneous").with_size(20000)
    cov, caught, _, _ = _draw(scn, 5)
    hard = cov.latent_class == 1
    assert within(hard.mean(), 0.3, 20000)
    for j, spec in enumerate(scn.lists):
        odds = spec.capture / (1 - spec.capture) * 0.15
        p_hard = odds / (1 + odds)
        assert within(caught[~hard, j].mean(), spec.capture, int((~hard).sum()))
        assert within(caught[hard, j].mean(), p_hard, int(hard.sum()))
    # the marginal rate is the mean of the person-level probabilities
    p = capture_probabilities(scn.lists, cov)
    for j in range(4):
        assert within(caught[:, j].mean(), p[:, j].mean(), 20000)


def test_covariate_odds_change_capture():
    pop = PopulationSpec(size=20000, regions="uniform", unit_types={"inmate": 0.5, "professional": 0.5})
    scn = Scenario(name="t", population=pop, lists=(
        ListSpec("A", capture=0.5, unit_type_odds={"inmate": 0.25}), ListSpec("B", capture=0.4)))
    cov, caught, _, _ = _draw(scn, 2)
    inmate = cov.unit_type == "inmate"
    assert within(caught[inmate, 0].mean(), 0.2, int(inmate.sum()))  # odds 1 x 0.25 -> p = 0.2
    assert within(caught[~inmate, 0].mean(), 0.5, int((~inmate).sum()))


def test_list_dependence_by_copying():
    pop = PopulationSpec(size=20000, regions="uniform")
    scn = Scenario(name="t", population=pop, lists=(
        ListSpec("A", capture=0.4), ListSpec("B", capture=0.2, copy_from="A", copy_rate=0.3)))
    _, caught, copied, _ = _draw(scn, 9)
    a, b = caught[:, 0], caught[:, 1]
    # P(B | A) = p_B + (1 - p_B) q = 0.2 + 0.8 * 0.3 = 0.44; P(B | not A) = p_B
    assert within(b[a].mean(), 0.44, int(a.sum()))
    assert within(b[~a].mean(), 0.2, int((~a).sum()))
    assert not (copied[:, 1] & ~a).any()


ERR = ErrorRates(typo=0.2, swap_names=0.15, diminutive=0.3, missing_patronymic=0.25,
                 missing_birth_date=0.1, partial_birth_date=0.2, off_by_one_date=0.1,
                 region_variant=0.3, missing_region=0.1, duplicate=0.1)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    pop = PopulationSpec(size=3000, regions="uniform")
    scn = Scenario(name="noisy", population=pop, lists=(
        ListSpec("A", capture=1.0, headers="en", errors=ERR),
        ListSpec("T", capture=1.0, headers="en", errors=ErrorRates(typo=0.2)),
        ListSpec("S", capture=1.0, headers="en", errors=ErrorRates(swap_names=0.15, diminutive=0.3))))
    return simulate_lists(tmp_path_factory.mktemp("noisy"), seed=4, scenario=scn)


def test_error_rates_measured_from_the_file(noisy):
    rec = pd.read_csv(noisy.files["A"], dtype=str, keep_default_na=False)
    truth = noisy.truth.set_index("record_id")
    people = noisy.population.set_index("person_id")
    p = people.loc[truth.loc[rec["record_id"], "person_id"]].reset_index()
    n = len(rec)
    dup_rows = n - 3000
    assert within(dup_rows / 3000, 0.1, 3000)
    assert within((rec["patronymic"] == "").mean(), 0.25, n)
    assert within((rec["birth_date"] == "").mean(), 0.1, n)
    has_birth = rec["birth_date"] != ""
    partial = rec.loc[has_birth, "birth_date"].str.fullmatch(r"\d{4}|\d{2}\.\d{4}")
    assert within(partial.mean(), 0.2, int(has_birth.sum()))
    assert within((rec["region"] == "").mean(), 0.1, n)
    # region spelled otherwise than the canonical Russian name, among records with a region
    from uncounted.simulate.regions import spellings

    has_region = rec["region"] != ""
    canon = np.array([spellings(r)["name_ru"] for r in p["region"]])
    variant = (rec["region"].to_numpy() != canon)[has_region.to_numpy()]
    # missing_region takes precedence, so the variant rate among records with a region is 0.3
    assert within(variant.mean(), 0.3, int(has_region.sum()))


def _records_and_people(sim, name):
    rec = pd.read_csv(sim.files[name], dtype=str, keep_default_na=False)
    truth = sim.truth.set_index("record_id")
    p = sim.population.set_index("person_id").loc[truth.loc[rec["record_id"], "person_id"]]
    return rec, p.reset_index()


def _one_edit(a: str, b: str) -> bool:
    """True when b is a one-letter substitution, deletion, insertion or swap of a."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def test_typo_rate_from_the_file(noisy):
    rec, p = _records_and_people(noisy, "T")
    n = len(rec)
    sur = rec["surname"].to_numpy() != p["surname"].to_numpy()
    giv = rec["given_name"].to_numpy() != p["given_name"].to_numpy()
    # a typo hits the surname 70% of the time, the given name otherwise
    assert within(sur.mean(), 0.2 * 0.7, n)
    assert within(giv.mean(), 0.2 * 0.3, n)
    assert not (sur & giv).any()
    assert all(_one_edit(a, b) for a, b in zip(p["surname"][sur], rec["surname"][sur], strict=True))


def test_swap_and_diminutive_rates_from_the_file(noisy):
    rec, p = _records_and_people(noisy, "S")
    n = len(rec)
    forms = [{g, *DIMINUTIVES.get(g, ())} for g in p["given_name"]]
    swapped = np.array([s in f for s, f in zip(rec["surname"], forms, strict=True)])
    assert within(swapped.mean(), 0.15, n)
    given_field = np.where(swapped, rec["given_name"], rec["surname"])
    assert (given_field == p["surname"].to_numpy()).all()
    written = np.where(swapped, rec["surname"], rec["given_name"])
    eligible = p["given_name"].isin(list(DIMINUTIVES)).to_numpy()
    dim = np.array([w in DIMINUTIVES.get(g, ()) for w, g in zip(written, p["given_name"], strict=True)])
    assert within(dim[eligible].mean(), 0.3, int(eligible.sum()))
    assert not dim[~eligible].any()


def test_off_by_one_dates(noisy):
    rec = pd.read_csv(noisy.files["A"], dtype=str, keep_default_na=False)
    truth = noisy.truth.set_index("record_id")
    p = noisy.population.set_index("person_id").loc[truth.loc[rec["record_id"], "person_id"]]
    death = pd.to_datetime(rec["death_date"], format="%d.%m.%Y").to_numpy()
    diff = (death - pd.to_datetime(p["death_date"]).to_numpy()).astype("timedelta64[D]").astype(int)
    assert set(np.unique(diff)) <= {-1, 0, 1}
    # one of three off-by-one kinds moves the death date: 0.1 / 3
    assert within((diff != 0).mean(), 0.1 / 3, len(diff))


def test_with_lists_extends_and_trims():
    scn = named_scenario("default")
    assert scn.with_lists(2).list_names == ("mediazona", "obituaries")
    five = scn.with_lists(5)
    assert five.list_names[-1] == "list5" and five.lists[4].copy_from is None
    # a list copying one that comes later (or is gone) is refused by name
    with pytest.raises(ConfigError, match=r"'lists\[0\] \(ua_intel\)\.copy_from' must name a list"):
        dataclasses.replace(scn, lists=scn.lists[2:3] + scn.lists[:1])
