"""Point-and-click estimation in the review UI (``/estimation``), through FastAPI's TestClient.

The numbers are checked against the estimators called directly on the same table (the pages
must show what the library computes, no more, no less) and Chao's bound against its closed form
on the Kosovo table (Ball et al. 2002, four lists, 4,400 people observed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from pathlib import Path

import pytest

from uncounted.mse.api import estimate
from uncounted.mse.table import CaptureTable

from ..project_fixture import OBSERVED_BEFORE
from .conftest import sign_in

# the bundled copy (tests/data/mse, identical to ../shared's), so a fresh clone without
# ../shared runs these tests too
KOSOVO = Path(__file__).resolve().parents[1] / "data" / "mse" / "lcmcr_kosovo_aggregate.csv"
SMALL = b"A,B,C,count\n1,0,0,60\n0,1,0,50\n0,0,1,40\n1,1,0,20\n1,0,1,15\n0,1,1,12\n1,1,1,5\n"
FAST = ["chao", "lincoln-petersen", "loglinear"]


@pytest.fixture
def app(project_dir):
    from uncounted.web import create_app

    return create_app(project_dir, secret="test-secret")


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def _upload(client, csrf, content: bytes, name="table.csv", strata=""):
    return client.post("/estimation/upload", data={"csrf_token": csrf, "strata": strata},
                       files={"file": (name, content, "text/csv")}, follow_redirects=False)


def _form_key(client, source: str) -> str:
    page = client.get(f"/estimation/tables/{source}")
    assert page.status_code == 200, page.text
    return re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)


def _run(client, csrf, source, methods, *, key=None, strata=(), level="0.95", seed="1"):
    data = {"csrf_token": csrf, "source": source, "methods": list(methods),
            "strata": list(strata), "level": level, "seed": seed}
    if key is not None:
        data["idempotency_key"] = key
    return client.post("/estimation/run", data=data, follow_redirects=False)


def _finished(app, client, r):
    assert r.status_code == 303, r.text
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = app.state.workshop.job("alice", job_id)
    app.state.workshop.wait(job, timeout=120)
    progress = client.get(f"/api/estimation/jobs/{job_id}").json()
    assert progress["state"] == "done", progress
    return job


def _source_id(r) -> str:
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_upload_run_and_download_match_the_estimators(app, client):
    csrf = sign_in(client)
    assert "/estimation" in client.get("/review").text  # the nav link
    source = _source_id(_upload(client, csrf, KOSOVO.read_bytes(), name="kosovo.csv"))
    choose = client.get(f"/estimation/tables/{source}")
    assert "EXH, ABA, OSCE, HRW" in choose.text and "4,400 people on 4 lists" in choose.text
    job = _finished(app, client, _run(client, csrf, source, FAST, key=_form_key(client, source)))
    assert job.done == job.total == 3

    direct = {e.method: e for e in estimate(CaptureTable.from_csv(KOSOVO), FAST, seed=1,
                                            errors="row")}
    rows = {r["method"]: r for r in job.rows}
    assert set(rows) == set(FAST)
    for method, e in direct.items():
        assert rows[method]["status"] == e.status
        if e.estimable:
            assert rows[method]["estimate"] == pytest.approx(e.estimate, rel=1e-12)
    # Chao (1987) for t lists: S + (t-1)/t f1^2 / (2 f2); Kosovo has f1 = 3,218, f2 = 882
    t = CaptureTable.from_csv(KOSOVO)
    f = t.times_caught()
    assert (t.observed, f[1], f[2]) == (4400, 3218, 882)
    assert rows["chao"]["estimate"] == pytest.approx(4400 + 3 / 4 * 3218 ** 2 / (2 * 882))
    assert rows["lincoln-petersen"]["status"] == "not_estimable"
    assert [r["code"] for r in rows["lincoln-petersen"]["reasons"]] == ["too_many_lists"]

    page = client.get(f"/estimation/jobs/{job.id}")
    assert page.status_code == 200
    for method in FAST:
        assert f"<td>{method}</td>" in page.text
    assert 'class="status status-caution">caution' in page.text      # chao
    assert 'class="status status-ok">ok' in page.text                # loglinear
    assert 'class="status status-not_estimable">not estimable' in page.text
    assert page.text.count('<figure class="chart"') >= 2              # upset and estimates
    assert "[EXH:ABA:OSCE, EXH:HRW, OSCE:HRW]" in page.text           # model in list names

    got = list(csv.DictReader(io.StringIO(client.get(
        f"/estimation/jobs/{job.id}/results.csv").text)))
    assert [r["method"] for r in got] == FAST
    assert float(got[2]["estimate"]) == pytest.approx(direct["loglinear"].estimate, rel=1e-12)
    body = json.loads(client.get(f"/estimation/jobs/{job.id}/results.json").text)
    assert body["settings"] == {"methods": FAST, "strata": [], "level": 0.95, "seed": 1}
    assert body["input_hash"] == t.input_hash()
    report = client.get(f"/estimation/jobs/{job.id}/report.html")
    assert report.headers["content-security-policy"].startswith("default-src 'none'")
    assert "attachment" in report.headers["content-disposition"]
    assert "10,357" in report.text and "kosovo.csv" in report.text  # loglinear's estimate
    table = client.get(f"/estimation/jobs/{job.id}/table.csv").text
    assert CaptureTable.from_frame(__import__("pandas").read_csv(io.StringIO(table))) == t


def test_a_second_click_does_not_start_a_second_run(app, client):
    csrf = sign_in(client)
    source = _source_id(_upload(client, csrf, SMALL))
    key = _form_key(client, source)
    first = _run(client, csrf, source, ["chao"], key=key)
    again = _run(client, csrf, source, ["chao"], key=key)
    assert first.headers["location"] == again.headers["location"]
    # the same request from a new form (reloaded page): the same run
    fresh = _run(client, csrf, source, ["chao"], key=_form_key(client, source))
    assert fresh.headers["location"] == first.headers["location"]
    assert len(app.state.workshop.jobs("alice")) == 1
    # the key of that form, now with other settings: refused, nothing started
    other = _run(client, csrf, source, ["chao", "loglinear"], key=key)
    assert other.status_code == 422 and "already used for a different run" in other.text
    assert len(app.state.workshop.jobs("alice")) == 1


def test_uploads_and_runs_are_their_owners_alone(app, project_dir):
    from fastapi.testclient import TestClient

    with TestClient(app) as alice, TestClient(app) as bob:
        a = sign_in(alice, "alice")
        b = sign_in(bob, "bob")
        source = _source_id(_upload(alice, a, SMALL, name="alice-secret.csv"))
        job = _finished(app, alice, _run(alice, a, source, ["chao"]))
        assert "alice-secret.csv" not in bob.get("/estimation").text
        assert bob.get(f"/estimation/tables/{source}").status_code == 404
        assert _run(bob, b, source, ["chao"]).status_code == 404
        assert bob.get(f"/estimation/jobs/{job.id}").status_code == 404
        assert bob.get(f"/api/estimation/jobs/{job.id}").status_code == 404
        for part in ("results.csv", "results.json", "report.html", "table.csv"):
            assert bob.get(f"/estimation/jobs/{job.id}/{part}").status_code == 404
        # the project's table is everyone's
        assert bob.get("/estimation/tables/project").status_code == 200
        assert alice.get("/estimation/tables/project").status_code == 200
    with TestClient(app) as anon:
        assert anon.get("/estimation", follow_redirects=False).headers["location"].startswith(
            "/login")
        assert anon.get(f"/api/estimation/jobs/{job.id}").status_code == 401
        assert anon.get(f"/estimation/jobs/{job.id}/results.csv").status_code == 401


def test_the_projects_table_by_region_sums_its_strata(app, client):
    csrf = sign_in(client)
    page = client.get("/estimation")
    assert f"{OBSERVED_BEFORE} people on 3 lists" in page.text
    job = _finished(app, client, _run(client, csrf, "project", ["chao", "loglinear"],
                                      strata=["region"], level="0.9"))
    assert job.source_name == "fixture"
    for method in ("chao", "loglinear"):
        per = [r for r in job.rows if r["method"] == method and r["stratum"] != "total"]
        total = next(r for r in job.rows if r["method"] == method and r["stratum"] == "total")
        assert sorted(r["stratum"] for r in per) == ["region=RU-BU", "region=RU-MOS",
                                                     "region=RU-SPE", "region=RU-TY"]
        assert sum(r["observed"] for r in per) == total["observed"] == OBSERVED_BEFORE
        assert total["estimate"] == pytest.approx(sum(r["estimate"] for r in per), rel=1e-9)
        assert total["level"] == 0.9
    shown = client.get(f"/estimation/jobs/{job.id}").text
    assert 'id="strata"' in shown and "region=RU-TY" in shown


BAD_UPLOADS = [
    (b"A,B,count\n1,0,3\n0,<script>x</script>,2\n", "", ("row 2", "column “B”", "&lt;script&gt;")),
    (b"A,B\n1,0\n0,0\n", "", ("row 2", "column “A”", "all-zero row")),
    (b"A,B,count\n1,0,3\n0,1,-2\n", "", ("row 2", "column “count”", "-2")),
    (b"A,B,region\n1,0,x\n", "", ("row 1", "column “region”", "name it as a stratum column")),
    (b"A,B\n1,0\n", "sex", ("column “sex”", "not in the table")),
    (b"A\n1\n", "", ("at least two list columns",)),
    (b"\xff\xfeA,B\n", "", ("UTF-8",)),
]


def test_a_bad_upload_names_row_and_column_and_keeps_nothing(app, client):
    csrf = sign_in(client)
    for content, strata, where in BAD_UPLOADS:
        r = _upload(client, csrf, content, name="<img src=x onerror=alert(1)>.csv",
                    strata=strata)
        assert r.status_code == 422
        error = re.search(r'<div id="upload-error".*?</div>', r.text, re.DOTALL).group(0)
        for w in where:
            assert w in error, (content, error)
        assert "&lt;img src=x onerror=alert(1)&gt;.csv" in error   # named, escaped
        assert "<script>" not in r.text and "<img src=x" not in r.text
        assert app.state.workshop.uploads("alice") == []
        assert list(app.state.workshop.workdir.iterdir()) == []


def test_upload_size_csrf_and_settings_are_checked(app, client, monkeypatch):
    from uncounted.web import estimation

    csrf = sign_in(client)
    monkeypatch.setattr(estimation, "MAX_UPLOAD", 100)
    r = _upload(client, csrf, SMALL + b"1,1,1,1\n" * 10)
    assert r.status_code == 413 and "larger than" in r.text
    monkeypatch.undo()
    # other paths keep the server's small body limit
    assert client.post("/estimation/run", content=b"x" * 70_000).status_code == 413
    r = client.post("/estimation/upload", data={"strata": ""},
                    files={"file": ("t.csv", SMALL, "text/csv")})
    assert r.status_code == 403
    assert app.state.workshop.uploads("alice") == []
    source = _source_id(_upload(client, csrf, SMALL))
    for bad in ({"level": "1.5"}, {"seed": "-1"}, {"level": "x"}):
        r = _run(client, csrf, source, ["chao"], **bad)
        assert r.status_code == 422 and 'id="run-error"' in r.text
    r = _run(client, csrf, source, [])
    assert r.status_code == 422 and "choose at least one method" in r.text
    assert _run(client, csrf, source, ["chao"], strata=["region"]).status_code == 422
    assert app.state.workshop.jobs("alice") == []


def test_runs_wait_their_turn_and_a_user_may_queue_two(app, client):
    csrf = sign_in(client)
    source = _source_id(_upload(client, csrf, SMALL))
    gate = threading.Event()
    app.state.workshop._pool.submit(gate.wait, 30)  # the one worker is busy
    try:
        first = _run(client, csrf, source, ["chao"], seed="1")
        second = _run(client, csrf, source, ["chao"], seed="2")
        assert first.status_code == second.status_code == 303
        job_id = first.headers["location"].rsplit("/", 1)[1]
        assert client.get(f"/api/estimation/jobs/{job_id}").json()["state"] == "queued"
        assert "Waiting for the runs before it" in client.get(first.headers["location"]).text
        third = _run(client, csrf, source, ["chao"], seed="3")
        assert third.status_code == 429
        assert client.get(f"/estimation/jobs/{job_id}/results.csv").status_code == 409
    finally:
        gate.set()
    job = app.state.workshop.wait(app.state.workshop.job("alice", job_id))
    assert job.state == "done"


def test_pages_in_russian(app, client):
    csrf = sign_in(client)
    r = client.get("/estimation?lang=ru")
    assert "Загрузить таблицу попаданий" in r.text and '<html lang="ru">' in r.text
    assert "uncounted_lang=ru" in r.headers["set-cookie"]
    assert "Загрузить таблицу попаданий" in client.get("/estimation").text  # the cookie
    r = _upload(client, csrf, b"A,B\n1,0\n0,7\n", name="t.csv")
    assert "строка 2, столбец «B»" in r.text
    assert "в столбцах списков бывает 0 или 1" in r.text   # the reader's message, translated
    client.cookies.delete("uncounted_lang")
    en = client.get("/estimation", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Upload a capture table" in en.text
    ru = client.get("/estimation", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Загрузить таблицу попаданий" in ru.text


def test_progress_names_the_sampler_state():
    from uncounted.i18n import using
    from uncounted.web.estimation import progress_text
    from uncounted.web.jobs import Job

    job = Job(id="j", owner="a", source="s", source_name="t", settings={}, fingerprint="f",
              state="running", done=1, total=3, label="lcmcr",
              sampler={"chains": 4, "draws_per_chain": 2000, "max_draws_per_chain": 16000,
                       "rhat": 1.0123, "ess_bulk": 3456.7})
    with using("en"):
        assert progress_text(job) == ("Fitting lcmcr: 1 of 3 steps done. Sampler: 4 chains, "
                                      "2,000 of at most 16,000 draws each, R-hat 1.012, "
                                      "ESS 3,457.")
    with using("ru"):
        assert "R-hat 1,012" in progress_text(job)
    job.sampler = {"chains": 4, "draws_per_chain": 0, "max_draws_per_chain": 16000,
                   "rhat": None, "ess_bulk": None}
    with using("en"):
        assert progress_text(job).endswith("Sampler: 4 chains, burning in (no draws kept yet).")
    job.done, job.label = 3, ""     # estimate() is done; the results are being put together
    with using("en"):
        assert progress_text(job) == "Every estimate is made; preparing the results."


@pytest.mark.slow
def test_bayesian_runs_show_their_diagnostics_and_sampler_progress(app, client):
    """lcmcr and dga on Kosovo: progress reports the sampler while it runs; the page shows R-hat,
    ESS and chains, and dga's top graphs in list names; the numbers are the library's for the
    same seed (a minute or more on a loaded 2-core machine)."""
    csrf = sign_in(client)
    source = _source_id(_upload(client, csrf, KOSOVO.read_bytes(), name="kosovo.csv"))
    r = _run(client, csrf, source, ["lcmcr", "dga"], seed="7")
    job_id = r.headers["location"].rsplit("/", 1)[1]
    seen = []
    job = app.state.workshop.job("alice", job_id)
    while job.active:
        p = client.get(f"/api/estimation/jobs/{job_id}").json()
        if p["sampler"]:  # lcmcr reports before its first round and after each round
            seen.append(p)
        threading.Event().wait(0.2)
    assert job.state == "done", job.error
    assert seen
    assert all(p["label"] == "lcmcr" and p["sampler"]["chains"] == 4 for p in seen)
    assert all("Sampler: 4 chains" in p["text"] for p in seen)
    direct = {e.method: e for e in estimate(CaptureTable.from_csv(KOSOVO), ["lcmcr", "dga"],
                                            seed=7)}
    rows = {r["method"]: r for r in job.rows}
    for method in ("lcmcr", "dga"):
        assert rows[method]["estimate"] == direct[method].estimate, (method, rows[method])
        assert rows[method]["interval"] == [direct[method].lower, direct[method].upper], method
    g = rows["lcmcr"]["diagnostics"]
    assert g["rhat"] < 1.01 and g["ess_bulk"] >= 400 and g["chains"] == 4
    page = client.get(f"/estimation/jobs/{job_id}").text
    assert 'id="diagnostics"' in page and f'{g["rhat"]:.3f}' in page
    top = rows["dga"]["diagnostics"]["top_models"][0]
    assert top["label"] in page and "EXH" in top["label"]


def test_an_upload_with_two_stratum_columns_runs_by_one_of_them(app, client):
    csrf = sign_in(client)
    table = (b"A,B,C,region,sex,count\n"
             b"1,0,0,north,m,30\n1,0,0,north,f,10\n0,1,0,north,m,25\n0,0,1,north,f,20\n"
             b"1,1,0,north,m,12\n1,0,1,north,f,8\n0,1,1,north,m,6\n1,1,1,north,f,3\n"
             b"1,0,0,south,m,40\n0,1,0,south,f,35\n0,0,1,south,m,30\n1,1,0,south,f,10\n"
             b"1,0,1,south,m,9\n0,1,1,south,f,7\n1,1,1,south,m,2\n")
    source = _source_id(_upload(client, csrf, table, strata="region, sex"))
    assert 'id="stratum-region"' in client.get(f"/estimation/tables/{source}").text
    job = _finished(app, client, _run(client, csrf, source, ["chao"], strata=["region"]))
    per = {r["stratum"]: r for r in job.rows if r["stratum"] != "total"}
    assert {k: r["observed"] for k, r in per.items()} == {"region=north": 114,
                                                          "region=south": 133}
    # sex is summed away, not read as a list
    assert all(r["lists"] == ["A", "B", "C"] for r in job.rows)
    used = client.get(f"/estimation/jobs/{job.id}/table.csv").text
    assert used.splitlines()[0] == "region,A,B,C,count"
