-- Internal tables. Their shape is the code's business; the public contract is views.sql.
-- No PRIMARY KEY or UNIQUE constraints on tables whose rows are updated: DuckDB checks
-- such constraints eagerly inside a transaction, and uniqueness is kept by the loader.

CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

CREATE TABLE IF NOT EXISTS county_ref (fips VARCHAR, name VARCHAR, region VARCHAR);

CREATE TABLE IF NOT EXISTS essential_discipline (discipline VARCHAR, tribal_only BOOLEAN);

-- The reporting contract's vocabularies that the views need (seeded from ingest/vocab.py by
-- ingest/store/db.py each time the schema is refreshed), so the SQL joins them instead of copying words.
CREATE TABLE IF NOT EXISTS protocol_step (step INTEGER, name VARCHAR, adopted BOOLEAN);
CREATE TABLE IF NOT EXISTS maturity_level (level INTEGER, name VARCHAR);
CREATE TABLE IF NOT EXISTS funding_type (source_type VARCHAR, is_private BOOLEAN);
CREATE TABLE IF NOT EXISTS practice_status (status VARCHAR, in_place BOOLEAN);

-- One row per subgrant of the award register; subgrant_key is the trimmed, lower-case ID.
CREATE TABLE IF NOT EXISTS subgrant (
    subgrant_key VARCHAR,
    subgrant_id VARCHAR,
    organization VARCHAR,
    community VARCHAR,
    allocation_category VARCHAR,
    award_year INTEGER,
    award_amount DECIMAL(14, 2),
    sa_amount DECIMAL(14, 2),
    match_required DECIMAL(14, 2),
    start_date DATE,
    end_date DATE,
    county_fips VARCHAR[],
    tribal_nations VARCHAR[],
    purpose_areas INTEGER[],
    source_file VARCHAR,
    source_row INTEGER,
    loaded_at TIMESTAMP,
    -- Schema 3 (federal reporting; ingest/store/db.py adds them to older databases).
    federal_award_number VARCHAR,
    award_date DATE,
    uei VARCHAR,
    returned_unused DECIMAL(14, 2),
    match_exempt BOOLEAN  -- as the register gives it; NULL when blank (the awards view applies the default)
);

-- Schema 3: the state's federal awards (the register's Federal awards sheet), replaced whole on
-- each register load that has the sheet and kept when a register has none.
CREATE TABLE IF NOT EXISTS federal_award (
    federal_award_number VARCHAR,
    federal_fiscal_year INTEGER,
    award_amount DECIMAL(14, 2),
    admin_share DECIMAL(14, 2),
    period_start DATE,
    period_end DATE,
    source_file VARCHAR,
    source_row INTEGER,
    loaded_at TIMESTAMP
);

-- Schema 3: each subgrant's VAWA IMPACT Tool status for a calendar year, entered by an admin (audited).
CREATE TABLE IF NOT EXISTS impact_status (
    subgrant_key VARCHAR,
    calendar_year INTEGER,
    link_sent_on DATE,
    started_on DATE,
    submitted_on DATE,
    contact_email VARCHAR,
    updated_at TIMESTAMP,
    updated_by VARCHAR
);

CREATE TABLE IF NOT EXISTS register_load (
    load_id INTEGER,
    source_file VARCHAR,
    sha256 VARCHAR,
    loaded_at TIMESTAMP,
    rows_loaded INTEGER,
    error_count INTEGER,
    warning_count INTEGER
);

CREATE TABLE IF NOT EXISTS register_issue (
    load_id INTEGER,
    sheet VARCHAR,
    cell VARCHAR,
    severity VARCHAR,
    code VARCHAR,
    message VARCHAR
);

-- One row per ingested progress-report file (whatever became of it).
CREATE TABLE IF NOT EXISTS submission (
    submission_id INTEGER,
    subgrant_key VARCHAR,
    subgrant_id VARCHAR,
    period VARCHAR,
    source_file VARCHAR,
    sha256 VARCHAR,
    ingested_at TIMESTAMP,
    status VARCHAR,
    error_count INTEGER,
    warning_count INTEGER,
    prepared_by VARCHAR,
    email VARCHAR,
    date_submitted DATE,
    meetings_held INTEGER,
    survivors_engaged INTEGER,
    -- Which optional sheets the report had: a missing sheet means "unknown", not zero.
    has_partners BOOLEAN,
    has_maturity BOOLEAN,
    has_protocols BOOLEAN,
    has_practices BOOLEAN,
    has_funding BOOLEAN,
    has_ta BOOLEAN,
    has_services BOOLEAN
);

CREATE TABLE IF NOT EXISTS issue (
    submission_id INTEGER,
    sheet VARCHAR,
    cell VARCHAR,
    severity VARCHAR,
    code VARCHAR,
    message VARCHAR
);

-- Fact rows keep their sheet row number so every figure traces back to a cell.
CREATE TABLE IF NOT EXISTS partner_row (
    submission_id INTEGER, row_num INTEGER,
    partner VARCHAR, discipline VARCHAR, mou_signed BOOLEAN, meetings_attended INTEGER
);

CREATE TABLE IF NOT EXISTS maturity_row (
    submission_id INTEGER, row_num INTEGER,
    indicator_code VARCHAR, score INTEGER, notes VARCHAR
);

CREATE TABLE IF NOT EXISTS protocol_row (
    submission_id INTEGER, row_num INTEGER,
    protocol VARCHAR, focus VARCHAR, step INTEGER, adopted_on DATE, last_reviewed_on DATE
);

CREATE TABLE IF NOT EXISTS practice_row (
    submission_id INTEGER, row_num INTEGER,
    practice_code VARCHAR, status VARCHAR
);

CREATE TABLE IF NOT EXISTS funding_row (
    submission_id INTEGER, row_num INTEGER,
    source VARCHAR, source_type VARCHAR, form VARCHAR, amount DECIMAL(14, 2), counts_toward_match BOOLEAN
);

CREATE TABLE IF NOT EXISTS ta_row (
    submission_id INTEGER, row_num INTEGER,
    topic VARCHAR, requested_on DATE, status VARCHAR
);

CREATE TABLE IF NOT EXISTS service_row (
    submission_id INTEGER, row_num INTEGER,
    victimization VARCHAR, served INTEGER, partially_served INTEGER, not_served INTEGER
);

-- Schema 2: who did what, when (ingests, register loads, exports, sign-ins).
CREATE TABLE IF NOT EXISTS audit (
    occurred_at TIMESTAMP,
    who VARCHAR,
    action VARCHAR,
    target VARCHAR,
    sha256 VARCHAR,
    detail VARCHAR,
    result VARCHAR
);
