"""The review UI in headless Chromium: sign in, review with the keyboard, see the estimate move."""

from __future__ import annotations

import pytest

from ..browser import ARTIFACTS, chromium
from ..project_fixture import OBSERVED_AFTER, OBSERVED_BEFORE, XSS
from .conftest import PASSWORD
from .server import running_server

pytestmark = pytest.mark.browser


def _panel(page, key: str) -> str:
    return page.get_attribute("#estimate-panel", f"data-{key}")


def test_review_three_pairs_with_the_keyboard(project_dir, capsys):
    with running_server(project_dir) as (base, app), chromium() as browser:
        ctx = browser.new_context(viewport={"width": 1200, "height": 900})
        page = ctx.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # no session: the page sends us to sign in, the API refuses
        page.goto(f"{base}/review")
        assert "/login" in page.url
        r = page.request.post(f"{base}/api/decisions", data={"uid_l": "A/1", "uid_r": "B/1",
                                                              "decision": "match"})
        assert r.status == 401

        page.fill("#username", "alice")
        page.fill("#password", PASSWORD)
        page.click("#signin")
        page.wait_for_url(f"{base}/review")
        page.wait_for_selector("body[data-ready='1']")
        assert _panel(page, "observed") == str(OBSERVED_BEFORE)
        assert page.text_content("#est-observed") == str(OBSERVED_BEFORE)

        # the first pair holds the <script> surname: shown as text, never run
        assert XSS in page.text_content("#pair-body")
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#pair-body tr.differs").count() >= 1

        for n in (1, 2, 3):
            page.keyboard.press("m")
            # a CSS selector, not a JS predicate: the page's CSP forbids eval
            page.wait_for_selector(f"#estimate-panel[data-decisions='{n}']")
        assert _panel(page, "observed") == str(OBSERVED_AFTER)
        assert page.text_content("#est-observed") == str(OBSERVED_AFTER)
        assert page.text_content("#position") == "Pair 4 of 5"
        page.keyboard.press("ArrowLeft")
        assert page.text_content("#position") == "Pair 3 of 5"
        assert page.get_attribute("#pair", "data-decision") == "match"
        page.keyboard.press("ArrowRight")
        assert page.text_content("#position") == "Pair 4 of 5"

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "review.png"
        page.screenshot(path=str(shot), full_page=True)
        with capsys.disabled():  # shown in CI's output even without -s
            print(f"\nscreenshot of the review UI: {shot}")

        # what the browser did is what the store holds
        rows = app.state.review.store.con.execute(
            "SELECT reviewer, decision FROM decisions ORDER BY decision_id").fetchall()
        assert rows == [("alice", "match")] * 3

        page.goto(f"{base}/persons?q=petrov")
        assert XSS in page.text_content("td.surname")
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
