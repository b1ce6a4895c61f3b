"""The project store: the only part of uncounted that speaks SQL.

``from uncounted.store import Store`` opens a project's DuckDB file; its named queries are grouped
by stage (``store.records``, ``store.runs``, ``store.decisions``, ``store.persons``,
``store.users``, ``store.estimates``, ``store.sessions``, ``store.logins``,
``store.idempotency``; see :mod:`uncounted.store.core`). The schema, the views every
stage shares and the rules behind them are in :mod:`uncounted.store.schema`.
"""

from __future__ import annotations

from .base import default_actor, now
from .core import STORE_FILE, Store
from .decisions import MAX_NOTE, RecordedDecision
from .schema import DECISIONS, RECORD_COLUMNS, SCHEMA_VERSION, UNKNOWN
from .web import Admission, LoginLimits

__all__ = ["Admission", "LoginLimits", "DECISIONS", "MAX_NOTE", "RECORD_COLUMNS", "SCHEMA_VERSION", "STORE_FILE", "UNKNOWN",
           "RecordedDecision", "Store", "default_actor", "now"]
