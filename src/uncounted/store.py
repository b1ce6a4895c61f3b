"""The project store: one DuckDB file holding lists, records, links, decisions and the audit log.

Every stage that writes to the project goes through :class:`Store`. The schema below is the contract
between stages (records writes ``lists``/``imports``/``records``; linkage writes ``link_runs``,
``pairs`` and ``persons``; review writes ``decisions``; the web UI writes ``users``/``sessions``);
each table's columns are documented in ``SCHEMA``. Rules:

- every write happens in a transaction (:meth:`Store.transaction`), so a failure or a killed process
  leaves the store as it was;
- user strings reach SQL only as parameters, never pasted into the statement;
- review decisions are append-only: a new decision on a pair supersedes the old one by time, nothing
  is deleted, so no decision is ever lost;
- everything a person does (import, decision, user added ...) is also written to ``audit_log``.

A record is identified by ``(list_name, record_id)``; its ``uid`` (``"<list>/<record_id>"``, unique
in the store) is what linkage uses as Splink's unique id.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .exceptions import ProjectError, require

SCHEMA_VERSION = 1
STORE_FILE = "uncounted.duckdb"

SCHEMA: list[str] = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    # one row per source list; current_import_id points at the import whose records are live
    """CREATE TABLE IF NOT EXISTS lists (
        list_name VARCHAR PRIMARY KEY,
        description VARCHAR,
        current_import_id BIGINT,
        n_records BIGINT,
        created_at TIMESTAMP,
        updated_at TIMESTAMP)""",
    # import log: every import ever made, including superseded versions and no-op re-imports
    """CREATE SEQUENCE IF NOT EXISTS import_seq START 1""",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id BIGINT PRIMARY KEY,
        list_name VARCHAR NOT NULL,
        file_name VARCHAR,
        file_sha256 VARCHAR,
        file_bytes BIGINT,
        format VARCHAR,          -- csv | xlsx | jsonl
        encoding VARCHAR,
        delimiter VARCHAR,
        n_rows BIGINT,
        n_imported BIGINT,
        n_rejected BIGINT,
        status VARCHAR,          -- active | superseded | unchanged
        imported_at TIMESTAMP,
        actor VARCHAR,
        settings JSON)""",
    # records: raw values kept beside normalised ones
    """CREATE TABLE IF NOT EXISTS records (
        uid VARCHAR PRIMARY KEY,             -- '<list_name>/<record_id>'
        list_name VARCHAR NOT NULL,
        record_id VARCHAR NOT NULL,
        import_id BIGINT NOT NULL,
        row_number BIGINT,                   -- 1-based data row in the imported file
        raw JSON,                            -- the row as read, original headers -> strings
        surname_raw VARCHAR, given_name_raw VARCHAR, patronymic_raw VARCHAR, full_name_raw VARCHAR,
        surname_cyr VARCHAR, given_name_cyr VARCHAR, patronymic_cyr VARCHAR,
        surname_key VARCHAR, given_name_key VARCHAR, patronymic_key VARCHAR,  -- canonical Latin keys
        given_name_canon VARCHAR,            -- key after diminutives/variants are resolved
        birth_date_raw VARCHAR, birth_year INTEGER, birth_month INTEGER, birth_day INTEGER,
        birth_precision VARCHAR,             -- day | month | year | NULL
        death_date_raw VARCHAR, death_year INTEGER, death_month INTEGER, death_day INTEGER,
        death_precision VARCHAR,
        reported_date_raw VARCHAR, reported_year INTEGER, reported_month INTEGER, reported_day INTEGER,
        reported_precision VARCHAR,
        region_raw VARCHAR, region_iso VARCHAR, region_status VARCHAR, federal_district VARCHAR,
        unit VARCHAR, rank VARCHAR, source_url VARCHAR, notes VARCHAR,
        extras JSON,
        UNIQUE (list_name, record_id))""",
    """CREATE SEQUENCE IF NOT EXISTS audit_seq START 1""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        audit_id BIGINT PRIMARY KEY,
        logged_at TIMESTAMP NOT NULL,
        actor VARCHAR,
        action VARCHAR NOT NULL,   -- import, replace_list, link, decision, user_add, login ...
        target VARCHAR,
        detail JSON)""",
    # linkage: one row per run of the model; pairs scored in that run; the clustering into persons
    """CREATE SEQUENCE IF NOT EXISTS link_run_seq START 1""",
    """CREATE TABLE IF NOT EXISTS link_runs (
        run_id BIGINT PRIMARY KEY,
        created_at TIMESTAMP,
        backend VARCHAR,
        threshold DOUBLE,
        model_json JSON,           -- the trained Splink model
        settings JSON,
        n_records BIGINT, n_pairs BIGINT, n_persons BIGINT)""",
    """CREATE TABLE IF NOT EXISTS pairs (
        run_id BIGINT NOT NULL,
        uid_l VARCHAR NOT NULL,    -- uid_l < uid_r
        uid_r VARCHAR NOT NULL,
        match_weight DOUBLE,
        match_probability DOUBLE,
        detail JSON,               -- comparison levels (gamma values) for display
        PRIMARY KEY (run_id, uid_l, uid_r))""",
    """CREATE TABLE IF NOT EXISTS persons (
        run_id BIGINT NOT NULL,
        uid VARCHAR NOT NULL,
        list_name VARCHAR,
        record_id VARCHAR,
        person_id VARCHAR,
        match_probability DOUBLE,  -- cluster confidence: lowest within-cluster link probability
        PRIMARY KEY (run_id, uid))""",
    # review decisions: append-only; the latest decision on a pair is the one in force
    """CREATE SEQUENCE IF NOT EXISTS decision_seq START 1""",
    """CREATE TABLE IF NOT EXISTS decisions (
        decision_id BIGINT PRIMARY KEY,
        uid_l VARCHAR NOT NULL,
        uid_r VARCHAR NOT NULL,
        decision VARCHAR NOT NULL,   -- match | non-match | unsure
        reviewer VARCHAR NOT NULL,
        decided_at TIMESTAMP NOT NULL,
        note VARCHAR,
        based_on_decision BIGINT)    -- the decision the reviewer saw, for conflict detection""",
    """CREATE TABLE IF NOT EXISTS users (
        username VARCHAR PRIMARY KEY,
        password_hash VARCHAR NOT NULL,
        role VARCHAR,
        created_at TIMESTAMP)""",
    """CREATE SEQUENCE IF NOT EXISTS estimate_seq START 1""",
    """CREATE TABLE IF NOT EXISTS estimates (
        estimate_id BIGINT PRIMARY KEY,
        created_at TIMESTAMP,
        run_id BIGINT,
        payload JSON)               -- Estimate.to_dict() rows""",
]


def now() -> datetime:
    """Current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """A connection to a project's DuckDB file.

    Use :meth:`create` for a new store and :meth:`open` for an existing one; use as a context manager
    to close it. ``read_only=True`` lets several readers (the web UI's pages) share the file.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, _create: bool = False):
        duckdb = require("duckdb", "lists")

        self.path = Path(path)
        if not _create and not self.path.exists():
            raise ProjectError(f"{self.path}: no project store here. Create one with "
                               f"'uncounted init {self.path.parent}'.")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise ProjectError(f"{self.path}: cannot open the project store: {err}") from err
        if _create:
            self._migrate()
        else:
            self._check_version()

    @classmethod
    def create(cls, path: str | Path) -> Store:
        return cls(path, _create=True)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Store:
        return cls(path, read_only=read_only)

    def _migrate(self) -> None:
        with self.transaction():
            for ddl in SCHEMA:
                self.con.execute(ddl)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                             [str(SCHEMA_VERSION)])

    def _check_version(self) -> None:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except Exception as err:  # duckdb.CatalogException
            raise ProjectError(f"{self.path} is not an uncounted project store") from err
        if row is None or int(row[0]) > SCHEMA_VERSION:
            raise ProjectError(f"{self.path}: store schema version {row and row[0]} is newer than this "
                               f"uncounted ({SCHEMA_VERSION}); upgrade uncounted")

    # ------------------------------------------------------------------ helpers
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """All-or-nothing block: commits on success, rolls back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def execute(self, sql: str, params: list | tuple | None = None):
        """Run one statement with parameters (never paste user strings into ``sql``)."""
        return self.con.execute(sql, params or [])

    def audit(self, action: str, *, actor: str | None = None, target: str | None = None,
              detail: dict | None = None) -> None:
        """Append to the audit log (call inside the transaction of the change it records)."""
        self.con.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?)",
            [now(), actor or default_actor(), action, target,
             json.dumps(detail or {}, ensure_ascii=False, default=str)])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_actor() -> str:
    """Who is acting on the command line: $UNCOUNTED_USER, else the login name."""
    return os.environ.get("UNCOUNTED_USER") or os.environ.get("USER") or "unknown"
