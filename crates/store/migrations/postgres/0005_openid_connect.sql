-- Sign-in through an organisation's own identity provider (OpenID Connect).
-- A user is linked to the provider's subject as "issuer|subject" on first sign-in by verified e-mail.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject);

-- A sign-in in progress: the state (hashed), the nonce the ID token must carry, and the PKCE verifier.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
