"""The whole chain on simulated data: simulate lists, import, link, estimate, report.

:func:`run_demo` is what ``uncounted demo`` runs. Because the lists are simulated, the true population
size and the true person behind every record are known, so the demo also says how well linkage and
each estimator did — the same check a user can run on a scenario shaped like their own lists.
"""

from __future__ import annotations

import shutil
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import ProjectError
from .histories import capture_table, current_persons, flag_missed_links, missed_measure
from .linkage.link import link_project
from .mse.api import estimate, resolve_methods
from .mse.result import Estimate
from .project import CONFIG_FILE, Project
from .records import import_list
from .report import build_report
from .simulate import simulate_capture_table, simulate_lists
from .simulate.api import resolve_scenario


@dataclass(frozen=True)
class PairQuality:
    """Pairwise linkage quality against the truth."""

    true_pairs: int
    found_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


@dataclass
class DemoResult:
    """What the demo produced and how it compares with the truth."""

    out_dir: Path
    project_dir: Path
    report_path: Path | None
    true_population: int
    true_observed: int
    linked_observed: int
    quality: PairQuality
    estimates: list[Estimate] = field(default_factory=list)
    true_table_estimates: list[Estimate] = field(default_factory=list)
    #: The same methods on the true capture table of a scenario whose lists are independent and
    #: homogeneous (every method's assumptions hold there), and that scenario's true size.
    control_scenario: str | None = None
    control_population: int | None = None
    control_estimates: list[Estimate] = field(default_factory=list)

    def misses(self) -> list[str]:
        """Methods whose interval (from the linked lists) does not cover the true size."""
        return [e.method for e in self.estimates if e.estimable and not holds(e, self.true_population)]


#: Methods whose number is a lower bound: right when it does not exceed the truth.
LOWER_BOUNDS = frozenset({"chao"})


def holds(est: Estimate, truth: int) -> bool:
    """Whether an estimate is right about ``truth``: its interval covers it or, for a lower bound
    (Chao), the bound does not exceed it."""
    if est.method in LOWER_BOUNDS:
        return est.estimate <= truth
    return est.lower <= truth <= est.upper


def _pairs(n: np.ndarray) -> int:
    n = n.astype(np.int64)
    return int((n * (n - 1) // 2).sum())


def pair_quality(found: pd.Series, truth: pd.Series) -> PairQuality:
    """Pairwise precision and recall of a clustering.

    Parameters
    ----------
    found, truth
        Cluster labels indexed by the same record identifiers: the linked person and the true person.
        A pair of records is "found" when both have the same ``found`` label, "true" when both have
        the same ``truth`` label. Counting is done per cell, so large clusters cost nothing extra.
    """
    frame = pd.DataFrame({"found": found, "truth": truth.reindex(found.index)})
    if frame["truth"].isna().any():
        missing = frame.index[frame["truth"].isna()][:3].tolist()
        raise ValueError(f"records without truth: {missing}")
    cells = frame.groupby(["found", "truth"]).size().to_numpy()
    return PairQuality(true_pairs=_pairs(frame.groupby("truth").size().to_numpy()),
                       found_pairs=_pairs(frame.groupby("found").size().to_numpy()),
                       correct_pairs=_pairs(cells))


def run_demo(out_dir: str | Path, *, population: int = 5000, seed: int = 1,
             methods: Sequence[str] | str = ("loglinear", "dga", "lcmcr", "chao"),
             threshold: float | None = None, force: bool = False, report: bool = True,
             control: str | None = "independent",
             say: Callable[[str], None] = lambda msg: None,
             progress: Callable[[str, float | None], None] | None = None) -> DemoResult:
    """Simulate four lists, import them into a new project, link, estimate and write the report.

    Parameters
    ----------
    out_dir
        Folder for ``lists/`` (the simulated files and ``truth.csv``), ``project/`` (the project),
        ``capture_table.csv`` and ``report.html``.
    population
        People in the simulated population (the default scenario's other settings are kept).
    seed
        Seed of the simulation and of every random method.
    methods
        Estimators to run on the linked capture table (and, for comparison, on the true one).
    threshold
        Linkage threshold (default: the project's setting).
    force
        Replace an existing demo in ``out_dir``.
    control
        A packaged scenario whose true capture table (no linkage) the same methods also estimate,
        as a control where their assumptions hold (default ``independent``; None: skip).
    say, progress
        Callbacks for what the demo is doing (one line each) and for its long steps: linkage's
        (see :func:`~uncounted.linkage.link.link_project`), each method's estimation and the
        report, as ``progress(step, None)`` when one starts and ``progress(step, seconds)`` when
        it ends; silent by default.
    """
    out = Path(out_dir)
    project_dir = out / "project"
    if project_dir.exists():
        if not force:
            raise ProjectError(f"{project_dir} already exists; use --force to replace the demo")
        shutil.rmtree(project_dir)
    say(f"Simulating {population:,} people and four noisy source lists (seed {seed})")
    sim = simulate_lists(out / "lists", population=population, seed=seed)
    project = Project.init(project_dir, name="uncounted demo")
    _mark_simulated(project)
    for name, path in sim.files.items():
        res = import_list(project, path, name)
        say(f"Imported {path.name} as list '{name}': {res.n_imported:,} records")
    threshold = threshold if threshold is not None else project.setting("linkage", "threshold", 0.9)
    with project.store() as store:
        link = link_project(store, threshold=threshold, seed=seed, progress=progress)
        persons = current_persons(store, link.run_id)
        table = capture_table(store, persons=persons)
        missed = missed_measure(store, persons)
        persons = persons.frame
    say(f"Linked {link.n_records:,} records into {link.n_persons:,} persons")
    table.to_csv(out / "capture_table.csv")
    truth = sim.truth.assign(uid=sim.truth["list"] + "/" + sim.truth["record_id"].astype(str))
    quality = pair_quality(persons.set_index("uid")["person_id"],
                           truth.set_index("uid")["person_id"].astype(str))
    step = progress or (lambda name, seconds=None: None)
    rows, true_rows = [], []
    for name in resolve_methods(methods):  # one step per method: the slow ones are visible
        for where, tab, out_rows in (("linked lists", table, rows),
                                     ("true histories", sim.capture_table, true_rows)):
            label = f"estimating {name} on the {where}"
            t0 = time.perf_counter()
            step(label, None)
            got = estimate(tab, name, seed=seed)
            out_rows.extend(flag_missed_links(got, missed) if tab is table else got)
            step(label, time.perf_counter() - t0)
    report_path = None
    if report:
        report_path = out / "report.html"
        t0 = time.perf_counter()
        step("building the report", None)
        report_path.write_text(build_report(project_dir, methods=list(methods), seed=seed),
                               encoding="utf-8")
        step("building the report", time.perf_counter() - t0)
        say(f"Wrote {report_path}")
    # saved for the review UI's Estimates page (after the report, which computes its own)
    with project.store() as store:
        store.estimates.save([r.to_dict() for r in rows], run_id=link.run_id)
    control_rows, control_n = [], None
    if control is not None:
        control_n = resolve_scenario(control, population).population.size
        control_table = simulate_capture_table(population, seed=seed, scenario=control)
        control_rows = estimate(control_table, methods, seed=seed)
        say(f"Estimated the control scenario '{control}' ({control_n:,} people, true histories)")
    return DemoResult(out, project_dir, report_path, true_population=len(sim.population),
                      true_observed=sim.capture_table.observed, linked_observed=table.observed,
                      quality=quality, estimates=rows, true_table_estimates=true_rows,
                      control_scenario=control, control_population=control_n,
                      control_estimates=control_rows)


def _mark_simulated(project: Project) -> None:
    """Say in ``uncounted.toml`` that the project is simulated: the report then labels it so and
    never draws it beside real-world published figures."""
    path = project.root / CONFIG_FILE
    text = path.read_text(encoding="utf-8")
    text = text.replace("[project]\n", "[project]\nsimulated = true  # made by 'uncounted demo'\n", 1)
    path.write_text(text, encoding="utf-8")
    project.config = tomllib.loads(text)
