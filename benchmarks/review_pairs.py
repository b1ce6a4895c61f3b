"""CPU cost of preparing a page of review pairs: comparing two records field by field, and
telling whether the clustering refuses them (one pass over the page against one pass per pair,
the reference).

Prints CPU milliseconds per pair and the ratio to the reference, for pages of 50 to 500 pairs
(the review page loads up to 500). Run by hand: ``python benchmarks/review_pairs.py``. CPU time
(``time.process_time``) so that other work on a shared machine moves it less than wall time.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from uncounted.linkage.compare import clustering_refuses, compare_records, refused_pairs
from uncounted.records.transform import normalise_chunk

ROWS = [
    {"surname": "Лебедев", "given_name": "Антон", "patronymic": "Львович",
     "birth_date": "26.04.1987", "region": "Ростовская область"},
    {"full_name": "Лебедев Александр Львович", "birth_date": "1987", "region": "Rostov Oblast"},
    {"surname": "Lebedev", "given_name": "Sasha", "patronymic": "L.", "birth_date": "1989"},
    {"surname": "Иванов", "given_name": "И.", "patronymic": "П.", "birth_date": "04.1990"},
]


def records(n: int) -> dict[str, dict]:
    frame = pd.DataFrame([ROWS[i % len(ROWS)] for i in range(n)])
    table, errors, _ = normalise_chunk(frame, {c: c for c in frame.columns}, [], "bench.csv", 0,
                                       "L", 1)
    assert not errors
    return {f"L/{i}": r for i, r in enumerate(table.to_pylist())}


def cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    print(f"machine: {platform.machine()} {platform.processor() or ''} python "
          f"{platform.python_version()} (shared, loaded: compare ratios, not absolutes)")
    print(f"{'pairs':>6} {'compare ms/pair':>16} {'refused, page ms/pair':>22} "
          f"{'refused, per pair ms/pair':>26} {'ratio':>7}")
    for n in (50, 200, 500):
        recs = records(2 * n)
        pairs = [(f"L/{2 * i}", f"L/{2 * i + 1}") for i in range(n)]
        t_cmp = cpu(lambda recs=recs, pairs=pairs: [compare_records(recs[a], recs[b])
                                                   for a, b in pairs])
        t_page = cpu(lambda recs=recs, pairs=pairs: refused_pairs(recs, pairs))
        t_each = cpu(lambda recs=recs, pairs=pairs: [clustering_refuses(recs[a], recs[b])
                                                    for a, b in pairs])
        print(f"{n:>6} {1000 * t_cmp / n:>16.3f} {1000 * t_page / n:>22.3f} "
              f"{1000 * t_each / n:>26.3f} {t_each / max(t_page, 1e-9):>7.0f}")


if __name__ == "__main__":
    main()
