"""The project store: one DuckDB file holding lists, records, links, decisions and the audit log.

:class:`Store` is the only way into the file, and the ``uncounted.store`` package is the only
code in uncounted that speaks SQL (``tests/test_no_sql.py`` checks it). Its queries are grouped
by the stage they serve, each group an attribute of the store:

========================  =========================================================
``store.records``         lists, imports and records (:class:`.records.Records`)
``store.runs``            link runs, scored pairs, Splink's workspace (:class:`.runs.Runs`)
``store.decisions``       review decisions: the one writer, the decision in force
``store.persons``         what describes a person: region, strata values, death date
``store.users``           reviewer accounts and the web UI's signing key
``store.sessions``        review-server sessions; ``store.logins``: sign-in attempts;
                          ``store.idempotency``: answers to retried POSTs (:mod:`.web`)
``store.estimates``       estimates saved in the store
========================  =========================================================

Rules:

- every write happens in a transaction (:meth:`Store.transaction`), so a failure or a killed
  process leaves the store as it was;
- user strings reach SQL only as parameters, never pasted into the statement;
- review decisions are append-only (:meth:`.decisions.Decisions.record`); nothing is deleted, so
  no decision is ever lost;
- everything a person does (import, decision, user added ...) is also written to ``audit_log``.

A record is identified by ``(list_name, record_id)``; its ``uid`` (``"<list>/<record_id>"``,
unique in the store) is what linkage uses as Splink's unique id.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from ..exceptions import ProjectError, require
from .base import default_actor, first_row, now
from .decisions import Decisions
from .estimates import Estimates
from .persons import PersonValues
from .records import Records
from .runs import Runs
from .schema import MIGRATIONS, SCHEMA_VERSION, TABLES, VIEWS
from .users import Users
from .web import IdempotencyKeys, LoginAttempts, WebSessions

STORE_FILE = "uncounted.duckdb"


class Store:
    """A connection to a project's DuckDB file, with named queries for every stage.

    Use :meth:`create` for a new store and :meth:`open` for an existing one; use as a context
    manager to close it. ``read_only=True`` lets several readers share the file. Opening a store
    written by an older uncounted migrates it in place (a read-only open does so through a short
    read-write connection first).

    Attributes
    ----------
    path
        The DuckDB file.
    con
        The DuckDB connection. Code in ``src/`` outside this package never uses it; tests and
        one-off scripts may, to look inside.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, _create: bool = False):
        self.path = Path(path)
        if not _create and not self.path.exists():
            raise ProjectError(f"{self.path}: no project store here. Create one with "
                               f"'uncounted init {self.path.parent}'.")
        self._depth = 0
        self.con = self._connect(read_only)
        if _create:
            self._create_schema()
        else:
            self._upgrade(read_only)
        self.records = Records(self)
        self.runs = Runs(self)
        self.decisions = Decisions(self)
        self.persons = PersonValues(self)
        self.users = Users(self)
        self.sessions = WebSessions(self)
        self.logins = LoginAttempts(self)
        self.idempotency = IdempotencyKeys(self)
        self.estimates = Estimates(self)

    @classmethod
    def create(cls, path: str | Path) -> Store:
        return cls(path, _create=True)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Store:
        return cls(path, read_only=read_only)

    # ------------------------------------------------------------------ schema
    def _connect(self, read_only: bool):
        duckdb = require("duckdb", "lists")   # DependencyError naming the extra when missing

        try:
            return duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise ProjectError(f"{self.path}: cannot open the project store: {err}") from err

    def _create_schema(self) -> None:
        with self.transaction():
            for ddl in TABLES + VIEWS:
                self.con.execute(ddl)
            self._set_version(SCHEMA_VERSION)

    def _set_version(self, version: int) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])

    def schema_version(self) -> int:
        """The schema version written in the store."""
        import duckdb

        try:
            row = first_row(self.con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"))
        except duckdb.CatalogException as err:
            raise ProjectError(f"{self.path} is not an uncounted project store") from err
        if row is None:
            raise ProjectError(f"{self.path} is not an uncounted project store (no schema version)")
        return int(row[0])

    def _upgrade(self, read_only: bool) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise ProjectError(f"{self.path}: store schema version {version} is newer than this "
                               f"uncounted ({SCHEMA_VERSION}); upgrade uncounted")
        if version == SCHEMA_VERSION:
            return
        if read_only:  # migrate through a short read-write connection, then read as asked
            self.con.close()
            try:
                self.con = self._connect(read_only=False)
            except ProjectError as err:
                raise ProjectError(
                    f"{self.path}: this store has schema version {version} and must be upgraded "
                    f"once to {SCHEMA_VERSION}, which needs write access: stop other programs "
                    f"using it (such as 'uncounted serve') and run the command again") from err
            try:
                self._migrate(version)
            finally:
                self.con.close()
                self.con = self._connect(read_only=True)
        else:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Apply every migration step after ``version``, each in its own transaction."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for ddl in MIGRATIONS[target]:
                    self.con.execute(ddl)
                self._set_version(target)
                self.audit("migrate", target=str(self.path),
                           detail={"from_version": target - 1, "to_version": target})

    # ------------------------------------------------------------------ helpers
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing block: commits on success, rolls back on any exception.

        Blocks nest: an inner block joins the outer transaction, which alone commits.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._depth = 0

    def audit(self, action: str, *, actor: str | None = None, target: str | None = None,
              detail: dict | None = None) -> None:
        """Append to the audit log (call inside the transaction of the change it records)."""
        self.con.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?)",
            [now(), actor or default_actor(), action, target,
             json.dumps(detail or {}, ensure_ascii=False, default=str)])

    def meta(self, key: str) -> str | None:
        """A value from the ``meta`` table (None when absent)."""
        row = first_row(self.con.execute("SELECT value FROM meta WHERE key = ?", [key]))
        return None if row is None else row[0]

    def set_meta_once(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless one is there; returns the value in force."""
        with self.transaction():
            self.con.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", [key, value])
            return self.meta(key)

    def set_memory_limit(self, limit: str) -> None:
        """DuckDB's working memory for this connection (e.g. ``"4GB"``); it spills beyond it."""
        self.con.execute("SET memory_limit = ?", [limit])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

