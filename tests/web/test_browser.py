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
        assert page.locator("#pair-body tr.state-differs").count() >= 1

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


# --------------------------------------------------------------------------- review tools
def _signed_in(browser, base, lang: str | None = None):
    """A page signed in as alice, with every console error and failed response recorded."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900},
                              locale="ru-RU" if lang == "ru" else "en-US")
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.goto(f"{base}/login")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#signin")
    page.wait_for_url(f"{base}/review")
    page.wait_for_selector("body[data-ready='1']")
    return page, problems


def _decisions(app) -> list[tuple]:
    return app.state.review.store.con.execute(
        "SELECT decision_id, decision, note FROM decisions ORDER BY decision_id").fetchall()


def test_decide_then_undo_with_key_and_button(review_dir):
    with running_server(review_dir) as (base, app), chromium() as browser:
        page, problems = _signed_in(browser, base)
        assert page.text_content("#position") == "Pair 1 of 5"
        page.keyboard.press("m")
        page.wait_for_selector("#estimate-panel[data-decisions='1']")
        assert page.text_content("#position") == "Pair 2 of 5"
        assert _panel(page, "observed") == str(OBSERVED_BEFORE - 1)
        page.keyboard.press("z")                       # undo: back on pair 1, a new decision
        page.wait_for_selector("#estimate-panel[data-decisions='2']")
        assert page.text_content("#position") == "Pair 1 of 5"
        assert "Undone: decision 1 is superseded by decision 2" in page.text_content("#status")
        assert _panel(page, "observed") == str(OBSERVED_BEFORE)
        assert page.get_attribute("#pair", "data-decision") == "unsure"
        page.keyboard.press("n")
        page.wait_for_selector("#estimate-panel[data-decisions='3']")
        page.click("#undo")                            # the button does the same
        page.wait_for_selector("#estimate-panel[data-decisions='4']")
        # nothing is lost: four decisions, the undos say what they undid
        assert _decisions(app) == [(1, "match", None), (2, "unsure", "undo of decision 1"),
                                   (3, "non-match", None), (4, "unsure", "undo of decision 3")]
        assert problems == []
        _fields_chart_and_links_are_safe(page)


def _fields_chart_and_links_are_safe(page):
    from .conftest import SAFE_URL, UNSAFE_URL

    assert page.text_content("#position") == "Pair 1 of 5"
    # the first pair: a safe link, an unsafe one, a record with only a full name
    link = page.locator("#pair-body tr[data-key='source_url'] a")
    assert link.count() == 1
    assert link.get_attribute("href") == SAFE_URL
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    right = page.locator("#pair-body tr[data-key='source_url'] td").nth(2)
    assert right.text_content() == UNSAFE_URL and right.locator("a").count() == 0
    assert page.evaluate("window.__pwned") is None
    # the full-name record's parts line up: given names equal, the raw name shown as is
    assert page.get_attribute("#pair-body tr[data-key='given_name']", "class") == "state-equal"
    assert "Lvovich" in page.text_content("#pair-body tr[data-key='name_raw']")
    # prior, three fields, the remainder and the total
    assert page.locator("#chart svg rect").count() == 6
    assert "In the review band" in page.text_content("#reasons")


def test_split_and_merge_a_person_then_every_page_in_russian(review_dir):
    from uncounted.histories import current_persons

    with running_server(review_dir) as (base, app), chromium() as browser:
        page, problems = _signed_in(browser, base)
        store = app.state.review.store
        sizes = current_persons(store).frame.groupby("person_id")["uid"].apply(sorted)
        pid, uids = next((p, u) for p, u in sizes.items() if len(u) == 3)
        page.goto(f"{base}/persons")
        page.click(f"a[href='/persons/{pid}']")
        page.wait_for_url(f"{base}/persons/{pid}")
        assert page.locator("#records tbody tr").count() == 3
        assert page.locator("#edges tbody tr").count() == 3
        page.check(f"input[name='uid'][value='{uids[2]}']")
        page.click("#split")
        page.wait_for_selector("#done")
        # the page of the new person (a person's id is the hash of its smallest record uid)
        new_pid = page.text_content("#person-id")
        assert new_pid != pid and page.locator("#records tbody tr").count() == 1
        labels = current_persons(store).frame.set_index("uid")["person_id"]
        assert labels[uids[2]] == new_pid and labels[uids[0]] == labels[uids[1]] == pid
        page.fill("#merge-other", pid)
        page.click("#merge")
        page.wait_for_selector("#done")
        assert page.locator("#records tbody tr").count() == 3
        assert current_persons(store).frame.set_index("uid")["person_id"][uids].nunique() == 1
        actions = store.con.execute("SELECT action, count(*) FROM audit_log WHERE action IN "
                                    "('split', 'merge', 'person_split', 'person_merge') "
                                    "GROUP BY 1 ORDER BY 1").fetchall()
        assert actions == [("merge", 2), ("person_merge", 1), ("person_split", 1), ("split", 2)]
        assert problems == []
        page.context.close()

        page, problems = _signed_in(browser, base, lang="ru")   # Accept-Language: ru
        assert page.get_attribute("html", "lang") == "ru"
        assert page.text_content("#position") == "Пара 1 из 5"
        assert "дата рождения" in page.text_content("#pair-body")
        for path in ("/persons", "/lists", "/estimates", "/report"):
            page.goto(base + path)
        page.goto(f"{base}/review?lang=en")
        page.wait_for_selector("body[data-ready='1']")
        assert page.text_content("#position") == "Pair 1 of 5"
        # the sign-in page: styled, and no 404 (the favicon is served)
        page.context.clear_cookies()
        page.goto(f"{base}/login")
        assert page.locator(".login-card").count() == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.login-card'))"
                             ".backgroundColor") == "rgb(255, 255, 255)"
        assert problems == []
