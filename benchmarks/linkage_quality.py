"""Linkage quality on five kinds of source with namesakes: uncounted against plain Splink.

    PYTHONPATH=src python benchmarks/linkage_quality.py [--population 12000] [--seeds 1 2]
        [--linkage-draws 0] [--skip-plain]

For each seed the simulator writes the ``five_sources`` scenario (volunteers, foreign press,
officials, obituaries, roll of honour; 6% of the men have a namesake of the same region), the
lists are imported with the real importer, and the same normalised records are linked twice:

- ``uncounted``: :func:`uncounted.linkage.link.link_project` (threshold 0.9);
- ``plain splink``: a textbook Splink 5 model on the same normalised columns (Jaro-Winkler
  surname and given name, exact patronymic, exact birth year/month/day, exact region; blocking on
  surname + given name and on the birth date; u by sampling, one EM session), connected
  components at the same threshold.

Printed per case: seconds, pairwise precision and recall, cluster precision/recall/F1 (a found
cluster counts when it is exactly a true person's records), namesake false merges (pairs of
records of two namesakes put together), recall on pairs involving a roll-of-honour (initials)
record, and the log-linear MSE total from the linked histories against the true population (and
against the total from the true histories, which isolates the linkage's share of the error).
With ``--linkage-draws D`` the uncounted case also pools D sampled clusterings
(``uncounted estimate --linkage-draws``) and says whether the interval covers the truth.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]


def pair_counts(found, true) -> tuple[float, float]:
    """Pairwise precision and recall from two labellings of the same records (counts per cell)."""
    import pandas as pd

    def pairs(n):
        return int((n * (n - 1) // 2).sum())

    frame = pd.DataFrame({"found": found, "true": true})
    tp = pairs(frame.groupby(["found", "true"]).size())
    f, t = pairs(frame.groupby("found").size()), pairs(frame.groupby("true").size())
    return tp / max(f, 1), tp / max(t, 1)


def cluster_f1(found, true) -> tuple[float, float, float]:
    """Exact-cluster precision, recall and F1 (a cluster is right when it is exactly one person)."""
    import pandas as pd

    frame = pd.DataFrame({"found": found, "true": true})
    f = frame.groupby("found")["true"].agg(lambda s: (s.nunique() == 1, s.iloc[0]))
    true_sizes = frame.groupby("true").size()
    found_sizes = frame.groupby("found").size()
    exact = sum(ok and found_sizes[k] == true_sizes[t] for k, (ok, t) in f.items())
    p, r = exact / len(found_sizes), exact / len(true_sizes)
    return p, r, 2 * p * r / (p + r)


def namesake_merges(found, true, namesakes: set[frozenset]) -> int:
    """Record pairs put in one cluster whose two persons are namesakes."""
    import itertools

    import pandas as pd

    frame = pd.DataFrame({"found": found, "true": true})
    n = 0
    for _, grp in frame.groupby("found"):
        persons = grp["true"].unique()
        if len(persons) < 2:
            continue
        counts = grp["true"].value_counts()
        for a, b in itertools.combinations(persons, 2):
            if frozenset((a, b)) in namesakes:
                n += int(counts[a] * counts[b])
    return n


def subset_recall(found, true, mask) -> float:
    """Recall over true pairs with at least one record in ``mask``."""
    import itertools

    import pandas as pd

    frame = pd.DataFrame({"found": found, "true": true, "m": mask})
    tp = total = 0
    for _, grp in frame.groupby("true"):
        if len(grp) < 2 or not grp["m"].any():
            continue
        for (fa, ma), (fb, mb) in itertools.combinations(zip(grp["found"], grp["m"]), 2):
            if ma or mb:
                total += 1
                tp += fa == fb
    return tp / max(total, 1)


def plain_splink(records, threshold: float):
    """A textbook Splink 5 dedupe on the normalised columns; returns a label per record."""
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from uncounted.linkage.cluster import cluster_pairs

    cols = ["uid", "surname_key", "given_name_key", "patronymic_key", "birth_year", "birth_month",
            "birth_day", "region_iso"]
    df = records[cols]
    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="uid",
        comparisons=[cl.JaroWinklerAtThresholds("surname_key", [0.92, 0.85]),
                     cl.JaroWinklerAtThresholds("given_name_key", [0.92]),
                     cl.ExactMatch("patronymic_key"),
                     cl.ExactMatch("birth_year"), cl.ExactMatch("birth_month"),
                     cl.ExactMatch("birth_day"), cl.ExactMatch("region_iso")],
        blocking_rules_to_generate_predictions=[block_on("surname_key", "given_name_key"),
                                                block_on("birth_year", "birth_month", "birth_day")])
    con = duckdb.connect()
    api = DuckDBAPI(con)
    linker = Linker(api.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname_key", "given_name_key"), estimate_without_term_frequencies=True,
        max_pairs=2e6)
    pred = linker.inference.predict(threshold_match_probability=0.01)
    edges = con.execute(f"SELECT uid_l, uid_r, match_probability FROM {pred.physical_name} "
                        "WHERE match_probability >= ?", [threshold]).df()
    out = cluster_pairs(records[["uid", "list_name", "record_id"]], edges)
    return out.set_index("uid")["person_id"]


def run_seed(population: int, seed: int, threshold: float, draws: int, plain: bool) -> list[dict]:
    import warnings

    import pandas as pd

    from uncounted.linkage.link import link_project
    from uncounted.mse.api import estimate
    from uncounted.mse.table import CaptureTable
    from uncounted.project import Project
    from uncounted.records.importer import import_list
    from uncounted.simulate import simulate_lists
    from uncounted.simulate.sources import namesake_pairs

    tmp = Path(tempfile.mkdtemp(prefix="uncounted-quality-"))
    sim = simulate_lists(tmp / "lists", population=population, seed=seed, scenario="five_sources")
    project = Project.init(tmp / "proj")
    for name, path in sim.files.items():
        import_list(project, path, name)
    truth = sim.truth.assign(uid=sim.truth["list"] + "/" + sim.truth["record_id"].astype(str))
    truth = truth.set_index("uid")["person_id"]
    namesakes = namesake_pairs(sim.population)
    (true_est,) = estimate(sim.capture_table, "loglinear")
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with project.store() as store:
            records = store.con.execute(
                "SELECT uid, list_name, record_id, surname_key, given_name_key, patronymic_key, "
                "birth_year, birth_month, birth_day, region_iso FROM records ORDER BY uid").df()
            lists = sorted(records["list_name"].unique())
            cases = [("plain splink", None)] if plain else []
            cases.append(("uncounted", None))
            for case, _ in cases:
                t0 = time.perf_counter()
                if case == "uncounted":
                    res = link_project(store, threshold=threshold, progress=False)
                    labels = store.runs.saved_persons(res.run_id).set_index("uid")["person_id"]
                else:
                    labels = plain_splink(records, threshold)
                seconds = time.perf_counter() - t0
                labels = labels.reindex(records["uid"])
                found = pd.factorize(labels)[0]
                true = truth.reindex(records["uid"]).to_numpy()
                p, r = pair_counts(found, true)
                cp, cr, cf1 = cluster_f1(found, true)
                ns = namesake_merges(found, true, namesakes)
                roll = subset_recall(found, true, (records["list_name"] == "roll_of_honour").to_numpy())
                list_index = records["list_name"].map({n: j for j, n in enumerate(lists)}).to_numpy()
                from uncounted.linkage.cluster import patterns_from_labels

                table = CaptureTable.from_patterns(patterns_from_labels(found, list_index),
                                                   lists=lists, source=case)
                (est,) = estimate(table, "loglinear")
                row = dict(seed=seed, case=case, records=len(records), seconds=seconds,
                           precision=p, recall=r, cluster_p=cp, cluster_r=cr, cluster_f1=cf1,
                           namesake_merges=ns, initials_recall=roll, estimate=est.estimate,
                           lower=est.lower, upper=est.upper, truth=population,
                           true_hist=true_est.estimate)
                if case == "uncounted" and draws:
                    from uncounted.linkage.uncertainty import estimate_with_linkage_draws

                    (pooled,) = estimate_with_linkage_draws(store, "loglinear", draws=draws,
                                                            seed=seed)
                    row.update(pooled=pooled.estimate, pooled_lower=pooled.lower,
                               pooled_upper=pooled.upper,
                               covers=bool(pooled.lower <= population <= pooled.upper))
                rows.append(row)
                print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
                      file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=12000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--linkage-draws", type=int, default=0)
    ap.add_argument("--skip-plain", action="store_true")
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        rows += run_seed(args.population, seed, args.threshold, args.linkage_draws,
                         not args.skip_plain)
    print(f"\n{'seed':>4} {'case':<13} {'records':>7} {'sec':>6} {'prec':>7} {'recall':>7} "
          f"{'clusF1':>7} {'ns-merg':>7} {'init-rec':>8} {'MSE total (95%)':>28} {'err':>7}")
    for r in rows:
        ci = f"{r['estimate']:,.0f} ({r['lower']:,.0f}-{r['upper']:,.0f})"
        err = r["estimate"] / r["truth"] - 1
        print(f"{r['seed']:>4} {r['case']:<13} {r['records']:>7,} {r['seconds']:>6.1f} "
              f"{r['precision']:>7.4f} {r['recall']:>7.4f} {r['cluster_f1']:>7.4f} "
              f"{r['namesake_merges']:>7} {r['initials_recall']:>8.4f} {ci:>28} {err:>+7.1%}")
        if "pooled" in r:
            print(f"{'':>4} {'  pooled over':<13} {args.linkage_draws} linkage draws: "
                  f"{r['pooled']:,.0f} ({r['pooled_lower']:,.0f}-{r['pooled_upper']:,.0f}), "
                  f"covers the truth: {r['covers']}")
    print(f"\ntruth: {rows[0]['truth']:,} men; log-linear on the true histories: "
          + ", ".join(f"seed {r['seed']}: {r['true_hist']:,.0f}" for r in rows
                      if r["case"] == "uncounted"))
    print("machine: 2 cores shared with other jobs; seconds are wall-clock for linking alone")


if __name__ == "__main__":
    main()
