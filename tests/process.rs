//! The integration customer process through the API: a whole customer journey with its deadlines on
//! the worklist at the right moments, the rules that refuse bad records, versions, and the audit log.

use chrono::{NaiveDate, TimeZone, Utc};
use kotopolku_service::ChainReport;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, Reply, TestApp};

on_both_backends!(
    a_customer_journey_with_its_deadlines,
    bad_records_are_refused_and_change_nothing,
    county_workers_see_only_their_multisectoral_records,
);

/// Moves the test clock to 09:00 UTC (noon in Finland) on `date`.
fn set_day(app: &TestApp, date: &str) {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    app.clock
        .set(Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).expect("time")));
}

async fn me(app: &TestApp, who: As) -> String {
    let reply = app.get_as(who, "/api/v1/me").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

fn records_path(customer: &str) -> String {
    format!("/api/v1/customers/{customer}/records")
}

async fn add(app: &TestApp, who: As, customer: &str, body: Value) -> Value {
    let reply = app.post_as(who, &records_path(customer), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

async fn revise(app: &TestApp, who: As, customer: &str, record: &Value, mut content: Value) -> Reply {
    content["version"] = record["version"].clone();
    let id = record["id"].as_str().expect("id");
    app.put_as(who, &format!("{}/{id}", records_path(customer)), &content)
        .await
}

/// The deadline of `rule` on the customer's deadline list, if any.
async fn deadline(app: &TestApp, customer: &str, rule: &str) -> Option<Value> {
    let reply = app
        .get_as(As::CaseworkerA, &format!("/api/v1/customers/{customer}/deadlines"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["rule"] == rule)
        .cloned()
}

/// The statuses of `rule` for `customer` on the worklist at `path`, across caseworker groups.
async fn on_worklist(app: &TestApp, who: As, path: &str, customer: &str) -> Vec<(String, String)> {
    let reply = app.get_as(who, path).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut found = Vec::new();
    for group in reply.body["caseworkers"].as_array().expect("groups") {
        for entry in group["entries"].as_array().expect("entries") {
            if entry["customer_id"] == customer {
                for d in entry["deadlines"].as_array().expect("deadlines") {
                    found.push((
                        d["rule"].as_str().expect("rule").to_owned(),
                        d["status"].as_str().expect("status").to_owned(),
                    ));
                }
            }
        }
    }
    found
}

fn plan(measure_status: &str, extra_measure: Value, reviews: Value) -> Value {
    let mut civic = json!({
        "service": "civic_orientation", "provider": "Helsingin aikuisopisto",
        "planned_start": "2026-04-15", "planned_end": "2026-06-30", "hours": 70,
        "status": measure_status,
    });
    if measure_status != "planned" {
        civic["started_on"] = json!("2026-04-15");
    }
    json!({
        "kind": "plan",
        "drawn_up_on": "2026-04-01",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "goals": [
            {"area": "language", "description": "Suomen kieli tasolle A2", "measures": [civic]},
            {"area": "employment", "description": "Työkokeilu hoiva-alalla", "measures": [extra_measure]},
        ],
        "reviews": reviews,
        "customer_agreed_on": "2026-04-01",
        "authors": ["Kaisa Ohjaaja"],
    })
}

fn try_out(status: &str) -> Value {
    json!({
        "service": "work_try_out", "provider": "Palvelutalo Kotikallio",
        "planned_start": "2026-08-01", "planned_end": "2026-10-31", "status": status,
    })
}

async fn a_customer_journey_with_its_deadlines(app: &TestApp) {
    let caseworker = me(app, As::CaseworkerA).await;
    set_day(app, "2026-01-05");
    let customer = app
        .register(&json!({
            "family_name": "Kovalenko", "given_names": "Olena", "birth_date": "1988-03-14",
            "municipality_code": "091", "customership_start": "2026-01-05",
            "first_permit_date": "2025-11-01", "contact_language": "uk",
            "responsible_caseworker": caseworker,
        }))
        .await;
    let id = customer["id"].as_str().expect("id").to_owned();
    let own = "/api/v1/worklist";

    // Registered: the assessment must start within 2 months.
    let due = deadline(app, &id, "assessment_start")
        .await
        .expect("assessment deadline");
    assert_eq!(due["due_on"], "2026-03-05");
    assert_eq!(due["status"], "open");
    assert!(
        on_worklist(app, As::CaseworkerA, own, &id).await.is_empty(),
        "not yet within 30 days"
    );
    assert_eq!(
        on_worklist(app, As::CaseworkerA, "/api/v1/worklist?horizon_days=90", &id).await,
        [("assessment_start".to_owned(), "open".to_owned())]
    );
    // Another caseworker's own worklist does not have her.
    assert!(on_worklist(app, As::SupervisorA, own, &id).await.is_empty());

    set_day(app, "2026-02-25");
    assert_eq!(
        on_worklist(app, As::CaseworkerA, own, &id).await,
        [("assessment_start".to_owned(), "due_soon".to_owned())]
    );
    set_day(app, "2026-03-06");
    assert_eq!(
        on_worklist(app, As::CaseworkerA, own, &id).await,
        [("assessment_start".to_owned(), "overdue".to_owned())]
    );
    // The supervisor sees it in the unit's worklist, under the caseworker; a caseworker may not.
    let unit = app.get_as(As::SupervisorA, "/api/v1/worklist?scope=unit").await;
    assert_eq!(unit.status, 200, "{}", unit.body);
    let group = unit.body["caseworkers"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["caseworker_id"] == caseworker.as_str())
        .expect("the caseworker's group");
    assert_eq!(group["overdue"], 1);
    app.get_as(As::CaseworkerA, "/api/v1/worklist?scope=unit")
        .await
        .assert_problem(403, "forbidden");

    // Assess: started late, completed two weeks later with a plan needed.
    let assessment_body = json!({
        "kind": "assessment", "started_on": "2026-03-06", "initial_interview_on": "2026-03-06",
        "interview_language": "uk", "interpreter_used": true, "literacy": "literate_other_script",
        "national_language": "fi", "national_language_skills": {"listening": "A1", "speaking": "0"},
        "other_languages": [{"language": "ru", "level": "C2"}],
        "education": [{"country": "UA", "isced_level": "6", "field": "Kirjanpito", "years": 4, "completed": true}],
        "work_history": [{"occupation": "43", "country": "UA", "years": 10}],
        "employment_goal": "Taloushallinnon tehtävät", "authors": ["Kaisa Ohjaaja"],
    });
    let assessment = add(app, As::CaseworkerA, &id, assessment_body.clone()).await;
    assert_eq!(assessment["version"], 1);
    let met = deadline(app, &id, "assessment_start").await.expect("deadline");
    assert_eq!(
        (met["status"].as_str(), met["met_on"].as_str()),
        (Some("met_late"), Some("2026-03-06"))
    );
    assert!(on_worklist(app, As::CaseworkerA, own, &id).await.is_empty());

    set_day(app, "2026-03-20");
    let mut completed = assessment_body.clone();
    completed["completed_on"] = json!("2026-03-20");
    completed["plan_needed"] = json!(true);
    completed["plan_need_reason"] = json!("Ei suomen kielen taitoa, tavoitteena työ");
    let reply = revise(app, As::CaseworkerA, &id, &assessment, completed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["version"], 2);
    let plan_due = deadline(app, &id, "plan_after_assessment")
        .await
        .expect("plan deadline");
    assert_eq!(
        (plan_due["due_on"].as_str(), plan_due["status"].as_str()),
        (Some("2026-04-19"), Some("open"))
    );

    // Plan: drawn up within the time; the first plan may last a year.
    set_day(app, "2026-04-01");
    let plan_v1 = add(
        app,
        As::CaseworkerA,
        &id,
        plan("planned", try_out("planned"), json!([])),
    )
    .await;
    let plan_id = plan_v1["id"].as_str().expect("plan id").to_owned();
    let measure_ids: Vec<String> = plan_v1["content"]["goals"]
        .as_array()
        .expect("goals")
        .iter()
        .map(|g| g["measures"][0]["id"].as_str().expect("measure id").to_owned())
        .collect();
    assert_eq!(
        deadline(app, &id, "plan_after_assessment").await.expect("deadline")["status"],
        "met"
    );
    let services = deadline(app, &id, "services_after_plan")
        .await
        .expect("services deadline");
    assert_eq!(
        (services["due_on"].as_str(), services["status"].as_str()),
        (Some("2026-10-01"), Some("open"))
    );
    assert_eq!(
        deadline(app, &id, "plan_review").await.expect("review")["due_on"],
        "2026-10-01"
    );
    assert_eq!(
        deadline(app, &id, "plan_within_permit_window").await.expect("window")["status"],
        "met"
    );

    // Refer to integration training at the employment authority.
    set_day(app, "2026-04-10");
    let referral_body = json!({
        "kind": "referral", "service": "integration_training", "recipient_kind": "employment_authority",
        "recipient": "Helsingin työllisyyspalvelut", "sent_on": "2026-04-10",
    });
    let referral = add(app, As::CaseworkerA, &id, referral_body.clone()).await;
    let services = deadline(app, &id, "services_after_plan")
        .await
        .expect("services deadline");
    assert_eq!(
        (services["status"].as_str(), services["met_on"].as_str()),
        (Some("met"), Some("2026-04-10"))
    );
    set_day(app, "2026-04-24");
    let mut answered = referral_body.clone();
    answered["status"] = json!("accepted");
    answered["answered_on"] = json!("2026-04-24");
    answered["answer"] = json!("Koulutus alkaa 4.5.");
    assert_eq!(revise(app, As::CaseworkerA, &id, &referral, answered).await.status, 200);

    // Follow up: civic orientation started; the plan's revision is a new version, the old one stays.
    let mut started = plan("started", try_out("planned"), json!([]));
    started["goals"][0]["measures"][0]["id"] = json!(measure_ids[0]);
    started["goals"][1]["measures"][0]["id"] = json!(measure_ids[1]);
    let reply = revise(app, As::CaseworkerA, &id, &plan_v1, started.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let plan_v2 = reply.body;
    assert_eq!(plan_v2["version"], 2);
    // Editing the superseded version is refused.
    revise(app, As::CaseworkerA, &id, &plan_v1, started.clone())
        .await
        .assert_problem(409, "superseded_version");
    let versions = app
        .get_as(As::CaseworkerA, &format!("{}/{plan_id}/versions", records_path(&id)))
        .await;
    assert_eq!(versions.status, 200);
    let statuses: Vec<(&Value, &Value, &Value)> = versions
        .body
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                &v["version"],
                &v["current"],
                &v["content"]["goals"][0]["measures"][0]["status"],
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (&json!(1), &json!(false), &json!("planned")),
            (&json!(2), &json!(true), &json!("started"))
        ]
    );
    // The work try-out is cancelled; completing a cancelled measure is refused.
    let mut cancelled = started.clone();
    cancelled["goals"][1]["measures"][0]["status"] = json!("cancelled");
    let reply = revise(app, As::CaseworkerA, &id, &plan_v2, cancelled.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let plan_v3 = reply.body;
    let mut revived = cancelled.clone();
    revived["goals"][1]["measures"][0]["status"] = json!("completed");
    revived["goals"][1]["measures"][0]["started_on"] = json!("2026-04-20");
    let fields = revise(app, As::CaseworkerA, &id, &plan_v3, revived)
        .await
        .assert_problem(409, "transition_forbidden");
    assert_eq!(fields, ["measures[1].status"]);

    // The integration programme with civic orientation hours toward the minimum; only one programme.
    let programme = json!({
        "kind": "programme", "enrolled_on": "2026-04-01", "civic_orientation_hours": 20,
        "civic_orientation_language": "uk",
        "components": [{"component": "assessment", "completed_on": "2026-03-20"}],
    });
    add(app, As::CaseworkerA, &id, programme.clone()).await;
    let hours = deadline(app, &id, "civic_orientation_hours").await.expect("hours");
    assert_eq!(
        (hours["progress"].as_str(), hours["due_on"].as_str()),
        (Some("20/70"), Some("2027-03-31"))
    );
    app.post_as(As::CaseworkerA, &records_path(&id), &programme)
        .await
        .assert_problem(409, "programme_exists");

    // Case notes: a correction is a new version; sensitive notes are marked.
    let note = add(
        app,
        As::CaseworkerA,
        &id,
        json!({"kind": "note", "written_on": "2026-04-24", "note_type": "meeting", "text": "Keskusteltu koulutuksesta."}),
    )
    .await;
    let reply = revise(
        app,
        As::CaseworkerA,
        &id,
        &note,
        json!({"kind": "note", "written_on": "2026-04-24", "note_type": "meeting", "text": "Keskusteltu kotoutumiskoulutuksesta."}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let note_versions = app
        .get_as(
            As::CaseworkerA,
            &format!("{}/{}/versions", records_path(&id), note["id"].as_str().expect("id")),
        )
        .await;
    assert_eq!(note_versions.body[0]["content"]["text"], "Keskusteltu koulutuksesta.");
    assert_eq!(
        note_versions.body[1]["content"]["text"],
        "Keskusteltu kotoutumiskoulutuksesta."
    );

    // An appointment with an interpreter; the customer does not come: the §32a fee is flagged.
    let appointment_body = json!({
        "kind": "appointment", "starts_at": "2026-05-05T10:00:00", "duration_minutes": 60,
        "place": "Kotoutumispalvelut, Toinen linja 4", "participants": ["Olena Kovalenko", "Kaisa Ohjaaja"],
        "interpreter_needed": true, "interpreter_language": "uk", "interpreter_booked": true,
    });
    let appointment = add(app, As::CaseworkerA, &id, appointment_body.clone()).await;
    assert_eq!(appointment["content"]["interpreter_fee_flag"], false);
    set_day(app, "2026-05-06");
    let mut missed = appointment_body.clone();
    missed["status"] = json!("no_show");
    let reply = revise(app, As::CaseworkerA, &id, &appointment, missed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["content"]["interpreter_fee_flag"], true);
    let mut held = appointment_body.clone();
    held["status"] = json!("held");
    revise(app, As::CaseworkerA, &id, &reply.body, held)
        .await
        .assert_problem(409, "transition_forbidden");

    // The review falls due; holding it moves the next one six months on.
    set_day(app, "2026-09-25");
    assert_eq!(
        on_worklist(app, As::CaseworkerA, own, &id).await,
        [("plan_review".to_owned(), "due_soon".to_owned())]
    );
    set_day(app, "2026-09-28");
    // Seen on the worklist in the morning, held and recorded: gone from it the same day.
    assert_eq!(
        on_worklist(app, As::CaseworkerA, own, &id).await,
        [("plan_review".to_owned(), "due_soon".to_owned())]
    );
    let mut reviewed = cancelled.clone();
    reviewed["reviews"] = json!([{"planned_on": "2026-09-28", "held_on": "2026-09-28", "summary": "Edennyt hyvin."}]);
    let reply = revise(app, As::CaseworkerA, &id, &plan_v3, reviewed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        deadline(app, &id, "plan_review").await.expect("review")["due_on"],
        "2027-03-28"
    );
    assert!(on_worklist(app, As::CaseworkerA, own, &id).await.is_empty());

    // The plan for the customer, printable, in her language (Ukrainian by default) and in Arabic.
    let print = format!("{}/{plan_id}/print", records_path(&id));
    let page = app.get_as(As::CaseworkerA, &print).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.text.contains("lang=\"uk\""), "{}", page.text);
    assert!(page.text.contains("Suomen kieli tasolle A2"));
    assert!(page.text.contains("Kovalenko"));
    let csp = page.headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let arabic = app.get_as(As::CaseworkerA, &format!("{print}?lang=ar&version=1")).await;
    assert!(arabic.text.contains("dir=\"rtl\""));
    app.get_as(As::CaseworkerA, &format!("{print}?lang=xx"))
        .await
        .assert_problem(422, "validation_failed");
    let css = app.get("/assets/print.css").await;
    assert_eq!(css.status, 200);
    assert!(css.content_type.starts_with("text/css"));

    // End the customership: the pending deadlines leave the worklist, no new process starts, and
    // notes can still complete the file.
    set_day(app, "2026-10-15");
    let current = app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{id}")).await;
    let reply = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{id}/end"),
            &json!({"end_date": "2026-10-15", "reason": "employed", "version": current.body["version"]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let pending: Vec<Value> = app
        .get_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/deadlines"))
        .await
        .body["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .filter(|d| ["open", "due_soon", "overdue"].contains(&d["status"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    assert!(pending.is_empty(), "{pending:?}");
    app.post_as(
        As::CaseworkerA,
        &records_path(&id),
        &plan("planned", try_out("planned"), json!([])),
    )
    .await
    .assert_problem(409, "already_ended");
    add(
        app,
        As::CaseworkerA,
        &id,
        json!({"kind": "note", "written_on": "2026-10-15", "note_type": "phone_call", "text": "Työllistyi."}),
    )
    .await;

    // Every step is in the audit log, and the chain is intact.
    let log = app
        .get_as(As::Admin, &format!("/api/v1/audit?customer_id={id}&limit=1000"))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let actions: Vec<&str> = log.body["entries"]
        .as_array()
        .or_else(|| log.body.as_array())
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for step in [
        "customer.register",
        "assessment.create",
        "assessment.revise",
        "plan.create",
        "plan.revise",
        "referral.create",
        "referral.revise",
        "programme.create",
        "note.create",
        "note.revise",
        "appointment.create",
        "appointment.revise",
        "process.read",
        "worklist.read",
        "worklist.unit_read",
        "customer.end",
    ] {
        assert!(actions.contains(&step), "{step} missing from {actions:?}");
    }
    assert!(matches!(
        kotopolku_service::audit::verify(app.services.database())
            .await
            .expect("verify"),
        ChainReport::Intact { .. }
    ));
}

async fn bad_records_are_refused_and_change_nothing(app: &TestApp) {
    let customer = app
        .register(&json!({
            "family_name": "Haddad", "given_names": "Rami", "birth_date": "1995-07-01",
            "municipality_code": "091", "customership_start": "2026-01-10",
        }))
        .await;
    let id = customer["id"].as_str().expect("id").to_owned();
    let path = records_path(&id);
    let base = json!({
        "kind": "plan", "drawn_up_on": "2026-05-01", "starts_on": "2026-05-01", "ends_on": "2027-04-30",
        "goals": [{"area": "language", "description": "Kielitaito", "measures": []}],
    });

    let mut backwards = base.clone();
    backwards["ends_on"] = json!("2026-04-30");
    let reply = app.post_as(As::CaseworkerA, &path, &backwards).await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["ends_on"]);
    assert_eq!(reply.body["errors"][0]["code"], "plan_ends_before_start");

    // The first plan lasts at most 12 months: 2026-05-01 + 12 months = 2027-05-01.
    let mut too_long = base.clone();
    too_long["ends_on"] = json!("2027-05-02");
    let reply = app.post_as(As::CaseworkerA, &path, &too_long).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["code"], "first_plan_max_duration");

    let mut outside = base.clone();
    outside["goals"][0]["measures"] = json!([{
        "service": "integration_training", "planned_start": "2026-04-01", "planned_end": "2026-12-31",
    }]);
    let reply = app.post_as(As::CaseworkerA, &path, &outside).await;
    assert_eq!(
        reply.assert_problem(422, "validation_failed"),
        ["goals[0].measures[0].planned_start"]
    );
    assert_eq!(reply.body["errors"][0]["code"], "measure_outside_plan");

    // Unknown fields, unknown kinds and codes are named.
    let mut unknown = base.clone();
    unknown["colour"] = json!("red");
    for (body, named) in [(unknown, "colour"), (json!({"kind": "horoscope"}), "horoscope")] {
        let reply = app.post_as(As::CaseworkerA, &path, &body).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.body["detail"].as_str().unwrap_or("").contains(named),
            "{}",
            reply.body
        );
    }
    let reply = app
        .post_as(
            As::CaseworkerA,
            &path,
            &json!({"kind": "assessment", "started_on": "2026-05-01", "interview_language": "xx",
                    "work_history": [{"occupation": "999"}], "plan_needed": false}),
        )
        .await;
    let mut fields = reply.assert_problem(422, "validation_failed");
    fields.sort();
    assert_eq!(
        fields,
        ["interview_language", "plan_need_reason", "work_history[0].occupation"]
    );
    // Nothing done can be dated in the future (the test clock is 2026-06-15).
    let reply = app
        .post_as(
            As::CaseworkerA,
            &path,
            &json!({"kind": "note", "written_on": "2026-06-16", "note_type": "other", "text": "x"}),
        )
        .await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["written_on"]);
    // A referral that carries out a measure must name one of the customer's plan measures.
    let reply = app
        .post_as(
            As::CaseworkerA,
            &path,
            &json!({"kind": "referral", "service": "work_try_out", "recipient_kind": "other",
                    "recipient": "Yritys Oy", "sent_on": "2026-05-02", "measure_id": "no-such-measure"}),
        )
        .await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["measure_id"]);
    assert_eq!(reply.body["errors"][0]["code"], "unknown_measure");
    // A multisectoral plan needs the county's involvement first.
    let mut multisectoral = base.clone();
    multisectoral["multisectoral_county"] = json!("90");
    let reply = app.post_as(As::CaseworkerA, &path, &multisectoral).await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["multisectoral_county"]);

    // None of it was written, and a valid plan still counts as the first one.
    let list = app.get_as(As::CaseworkerA, &path).await;
    assert_eq!(list.body["records"], json!([]));
    let first = app.post_as(As::CaseworkerA, &path, &base).await;
    assert_eq!(first.status, 201, "{}", first.body);
    // A second plan is not the first: it may run longer (the 2-year total is not enforced).
    let mut second = base.clone();
    second["starts_on"] = json!("2026-05-01");
    second["ends_on"] = json!("2027-10-31");
    assert_eq!(app.post_as(As::CaseworkerA, &path, &second).await.status, 201);
    // Revising the first plan to run too long is refused: it stays the first plan.
    let mut revised = too_long.clone();
    revised["version"] = json!(1);
    let reply = app
        .put_as(
            As::CaseworkerA,
            &format!("{path}/{}", first.body["id"].as_str().expect("id")),
            &revised,
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    // A revision without the version it revises, or of a record that does not exist.
    let reply = app
        .put_as(
            As::CaseworkerA,
            &format!("{path}/{}", first.body["id"].as_str().expect("id")),
            &base,
        )
        .await;
    assert_eq!(reply.assert_problem(422, "validation_failed"), ["version"]);
    let mut versioned = base.clone();
    versioned["version"] = json!(1);
    app.put_as(As::CaseworkerA, &format!("{path}/no-such-record"), &versioned)
        .await
        .assert_problem(404, "not_found");
}

async fn county_workers_see_only_their_multisectoral_records(app: &TestApp) {
    let customer = app
        .register(&json!({
            "family_name": "Warsame", "given_names": "Hodan", "birth_date": "1979-02-02",
            "municipality_code": "091", "customership_start": "2026-02-01",
        }))
        .await;
    let id = customer["id"].as_str().expect("id").to_owned();
    let path = records_path(&id);
    let reply = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{id}/county-involvements"),
            &json!({"county_code": "90", "purpose": "monialainen kotoutumissuunnitelma"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    // The municipality's own records: a sensitive note and a plain assessment.
    add(
        app,
        As::CaseworkerA,
        &id,
        json!({"kind": "note", "written_on": "2026-03-01", "note_type": "counselling",
               "text": "Terveydentilaan liittyvä asia.", "confidentiality": "sensitive"}),
    )
    .await;
    add(
        app,
        As::CaseworkerA,
        &id,
        json!({"kind": "assessment", "started_on": "2026-03-01"}),
    )
    .await;
    // The multisectoral assessment with the county.
    let multisectoral = add(
        app,
        As::CaseworkerA,
        &id,
        json!({"kind": "assessment", "started_on": "2026-03-02", "multisectoral_county": "90"}),
    )
    .await;

    let county = |path: String| {
        let client = app.client_as(As::CountyWorker);
        async move {
            Reply::from_response(
                client
                    .get(app.url(&path))
                    .header("kotopolku-purpose", "monialainen%20arviointi")
                    .send()
                    .await
                    .expect("GET"),
            )
            .await
        }
    };
    let seen = county(path.clone()).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    let ids: Vec<&str> = seen.body["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [multisectoral["id"].as_str().expect("id")]);
    // The caseworker sees all three, the sensitive note included.
    let all = app.get_as(As::CaseworkerA, &path).await;
    assert_eq!(all.body["records"].as_array().expect("records").len(), 3);
    // The county worker may add a note to the county's part; it is then visible to the caseworker.
    let note = Reply::from_response(
        app.client_as(As::CountyWorker)
            .post(app.url(&path))
            .header("kotopolku-purpose", "monialainen%20arviointi")
            .json(&json!({"kind": "note", "written_on": "2026-03-03", "note_type": "meeting", "text": "Sosiaalityön arvio tehty."}))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(note.status, 201, "{}", note.body);
    assert_eq!(note.body["county_code"], "90");
    // Without a purpose the county worker is refused; a record of the municipality is "not found".
    app.get_as(As::CountyWorker, &path)
        .await
        .assert_problem(403, "purpose_required");
    let municipal = all.body["records"][0]["id"].as_str().expect("id").to_owned();
    county(format!("{path}/{municipal}"))
        .await
        .assert_problem(404, "not_found");
    // A worker of another unit finds nothing at all.
    app.get_as(As::CaseworkerB, &path)
        .await
        .assert_problem(404, "not_found");
}
