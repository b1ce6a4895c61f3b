"""Linkage at scale: time and peak memory for 10^5 and 10^6 records, uncounted's model against a
plain Splink configuration on the same data.

    PYTHONPATH=src python benchmarks/linkage_scale.py [--records 100000 1000000] [--seed 1]

Records are the noisy, normalised stand-in lists of tests/linkage/helpers.py (4 lists, capture
0.55/0.45/0.35/0.25, ~5,000 Zipf-distributed surnames, 40 given names). Each case runs in its own
process (so peak RSS is that case's own, DuckDB included): load the records into a fresh project
store (not timed), then link. "uncounted" is ``link_project`` (7 comparisons, 13 blocking rules,
u sampling + two EM sessions, predict, cluster, save). "plain splink" is a textbook Splink 5
model on the same input: exact/Jaro-Winkler names, exact birth year/month/day, the two blocking
rules of Splink's tutorials (first name + surname, date of birth), u sampling + one EM session,
predict, connected components at the same threshold. DuckDB is capped at 4 GB in both cases.
Prints a table: records, case, seconds, peak RSS, pairs scored, pairwise precision and recall.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = "4GB"        # DuckDB's cap in both cases (the machine is shared)
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def make_data(n_records: int, seed: int, out: Path) -> None:
    import pandas as pd

    from tests.linkage.helpers import many_surnames, synthetic_lists

    people = int(n_records / 1.6)               # 1.6 records per person with these capture rates
    records, truth = synthetic_lists(people, seed=seed, surnames=many_surnames(), zipf=0.6)
    frame = pd.DataFrame(records)
    frame["person"] = [truth[f"{r['list_name']}/{r['record_id']}"] for r in records]
    frame.to_parquet(out)


def _pairwise(persons, truth) -> tuple[float, float]:
    """Pairwise precision and recall by counting pairs per cell (no pair lists: a giant cluster
    from chained false links would not fit in memory)."""
    import pandas as pd

    def pairs(n):
        return (n * (n - 1) // 2).sum()

    frame = pd.DataFrame({"found": persons["person_id"].to_numpy(),
                          "true": persons["uid"].map(truth).to_numpy()})
    tp = pairs(frame.groupby(["found", "true"]).size())
    found, real = pairs(frame.groupby("found").size()), pairs(frame.groupby("true").size())
    return float(tp / max(found, 1)), float(tp / max(real, 1))


def run_case(case: str, data: Path, threshold: float) -> dict:
    import pandas as pd

    from tests.linkage.helpers import insert_records
    from uncounted.project import Project

    frame = pd.read_parquet(data)
    truth = dict(zip(frame["list_name"] + "/" + frame["record_id"], frame["person"], strict=True))
    rows = frame.drop(columns="person").astype(object).where(frame.notna(), None)
    root = Path(tempfile.mkdtemp(prefix="uncounted-scale-")) / "p"
    project = Project.init(root)
    with project.store() as store:
        store.set_memory_limit(MEMORY_LIMIT)     # both cases: the same cap, spilling beyond it
        insert_records(store, rows.to_dict("records"))
        t0, cpu0 = time.perf_counter(), _cpu()
        if case == "uncounted":
            from uncounted.linkage.link import link_project

            res = link_project(store, threshold=threshold, progress=False)
            n_pairs = res.n_pairs
            persons = store.runs.saved_persons(res.run_id)[["uid", "person_id"]]
        else:
            persons, n_pairs = plain_splink(store, threshold)
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    print(f"{case}: linked in {seconds:.1f} s ({cpu:.1f} CPU s)", file=sys.stderr)
    precision, recall = _pairwise(persons, truth)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "records": len(frame), "seconds": seconds, "cpu": cpu, "peak_mb": peak,
            "pairs": int(n_pairs), "precision": precision, "recall": recall}


def _cpu() -> float:
    """User + system CPU seconds of this process, every thread (DuckDB's included)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def plain_splink(store, threshold: float):
    """A plain Splink 5 dedupe on the normalised columns, in memory."""
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from uncounted.linkage.cluster import cluster_pairs

    df = store.con.execute("SELECT uid, list_name, record_id, surname_key, given_name_key, "
                           "birth_year, birth_month, birth_day FROM records").df()
    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="uid",
        comparisons=[cl.JaroWinklerAtThresholds("surname_key", [0.92, 0.85]),
                     cl.JaroWinklerAtThresholds("given_name_key", [0.92]),
                     cl.ExactMatch("birth_year"), cl.ExactMatch("birth_month"),
                     cl.ExactMatch("birth_day")],
        blocking_rules_to_generate_predictions=[block_on("surname_key", "given_name_key"),
                                                block_on("birth_year", "birth_month", "birth_day")])
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    api = DuckDBAPI(con)
    linker = Linker(api.register(df.drop(columns=["list_name", "record_id"])), settings,
                    log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname_key", "given_name_key"), estimate_without_term_frequencies=True,
        max_pairs=2e6)
    pred = linker.inference.predict(threshold_match_probability=0.01)
    n_pairs = con.execute(f"SELECT count(*) FROM {pred.physical_name}").fetchone()[0]
    edges = con.execute(f"SELECT uid_l, uid_r, match_probability FROM {pred.physical_name} "
                        "WHERE match_probability >= ?", [threshold]).df()
    return cluster_pairs(df[["uid", "list_name", "record_id"]], edges), n_pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, nargs="+", default=[100_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, Path(args.data), args.threshold)))
        return
    rows = []
    for n in args.records:
        data = Path(tempfile.mkdtemp(prefix="uncounted-scale-")) / f"records_{n}.parquet"
        make_data(n, args.seed, data)
        for case in ("plain splink", "uncounted"):
            out = subprocess.run([sys.executable, __file__, "--case", case, "--data", str(data),
                                  "--threshold", str(args.threshold)],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(rows[-1], file=sys.stderr)
    print(f"\n{'records':>9} {'case':<13} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'pairs':>11} "
          f"{'precision':>9} {'recall':>7}")
    for r in rows:
        print(f"{r['records']:>9,} {r['case']:<13} {r['seconds']:>8.1f} {r['cpu']:>8.1f} "
              f"{r['peak_mb']:>8.0f} "
              f"{r['pairs']:>11,} {r['precision']:>9.4f} {r['recall']:>7.4f}")
    print("\nmachine: 2 cores shared with other jobs; seconds are wall-clock, CPU s the link's "
          "user + system time over all threads (on a quiet 2-core machine the wall time is about "
          "CPU s / 2 to CPU s, plus waits for disk); peak = max RSS of the case's process (loading included)")


if __name__ == "__main__":
    main()
