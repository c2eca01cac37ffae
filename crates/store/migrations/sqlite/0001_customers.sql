-- The customer registry (issue 2).
-- Dates are ISO-8601 TEXT (YYYY-MM-DD) so that they sort and compare as text; times are RFC 3339 UTC.
-- Lists (citizenships, other languages) are JSON arrays: they are always read with their customer.

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    identity_code TEXT UNIQUE,
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    -- Folded "family / given" for a stable, diacritic-insensitive order.
    sort_key TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    citizenships TEXT NOT NULL,
    native_language TEXT,
    other_languages TEXT NOT NULL,
    contact_language TEXT,
    interpreter_needed INTEGER NOT NULL,
    interpreter_language TEXT,
    phone TEXT,
    email TEXT,
    street_address TEXT,
    postal_code TEXT,
    post_office TEXT,
    municipality_code TEXT NOT NULL,
    arrival_date TEXT,
    first_permit_date TEXT,
    residence_basis TEXT,
    target_group TEXT,
    customership_start TEXT NOT NULL,
    customership_end TEXT,
    end_reason TEXT,
    responsible_caseworker TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX customers_sort ON customers (sort_key, id);
CREATE INDEX customers_birth_date ON customers (birth_date);
CREATE INDEX customers_municipality_sort ON customers (municipality_code, sort_key, id);

-- One row per folded word of a customer's names: prefix search uses an index range scan.
CREATE TABLE customer_name_tokens (
    token TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (token, customer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id);

-- Field-level history of every change: who, when, which field, the old and the new value.
CREATE TABLE customer_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    changed_at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    change_kind TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
) STRICT;
CREATE INDEX customer_changes_customer ON customer_changes (customer_id, id);
