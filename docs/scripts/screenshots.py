"""Screenshots of the report (and, with --serve, of the review UI's pages) into docs/img/.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; ``apt-get install chromium``); nothing
is downloaded. Usage, from the repository root::

    python docs/scripts/screenshots.py                       # the small test project, en and ru
    python docs/scripts/screenshots.py --project DIR         # a project of your own (e.g. the demo's)
    python docs/scripts/screenshots.py --html report.html    # a report already written
    python docs/scripts/screenshots.py --review-only         # the review UI's pages, en and ru

Writes ``docs/img/<prefix>-<lang>-<part>.png`` (prefix ``report``, or ``--prefix``): the top of the page (headline), each section, and
the whole page at print width. The page is opened with the network off, as a reader would open
the file from a USB stick.
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
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            html = args.html or build(args.project, lang, Path(tmp))
            for path in shoot(html, lang, args.out, prefix=args.prefix):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
