"""Write docs/coverage.md: every available estimator on the two coverage scenarios.

Run by hand from the repository root (takes minutes; the Bayesian methods dominate)::

    PYTHONPATH=src python docs/scripts/coverage_report.py [--replicates 500] [--jobs 2]
        [--set lcmcr=40 --set dga=100] [--methods chao,loglinear] [--out docs/coverage.md]

Each method runs ``R`` replicates of each scenario through :func:`uncounted.simulate.run_coverage`
(the same code as ``uncounted coverage``), with the study seed 2026, so the numbers can be
re-created exactly. Lincoln-Petersen uses the first two lists (A, B) of each scenario.

Each (scenario, method) summary is saved as JSON in ``docs/coverage_results/`` with the git commit,
time and machine it was computed on; the report is rendered from every saved summary, so a slow
method can be run once (``--methods lcmcr``) and the fast ones re-run later without repeating it.
``--render-only`` rewrites the report from the saved summaries.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from uncounted.mse.registry import available_methods
from uncounted.simulate import named_scenario
from uncounted.simulate.coverage import _cores, run_coverage

SEED = 2026
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "coverage_results"
ORDER = ("lincoln-petersen", "chao", "loglinear", "dga", "lcmcr")
SCENARIOS = ("independent", "heterogeneous")
#: default replicates per method (the Bayesian samplers are slow: fewer replicates, said in the table)
DEFAULT_R = {"lincoln-petersen": 1000, "chao": 1000, "loglinear": 500, "dga": 100, "lcmcr": 40}


def verdict(s: dict) -> str:
    """A plain-words reading of one summary row (thresholds stated in the report)."""
    if s["replicates"] == s["not_estimable"]:
        return "not estimable"
    cov, se = s["coverage"], max(s["coverage_se"], 0.005)
    lo_ok = cov >= s["level"] - 2 * se - 0.01
    words = []
    if abs(s["relative_bias"]) < 0.02:
        words.append("unbiased (bias within 2%)")
    elif s["relative_bias"] < 0:
        words.append(f"too low by {-s['relative_bias']:.0%}")
    else:
        words.append(f"too high by {s['relative_bias']:.0%}")
    words.append("intervals cover at the stated level" if lo_ok else
                 f"intervals under-cover ({cov:.0%} for {s['level']:.0%})")
    return "; ".join(words)


def row(s: dict, seconds: float) -> str:
    if s["replicates"] == s["not_estimable"]:
        return (f"| {s['method']} | {s['replicates']} | — | — | — | — | — | — | {s['not_estimable']} | "
                f"{seconds:.0f} | not estimable |")
    return (f"| {s['method']} | {s['replicates']} | {s['mean_observed']:,.0f} | {s['mean_estimate']:,.0f} "
            f"| {s['relative_bias']:+.1%} | {s['relative_rmse']:.1%} | {s['relative_width']:.1%} "
            f"| {s['coverage']:.1%} ± {s['coverage_se']:.1%} | {s['not_estimable']} | {seconds:.0f} "
            f"| {verdict(s)} |")


HEADER = ("| method | replicates | mean observed | mean estimate | relative bias | relative RMSE "
          "| mean 95% interval width (% of N) | coverage ± MC s.e. | not estimable | seconds | reading |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=None, help="replicates for every method")
    ap.add_argument("--set", action="append", default=[], help="METHOD=R replicates for one method")
    ap.add_argument("--methods", default=None, help="comma-separated methods (default: all available)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--render-only", action="store_true", help="only rewrite the report")
    ap.add_argument("--out", default=str(ROOT / "docs" / "coverage.md"))
    args = ap.parse_args(argv)
    methods = [] if args.render_only else (args.methods.split(",") if args.methods
                                           else available_methods())
    reps = {m: args.replicates or DEFAULT_R.get(m, 200) for m in methods}
    for item in args.set:
        m, _, r = item.partition("=")
        reps[m] = int(r)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in SCENARIOS:
        for m in methods:
            t0 = time.perf_counter()
            res = run_coverage(name, m, reps[m], seed=SEED, jobs=args.jobs,
                               lists=2 if m == "lincoln-petersen" else None)
            s = res.summary()
            s["seconds"] = time.perf_counter() - t0
            s["computed"] = provenance(args.jobs)
            (RESULTS / f"{name}_{m}.json").write_text(json.dumps(s, indent=1, default=_nan) + "\n",
                                                      encoding="utf-8")
            print(f"{name:14s} {m:18s} R={reps[m]:5d} {s['seconds']:7.1f}s  {verdict(s)}", file=sys.stderr)
    sections = []
    for name in SCENARIOS:
        scn = named_scenario(name)
        lines = [f"## Scenario `{name}`", "", scn.description.strip(), "", unseen_note(scn), "", HEADER]
        for m in ORDER:
            path = RESULTS / f"{name}_{m}.json"
            if path.exists():
                s = json.loads(path.read_text(encoding="utf-8"))
                lines.append(row(s, s["seconds"]))
        sections.append("\n".join(lines))
    Path(args.out).write_text(render(sections), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def unseen_note(scn) -> str:
    """The expected share of N that no list catches, overall and by latent class (from 100,000 draws)."""
    import numpy as np

    from uncounted.simulate.capture import capture_probabilities
    from uncounted.simulate.population import draw_covariates

    cov = draw_covariates(scn.with_size(100_000).population, np.random.default_rng(0))
    unseen = np.prod(1 - capture_probabilities(scn.lists, cov), axis=1)
    text = f"Expected share of N that no list catches: {unseen.mean():.0%}"
    if len(scn.population.latent_classes) > 1:
        parts = [f"class {c + 1} ({np.mean(cov.latent_class == c):.0%} of N): "
                 f"{unseen[cov.latent_class == c].mean():.0%} unseen"
                 for c in range(len(scn.population.latent_classes))]
        text += " (" + "; ".join(parts) + ")"
    return text + "."


def _nan(x):
    return None


def provenance(jobs) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"commit": commit, "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {_cores()} cores available (shared with other work), "
                       f"Python {platform.python_version()}", "jobs": jobs or _cores()}


def render(sections) -> str:
    saved = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))]
    present = sorted({s["method"] for s in saved}, key=lambda m: ORDER.index(m) if m in ORDER else 99)
    missing = [m for m in ORDER if m not in present]
    runs: dict[tuple, list[str]] = {}
    for s in saved:
        c = s["computed"]
        key = (s["method"], s["replicates"], c["commit"], c["machine"], c["jobs"])
        runs.setdefault(key, []).append(c["when"])
    order = sorted(runs, key=lambda k: ORDER.index(k[0]) if k[0] in ORDER else 99)
    run_lines = "\n".join(f"- `{m}`: {r} replicates per scenario; code `{c}`; {', '.join(sorted(set(runs[k])))}; "
                          f"{mach}; {j} worker(s)" for k in order for m, r, c, mach, j in [k])
    return f"""# Coverage of the estimators on simulated lists

*Generated by `docs/scripts/coverage_report.py` (study seed {SEED}; re-run it to reproduce these
numbers exactly). Methods not in the installation when it ran: {", ".join(missing) or "none"}.*

Runs:

{run_lines}

Every claim that a method estimates well must be shown where the truth is known. Each row below
draws `R` capture tables from a scenario with a known population size N (`uncounted coverage`
does the same for one method), fits the method, and compares:

- **relative bias**: mean(estimate - N) / N;
- **relative RMSE**: sqrt(mean((estimate - N)^2)) / N;
- **mean interval width**: mean(upper - lower), as a share of N;
- **coverage**: the share of replicates whose 95% interval contains N, with its Monte Carlo
  standard error sqrt(c (1 - c) / R). A method whose coverage is within about two standard errors
  of 95% covers as it says; one far below gives intervals that are too narrow or in the wrong place.

The "reading" column applies fixed rules: a relative bias within ±2% is called unbiased; coverage is called
at the stated level when it is at least 95% minus two Monte Carlo standard errors minus one point.
Lincoln-Petersen is run on the first two lists of each scenario (it takes two lists); the other
methods on all four. Chao's estimator is a *lower bound* under heterogeneity by construction, not an
estimate of N: read its rows as such. The Bayesian samplers are slow, so they get fewer replicates
and a wider Monte Carlo error (see the runs above); "seconds" is the wall time of all replicates.

{chr(10).join(s + chr(10) for s in sections)}
## What this shows, and what it does not

- On independent, homogeneous lists (the textbook case) every method's assumptions hold; a method
  that is biased or under-covers there has a problem of its own.
- Under heterogeneous catchability (a hard-to-reach group that every list misses more often), the
  lists are positively dependent: methods that assume independence (Lincoln-Petersen, a log-linear
  model without the right interactions) are biased low and their intervals miss N, however many
  lists there are. Latent-class models (lcmcr) are built for this case, but they can only model a
  class whose members are seen often enough: when most of a group is caught by no list, no method
  can tell how large that group is from the lists alone. Nothing in the data of a single study says
  which case one is in; that is why the scenario is worth running before publishing.
- Two scenarios are not a validation of a method in general. Use `uncounted coverage --scenario
  FILE.toml` with capture rates, heterogeneity and list dependence like those of your own lists.
- Linkage errors are not in these tables: they use the true capture histories. See the linkage
  stage's measurements on `uncounted simulate`'s default scenario.
"""


if __name__ == "__main__":
    sys.exit(main())
