"""The coverage study behind the status rules (docs/status.md): do flagged fits stop covering?

Run by hand from the repository root (minutes; lcmcr dominates)::

    nice -n 10 .venv/bin/python docs/scripts/status_study.py run [--methods chao,loglinear]
        [--replicates 200] [--jobs 2] [--scenarios sparse-3,tiny]
    .venv/bin/python docs/scripts/status_study.py render      # writes docs/status_study.md

``run`` draws capture tables from scenarios where the assumptions of multiple-systems estimation
hold and from scenarios where they break (sparse overlaps, tiny lists, a list that copies another,
lists that catch opposite halves of the population, heterogeneous catchability), fits each method
through :func:`uncounted.simulate.coverage.run_coverage` (what ``uncounted coverage`` runs) with
the study seed 2026, and saves every replicate's row (estimate, interval, whether it covers N,
status, reason codes and the table's facts) as CSV in ``docs/coverage_results/status/``.
``render`` reads the saved rows and writes the tables: coverage by status, by rule, and by the
facts the thresholds cut.
"""

from __future__ import annotations

import argparse
import math
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from uncounted.mse import status as st
from uncounted.simulate.coverage import run_coverage
from uncounted.simulate.scenario import scenario_from_dict

SEED = 2026
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "coverage_results" / "status"
OUT = ROOT / "docs" / "status_study.md"
DEFAULT_R = {"lincoln-petersen": 200, "chao": 200, "loglinear": 200, "dga": 40, "lcmcr": 12}
#: Share of people on two or more lists left unlinked in the ``-missed`` scenarios: a linkage
#: recall of 97% for them, better than most real linkages of war-dead lists.
MISSED_LINKS = 0.03
#: The missed-link share of each scenario that has one: the ``-missed`` ones, and a grid on
#: ``independent-4`` for the ``missed_links`` rule (docs/status.md).
MISSED = {"independent-4-missed": MISSED_LINKS, "sparse-3-missed": MISSED_LINKS,
          "independent-4-missed-0.5": 0.005, "independent-4-missed-1": 0.01,
          "independent-4-missed-2": 0.02}
ORDER = ("lincoln-petersen", "chao", "loglinear", "dga", "lcmcr")


def _lists(*caps, odds=None, copy=None):
    out = []
    for i, c in enumerate(caps):
        d = {"name": "ABCDEFGH"[i], "capture": c}
        if odds:
            d["class_odds"] = list(odds[i])
        if copy and copy[0] == i:
            d["copy_from"], d["copy_rate"] = "ABCDEFGH"[copy[1]], copy[2]
        out.append(d)
    return out


def _scn(name, size, lists, description, classes=None):
    pop = {"size": size, "regions": "uniform"}
    if classes:
        pop["latent_classes"] = list(classes)
    return scenario_from_dict({"name": name, "description": description, "population": pop,
                               "lists": lists}, source=f"<status study: {name}>")


#: (scenario, holds: whether the methods' assumptions hold, methods it is run with)
SCENARIOS = {
    "independent-4": (_scn("independent-4", 2000, _lists(0.30, 0.25, 0.20, 0.35),
                           "4 independent lists, capture 0.20-0.35, N = 2,000"), True),
    "independent-3": (_scn("independent-3", 1000, _lists(0.25, 0.20, 0.30),
                           "3 independent lists, capture 0.20-0.30, N = 1,000"), True),
    "two-lists": (_scn("two-lists", 2000, _lists(0.30, 0.25),
                       "2 independent lists, capture 0.30 and 0.25, N = 2,000"), True),
    "sparse-4": (_scn("sparse-4", 5000, _lists(0.06, 0.05, 0.04, 0.05),
                      "4 independent lists, capture 0.04-0.06, N = 5,000 (about 20 people on "
                      "2+ lists)"), True),
    "sparse-3": (_scn("sparse-3", 5000, _lists(0.04, 0.03, 0.03),
                      "3 independent lists, capture 0.03-0.04, N = 5,000 (about 15 on 2+ lists)"),
                 True),
    "very-sparse-3": (_scn("very-sparse-3", 20000, _lists(0.012, 0.01, 0.01),
                           "3 independent lists, capture 0.01, N = 20,000 (about 7 on 2+ lists)"),
                      True),
    "two-sparse": (_scn("two-sparse", 5000, _lists(0.04, 0.03),
                        "2 independent lists, capture 0.04 and 0.03, N = 5,000 (about 6 in "
                        "common)"), True),
    "tiny": (_scn("tiny", 150, _lists(0.15, 0.12, 0.10),
                  "3 independent lists of 15-25 people, N = 150"), True),
    "small-list": (_scn("small-list", 2000, _lists(0.30, 0.25, 0.20, 0.003),
                        "4 independent lists, one of about 6 records, N = 2,000"), True),
    "copy": (_scn("copy", 2000, _lists(0.25, 0.20, 0.25, copy=(1, 0, 0.6)),
                  "3 lists, B copies 60% of what it missed from A, N = 2,000"), False),
    "opposed": (_scn("opposed", 2000, _lists(0.35, 0.35, 0.20,
                                             odds=[(1, 0.1), (0.1, 1), (1, 1)]),
                                             "3 lists: A catches one half of the population, B "
                                             "the other (negative dependence), N = 2,000",
                     classes=(0.5, 0.5)), False),
    "independent-4-missed": (_scn("independent-4-missed", 2000, _lists(0.30, 0.25, 0.20, 0.35),
                                  "`independent-4` with 3% of the people on 2+ lists not linked"),
                             True),
    **{f"independent-4-missed-{x}": (
        _scn(f"independent-4-missed-{x}", 2000, _lists(0.30, 0.25, 0.20, 0.35),
             f"`independent-4` with {x}% of the people on 2+ lists not linked"), True)
       for x in ("0.5", "1", "2")},
    "sparse-3-missed": (_scn("sparse-3-missed", 5000, _lists(0.04, 0.03, 0.03),
                             "`sparse-3` with 3% of the people on 2+ lists not linked"), True),
    "dominant": (_scn("dominant", 1000, _lists(0.90, 0.06, 0.06),
                      "3 independent lists catching 90%, 6% and 6%, N = 1,000 (the adversarial "
                      "`dominant` scenario)"), True),
    "unequal-3": (_scn("unequal-3", 2000, _lists(0.50, 0.20, 0.20),
                       "3 independent lists catching 50%, 20% and 20%, N = 2,000"), True),
    "unequal-4": (_scn("unequal-4", 2000, _lists(0.60, 0.10, 0.10, 0.10),
                       "4 independent lists catching 60% and 10% each, N = 2,000"), True),
    "heterogeneous": (_scn("heterogeneous", 2000, _lists(0.35, 0.30, 0.25, 0.40, odds=[(1, 0.15)] * 4),
                           "4 lists independent given a latent class: 30% hard to reach "
                           "(odds x 0.15), N = 2,000", classes=(0.7, 0.3)), False),
}


def _methods_for(scn) -> list[str]:
    k = len(scn.lists)
    if k == 2:
        return ["lincoln-petersen", "chao", "loglinear"]
    return ["chao", "loglinear", "dga", "lcmcr"]


def run(args) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    names = args.scenarios.split(",") if args.scenarios else list(SCENARIOS)
    wanted = args.methods.split(",") if args.methods else list(ORDER)
    for name in names:
        scn, holds = SCENARIOS[name]
        for method in _methods_for(scn):
            if method not in wanted:
                continue
            reps = args.replicates or DEFAULT_R[method]
            t0 = time.perf_counter()
            res = run_coverage(scn, method, reps, seed=SEED, jobs=args.jobs,
                               missed_links=MISSED.get(name, 0.0))
            secs = time.perf_counter() - t0
            rows = res.rows.assign(scenario=name, method=method, holds=holds, seconds=secs,
                                   commit=commit, when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"))
            rows.to_csv(RESULTS / f"{name}_{method}.csv", index=False)
            s = res.summary()
            print(f"{name:15s} {method:17s} R={reps:4d} coverage {s['coverage']:.1%} "
                  f"by status {s.get('by_status')} ({secs:.0f} s)", flush=True)


def _cov(g) -> str:
    if len(g) == 0:
        return "—"
    c = g["covered"].mean()
    se = math.sqrt(c * (1 - c) / len(g))
    return f"{c:.0%} ± {se:.0%} ({len(g)})"


def _err(g) -> str:
    """Median |estimate - N| / N and median interval width / N."""
    if len(g) == 0:
        return "—"
    err = ((g["estimate"] - g["truth"]).abs() / g["truth"]).median()
    width = ((g["upper"] - g["lower"]) / g["truth"]).median()
    return f"{err:.0%} / {width:.0%}"


def _load() -> pd.DataFrame:
    frames = [pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in
              sorted(RESULTS.glob("*.csv"))]
    df = pd.concat(frames, ignore_index=True)
    df["reason_codes"] = df["reason_codes"].fillna("").astype(str)
    df["covered"] = df["covered"].astype(str).str.lower().eq("true")
    df["estimable"] = df["estimable"].astype(str).str.lower().eq("true")
    return df


def render(args) -> None:
    df = _load()
    est = df[df["estimable"]]
    lines = ["# The status study: coverage by status, rule and fact", "",
             "*Generated by `docs/scripts/status_study.py render` from the rows saved in "
             "`docs/coverage_results/status/` (study seed 2026; `run` re-creates them). Read with "
             "docs/status.md.*", ""]
    runs = df.groupby(["commit", "when"]).size().reset_index()
    lines += [f"Rows computed at commit(s) {', '.join(sorted(set(runs['commit'].astype(str))))}, "
              f"{runs['when'].min()} to {runs['when'].max()} UTC; {platform.machine()}, 2 cores "
              "shared with other work. Cells are `coverage ± Monte Carlo s.e. (replicates)` of the "
              "95% intervals.", ""]
    lines += ["## Coverage by scenario, method and status", "",
              "| scenario | assumptions | method | replicates | all estimable | ok | caution | "
              "unreliable | not estimable | share ok |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, (scn, holds) in SCENARIOS.items():
        for method in ORDER:
            g = df[(df["scenario"] == name) & (df["method"] == method)]
            if g.empty:
                continue
            e = g[g["estimable"]]
            cells = [_cov(e[e["status"] == s]) for s in ("ok", "caution", "unreliable")]
            lines.append(f"| {name} | {'hold' if holds else 'broken'} | {method} | {len(g)} | "
                         f"{_cov(e)} | {' | '.join(cells)} | {int((~g['estimable']).sum())} | "
                         f"{(g['status'] == 'ok').mean():.0%} |")
    lines += ["", "Scenarios:", ""]
    lines += [f"- `{n}`: {scn.description}" for n, (scn, _) in SCENARIOS.items()]
    lines += ["", "## Pooled over scenarios: coverage by method and status", "",
              "Second line of each method: median |estimate - N| / N and median interval width / N.",
              "", "| method | ok | caution | unreliable | not estimable |", "|---|---:|---:|---:|---:|"]
    for method in ORDER:
        g = est[est["method"] == method]
        if g.empty:
            continue
        ne = int(((df["method"] == method) & ~df["estimable"]).sum())
        lines.append(f"| {method} | " + " | ".join(_cov(g[g["status"] == s]) for s in
                                                    ("ok", "caution", "unreliable")) + f" | {ne} |")
        lines.append("| (error / width) | " + " | ".join(_err(g[g["status"] == s]) for s in
                                                        ("ok", "caution", "unreliable")) + " | |")
    lines += ["", "## Each rule: coverage where it fired and where it did not", "",
              "Pooled over scenarios and methods (estimable fits only). A rule earns its place when "
              "the fits it flags cover clearly less than the others, or miss N by much more "
              "(after the `;`: median |error| / median width, as shares of N).", "",
              "| code | status it implies | fired | coverage where fired | coverage elsewhere |",
              "|---|---|---:|---:|---:|"]
    codes = sorted({c for cs in est["reason_codes"] for c in cs.split(",") if c})
    for code in codes:
        hit = est["reason_codes"].str.split(",").apply(lambda cs, code=code: code in cs)
        lines.append(f"| `{code}` | {st.CODES.get(code, ('?',))[0]} | {int(hit.sum())} | "
                     f"{_cov(est[hit])}; {_err(est[hit])} | {_cov(est[~hit])}; {_err(est[~hit])} |")
    lines += ["", "## Coverage against the facts the thresholds cut", ""]
    ratio = est["estimate"] / est["observed"]
    upper = est["upper"] / est["observed"]
    for title, values, bins, labels in [
        ("People on two or more lists (`too_few_recaptured` < 7, `thin_overlap` < 20)",
         est["recaptured"], [-1, 6, 19, 49, math.inf], ["< 7", "7-19", "20-49", ">= 50"]),
        ("Estimate / observed (`far_above_observed` > 10, `implausible_estimate` > 100)", ratio,
         [0, 3, 10, 100, math.inf], ["<= 3", "3-10", "10-100", "> 100"]),
        ("Upper end / observed (`interval_far_above_observed` > 25)", upper,
         [0, 5, 25, math.inf], ["<= 5", "5-25", "> 25"]),
        ("Smallest list (`small_list` < 10)", est["smallest_list"], [-1, 9, 29, math.inf],
         ["< 10", "10-29", ">= 30"]),
    ]:
        lines += [f"### {title}", "", "| method | " + " | ".join(labels) + " |",
                  "|---|" + "---:|" * len(labels)]
        cut = pd.cut(values, bins=bins, labels=labels)
        for method in ORDER:
            m = est["method"] == method
            if not m.any():
                continue
            lines.append(f"| {method} | " + " | ".join(_cov(est[m & (cut == lab)]) for lab in labels)
                         + " |")
            lines.append("| (error / width) | " + " | ".join(_err(est[m & (cut == lab)])
                                                             for lab in labels) + " |")
        lines.append("")
    chao = est[est["method"] == "chao"]
    lines += ["### Chao's f2 (`chao_f2_small` < 5)", "", "| f2 | chao |", "|---|---:|"]
    for lab, lo, hi in (("< 5", -1, 4), ("5-9", 5, 9), ("10-19", 10, 19), (">= 20", 20, 10**9)):
        g = chao[(chao["f2"] >= lo) & (chao["f2"] <= hi)]
        lines.append(f"| {lab} | {_cov(g)}; {_err(g)} |")
    edge = math.log(st.DEPENDENCE_OR)
    lines += ["", f"### Pairwise dependence (`strong_dependence`: odds ratio beyond "
              f"{st.DEPENDENCE_OR} or below 1/{st.DEPENDENCE_OR} with 95% confidence, i.e. "
              f"`|log OR| - 1.96 se > {edge:.2f}`)", "",
              f"| method | <= 0 | 0-{edge:.2f} | > {edge:.2f} |", "|---|---:|---:|---:|"]
    strength = est[["dependence", "negative_dependence"]].max(axis=1)
    dcut = pd.cut(strength, bins=[-math.inf, 0, edge, math.inf], labels=["a", "b", "c"])
    for method in ORDER:
        m = est["method"] == method
        if m.any():
            lines.append(f"| {method} | " + " | ".join(_cov(est[m & (dcut == x)]) for x in "abc")
                         + " |")
    lines += _mth_section(est)
    lines += _missed_section(est)
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT.relative_to(ROOT)} ({len(df)} rows)")


def _mth_section(est: pd.DataFrame) -> list[str]:
    """Chao's bound against its Mth version (``unequal_lists``, ``unequal_lists_far``)."""
    chao = est[(est["method"] == "chao") & est["chao_mth"].notna()] if "chao_mth" in est else est[:0]
    r = st.MTH_RATIO_UNRELIABLE
    title = ("### Chao's bound against the bound allowing lists of different sizes (`unequal_lists`: "
             f"Mth bound below Chao's lower end; `unequal_lists_far`: Chao more than {r} times it)")
    head = (f"| scenario | Mth within or above Chao's interval | below it, Chao <= {r} x Mth | "
            f"Chao > {r} x Mth |")
    lines = ["", title, "", "Cells: coverage of Chao's interval; median |error| / width as shares "
             "of N. Rows computed before the Mth bound was recorded are left out.", "", head,
             "|---|---:|---:|---:|"]
    if chao.empty:
        return lines + [""]
    ratio = chao["estimate"] / chao["chao_mth"]
    below = chao["chao_mth"] < chao["lower"]
    groups = {"a": ~below, "b": below & (ratio <= st.MTH_RATIO_UNRELIABLE),
              "c": below & (ratio > st.MTH_RATIO_UNRELIABLE)}
    for name in [*SCENARIOS, "all"]:
        m = chao["scenario"] == name if name != "all" else pd.Series(True, index=chao.index)
        if m.any():
            cells = [f"{_cov(chao[m & g])}; {_err(chao[m & g])}" if (m & g).any() else "—"
                     for g in groups.values()]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""]


def _missed_section(est: pd.DataFrame) -> list[str]:
    """Coverage against the missed-link share over the interval's relative half-width (the
    ``missed_links`` rule; the study knows the share, linkage measures it)."""
    share = est["scenario"].map(lambda n: MISSED.get(n, 0.0))
    pool = est[est["scenario"].isin([*MISSED, "independent-4", "sparse-3"])]
    x = (share / ((est["upper"] - est["lower"]) / (2 * est["estimate"])))[pool.index]
    edges = [-1, 0, 0.125, st.MISSED_BIAS_SHARE, 0.5, 1, math.inf]
    labels = ["0", "0-1/8", f"1/8-{st.MISSED_BIAS_SHARE:g}", f"{st.MISSED_BIAS_SHARE:g}-1/2",
              "1/2-1", "> 1"]
    cut = pd.cut(x, bins=edges, labels=labels)
    lines = ["### Missed links (`missed_links`: the missed share above "
             f"{st.MISSED_BIAS_SHARE:g} of the interval's half-width relative to the estimate)", "",
             "`independent-4` and `sparse-3` and their `-missed` versions (0.5%, 1%, 2% and 3% of "
             "the people on 2+ lists not linked); the study knows the share, a project has "
             "linkage's measure of it. Columns: missed share / (half-width / estimate).", "",
             "| method | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for method in ("chao", "loglinear", "dga", "all"):
        m = pool["method"] == method if method != "all" else pd.Series(True, index=pool.index)
        if m.any():
            lines.append(f"| {method} | " + " | ".join(_cov(pool[m & (cut == lab)])
                                                       for lab in labels) + " |")
    return lines + [""]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=["run", "render"])
    p.add_argument("--methods")
    p.add_argument("--scenarios")
    p.add_argument("--replicates", type=int)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    (run if args.what == "run" else render)(args)


if __name__ == "__main__":
    main(sys.argv[1:])
