"""The offline report: one self-contained HTML file (or JSON, or PNG charts) about a project.

``uncounted report DIR --out report.html`` or, before any linkage, ``uncounted report TABLE.csv``.
:func:`build_report` returns the text; :func:`collect` returns the data behind it.
"""

from .._extras import require_extra
from .collect import collect
from .render import build_report, render_html

# the modules above import Jinja2 and matplotlib only when they draw; say now if they are missing
require_extra("report", "uncounted.report")

__all__ = ["build_report", "collect", "render_html"]
