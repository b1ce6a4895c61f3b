"""The report opened in headless Chromium with the network off: every chart drawn, nothing fetched."""

from __future__ import annotations

import pytest

from uncounted.report import build_report

from ..browser import chromium
from ..project_fixture import make_project

pytestmark = pytest.mark.browser


def test_report_renders_offline(tmp_path):
    root = tmp_path / "proj"
    make_project(root)
    path = tmp_path / "report.html"
    path.write_text(build_report(root, methods=["chao"]), encoding="utf-8")
    with chromium() as browser:
        ctx = browser.new_context(offline=True)
        page = ctx.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        boxes = page.eval_on_selector_all(
            "figure.chart > svg",
            "els => els.map(e => [e.closest('figure').dataset.chart, "
            "e.getBoundingClientRect().width, e.getBoundingClientRect().height, "
            "e.querySelectorAll('path, rect, text').length])")
    core = {"upset", "match_probability", "review_progress", "estimates", "strata", "regions",
            "ledger"}
    drawn = {b[0] for b in boxes}
    assert core <= drawn and drawn - core <= {"rates"}  # rates need the unbundled indicators
    for name, width, height, marks in boxes:
        assert width > 100 and height > 50, name
        assert marks > 5, name  # drawn, not an empty frame
    assert requests == [path.as_uri()]
