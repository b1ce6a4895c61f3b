"""The store schema of version 1, as uncounted main wrote it up to commit 8cbd215
(``src/uncounted/store.py``, ``SCHEMA``), kept verbatim so that tests can build a store exactly
as an older uncounted made it and check that this one opens and migrates it."""

SCHEMA_VERSION = 1

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
