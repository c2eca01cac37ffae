-- Migration from legacy client systems (issue 8): which Kotopolku customer or process record each
-- legacy row became. Rerunning an import finds its earlier rows here and creates no duplicates.

CREATE TABLE legacy_ids (
    -- Names the legacy system (the mapping file's `source`); legacy ids are unique only within one.
    source TEXT NOT NULL,
    -- customer, assessment, plan, referral or note.
    kind TEXT NOT NULL,
    legacy_id TEXT NOT NULL,
    -- The customer's id, or the process record's id.
    record_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, kind, legacy_id)
);
CREATE INDEX legacy_ids_customer ON legacy_ids (customer_id);
