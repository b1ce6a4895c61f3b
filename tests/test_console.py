"""The CLI's output helpers: the one-time lcmcr compile notice and the step progress."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from uncounted import _console
from uncounted.mse import _lcmcr_kernels as kernels


@pytest.fixture()
def terminal(monkeypatch):
    """stderr as a terminal, recorded."""
    lines = []
    monkeypatch.setattr(_console.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(_console.err_console, "print", lambda msg, **kw: lines.append(msg))
    return lines


@pytest.mark.parametrize(("methods", "as_json", "compiled", "said"), [
    (["lcmcr"], False, False, True),
    (["all"], False, False, True),
    (["loglinear,lcmcr"], False, False, True),
    (["lcmcr"], True, False, False),          # --json: machine output, no notice
    (["lcmcr"], False, True, False),          # the cache holds the sampler
    (["lcmcr"], False, None, False),          # cannot tell: say nothing rather than be wrong
    (["loglinear", "chao"], False, False, False),
])
def test_compile_notice(terminal, monkeypatch, methods, as_json, compiled, said):
    monkeypatch.setattr(kernels, "compiled", lambda: compiled)
    _console.announce_lcmcr_compile(methods, as_json=as_json)
    assert bool(terminal) == said
    if said:
        assert terminal[0].startswith("compiling the lcmcr sampler once, about")


def test_no_notice_when_not_a_terminal(monkeypatch):
    seen = []
    monkeypatch.setattr(_console.sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.setattr(kernels, "compiled", lambda: seen.append(1) or False)
    _console.announce_lcmcr_compile(["lcmcr"])
    assert seen == []                         # not even the cache is looked at


def test_compiled_reads_the_cache_index(tmp_path):
    """False in an empty numba cache, True once run_chain has been compiled into it."""
    probe = ("import numpy as np\nfrom uncounted.mse import _lcmcr_kernels as k\n"
             "before = k.compiled()\n"
             "b = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.uint8)\n"
             "k.run_chain(b, np.array([3, 4, 2]), 2, 1, 1, 1, .25, .25, 1, 1, 2, 1, "
             "np.zeros(k.state_size(2, 2)))\nprint(before, k.compiled())")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.split() == ["False", "True"]


def test_step_progress_is_a_callback():
    with _console.step_progress(show=False) as progress:
        progress("a step", None)
        progress("a step", 0.5)


def test_count_progress_is_silent_when_asked(monkeypatch):
    with _console.count_progress("estimating", show=False) as progress:
        progress(0, 3, "chao")        # a no-op, whatever it is given
        progress(3, 3)
    monkeypatch.setattr(_console.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(_console.sys.stdout, "isatty", lambda: False, raising=False)
    assert _console.show_progress() is False          # piped output stays clean
    monkeypatch.setattr(_console.sys.stdout, "isatty", lambda: True, raising=False)
    assert _console.show_progress() is True and _console.show_progress(as_json=True) is False


@pytest.mark.parametrize(("compiled", "label"), [
    (False, "estimating lcmcr on the linked lists (compiling the sampler once, about"),
    (True, "estimating lcmcr on the linked lists"),
])
def test_the_compile_is_named_on_the_step_that_waits_for_it(monkeypatch, compiled, label):
    monkeypatch.setattr(kernels, "compiled", lambda: compiled)
    seen = []
    progress = _console.compile_notice(lambda step, seconds=None: seen.append((step, seconds)))
    progress("estimating chao on the linked lists", None)
    progress("estimating lcmcr on the linked lists", None)
    progress("estimating lcmcr on the linked lists", 12.0)
    progress("estimating lcmcr on the true histories", None)   # compiled by now: plain label
    assert seen[0] == ("estimating chao on the linked lists", None)
    assert seen[1][0].startswith(label) and seen[2][0] == seen[1][0] and seen[2][1] == 12.0
    assert seen[3][0] == "estimating lcmcr on the true histories"


# --- the one table printer of listing commands -------------------------------------------------

def _render(rows, cols, *, width, terminal, fmt="table", title=None):
    import io

    from rich.console import Console

    buf = io.StringIO()
    out = Console(file=buf, width=width, force_terminal=terminal, color_system=None,
                  legacy_windows=False)
    _console.print_table(rows, cols, fmt=fmt, out=out, title=title)
    return buf.getvalue()


ROWS = [{"list": "volunteers", "records": 2245, "file": "/data/2024/lists/volunteers_memorial.csv",
         "stratum": "region=RU-KDA", "empty": None},
        {"list": "obituaries_regional", "records": 12, "file": "obits.csv",
         "stratum": "region=unknown", "empty": ""}]
COLS = [_console.Column("list"),
        _console.Column("records", justify="right", show=lambda v: f"{v:,}"),
        _console.Column("file", whole=False), _console.Column("stratum"), _console.Column("empty")]


@pytest.mark.parametrize(("width", "terminal"), [(40, False), (80, False), (30, True), (60, True),
                                                 (200, True)])
def test_identifiers_and_numbers_are_never_cut(width, terminal):
    """`uncounted lists P | cat` once showed 'voluntee…'; piped or narrow, every identifier and
    number must appear whole on one line."""
    text = _render(ROWS, COLS, width=width, terminal=terminal)
    lines = text.splitlines()
    for value in ("volunteers", "obituaries_regional", "region=RU-KDA", "region=unknown", "2,245"):
        assert any(value in line for line in lines), (value, text)
    assert "…" not in text


def test_empty_columns_are_left_out_of_tables_only():
    assert "empty" not in _render(ROWS, COLS, width=200, terminal=False)
    assert "empty" in _render(ROWS, COLS, width=200, terminal=False, fmt="csv").splitlines()[0]


def test_too_narrow_a_terminal_gets_one_block_per_row():
    text = _render(ROWS, COLS, width=30, terminal=True)
    assert "list    volunteers" in text and "file    /data/2024/lists/volunteers_memorial.csv" in text


def test_piped_table_is_a_table_as_wide_as_its_identifiers():
    text = _render(ROWS, COLS, width=40, terminal=False, title="T")
    assert text.splitlines()[0] == "T"
    header = next(line for line in text.splitlines() if "list" in line and "records" in line)
    assert "stratum" in header  # one table, not blocks


def test_csv_and_json_carry_raw_values():
    import csv
    import io
    import json

    rows = list(csv.DictReader(io.StringIO(_render(ROWS, COLS, width=20, terminal=False,
                                                   fmt="csv"))))
    assert rows[0]["records"] == "2245" and rows[0]["list"] == "volunteers"
    data = json.loads(_render(ROWS, COLS, width=20, terminal=False, fmt="json"))
    assert data[1] == {"list": "obituaries_regional", "records": 12, "file": "obits.csv",
                       "stratum": "region=unknown", "empty": ""}


def test_unknown_format_is_an_input_error():
    from uncounted.exceptions import InputError

    with pytest.raises(InputError, match="table, csv, json"):
        _console.check_format("xml")


# --- progress of many strata at once -----------------------------------------------------------

def _frames(monkeypatch):
    """err_console as a 120-column terminal writing into a buffer; returns a reader of the text
    drawn so far (ANSI cursor moves stripped, each redraw a line)."""
    import io
    import re

    from rich.console import Console

    buf = io.StringIO()
    monkeypatch.setattr(_console, "err_console", Console(file=buf, width=120, force_terminal=True,
                                                         color_system=None, legacy_windows=False))
    return lambda: re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue()).replace("\r", "\n")


def test_strata_progress_counts_done_running_left_with_a_line_per_stratum(monkeypatch):
    drawn = _frames(monkeypatch)
    info = {"method": "lcmcr", "chains": 4, "draws_per_chain": 2000, "max_draws_per_chain": 16000,
            "rhat": 1.0234, "ess_bulk": 310.0, "ess_tail": 250.0, "target_ess": 400.0}
    with _console.count_progress("estimating") as progress:
        progress(0, 3, "")
        progress.stratum("lcmcr [sexo=H]", "start")
        progress.stratum("lcmcr [sexo=M]", "start")
        assert "estimating: 0 done, 2 running, 1 left" in drawn()
        progress.stratum("lcmcr [sexo=H]", "sampler", info)
        assert "lcmcr [sexo=H]: 2,000/16,000 draws per chain, R-hat 1.023, ESS 250 (target 400)" \
            in drawn()
        progress.stratum("lcmcr [sexo=M]", "done", {"status": "ok"})   # the bar advances
        frame = drawn().split("estimating: ")[-1]
        assert frame.startswith("1 done, 1 running, 1 left") and "1/3" in frame
        assert "eta 0:00:" in frame            # one of three done: the rest at the same pace
        progress.stratum("lcmcr [sexo=M]", "sampler", info)   # late report of a finished one
        last = drawn().split("estimating: ")[-1]
        assert "sexo=M" not in last and "lcmcr [sexo=H]: 2,000/16,000" in last


def test_strata_progress_speaks_the_current_language(monkeypatch):
    """The progress lines go through the catalogue: Russian words and numbers under --lang ru."""
    from uncounted.i18n import using

    drawn = _frames(monkeypatch)
    info = {"method": "lcmcr", "chains": 4, "draws_per_chain": 2000, "max_draws_per_chain": 16000,
            "rhat": 1.0234, "ess_bulk": 310.0, "ess_tail": 250.0, "target_ess": 400.0}
    with using("ru"), _console.count_progress("оценивание") as progress:
        progress(0, 3, "")
        progress.stratum("lcmcr [sexo=H]", "start")
        assert "оценивание: готово 0, идёт 1, осталось 2" in drawn()
        progress.stratum("lcmcr [sexo=H]", "sampler", info)
        assert ("lcmcr [sexo=H]: 2\u202f000/16\u202f000 выборок на цепь, R-hat 1,023, ESS 250 "
                "(цель 400)") in drawn()
        progress.stratum("lcmcr [sexo=H]", "done", {"status": "ok"})
        assert "осталось ~0:00:" in drawn()


def test_estimate_draws_strata_on_a_terminal_and_nothing_under_json(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from uncounted.cli import app

    path = tmp_path / "t.csv"
    path.write_text("s,A,B,C,count\n" + "".join(
        f"{s},{a},{b},{c},{n}\n" for s in "xyz" for (a, b, c, n) in
        [(1, 0, 0, 40), (0, 1, 0, 35), (0, 0, 1, 30), (1, 1, 0, 12), (1, 0, 1, 10), (0, 1, 1, 9),
         (1, 1, 1, 4)]))
    from uncounted.commands import estimate as command

    drawn = _frames(monkeypatch)
    # CliRunner swaps sys.stdout/stderr for its own buffers: say they are terminals the way the
    # command asks (show_progress's own rule, --json silent, is tested above)
    monkeypatch.setattr(command, "show_progress", lambda as_json=False: not as_json)
    r = CliRunner().invoke(app, ["estimate", str(path), "--strata", "s", "-m", "chao,loglinear"])
    assert r.exit_code == 0, r.output
    text = drawn()
    for m in ("chao", "loglinear"):
        for s in "xyz":
            assert f"  {m} [s={s}]" in text        # each stratum had its line while it ran
    assert "estimating: 6 done, 0 running, 0 left" in text and "6/6" in text
    r = CliRunner().invoke(app, ["estimate", str(path), "--strata", "s", "-m", "chao", "--json"])
    assert r.exit_code == 0 and drawn() == text   # --json: nothing more drawn
