-- The integration customer process (issue 4): assessments, plans, the programme, referrals, notes and
-- appointments, each a versioned JSON document. A change adds a version; earlier ones stay readable.

CREATE TABLE process_records (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    -- assessment, plan, programme, referral, note or appointment.
    kind TEXT NOT NULL,
    -- True for the latest version of the record, false for the versions it superseded.
    is_current BOOLEAN NOT NULL,
    -- The wellbeing county whose multisectoral process the record belongs to, if any.
    county_code TEXT,
    -- The record's content as JSON (kotopolku_domain::process::RecordBody).
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX process_records_customer ON process_records (customer_id, kind) WHERE is_current;
-- A customer has one integration programme.
CREATE UNIQUE INDEX process_records_one_programme ON process_records (customer_id)
    WHERE kind = 'programme' AND version = 1;
-- The worklist finds a caseworker's active customers.
CREATE INDEX customers_caseworker ON customers (responsible_caseworker) WHERE customership_end IS NULL;
