"""The offline report: one self-contained HTML file (or JSON, or PNG charts) about a project.

``uncounted report DIR --out report.html`` or, before any linkage, ``uncounted report TABLE.csv``.
:func:`build_report` returns the text; :func:`collect` returns the data behind it.
"""

from .collect import collect
from .render import build_report, render_html

__all__ = ["build_report", "collect", "render_html"]
