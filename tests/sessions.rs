//! Signing in as a person: one-time password, new password, TOTP enrolment, CSRF, timeouts, lockout.

use kotopolku_domain::access::Role;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::NewUser;
use kotopolku_domain::totp::TotpSecret;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, Reply, TestApp, client_with_token, test_now};

on_both_backends!(
    a_new_caseworker_signs_in_changes_password_and_enrols_totp,
    administrators_need_a_second_factor_and_analysts_do_not,
    every_failed_sign_in_gets_the_same_answer_and_accounts_lock,
    sessions_end_when_idle_at_their_limit_and_everywhere,
    a_supervisor_resets_a_forgotten_password_and_a_lost_second_factor,
);

/// A browser-like client: it sends the session cookie and, when given, the CSRF token.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: client_with_token(None),
            cookie: None,
            csrf: None,
        }
    }

    async fn send(&mut self, method: reqwest::Method, path: &str, body: Option<&Value>, csrf: bool) -> Reply {
        let mut request = self.client.request(method, self.app.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("kotopolku_session={cookie}"));
        }
        if csrf && let Some(token) = &self.csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = Reply::from_response(request.send().await.expect("request")).await;
        if let Some(set) = reply.headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
            let value = set
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
                .map(|(_, v)| v.to_owned());
            self.cookie = value.filter(|v| !v.is_empty());
        }
        if let Some(token) = reply.body["csrf_token"].as_str() {
            self.csrf = Some(token.to_owned());
        }
        reply
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, false).await
    }

    async fn post(&mut self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), true).await
    }

    async fn sign_in(&mut self, email: &str, password: &str, code: Option<String>) -> Reply {
        let body = json!({"email": email, "password": password, "totp_code": code});
        self.send(reqwest::Method::POST, "/api/v1/auth/sign-in", Some(&body), false)
            .await
    }
}

async fn new_caseworker(app: &TestApp, email: &str) -> String {
    let created = app
        .services
        .create_user(
            &Actor::system(),
            &NewUser {
                email: email.into(),
                display_name: "Maija Meikäläinen".into(),
                organisation_id: app.directory.unit_a.clone(),
                role: Role::Caseworker,
            },
        )
        .await
        .expect("user");
    created.one_time_password
}

fn code_now(secret: &str, offset_seconds: i64) -> String {
    TotpSecret::from_base32(secret)
        .expect("secret")
        .code_at(test_now().timestamp() + offset_seconds)
}

/// Signs a new caseworker all the way in; returns the browser and the TOTP secret.
async fn enrolled<'a>(app: &'a TestApp, email: &str) -> (Browser<'a>, String) {
    let one_time = new_caseworker(app, email).await;
    let mut browser = Browser::new(app);
    browser.sign_in(email, &one_time, None).await;
    browser
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": one_time, "new_password": "pitkä ja hyvä salasana"}),
        )
        .await;
    let secret = browser.post("/api/v1/auth/totp/enrol", &json!({})).await.body["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let reply = browser
        .post("/api/v1/auth/totp/confirm", &json!({"code": code_now(&secret, 0)}))
        .await;
    assert_eq!(reply.body["stage"], "full", "{}", reply.body);
    (browser, secret)
}

async fn a_new_caseworker_signs_in_changes_password_and_enrols_totp(app: &TestApp) {
    let one_time = new_caseworker(app, "maija@example.org").await;
    let mut browser = Browser::new(app);
    let reply = browser.sign_in("Maija@Example.org", &one_time, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["stage"], "password_change");
    let cookie = reply
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // Until sign-in is complete, no personal data.
    browser
        .get("/api/v1/customers")
        .await
        .assert_problem(403, "sign_in_incomplete");

    // A state change without the CSRF token is refused.
    let change = json!({"current_password": one_time, "new_password": "pitkä ja hyvä salasana"});
    browser
        .send(reqwest::Method::POST, "/api/v1/auth/password", Some(&change), false)
        .await
        .assert_problem(403, "csrf_token_invalid");
    let fields = browser
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": one_time, "new_password": "lyhyt"}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["new_password"]);
    let reply = browser.post("/api/v1/auth/password", &change).await;
    assert_eq!(reply.body["stage"], "totp_enrolment", "{}", reply.body);
    browser
        .get("/api/v1/customers")
        .await
        .assert_problem(403, "sign_in_incomplete");

    let enrolment = browser.post("/api/v1/auth/totp/enrol", &json!({})).await;
    assert_eq!(enrolment.status, 200, "{}", enrolment.body);
    let secret = enrolment.body["secret"].as_str().expect("secret").to_owned();
    assert!(
        enrolment.body["provisioning_uri"]
            .as_str()
            .is_some_and(|uri| uri.starts_with("otpauth://totp/Kotopolku:maija%40example.org?secret="))
    );
    let fields = browser
        .post("/api/v1/auth/totp/confirm", &json!({"code": "000000"}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["code"]);
    let reply = browser
        .post("/api/v1/auth/totp/confirm", &json!({"code": code_now(&secret, 0)}))
        .await;
    assert_eq!(reply.body["stage"], "full", "{}", reply.body);

    // Now the caseworker works: reading without CSRF, changing with it.
    assert_eq!(browser.get("/api/v1/customers").await.status, 200);
    let customer = json!({"family_name": "Uusi", "given_names": "Asiakas", "birth_date": "1990-01-01",
        "municipality_code": "091", "customership_start": "2026-01-01"});
    browser
        .send(reqwest::Method::POST, "/api/v1/customers", Some(&customer), false)
        .await
        .assert_problem(403, "csrf_token_invalid");
    assert_eq!(browser.post("/api/v1/customers", &customer).await.status, 201);

    // Signing out ends the session.
    assert_eq!(browser.post("/api/v1/auth/sign-out", &json!({})).await.status, 204);
    assert!(browser.cookie.is_none());
    browser
        .get("/api/v1/customers")
        .await
        .assert_problem(401, "unauthenticated");

    // From now on sign-in needs a code; the code already used is not accepted twice.
    let password = "pitkä ja hyvä salasana";
    browser
        .sign_in("maija@example.org", password, None)
        .await
        .assert_problem(401, "invalid_credentials");
    browser
        .sign_in("maija@example.org", password, Some(code_now(&secret, 0)))
        .await
        .assert_problem(401, "invalid_credentials");
    app.clock.set(test_now() + chrono::Duration::seconds(30));
    let reply = browser
        .sign_in("maija@example.org", password, Some(code_now(&secret, 30)))
        .await;
    assert_eq!(reply.body["stage"], "full", "{}", reply.body);
    assert_eq!(
        browser.get("/api/v1/auth/session").await.body["user"]["email"],
        "maija@example.org"
    );
}

async fn every_failed_sign_in_gets_the_same_answer_and_accounts_lock(app: &TestApp) {
    let (mut browser, secret) = enrolled(app, "lukko@example.org").await;
    let password = "pitkä ja hyvä salasana";
    let mut answers = Vec::new();
    for (email, password, code) in [
        ("lukko@example.org", "väärä salasana", Some(code_now(&secret, 0))),
        ("lukko@example.org", password, Some("123456".to_owned())),
        ("ei.ole@example.org", password, None),
    ] {
        let mut reply = browser.sign_in(email, password, code).await;
        // Each answer names its own request; everything else must be the same.
        assert!(reply.body["request_id"].is_string());
        reply.body["request_id"].take();
        answers.push((reply.status, reply.body.to_string()));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0].0, 401);

    // Five failures in a row lock the account: even the right password and code are refused.
    for _ in 0..3 {
        browser.sign_in("lukko@example.org", "väärä salasana", None).await;
    }
    app.clock.set(test_now() + chrono::Duration::seconds(60));
    browser
        .sign_in("lukko@example.org", password, Some(code_now(&secret, 60)))
        .await
        .assert_problem(401, "invalid_credentials");
    // After the lock time it opens again.
    app.clock.set(test_now() + chrono::Duration::minutes(16));
    let reply = browser
        .sign_in("lukko@example.org", password, Some(code_now(&secret, 16 * 60)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Every failure is in the audit log.
    app.services.audit_sink().flush().await.expect("flush");
    let failures = kotopolku_store::audit::query(
        &app.database.db,
        &kotopolku_store::audit::AuditFilter {
            action: Some("session.sign_in".into()),
            outcome: Some("failed".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(failures.len(), 7);
}

async fn sessions_end_when_idle_at_their_limit_and_everywhere(app: &TestApp) {
    let (mut first, secret) = enrolled(app, "istunto@example.org").await;
    assert_eq!(first.get("/api/v1/customers").await.status, 200);
    // 29 minutes idle is fine, and using the session keeps it alive; 31 idle minutes end it.
    app.clock.set(test_now() + chrono::Duration::minutes(29));
    assert_eq!(first.get("/api/v1/customers").await.status, 200);
    app.clock.set(test_now() + chrono::Duration::minutes(29 + 31));
    first
        .get("/api/v1/customers")
        .await
        .assert_problem(401, "unauthenticated");

    // However busy, a session ends 12 hours after sign-in.
    let password = "pitkä ja hyvä salasana";
    let start = 60 * 60;
    app.clock.set(test_now() + chrono::Duration::seconds(start));
    let reply = first
        .sign_in("istunto@example.org", password, Some(code_now(&secret, start)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Used every 20 minutes, it is never idle for long.
    for step in 1..36 {
        app.clock
            .set(test_now() + chrono::Duration::seconds(start + step * 20 * 60));
        assert_eq!(
            first.get("/api/v1/customers").await.status,
            200,
            "after {} minutes",
            step * 20
        );
    }
    app.clock.set(test_now() + chrono::Duration::seconds(start + 12 * 3600));
    first
        .get("/api/v1/customers")
        .await
        .assert_problem(401, "unauthenticated");

    // Signing out everywhere ends the other browser's session too.
    let later = start + 13 * 3600;
    app.clock.set(test_now() + chrono::Duration::seconds(later));
    first
        .sign_in("istunto@example.org", password, Some(code_now(&secret, later)))
        .await;
    let mut second = Browser::new(app);
    app.clock.set(test_now() + chrono::Duration::seconds(later + 30));
    let reply = second
        .sign_in("istunto@example.org", password, Some(code_now(&secret, later + 30)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        second.post("/api/v1/auth/sign-out-everywhere", &json!({})).await.status,
        204
    );
    first
        .get("/api/v1/customers")
        .await
        .assert_problem(401, "unauthenticated");
}

async fn administrators_need_a_second_factor_and_analysts_do_not(app: &TestApp) {
    for (email, organisation, role, stage) in [
        (
            "admin@example.org",
            &app.directory.operator,
            Role::Admin,
            "totp_enrolment",
        ),
        (
            "analyst@example.org",
            &app.directory.national,
            Role::NationalAnalyst,
            "full",
        ),
    ] {
        let created = app
            .services
            .create_user(
                &Actor::system(),
                &NewUser {
                    email: email.into(),
                    display_name: email.into(),
                    organisation_id: organisation.clone(),
                    role,
                },
            )
            .await
            .expect("user");
        let mut browser = Browser::new(app);
        browser.sign_in(email, &created.one_time_password, None).await;
        let reply = browser
            .post(
                "/api/v1/auth/password",
                &json!({"current_password": created.one_time_password, "new_password": "pitkä ja hyvä salasana"}),
            )
            .await;
        assert_eq!(reply.body["stage"], stage, "{email}: {}", reply.body);
    }
}

/// A caseworker who forgot their password and lost their phone gets back in through their
/// supervisor: a one-time password, a password of their own, a new second factor. Whoever held
/// their old session or password is out; another unit's supervisor cannot do it.
async fn a_supervisor_resets_a_forgotten_password_and_a_lost_second_factor(app: &TestApp) {
    let email = "unohtui@example.org";
    let password = "pitkä ja hyvä salasana";
    let (mut old_browser, old_secret) = enrolled(app, email).await;
    let users = app.get_as(As::SupervisorA, "/api/v1/users").await;
    let id = users
        .body
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email"] == email)
        .expect("listed")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let reset = format!("/api/v1/users/{id}/reset-sign-in");

    app.post_as(As::SupervisorB, &reset, &json!({"second_factor": true}))
        .await
        .assert_problem(404, "not_found");
    let fields = app
        .post_as(As::SupervisorA, &reset, &json!({"second_factr": true}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["second_factr"]);
    let still = old_browser.get("/api/v1/auth/session").await;
    assert_eq!(still.status, 200, "refused resets change nothing: {}", still.body);

    let reply = app
        .post_as(As::SupervisorA, &reset, &json!({"second_factor": true}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["user"]["totp_enabled"], false);
    let one_time = reply.body["one_time_password"].as_str().expect("password").to_owned();
    assert_eq!(one_time.len(), 24);

    old_browser
        .get("/api/v1/auth/session")
        .await
        .assert_problem(401, "unauthenticated");
    let mut browser = Browser::new(app);
    browser
        .sign_in(email, password, Some(code_now(&old_secret, 0)))
        .await
        .assert_problem(401, "invalid_credentials");
    let reply = browser.sign_in(email, &one_time, None).await;
    assert_eq!(reply.body["stage"], "password_change", "{}", reply.body);
    let reply = browser
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": one_time, "new_password": "uusi pitkä salasana"}),
        )
        .await;
    assert_eq!(
        reply.body["stage"], "totp_enrolment",
        "a new second factor: {}",
        reply.body
    );
    let secret = browser.post("/api/v1/auth/totp/enrol", &json!({})).await.body["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(secret, old_secret);
    let reply = browser
        .post("/api/v1/auth/totp/confirm", &json!({"code": code_now(&secret, 0)}))
        .await;
    assert_eq!(reply.body["stage"], "full", "{}", reply.body);

    // Disabled and enabled again: signing in works as before, with the same password and factor.
    let disabled = app
        .post_as(As::SupervisorA, &format!("/api/v1/users/{id}/disable"), &json!({}))
        .await;
    assert_eq!(disabled.body["disabled"], true, "{}", disabled.body);
    app.post_as(As::SupervisorB, &format!("/api/v1/users/{id}/enable"), &json!({}))
        .await
        .assert_problem(404, "not_found");
    let enabled = app
        .post_as(As::SupervisorA, &format!("/api/v1/users/{id}/enable"), &json!({}))
        .await;
    assert_eq!(enabled.body["disabled"], false, "{}", enabled.body);
    let reply = Browser::new(app)
        .sign_in(email, "uusi pitkä salasana", Some(code_now(&secret, 30)))
        .await;
    assert_eq!(reply.body["stage"], "full", "{}", reply.body);

    app.services.audit_sink().flush().await.expect("flush");
    for action in [
        "user.reset_password",
        "user.reset_second_factor",
        "user.disable",
        "user.enable",
    ] {
        let rows = kotopolku_store::audit::query(
            &app.database.db,
            &kotopolku_store::audit::AuditFilter {
                action: Some(action.into()),
                outcome: Some("success".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        assert!(
            rows.iter()
                .any(|row| row.entry.target_id.as_deref() == Some(id.as_str())),
            "{action} of the user is in the audit log"
        );
    }
}
