"""What the command line prints with: the two Rich consoles, markup escaping, step progress.

Part of the CLI layer (``docs/architecture.md``): :mod:`uncounted.cli` and every module of
:mod:`uncounted.commands` import it at top level; nothing below the CLI does. Library functions
never print: they take a ``progress`` callback, and the commands pass the ones made here.
Importing this module costs Rich's console and nothing else, so ``uncounted --help`` stays fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape as _escape

console = Console()
err_console = Console(stderr=True)

#: How each status of an estimate is drawn in the CLI's tables.
STATUS_STYLE = {"ok": "green", "caution": "yellow", "unreliable": "bold red",
                "not_estimable": "dim"}


# C0 controls but tab and newline, DEL, C1 controls (0x9B is a one-byte CSI), and the bidi
# overrides that reorder what follows them: a record field printed raw could clear the screen,
# set the window title, or make text read backwards
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else \
        f"\\u{ord(match.group()):04x}"


def escape(text: str) -> str:
    """User-supplied text (file names, list names, record fields) made safe for the terminal:
    Rich markup escaped, and control characters (ESC, BEL, CR, C1, bidi overrides) shown as
    ``\\x1b``-style text instead of being sent to the terminal."""
    return _escape(_CONTROLS.sub(_visible, str(text)))


@contextmanager
def step_progress(show: bool = True) -> Iterator[Callable[[str, float | None], None]]:
    """A Rich display of named steps on stderr, as a ``progress(step, seconds)`` callback.

    The library calls ``progress(step, None)`` when a step starts and ``progress(step, seconds)``
    when it ends (see :func:`uncounted.linkage.link.link_project`); each step is one line with a
    spinner, then its time. With ``show=False`` the callback does nothing.
    """
    if not show:
        yield lambda step, seconds=None: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def progress(step: str, seconds: float | None = None) -> None:
            if seconds is None:
                tasks[step] = bar.add_task(escape(step), total=1)
            elif step in tasks:
                bar.update(tasks[step], completed=1)

        yield progress


@contextmanager
def count_progress(description: str, show: bool = True
                   ) -> Iterator[Callable[[int, int, str], None]]:
    """A Rich bar on stderr with an ETA, as a ``progress(done, total, label)`` callback.

    The library calls it before each unit of work with the units finished so far, the total and
    what starts now (``uncounted.mse.api.estimate``, ``run_coverage``, ``run_demo``); the bar
    shows ``description: label``, done/total, the time elapsed and the time remaining. It is
    transient: it leaves no line behind. With ``show=False`` the callback does nothing.
    """
    if not show:
        yield lambda done, total, label="": None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
                  TimeRemainingColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(escape(description), total=None)

        def progress(done: int, total: int, label: str = "") -> None:
            text = f"{description}: {label}" if label else description
            bar.update(task, completed=done, total=max(total, 1), description=escape(text))

        yield progress


def show_progress(as_json: bool = False) -> bool:
    """Whether to draw progress: not under ``--json``, and only when stdout and stderr are
    terminals (piped or redirected output stays clean)."""
    return interactive(as_json) and sys.stdout.isatty()


def interactive(as_json: bool = False) -> bool:
    """True when stderr is a terminal and the output is not machine-readable (``--json``)."""
    return not as_json and sys.stderr.isatty()


def announce_lcmcr_compile(methods: Iterable[str], *, as_json: bool = False) -> None:
    """Say once, on stderr, that the lcmcr sampler is about to be compiled (first use only).

    Only when ``methods`` include ``lcmcr`` (or ``all``), stderr is a terminal, the output is not
    ``--json``, and numba's cache does not hold the sampler yet. Imports numba only when lcmcr
    will run anyway.
    """
    wanted = {m.strip() for part in methods for m in str(part).split(",")}
    if not wanted & {"lcmcr", "all"} or not interactive(as_json):
        return
    from .mse import _lcmcr_kernels as kernels

    if kernels.compiled() is False:
        err_console.print(f"compiling the lcmcr sampler once, about {kernels.COMPILE_SECONDS} s "
                          "(later runs load it from numba's cache)", style="dim", highlight=False)


def compile_notice(progress: Callable[[str, float | None], None]
                   ) -> Callable[[str, float | None], None]:
    """``progress`` with the first lcmcr step's label saying that the sampler compiles (once,
    about N s) when numba's cache does not hold it yet: the wait is named where it happens."""
    state = {"checked": False, "label": None}

    def wrapped(step: str, seconds: float | None = None) -> None:
        if seconds is None and "lcmcr" in step and not state["checked"]:
            state["checked"] = True
            from .mse import _lcmcr_kernels as kernels

            if kernels.compiled() is False:
                state["label"] = step
        if step == state["label"]:
            from .mse import _lcmcr_kernels as kernels

            step = f"{step} (compiling the sampler once, about {kernels.COMPILE_SECONDS} s)"
        progress(step, seconds)

    return wrapped
