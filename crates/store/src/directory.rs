//! Organisations, users, sessions, API tokens and county involvements.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::directory::{ApiToken, CountyInvolvement, Organisation, User};

use crate::{Database, StoreError, Tx, with_db, with_tx};

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: String,
    kind: String,
    name: String,
    area_code: Option<String>,
    created_at: DateTime<Utc>,
}

fn kind(text: &str) -> Result<OrganisationKind, StoreError> {
    OrganisationKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("organisation kind {text}")))
}

fn role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role {text}")))
}

pub async fn insert_organisation(tx: &mut Tx, org: &Organisation) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO organisations (id, kind, name, area_code, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&org.id)
            .bind(org.kind.as_str())
            .bind(&org.name)
            .bind(&org.area_code)
            .bind(org.created_at)
            .execute(&mut *conn)
            .await?;
        for code in &org.municipalities {
            sqlx::query("INSERT INTO organisation_municipalities (organisation_id, municipality_code) VALUES ($1, $2)")
                .bind(&org.id)
                .bind(code)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}

/// Every organisation, by name.
pub async fn organisations(db: &Database) -> Result<Vec<Organisation>, StoreError> {
    let rows: Vec<OrganisationRow> = with_db!(db, pool => {
        sqlx::query_as("SELECT id, kind, name, area_code, created_at FROM organisations ORDER BY name, id")
            .fetch_all(pool)
            .await?
    });
    let links: Vec<(String, String)> = with_db!(db, pool => {
        sqlx::query_as(
            "SELECT organisation_id, municipality_code FROM organisation_municipalities \
             ORDER BY organisation_id, municipality_code",
        )
        .fetch_all(pool)
        .await?
    });
    rows.into_iter()
        .map(|row| {
            let municipalities = links
                .iter()
                .filter(|(org, _)| *org == row.id)
                .map(|(_, m)| m.clone())
                .collect();
            Ok(Organisation {
                kind: kind(&row.kind)?,
                id: row.id,
                name: row.name,
                area_code: row.area_code,
                municipalities,
                created_at: row.created_at,
            })
        })
        .collect()
}

pub async fn organisation(db: &Database, id: &str) -> Result<Option<Organisation>, StoreError> {
    let row: Option<OrganisationRow> = with_db!(db, pool => {
        sqlx::query_as("SELECT id, kind, name, area_code, created_at FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    let Some(row) = row else { return Ok(None) };
    let municipalities: Vec<String> = with_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT municipality_code FROM organisation_municipalities WHERE organisation_id = $1 \
             ORDER BY municipality_code",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
    });
    Ok(Some(Organisation {
        kind: kind(&row.kind)?,
        id: row.id,
        name: row.name,
        area_code: row.area_code,
        municipalities,
        created_at: row.created_at,
    }))
}

/// A user with the secrets that sign-in needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub organisation_id: String,
    pub role: String,
    pub password_hash: String,
    pub password_must_change: bool,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub failed_sign_ins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl UserRecord {
    pub fn user(&self) -> Result<User, StoreError> {
        Ok(User {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            organisation_id: self.organisation_id.clone(),
            role: role(&self.role)?,
            totp_enabled: self.totp_enabled,
            disabled: self.disabled,
            created_at: self.created_at,
        })
    }
}

const USER_COLUMNS: &str = "id, email, display_name, organisation_id, role, password_hash, password_must_change, \
    totp_secret, totp_enabled, totp_last_step, failed_sign_ins, locked_until, disabled, created_at";

pub async fn insert_user(tx: &mut Tx, user: &UserRecord) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, organisation_id, role, password_hash, password_must_change, \
             totp_secret, totp_enabled, totp_last_step, failed_sign_ins, locked_until, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(&user.organisation_id)
        .bind(&user.role)
        .bind(&user.password_hash)
        .bind(user.password_must_change)
        .bind(&user.totp_secret)
        .bind(user.totp_enabled)
        .bind(user.totp_last_step)
        .bind(user.failed_sign_ins)
        .bind(user.locked_until)
        .bind(user.disabled)
        .bind(user.created_at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Writes back a user's sign-in state (password, second factor, failures, lock, disabled).
pub async fn update_user_security(tx: &mut Tx, user: &UserRecord) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_must_change = $3, totp_secret = $4, totp_enabled = $5, \
             totp_last_step = $6, failed_sign_ins = $7, locked_until = $8, disabled = $9 WHERE id = $1",
        )
        .bind(&user.id)
        .bind(&user.password_hash)
        .bind(user.password_must_change)
        .bind(&user.totp_secret)
        .bind(user.totp_enabled)
        .bind(user.totp_last_step)
        .bind(user.failed_sign_ins)
        .bind(user.locked_until)
        .bind(user.disabled)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

pub async fn user_by_email(db: &Database, email: &str) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    Ok(with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(pool).await?
    }))
}

pub async fn user_by_id(db: &Database, id: &str) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
    }))
}

/// Users, of one organisation or of all, by e-mail.
pub async fn users(db: &Database, organisation_id: Option<&str>) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE ($1 IS NULL OR organisation_id = $1) ORDER BY email");
    let rows: Vec<UserRecord> = with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(organisation_id).fetch_all(pool).await?
    });
    rows.iter().map(UserRecord::user).collect()
}

/// A server-side session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: String,
    pub stage: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub client_address: Option<String>,
}

pub async fn insert_session(tx: &mut Tx, session: &SessionRecord) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, stage, csrf_token, created_at, last_seen_at, expires_at, \
             revoked_at, client_address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&session.token_hash)
        .bind(&session.user_id)
        .bind(&session.stage)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(session.revoked_at)
        .bind(&session.client_address)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

pub async fn session(db: &Database, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT token_hash, user_id, stage, csrf_token, created_at, last_seen_at, expires_at, revoked_at, \
             client_address FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?
    }))
}

/// Marks a session as used now (callers throttle this to keep reads from becoming writes).
pub async fn touch_session(db: &Database, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    with_db!(db, pool => {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(at)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

pub async fn set_session_stage(tx: &mut Tx, token_hash: &str, stage: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE sessions SET stage = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(stage)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Revokes one session, or with `all_of_user` every session of its user; returns how many.
pub async fn revoke_sessions(
    tx: &mut Tx,
    token_hash: Option<&str>,
    all_of_user: Option<&str>,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $3 WHERE revoked_at IS NULL AND (token_hash = $1 OR user_id = $2)",
        )
        .bind(token_hash)
        .bind(all_of_user)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    }))
}

/// Revokes every session of a user but one (after a password change).
pub async fn revoke_other_sessions(
    tx: &mut Tx,
    user_id: &str,
    keep: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND token_hash <> $2 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(keep)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    organisation_id: String,
    role: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn token(self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            role: role(&self.role)?,
            id: self.id,
            name: self.name,
            organisation_id: self.organisation_id,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

pub async fn insert_token(tx: &mut Tx, token: &ApiToken, token_hash: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, name, organisation_id, role, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(token_hash)
        .bind(&token.name)
        .bind(&token.organisation_id)
        .bind(token.role.as_str())
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.revoked_at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

pub async fn token_by_hash(db: &Database, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
    let row: Option<TokenRow> = with_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, name, organisation_id, role, created_at, expires_at, revoked_at FROM api_tokens \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?
    });
    row.map(TokenRow::token).transpose()
}

pub async fn tokens(db: &Database) -> Result<Vec<ApiToken>, StoreError> {
    let rows: Vec<TokenRow> = with_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, name, organisation_id, role, created_at, expires_at, revoked_at FROM api_tokens \
             ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?
    });
    rows.into_iter().map(TokenRow::token).collect()
}

/// Revokes a token; `false` when there is no such unrevoked token.
pub async fn revoke_token(tx: &mut Tx, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0
    }))
}

#[derive(sqlx::FromRow)]
struct InvolvementRow {
    id: String,
    customer_id: String,
    county_code: String,
    purpose: String,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
}

pub async fn insert_involvement(
    tx: &mut Tx,
    involvement: &CountyInvolvement,
    created_by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO county_involvements (id, customer_id, county_code, purpose, started_on, ended_on, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&involvement.id)
        .bind(&involvement.customer_id)
        .bind(&involvement.county_code)
        .bind(&involvement.purpose)
        .bind(involvement.started_on)
        .bind(involvement.ended_on)
        .bind(created_by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Ends an active involvement of a customer; `false` when there is none with that id.
pub async fn end_involvement(tx: &mut Tx, customer_id: &str, id: &str, on: NaiveDate) -> Result<bool, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE county_involvements SET ended_on = $3 WHERE id = $1 AND customer_id = $2 AND ended_on IS NULL",
        )
        .bind(id)
        .bind(customer_id)
        .bind(on)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            > 0
    }))
}

/// A customer's involvements, active ones first.
pub async fn involvements(db: &Database, customer_id: &str) -> Result<Vec<CountyInvolvement>, StoreError> {
    let rows: Vec<InvolvementRow> = with_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, customer_id, county_code, purpose, started_on, ended_on FROM county_involvements \
             WHERE customer_id = $1 ORDER BY started_on DESC, id",
        )
        .bind(customer_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| CountyInvolvement {
            id: r.id,
            customer_id: r.customer_id,
            county_code: r.county_code,
            purpose: r.purpose,
            started_on: r.started_on,
            ended_on: r.ended_on,
        })
        .collect())
}

/// Remembers a sign-in through an identity provider until its callback.
pub async fn insert_oidc_login(
    tx: &mut Tx,
    state_hash: &str,
    nonce: &str,
    code_verifier: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO oidc_logins (state_hash, nonce, code_verifier, created_at) VALUES ($1, $2, $3, $4)")
            .bind(state_hash)
            .bind(nonce)
            .bind(code_verifier)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        // Abandoned sign-ins are of no use after an hour.
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < $1")
            .bind(at - chrono::Duration::hours(1))
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Takes a pending sign-in (it can be used once): `(nonce, code_verifier, created_at)`.
pub async fn take_oidc_login(
    tx: &mut Tx,
    state_hash: &str,
) -> Result<Option<(String, String, DateTime<Utc>)>, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_as(
            "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING nonce, code_verifier, created_at",
        )
        .bind(state_hash)
        .fetch_optional(&mut *conn)
        .await?
    }))
}

/// The user linked to an identity provider's subject (`issuer|subject`).
pub async fn user_id_by_oidc_subject(db: &Database, subject: &str) -> Result<Option<String>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM users WHERE oidc_subject = $1").bind(subject).fetch_optional(pool).await?
    }))
}

pub async fn link_oidc_subject(tx: &mut Tx, user_id: &str, subject: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE users SET oidc_subject = $2 WHERE id = $1")
            .bind(user_id)
            .bind(subject)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Remembers the interface language `user_id` chose.
pub async fn set_ui_language(tx: &mut Tx, user_id: &str, language: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO user_preferences (user_id, ui_language) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET ui_language = excluded.ui_language",
        )
        .bind(user_id)
        .bind(language)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// The interface language `user_id` chose, if any.
pub async fn ui_language(db: &Database, user_id: &str) -> Result<Option<String>, StoreError> {
    let language: Option<(String,)> = with_db!(db, pool => {
        sqlx::query_as("SELECT ui_language FROM user_preferences WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(language.map(|(l,)| l))
}
