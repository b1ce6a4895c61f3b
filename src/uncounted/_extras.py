"""Optional dependencies: which extra brings which module, and the install hint when one is missing.

``pip install uncounted`` is the MSE core and its command line (NumPy, SciPy, pandas, numba, Typer,
Rich). Everything else comes with an extra (``docs/architecture.md``, the table there is this one):

======== ================================================================ ========================
extra    brings                                                           for
======== ================================================================ ========================
lists    DuckDB, pyarrow, Splink, iuliia, pymorphy3, openpyxl,            projects: import, link,
         charset-normalizer, Faker                                        histories, simulate_lists
report   Jinja2, matplotlib, statsmodels, PyYAML                          report, analysis, charts
web      FastAPI, uvicorn, python-multipart, argon2-cffi, itsdangerous    serve (with lists, report)
spark    pyspark                                                          link --backend spark
dask     Dask distributed                                                 strata on a Dask cluster
all      lists, report, web, dask
======== ================================================================ ========================

A stage that needs an extra checks for it when it is imported (:func:`require_extra`, which looks
the modules up without importing them, so start-up stays fast) and raises
:class:`~uncounted.exceptions.DependencyError` naming the extra; the CLI turns any
``ModuleNotFoundError`` of a module listed here into the same hint (:func:`missing_extra_error`).
Nothing catches an ``ImportError`` to carry on with less.
"""

from __future__ import annotations

import importlib.util

from .exceptions import DependencyError

#: Import names each extra brings (pyproject.toml's ``[project.optional-dependencies]``;
#: tests/test_packaging.py checks that the two agree).
EXTRAS: dict[str, tuple[str, ...]] = {
    "lists": ("duckdb", "pyarrow", "splink", "iuliia", "pymorphy3", "pymorphy3_dicts_ru",
              "openpyxl", "charset_normalizer", "faker"),
    "report": ("jinja2", "matplotlib", "statsmodels", "yaml"),
    "web": ("fastapi", "uvicorn", "multipart", "argon2", "itsdangerous"),
    "spark": ("pyspark",),
    "dask": ("dask", "distributed"),
}

#: The extra that brings each optional module (by top-level import name).
MODULE_EXTRA: dict[str, str] = {m: extra for extra, mods in EXTRAS.items() for m in mods}


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; the extras are {', '.join(EXTRAS)}")
    return [m for m in EXTRAS[extra] if not _present(m)]


def require_extra(extra: str, what: str) -> None:
    """Raise :class:`DependencyError` naming ``extra`` when any of its modules is missing.

    ``what`` names the thing that needs it in the message (``"uncounted.linkage"``,
    ``"uncounted link"``).
    """
    missing = missing_modules(extra)
    if missing:
        raise DependencyError.for_extra(extra, missing[0], what=what)


def missing_extra_error(err: ImportError, *, command: str) -> DependencyError | None:
    """The install hint for an ``ImportError`` of a module an extra brings, else ``None``."""
    name = getattr(err, "name", None) or ""
    extra = MODULE_EXTRA.get(name.split(".")[0])
    if extra is None:
        return None
    return DependencyError.for_extra(extra, name.split(".")[0], what=command)
