-- deskbot's store on PostgreSQL: the job queue and the decision log, shared by replicas.
-- Times are integer microseconds since the Unix epoch (UTC), as in the SQLite schema, so both
-- databases hold the same numbers and no query depends on a database's date functions.
-- Integers are BIGINT throughout, so both databases return the same Rust types.

CREATE TABLE jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      TEXT   NOT NULL,
    ticket_id   TEXT   NOT NULL,
    -- One job per help-desk event, however often the webhook is delivered.
    dedup_key   TEXT   NOT NULL UNIQUE,
    -- The webhook body as received; '' once the customer was forgotten.
    payload     TEXT   NOT NULL,
    state       TEXT   NOT NULL
                CHECK (state IN ('queued', 'running', 'done', 'dead', 'dropped')),
    -- Attempts started (a release gives one back; a person's retry resets them).
    attempt     BIGINT NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    -- Claims ever made: the fencing token. It only grows, so an old holder's claim never
    -- matches the current one.
    claims      BIGINT NOT NULL DEFAULT 0,
    run_at      BIGINT NOT NULL,
    lease_until BIGINT,
    worker      TEXT,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The claim: due jobs by state, oldest run_at first.
CREATE INDEX jobs_state_run_at ON jobs (state, run_at);
-- `deskbot jobs list --ticket`, newest first.
CREATE INDEX jobs_ticket_id ON jobs (ticket_id, created_at);

CREATE TABLE decisions (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign key: the log outlives the jobs it came from (pruned on their own schedule)
    -- and also holds /v1/reply calls, which have no job.
    job_id                BIGINT,
    source                TEXT   NOT NULL,
    ticket_id             TEXT,
    -- As the channel gave it, for reading back.
    customer_email        TEXT,
    -- Trimmed and lower-cased: what `deskbot forget` matches.
    customer_email_folded TEXT,
    text                  TEXT   NOT NULL,
    cleaned_text          TEXT   NOT NULL,
    -- JSON: [["tracking", 0.93], …], floats in their shortest round-trip form. TEXT, not
    -- JSONB: JSONB would store the numbers as NUMERIC and could change their last digit.
    scores                TEXT   NOT NULL,
    intent                TEXT   NOT NULL,
    confidence            DOUBLE PRECISION NOT NULL,
    decision              TEXT   NOT NULL,
    outcome               TEXT   NOT NULL,
    situation             TEXT,
    handoff_reason        TEXT,
    model                 TEXT   NOT NULL,
    -- JSON: [["classify", 0.4], …] in milliseconds.
    timings_ms            TEXT   NOT NULL,
    delivery              TEXT   NOT NULL,
    created_at            BIGINT NOT NULL
);

CREATE INDEX decisions_created_at ON decisions (created_at);
CREATE INDEX decisions_customer_email ON decisions (customer_email_folded);
