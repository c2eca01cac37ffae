//! The national integration data repository export (Decree 874/2024) through the API: what a
//! supervisor gets for a period, that it follows the committed JSON Schema, its CSV tables, who is
//! refused, the audit rows, and the parameters' checks.

use kotopolku_domain::access::{self, Action, Jurisdiction, Role};
use kotopolku_domain::actor::{Actor, ActorKind};
use kotopolku_domain::audit::AuditRow;
use kotopolku_domain::directory::NewUser;
use kotopolku_domain::process::RecordBody;
use serde_json::{Value, json};

use crate::access::audit_rows;
use crate::on_both_backends;
use crate::support::{As, TestApp};

on_both_backends!(
    a_supervisor_exports_the_units_records_of_the_period,
    the_export_is_also_two_csv_tables,
    only_a_units_supervisor_may_export,
    bad_parameters_are_refused_naming_them,
);

/// The committed schema, as the server serves it.
const SCHEMA: &str = include_str!("../docs/schemas/national-repository-export.schema.json");
const EXPORT: &str = "/api/v1/exports/national-repository";
const PERIOD: &str = "from=2026-01-01&to=2026-06-30";

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    jsonschema::meta::validate(&schema).expect("the schema is a valid JSON Schema");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

/// The schema's complaints about `document`, one line each.
fn schema_errors(document: &Value) -> Vec<String> {
    validator()
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assessment(started_on: &str) -> Value {
    json!({
        "kind": "assessment", "started_on": started_on, "initial_interview_on": started_on,
        "interview_language": "uk", "interpreter_used": true, "literacy": "literate_other_script",
        "national_language": "fi", "national_language_skills": {"listening": "A1", "speaking": "0"},
        "other_languages": [{"language": "ru", "level": "C2"}],
        "education": [{"country": "UA", "isced_level": "6", "field": "Kirjanpito", "years": 4, "completed": true}],
        "work_history": [{"occupation": "43", "country": "UA", "years": 10}],
        // A formula, as someone might type or paste: the CSV must keep it text.
        "employment_goal": "=HYPERLINK(\"http://example.invalid\")",
        "specifying_measures": [{"measure_type": "Lähtötasotesti", "starts_on": started_on, "result": "A1"}],
        "authors": ["Kaisa Ohjaaja"],
    })
}

fn plan() -> Value {
    json!({
        "kind": "plan", "drawn_up_on": "2026-04-01", "starts_on": "2026-04-01", "ends_on": "2027-03-31",
        "goals": [
            {"area": "language", "description": "Suomen kieli tasolle A2", "measures": [{
                "service": "civic_orientation", "provider": "Helsingin aikuisopisto",
                "planned_start": "2026-04-15", "planned_end": "2026-06-30", "hours": 70,
                "status": "started", "started_on": "2026-04-15",
            }]},
            {"area": "employment", "description": "Työkokeilu hoiva-alalla", "measures": []},
        ],
        "reviews": [{"planned_on": "2026-09-30"}],
        "customer_agreed_on": "2026-04-01",
        "authors": ["Kaisa Ohjaaja"],
    })
}

async fn register(app: &TestApp, who: As, body: Value) -> String {
    let reply = app.post_as(who, "/api/v1/customers", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

async fn add(app: &TestApp, who: As, customer: &str, body: &Value) -> Value {
    let reply = app
        .post_as(who, &format!("/api/v1/customers/{customer}/records"), body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// What the tests export: unit A's customer with records inside and outside the period (one
/// revised), and unit B's customer with an assessment inside it.
struct Fixture {
    customer: String,
    other_units_customer: String,
    assessment: String,
    plan: String,
    other_units_assessment: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let customer = register(
        app,
        As::SupervisorA,
        json!({
            "identity_code": "140388-9017", "family_name": "Kovalenko", "given_names": "Olena",
            "birth_date": "1988-03-14", "municipality_code": "091", "customership_start": "2025-10-01",
        }),
    )
    .await;
    let other_units_customer = register(
        app,
        As::CaseworkerB,
        json!({
            "family_name": "Bergström", "given_names": "Testi", "birth_date": "1990-11-02",
            "municipality_code": "092", "customership_start": "2026-01-01",
        }),
    )
    .await;
    let first = add(app, As::SupervisorA, &customer, &assessment("2026-03-06")).await;
    let mut completed = assessment("2026-03-06");
    completed["completed_on"] = json!("2026-03-20");
    completed["plan_needed"] = json!(true);
    completed["plan_need_reason"] = json!("Ei suomen kielen taitoa");
    completed["planned_plan_on"] = json!("2026-04-01");
    completed["version"] = first["version"].clone();
    let id = first["id"].as_str().expect("id").to_owned();
    let revised = app
        .put_as(
            As::SupervisorA,
            &format!("/api/v1/customers/{customer}/records/{id}"),
            &completed,
        )
        .await;
    assert_eq!(revised.body["version"], 2, "{}", revised.body);
    // Started before the period: not exported.
    add(app, As::SupervisorA, &customer, &assessment("2025-11-03")).await;
    let plan = add(app, As::SupervisorA, &customer, &plan()).await;
    let other = add(app, As::CaseworkerB, &other_units_customer, &assessment("2026-02-02")).await;
    Fixture {
        customer,
        other_units_customer,
        assessment: id,
        plan: plan["id"].as_str().expect("id").to_owned(),
        other_units_assessment: other["id"].as_str().expect("id").to_owned(),
    }
}

fn ids(document: &Value, list: &str) -> Vec<String> {
    document[list]
        .as_array()
        .expect(list)
        .iter()
        .map(|entry| entry["record_id"].as_str().expect("record_id").to_owned())
        .collect()
}

async fn a_supervisor_exports_the_units_records_of_the_period(app: &TestApp) {
    let f = fixture(app).await;
    // A version saved by a signed-in user (not a token) carries the user's e-mail as a contact.
    let system = Actor::system();
    let user = app
        .services
        .create_user(
            &system,
            &NewUser {
                email: "kaisa.ohjaaja@example.org".into(),
                display_name: "Kaisa Ohjaaja".into(),
                organisation_id: app.directory.unit_a.clone(),
                role: Role::Caseworker,
            },
        )
        .await
        .expect("user")
        .user;
    let kaisa = Actor {
        id: user.id.clone(),
        display_name: user.display_name.clone(),
        kind: ActorKind::User,
        role: Some(Role::Caseworker),
        organisation_id: Some(app.directory.unit_a.clone()),
        jurisdiction: Some(Jurisdiction::Municipalities(vec!["091".into(), "049".into()])),
        purpose: None,
        request_id: None,
        client_address: None,
    };
    let espoo = register(
        app,
        As::SupervisorA,
        json!({
            "family_name": "Nguyen", "given_names": "Lan", "birth_date": "2001-05-05",
            "municipality_code": "049", "customership_start": "2026-05-01",
        }),
    )
    .await;
    let content: RecordBody = serde_json::from_value(assessment("2026-06-12")).expect("assessment");
    let by_user = app
        .services
        .add_record(&kaisa, &espoo, content)
        .await
        .expect("saved by the user");
    let rows_before = audit_rows(app).await.len();

    let reply = app.get_as(As::SupervisorA, &format!("{EXPORT}?{PERIOD}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    assert_eq!(
        reply.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let document = reply.body;
    assert_eq!(
        schema_errors(&document),
        Vec::<String>::new(),
        "the export follows its schema: {document:#}"
    );
    assert_eq!(document["period"], json!({"from": "2026-01-01", "to": "2026-06-30"}));
    assert_eq!(document["municipalities"], json!(["049", "091"]));
    // Exactly the unit's records of the period, current versions only, by date.
    assert_eq!(
        ids(&document, "assessments"),
        [f.assessment.as_str(), by_user.id.as_str()]
    );
    assert_eq!(ids(&document, "plans"), [f.plan.as_str()]);
    assert!(!document.to_string().contains(&f.other_units_customer));

    let a = &document["assessments"][0];
    assert_eq!(a["record_version"], 2);
    assert_eq!(a["customer_id"], f.customer.as_str());
    assert_eq!(a["identity_code"], "140388-9017");
    assert_eq!(a["birth_date"], "1988-03-14");
    assert_eq!(a["municipality_code"], "091");
    assert_eq!(
        (&a["started_on"], &a["completed_on"]),
        (&json!("2026-03-06"), &json!("2026-03-20"))
    );
    assert_eq!(a["planned_plan_on"], "2026-04-01");
    assert_eq!(a["other_referral"], Value::Null);
    assert_eq!(a["content"]["national_language_skills"]["listening"], "A1");
    assert_eq!(a["content"]["education"][0]["isced_level"], "6");
    assert_eq!(a["content"]["specifying_measures"][0]["measure_type"], "Lähtötasotesti");
    assert_eq!(
        a["authors"],
        json!({"names": ["Kaisa Ohjaaja"], "recorded_by": {"name": "SupervisorA", "email": null}})
    );
    assert_eq!(
        a["data_source"],
        json!({"system": "Kotopolku", "organisation_id": app.directory.unit_a, "organisation_name": "Unit A"})
    );
    let a2 = &document["assessments"][1];
    assert_eq!(
        a2["authors"]["recorded_by"],
        json!({"name": "Kaisa Ohjaaja", "email": "kaisa.ohjaaja@example.org"})
    );
    assert_eq!(
        (&a2["identity_code"], &a2["municipality_code"]),
        (&Value::Null, &json!("049"))
    );

    let p = &document["plans"][0];
    assert_eq!(p["drawn_up_on"], "2026-04-01");
    assert_eq!(
        p["duration"],
        json!({"starts_on": "2026-04-01", "ends_on": "2027-03-31"})
    );
    assert_eq!(p["goals"].as_array().map(Vec::len), Some(2));
    let measure = &p["measures"][0];
    assert_eq!(
        (
            &measure["service"],
            &measure["status"],
            &measure["hours"],
            &measure["goal_index"]
        ),
        (&json!("civic_orientation"), &json!("started"), &json!(70), &json!(0))
    );
    assert!(measure["measure_id"].is_string());
    assert_eq!(p["planned_review_on"], "2026-09-30");
    assert_eq!(
        p["other_content"],
        json!({"customer_agreed_on": "2026-04-01", "multisectoral_county": null})
    );

    // The other unit's supervisor gets the other unit's record, and none of these.
    let other = app.get_as(As::SupervisorB, &format!("{EXPORT}?{PERIOD}")).await;
    assert_eq!(other.status, 200, "{}", other.body);
    assert_eq!(ids(&other.body, "assessments"), [f.other_units_assessment.as_str()]);
    assert_eq!(ids(&other.body, "plans"), Vec::<String>::new());
    assert_eq!(other.body["municipalities"], json!(["092"]));

    // Audit: unit A's export read its two customers and was itself logged, as one group; unit B's
    // export, its one customer.
    let rows = audit_rows(app).await;
    let export_rows: Vec<&AuditRow> = rows[rows_before..]
        .iter()
        .filter(|r| r.entry.action == Action::RepositoryExport.as_str())
        .collect();
    let of = |actor: &str| -> Vec<(Option<&str>, Option<&str>, Option<&str>)> {
        export_rows
            .iter()
            .filter(|r| r.entry.actor_name == actor)
            .map(|r| {
                (
                    r.entry.target_type.as_deref(),
                    r.entry.customer_id.as_deref(),
                    r.entry.target_id.as_deref(),
                )
            })
            .collect()
    };
    let mut first = vec![
        (Some("customer"), Some(f.customer.as_str()), Some(f.customer.as_str())),
        (Some("customer"), Some(espoo.as_str()), Some(espoo.as_str())),
    ];
    first.sort();
    first.push((Some("national_repository_export"), None, Some("2026-01-01/2026-06-30")));
    assert_eq!(of("SupervisorA"), first);
    assert_eq!(
        of("SupervisorB"),
        [
            (
                Some("customer"),
                Some(f.other_units_customer.as_str()),
                Some(f.other_units_customer.as_str())
            ),
            (Some("national_repository_export"), None, Some("2026-01-01/2026-06-30")),
        ]
    );
    let group: Vec<&AuditRow> = export_rows
        .iter()
        .copied()
        .filter(|r| r.entry.actor_name == "SupervisorA")
        .collect();
    assert!(
        group.windows(2).all(|w| w[1].id == w[0].id + 1
            && w[1].entry.occurred_at == w[0].entry.occurred_at
            && w[1].entry.request_id == w[0].entry.request_id),
        "one group: consecutive rows of one request at one instant"
    );
    assert!(group.iter().all(|r| r.entry.outcome == "success"));
    // The customer's access log shows the export.
    let log = app
        .get_as(As::SupervisorA, &format!("/api/v1/customers/{}/access-log", f.customer))
        .await;
    assert!(
        log.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "repository_export"),
        "{}",
        log.body
    );

    // The schema is served as committed, to anyone.
    let served = crate::support::client_with_token(None)
        .get(app.url("/api/v1/schemas/national-repository-export.json"))
        .send()
        .await
        .expect("GET");
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/schema+json")
    );
    let served: Value = served.json().await.expect("JSON");
    assert_eq!(served, serde_json::from_str::<Value>(SCHEMA).expect("JSON"));
    assert_eq!(document["schema"], served["$id"]);
}

/// The schema is not a rubber stamp: it refuses documents that lack what the decree requires.
#[test]
fn the_schema_refuses_a_document_without_a_required_field() {
    let entry = json!({
        "record_id": "r", "record_version": 1, "customer_id": "c", "identity_code": null,
        "birth_date": "1990-01-01", "municipality_code": "091",
        "drawn_up_on": "2026-04-01", "duration": {"starts_on": "2026-04-01", "ends_on": "2027-03-31"},
        "goals": [], "measures": [],
        "other_content": {"customer_agreed_on": null, "multisectoral_county": null},
        "authors": {"names": [], "recorded_by": {"name": "A", "email": null}},
        "planned_review_on": null,
        "data_source": {"system": "Kotopolku", "organisation_id": "o", "organisation_name": "Unit"},
    });
    let document = json!({
        "schema": "urn:kotopolku:schema:national-repository-export:1",
        "generated_at": "2026-06-15T09:00:00Z",
        "period": {"from": "2026-01-01", "to": "2026-06-30"},
        "municipalities": ["091"],
        "assessments": [],
        "plans": [entry],
    });
    assert_eq!(schema_errors(&document), Vec::<String>::new());

    let mut without_period = document.clone();
    without_period.as_object_mut().expect("object").remove("period");
    assert!(!schema_errors(&without_period).is_empty(), "period is required");

    for field in ["data_source", "planned_review_on", "birth_date", "record_version"] {
        let mut without = document.clone();
        without["plans"][0].as_object_mut().expect("object").remove(field);
        assert!(!schema_errors(&without).is_empty(), "a plan needs {field}");
    }
    let mut unknown = document.clone();
    unknown["plans"][0]["colour"] = json!("red");
    assert!(!schema_errors(&unknown).is_empty(), "no field beyond the schema's");
    let mut bad_date = document;
    bad_date["period"]["to"] = json!("30.6.2026");
    assert!(!schema_errors(&bad_date).is_empty(), "dates are yyyy-mm-dd");
}

async fn the_export_is_also_two_csv_tables(app: &TestApp) {
    let f = fixture(app).await;
    let response = app
        .client_as(As::SupervisorA)
        .get(app.url(&format!(
            "{EXPORT}?{PERIOD}&format=csv&table=assessments&delimiter=semicolon&bom=true"
        )))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        header("content-type").starts_with("text/csv"),
        "{}",
        header("content-type")
    );
    assert!(
        header("content-disposition").contains("national-repository-assessments-2026-01-01-2026-06-30.csv"),
        "{}",
        header("content-disposition")
    );
    let bytes = response.bytes().await.expect("body");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "the header and one row: {text}");
    assert!(
        lines[0]
            .starts_with("record_id;record_version;customer_id;identity_code;birth_date;municipality_code;started_on;"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with(&format!(
        "{};2;{};140388-9017;1988-03-14;091;2026-03-06;",
        f.assessment, f.customer
    )));
    // The formula is kept text for a spreadsheet (a leading ', inside the quotes its quotes need).
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"http://example.invalid\"\")\""),
        "{}",
        lines[1]
    );
    assert!(!lines[1].contains(";=HYPERLINK"), "{}", lines[1]);
    assert!(lines[1].contains("language=ru, level=C2"), "{}", lines[1]);
    assert!(
        lines[1].contains("isced_level=6, country=UA, field=Kirjanpito, years=4, completed=true"),
        "{}",
        lines[1]
    );

    let plans = app
        .get_as(As::SupervisorA, &format!("{EXPORT}?{PERIOD}&format=csv&table=plans"))
        .await;
    assert_eq!(plans.status, 200);
    let lines: Vec<&str> = plans.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{}", plans.text);
    assert!(lines[0].starts_with("record_id,record_version,"), "{}", lines[0]);
    assert!(lines[0].ends_with(",data_source_organisation_name"), "{}", lines[0]);
    assert!(lines[1].starts_with(&format!("{},1,", f.plan)), "{}", lines[1]);
    assert!(
        lines[1].contains("service=civic_orientation, goal=language, status=started"),
        "{}",
        lines[1]
    );
}

async fn only_a_units_supervisor_may_export(app: &TestApp) {
    let f = fixture(app).await;
    for who in As::ALL {
        let role = who.role().expect("role");
        let reply = app.get_as(who, &format!("{EXPORT}?{PERIOD}")).await;
        match access::grant_for(role, Action::RepositoryExport) {
            Some(_) => assert_eq!(reply.status, 200, "{who:?}: {}", reply.body),
            // Not about one customer, so nothing to hide: a role without the grant is told so.
            None => {
                reply.assert_problem(403, "forbidden");
                assert!(!reply.text.contains(&f.customer));
            }
        }
    }
    for role in [
        Role::Caseworker,
        Role::CountyWorker,
        Role::RegionalOfficer,
        Role::NationalAnalyst,
        Role::Admin,
    ] {
        assert!(access::grant_for(role, Action::RepositoryExport).is_none(), "{role:?}");
    }
    // Refusals are audited; they read no customer.
    let rows = audit_rows(app).await;
    let refused: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.entry.action == "repository_export" && r.entry.outcome == "denied")
        .map(|r| {
            (
                r.entry.actor_name.as_str(),
                r.entry.target_type.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("CaseworkerA", "national_repository_export"),
            ("CaseworkerB", "national_repository_export"),
            ("CountyWorker", "national_repository_export"),
            ("RegionalOfficer", "national_repository_export"),
            ("NationalAnalyst", "national_repository_export"),
            ("Admin", "national_repository_export"),
        ]
    );
    assert!(!rows.iter().any(|r| r.entry.action == "repository_export"
        && r.entry.outcome == "denied"
        && r.entry.customer_id.is_some()));
    let anonymous = crate::support::client_with_token(None)
        .get(app.url(&format!("{EXPORT}?{PERIOD}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), 401);
}

async fn bad_parameters_are_refused_naming_them(app: &TestApp) {
    fixture(app).await;
    let rows_before = audit_rows(app).await.len();
    for (query, field) in [
        ("from=2026-06-30&to=2026-01-01", "to"),
        ("from=2025-01-01&to=2026-01-02", "to"),
        ("to=2026-06-30", "from"),
        ("from=2026-01-01", "to"),
        ("from=1.1.2026&to=2026-06-30", "from"),
        ("from=2026-01-01&to=2026-06-30&format=xml", "format"),
        ("from=2026-01-01&to=2026-06-30&format=csv", "table"),
        ("from=2026-01-01&to=2026-06-30&format=csv&table=notes", "table"),
        ("from=2026-01-01&to=2026-06-30&table=plans", "table"),
        (
            "from=2026-01-01&to=2026-06-30&format=csv&table=plans&delimiter=tab",
            "delimiter",
        ),
        ("from=2026-01-01&to=2026-06-30&bom=true", "bom"),
        ("from=2026-01-01&to=2026-06-30&colour=red", "colour"),
    ] {
        let fields = app
            .get_as(As::SupervisorA, &format!("{EXPORT}?{query}"))
            .await
            .assert_problem(400, "invalid_query");
        assert_eq!(fields, [field], "{query}");
    }
    // The whole of a leap year is one export.
    let year = app
        .get_as(As::SupervisorA, &format!("{EXPORT}?from=2024-01-01&to=2024-12-31"))
        .await;
    assert_eq!(year.status, 200, "{}", year.body);
    // A refused period exported nothing and read no customer.
    let rows = audit_rows(app).await;
    assert!(
        rows[rows_before..]
            .iter()
            .filter(|r| r.entry.action == "repository_export")
            .all(|r| r.entry.target_id.as_deref() == Some("2024-01-01/2024-12-31")),
        "only the good request's rows"
    );

    // The API description has the route, its parameters and the document's types.
    let openapi = app.get("/api/v1/openapi.json").await.body;
    let export = &openapi["paths"][EXPORT]["get"];
    let parameters: Vec<&str> = export["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(parameters, ["from", "to", "format", "table", "delimiter", "bom"]);
    assert!(export["responses"]["400"].is_object());
    assert!(openapi["paths"]["/api/v1/schemas/national-repository-export.json"]["get"].is_object());
    for schema in ["ExportDocument", "AssessmentEntry", "PlanEntry"] {
        assert!(openapi["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
