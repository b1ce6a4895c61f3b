"""Public entry points: :func:`simulate_lists` (files with known truth) and
:func:`simulate_capture_table` (just the capture table, fast)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._extras import require_extra
from .._safe_csv import write_frame
from ..exceptions import ConfigError
from ..mse.table import CaptureTable
from .capture import capture_counts, draw_captures
from .population import Covariates, draw_covariates, draw_identities
from .scenario import Scenario, default_scenario, load_scenario
from .sources import add_namesakes, columns, record_maker
from .writers import HEADERS, columns_for, write_csv, write_xlsx

TRUTH_COLUMNS = ["list", "record_id", "person_id", "errors"]


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_lists` wrote and the truth behind it.

    Attributes
    ----------
    out_dir
        The folder written.
    files
        List name -> path of the list file (``<name>.csv`` or ``<name>.xlsx``).
    truth_path, population_path, scenario_path
        ``truth.csv`` (``list, record_id, person_id, errors``), ``population.csv`` (one row per
        person, with an ``in_<list>`` 0/1 column per list) and ``scenario.json`` (every setting).
    scenario, seed
        The scenario and seed used.
    population, truth
        The two tables as DataFrames.
    capture_table
        The true capture table (persons x lists, before any linkage error).
    """

    out_dir: Path
    files: dict[str, Path]
    truth_path: Path
    population_path: Path
    scenario_path: Path
    scenario: Scenario
    seed: int
    population: pd.DataFrame
    truth: pd.DataFrame
    capture_table: CaptureTable

    @property
    def size(self) -> int:
        return len(self.population)


def resolve_scenario(scenario: Scenario | str | Path | None, population: int | None = None,
                     lists: int | None = None) -> Scenario:
    """The scenario to run: a Scenario, a TOML path or packaged name (default: ``default``),
    with the population size and number of lists overridden when given."""
    if scenario is None:
        scn = default_scenario()
    elif isinstance(scenario, Scenario):
        scn = scenario
    else:
        scn = load_scenario(scenario)
    if population is not None:
        if int(population) < 1:
            raise ConfigError(f"--population must be at least 1; got {population}", column="population",
                              value=population)
        scn = scn.with_size(population)
    if lists is not None and lists != len(scn.lists):
        scn = scn.with_lists(lists)
    return scn


def _streams(seed: int) -> list[np.random.SeedSequence]:
    # 0 covariates, 1 capture, 2 identities, 3 records: separate streams so that the capture table
    # does not depend on whether names are drawn
    return np.random.SeedSequence(int(seed)).spawn(4)


def _draw(scn: Scenario, seed: int) -> tuple[Covariates, np.ndarray, np.ndarray, list]:
    ss = _streams(seed)
    cov = draw_covariates(scn.population, np.random.default_rng(ss[0]))
    caught, copied = draw_captures(scn.lists, cov, np.random.default_rng(ss[1]))
    return cov, caught, copied, ss


def simulate_capture_table(population: int | None = None, lists: int | None = None, seed: int = 1,
                           scenario: Scenario | str | Path | None = None) -> CaptureTable:
    """Draw only the true capture table of a scenario (no names, no files): fast, for MSE studies.

    With the same scenario and seed it equals ``simulate_lists(...).capture_table``. The population
    size (the truth an estimator should find) is ``scenario.population.size``.
    """
    scn = resolve_scenario(scenario, population, lists)
    _, caught, _, _ = _draw(scn, seed)
    return CaptureTable.from_counts(capture_counts(caught), lists=list(scn.list_names),
                                    source=f"simulated:{scn.name}:seed={seed}")


def simulate_lists(out_dir: str | Path, population: int | None = None, lists: int | None = None,
                   seed: int = 1, scenario: Scenario | str | Path | None = None) -> SimulationResult:
    """Simulate a population and noisy source lists with known truth, and write them to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write (created if missing; files of the same names are replaced).
    population, lists
        Override the scenario's number of people and of lists.
    seed
        Seed of every random draw; the same seed and scenario give the same files byte for byte.
    scenario
        A :class:`Scenario`, a TOML file, or a packaged name (``default``, ``independent``,
        ``heterogeneous``). Default: ``default`` (4 lists, 20,000 people).

    Returns
    -------
    SimulationResult
    """
    require_extra("lists", "simulate_lists")  # names (Faker), transliteration (iuliia), XLSX
    scn = resolve_scenario(scenario, population, lists)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cov, caught, _, ss = _draw(scn, seed)
    people = draw_identities(cov, np.random.default_rng(ss[2]))
    if scn.population.namesakes > 0:    # its own stream: scenarios without namesakes unchanged
        people = add_namesakes(people, scn.population.namesakes,
                               np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(5)[4]))
    for j, name in enumerate(scn.list_names):
        people[f"in_{name}"] = caught[:, j].astype(np.int8)
    records_rng = ss[3].spawn(len(scn.lists))
    files, truth_rows = {}, []
    person_rows = people.to_dict("records")
    for j, spec in enumerate(scn.lists):
        rows, truth = _list_records(spec, np.flatnonzero(caught[:, j]), person_rows,
                                    np.random.default_rng(records_rng[j]))
        files[spec.name] = _write_list(out, spec, columns(spec, columns_for(spec.name_layout)), rows)
        truth_rows.extend(truth)
    truth_df = pd.DataFrame(truth_rows, columns=TRUTH_COLUMNS)
    truth_path, pop_path, scn_path = out / "truth.csv", out / "population.csv", out / "scenario.json"
    write_frame(truth_df, truth_path, index=False, lineterminator="\n")
    write_frame(people, pop_path, index=False, lineterminator="\n")
    meta = {"seed": int(seed), "scenario": scn.to_dict()}
    scn_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    table = CaptureTable.from_counts(capture_counts(caught), lists=list(scn.list_names),
                                     source=f"simulated:{scn.name}:seed={seed}")
    return SimulationResult(out_dir=out, files=files, truth_path=truth_path, population_path=pop_path,
                            scenario_path=scn_path, scenario=scn, seed=int(seed), population=people,
                            truth=truth_df, capture_table=table)


def _list_records(spec, persons: np.ndarray, person_rows: list[dict], rng: np.random.Generator):
    """Records of one list (shuffled, with duplicates) and their truth rows."""

    maker = record_maker(spec, rng)
    made = []
    for i in persons:
        person = person_rows[i]
        rec, errs = maker.make(person)
        made.append((rec, person["person_id"], errs))
        if rng.random() < spec.errors.duplicate:
            rec2, errs2 = maker.make(person)
            made.append((rec2, person["person_id"], ["duplicate", *errs2]))
    order = rng.permutation(len(made))
    width = max(6, len(str(len(made))))
    rows, truth = [], []
    for n, idx in enumerate(order, start=1):
        rec, pid, errs = made[idx]
        rid = f"{spec.name}-{n:0{width}d}"
        rec = {"record_id": rid, **rec, "source_url": f"https://example.org/{spec.name}/{n}"}
        rows.append(rec)
        truth.append((spec.name, rid, pid, ";".join(errs)))
    return rows, truth


def _write_list(out: Path, spec, fields: list[str], rows: list[dict]) -> Path:
    header = [HEADERS[spec.headers][f] for f in fields]
    body = [[r.get(f, "") for f in fields] for r in rows]
    if spec.format == "xlsx":
        path = out / f"{spec.name}.xlsx"
        write_xlsx(path, header, body, sheet=spec.name)
    else:
        path = out / f"{spec.name}.csv"
        write_csv(path, header, body, spec.encoding)
    return path
