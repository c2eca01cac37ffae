-- The customer registry (issue 2). Same shape as the SQLite schema; see the comments there.
-- Ids are TEXT on both backends so that one query text serves both. Keys compared as byte strings
-- use COLLATE "C" so that prefix ranges and the order of results are the same as on SQLite.

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    identity_code TEXT UNIQUE,
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL,
    citizenships TEXT NOT NULL,
    native_language TEXT,
    other_languages TEXT NOT NULL,
    contact_language TEXT,
    interpreter_needed BOOLEAN NOT NULL,
    interpreter_language TEXT,
    phone TEXT,
    email TEXT,
    street_address TEXT,
    postal_code TEXT,
    post_office TEXT,
    municipality_code TEXT NOT NULL,
    arrival_date DATE,
    first_permit_date DATE,
    residence_basis TEXT,
    target_group TEXT,
    customership_start DATE NOT NULL,
    customership_end DATE,
    end_reason TEXT,
    responsible_caseworker TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX customers_sort ON customers (sort_key, id);
CREATE INDEX customers_birth_date ON customers (birth_date);
CREATE INDEX customers_municipality_sort ON customers (municipality_code, sort_key, id);

CREATE TABLE customer_name_tokens (
    token TEXT COLLATE "C" NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (token, customer_id)
);
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id);

CREATE TABLE customer_changes (
    id BIGSERIAL PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    changed_at TIMESTAMPTZ NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    change_kind TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX customer_changes_customer ON customer_changes (customer_id, id);
