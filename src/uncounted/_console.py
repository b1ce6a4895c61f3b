"""What the command line prints with: the two Rich consoles, markup escaping, step progress.

Part of the CLI layer (``docs/architecture.md``): :mod:`uncounted.cli` and every module of
:mod:`uncounted.commands` import it at top level; nothing below the CLI does. Library functions
never print: they take a ``progress`` callback, and the commands pass the ones made here.
Importing this module costs Rich's console and nothing else, so ``uncounted --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape as _escape

console = Console()
err_console = Console(stderr=True)


def escape(text: str) -> str:
    """Escape Rich markup in user-supplied text (file names, list names, values)."""
    return _escape(text)


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
def sampler_progress(show: bool = True) -> Iterator[Callable[[dict], None]]:
    """A one-line Rich display on stderr of an MCMC sampler's ``progress(info)`` reports (lcmcr:
    chains, draws per chain, iterations, current R-hat and ESS of N). ``show=False``: nothing."""
    if not show:
        yield lambda info: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("lcmcr: starting", total=None)

        def progress(info: dict) -> None:
            text = (f"{info.get('method', 'sampler')} ({info.get('lists')} lists, "
                    f"{info.get('observed', 0):,} observed): {info.get('chains')} chains, "
                    f"{info.get('draws_per_chain', 0):,}/{info.get('max_draws_per_chain', 0):,} "
                    f"draws per chain, {info.get('iterations_per_chain', 0):,} iterations")
            if info.get("rhat") is not None:
                text += (f", R-hat {info['rhat']:.3f}, ESS bulk {info['ess_bulk']:.0f} tail "
                         f"{info['ess_tail']:.0f} (target {info.get('target_ess', 0):.0f})")
            bar.update(task, description=escape(text))

        yield progress


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
