"""Names with quotes, SQL and HTML pass through linkage unchanged and harmlessly."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.linkage.link import link_project
from uncounted.project import Project

from .helpers import insert_records

runner = CliRunner()
HOSTILE = ["O'Brien", "Robert'); DROP TABLE records;--", "<script>alert(1)</script>",
           "[bold red]rich[/]", 'quote"double', "SELECT * FROM pairs"]


def test_hostile_strings_pass_through(tmp_path):
    root = tmp_path / "p"
    Project.init(root)
    rows = []
    for i, s in enumerate(HOSTILE):
        for lst in ("list 'A'", "B; DROP TABLE persons"):
            rows.append(dict(list_name=lst, record_id=f"{s}#{i}", surname_raw=s, given_name_raw=s,
                             surname_key=s, given_name_key="ivan", given_name_canon="ivan",
                             birth_year=1990, birth_month=1, birth_day=i + 1))
    with Project.open(root).store() as store:
        insert_records(store, rows)
        res = link_project(store, progress=False)
        assert store.con.execute("SELECT count(*) FROM records").fetchone()[0] == len(rows)
        keys = {r[0] for r in store.con.execute("SELECT surname_key FROM records").fetchall()}
    assert keys == set(HOSTILE)
    assert res.n_persons == len(HOSTILE)            # each name found its twin on the other list
    out = tmp_path / "persons.csv"
    r = runner.invoke(app, ["persons", str(root), "--out", str(out)])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert sorted(got["record_id"]) == sorted(row["record_id"] for row in rows)
    assert set(got["list"]) == {"list 'A'", "B; DROP TABLE persons"}
    assert got.groupby("person_id").size().eq(2).all()
    # the reviewer shows them literally (Rich markup escaped)
    r = runner.invoke(app, ["review", str(root), "--band", "0.0,1.0"], input="s\n" * 20)
    assert r.exit_code == 0, r.output
    assert "[bold red]rich[/]" in r.output and "<script>alert(1)</script>" in r.output
