//! Administration: organisations, users, API tokens, county involvements, and reading the audit log.

use chrono::{DateTime, Utc};
use kotopolku_domain::access::{Action, OrganisationKind, Role, Scope, grant_for, may_issue_sign_in};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::{AuditRow, Outcome};
use kotopolku_domain::directory::{ApiToken, CountyInvolvement, NewOrganisation, NewUser, Organisation, User};
use kotopolku_store::audit::{self as audit_store, AuditFilter};
use kotopolku_store::directory::{self as store, UserRecord};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Target, entry};
use crate::secrets::{hash_password, random_hex, token_hash};
use crate::{ServiceError, Services};

/// A new user and the one-time password to hand them over a safe channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// Valid for the first sign-in only: the user must then choose their own password.
    pub one_time_password: String,
}

/// A new API token; the secret is shown only here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Starting a wellbeing county's involvement in a customer's multisectoral process.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCountyInvolvement {
    /// The wellbeing services county's code (01-21, 90, 91).
    pub county_code: String,
    /// Why the county is involved, e.g. "multisectoral integration plan".
    pub purpose: String,
}

/// Longest validity of an API token: integrations must rotate their tokens.
pub const MAX_TOKEN_DAYS: u32 = 730;

impl Services {
    /// Creates an organisation (operator administrators, or the system from the command line).
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        new: &NewOrganisation,
    ) -> Result<Organisation, ServiceError> {
        self.authorize(actor, Action::OrganisationManage, Target::default())
            .await?;
        new.validate().map_err(ServiceError::Validation)?;
        let mut municipalities = new.municipalities.clone();
        municipalities.sort();
        municipalities.dedup();
        let organisation = Organisation {
            id: uuid::Uuid::now_v7().to_string(),
            kind: new.kind,
            name: new.name.trim().to_owned(),
            area_code: new.area_code.clone().filter(|_| {
                matches!(
                    new.kind,
                    OrganisationKind::WellbeingCounty | OrganisationKind::RegionalCentre
                )
            }),
            municipalities,
            created_at: self.clock.now(),
        };
        let mut tx = self.db.begin().await?;
        store::insert_organisation(&mut tx, &organisation).await?;
        audit::record_success(
            &mut tx,
            actor,
            "organisation.create",
            Target::of("organisation", &organisation.id),
            organisation.created_at,
        )
        .await?;
        tx.commit().await?;
        Ok(organisation)
    }

    pub async fn organisations(&self, actor: &Actor) -> Result<Vec<Organisation>, ServiceError> {
        self.authorize(actor, Action::OrganisationManage, Target::default())
            .await?;
        Ok(store::organisations(&self.db).await?)
    }

    /// Creates a user with a one-time password. A supervisor may create caseworkers and supervisors
    /// of their own unit only.
    pub async fn create_user(&self, actor: &Actor, new: &NewUser) -> Result<CreatedUser, ServiceError> {
        let one_time_password = random_hex(12)?;
        self.insert_user(actor, new, one_time_password, true).await
    }

    /// Creates a training environment's user with a known password that need not be changed. Only
    /// the demo command calls this, on a database marked as demo data.
    pub async fn create_demo_user(&self, new: &NewUser, password: &str) -> Result<User, ServiceError> {
        Ok(self
            .insert_user(&Actor::system(), new, password.to_owned(), false)
            .await?
            .user)
    }

    /// Demo users of a training database who all have one known password, hashed once however many
    /// there are (a generated database has a caseworker for every 250 customers).
    pub async fn create_demo_users(&self, new: &[NewUser], password: &str) -> Result<Vec<User>, ServiceError> {
        let password_hash = hash_password(password.to_owned()).await?;
        let now = self.clock.now();
        let mut organisations = std::collections::HashMap::new();
        let mut records = Vec::with_capacity(new.len());
        for user in new {
            if !organisations.contains_key(&user.organisation_id) {
                let organisation = store::organisation(&self.db, &user.organisation_id).await?;
                organisations.insert(user.organisation_id.clone(), organisation);
            }
            let organisation = organisations.get(&user.organisation_id).and_then(Option::as_ref);
            let email = user.validate(organisation).map_err(ServiceError::Validation)?;
            records.push(new_user_record(user, email, password_hash.clone(), false, now));
        }
        let mut tx = self.db.begin().await?;
        for record in &records {
            store::insert_user(&mut tx, record).await?;
            audit::record_success(
                &mut tx,
                &Actor::system(),
                "user.create",
                Target::of("user", &record.id),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        records.iter().map(|r| Ok(r.user()?)).collect()
    }

    async fn insert_user(
        &self,
        actor: &Actor,
        new: &NewUser,
        password: String,
        password_must_change: bool,
    ) -> Result<CreatedUser, ServiceError> {
        let grant = self.authorize(actor, Action::UserManage, Target::default()).await?;
        if let Some(grant) = grant
            && grant.scope == Scope::OwnOrganisation
        {
            if !in_scope(actor, grant.scope, &new.organisation_id) {
                return Err(ServiceError::field(
                    "organisation_id",
                    "not_found",
                    "no such organisation",
                ));
            }
            if !may_issue_sign_in(grant.scope, new.role) {
                return Err(self
                    .refuse(
                        actor,
                        Action::UserManage,
                        Target::default(),
                        ServiceError::forbidden("a supervisor may create caseworkers and supervisors only"),
                    )
                    .await);
            }
        }
        let organisation = store::organisation(&self.db, &new.organisation_id).await?;
        let email = new.validate(organisation.as_ref()).map_err(ServiceError::Validation)?;
        if store::user_by_email(&self.db, &email).await?.is_some() {
            return Err(ServiceError::field("email", "in_use", "a user with this e-mail exists"));
        }
        let now = self.clock.now();
        let password_hash = hash_password(password.clone()).await?;
        let record = new_user_record(new, email, password_hash, password_must_change, now);
        let mut tx = self.db.begin().await?;
        store::insert_user(&mut tx, &record).await?;
        audit::record_success(&mut tx, actor, "user.create", Target::of("user", &record.id), now).await?;
        tx.commit().await?;
        Ok(CreatedUser {
            user: record.user()?,
            one_time_password: password,
        })
    }

    /// Users: all for administrators, the own unit's for supervisors.
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>, ServiceError> {
        let grant = self.authorize(actor, Action::UserManage, Target::default()).await?;
        let organisation = match grant {
            Some(grant) if grant.scope == Scope::OwnOrganisation => actor.organisation_id.as_deref(),
            _ => None,
        };
        Ok(store::users(&self.db, organisation).await?)
    }

    /// Disables a user and ends their sessions.
    pub async fn disable_user(&self, actor: &Actor, user_id: &str) -> Result<User, ServiceError> {
        let mut record = self.managed_user(actor, user_id, false).await?;
        record.disabled = true;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        store::revoke_sessions(&mut tx, None, Some(user_id), now).await?;
        audit::record_success(&mut tx, actor, "user.disable", Target::of("user", user_id), now).await?;
        tx.commit().await?;
        Ok(record.user()?)
    }

    /// Enables a disabled user again, lifting any sign-in lock; their password and second factor
    /// are as they were.
    pub async fn enable_user(&self, actor: &Actor, user_id: &str) -> Result<User, ServiceError> {
        let mut record = self.managed_user(actor, user_id, false).await?;
        record.disabled = false;
        record.failed_sign_ins = 0;
        record.locked_until = None;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        audit::record_success(&mut tx, actor, "user.enable", Target::of("user", user_id), now).await?;
        tx.commit().await?;
        Ok(record.user()?)
    }

    /// Gives a user who forgot their password a one-time password, as at their creation, and
    /// with `second_factor` also removes their two-factor sign-in (a lost phone), so that they
    /// enrol again at their next sign-in. Lifts any sign-in lock and ends their sessions. A
    /// supervisor may do this for the caseworkers and supervisors of their own unit only: the
    /// one-time password lets whoever holds it sign in as the user.
    pub async fn reset_sign_in(
        &self,
        actor: &Actor,
        user_id: &str,
        second_factor: bool,
    ) -> Result<CreatedUser, ServiceError> {
        let mut record = self.managed_user(actor, user_id, true).await?;
        let one_time_password = random_hex(12)?;
        record.password_hash = hash_password(one_time_password.clone()).await?;
        record.password_must_change = true;
        record.failed_sign_ins = 0;
        record.locked_until = None;
        if second_factor {
            record.totp_secret = None;
            record.totp_enabled = false;
            record.totp_last_step = None;
        }
        let now = self.clock.now();
        let target = Target::of("user", user_id);
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        store::revoke_sessions(&mut tx, None, Some(user_id), now).await?;
        audit::record_success(&mut tx, actor, "user.reset_password", target, now).await?;
        if second_factor {
            audit::record_success(&mut tx, actor, "user.reset_second_factor", target, now).await?;
        }
        tx.commit().await?;
        Ok(CreatedUser {
            user: record.user()?,
            one_time_password,
        })
    }

    /// Whether `actor` may reset the sign-in of `user` (for pages, to offer it only where
    /// [`Services::reset_sign_in`] would allow it).
    pub fn may_reset_sign_in(&self, actor: &Actor, user: &User) -> bool {
        match actor.role.and_then(|role| grant_for(role, Action::UserManage)) {
            Some(grant) => {
                may_issue_sign_in(grant.scope, user.role) && in_scope(actor, grant.scope, &user.organisation_id)
            }
            None => false,
        }
    }

    /// The user `user_id` if `actor` may manage them: any user for administrators, their own
    /// unit's for supervisors (with `credentials`, its caseworkers and supervisors only, as those
    /// are the users a supervisor may create). Another unit's user is not found, as a missing one.
    async fn managed_user(&self, actor: &Actor, user_id: &str, credentials: bool) -> Result<UserRecord, ServiceError> {
        let target = Target::of("user", user_id);
        let grant = self.authorize(actor, Action::UserManage, target).await?;
        let record = store::user_by_id(&self.db, user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let Some(scope) = grant.map(|grant| grant.scope) else {
            return Ok(record);
        };
        if !in_scope(actor, scope, &record.organisation_id) {
            return Err(self
                .refuse(actor, Action::UserManage, target, ServiceError::NotFound)
                .await);
        }
        if credentials && !may_issue_sign_in(scope, record.user()?.role) {
            return Err(self
                .refuse(
                    actor,
                    Action::UserManage,
                    target,
                    ServiceError::forbidden("a supervisor may reset the sign-in of caseworkers and supervisors only"),
                )
                .await);
        }
        Ok(record)
    }

    /// Creates an API token bound to an organisation and a role, valid for `days` days.
    pub async fn create_token(
        &self,
        actor: &Actor,
        organisation_id: &str,
        role: Role,
        name: &str,
        days: u32,
    ) -> Result<CreatedToken, ServiceError> {
        self.authorize(actor, Action::TokenManage, Target::default()).await?;
        let organisation = store::organisation(&self.db, organisation_id)
            .await?
            .ok_or_else(|| ServiceError::field("organisation_id", "not_found", "no such organisation"))?;
        if organisation.kind != role.organisation_kind() {
            return Err(ServiceError::field(
                "role",
                "wrong_organisation_kind",
                format!(
                    "a {} token belongs to a {} organisation",
                    role.as_str(),
                    role.organisation_kind().as_str()
                ),
            ));
        }
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(ServiceError::field(
                "expires",
                "out_of_range",
                format!("1 to {MAX_TOKEN_DAYS} days"),
            ));
        }
        let now = self.clock.now();
        let secret = format!("kp_{}", random_hex(32)?);
        let token = ApiToken {
            id: uuid::Uuid::now_v7().to_string(),
            name: name.trim().chars().take(200).collect(),
            organisation_id: organisation.id,
            role,
            created_at: now,
            expires_at: now + chrono::Duration::days(i64::from(days)),
            revoked_at: None,
        };
        let mut tx = self.db.begin().await?;
        store::insert_token(&mut tx, &token, &token_hash(&secret)).await?;
        audit::record_success(&mut tx, actor, "token.create", Target::of("token", &token.id), now).await?;
        tx.commit().await?;
        Ok(CreatedToken { token, secret })
    }

    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, ServiceError> {
        self.authorize(actor, Action::TokenManage, Target::default()).await?;
        Ok(store::tokens(&self.db).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        self.authorize(actor, Action::TokenManage, Target::of("token", id))
            .await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::revoke_token(&mut tx, id, now).await? {
            return Err(ServiceError::NotFound);
        }
        audit::record_success(&mut tx, actor, "token.revoke", Target::of("token", id), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Involves a wellbeing county in a customer's multisectoral process; its workers may then see
    /// the customer for the stated purpose.
    pub async fn start_county_involvement(
        &self,
        actor: &Actor,
        customer_id: &str,
        new: &NewCountyInvolvement,
    ) -> Result<CountyInvolvement, ServiceError> {
        self.visible_customer(actor, Action::CountyInvolvementManage, customer_id)
            .await?;
        let known = kotopolku_domain::code_lists::municipalities().any(|m| m.wellbeing_county_code == new.county_code);
        if !known {
            return Err(ServiceError::field(
                "county_code",
                "unknown_code",
                "not a wellbeing services county code",
            ));
        }
        let purpose = new.purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 200 {
            return Err(ServiceError::field(
                "purpose",
                "required",
                "state the purpose in at most 200 characters",
            ));
        }
        let now = self.clock.now();
        let involvement = CountyInvolvement {
            id: uuid::Uuid::now_v7().to_string(),
            customer_id: customer_id.to_owned(),
            county_code: new.county_code.clone(),
            purpose: purpose.to_owned(),
            started_on: self.clock.today(),
            ended_on: None,
        };
        let mut tx = self.db.begin().await?;
        store::insert_involvement(&mut tx, &involvement, &actor.id, now).await?;
        audit::record_success(
            &mut tx,
            actor,
            "customer.county_involvement.start",
            Target::customer(customer_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(involvement)
    }

    pub async fn end_county_involvement(&self, actor: &Actor, customer_id: &str, id: &str) -> Result<(), ServiceError> {
        self.visible_customer(actor, Action::CountyInvolvementManage, customer_id)
            .await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::end_involvement(&mut tx, customer_id, id, self.clock.today()).await? {
            return Err(ServiceError::NotFound);
        }
        audit::record_success(
            &mut tx,
            actor,
            "customer.county_involvement.end",
            Target::customer(customer_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn county_involvements(
        &self,
        actor: &Actor,
        customer_id: &str,
    ) -> Result<Vec<CountyInvolvement>, ServiceError> {
        self.visible_customer(actor, Action::CustomerRead, customer_id).await?;
        Ok(store::involvements(&self.db, customer_id).await?)
    }

    /// Who has seen or changed a customer's data, newest first (supervisors).
    pub async fn customer_access_log(&self, actor: &Actor, customer_id: &str) -> Result<Vec<AuditRow>, ServiceError> {
        self.visible_customer(actor, Action::CustomerAccessLog, customer_id)
            .await?;
        // Reads whose rows still wait in the journal belong in the answer.
        self.audit.flush().await?;
        let rows = audit_store::query(
            &self.db,
            &AuditFilter {
                customer_id: Some(customer_id.to_owned()),
                limit: 1000,
                ..AuditFilter::default()
            },
        )
        .await?;
        self.audit_reads(actor, Action::CustomerAccessLog, &[Target::customer(customer_id)])
            .await?;
        Ok(rows)
    }

    /// The audit log with filters, newest first (operator administrators). Reading it is audited too.
    pub async fn audit_log(&self, actor: &Actor, filter: &AuditQuery) -> Result<Vec<AuditRow>, ServiceError> {
        self.authorize(actor, Action::AuditRead, Target::default()).await?;
        let limit = filter.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(ServiceError::field("limit", "out_of_range", "between 1 and 1000"));
        }
        self.audit.flush().await?;
        let rows = audit_store::query(
            &self.db,
            &AuditFilter {
                customer_id: filter.customer_id.clone(),
                actor_id: filter.actor_id.clone(),
                action: filter.action.clone(),
                outcome: filter.outcome.clone(),
                from: filter.from,
                until: filter.until,
                before_id: filter.before_id,
                limit,
            },
        )
        .await?;
        self.audit
            .record(vec![entry(
                actor,
                Action::AuditRead.as_str(),
                Target::default(),
                Outcome::Success,
                self.clock.now(),
            )])
            .await?;
        Ok(rows)
    }
}

/// Filters of `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub customer_id: Option<String>,
    pub actor_id: Option<String>,
    /// E.g. `customer.read`, `session.sign_in`.
    pub action: Option<String>,
    /// `success`, `denied`, `not_found` or `failed`.
    pub outcome: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Continue below this row id (the last id of the previous page).
    pub before_id: Option<i64>,
    /// Rows per page, 1-1000 (default 100).
    pub limit: Option<i64>,
}

/// The stored row of a new user: enabled, no second factor yet, no failed sign-ins.
fn new_user_record(
    new: &NewUser,
    email: String,
    password_hash: String,
    password_must_change: bool,
    now: DateTime<Utc>,
) -> UserRecord {
    UserRecord {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        display_name: new.display_name.trim().to_owned(),
        organisation_id: new.organisation_id.clone(),
        role: new.role.as_str().to_owned(),
        password_hash,
        password_must_change,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        failed_sign_ins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    }
}

/// Whether a user of `organisation_id` is within `actor`'s user management `scope`: any user, or
/// for a supervisor's own-unit grant, their unit's only.
fn in_scope(actor: &Actor, scope: Scope, organisation_id: &str) -> bool {
    scope != Scope::OwnOrganisation || actor.organisation_id.as_deref() == Some(organisation_id)
}
