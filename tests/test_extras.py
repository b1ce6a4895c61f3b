"""Optional dependencies: a missing extra is an install hint naming it, never a bare ImportError.

A missing module is simulated in a fresh interpreter by ``sys.modules[name] = None``, which makes
both ``import name`` and ``importlib.util.find_spec(name)`` behave as if it were not installed.
The bare install itself (``pip install .`` without extras, then ``uncounted estimate``) is run by
.ci/run in a fresh venv.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from uncounted._extras import EXTRAS, missing_modules
from uncounted.exceptions import DependencyError

ROOT = Path(__file__).resolve().parents[1]


def _run(missing: list[str], code: str) -> subprocess.CompletedProcess:
    hide = "".join(f"sys.modules[{m!r}] = None\n" for m in missing)
    return subprocess.run([sys.executable, "-c", f"import sys\n{hide}{code}"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})


def _cli(missing: list[str], *args: str) -> subprocess.CompletedProcess:
    return _run(missing, f"sys.argv = ['uncounted', *{list(args)!r}]\n"
                         "from uncounted.cli import main\nmain()")


@pytest.mark.parametrize(("missing", "args", "extra"), [
    (["splink"], ["link", "{proj}"], "lists"),
    (["duckdb"], ["init", "{tmp}/p2"], "lists"),
    (["duckdb"], ["lists", "{proj}"], "lists"),
    (["fastapi"], ["serve", "{proj}"], "web"),
    (["jinja2"], ["report", "{kosovo}"], "report"),
    (["statsmodels"], ["regions", "{kosovo}", "--out", "{tmp}/r"], "report"),
    (["faker"], ["simulate", "{tmp}/sim", "-n", "200"], "lists"),
    (["splink"], ["demo", "{tmp}/demo", "-n", "200"], "lists"),
])
def test_cli_names_the_extra(tmp_path, missing, args, extra):
    from uncounted.project import Project

    proj = tmp_path / "p"
    Project.init(proj)
    kosovo = ROOT / "src" / "uncounted" / "data" / "mse" / "kosovo.csv"
    args = [a.format(proj=proj, tmp=tmp_path, kosovo=kosovo) for a in args]
    r = _cli(missing, *args)
    assert r.returncode == 2, r.stderr
    want = f"uncounted {args[0]} needs the '{extra}' extra: pip install 'uncounted[{extra}]'"
    assert want in " ".join(r.stderr.split()), r.stderr
    assert "Traceback" not in r.stderr


def test_core_commands_work_without_any_extra(tmp_path):
    every = [m for mods in EXTRAS.values() for m in mods]
    kosovo = ROOT / "src" / "uncounted" / "data" / "mse" / "kosovo.csv"
    r = _cli(every, "estimate", str(kosovo), "--method", "chao", "--json")
    assert r.returncode == 0, r.stderr
    assert '"method": "chao"' in r.stdout
    r = _cli(every, "simulate", str(tmp_path / "t.csv"), "--capture-table-only", "-n", "300")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.csv").exists()


@pytest.mark.parametrize(("module", "missing", "extra"), [
    ("uncounted.linkage", "splink", "lists"),
    ("uncounted.web", "uvicorn", "web"),
    ("uncounted.report", "matplotlib", "report"),
    ("uncounted.analysis", "yaml", "report"),
    ("uncounted.records.importer", "pyarrow", "lists"),
])
def test_library_import_raises_dependency_error(module, missing, extra):
    r = _run([missing], "import importlib\nfrom uncounted.exceptions import DependencyError\n"
                        f"try:\n    importlib.import_module({module!r})\n"
                        "except DependencyError as err:\n    print('EXTRA', err.extra, err)\n")
    assert r.returncode == 0, r.stderr
    # the first stage on the way that needs the extra names itself (report imports analysis)
    assert r.stdout.startswith(f"EXTRA {extra} uncounted."), r.stdout
    assert f"needs the '{extra}' extra: pip install 'uncounted[{extra}]' ({missing} is" in r.stdout


def test_store_without_duckdb_names_the_extra(tmp_path):
    r = _run(["duckdb"], "from uncounted.store import Store\nfrom uncounted.exceptions import "
                         "DependencyError\ntry:\n    Store.create(" + repr(str(tmp_path / 'x.duckdb')) +
                         ")\nexcept DependencyError as err:\n    print('EXTRA', err.extra)")
    assert "EXTRA lists" in r.stdout, r.stderr


def test_dependency_error_is_an_import_error_and_ours():
    err = DependencyError.for_extra("lists", "duckdb", what="uncounted link")
    assert isinstance(err, ImportError) and err.extra == "lists" and err.module == "duckdb"
    assert str(err) == ("uncounted link needs the 'lists' extra: pip install 'uncounted[lists]' "
                        "(duckdb is not installed)")


def test_extras_table_matches_pyproject():
    """uncounted._extras.EXTRAS lists, by import name, what pyproject's extras install."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    provides = importlib.metadata.packages_distributions()
    for extra, mods in EXTRAS.items():
        dists = {re.split(r"[<>=\[ ]", r)[0].lower() for r in extras[extra]
                 if not r.startswith("uncounted")}
        from_mods = {d.lower() for m in mods for d in provides.get(m, [m])}
        assert dists == from_mods, (extra, dists ^ from_mods)
    assert set(extras) == {*EXTRAS, "all", "dev"}


def test_nothing_is_missing_in_the_dev_environment():
    # the test environment installs .[all,dev]: every extra but spark is importable
    assert {e: missing_modules(e) for e in ("lists", "report", "web", "dask")} == {
        "lists": [], "report": [], "web": [], "dask": []}
