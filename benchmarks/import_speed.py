"""Import speed and peak memory of `uncounted import` on generated CSV lists.

Usage: python benchmarks/import_speed.py [--sizes 100000,300000,1000000] [--src OTHER/src]

For each size, a fresh project and a generated CSV (realistic spread: 2,000 surnames in Cyrillic
and three romanisations, diminutives, patronymics, 5% genitive full names, every date form, regions
in a dozen spellings) are imported in a child process, which reports wall time and its peak RSS
(resource.getrusage). The reference in the same run is DuckDB's own read_csv of the same file into
a table (no validation, no normalisation): the ratio says what normalisation costs. Peak memory at
several sizes shows whether memory is flat in the file size.

Last run (2026-11-24, 2-core VM, load average ~5 from other jobs; thousand rows/s of CPU time):
normalise 139 / 146 / 164 at 10^5 / 3x10^5 / 10^6 rows, import 59 / 71 / 76, DuckDB read_csv
623 / 681 / 712; peak RSS of the import 512 / 545 / 710 MB. The code before the Arrow rewrite
(commit 4c1278b, ``--src`` on its checkout, load ~2.5): normalise 86 / - / 107, import 45 / - / 57,
peak RSS of the import 612 / - / 905 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
            "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
            "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин"]
GIVEN = ["Александр", "Саша", "Алексей", "Лёша", "Сергей", "Дмитрий", "Дима", "Андрей", "Иван",
         "Юрий", "Yuriy", "Aleksey", "Alexander", "Евгений", "Женя", "Николай", "Mykola", "Олег"]
PATR = ["Александрович", "Сергеевич", "Иванович", "Петрович", "Юрьевич", "Alekseyevich", ""]
REGIONS = ["Бурятия", "Респ. Бурятия", "Republic of Buryatia", "ХМАО", "Свердловская обл.",
           "Sverdlovsk", "г. Москва", "Краснодарский край", "Krasnodar", "ДНР", "Тыва", "",
           "Башкортостан", "Челябинская область"]
DATES = ["12.03.1994", "1994", "03.1994", "1994-03-12", "12 марта 1994", "", "1988-07", "1979"]


def make_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    suffixes = [str(i) for i in range(84)]  # 24 x 84 = 2,016 surnames
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,фамилия,имя,отчество,дата рождения,дата гибели,регион,часть,звание\n")
        for i in range(n):
            s = rng.choice(SURNAMES) + rng.choice(suffixes).translate(str.maketrans("0123456789",
                                                                                   "абвгдежзик"))
            fh.write(f"{i},{s},{rng.choice(GIVEN)},{rng.choice(PATR)},{rng.choice(DATES)},"
                     f"{rng.randint(1, 28)}.{rng.randint(1, 12):02d}.{rng.choice([2022, 2023, 2024])},"
                     f"{rng.choice(REGIONS)},в/ч {rng.randint(1000, 99999)},рядовой\n")


CHILD = """
import json, resource, sys, time
mode, project, path = sys.argv[1:4]
t0, c0 = time.perf_counter(), time.process_time()
if mode == "uncounted":
    from uncounted.project import Project
    from uncounted.records import import_list
    Project.init(project)
    import warnings; warnings.simplefilter("ignore")
    t0, c0 = time.perf_counter(), time.process_time()
    r = import_list(project, path, "bench")
    n = r.n_imported
elif mode == "normalise":
    import warnings; warnings.simplefilter("ignore")
    from uncounted.records.readers import open_source
    from uncounted.records.schema import map_headers
    from uncounted.records.transform import normalise_chunk
    t0, c0 = time.perf_counter(), time.process_time()
    src = open_source(path)
    n = offset = 0
    for chunk in src.chunks():
        if offset == 0:
            mapping, extras = map_headers(list(chunk.columns))
        good, bad, _ = normalise_chunk(chunk, mapping, extras, "f", offset, "bench", 1)
        offset += len(chunk)
        n += len(good)
else:
    import duckdb
    con = duckdb.connect(project + ".ref.duckdb")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true)", [path])
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"n": n, "seconds": dt, "cpu": cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(mode: str, project: Path, csv_path: Path, src: Path = ROOT / "src") -> dict:
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(project), str(csv_path)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="the package source to time (e.g. an older checkout's src, to compare)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()}-core VM shared with other jobs; load average at start "
          f"{os.getloadavg()[0]:.1f}; each run is one child process\n")
    print("columns: normalise = read + validate + normalise into Arrow records (raw JSON built),\n"
          "no store write; import = the whole `import_list` (Parquet parts, one transaction,\n"
          "insert into the indexed records table, commit); reference = DuckDB read_csv of the\n"
          "same file into a table. k/s = thousand rows per second of wall time (under load) and,\n"
          "in brackets, per second of CPU time of the process (all its threads): the CPU figure\n"
          "is the one comparable between runs on a loaded machine. ratio = import / reference,\n"
          "in CPU time.\n")
    print(f"{'rows':>9} {'MB':>4} | {'norm s':>6} {'k/s (cpu)':>12} {'peakMB':>6} | "
          f"{'imp s':>6} {'k/s (cpu)':>12} {'peakMB':>6} | {'ref s':>5} {'k/s (cpu)':>12} "
          f"{'peakMB':>6} | {'ratio':>5} {'load':>4}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            csv_path = Path(tmp) / f"list_{n}.csv"
            make_csv(csv_path, n)
            mb = csv_path.stat().st_size / 2**20
            norm = run("normalise", Path(tmp) / f"norm_{n}", csv_path, args.src)
            u = run("uncounted", Path(tmp) / f"proj_{n}", csv_path, args.src)
            ref = run("reference", Path(tmp) / f"ref_{n}", csv_path)
            assert u["n"] == ref["n"] == norm["n"] == n, (u, ref, norm)
            cells = [_cells(n, r) for r in (norm, u, ref)]
            print(f"{n:>9,} {mb:>4.0f} | {cells[0]} | {cells[1]} | {cells[2]} | "
                  f"{u['cpu'] / ref['cpu']:>4.1f}x {os.getloadavg()[0]:>4.1f}")


def _cells(n: int, r: dict) -> str:
    rate = f"{n / r['seconds'] / 1e3:.0f} ({n / r['cpu'] / 1e3:.0f})"
    return f"{r['seconds']:>6.1f} {rate:>12} {r['peak_rss_mb']:>6.0f}"


if __name__ == "__main__":
    main()
