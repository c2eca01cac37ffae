//! Sign-in through an organisation's identity provider (OpenID Connect), against a small provider of
//! our own on a loopback port that signs ID tokens with a synthetic test key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kotopolku_domain::access::Role;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::NewUser;
use kotopolku_store::Backend;
use kotopolku_web::oidc::OidcConfig;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Reply, TestApp, client_with_token, test_now};

const CLIENT_ID: &str = "kotopolku-test";
const CLIENT_SECRET: &str = "test-secret-not-real";

/// What the provider will put in the ID token for an authorization code, and the PKCE challenge.
struct Grant {
    claims: Value,
    challenge: String,
    alg: &'static str,
    tamper: bool,
}

#[derive(Clone)]
struct Provider {
    issuer: String,
    key: Arc<RsaKeyPair>,
    grants: Arc<Mutex<HashMap<String, Grant>>>,
}

impl Provider {
    async fn start() -> (Self, tokio::task::JoinHandle<()>) {
        let key = RsaKeyPair::from_pkcs8(include_bytes!("fixtures/oidc-test-key.pk8")).expect("test key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let provider = Provider {
            issuer,
            key: Arc::new(key),
            grants: Arc::default(),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(provider.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (provider, task)
    }

    /// Issues an authorization code for `claims` (as the provider would after the person signed in).
    fn authorize(&self, claims: Value, challenge: &str, alg: &'static str, tamper: bool) -> String {
        let code = format!("code-{}", uuid::Uuid::new_v4().simple());
        self.grants.lock().expect("lock").insert(
            code.clone(),
            Grant {
                claims,
                challenge: challenge.to_owned(),
                alg,
                tamper,
            },
        );
        code
    }

    fn sign(&self, claims: &Value, alg: &str, tamper: bool) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "test-key", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{payload}");
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .expect("sign");
        let payload = if tamper {
            // Someone turns a token of an unknown subject into one of a linked user after signing:
            // only the signature check stands between them and a session.
            let mut changed = claims.clone();
            changed["sub"] = json!("idp-123");
            URL_SAFE_NO_PAD.encode(changed.to_string())
        } else {
            payload
        };
        format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

async fn discovery(State(provider): State<Provider>) -> Json<Value> {
    Json(json!({
        "issuer": provider.issuer,
        "authorization_endpoint": format!("{}/authorize", provider.issuer),
        "token_endpoint": format!("{}/token", provider.issuer),
        "jwks_uri": format!("{}/jwks", provider.issuer),
    }))
}

async fn jwks(State(provider): State<Provider>) -> Json<Value> {
    let public = provider.key.public_key();
    Json(json!({"keys": [{
        "kty": "RSA", "kid": "test-key", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    }]}))
}

async fn token(
    State(provider): State<Provider>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Json<Value>, axum::http::StatusCode> {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if field("grant_type") != "authorization_code"
        || field("client_id") != CLIENT_ID
        || field("client_secret") != CLIENT_SECRET
    {
        return Err(axum::http::StatusCode::UNAUTHORIZED);
    }
    let grant = provider
        .grants
        .lock()
        .expect("lock")
        .remove(&field("code"))
        .ok_or(axum::http::StatusCode::BAD_REQUEST)?;
    // PKCE: the verifier must hash to the challenge of the authorization request.
    if URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes())) != grant.challenge {
        return Err(axum::http::StatusCode::BAD_REQUEST);
    }
    Ok(Json(
        json!({"id_token": provider.sign(&grant.claims, grant.alg, grant.tamper), "token_type": "Bearer"}),
    ))
}

/// A client that shows redirects instead of following them, as a test of a browser's next step.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Starts a sign-in at Kotopolku; returns the state, nonce and PKCE challenge it sent the provider.
async fn start(app: &TestApp, provider: &Provider) -> (String, String, String) {
    let response = no_redirects()
        .get(app.url("/api/v1/auth/oidc/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(response.status().as_u16(), 303);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    assert!(
        location.starts_with(&format!("{}/authorize?", provider.issuer)),
        "{location}"
    );
    let url = reqwest::Url::parse(&location).expect("url");
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    (
        query["state"].clone(),
        query["nonce"].clone(),
        query["code_challenge"].clone(),
    )
}

/// The whole sign-in with the claims the provider asserts (`nonce` is filled in unless given).
async fn sign_in(
    app: &TestApp,
    provider: &Provider,
    mut claims: Value,
    alg: &'static str,
    tamper: bool,
) -> (u16, Option<String>, Value) {
    let (state, nonce, challenge) = start(app, provider).await;
    if claims.get("nonce").is_none() {
        claims["nonce"] = json!(nonce);
    }
    let code = provider.authorize(claims, &challenge, alg, tamper);
    callback(app, &code, &state).await
}

async fn callback(app: &TestApp, code: &str, state: &str) -> (u16, Option<String>, Value) {
    let response = no_redirects()
        .get(app.url(&format!("/api/v1/auth/oidc/callback?code={code}&state={state}")))
        .send()
        .await
        .expect("callback");
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let body = response.json().await.unwrap_or(Value::Null);
    (status, cookie, body)
}

fn claims(provider: &Provider, sub: &str, email: &str, verified: bool, amr: &[&str]) -> Value {
    let now = test_now().timestamp();
    json!({
        "iss": provider.issuer, "sub": sub, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
        "email": email, "email_verified": verified, "amr": amr,
    })
}

async fn signs_in_with_the_organisations_identity_provider(backend: Backend) {
    let (provider, provider_task) = Provider::start().await;
    let app = TestApp::start_with_oidc(
        backend,
        OidcConfig {
            issuer: provider.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_url: "http://127.0.0.1/api/v1/auth/oidc/callback".into(),
        },
    )
    .await;
    for (email, role) in [
        ("maija@example.org", Role::Caseworker),
        ("analyytikko@example.org", Role::NationalAnalyst),
    ] {
        let organisation = if role == Role::Caseworker {
            app.directory.unit_a.clone()
        } else {
            app.directory.national.clone()
        };
        app.services
            .create_user(
                &Actor::system(),
                &NewUser {
                    email: email.into(),
                    display_name: email.into(),
                    organisation_id: organisation,
                    role,
                },
            )
            .await
            .expect("user");
    }

    // First sign-in: matched by verified e-mail, the provider confirmed a second factor.
    let (status, cookie, body) = sign_in(
        &app,
        &provider,
        claims(&provider, "idp-123", "Maija@Example.org", true, &["pwd", "mfa"]),
        "RS256",
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let cookie = cookie.expect("session cookie");
    let session = Reply::from_response(
        client_with_token(None)
            .get(app.url("/api/v1/auth/session"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("session"),
    )
    .await;
    assert_eq!(session.body["user"]["email"], "maija@example.org", "{}", session.body);
    assert_eq!(session.body["stage"], "full");

    // Later: found by subject, even if the e-mail at the provider changed.
    let (status, _, body) = sign_in(
        &app,
        &provider,
        claims(&provider, "idp-123", "maija.uusi@example.org", false, &["mfa"]),
        "RS256",
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");

    // Every forgery and mismatch is refused the same way, and sets no cookie.
    let mut wrong_nonce = claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]);
    wrong_nonce["nonce"] = json!("not-this-sign-in");
    let mut wrong_audience = claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]);
    wrong_audience["aud"] = json!("another-client");
    let mut expired = claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]);
    expired["exp"] = json!(test_now().timestamp() - 3600);
    let mut other_issuer = claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]);
    other_issuer["iss"] = json!("https://evil.example");
    let cases: Vec<(&str, Value, &'static str, bool)> = vec![
        ("nonce", wrong_nonce, "RS256", false),
        ("audience", wrong_audience, "RS256", false),
        ("expired", expired, "RS256", false),
        ("issuer", other_issuer, "RS256", false),
        (
            "tampered",
            claims(&provider, "idp-777", "stranger@example.org", false, &["mfa"]),
            "RS256",
            true,
        ),
        (
            "alg none",
            claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]),
            "none",
            false,
        ),
        (
            "unverified e-mail",
            claims(&provider, "idp-999", "maija@example.org", false, &["mfa"]),
            "RS256",
            false,
        ),
        (
            "unknown person",
            claims(&provider, "idp-998", "nobody@example.org", true, &["mfa"]),
            "RS256",
            false,
        ),
    ];
    for (case, claims, alg, tamper) in cases {
        let (status, cookie, body) = sign_in(&app, &provider, claims, alg, tamper).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["code"], "invalid_credentials", "{case}");
        assert!(cookie.is_none(), "{case}");
    }

    // A state is good for one sign-in only.
    let (state, nonce, challenge) = start(&app, &provider).await;
    let mut replay = claims(&provider, "idp-123", "maija@example.org", true, &["mfa"]);
    replay["nonce"] = json!(nonce);
    let code = provider.authorize(replay.clone(), &challenge, "RS256", false);
    assert_eq!(callback(&app, &code, &state).await.0, 303);
    let code = provider.authorize(replay, &challenge, "RS256", false);
    assert_eq!(callback(&app, &code, &state).await.0, 401);

    // A caseworker needs the provider to confirm a second factor; an analyst does not.
    let (status, _, body) = sign_in(
        &app,
        &provider,
        claims(&provider, "idp-123", "maija@example.org", true, &["pwd"]),
        "RS256",
        false,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "second_factor_required");
    let (status, _, body) = sign_in(
        &app,
        &provider,
        claims(&provider, "idp-555", "analyytikko@example.org", true, &["pwd"]),
        "RS256",
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");

    // Without configuration the routes say so.
    let plain = TestApp::start(backend).await;
    let reply = plain.get("/api/v1/auth/oidc/start").await;
    reply.assert_problem(404, "oidc_not_configured");
    plain.finish().await;
    app.finish().await;
    provider_task.abort();
}

#[tokio::test]
async fn signs_in_with_the_organisations_identity_provider_sqlite() {
    signs_in_with_the_organisations_identity_provider(Backend::Sqlite).await;
}

#[tokio::test]
async fn signs_in_with_the_organisations_identity_provider_postgres() {
    signs_in_with_the_organisations_identity_provider(Backend::Postgres).await;
}
