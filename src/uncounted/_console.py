"""What the command line prints with: the two Rich consoles, markup escaping, step progress.

Part of the CLI layer (``docs/architecture.md``): :mod:`uncounted.cli` and every module of
:mod:`uncounted.commands` import it at top level; nothing below the CLI does. Library functions
never print: they take a ``progress`` callback, and the commands pass the ones made here.
Importing this module costs Rich's console and nothing else, so ``uncounted --help`` stays fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape as _escape

from .i18n import _, format_number

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
    shows ``description: label``, done/total, the time elapsed and the time remaining (the
    elapsed time per unit finished, times the units left). It is transient: it leaves no line
    behind. With ``show=False`` the callback does nothing.

    Two more callbacks hang on it, drawn in the same live display (Rich allows one at a time):
    ``progress.sampler(info)``, an MCMC sampler's report on a second line, and
    ``progress.stratum(label, event, info)`` (``mse.api.estimate``'s ``strata_progress``): the
    bar then counts strata done, running and left, with one line per running stratum (its time,
    and its sampler's draws and R-hat when it has one).
    """
    if not show:
        def quiet(done: int, total: int, label: str = "") -> None:
            return None

        quiet.sampler = lambda info: None  # type: ignore[attr-defined]
        quiet.stratum = lambda label, event, info=None: None  # type: ignore[attr-defined]
        yield quiet
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  _overall_only(_count_text), TimeElapsedColumn(), _overall_only(_eta_text),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(escape(description), total=None, overall=True)
        running: dict[str, Any] = {}
        state = {"label": "", "strata": False}

        def show_count() -> None:
            t = bar.tasks[task]
            if state["strata"]:
                total = int(t.total or 0)
                left = max(total - int(t.completed) - len(running), 0)
                text = description + ": " + _("{done} done, {running} running, {left} left").format(
                    done=int(t.completed), running=len(running), left=left)
            else:
                text = f"{description}: {state['label']}" if state["label"] else description
            bar.update(task, description=escape(text))

        def progress(done: int, total: int, label: str = "") -> None:
            state["label"] = label
            bar.update(task, completed=done, total=max(total, 1))
            show_count()

        detail: dict = {}

        def sampler(info: dict) -> None:
            # a sampler's own report (lcmcr: chains, draws, R-hat, ESS) on a second line of the
            # same display: Rich allows one live display at a time
            if "task" not in detail:
                detail["task"] = bar.add_task("", total=None)
            bar.update(detail["task"], description=escape("  " + sampler_text(info)))

        def stratum(label: str, event: str, info: dict | None = None) -> None:
            state["strata"] = True
            if event == "start" and label not in running:
                running[label] = bar.add_task(escape("  " + label), total=None)
            elif event == "sampler" and label in running and info:
                bar.update(running[label], description=escape("  " + stratum_text(label, info)))
            elif event == "done" and label in running:
                bar.remove_task(running.pop(label))
                bar.update(task, advance=1)  # the next progress(done, ...) says the same count
            show_count()
            bar.refresh()

        progress.sampler = sampler  # type: ignore[attr-defined]
        progress.stratum = stratum  # type: ignore[attr-defined]
        yield progress


def _count_text(task) -> str:
    return f"{int(task.completed)}/{int(task.total)}" if task.total else ""


def _eta_text(task) -> str:
    """Time left: the elapsed time per unit finished times the units left (units run at once
    count once each, so parallel strata shorten it)."""
    done, total, elapsed = task.completed, task.total, task.elapsed
    if not total or not done or not elapsed or done >= total:
        return _("eta {time}").format(time="-:--:--")
    left = int(elapsed / done * (total - done))
    return _("eta {time}").format(time=f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}")


def _overall_only(text: Callable[[Any], str]):
    """A Rich progress column drawing ``text(task)`` on the overall bar only (the lines of the
    running strata leave it blank). Rich's progress module loads only when a bar is drawn."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class OverallOnly(ProgressColumn):
        def render(self, task) -> Text:
            shown = text(task) if task.fields.get("overall") else ""
            return Text(shown, style="progress.remaining")

    return OverallOnly()


def stratum_text(label: str, info: dict) -> str:
    """One running stratum's line from its sampler's report (lcmcr: draws, R-hat, ESS)."""
    text = label + ": " + _("{draws}/{max_draws} draws per chain").format(
        draws=format_number(info.get("draws_per_chain", 0)),
        max_draws=format_number(info.get("max_draws_per_chain", 0)))
    if info.get("rhat") is not None:
        text += ", " + _("R-hat {rhat}, ESS {ess} (target {target})").format(
            rhat=format_number(info["rhat"], 3),
            ess=format_number(min(info["ess_bulk"], info["ess_tail"])),
            target=format_number(info.get("target_ess", 0)))
    return text


def sampler_text(info: dict) -> str:
    """One line from an MCMC sampler's ``progress(info)`` report."""
    text = _("{method} ({lists} lists, {observed} observed): {chains} chains, {draws}/{max_draws} "
             "draws per chain, {iterations} iterations").format(
        method=info.get("method", "sampler"), lists=info.get("lists"),
        observed=format_number(info.get("observed", 0)), chains=info.get("chains"),
        draws=format_number(info.get("draws_per_chain", 0)),
        max_draws=format_number(info.get("max_draws_per_chain", 0)),
        iterations=format_number(info.get("iterations_per_chain", 0)))
    if info.get("rhat") is not None:
        text += ", " + _("R-hat {rhat}, ESS bulk {bulk} tail {tail} (target {target})").format(
            rhat=format_number(info["rhat"], 3), bulk=format_number(info["ess_bulk"]),
            tail=format_number(info["ess_tail"]), target=format_number(info.get("target_ess", 0)))
    return text


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
        task = bar.add_task(_("lcmcr: starting"), total=None)

        def progress(info: dict) -> None:
            bar.update(task, description=escape(sampler_text(info)))

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
        err_console.print(_("compiling the lcmcr sampler once, about {seconds} s (later runs "
                            "load it from numba's cache)").format(seconds=kernels.COMPILE_SECONDS),
                          style="dim", highlight=False)


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

            step = step + " " + _("(compiling the sampler once, about {seconds} s)").format(
                seconds=kernels.COMPILE_SECONDS)
        progress(step, seconds)

    return wrapped


FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class Column:
    """One column of :func:`print_table`.

    ``key`` names the value in each row (and the CSV/JSON field); ``header`` is what the table
    shows (translated by the caller); ``show`` turns a value into the table's text (default:
    ``str``, None shown empty); ``whole`` keeps the text on one line and never cuts it
    (identifiers and numbers: a cut one reads as another value), while other columns wrap.
    """

    key: str
    header: str | None = None
    justify: str = "left"
    whole: bool = True
    show: Callable[[Any], str] | None = None

    def text(self, value: Any) -> str:
        if self.show is not None:
            return self.show(value)
        return "" if value is None else str(value)


def column_names(option: str | None) -> list[str] | None:
    """The column names (or patterns) of a comma-separated option such as ``--strata`` or
    ``--lists``, blanks dropped; None when the option was not given."""
    return [s.strip() for s in option.split(",") if s.strip()] if option else None


def check_format(fmt: str) -> str:
    """``fmt`` if it is one of :data:`FORMATS`, else an InputError naming the flag."""
    from .exceptions import InputError, Msg

    if fmt not in FORMATS:
        raise InputError(Msg("{flag} must be one of {choices}", flag="--format",
                             choices=", ".join(FORMATS)), column="--format",
                         value=fmt)
    return fmt


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *,
                fmt: str = "table", title: str | None = None, out: Console | None = None,
                row_styles: Sequence[str | None] | None = None) -> None:
    """Print ``rows`` as a table, CSV or JSON: the one way every listing command prints.

    * ``table``: a Rich table. Identifiers and numbers are never cut or wrapped: when the output
      is not a terminal (``| cat``, a file) the table is as wide as its identifiers and numbers
      need (text columns wrap at 80 characters or the console's width); on a terminal too narrow
      for it, text columns wrap, and when even that cannot fit, every row is printed as
      ``header: value`` lines. Columns empty in every row are left out. ``title`` is printed
      above as its own line (values in it escaped by the caller).
    * ``csv`` and ``json``: every column, with the raw values (keys as field names); no title.
    """
    out = console if out is None else out
    check_format(fmt)
    if fmt == "json":
        import json

        data = [{c.key: r.get(c.key) for c in columns} for r in rows]
        out.file.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if fmt == "csv":
        import io

        from ._safe_csv import SafeWriter

        buf = io.StringIO()
        writer = SafeWriter(buf, lineterminator="\n")  # no cell read as a spreadsheet formula
        writer.writerow([c.key for c in columns])
        for r in rows:
            writer.writerow(["" if r.get(c.key) is None else r.get(c.key) for c in columns])
        out.file.write(buf.getvalue())
        return
    from rich.table import Table

    cells = [[c.text(r.get(c.key)) for c in columns] for r in rows]
    keep = [j for j in range(len(columns)) if any(row[j] for row in cells)] if cells else \
        list(range(len(columns)))
    cols = [columns[j] for j in keep]
    cells = [[row[j] for j in keep] for row in cells]
    styles = list(row_styles) if row_styles is not None else [None] * len(cells)
    if title:
        out.print(title, style="italic", highlight=False, soft_wrap=True)

    def build() -> Table:
        t = Table()
        for c, j in zip(cols, range(len(cols)), strict=True):
            longest = max([len(c.header or c.key)] + [len(row[j]) for row in cells]) if cells else 0
            if c.whole:
                t.add_column(escape(c.header or c.key), justify=c.justify, no_wrap=True,
                             min_width=longest)
            else:
                t.add_column(escape(c.header or c.key), justify=c.justify, overflow="fold")
        for row, style in zip(cells, styles, strict=True):
            t.add_row(*(escape(x) for x in row), style=style)
        return t

    table = build()
    # narrowest without cutting: whole columns at full length, the others at their longest word
    narrowest = 3 * len(cols) + 1
    for j, c in enumerate(cols):
        texts = [c.header or c.key] + [row[j] for row in cells]
        narrowest += max(len(x) if c.whole else max(map(len, x.split() or [""])) for x in texts)
    if not out.is_terminal:
        saved = out.width  # Console.print clamps its width= to the console's: widen it instead
        out.width = max(narrowest, saved)
        try:
            out.print(table, highlight=False, crop=False)
        finally:
            out.width = saved
    elif narrowest <= out.width:
        out.print(table, highlight=False)
    else:
        width = max(len(c.header or c.key) for c in cols)
        for row, style in zip(cells, styles, strict=True):
            for c, value in zip(cols, row, strict=True):
                if value:
                    out.print(f"[bold]{escape((c.header or c.key).ljust(width))}[/] {escape(value)}",
                              highlight=False, soft_wrap=True, style=style)
            out.print()
