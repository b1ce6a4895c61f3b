"""Small pieces shared by the store's query modules: the clock, the actor, rows as dicts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Store

#: Columns holding JSON text, parsed when rows are returned as dicts.
JSON_COLUMNS = ("settings", "detail", "payload", "raw", "extras", "model_json")


def now() -> datetime:
    """Current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def default_actor() -> str:
    """Who is acting on the command line: $UNCOUNTED_USER, else the login name."""
    return os.environ.get("UNCOUNTED_USER") or os.environ.get("USER") or "unknown"


def first_row(result):
    """The first row of a DuckDB result, or None; the result is read to the end (DuckDB refuses
    new work on a connection whose last result is unfinished)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def query_dicts(con, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts, JSON columns parsed."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(cols, row, strict=True))
        for k in JSON_COLUMNS:
            if isinstance(d.get(k), str):
                try:
                    d[k] = json.loads(d[k])
                except ValueError:
                    pass
        out.append(d)
    return out


class Queries:
    """A group of named queries on one store (``store.records``, ``store.runs`` ...)."""

    def __init__(self, store: Store):
        self._store = store

    @property
    def _con(self):
        return self._store.con

    def _dicts(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        return query_dicts(self._store.con, sql, params)

    def _df(self, sql: str, params: list | None = None):
        return self._store.con.execute(sql, params or []).df()

    def _scalar(self, sql: str, params: list | None = None):
        row = first_row(self._store.con.execute(sql, params or []))
        return None if row is None else row[0]

    def _row(self, sql: str, params: list | None = None):
        return first_row(self._store.con.execute(sql, params or []))
