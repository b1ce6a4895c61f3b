"""Screenshots of the report (and, with --serve, of the review UI's pages) into docs/img/.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; ``apt-get install chromium``); nothing
is downloaded. Usage, from the repository root::

    python docs/scripts/screenshots.py                       # the small test project, en and ru
    python docs/scripts/screenshots.py --project DIR         # a project of your own (e.g. the demo's)
    python docs/scripts/screenshots.py --html report.html    # a report already written
    python docs/scripts/screenshots.py --estimation          # the estimation pages of `serve`
    python docs/scripts/screenshots.py --review-only         # the review UI's pages, en and ru

Writes ``docs/img/<prefix>-<lang>-<part>.png`` (prefix ``report``, or ``--prefix``): the top of the page (headline), each section, and
the whole page at print width. The page is opened with the network off, as a reader would open
the file from a USB stick. ``--estimation`` instead shoots the point-and-click estimation pages of
``uncounted serve`` (:func:`shoot_estimation`): ``docs/img/estimation-<lang>-<page>.png``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--no-first-run"]
MAX_HEIGHT = 1500
SECTIONS = ["headline", "linkage", "estimates", "strata", "regions"]


def build(project: Path | None, lang: str, tmp: Path) -> Path:
    from uncounted.report import build_report

    if project is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from project_fixture import make_project

        project = tmp / "project"
        if not project.exists():
            make_project(project)
    out = tmp / f"report-{lang}.html"
    out.write_text(build_report(project, lang=lang), encoding="utf-8")
    return out


def shoot(html: Path, lang: str, out_dir: Path, width: int = 1100,
          prefix: str = "report") -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(offline=True, viewport={"width": width, "height": 900},
                                  device_scale_factor=1)
        page = ctx.new_page()
        page.goto(html.as_uri())
        top = out_dir / f"{prefix}-{lang}-top.png"
        page.screenshot(path=str(top))
        written.append(top)
        for sec in SECTIONS:
            el = page.query_selector(f"#{sec}")
            if el is None:
                continue
            path = out_dir / f"{prefix}-{lang}-{sec}.png"
            page.evaluate("window.scrollTo(0, 0)")  # so the box is in page coordinates
            box = el.bounding_box()
            if box["height"] > MAX_HEIGHT:  # a long table: its top is enough to see it
                box["height"] = MAX_HEIGHT
                page.screenshot(path=str(path), clip=box, full_page=True)
            else:
                el.screenshot(path=str(path))
            written.append(path)
        narrow = ctx.new_page()
        narrow.set_viewport_size({"width": 420, "height": 900})
        narrow.goto(html.as_uri())
        path = out_dir / f"{prefix}-{lang}-phone.png"
        narrow.screenshot(path=str(path))
        written.append(path)
        browser.close()
    return written


#: The table the estimation screenshots upload: Kosovo 1999 (Ball et al. 2002), four lists.
KOSOVO = ROOT.parent / "shared" / "data" / "mse" / "lcmcr_kosovo_aggregate.csv"


def _shot(page, path: Path, full: bool = False) -> Path:
    """A screenshot of the window, or of the page's top ``2 * MAX_HEIGHT`` pixels (``full``)."""
    if full:
        height = min(page.evaluate("document.body.scrollHeight"), 2 * MAX_HEIGHT)
        width = page.viewport_size["width"]
        page.screenshot(path=str(path), full_page=True,
                        clip={"x": 0, "y": 0, "width": width, "height": height})
    else:
        page.screenshot(path=str(path))
    return path


def shoot_estimation(out_dir: Path, langs: list[str], tmp: Path) -> list[Path]:
    """The estimation pages of the review server on the test project, in each language: the
    sources page, the choose page, a run in progress (lcmcr sampling), the results and a
    refused upload. Each language runs with its own seed, so that its run is a new one."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from project_fixture import make_project
    from web.server import running_server

    from uncounted.project import Project
    from uncounted.web.auth import add_user

    project = tmp / "estimation-project"
    make_project(project)
    with Project.open(project).store() as store:
        add_user(store, "editor", "screenshots only")
    bad = tmp / "deaths.csv"
    bad.write_text("ministry,volunteers,count\n1,0,120\n0,1,95\n1,yes,40\n", encoding="utf-8")
    written: list[Path] = []
    with running_server(project) as (base, _app), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for seed, lang in enumerate(langs, start=1):
            page = browser.new_context(locale={"ru": "ru-RU"}.get(lang, "en-GB"),
                                       viewport={"width": 1100, "height": 900}).new_page()
            page.goto(f"{base}/login?next=/estimation")
            page.fill("#username", "editor")
            page.fill("#password", "screenshots only")
            page.click("#signin")
            page.wait_for_url(f"{base}/estimation")

            page.set_input_files("#file", str(bad))
            page.click("#upload-button")
            page.wait_for_selector("#upload-error")
            written.append(_shot(page, out_dir / f"estimation-{lang}-bad-upload.png"))
            page.set_input_files("#file", str(KOSOVO))
            page.click("#upload-button")
            page.wait_for_selector("#run-form")
            page.check("#method-lcmcr")
            page.check("#method-lincoln-petersen")
            page.fill("#seed", str(seed))
            written.append(_shot(page, out_dir / f"estimation-{lang}-choose.png", full=True))
            page.click("#run")
            page.wait_for_selector("#job-text:has-text('Sampler'), #job-text:has-text('Сэмплер')",
                                   timeout=600_000)
            written.append(_shot(page, out_dir / f"estimation-{lang}-progress.png"))
            page.wait_for_selector("#downloads", timeout=900_000)
            written.append(_shot(page, out_dir / f"estimation-{lang}-results.png", full=True))
            page.goto(f"{base}/estimation")
            written.append(_shot(page, out_dir / f"estimation-{lang}-sources.png"))
        browser.close()


REVIEW_PAGES = [("login", "/login", None), ("review", "/review", "body[data-ready='1']"),
                ("persons", "/persons", None), ("person", None, None),
                ("lists", "/lists", None), ("estimates", "/estimates", None)]


def review_project(tmp: Path) -> tuple[Path, str]:
    """The test project made ready for the review pages: a reviewer (alice), the model and
    per-field weights, source links, a component split on a birth date ten years off, and
    stored estimates. Returns the folder and the id of a person that was split."""
    sys.path.insert(0, str(ROOT))
    from argon2 import PasswordHasher

    from tests.project_fixture import make_project
    from tests.web.conftest import PASSWORD, enrich_for_review
    from uncounted.histories import current_persons, estimate_project

    root = tmp / "review-project"
    project = make_project(root)
    enrich_for_review(root)
    with project.store() as store, store.transaction():
        store.con.execute("INSERT INTO users VALUES ('alice', ?, 'reviewer', now())",
                          [PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)])
        uid = store.con.execute(  # the C record of a person on all three lists
            "SELECT uid FROM persons WHERE list_name = 'C' AND person_id IN (SELECT person_id "
            "FROM persons GROUP BY person_id HAVING count(*) = 3) ORDER BY uid LIMIT 1"
        ).fetchone()[0]
        store.con.execute("UPDATE records SET birth_year = birth_year + 10, birth_date_raw = "
                          "'01.01.' || (birth_year + 10), birth_month = 1, birth_day = 1 "
                          "WHERE uid = ?", [uid])
    estimate_project(root, ["chao", "loglinear"], seed=1)
    with project.store(read_only=True) as store:
        frame = current_persons(store).frame
    split = frame.loc[frame["split_from"].notna(), "person_id"].value_counts()
    return root, str(split.index[0])  # the largest part: its links show


def shoot_review(out_dir: Path, langs: list[str], width: int = 1200) -> list[Path]:
    """Screenshots of the review UI's pages (``review-<lang>-<page>.png``), signed in as the
    test reviewer, each language from a fresh browser context."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.web.conftest import PASSWORD
    from tests.web.server import running_server

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        root, split_person = review_project(Path(tmp))
        with running_server(root) as (base, _app), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for lang in langs:
                ctx = browser.new_context(viewport={"width": width, "height": 900},
                                          locale="ru-RU" if lang == "ru" else "en-US")
                page = ctx.new_page()
                page.goto(f"{base}/login?lang={lang}")
                path = out_dir / f"review-{lang}-login.png"
                page.screenshot(path=str(path))
                written.append(path)
                page.fill("#username", "alice")
                page.fill("#password", PASSWORD)
                page.click("#signin")
                page.wait_for_url(f"{base}/review")
                for name, url, ready in REVIEW_PAGES[1:]:
                    page.goto(base + (url or f"/persons/{split_person}"))
                    if ready:
                        page.wait_for_selector(ready)
                    path = out_dir / f"review-{lang}-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)
                ctx.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, help="project folder (default: the test fixture)")
    ap.add_argument("--html", type=Path, help="a report already written (its language: --lang)")
    ap.add_argument("--lang", action="append", choices=["en", "ru"],
                    help="language(s) (default: en and ru)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--prefix", default="report", help="file name prefix (default: report)")
    ap.add_argument("--estimation", action="store_true",
                    help="shoot the estimation pages of `uncounted serve` instead of the report")
    ap.add_argument("--review", action="store_true",
                    help="also the review UI's pages (review-<lang>-<page>.png)")
    ap.add_argument("--review-only", action="store_true", help="only the review UI's pages")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    langs = args.lang or ["en", "ru"]
    if args.review or args.review_only:
        for path in shoot_review(args.out, langs):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        if args.review_only:
            return 0
    if args.estimation:
        with tempfile.TemporaryDirectory() as tmp:
            for path in shoot_estimation(args.out, langs, Path(tmp)):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            html = args.html or build(args.project, lang, Path(tmp))
            for path in shoot(html, lang, args.out, prefix=args.prefix):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
