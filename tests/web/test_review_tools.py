"""Review tools over HTTP: compared pairs with weights and reasons, undo, split and merge of
persons, stored estimates, languages, the favicon. Decisions are checked in the store."""

from __future__ import annotations

import math
import re

import pytest
from fastapi.testclient import TestClient

from uncounted.histories import current_persons
from uncounted.project import Project
from uncounted.web import create_app

from ..project_fixture import OBSERVED_BEFORE
from .conftest import LAMBDA, SAFE_URL, UNSAFE_URL, WEIGHTS, sign_in


@pytest.fixture
def client(review_dir):
    with TestClient(create_app(review_dir, secret="test-secret"),
                    base_url="http://127.0.0.1") as c:
        yield c


def _store(client):
    return client.app.state.review.store


def _decide(client, csrf, p, decision):
    r = client.post("/api/decisions", headers={"X-CSRF-Token": csrf},
                    json={"uid_l": p["uid_l"], "uid_r": p["uid_r"], "decision": decision,
                          "based_on_decision": p.get("decision_id")})
    assert r.status_code == 201, r.text
    return r.json()


def test_pair_is_compared_explained_and_links_are_safe(client):
    sign_in(client)
    first = client.get("/api/queue").json()["pairs"][0]
    rows = {f["key"]: f for f in first["fields"]}
    # the right record gives only a full name: its parts still line up with the left's
    assert rows["name_raw"]["right"].endswith(" Lvovich") and rows["name_raw"]["state"] == "info"
    assert rows["given_name"]["state"] == "equal"
    assert rows["given_name"]["left"] == rows["given_name"]["right"]
    assert rows["patronymic"]["state"] == "one-sided" and rows["patronymic"]["right"] == "Lvovich"
    assert rows["source_url"]["left_href"] == SAFE_URL
    assert rows["source_url"]["right"] == UNSAFE_URL and rows["source_url"]["right_href"] is None
    chart = first["chart"]
    prior = math.log2(LAMBDA / (1 - LAMBDA))
    assert chart["prior"] == pytest.approx(prior)
    assert {b["comparison"]: b["weight"] for b in chart["bars"]} == WEIGHTS
    assert {b["comparison"]: b["level"] for b in chart["bars"]} == {
        "surname": "else", "given_name": "exact", "birth_date": "within a year"}
    assert chart["total"] == pytest.approx(math.log2(0.55 / 0.45))
    assert chart["prior"] + sum(WEIGHTS.values()) + chart["other"] == pytest.approx(
        chart["total"], abs=1e-3)
    assert first["reasons"][0].startswith("In the review band: match probability 0.550")
    # a region the sources gave only as its code is shown by name, the code beside it
    assert rows["region"]["left"] == rows["region"]["right"] == "Moscow Oblast (RU-MOS)"


def test_undo_supersedes_and_loses_nothing(client):
    csrf = sign_in(client)
    store = _store(client)
    p = client.get("/api/queue").json()["pairs"][0]
    before = current_persons(store).n_persons
    first = _decide(client, csrf, p, "match")
    assert current_persons(store).n_persons == before - 1
    r = client.post("/api/undo", headers={"X-CSRF-Token": csrf},
                    json={"decision_id": first["decision_id"]})
    assert r.status_code == 201, r.text
    undo = r.json()
    # no decision before it: the pair goes back to the model, as "unsure"
    assert undo["decision"] == "unsure" and undo["based_on"] == first["decision_id"]
    assert undo["conflict"] is False and undo["stale"] is False
    assert current_persons(store).n_persons == before
    # a second undo of the same decision is refused: it is no longer in force
    again = client.post("/api/undo", headers={"X-CSRF-Token": csrf},
                        json={"decision_id": first["decision_id"]})
    assert again.status_code == 409 and "no longer in force" in again.json()["detail"]
    # match -> non-match -> undo brings back the match
    p["decision_id"] = undo["decision_id"]
    nm = _decide(client, csrf, p, "non-match")
    back = client.post("/api/undo", headers={"X-CSRF-Token": csrf},
                       json={"decision_id": nm["decision_id"]}).json()
    assert back["decision"] == "unsure"   # what was in force before the non-match
    history = store.decisions.history(p["uid_l"], p["uid_r"])
    assert [h["decision"] for h in history] == ["match", "unsure", "non-match", "unsure"]
    assert [h["note"] for h in history] == [None, f"undo of decision {first['decision_id']}",
                                             None, f"undo of decision {nm['decision_id']}"]
    actions = [a for (a,) in store.con.execute(
        "SELECT action FROM audit_log WHERE action IN ('decision', 'undo') ORDER BY 1").fetchall()]
    assert sorted(actions) == ["decision", "decision", "undo", "undo"]
    # forged or malformed undo requests
    assert client.post("/api/undo", json={"decision_id": 1}).status_code == 403
    assert client.post("/api/undo", headers={"X-CSRF-Token": csrf},
                       json={"decision_id": "1"}).status_code == 422
    assert client.post("/api/undo", headers={"X-CSRF-Token": csrf},
                       json={"decision_id": 999}).status_code == 409


def _form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_split_and_merge_a_person(client):
    sign_in(client)
    store = _store(client)
    persons = current_persons(store)
    sizes = persons.frame.groupby("person_id")["uid"].apply(sorted)
    pid, uids = next((p, u) for p, u in sizes.items() if len(u) == 3)   # an A-B-C person
    page = client.get(f"/persons/{pid}")
    assert page.status_code == 200 and all(u in page.text for u in uids)
    token = _form_token(page.text)
    n_before = persons.n_persons
    r = client.post(f"/persons/{pid}/split", data={"csrf_token": token, "uid": [uids[0]],
                                                   "note": "born years apart"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    after = current_persons(store)
    assert after.n_persons == n_before + 1
    labels = after.frame.set_index("uid")["person_id"]
    assert labels[uids[0]] != labels[uids[1]] == labels[uids[2]]
    assert r.headers["location"] == f"/persons/{labels[uids[0]]}?done=split"
    # two non-match decisions (the record against each one left), audited as a split
    decided = store.decisions.among(uids)
    assert sorted((d["uid_l"], d["uid_r"], d["decision"]) for d in decided) == sorted(
        (*sorted((uids[0], u)), "non-match") for u in uids[1:])
    audit = store.con.execute("SELECT action, count(*) FROM audit_log WHERE action LIKE '%split' "
                              "GROUP BY 1 ORDER BY 1").fetchall()
    assert audit == [("person_split", 1), ("split", 2)]
    # the new person's page lists the split's decisions with the rest, each with an undo
    new_pid = labels[uids[0]]
    page = client.get(f"/persons/{new_pid}")
    across = page.text.split('id="across"')[1].split("</table>")[0]
    assert across.count("non-match") == 2 and across.count('class="undo-edge"') == 2
    merge_page = page
    r = client.post(f"/persons/{new_pid}/merge",
                    data={"csrf_token": _form_token(merge_page.text), "other": uids[1],
                          "note": "same"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    merged = current_persons(store)
    assert merged.n_persons == n_before
    assert merged.frame.set_index("uid")["person_id"][uids].nunique() == 1
    # nothing was deleted: 2 split decisions + 2 merge decisions, each audited
    assert store.decisions.count() == 4
    assert [d["decision"] for d in store.decisions.among(uids)] == ["match", "match"]
    # undo one merge decision from the person page: a fifth decision, the non-match back
    last = store.decisions.among(uids)[-1]
    page = client.get(f"/persons/{merged.frame.set_index('uid')['person_id'][uids[0]]}")
    assert f'name="decision_id" value="{last["decision_id"]}"' in page.text
    r = client.post(page.url.path + "/undo", data={"csrf_token": _form_token(page.text),
                                                   "decision_id": str(last["decision_id"])},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=undo")
    history = store.decisions.history(last["uid_l"], last["uid_r"])
    assert [h["decision"] for h in history] == ["non-match", "match", "non-match"]
    assert history[-1]["note"] == f"undo of decision {last['decision_id']}"
    assert store.decisions.count() == 5


def test_split_refuses_bad_requests(client):
    sign_in(client)
    persons = current_persons(_store(client))
    sizes = persons.frame.groupby("person_id")["uid"].apply(sorted)
    pid, uids = next((p, u) for p, u in sizes.items() if len(u) == 3)
    token = _form_token(client.get(f"/persons/{pid}").text)
    every = client.post(f"/persons/{pid}/split", data={"csrf_token": token, "uid": uids})
    assert every.status_code == 422 and "not none or all" in every.text
    stray = client.post(f"/persons/{pid}/split", data={"csrf_token": token, "uid": ["Z/9"]})
    assert stray.status_code == 422 and "not in this person" in stray.text
    forged = client.post(f"/persons/{pid}/split", data={"csrf_token": "x", "uid": [uids[0]]})
    assert forged.status_code == 403
    nobody = client.post(f"/persons/{pid}/merge", data={"csrf_token": token, "other": "nobody"})
    assert nobody.status_code == 422
    assert _store(client).decisions.count() == 0


def test_split_components_are_listed(tmp_path, password_hash):
    """A component the clustering split on conflicting birth years is listed on /persons."""
    from ..project_fixture import make_project
    from .conftest import PASSWORD  # noqa: F401 - the fixture's password signs in

    root = tmp_path / "p"
    project = make_project(root)
    with project.store() as store, store.transaction():
        store.con.execute("INSERT INTO users VALUES ('alice', ?, 'reviewer', now())",
                          [password_hash])
        # an A-B-C person: its C record born 10 years later than the others
        uid = store.con.execute(
            "SELECT uid FROM records WHERE list_name = 'C' AND uid IN (SELECT uid_r FROM pairs "
            "WHERE match_probability = 0.98 AND uid_l LIKE 'B/%') ORDER BY uid LIMIT 1").fetchone()[0]
        store.con.execute("UPDATE records SET birth_year = birth_year + 10, birth_date_raw = "
                          "'01.01.' || (birth_year + 10), birth_month = 1, birth_day = 1 "
                          "WHERE uid = ?", [uid])
    with TestClient(create_app(root, secret="s"), base_url="http://127.0.0.1") as c:
        sign_in(c)
        page = c.get("/persons")
        assert 'id="split-list"' in page.text
        groups = re.findall(r'href="/persons/(p[0-9a-f]{12})"', page.text.split('id="split-list"')[1]
                            .split("</section>")[0])
        assert len(groups) >= 2
        person = c.get(f"/persons/{groups[0]}")
        assert 'id="split-note"' in person.text and groups[1] in person.text


def test_stored_estimates_are_listed(review_dir):
    from uncounted.histories import estimate_project

    _table, rows = estimate_project(review_dir, ["chao", "loglinear"], seed=1)
    with TestClient(create_app(review_dir, secret="s"), base_url="http://127.0.0.1") as c:
        sign_in(c)
        page = c.get("/estimates").text
    assert 'id="stored"' in page and "None stored yet" not in page
    for r in rows:
        assert f"<td>{r.method}</td>" in page
        assert f"{round(r.estimate):,}" in page
    with Project.open(review_dir).store(read_only=True) as store:
        latest = store.estimates.latest()
    assert [r["method"] for r in latest["rows"]] == [r.method for r in rows]
    assert latest["rows"][0]["observed"] == OBSERVED_BEFORE


def test_pages_in_russian_and_english(client):
    page = client.get("/login?lang=ru")
    assert '<html lang="ru">' in page.text and "Вход для проверки" in page.text
    assert "uncounted_lang=ru" in page.headers["set-cookie"]
    # the cookie keeps it; an explicit ?lang= changes it
    assert "Вход для проверки" in client.get("/login").text
    assert "Sign in to review" in client.get("/login?lang=en").text
    client.cookies.clear()
    assert "Вход для проверки" in client.get("/login", headers={"Accept-Language":
                                                               "ru-RU,ru;q=0.9,en;q=0.5"}).text
    sign_in(client)
    client.get("/review?lang=ru")
    first = client.get("/api/queue").json()["pairs"][0]
    assert {f["key"]: f["field"] for f in first["fields"]}["birth_date"] == "дата рождения"
    assert {f["key"]: f["left"] for f in first["fields"]}["region"] == "Московская область (RU-MOS)"
    assert first["reasons"][0].startswith("В полосе проверки")
    assert "Сохранённых оценок пока нет" in client.get("/estimates").text
    # the favicon browsers ask for (it was the sign-in page's console 404)
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
