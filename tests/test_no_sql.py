"""Only ``uncounted.store`` speaks SQL.

Every module of ``src/uncounted`` outside the ``store`` package is parsed (not grepped, so that
docstrings and comments may talk about SQL) and checked for: an import of DuckDB, a call of a
DuckDB method that runs SQL or reads its results (``execute``, ``sql``, ``fetchall`` ...), use of
the store's raw connection (``.con``), and a string that is a SQL statement (``SELECT ...``,
``INSERT INTO``, ``CREATE TABLE`` ...). Splink's comparison conditions in
``linkage/settings.py`` are expressions of the linkage model that Splink compiles, not statements,
and do not match.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "uncounted"
STORE = SRC / "store"

SQL_CALLS = {"execute", "executemany", "sql", "fetchone", "fetchall", "fetchdf", "fetch_df",
             "fetchnumpy", "fetch_arrow_table"}
STATEMENT = re.compile(
    r"\b(SELECT\s+(DISTINCT\s+)?[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|SCHEMA|SEQUENCE|INDEX|MACRO)"
    r"|DROP\s+(TABLE|VIEW|SCHEMA|SEQUENCE)|ALTER\s+TABLE|COPY\s*\(|BEGIN\s+TRANSACTION"
    r"|WITH\s+\w+\s+AS\s*\(|SET\s+(schema|memory_limit))")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def sql_in(source: str, name: str = "<string>") -> list[str]:
    """Where ``source`` (Python) speaks SQL: one line per finding."""
    tree = ast.parse(source, name)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "duckdb"
                                                for a in node.names):
            found.append(f"{where}: imports duckdb")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "duckdb":
            found.append(f"{where}: imports from duckdb")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in SQL_CALLS:
            found.append(f"{where}: calls .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr == "con":
            found.append(f"{where}: uses the store's raw connection (.con)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docs and STATEMENT.search(node.value):
            found.append(f"{where}: SQL text: {' '.join(node.value.split())[:60]}")
    return found


def test_no_module_outside_the_store_speaks_sql():
    modules = [p for p in SRC.rglob("*.py") if STORE not in p.parents]
    assert len(modules) > 50  # the walk found the package
    found = [f for p in modules for f in sql_in(p.read_text(encoding="utf-8"),
                                                  str(p.relative_to(SRC)))]
    assert found == [], "SQL outside uncounted.store:\n" + "\n".join(found)


def test_the_check_finds_sql_and_spares_docstrings():
    code = '''
"""Reads persons: SELECT person_id FROM persons is what the store runs for us."""
import duckdb
from duckdb import connect


def f(store, con, name):
    """INSERT INTO nothing: a docstring may say anything."""
    # SELECT * FROM records  (a comment)
    con.execute("select 1")
    store.con.sql("x")
    q = f"SELECT uid FROM records WHERE list_name = '{name}'"
    store.con.execute("DELETE FROM records")
    message = "select a list with --list"
    return "CREATE OR REPLACE VIEW v AS SELECT 1", "WITH d AS (SELECT 1) SELECT * FROM d"
'''
    found = sorted((int(f.split(":")[1]), f.split(": ", 1)[1][:14]) for f in sql_in(code))
    assert found == [(3, "imports duckdb"), (4, "imports from d"), (10, "calls .execute"),
                     (11, "calls .sql()"), (11, "uses the store"), (12, "SQL text: SELE"),
                     (13, "SQL text: DELE"), (13, "calls .execute"), (13, "uses the store"),
                     (15, "SQL text: CREA"), (15, "SQL text: WITH")]
