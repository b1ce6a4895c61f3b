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
