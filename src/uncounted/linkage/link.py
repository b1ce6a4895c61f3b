"""Train, predict and cluster: from the records of a project to persons.

:func:`link_project` runs one linkage of every record in the store and saves it as a new link run
(``link_runs`` with the trained model as JSON, ``pairs`` scored above a floor probability, and
``persons``), all in one transaction. Training is unsupervised (Fellegi-Sunter parameters by EM):

1. the prior match probability from a near-deterministic rule;
2. u values (agreement rates among non-matches) from random pairs;
3. m values (agreement rates among matches) by EM, in two sessions blocked on different fields so
   that every comparison is estimated in a session that does not block on it;
4. when review decisions exist, the m values are refined with the decided pairs
   (:func:`refine_m_with_decisions`).

The DuckDB backend runs Splink in the store's workspace
(:meth:`uncounted.store.runs.Runs.workspace`: a cursor of the store's own connection, so the
single-writer rule of a DuckDB file is kept, whose ``splink_work`` schema holds Splink's
intermediate tables and is dropped at the end). The Spark
backend reads the same input into a Spark DataFrame, runs the same settings and writes the scored
pairs back into the workspace.

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage. *JASA* 64(328), 1183-1210.
https://doi.org/10.1080/01621459.1969.10501049

Winkler, W. E. (1988). Using the EM algorithm for weight computation in the Fellegi-Sunter model
of record linkage. *Proceedings of the Section on Survey Research Methods*, ASA, 667-671.

Linacre, R. et al. (2022). Splink: free software for probabilistic record linkage at scale.
*IJPDS* 7(3). https://doi.org/10.23889/ijpds.v7i3.1794
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import ConfigError, DependencyError, EstimationWarning, ProjectError
from ..store import Store
from ..store.runs import INPUT_NAME, Workspace
from . import checks as guard
from . import settings
from .cluster import cluster_run
from .profile import field_profile, separate_lists

#: Pairs below this probability are not stored (they are neither joined nor sampled in draws).
PAIR_FLOOR = 0.01


@dataclass(frozen=True)
class LinkResult:
    """What one link run did."""

    run_id: int
    backend: str
    threshold: float
    n_records: int
    n_pairs: int
    n_persons: int
    n_decisions: int
    seconds: float
    steps: dict = field(default_factory=dict)
    #: the guard rails of the run: ``profile`` (per list), ``checks`` (dicts of
    #: :class:`~uncounted.linkage.checks.Check`), ``removed`` (pairs dropped by the pair rules),
    #: ``allow_weak`` (see :meth:`uncounted.store.runs.Runs.guard`)
    guard: dict = field(default_factory=dict)

    @property
    def checks(self) -> list[dict]:
        return list(self.guard.get("checks", []))


@contextlib.contextmanager
def quiet_splink(level: int = logging.ERROR, collect: list | None = None):
    """Set the ``splink`` logger to ``level`` inside the block and restore it after.

    Splink logs every SQL step at INFO; a linkage run keeps only errors. With ``collect`` (a
    list), Splink's messages from INFO up are appended to it as ``(level, text)`` instead, and
    none reaches the caller's handlers (propagation is off inside the block), so that
    :func:`uncounted.linkage.checks.training_checks` can say what they mean. Level, handler and
    propagation are put back however the block ends, so a caller's own logging set-up is left as
    it was.
    """
    logger = logging.getLogger("splink")
    before, propagate = logger.level, logger.propagate
    handler = None
    if collect is not None:
        handler = _Collect(collect)
        logger.addHandler(handler)
        logger.propagate = False
        level = logging.INFO
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
        if handler is not None:
            logger.removeHandler(handler)
            logger.propagate = propagate


class _Collect(logging.Handler):
    """A logging handler that appends ``(levelno, message)`` to a list."""

    def __init__(self, sink: list):
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink.append((record.levelno, record.getMessage()))
        except (TypeError, ValueError):     # a message that cannot be formatted: keep its text
            self.sink.append((record.levelno, str(record.msg)))


def link_project(store: Store, *, backend: str = "duckdb", threshold: float = 0.9, seed: int = 1,
                 u_max_pairs: float = 2e6, em_max_pairs: float | None = 2e6,
                 progress: Callable[[str, float | None], None] | None = None,
                 spark=None, allow_weak: bool = False) -> LinkResult:
    """Link every record in ``store`` into persons and save the run.

    Parameters
    ----------
    store
        An open, writable project store.
    backend
        ``"duckdb"`` (default) or ``"spark"`` (local mode unless ``spark`` is a session).
    threshold
        Match probability at or above which two records are joined into one person.
    seed
        Seed of the random sampling used to estimate u values.
    u_max_pairs, em_max_pairs
        Random pairs for u estimation; blocked pairs per EM session (``None``: all).
    progress
        Called as ``progress(step, None)`` when a step starts and ``progress(step, seconds)`` when
        it ends (``uncounted link`` draws them with Rich); ``None`` or ``False``: silent. The
        library itself never prints.
    spark
        A SparkSession for ``backend="spark"``; default: a local one.
    allow_weak
        Compare lists that share no identifying field (a name or a full birth date) and let
        records without any name be joined to each other on the model's word. Default: they are
        not (the pair rules of docs/linkage.md, "What linkage cannot know"); the run's checks
        (``LinkResult.checks``) say what was kept apart and what looks wrong after clustering.
    """
    if backend not in {"duckdb", "spark"}:
        raise ConfigError("backend must be 'duckdb' or 'spark'", value=backend)
    if not 0.0 < threshold < 1.0:
        raise ConfigError("threshold is a match probability strictly between 0 and 1",
                          value=threshold)
    if progress is not None and progress is not False and not callable(progress):
        raise ConfigError("progress is a callback progress(step, seconds) or None", value=progress)
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    report = progress or None
    messages: list = []
    with quiet_splink(collect=messages):
        def step(name: str):
            return _Step(report, name, steps)

        with store.runs.workspace() as ws:
            with step("prepare input"):
                n = ws.build_input(settings.phonetic_key, settings.normalise_unit)
            if n < 2:
                raise ProjectError(f"{store.path}: {n} record(s) in the store; import at least two "
                                   "records with 'uncounted import' before linking")
            profiles = field_profile(store)
            engine = None
            try:
                engine = _DuckDBEngine(store, ws) if backend == "duckdb" else \
                    _SparkEngine(store, ws, spark)
                decisions = store.decisions.in_force()
                with step("train: prior, u by random sampling, m by EM"):
                    engine.train(seed=seed, u_max_pairs=u_max_pairs, em_max_pairs=em_max_pairs)
                n_refined = 0
                if len(decisions):
                    with step(f"refine with {len(decisions)} review decision(s)"):
                        n_refined = engine.refine(decisions)
                with step("predict pairs"):
                    predictions = engine.predict()
                    separate = [] if allow_weak else [(a, b) for a, b, _ in
                                                      separate_lists(profiles)]
                    predictions, removed = ws.drop_weak_pairs(
                        predictions, nameless=not allow_weak, separate=separate,
                        threshold=threshold)
                checks = guard.training_checks(messages, engine.skipped, engine.linker, n) + \
                    guard.rule_checks(profiles, removed, allow_weak=allow_weak)
                with step("cluster and save"):
                    result = _save_run(store, engine, predictions, backend, threshold,
                                       len(decisions), n_refined, n,
                                       {"profile": [p.to_dict() for p in profiles],
                                        "removed": removed, "allow_weak": bool(allow_weak),
                                        "checks": checks})
            finally:
                if engine is not None:
                    engine.close()
    return LinkResult(**result, seconds=time.perf_counter() - t0, steps=steps)


class _Step:
    """Times one step into ``steps`` and tells ``report`` (if any) when it starts and ends."""

    def __init__(self, report, name: str, steps: dict):
        self.report, self.name, self.steps = report, name, steps

    def __enter__(self):
        self.t = time.perf_counter()
        if self.report:
            self.report(self.name, None)
        return self

    def __exit__(self, *exc):
        self.steps[self.name] = round(time.perf_counter() - self.t, 2)
        if self.report and exc[0] is None:
            self.report(self.name, self.steps[self.name])


class _DuckDBEngine:
    """Splink on the workspace's cursor of the store's connection."""

    def __init__(self, store: Store, ws: Workspace):
        from splink import DuckDBAPI, Linker

        self.store, self.ws = store, ws
        self.db_api = DuckDBAPI(ws.cursor)
        df = self.db_api.register(INPUT_NAME, dataset_display_name="records")
        self.linker = Linker(df, settings.settings_creator(), log_level=None)  # no handler

    skipped: list

    def train(self, *, seed: int, u_max_pairs: float, em_max_pairs: float | None) -> None:
        self.skipped = []
        train_linker(self.linker, seed=seed, u_max_pairs=u_max_pairs, em_max_pairs=em_max_pairs,
                     skipped=self.skipped)

    def refine(self, decisions) -> int:
        return refine_linker(self.linker, self.store, decisions)

    def predict(self) -> str:
        """Score blocked pairs; returns the name of the workspace table holding them."""
        pred = self.linker.inference.predict(threshold_match_probability=PAIR_FLOOR)
        return pred.physical_name

    def model(self) -> dict:
        return self.linker.misc.save_model_to_json()

    def close(self) -> None:
        """Release what the engine made outside the store (nothing for DuckDB)."""


class _SparkEngine(_DuckDBEngine):
    """The same settings on Spark (local mode by default); pairs come back through Arrow."""

    def __init__(self, store: Store, ws: Workspace, spark=None):
        from splink import Linker, SparkAPI

        self.store, self.ws = store, ws
        self.spark = spark or local_spark()
        self.scratch = None
        if self.spark.sparkContext.getCheckpointDir() is None:      # Splink breaks lineage
            import tempfile

            self.scratch = tempfile.mkdtemp(prefix="uncounted-spark-")
            self.spark.sparkContext.setCheckpointDir(self.scratch)
        self.db_api = SparkAPI(spark_session=self.spark)
        frame = ws.input_frame(settings.INPUT_COLUMNS)
        sdf = self.spark.createDataFrame(frame.astype(object).where(frame.notna(), None),
                                         schema=_spark_schema())
        df = self.db_api.register(sdf, dataset_display_name="records")
        self.linker = Linker(df, settings.settings_creator(), log_level=None)  # no handler

    def train(self, *, seed: int, u_max_pairs: float, em_max_pairs: float | None) -> None:
        # one chunk for u: on Spark every chunk is a job with a fixed cost of seconds
        self.skipped = []
        train_linker(self.linker, seed=seed, u_max_pairs=u_max_pairs, em_max_pairs=em_max_pairs,
                     u_chunks=1, skipped=self.skipped)

    def predict(self) -> str:
        pred = self.linker.inference.predict(threshold_match_probability=PAIR_FLOOR)
        return self.ws.put_table("spark_pairs", pred.as_spark_dataframe().toPandas())

    def close(self) -> None:
        if self.scratch:       # checkpoints of this run; the session's own dirs are Spark's
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)


def _spark_schema():
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    ints = {"birth_year", "birth_month", "birth_day", "death_year", "death_month", "death_day",
            "death_dnum", "death_mnum"}
    return StructType([StructField(c, LongType() if c in ints else StringType(), True)
                       for c in settings.INPUT_COLUMNS])


def local_spark(cores: int = 2):
    """A local SparkSession (``local[cores]``) configured for Splink."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as err:
        raise DependencyError.for_extra("spark", "pyspark", what="the Spark backend (and Java 17)"
                                        ) from err
    import tempfile

    scratch = tempfile.mkdtemp(prefix="uncounted-spark-")
    return (SparkSession.builder.master(f"local[{cores}]").appName("uncounted-linkage")
            .config("spark.sql.warehouse.dir", f"{scratch}/warehouse")  # not in the cwd
            .config("spark.jars", similarity_jar_location())       # Splink's jaro_winkler UDFs
            .config("spark.driver.memory", "2g")
            .config("spark.sql.shuffle.partitions", str(4 * cores))
            .config("spark.default.parallelism", str(4 * cores))
            .config("spark.ui.enabled", "false")
            .getOrCreate())


def train_linker(linker, *, seed: int = 1, u_max_pairs: float = 2e6,
                 em_max_pairs: float | None = 2e6, u_chunks: int = 10,
                 skipped: list | None = None) -> None:
    """Unsupervised training of a Splink linker made with :func:`settings.settings_creator`.

    A step that finds no pairs (a tiny project) leaves Splink's starting values and warns, or,
    with ``skipped`` (a list), appends ``(step, Splink's message)`` to it instead (what
    :func:`link_project` does: its checks say what the step means).
    """
    from splink.internals.exceptions import SplinkException

    def attempt(what: str, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except (SplinkException, ZeroDivisionError, ValueError) as err:
            if skipped is not None:      # said in plain words by checks.training_checks
                skipped.append((what, str(err)))
                return
            warnings.warn(f"linkage training: {what} was skipped ({str(err).splitlines()[0]}); "
                          "the model keeps starting values there. Fine for a handful of records, "
                          "a sign of trouble for thousands.", EstimationWarning, stacklevel=3)

    attempt("the prior match probability", linker.training.estimate_probability_two_random_records_match,
            settings.deterministic_rules(), recall=0.7)
    if not linker._settings_obj._probability_two_random_records_match > 0:
        # no exact duplicates at all (a tiny project): a small prior instead of zero
        linker._settings_obj._probability_two_random_records_match = 1e-4
    attempt("u estimation", linker.training.estimate_u_using_random_sampling,
            max_pairs=u_max_pairs, seed=seed, num_chunks=u_chunks)
    for rule in settings.training_rules():
        attempt(f"the EM session blocked on {rule.get_blocking_rule('duckdb').blocking_rule_sql}",
                linker.training.estimate_parameters_using_expectation_maximisation,
                rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs)


def refine_linker(linker, store: Store, decisions) -> int:
    """Refine m values with reviewed pairs; returns how many decided pairs were used.

    Each decided pair's comparison levels are looked up in the most recent run that scored it
    (``pairs.detail``); see :func:`refine_m_with_decisions`.
    """
    gammas, labels = decided_gammas(store, decisions)
    if not labels:
        return 0
    model = linker.misc.save_model_to_json()
    model = refine_m_with_decisions(model, gammas, labels)
    _load_m_values(linker, model)
    return len(labels)


def decided_gammas(store: Store, decisions) -> tuple[list[dict], list[bool]]:
    """Comparison levels of decided (match / non-match) pairs from their latest scored run."""
    decided = decisions[decisions["decision"].isin(["match", "non-match"])]
    keys = list(zip(decided["uid_l"], decided["uid_r"], strict=True))
    details = store.runs.latest_details(keys)
    gammas, labels = [], []
    for key, decision in zip(keys, decided["decision"], strict=True):
        if key in details:
            gammas.append(details[key].get("gamma", {}))
            labels.append(decision == "match")
    return gammas, labels


def refine_m_with_decisions(model: dict, gammas: list[dict], labels: list[bool],
                            prior_strength: float = 50.0) -> dict:
    """Update m values with reviewed matches: a Dirichlet posterior centred on the EM estimate.

    For each comparison, the EM m values act as a Dirichlet prior with ``prior_strength``
    pseudo-pairs; each pair reviewed as a match adds one count to the level it fell in. Reviewed
    non-matches do not change u (u comes from random pairs, of which reviewed pairs are not a fair
    sample); they act at clustering, where they split. Because reviewed pairs are chosen from the
    uncertain band, they are not a random sample of matches either: the prior keeps a few dozen
    decisions from dragging m far from what EM found on all pairs.

    References
    ----------
    Larsen, M. D. and Rubin, D. B. (2001). Iterative automated record linkage using mixture models.
    *JASA* 96(453), 32-41. https://doi.org/10.1198/016214501750332956
    """
    import copy

    model = copy.deepcopy(model)
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        n_levels = len(levels)
        counts = np.zeros(n_levels)
        for g, is_match in zip(gammas, labels, strict=True):
            gv = g.get(name)
            if is_match and gv is not None and 0 <= gv < n_levels:
                counts[n_levels - 1 - gv] += 1      # gamma n-1 is the first non-null level
        if counts.sum() == 0:
            continue
        prior = np.array([lv.get("m_probability") or 1.0 / n_levels for lv in levels], float)
        post = (prior_strength * prior / prior.sum() + counts) / (prior_strength + counts.sum())
        for lv, m in zip(levels, post, strict=True):
            lv["m_probability"] = float(max(m, 1e-6))
    return model


def _load_m_values(linker, model: dict) -> None:
    """Copy m values from a model dict into the linker's settings."""
    by_name = {c["output_column_name"]: c for c in model["comparisons"]}
    for comp in linker._settings_obj.comparisons:
        levels = [lv for lv in comp.comparison_levels if not lv.is_null_level]
        new = [lv for lv in by_name[comp.output_column_name]["comparison_levels"]
               if not lv.get("is_null_level")]
        for lv, d in zip(levels, new, strict=True):
            if d.get("m_probability") is not None:
                lv.m_probability = d["m_probability"]


def _save_run(store: Store, engine, predictions: str, backend: str, threshold: float,
              n_decisions: int, n_refined: int, n_records: int, guard_info: dict) -> dict:
    model = engine.model()
    with store.transaction():
        run_id = store.runs.new_id()
        n_pairs = store.runs.insert_scored_pairs(run_id, predictions, settings.comparison_names())
        persons = cluster_run(store, run_id, threshold)
        store.runs.insert_persons(run_id, persons)
        n_persons = int(persons["person_id"].nunique())
        found = guard_info["checks"] + guard.cluster_checks(
            persons, store.runs.guard_fields(), store.records.list_names(),
            allow_weak=guard_info["allow_weak"], agreeing=store.runs.agreeing_pairs()) + \
            guard.pair_checks(n_pairs, n_records)
        guard_info = {**guard_info, "checks": [c.to_dict() for c in found],
                      "cluster_sizes": guard.summary_counts(persons)}
        meta = {"guard": guard_info, "pair_floor": PAIR_FLOOR, "n_decisions": n_decisions,
                "n_decisions_used_in_training": n_refined,
                "blocking_rules": [str(b) for b in model.get("blocking_rules_to_generate_predictions",
                                                             [])]}
        store.runs.insert(run_id, backend=backend, threshold=threshold, model=model, settings=meta,
                          n_records=n_records, n_pairs=n_pairs, n_persons=n_persons)
        store.audit("link", target=f"run {run_id}",
                    detail={"backend": backend, "threshold": threshold, "n_records": n_records,
                            "n_pairs": n_pairs, "n_persons": n_persons})
    return {"run_id": int(run_id), "backend": backend, "threshold": threshold,
            "n_records": n_records, "n_pairs": int(n_pairs), "n_persons": n_persons,
            "n_decisions": n_decisions, "guard": guard_info}
