"""Shared test helpers.

``mse_data(name)`` reads a reference capture table copied into tests/data/mse (see PROVENANCE.md).
``shared_data(relpath)`` returns a path under ../shared/data/ beside the checkout, or skips the test,
saying why, when that folder is absent (a user's fresh clone); CI always has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
SHARED = Path(os.environ.get("UNCOUNTED_SHARED", ROOT.parent / "shared")) / "data"


def shared_path(relpath: str) -> Path:
    p = SHARED / relpath
    if not p.exists():
        pytest.skip(f"needs {relpath} from the project's shared reference data ({SHARED}), which is "
                    "not beside this checkout (it is unlicensed or large, so not bundled)")
    return p


@pytest.fixture
def shared_data():
    return shared_path


@pytest.fixture
def mse_table():
    from uncounted.mse import read_capture_table

    def load(name: str, **kw):
        return read_capture_table(DATA / "mse" / f"{name}.csv", **kw)

    return load
