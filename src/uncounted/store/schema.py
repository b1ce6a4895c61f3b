"""The store's schema: tables, the shared views, and the migrations between versions.

The tables are the contract between stages: records writes ``lists``/``imports``/``records``;
linkage writes ``link_runs``, ``pairs`` and ``persons`` (the clustering saved with each run);
review writes ``decisions``; the web UI writes ``users``, ``web_sessions``, ``login_attempts``
and ``idempotency_keys``; everything a person does is also in
``audit_log``. Each table's columns are documented in :data:`TABLES`.

Facts that more than one stage needs are decided here, once:

``decision_in_force`` (a view)
    The decision in force on each unordered pair of records: the one with the highest
    ``decision_id``. Decisions are append-only and ``decision_id`` comes from one sequence, so it
    is a total order of recording: unique, never reused, and the order in which the store
    accepted them. ``decided_at`` is not used: it is a wall-clock time that can repeat or step
    backwards (clock changes, two writers in one microsecond), and ``based_on_decision`` (what the
    reviewer saw) is an id, so ordering by id keeps "in force" and "conflict" consistent. A pair
    is stored as ``uid_l < uid_r`` (the writer sorts them; migration 2 sorted older rows), so the
    pair is the partition and a lookup of one pair reads only that pair.
``decision_conflict`` (a view)
    Pairs whose decision in force disagrees with the decision before it and was made without
    seeing it (``based_on_decision`` is not that decision's id): two reviewers decided at once.
A person's region, and any other value that describes a person
    :data:`uncounted.store.persons.PERSON_VALUE_RULE`: the most frequent non-empty value among
    the person's records; ties go to the smallest value (string order, so the smallest ISO code);
    a person none of whose records has a value gets ``"unknown"``.
The persons of a link run
    Computed, not stored: the run's pairs at or above its threshold, joined into persons with the
    review decisions in force now overriding the model
    (:func:`uncounted.linkage.cluster.current_persons`, the one implementation). The ``persons``
    table keeps the clustering as it was when the run was saved.

Versions: a store records its ``schema_version`` in ``meta``. Opening an older store migrates it
in place (:data:`MIGRATIONS`, one transaction per step); a newer one is refused.
"""

from __future__ import annotations

SCHEMA_VERSION = 3

#: Decisions a reviewer can make on a pair.
DECISIONS = ("match", "non-match", "unsure")
#: The value of a person (region, stratum) when none of its records has one.
UNKNOWN = "unknown"

#: The columns of ``records``, in table order (the import writes them in this order).
RECORD_COLUMNS = [
    "uid", "list_name", "record_id", "import_id", "row_number", "raw",
    "surname_raw", "given_name_raw", "patronymic_raw", "full_name_raw",
    "surname_cyr", "given_name_cyr", "patronymic_cyr",
    "surname_key", "given_name_key", "patronymic_key", "given_name_canon",
    "birth_date_raw", "birth_year", "birth_month", "birth_day", "birth_precision",
    "death_date_raw", "death_year", "death_month", "death_day", "death_precision",
    "reported_date_raw", "reported_year", "reported_month", "reported_day", "reported_precision",
    "region_raw", "region_iso", "region_status", "federal_district",
    "unit", "rank", "source_url", "notes", "extras",
]

#: Tables of the review server (schema version 3): sessions that survive a restart and can be
#: revoked, sign-in attempts counted before the password check, and idempotency keys.
WEB_TABLES: list[str] = [
    # one row per sign-in; the cookie holds the session id, the store only its SHA-256
    """CREATE TABLE IF NOT EXISTS web_sessions (
        session_hash VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,          -- sign-out or revocation; NULL while live
        ended_by VARCHAR)""",
    # sign-in attempts in the recent window: inserted before the password is checked, deleted
    # when it was right; what remains are failures (and attempts still being checked)
    """CREATE SEQUENCE IF NOT EXISTS login_attempt_seq START 1""",
    """CREATE TABLE IF NOT EXISTS login_attempts (
        attempt_id BIGINT PRIMARY KEY,
        username VARCHAR NOT NULL,
        address VARCHAR NOT NULL,
        attempted_at TIMESTAMP NOT NULL)""",
    # a POST carrying an Idempotency-Key is stored once: a retry gets the first answer back
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        username VARCHAR NOT NULL,
        idem_key VARCHAR NOT NULL,
        endpoint VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,  -- SHA-256 of the request, so a reused key is caught
        status INTEGER NOT NULL,
        response JSON,
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (username, idem_key))""",
]

TABLES: list[str] = [
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
    # review decisions: append-only; the decision in force is the view decision_in_force
    """CREATE SEQUENCE IF NOT EXISTS decision_seq START 1""",
    """CREATE TABLE IF NOT EXISTS decisions (
        decision_id BIGINT PRIMARY KEY,
        uid_l VARCHAR NOT NULL,
        uid_r VARCHAR NOT NULL,
        decision VARCHAR NOT NULL,   -- match | non-match | unsure (uid_l < uid_r)
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
    *WEB_TABLES,
]

VIEWS: list[str] = [
    # the latest decision on each pair, by decision_id (see the module docstring)
    """CREATE OR REPLACE VIEW decision_in_force AS
        SELECT uid_l, uid_r, decision, decision_id, reviewer, decided_at, note, based_on_decision
        FROM decisions
        QUALIFY row_number() OVER (PARTITION BY uid_l, uid_r ORDER BY decision_id DESC) = 1""",
    # the decision in force disagrees with the one before it, which its reviewer had not seen
    """CREATE OR REPLACE VIEW decision_conflict AS
        WITH ranked AS (
            SELECT uid_l, uid_r, decision_id, decision, reviewer, based_on_decision,
                   lag(decision_id) OVER w AS previous_id, lag(decision) OVER w AS previous,
                   row_number() OVER (PARTITION BY uid_l, uid_r ORDER BY decision_id DESC) AS rn
            FROM decisions WINDOW w AS (PARTITION BY uid_l, uid_r ORDER BY decision_id))
        SELECT uid_l, uid_r, decision_id, decision, reviewer, previous_id, previous
        FROM ranked
        WHERE rn = 1 AND previous_id IS NOT NULL
          AND (based_on_decision IS NULL OR based_on_decision <> previous_id)
          AND decision <> previous""",
]

#: Statements that take a store from version ``v - 1`` to ``v``.
MIGRATIONS: dict[int, list[str]] = {
    # 1 -> 2: pairs of decisions in one order (uid_l < uid_r; uncounted always wrote them so),
    # and the shared views; the tables are unchanged
    2: ["UPDATE decisions SET uid_l = uid_r, uid_r = uid_l WHERE uid_l > uid_r", *VIEWS],
    # 2 -> 3: the review server's sessions, sign-in attempts and idempotency keys
    3: WEB_TABLES,
}
