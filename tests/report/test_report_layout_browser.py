"""The report in headless Chromium, in both languages: nothing wider than the page (tables too wide
for a phone scroll inside their own box), no word broken mid-word by CSS, the print stylesheet on."""

from __future__ import annotations

import pytest

from uncounted.report import build_report

from ..browser import chromium
from ..project_fixture import make_project

pytestmark = pytest.mark.browser

OVERFLOW = """() => Array.from(document.querySelectorAll('main *, header *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.scroll') && !e.closest('figure'))
  .map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_page_fits_desktop_and_phone_and_prints(tmp_path, lang):
    root = tmp_path / "proj"
    make_project(root)
    path = tmp_path / "report.html"
    path.write_text(build_report(root, methods=["chao", "loglinear"], lang=lang), encoding="utf-8")
    with chromium() as browser:
        for width in (1000, 420):
            page = browser.new_context(offline=True, viewport={"width": width, "height": 800}) \
                .new_page()
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.evaluate(OVERFLOW) == []
            # no CSS that breaks words anywhere (the "probabil ities")
            breaks = page.evaluate("""() => Array.from(document.querySelectorAll('*'))
                .filter(e => getComputedStyle(e).wordBreak === 'break-all').length""")
            assert breaks == 0
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        assert page.evaluate("document.documentElement.lang") == lang
