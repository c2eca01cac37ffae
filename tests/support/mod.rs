//! The test harness: a real server on a loopback port over a real database, SQLite or PostgreSQL.

pub mod server;

use std::path::PathBuf;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::NewOrganisation;
use kotopolku_service::{Clock, SecuritySettings, Services};
use kotopolku_store::{Backend, Database};
use kotopolku_web::Limits;
use serde_json::Value;

/// Where PostgreSQL tests connect; each test gets a schema of its own there.
pub fn postgres_url() -> String {
    std::env::var("KOTOPOLKU_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The instant the tests' clock starts at: 2026-06-15 12:00 Helsinki summer time.
pub fn test_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-15T09:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .expect("valid time")
}

/// A fresh, migrated, empty database that is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    pub db: Database,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema(String),
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        let db = Self::empty(backend).await;
        db.db.migrate().await.expect("migrate test database");
        db
    }

    /// A database with no tables at all, for tests of migration itself.
    pub async fn empty(backend: Backend) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("kotopolku-test-{tag}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres => {
                let created = chrono::Utc::now().timestamp();
                let schema = format!("kp_test_{created}_{}", &tag[..12]);
                let admin = admin_pool().await;
                remove_stale_schemas(&admin, created).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&admin)
                    .await
                    .expect("create test schema");
                admin.close().await;
                let separator = if postgres_url().contains('?') { '&' } else { '?' };
                (
                    format!("{}{separator}options=-c%20search_path%3D{schema}", postgres_url()),
                    Cleanup::Schema(schema),
                )
            }
        };
        let db = Database::connect(&url).await.expect("connect to test database");
        Self { url, db, cleanup }
    }
}

impl TestDatabase {
    /// Closes the pool and removes the database. (Dropping without `finish`, as a failed test does,
    /// leaves a PostgreSQL schema behind; the next run removes schemas over an hour old.)
    pub async fn finish(self) {
        self.db.close().await;
        if let Cleanup::Schema(schema) = &self.cleanup {
            let admin = admin_pool().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .expect("drop test schema");
            admin.close().await;
        }
    }
}

async fn admin_pool() -> sqlx::PgPool {
    match Database::connect(&postgres_url()).await {
        Ok(Database::Postgres(pool)) => pool,
        Ok(_) => panic!("KOTOPOLKU_TEST_POSTGRES_URL is not a PostgreSQL URL"),
        Err(error) => panic!("PostgreSQL must be reachable at KOTOPOLKU_TEST_POSTGRES_URL (see README): {error}"),
    }
}

/// Drops test schemas that earlier, failed runs left behind (named `kp_test_{unix time}_{random}`).
async fn remove_stale_schemas(admin: &sqlx::PgPool, now: i64) {
    let schemas: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'kp\\_test\\_%'")
            .fetch_all(admin)
            .await
            .unwrap_or_default();
    for schema in schemas {
        let created: Option<i64> = schema.split('_').nth(2).and_then(|t| t.parse().ok());
        if created.is_some_and(|created| now - created > 3600) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                .execute(admin)
                .await;
        }
    }
}

impl TestDatabase {
    /// Where a server on this database keeps its read journal by default, as the binary does:
    /// beside a SQLite file, none on PostgreSQL.
    pub fn audit_journal(&self) -> Option<PathBuf> {
        match &self.cleanup {
            Cleanup::File(path) => Some(PathBuf::from(format!("{}-audit-journal", path.display()))),
            Cleanup::Schema(_) => None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::File(path) = &self.cleanup {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let _ = std::fs::remove_dir_all(format!("{}-audit-journal", path.display()));
        }
    }
}

/// The organisations every test starts with.
pub struct Directory {
    /// Integration unit A serves Helsinki (091) and Espoo (049).
    pub unit_a: String,
    /// Integration unit B serves Vantaa (092).
    pub unit_b: String,
    /// Helsinki's wellbeing services county (90).
    pub county: String,
    pub regional_centre: String,
    pub national: String,
    pub operator: String,
}

/// Who a request is made as: each has an API token of its organisation and role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum As {
    CaseworkerA,
    SupervisorA,
    CaseworkerB,
    SupervisorB,
    CountyWorker,
    RegionalOfficer,
    NationalAnalyst,
    Admin,
}

impl As {
    pub const ALL: [As; 8] = [
        As::CaseworkerA,
        As::SupervisorA,
        As::CaseworkerB,
        As::SupervisorB,
        As::CountyWorker,
        As::RegionalOfficer,
        As::NationalAnalyst,
        As::Admin,
    ];

    pub fn role(self) -> Option<Role> {
        match self {
            As::CaseworkerA | As::CaseworkerB => Some(Role::Caseworker),
            As::SupervisorA | As::SupervisorB => Some(Role::Supervisor),
            As::CountyWorker => Some(Role::CountyWorker),
            As::RegionalOfficer => Some(Role::RegionalOfficer),
            As::NationalAnalyst => Some(Role::NationalAnalyst),
            As::Admin => Some(Role::Admin),
        }
    }
}

/// A running server and an HTTP client for it.
pub struct TestApp {
    pub base: String,
    /// Sends requests as caseworker A.
    pub client: reqwest::Client,
    pub clock: Clock,
    pub database: TestDatabase,
    pub services: Services,
    pub directory: Directory,
    /// The figures the server's `/metrics` shows (for serving them on a listener of their own).
    pub metrics: kotopolku_web::metrics::Metrics,
    tokens: HashMap<As, String>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        let settings = SecuritySettings {
            // Growing delays after failed sign-ins are tested for their growth, not their length.
            failure_delay: std::time::Duration::from_millis(2),
            ..SecuritySettings::default()
        };
        Self::start_with(backend, settings).await
    }

    pub async fn start_with(backend: Backend, settings: SecuritySettings) -> Self {
        Self::start_configured(backend, settings, None, Limits::default()).await
    }

    /// With other limits on requests (time, body size, how many at once).
    pub async fn start_with_limits(backend: Backend, limits: Limits) -> Self {
        let settings = SecuritySettings {
            failure_delay: std::time::Duration::from_millis(2),
            ..SecuritySettings::default()
        };
        Self::start_configured(backend, settings, None, limits).await
    }

    /// With sign-in through an identity provider.
    pub async fn start_with_oidc(backend: Backend, oidc: kotopolku_web::oidc::OidcConfig) -> Self {
        let settings = SecuritySettings {
            failure_delay: std::time::Duration::from_millis(2),
            ..SecuritySettings::default()
        };
        Self::start_configured(backend, settings, Some(oidc), Limits::default()).await
    }

    async fn start_configured(
        backend: Backend,
        settings: SecuritySettings,
        oidc: Option<kotopolku_web::oidc::OidcConfig>,
        limits: Limits,
    ) -> Self {
        let database = TestDatabase::new(backend).await;
        let clock = Clock::fixed(test_now());
        let services = Services::with_settings(database.db.clone(), clock.clone(), settings);
        let services = match database.audit_journal() {
            Some(dir) => services.with_audit_journal(&dir).await.expect("open the audit journal"),
            None => services,
        };
        let system = Actor::system();
        let org = |kind: OrganisationKind, name: &str, area: Option<&str>, municipalities: &[&str]| NewOrganisation {
            kind,
            name: name.into(),
            area_code: area.map(str::to_owned),
            municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
        };
        let create = async |new: NewOrganisation| {
            services
                .create_organisation(&system, &new)
                .await
                .expect("organisation")
                .id
        };
        let directory = Directory {
            unit_a: create(org(OrganisationKind::MunicipalUnit, "Unit A", None, &["091", "049"])).await,
            unit_b: create(org(OrganisationKind::MunicipalUnit, "Unit B", None, &["092"])).await,
            county: create(org(OrganisationKind::WellbeingCounty, "Helsinki", Some("90"), &[])).await,
            regional_centre: create(org(OrganisationKind::RegionalCentre, "Uusimaa", Some("1"), &[])).await,
            national: create(org(OrganisationKind::National, "Ministry", None, &[])).await,
            operator: create(org(OrganisationKind::Operator, "Operator", None, &[])).await,
        };
        let mut tokens = HashMap::new();
        for who in As::ALL {
            let organisation = match who {
                As::CaseworkerA | As::SupervisorA => &directory.unit_a,
                As::CaseworkerB | As::SupervisorB => &directory.unit_b,
                As::CountyWorker => &directory.county,
                As::RegionalOfficer => &directory.regional_centre,
                As::NationalAnalyst => &directory.national,
                _ => &directory.operator,
            };
            let role = who.role().expect("role");
            let created = services
                .create_token(&system, organisation, role, &format!("{who:?}"), 365)
                .await
                .expect("token");
            tokens.insert(who, created.secret);
        }
        let metrics = kotopolku_web::metrics::Metrics::default();
        let app = kotopolku_web::router(kotopolku_web::AppState {
            services: services.clone(),
            hsts: false,
            oidc: oidc.map(|config| std::sync::Arc::new(kotopolku_web::oidc::OidcClient::new(config).expect("oidc"))),
            limits,
            metrics: metrics.clone(),
            trusted_proxies: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        let client = client_with_token(tokens.get(&As::CaseworkerA).map(String::as_str));
        Self {
            base,
            client,
            clock,
            database,
            services,
            directory,
            metrics,
            tokens,
            server,
        }
    }

    /// The API token of `who`, for requests made without the harness's clients.
    pub fn token(&self, who: As) -> &str {
        self.tokens
            .get(&who)
            .map(String::as_str)
            .expect("every role has a token")
    }

    /// A client that sends requests as `who`.
    pub fn client_as(&self, who: As) -> reqwest::Client {
        client_with_token(self.tokens.get(&who).map(String::as_str))
    }

    pub async fn get_as(&self, who: As, path: &str) -> Reply {
        Reply::from(self.client_as(who).get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post_as(&self, who: As, path: &str, body: &Value) -> Reply {
        Reply::from(
            self.client_as(who)
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn put_as(&self, who: As, path: &str, body: &Value) -> Reply {
        Reply::from(
            self.client_as(who)
                .put(self.url(path))
                .json(body)
                .send()
                .await
                .expect("PUT"),
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        Reply::from(self.client.post(self.url(path)).json(body).send().await.expect("POST")).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        Reply::from(self.client.put(self.url(path)).json(body).send().await.expect("PUT")).await
    }

    /// Sends a body as is, with the given content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        Reply::from(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body.to_owned())
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Registers a customer and returns it, failing the test unless it was created.
    pub async fn register(&self, body: &Value) -> Value {
        let reply = self.post("/api/v1/customers", body).await;
        assert_eq!(reply.status, 201, "registration failed: {}", reply.body);
        reply.body
    }

    /// How many customers the registry holds (walking every page).
    pub async fn customer_count(&self) -> usize {
        let mut count = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/customers?limit=100&cursor={c}"),
                None => "/api/v1/customers?limit=100".to_owned(),
            };
            let page = self.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.body);
            count += page.body["customers"].as_array().map(Vec::len).unwrap_or(0);
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return count,
            }
        }
    }
}

impl TestApp {
    /// Stops the server and removes the database.
    pub async fn finish(self) {
        self.server.abort();
        let _ = self.server.await;
        self.database.finish().await;
    }
}

/// A client that sends `Authorization: Bearer TOKEN` with every request (or nothing without a token).
pub fn client_with_token(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A response with its body parsed as JSON (or `Null` when it is not JSON).
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body as text (for HTML pages; JSON is parsed into `body`).
    pub text: String,
}

impl Reply {
    pub async fn from_response(response: reqwest::Response) -> Self {
        Self::from(response).await
    }

    async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    /// Asserts a problem response with this status and code, and returns the fields it names.
    pub fn assert_problem(&self, status: u16, code: &str) -> Vec<String> {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Generates `#[tokio::test]`s that run an `async fn(&TestApp)` against SQLite and PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = $crate::support::TestApp::start(kotopolku_store::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let app = $crate::support::TestApp::start(kotopolku_store::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}

/// Registers one customer through the service, as a real system would hold: the database is then
/// not a training one (for the demo commands' refusals).
pub async fn register_a_real_looking_customer(db: &Database) {
    let services = kotopolku_service::Services::new(db.clone(), kotopolku_service::Clock::system());
    let input: kotopolku_domain::customer::CustomerInput = serde_json::from_value(serde_json::json!({
        "family_name": "Oikea", "given_names": "Asiakas", "birth_date": "1980-01-01",
        "municipality_code": "091", "customership_start": "2026-01-01"
    }))
    .expect("input");
    services
        .register_customer(&kotopolku_domain::actor::Actor::system(), &input, true)
        .await
        .expect("register");
}
