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

One writer at a time: DuckDB locks the file. A second program opening the store waits for the
lock (``wait`` seconds, default :data:`DEFAULT_WAIT` or ``$UNCOUNTED_WAIT``), telling
:attr:`Store.on_wait` once what holds it (the note ``uncounted.duckdb.holder`` names the command
and its process), then fails with that name. The first read-write open in a process tidies what a
killed run left: Splink's ``splink_work`` schema, import scratch folders, and a file grown with
free blocks (compacted by copying the database, :meth:`Store.compact`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar, Self

from ..exceptions import ProjectError, UncountedWarning, require
from .base import default_actor, first_row, now
from .decisions import Decisions
from .estimates import Estimates
from .persons import PersonValues
from .records import Records
from .runs import WORK_SCHEMA, Runs
from .schema import MIGRATIONS, SCHEMA_VERSION, TABLES, VIEWS
from .staging import clean_scratch
from .users import Users
from .web import IdempotencyKeys, LoginAttempts, WebSessions

STORE_FILE = "uncounted.duckdb"
#: Seconds a program waits for another one's lock on the store before giving up.
DEFAULT_WAIT = 30.0
#: Compact on the first write-open when free blocks exceed this many bytes and the used ones.
COMPACT_FREE_BYTES = 32 << 20
_RECOVERED: set[str] = set()   # stores tidied by this process (once each)


def default_wait() -> float:
    """$UNCOUNTED_WAIT seconds when set (a number), else :data:`DEFAULT_WAIT`."""
    try:
        return max(0.0, float(os.environ.get("UNCOUNTED_WAIT", DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


@contextlib.contextmanager
def _flock(path: Path, *, exclusive: bool) -> Iterator[None]:
    """An advisory lock on ``path`` (held by every opener briefly, and by a compaction while it
    swaps the file, so nobody opens the old file in between). No-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:   # Windows: compaction is then skipped (see _recover)
        yield
        return
    try:
        fh = open(path, "a+b")  # noqa: SIM115  (closed below)
    except OSError:           # a read-only folder: readers only, nobody compacts there
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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

    #: Called once with a message when an open has to wait for another program's lock; when
    #: None, the message is an :class:`~uncounted.exceptions.UncountedWarning` (which the
    #: command line prints on stderr).
    on_wait: ClassVar[Callable[[str], None] | None] = None

    def __init__(self, path: str | Path, *, read_only: bool = False, _create: bool = False,
                 wait: float | None = None):
        self.path = Path(path)
        if not _create and not self.path.exists():
            raise ProjectError(f"{self.path}: no project store here. Create one with "
                               f"'uncounted init {self.path.parent}'.")
        self._depth = 0
        self._read_only = read_only
        self._wait = default_wait() if wait is None else max(0.0, float(wait))
        self.con = self._connect(read_only)
        if _create:
            self._create_schema()
        else:
            self._upgrade(read_only)
        if not read_only and str(self.path.resolve()) not in _RECOVERED:
            _RECOVERED.add(str(self.path.resolve()))
            self._recover()
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
    def open(cls, path: str | Path, *, read_only: bool = False,
             wait: float | None = None) -> Store:
        """Open a store; ``wait`` seconds for another program's lock (default
        :func:`default_wait`)."""
        return cls(path, read_only=read_only, wait=wait)

    # ------------------------------------------------------------------ connecting, the lock
    @property
    def holder_path(self) -> Path:
        """The note naming the program that has the store open for writing."""
        return self.path.with_name(self.path.name + ".holder")

    def _connect(self, read_only: bool):
        duckdb = require("duckdb", "lists")   # DependencyError naming the extra when missing

        deadline = time.monotonic() + self._wait
        told = False
        while True:
            try:
                with _flock(self.path.with_name(self.path.name + ".lock"), exclusive=False):
                    con = duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as err:
                if "lock" not in str(err).lower():
                    raise ProjectError(f"{self.path}: cannot open the project store: {err}") \
                        from err
                holder = self.holder(str(err))
                if time.monotonic() >= deadline:
                    raise ProjectError(
                        f"{self.path}: the store is in use by {holder}"
                        + (f"; waited {self._wait:g} s" if self._wait else "")
                        + ". Run the command again when it has finished, or give it longer with "
                          "--wait SECONDS (or $UNCOUNTED_WAIT).") from err
                if not told:
                    message = (f"{self.path.name}: the store is in use by {holder}; waiting up "
                               f"to {self._wait:g} s for it")
                    if Store.on_wait is not None:
                        Store.on_wait(message)
                    else:   # the command line prints warnings of uncounted on stderr
                        warnings.warn(message, UncountedWarning, stacklevel=4)
                told = True
                time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
                continue
            if not read_only:
                self._write_holder()
            return con

    def holder(self, error: str = "") -> str:
        """Who has the store open for writing, in words (from the note, else DuckDB's error)."""
        import re

        pid = re.search(r"\(PID (\d+)\)", error)
        try:
            note = json.loads(self.holder_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            note = None
        if isinstance(note, dict) and (pid is None or str(note.get("pid")) == pid.group(1)):
            return (f"'{note.get('command', '?')}' (process {note.get('pid')}, since "
                    f"{note.get('since', '?')})")
        return f"another program (process {pid.group(1)})" if pid else "another program"

    def _write_holder(self) -> None:
        cmd = " ".join(["uncounted" if i == 0 and a.endswith("uncounted") else a
                        for i, a in enumerate(sys.argv)])[:300] or "python"
        note = {"pid": os.getpid(), "command": cmd, "since": now().isoformat(timespec="seconds")}
        try:
            self.holder_path.write_text(json.dumps(note), encoding="utf-8")
        except OSError:
            pass

    def _clear_holder(self) -> None:
        try:
            note = json.loads(self.holder_path.read_text(encoding="utf-8"))
            if note.get("pid") == os.getpid():
                self.holder_path.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    # ------------------------------------------------------------------ after a killed run
    def _recover(self) -> None:
        """Tidy what a killed run left: Splink's workspace schema, import scratch folders, and
        free space (compacted). Runs at the first write-open of the store in this process, when
        no other program writes (we hold the lock) and no workspace of ours exists yet."""
        clean_scratch(self.path.parent)
        leftover = first_row(self.con.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [WORK_SCHEMA]))[0]
        if leftover:
            self.con.execute(f"DROP SCHEMA IF EXISTS {WORK_SCHEMA} CASCADE")
            self.con.execute("CHECKPOINT")
        size = self.con.execute("PRAGMA database_size").fetchdf().iloc[0]
        free = int(size["free_blocks"]) * int(size["block_size"])
        if free > COMPACT_FREE_BYTES and int(size["free_blocks"]) > int(size["used_blocks"]):
            self.compact()

    def compact(self) -> None:
        """Rewrite the store without its free blocks (DuckDB never shrinks a file): copy the
        database into a new file, then swap it in while holding the opener's lock. A kill midway
        leaves the old file whole and a ``.compact`` file that the next compaction replaces."""
        if self._read_only or self._depth:
            raise ProjectError("compact needs the store open for writing, outside a transaction")
        try:
            import fcntl  # noqa: F401  (the swap is only safe with the opener's lock)
        except ImportError:
            return
        tmp = self.path.with_name(self.path.name + ".compact")
        tmp.unlink(missing_ok=True)
        name = first_row(self.con.execute("SELECT current_database()"))[0]
        quoted_tmp = "'" + str(tmp).replace("'", "''") + "'"       # our own file name
        quoted_db = '"' + str(name).replace('"', '""') + '"'
        self.con.execute("CHECKPOINT")
        self.con.execute(f"ATTACH {quoted_tmp} AS uncounted_compact")
        try:
            self.con.execute(f"COPY FROM DATABASE {quoted_db} TO uncounted_compact")
            self.con.execute("CHECKPOINT uncounted_compact")
        finally:
            self.con.execute("DETACH uncounted_compact")
        with _flock(self.path.with_name(self.path.name + ".lock"), exclusive=True):
            self.con.close()
            os.replace(tmp, self.path)
            import duckdb

            self.con = duckdb.connect(str(self.path))
        self._write_holder()

    # ------------------------------------------------------------------ schema
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
                self._clear_holder()
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
        if not self._read_only:
            self._clear_holder()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

