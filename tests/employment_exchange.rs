//! Exchange with the employment services over HTTP, on both databases: the export follows its
//! published JSON Schema and records its legal basis in the audit log; the same document taken in
//! becomes the customer's records; documents with a wrong schema, basis, person or content are
//! refused and change nothing.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, TestApp};

on_both_backends!(an_assessment_and_plan_go_to_employment_services_and_come_back,);

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::meta::validate(schema).expect("the schema is a valid JSON Schema");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles")
}

async fn record_count(app: &TestApp, id: &str) -> usize {
    app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/records"))
        .await
        .body["records"]
        .as_array()
        .map_or(0, Vec::len)
}

async fn an_assessment_and_plan_go_to_employment_services_and_come_back(app: &TestApp) {
    let customer = app
        .register(&json!({
            "identity_code": "010190-902S", "family_name": "Kovalenko", "given_names": "Olena",
            "municipality_code": "091", "customership_start": "2026-01-10", "native_language": "uk",
            "citizenships": ["UA"],
        }))
        .await;
    let id = customer["id"].as_str().expect("id").to_owned();
    let disclosure = json!({"basis": "consent", "reference": "Kotoutumissuunnitelman tiedot TE-palveluille",
        "consent_given_on": "2026-06-01", "recipient": "Helsingin työllisyyspalvelut"});
    app.post_as(
        As::CaseworkerA,
        &format!("/api/v1/customers/{id}/employment-exchange"),
        &disclosure,
    )
    .await
    .assert_problem(409, "nothing_to_exchange");

    for body in [
        json!({"kind": "assessment", "started_on": "2026-02-01", "interview_language": "uk",
            "national_language": "fi", "national_language_skills": {"speaking": "A1"},
            "other_languages": [{"language": "en", "level": "B2"}],
            "education": [{"country": "UA", "isced_level": "6", "completed": true}],
            "work_history": [{"occupation": "22", "country": "UA", "years": 8}],
            "employment_goal": "Sairaanhoitaja", "authors": ["Kaisa Ohjaaja"]}),
        json!({"kind": "plan", "drawn_up_on": "2026-03-01", "starts_on": "2026-03-01", "ends_on": "2027-02-28",
            "goals": [{"area": "language", "description": "Suomi B1", "measures": [
                {"service": "integration_training", "planned_start": "2026-04-01", "planned_end": "2026-12-31",
                 "status": "planned"}]}],
            "customer_agreed_on": "2026-03-01", "authors": ["Kaisa Ohjaaja"]}),
    ] {
        let added = app
            .post_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/records"), &body)
            .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }

    // Out: the document follows the published schema and names no author.
    let schema = app.get("/api/v1/schemas/employment-services-exchange.json").await;
    assert_eq!(schema.status, 200, "{}", schema.body);
    let validator = validator(&schema.body);
    let exported = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{id}/employment-exchange"),
            &disclosure,
        )
        .await;
    assert_eq!(exported.status, 200, "{}", exported.body);
    let document = exported.body.clone();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        document["schema"],
        "urn:kotopolku:schema:employment-services-exchange:1"
    );
    assert_eq!(document["person"]["identity_code"], "010190-902S");
    assert_eq!(document["assessment"]["work_history"][0]["occupation"], "22");
    assert_eq!(document["assessment"]["education"][0]["isced_level"], "6");
    assert_eq!(
        document["plan"]["goals"][0]["measures"][0]["service"],
        "integration_training"
    );
    assert_eq!(document["assessment"]["authors"], json!([]));
    // A document that does not follow the schema is found by it (the check can fail).
    let mut broken = document.clone();
    broken["person"]["birth_date"] = json!(19900101);
    assert!(!validator.is_valid(&broken));

    // A disclosure without its basis's details is refused.
    app.post_as(
        As::CaseworkerA,
        &format!("/api/v1/customers/{id}/employment-exchange"),
        &json!({"basis": "consent", "reference": "x", "recipient": "TE"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Another unit's caseworker does not find the customer.
    app.post_as(
        As::CaseworkerB,
        &format!("/api/v1/customers/{id}/employment-exchange"),
        &disclosure,
    )
    .await
    .assert_problem(404, "not_found");

    // In: bad documents change nothing.
    let before = record_count(app, &id).await;
    let mut wrong_schema = document.clone();
    wrong_schema["schema"] = json!("urn:other:2");
    let reply = app
        .post_as(As::CaseworkerA, "/api/v1/employment-exchange", &wrong_schema)
        .await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["schema"]);
    let mut wrong_person = document.clone();
    wrong_person["person"]["birth_date"] = json!("1991-01-01");
    let reply = app
        .post_as(As::CaseworkerA, "/api/v1/employment-exchange", &wrong_person)
        .await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["person.birth_date"]);
    let mut bad_plan = document.clone();
    bad_plan["plan"]["ends_on"] = json!("2026-01-01");
    let reply = app
        .post_as(As::CaseworkerA, "/api/v1/employment-exchange", &bad_plan)
        .await;
    assert!(
        reply
            .assert_problem(422, "validation_failed")
            .iter()
            .any(|f| f.starts_with("plan.")),
        "{}",
        reply.body
    );
    app.post_as(As::CaseworkerB, "/api/v1/employment-exchange", &document)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(record_count(app, &id).await, before, "nothing was written");

    // The employment services' document becomes the customer's new assessment and plan.
    let mut incoming = document.clone();
    incoming["disclosure"] = json!({"basis": "law", "reference": "681/2023 76 §", "recipient": "Helsingin kaupunki"});
    incoming["assessment"]["employment_goal"] = json!("Lähihoitaja");
    let imported = app
        .post_as(As::CaseworkerA, "/api/v1/employment-exchange", &incoming)
        .await;
    assert_eq!(imported.status, 201, "{}", imported.body);
    assert_eq!(imported.body["customer_id"], id.as_str());
    assert_eq!(imported.body["assessment"]["content"]["employment_goal"], "Lähihoitaja");
    assert_eq!(record_count(app, &id).await, before + 2);

    let log = app
        .get_as(As::SupervisorA, &format!("/api/v1/customers/{id}/access-log"))
        .await;
    let purposes: Vec<(String, String)> = log.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("customer.employment_exchange"))
        })
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["purpose"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        purposes.contains(&(
            "customer.employment_exchange.export".into(),
            "consent 2026-06-01 (Kotoutumissuunnitelman tiedot TE-palveluille) to Helsingin työllisyyspalvelut".into()
        )),
        "{purposes:?}"
    );
    assert!(
        purposes.contains(&(
            "customer.employment_exchange.import".into(),
            "law 681/2023 76 § to Helsingin kaupunki".into()
        )),
        "{purposes:?}"
    );
}
