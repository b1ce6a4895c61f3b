"""Playwright driving Debian's Chromium (/usr/bin/chromium); no browser is ever downloaded.

Tests marked ``browser`` use :func:`chromium`; they skip, saying why, where Chromium or Playwright
is missing, except under CI (``CI`` set), where ``.ci/run`` installs Chromium and a missing one
is a failure.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / ".ci" / "artifacts"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need {reason}; .ci/run installs Chromium with apt")
    pytest.skip(f"needs {reason} (install with: apt-get install chromium)")


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright's sync API)."""
    if not CHROMIUM.exists():
        _unavailable(f"Debian's Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
