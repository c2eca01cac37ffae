//! Code lists, the OpenAPI document and the health probes.

use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends!(
    code_lists_are_served,
    openapi_document_describes_the_api,
    health_and_readiness
);

async fn code_lists_are_served(app: &TestApp) {
    let index = app.get("/api/v1/code-lists").await;
    assert_eq!(index.status, 200);
    let names: Vec<&str> = index
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    for expected in [
        "municipalities",
        "countries",
        "languages",
        "residence-bases",
        "target-groups",
        "cefr-levels",
        "isced-levels",
        "occupations",
        "customership-end-reasons",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }

    let municipalities = app.get("/api/v1/code-lists/municipalities").await;
    assert_eq!(municipalities.status, 200);
    let entries = municipalities.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 308);
    let helsinki = entries.iter().find(|e| e["code"] == "091").expect("Helsinki");
    assert_eq!(helsinki["fi"], "Helsinki");
    assert_eq!(helsinki["sv"], "Helsingfors");
    assert_eq!(helsinki["en"], "Helsinki");
    assert_eq!(helsinki["wellbeing_county"]["code"], "90");
    assert_eq!(helsinki["region"]["code"], "01");
    assert!(helsinki["regional_centre"]["fi"].is_string());
    assert!(helsinki["employment_area"]["code"].is_string());

    let languages = app.get("/api/v1/code-lists/languages").await;
    let codes: Vec<&str> = languages.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    for expected in ["fi", "sv", "uk", "ar", "so", "prs", "ckb", "ti"] {
        assert!(codes.contains(&expected), "{expected}");
    }
    let countries = app.get("/api/v1/code-lists/countries").await;
    let ukraine = countries.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["code"] == "UA")
        .cloned()
        .expect("UA");
    assert_eq!(ukraine["fi"], "Ukraina");

    app.get("/api/v1/code-lists/planets")
        .await
        .assert_problem(404, "not_found");
}

async fn openapi_document_describes_the_api(app: &TestApp) {
    let doc = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.body["openapi"].as_str().unwrap_or_default().starts_with("3.1"),
        "{}",
        doc.body["openapi"]
    );
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/customers/{id}/history",
        "/api/v1/customers/{id}/end",
        "/api/v1/code-lists/{name}",
        "/healthz",
        "/readyz",
    ] {
        assert!(doc.body["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(doc.body["paths"]["/api/v1/customers"]["post"].is_object());
    assert!(doc.body["paths"]["/api/v1/customers"]["get"].is_object());
    assert!(doc.body["components"]["schemas"]["Problem"].is_object());
    assert!(doc.body["components"]["schemas"]["CustomerInput"]["properties"]["identity_code"].is_object());
}

async fn health_and_readiness(app: &TestApp) {
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");
    assert!(ready.headers.get("x-request-id").is_some());

    // With the database gone, the process is alive but not ready.
    app.database.db.close().await;
    assert_eq!(app.get("/healthz").await.status, 200);
    app.get("/readyz").await.assert_problem(503, "database_unavailable");
}
