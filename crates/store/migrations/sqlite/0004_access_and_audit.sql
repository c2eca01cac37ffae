-- Access control and audit (issue 3).

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- For a wellbeing county: its code (01-21, 90, 91); for a regional centre: its code (1-10).
    area_code TEXT,
    created_at TEXT NOT NULL
) STRICT;

-- The municipalities a municipal integration unit serves.
CREATE TABLE organisation_municipalities (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    municipality_code TEXT NOT NULL,
    PRIMARY KEY (organisation_id, municipality_code)
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    -- Lower case; the sign-in name.
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    -- A one-time password from an administrator must be replaced at first sign-in.
    password_must_change INTEGER NOT NULL,
    -- Base32 TOTP secret once enrolment started; enabled once a code was confirmed.
    totp_secret TEXT,
    totp_enabled INTEGER NOT NULL,
    -- The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step INTEGER,
    failed_sign_ins INTEGER NOT NULL,
    locked_until TEXT,
    disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX users_organisation ON users (organisation_id);

-- Server-side sessions; the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- full, password_change or totp_enrolment: what the session may do yet.
    stage TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    client_address TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- A wellbeing county's involvement in a customer's multisectoral process: while active, the county's
-- workers may see the customer.
CREATE TABLE county_involvements (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    county_code TEXT NOT NULL,
    purpose TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX county_involvements_customer ON county_involvements (customer_id);
CREATE INDEX county_involvements_county ON county_involvements (county_code, customer_id);

-- The tamper-evident audit log: ids are consecutive, each row hashes its content and the previous hash.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    occurred_at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    organisation_id TEXT,
    role TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    customer_id TEXT,
    purpose TEXT,
    request_id TEXT,
    client_address TEXT,
    outcome TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
