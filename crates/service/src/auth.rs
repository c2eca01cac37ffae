//! Signing in and out, sessions, API tokens, password change and TOTP enrolment.
//!
//! Every failed sign-in (wrong password, wrong code, unknown, locked or disabled account) gets the
//! same answer after the same work: the password is always checked against a hash, an unknown user's
//! against a fixed one, and the growing delay is counted per sign-in name whether or not it exists.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kotopolku_domain::access::Role;
use kotopolku_domain::actor::{Actor, ActorKind};
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::directory::{Organisation, User};
use kotopolku_domain::totp::TotpSecret;
use kotopolku_store::directory::{self as store, SessionRecord, UserRecord};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Target, entry};
use crate::secrets::{check_new_password, hash_password, random_bytes, random_hex, token_hash, verify_password};
use crate::{ServiceError, Services};

/// A sign-in request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
    /// The 6-digit code from the authenticator app, once two-factor sign-in is enrolled.
    #[serde(default)]
    pub totp_code: Option<String>,
}

/// What a session may do yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Everything the user's role allows.
    Full,
    /// Only set a new password (the account has a one-time password).
    PasswordChange,
    /// Only enrol two-factor sign-in (the role sees personal data or administers the system).
    TotpEnrolment,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::PasswordChange => "password_change",
            SessionStage::TotpEnrolment => "totp_enrolment",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "full" => Some(SessionStage::Full),
            "password_change" => Some(SessionStage::PasswordChange),
            "totp_enrolment" => Some(SessionStage::TotpEnrolment),
            _ => None,
        }
    }
}

/// A new session: the secret goes into the cookie, the CSRF token into every state-changing request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_token: String,
    pub csrf_token: String,
    pub stage: SessionStage,
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

/// A sign-in through an identity provider, between its start and its callback.
#[derive(Debug, Clone)]
pub struct PendingExternalSignIn {
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// What an identity provider asserted about a person, after its ID token was verified.
#[derive(Debug, Clone)]
pub struct ExternalIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// The provider authenticated with more than one factor (`amr` says so).
    pub multi_factor: bool,
}

/// A session found by its cookie.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub stage: SessionStage,
    pub csrf_token: String,
    pub user: User,
}

/// The secret of a new TOTP enrolment, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an authenticator app.
    pub secret: String,
    /// The `otpauth://` URI, for a QR code.
    pub provisioning_uri: String,
}

/// Growing delays for failed sign-ins, per sign-in name, in memory: the same for names that exist and
/// names that do not, so delays reveal nothing.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    per_client: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Sign-in attempts one client address may make per window before it gets 429.
const CLIENT_ATTEMPTS_PER_WINDOW: u32 = 30;
const CLIENT_WINDOW: Duration = Duration::from_secs(300);

impl SignInThrottle {
    /// `base` doubled for each recent failure of `name`, at most 32 times `base`.
    fn delay_for(&self, name: &str, base: Duration) -> Duration {
        let failures = self
            .failures
            .lock()
            .map(|m| m.get(name).map_or(0, |(n, _)| *n))
            .unwrap_or(0);
        if failures == 0 {
            Duration::ZERO
        } else {
            base.saturating_mul(1 << failures.min(5))
        }
    }

    fn failed(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            // Forget names idle for an hour so the map stays small.
            map.retain(|_, (_, at)| at.elapsed() < Duration::from_secs(3600));
            let slot = map.entry(name.to_owned()).or_insert((0, Instant::now()));
            slot.0 = slot.0.saturating_add(1);
            slot.1 = Instant::now();
        }
    }

    fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(name);
        }
    }

    /// Counts an attempt from `client`; `Err(seconds)` when the client is over its limit.
    fn attempt_from(&self, client: &str) -> Result<(), u64> {
        let Ok(mut map) = self.per_client.lock() else {
            return Ok(());
        };
        map.retain(|_, (_, started)| started.elapsed() < CLIENT_WINDOW);
        let slot = map.entry(client.to_owned()).or_insert((0, Instant::now()));
        slot.0 += 1;
        if slot.0 > CLIENT_ATTEMPTS_PER_WINDOW {
            Err(CLIENT_WINDOW.saturating_sub(slot.1.elapsed()).as_secs().max(1))
        } else {
            Ok(())
        }
    }
}

/// A hash to check unknown users' passwords against, so their sign-in costs the same.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(b"not a password of anyone")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

impl Services {
    /// Signs in with a password and, once enrolled, a TOTP code.
    pub async fn sign_in(&self, request: &SignIn, client: &Actor) -> Result<SignedIn, ServiceError> {
        let name: String = request.email.trim().to_lowercase().chars().take(254).collect();
        let client_key = client.client_address.clone().unwrap_or_default();
        if let Err(retry_after_seconds) = self.sign_in_throttle.attempt_from(&client_key) {
            return Err(ServiceError::TooManyAttempts { retry_after_seconds });
        }
        let delay = self.sign_in_throttle.delay_for(&name, self.settings.failure_delay);
        let now = self.clock.now();
        let record = store::user_by_email(&self.db, &name).await?;
        let hash = record
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let password_ok = verify_password(request.password.clone(), hash).await;

        let accepted = match record {
            Some(mut user) => {
                let locked = user.locked_until.is_some_and(|until| until > now);
                let totp_step = if user.totp_enabled {
                    user.totp_secret
                        .as_deref()
                        .and_then(|s| TotpSecret::from_base32(s).ok())
                        .and_then(|secret| {
                            secret.verify(
                                request.totp_code.as_deref().unwrap_or(""),
                                now.timestamp(),
                                user.totp_last_step,
                            )
                        })
                } else {
                    None
                };
                let second_factor_ok = !user.totp_enabled || totp_step.is_some();
                if password_ok && second_factor_ok && !locked && !user.disabled {
                    user.failed_sign_ins = 0;
                    user.locked_until = None;
                    if totp_step.is_some() {
                        user.totp_last_step = totp_step;
                    }
                    Some(user)
                } else {
                    user.failed_sign_ins = user.failed_sign_ins.saturating_add(1);
                    if user.failed_sign_ins as u32 >= self.settings.lock_after_failures && !locked {
                        user.locked_until =
                            Some(now + chrono::Duration::from_std(self.settings.lock_duration).unwrap_or_default());
                        user.failed_sign_ins = 0;
                    }
                    let mut tx = self.db.begin().await?;
                    store::update_user_security(&mut tx, &user).await?;
                    tx.commit().await?;
                    self.audit_sign_in_failure(client, &name, Some(&user.id)).await?;
                    None
                }
            }
            None => {
                self.audit_sign_in_failure(client, &name, None).await?;
                None
            }
        };
        let Some(user) = accepted else {
            self.sign_in_throttle.failed(&name);
            tokio::time::sleep(delay).await;
            return Err(ServiceError::InvalidCredentials);
        };
        self.sign_in_throttle.succeeded(&name);

        let profile = user.user()?;
        let stage = if user.password_must_change {
            SessionStage::PasswordChange
        } else if profile.role.requires_second_factor() && !user.totp_enabled && !self.settings.demo {
            SessionStage::TotpEnrolment
        } else {
            SessionStage::Full
        };
        self.open_session(&user, profile, stage, client, "session.sign_in")
            .await
    }

    /// Starts a session for a user who has proved who they are, writing their sign-in state back.
    async fn open_session(
        &self,
        user: &UserRecord,
        profile: User,
        stage: SessionStage,
        client: &Actor,
        action: &str,
    ) -> Result<SignedIn, ServiceError> {
        let now = self.clock.now();
        let session_token = random_hex(32)?;
        let csrf_token = random_hex(32)?;
        let expires_at = now + chrono::Duration::from_std(self.settings.session_absolute_timeout).unwrap_or_default();
        let session = SessionRecord {
            token_hash: token_hash(&session_token),
            user_id: user.id.clone(),
            stage: stage.as_str().to_owned(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at,
            revoked_at: None,
            client_address: client.client_address.clone(),
        };
        let signed_in_actor = self.user_actor(&profile, client).await?;
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, user).await?;
        store::insert_session(&mut tx, &session).await?;
        audit::record_success(&mut tx, &signed_in_actor, action, Target::of("user", &user.id), now).await?;
        tx.commit().await?;
        Ok(SignedIn {
            session_token,
            csrf_token,
            stage,
            user: profile,
            expires_at,
        })
    }

    /// Starts a sign-in through the organisation's identity provider (OpenID Connect): the state,
    /// nonce and PKCE verifier, remembered for the callback.
    pub async fn begin_external_sign_in(&self) -> Result<PendingExternalSignIn, ServiceError> {
        let pending = PendingExternalSignIn {
            state: random_hex(32)?,
            nonce: random_hex(32)?,
            code_verifier: random_hex(32)?,
        };
        let mut tx = self.db.begin().await?;
        store::insert_oidc_login(
            &mut tx,
            &token_hash(&pending.state),
            &pending.nonce,
            &pending.code_verifier,
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(pending)
    }

    /// Takes the sign-in that `state` started, once, within 10 minutes: `(nonce, code_verifier)`.
    pub async fn resume_external_sign_in(&self, state: &str) -> Result<(String, String), ServiceError> {
        let mut tx = self.db.begin().await?;
        let taken = store::take_oidc_login(&mut tx, &token_hash(state)).await?;
        tx.commit().await?;
        match taken {
            Some((nonce, verifier, created_at)) if self.clock.now() - created_at < chrono::Duration::minutes(10) => {
                Ok((nonce, verifier))
            }
            _ => Err(ServiceError::InvalidCredentials),
        }
    }

    /// Signs in the person an identity provider vouched for: the user linked to its subject, or on
    /// first use the user with its verified e-mail (then linked). Roles that need a second factor
    /// need the provider to assert one (`amr`).
    pub async fn sign_in_external(
        &self,
        identity: &ExternalIdentity,
        client: &Actor,
    ) -> Result<SignedIn, ServiceError> {
        let subject = format!("{}|{}", identity.issuer, identity.subject);
        let linked = store::user_id_by_oidc_subject(&self.db, &subject).await?;
        let record = match &linked {
            Some(id) => store::user_by_id(&self.db, id).await?,
            None => match (&identity.email, identity.email_verified) {
                (Some(email), true) => store::user_by_email(&self.db, &email.trim().to_lowercase()).await?,
                _ => None,
            },
        };
        let Some(mut user) = record.filter(|u| !u.disabled) else {
            let name = identity.email.clone().unwrap_or_else(|| subject.clone());
            self.audit_sign_in_failure(client, &name, None).await?;
            return Err(ServiceError::InvalidCredentials);
        };
        let profile = user.user()?;
        if profile.role.requires_second_factor() && !identity.multi_factor {
            self.audit_sign_in_failure(client, &profile.email, Some(&user.id))
                .await?;
            return Err(ServiceError::Forbidden {
                code: "second_factor_required",
                message: "the identity provider did not confirm a second factor, which this role needs".into(),
            });
        }
        if linked.is_none() {
            let mut tx = self.db.begin().await?;
            store::link_oidc_subject(&mut tx, &user.id, &subject).await?;
            tx.commit().await?;
        }
        user.failed_sign_ins = 0;
        self.open_session(&user, profile, SessionStage::Full, client, "session.sign_in_oidc")
            .await
    }

    /// Records a sign-in through an identity provider that failed before a person was known (a bad
    /// or forged ID token, an unknown state), and gives the caller the answer to return.
    pub async fn external_sign_in_failed(&self, client: &Actor) -> ServiceError {
        match self.audit_sign_in_failure(client, "openid-connect", None).await {
            Ok(()) => ServiceError::InvalidCredentials,
            Err(error) => error,
        }
    }

    async fn audit_sign_in_failure(
        &self,
        client: &Actor,
        name: &str,
        user_id: Option<&str>,
    ) -> Result<(), ServiceError> {
        let target = match user_id {
            Some(id) => Target::of("user", id),
            None => Target::of("sign_in_name", name),
        };
        self.audit
            .record(vec![entry(
                client,
                "session.sign_in",
                target,
                Outcome::Failed,
                self.clock.now(),
            )])
            .await
    }

    /// The user and stage behind a session cookie; expired, idle, revoked or disabled is `Unauthenticated`.
    pub async fn session(&self, session_token: &str, request: &Actor) -> Result<(Actor, SessionInfo), ServiceError> {
        let hash = token_hash(session_token);
        let session = store::session(&self.db, &hash)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let now = self.clock.now();
        let idle = chrono::Duration::from_std(self.settings.session_idle_timeout).unwrap_or_default();
        if session.revoked_at.is_some() || session.expires_at <= now || session.last_seen_at + idle <= now {
            return Err(ServiceError::Unauthenticated);
        }
        let record = store::user_by_id(&self.db, &session.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if record.disabled {
            return Err(ServiceError::Unauthenticated);
        }
        // Touch at most once a minute, so that reading does not turn every request into a write.
        if now - session.last_seen_at > chrono::Duration::seconds(60) {
            store::touch_session(&self.db, &hash, now).await?;
        }
        let user = record.user()?;
        let actor = self.user_actor(&user, request).await?;
        let stage = SessionStage::parse(&session.stage).unwrap_or(SessionStage::PasswordChange);
        Ok((
            actor,
            SessionInfo {
                token_hash: hash,
                stage,
                csrf_token: session.csrf_token,
                user,
            },
        ))
    }

    /// The integration behind a bearer token; unknown, expired or revoked is `Unauthenticated`.
    pub async fn token_actor(&self, bearer: &str, request: &Actor) -> Result<Actor, ServiceError> {
        let token = store::token_by_hash(&self.db, &token_hash(bearer))
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if token.revoked_at.is_some() || token.expires_at <= self.clock.now() {
            return Err(ServiceError::Unauthenticated);
        }
        let organisation = self.organisation(&token.organisation_id).await?;
        Ok(Actor {
            id: token.id,
            display_name: token.name,
            kind: ActorKind::Token,
            role: Some(token.role),
            organisation_id: Some(organisation.id.clone()),
            jurisdiction: Some(organisation.jurisdiction()),
            purpose: request.purpose.clone(),
            request_id: request.request_id.clone(),
            client_address: request.client_address.clone(),
        })
    }

    async fn user_actor(&self, user: &User, request: &Actor) -> Result<Actor, ServiceError> {
        let organisation = self.organisation(&user.organisation_id).await?;
        Ok(Actor {
            id: user.id.clone(),
            display_name: user.display_name.clone(),
            kind: ActorKind::User,
            role: Some(user.role),
            organisation_id: Some(organisation.id.clone()),
            jurisdiction: Some(organisation.jurisdiction()),
            purpose: request.purpose.clone(),
            request_id: request.request_id.clone(),
            client_address: request.client_address.clone(),
        })
    }

    pub(crate) async fn organisation(&self, id: &str) -> Result<Organisation, ServiceError> {
        if let Some(cached) = self.organisations.read().ok().and_then(|cache| cache.get(id).cloned()) {
            return Ok(cached);
        }
        let organisation = store::organisation(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("organisation {id} is missing")))?;
        if let Ok(mut cache) = self.organisations.write() {
            cache.insert(id.to_owned(), organisation.clone());
        }
        Ok(organisation)
    }

    /// Remembers the interface language the signed-in person chose (`fi`, `sv` or `en`), so that it
    /// follows them to another browser.
    pub async fn set_ui_language(&self, session: &SessionInfo, language: &str) -> Result<(), ServiceError> {
        if !["fi", "sv", "en"].contains(&language) {
            return Err(ServiceError::field("language", "unknown_value", "fi, sv or en"));
        }
        let mut tx = self.db.begin().await?;
        store::set_ui_language(&mut tx, &session.user.id, language).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The interface language a user chose, if any.
    pub async fn ui_language(&self, user_id: &str) -> Result<Option<String>, ServiceError> {
        Ok(store::ui_language(&self.db, user_id).await?)
    }

    /// Ends this session, or with `everywhere` every session of the user.
    pub async fn sign_out(&self, actor: &Actor, session: &SessionInfo, everywhere: bool) -> Result<u64, ServiceError> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let ended = if everywhere {
            store::revoke_sessions(&mut tx, None, Some(&session.user.id), now).await?
        } else {
            store::revoke_sessions(&mut tx, Some(&session.token_hash), None, now).await?
        };
        let action = if everywhere {
            "session.sign_out_everywhere"
        } else {
            "session.sign_out"
        };
        audit::record_success(&mut tx, actor, action, Target::of("user", &session.user.id), now).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Replaces the password; the current one must be given. Other sessions of the user end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        session: &SessionInfo,
        current_password: &str,
        new_password: &str,
    ) -> Result<SessionStage, ServiceError> {
        check_new_password(new_password)?;
        let mut record = store::user_by_id(&self.db, &session.user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if !verify_password(current_password.to_owned(), record.password_hash.clone()).await {
            return Err(ServiceError::field(
                "current_password",
                "wrong_password",
                "the current password is wrong",
            ));
        }
        record.password_hash = hash_password(new_password.to_owned()).await?;
        record.password_must_change = false;
        let stage = next_stage(&record, session.user.role);
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        store::revoke_other_sessions(&mut tx, &record.id, &session.token_hash, now).await?;
        store::set_session_stage(&mut tx, &session.token_hash, stage.as_str()).await?;
        audit::record_success(
            &mut tx,
            actor,
            "user.password_change",
            Target::of("user", &record.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(stage)
    }

    /// Starts TOTP enrolment: a new secret, not yet in force until [`Self::confirm_totp`].
    pub async fn start_totp_enrolment(&self, session: &SessionInfo) -> Result<TotpEnrolment, ServiceError> {
        self.totp_enrolment(session, false).await
    }

    /// The enrolment begun and not yet confirmed, or a new one: a page shown again (reloaded, or
    /// after a mistyped code) keeps the QR code the person may already have scanned.
    pub async fn pending_totp_enrolment(&self, session: &SessionInfo) -> Result<TotpEnrolment, ServiceError> {
        self.totp_enrolment(session, true).await
    }

    async fn totp_enrolment(&self, session: &SessionInfo, reuse_pending: bool) -> Result<TotpEnrolment, ServiceError> {
        if session.stage == SessionStage::PasswordChange {
            return Err(ServiceError::Forbidden {
                code: "sign_in_incomplete",
                message: "choose a new password first".into(),
            });
        }
        let mut record = store::user_by_id(&self.db, &session.user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if record.totp_enabled {
            return Err(ServiceError::Forbidden {
                code: "totp_already_enrolled",
                message: "two-factor sign-in is already enrolled".into(),
            });
        }
        if reuse_pending
            && let Some(pending) = record
                .totp_secret
                .as_deref()
                .and_then(|s| TotpSecret::from_base32(s).ok())
        {
            return Ok(TotpEnrolment {
                secret: pending.to_base32(),
                provisioning_uri: pending.provisioning_uri(&self.settings.totp_issuer, &record.email),
            });
        }
        let secret = TotpSecret::from_bytes(random_bytes(20)?).map_err(|e| ServiceError::Internal(e.to_string()))?;
        record.totp_secret = Some(secret.to_base32());
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(TotpEnrolment {
            secret: secret.to_base32(),
            provisioning_uri: secret.provisioning_uri(&self.settings.totp_issuer, &record.email),
        })
    }

    /// Confirms TOTP enrolment with a code from the app; from then on sign-in needs a code.
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        session: &SessionInfo,
        code: &str,
    ) -> Result<SessionStage, ServiceError> {
        let mut record = store::user_by_id(&self.db, &session.user.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let secret = record
            .totp_secret
            .as_deref()
            .and_then(|s| TotpSecret::from_base32(s).ok())
            .ok_or_else(|| ServiceError::field("code", "not_enrolling", "start the enrolment first"))?;
        let now = self.clock.now();
        let step = secret
            .verify(code, now.timestamp(), record.totp_last_step)
            .ok_or_else(|| ServiceError::field("code", "wrong_code", "the code does not match"))?;
        record.totp_enabled = true;
        record.totp_last_step = Some(step);
        let stage = next_stage(&record, session.user.role);
        let mut tx = self.db.begin().await?;
        store::update_user_security(&mut tx, &record).await?;
        store::set_session_stage(&mut tx, &session.token_hash, stage.as_str()).await?;
        audit::record_success(&mut tx, actor, "user.totp_enrol", Target::of("user", &record.id), now).await?;
        tx.commit().await?;
        Ok(stage)
    }
}

fn next_stage(record: &UserRecord, role: Role) -> SessionStage {
    if record.password_must_change {
        SessionStage::PasswordChange
    } else if role.requires_second_factor() && !record.totp_enabled {
        SessionStage::TotpEnrolment
    } else {
        SessionStage::Full
    }
}
