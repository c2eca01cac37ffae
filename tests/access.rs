//! Access control, generated from the policy table: every role against every customer route, with
//! customers inside and outside its scope; and the audit log of it all.

use kotopolku_domain::access::{self, Action};
use kotopolku_domain::audit::AuditRow;
use kotopolku_service::ChainReport;
use kotopolku_store::with_db;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, TestApp};

on_both_backends!(
    every_role_meets_the_policy_on_every_customer_route,
    searches_never_leave_the_actors_scope,
    registration_is_limited_to_the_units_municipalities,
    missing_bad_revoked_and_expired_credentials_get_401,
    administration_follows_the_policy,
    refusals_are_audited_and_tampering_is_found,
    worklists_follow_the_policy,
);

pub(crate) fn customer(family: &str, municipality: &str) -> Value {
    json!({
        "family_name": family,
        "given_names": "Testi",
        "birth_date": "1990-01-01",
        "municipality_code": municipality,
        "customership_start": "2026-01-01",
    })
}

/// Registers as the system (the command line), so that every test starts from the same customers.
async fn register_as(app: &TestApp, who: As, body: Value) -> String {
    let reply = app.post_as(who, "/api/v1/customers", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

/// Customers: `a` lives in Helsinki (unit A), `b` in Vantaa (unit B), `c` in Helsinki with the
/// Helsinki wellbeing county involved in its multisectoral process.
pub(crate) struct Customers {
    pub(crate) a: String,
    pub(crate) b: String,
    pub(crate) c: String,
}

pub(crate) async fn customers(app: &TestApp) -> Customers {
    let a = register_as(app, As::CaseworkerA, customer("Aaltonen", "091")).await;
    let b = register_as(app, As::CaseworkerB, customer("Bergström", "092")).await;
    let c = register_as(app, As::CaseworkerA, customer("Castrén", "091")).await;
    let reply = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{c}/county-involvements"),
            &json!({"county_code": "90", "purpose": "monialainen kotoutumissuunnitelma"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    Customers { a, b, c }
}

/// What the policy table says `who` gets for `action` on a customer: 403 when the role sees no
/// customers or lacks the grant, 404 outside its scope, else `allowed`.
fn expected(who: As, action: Action, in_scope: bool, with_purpose: bool, allowed: u16) -> u16 {
    let Some(role) = who.role() else { return 401 };
    if access::customer_visibility(role).is_none() {
        return 403;
    }
    if !in_scope {
        return 404;
    }
    match access::grant_for(role, action) {
        None => 403,
        Some(grant) if grant.requires_purpose && !with_purpose => 403,
        Some(_) => allowed,
    }
}

fn in_scope(who: As, customer: &str, c: &Customers) -> bool {
    match who {
        As::CaseworkerA | As::SupervisorA => customer == c.a || customer == c.c,
        As::CaseworkerB | As::SupervisorB => customer == c.b,
        As::CountyWorker => customer == c.c,
        _ => false,
    }
}

async fn every_role_meets_the_policy_on_every_customer_route(app: &TestApp) {
    let c = customers(app).await;
    let mut checked = 0;
    for who in As::ALL {
        for with_purpose in [false, true] {
            let mut headers = reqwest::header::HeaderMap::new();
            if with_purpose {
                // Percent-encoded UTF-8: "monialainen kotoutumissuunnitelma" with an ä for good measure.
                headers.insert(
                    "kotopolku-purpose",
                    "monialainen%20p%C3%A4%C3%A4t%C3%B6s".parse().expect("header"),
                );
            }
            let client = app.client_as(who);
            for id in [&c.a, &c.b, &c.c] {
                let scope = in_scope(who, id, &c);
                // Each route is called so that, once allowed, it changes nothing: stale versions get 409
                // and invalid bodies 422 only after the access checks have passed.
                let routes: Vec<(Action, reqwest::Method, String, Option<Value>, u16)> = vec![
                    (
                        Action::CustomerRead,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}"),
                        None,
                        200,
                    ),
                    (
                        Action::CustomerUpdate,
                        reqwest::Method::PUT,
                        format!("/api/v1/customers/{id}"),
                        Some({
                            let mut body = customer("Muutettu", if *id == c.b { "092" } else { "091" });
                            body["version"] = json!(0);
                            body
                        }),
                        409,
                    ),
                    (
                        Action::CustomerEnd,
                        reqwest::Method::POST,
                        format!("/api/v1/customers/{id}/end"),
                        Some(json!({"end_date": "2026-05-01", "reason": "employed", "version": 0})),
                        409,
                    ),
                    (
                        Action::CustomerHistory,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/history"),
                        None,
                        200,
                    ),
                    (
                        Action::CustomerAccessLog,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/access-log"),
                        None,
                        200,
                    ),
                    (
                        Action::SubjectAccess,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/subject-access"),
                        None,
                        200,
                    ),
                    (
                        Action::CustomerRead,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/county-involvements"),
                        None,
                        200,
                    ),
                    (
                        Action::CountyInvolvementManage,
                        reqwest::Method::POST,
                        format!("/api/v1/customers/{id}/county-involvements"),
                        Some(json!({"county_code": "00", "purpose": "x"})),
                        422,
                    ),
                    (
                        Action::ProcessRead,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/records"),
                        None,
                        200,
                    ),
                    (
                        Action::ProcessRead,
                        reqwest::Method::GET,
                        format!("/api/v1/customers/{id}/deadlines"),
                        None,
                        200,
                    ),
                    (
                        // An empty note: refused as invalid once access is granted, so nothing is written.
                        Action::ProcessWrite,
                        reqwest::Method::POST,
                        format!("/api/v1/customers/{id}/records"),
                        Some(json!({"kind": "note", "written_on": "2026-06-01", "note_type": "other", "text": " "})),
                        422,
                    ),
                ];
                for (action, method, path, body, allowed) in routes {
                    let mut request = client.request(method.clone(), app.url(&path)).headers(headers.clone());
                    if let Some(body) = &body {
                        request = request.json(body);
                    }
                    let response = request.send().await.expect("request");
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    let want = expected(who, action, scope, with_purpose, allowed);
                    assert_eq!(
                        status, want,
                        "{who:?} {method} {path} (in scope: {scope}, purpose: {with_purpose}): {text}"
                    );
                    if status == 200 && action == Action::CustomerRead && path.ends_with(id.as_str()) {
                        assert!(text.contains(id.as_str()));
                    }
                    // A refusal never carries personal data.
                    if status >= 400 {
                        assert!(!text.contains("Aaltonen") && !text.contains("Castrén") && !text.contains("Bergström"));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, As::ALL.len() * 2 * 3 * 11);
    // Nothing was changed by any of it.
    for id in [&c.a, &c.b, &c.c] {
        let reply = app.get_as(As::SupervisorA, &format!("/api/v1/customers/{id}")).await;
        if reply.status == 200 {
            assert_eq!(reply.body["version"], 1);
        }
    }
}

async fn searches_never_leave_the_actors_scope(app: &TestApp) {
    let c = customers(app).await;
    let ids = |reply: &crate::support::Reply| -> Vec<String> {
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["customers"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut a_view = ids(&app.get_as(As::CaseworkerA, "/api/v1/customers").await);
    a_view.sort();
    let mut expected_a = vec![c.a.clone(), c.c.clone()];
    expected_a.sort();
    assert_eq!(a_view, expected_a);
    assert_eq!(
        ids(&app.get_as(As::CaseworkerB, "/api/v1/customers").await),
        std::slice::from_ref(&c.b)
    );
    // Asking for another unit's municipality, by name or by identity, finds nothing.
    assert!(ids(&app.get_as(As::CaseworkerB, "/api/v1/customers?municipality=091").await).is_empty());
    assert!(ids(&app.get_as(As::CaseworkerB, "/api/v1/customers?name=aaltonen").await).is_empty());
    assert!(
        ids(&app
            .get_as(As::CaseworkerB, "/api/v1/customers?birth_date=1990-01-01")
            .await)
        .len()
            == 1
    );
    // The county worker states a purpose and sees only the customer whose process involves the county.
    app.get_as(As::CountyWorker, "/api/v1/customers")
        .await
        .assert_problem(403, "purpose_required");
    let reply = crate::support::Reply::from_response(
        app.client_as(As::CountyWorker)
            .get(app.url("/api/v1/customers"))
            .header("kotopolku-purpose", "multisectoral%20plan")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(ids(&reply), std::slice::from_ref(&c.c));
    for who in [As::RegionalOfficer, As::NationalAnalyst, As::Admin] {
        app.get_as(who, "/api/v1/customers")
            .await
            .assert_problem(403, "forbidden");
        app.get_as(who, "/api/v1/customers?name=aal")
            .await
            .assert_problem(403, "forbidden");
    }
    // Ending the involvement ends the county's view.
    let involvements = app
        .get_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{}/county-involvements", c.c),
        )
        .await;
    let involvement = involvements.body[0]["id"].as_str().expect("involvement").to_owned();
    let reply = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{}/county-involvements/{involvement}/end", c.c),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let reply = crate::support::Reply::from_response(
        app.client_as(As::CountyWorker)
            .get(app.url(&format!("/api/v1/customers/{}", c.c)))
            .header("kotopolku-purpose", "multisectoral%20plan")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    reply.assert_problem(404, "not_found");
}

async fn registration_is_limited_to_the_units_municipalities(app: &TestApp) {
    let reply = app
        .post_as(As::CaseworkerB, "/api/v1/customers", &customer("Väärä", "091"))
        .await;
    let fields = reply.assert_problem(422, "validation_failed");
    assert_eq!(fields, ["municipality_code"]);
    for who in [As::CountyWorker, As::RegionalOfficer, As::NationalAnalyst, As::Admin] {
        app.post_as(who, "/api/v1/customers", &customer("Kuka", "091"))
            .await
            .assert_problem(403, "forbidden");
    }
    // A likely duplicate in another unit's municipality is reported without its name or id.
    register_as(app, As::CaseworkerB, customer("Hassan", "092")).await;
    let reply = app
        .post_as(As::CaseworkerA, "/api/v1/customers", &customer("Hasan", "091"))
        .await;
    reply.assert_problem(409, "likely_duplicate");
    let candidate = &reply.body["candidates"][0];
    assert_eq!(candidate["outside_your_scope"], true);
    assert!(
        candidate["id"].is_null() && candidate["family_name"].is_null(),
        "{candidate}"
    );
    assert_eq!(candidate["municipality_code"], "092");
}

async fn missing_bad_revoked_and_expired_credentials_get_401(app: &TestApp) {
    let anonymous = crate::support::client_with_token(None);
    let garbage = crate::support::client_with_token(Some("kp_not-a-token"));
    for client in [&anonymous, &garbage] {
        let reply =
            crate::support::Reply::from_response(client.get(app.url("/api/v1/customers")).send().await.expect("GET"))
                .await;
        reply.assert_problem(401, "unauthenticated");
        assert!(reply.headers.get("www-authenticate").is_some());
    }
    // A token revoked by an administrator stops working at once.
    let system = kotopolku_domain::actor::Actor::system();
    let created = app
        .services
        .create_token(
            &system,
            &app.directory.unit_a,
            kotopolku_domain::access::Role::Caseworker,
            "short",
            1,
        )
        .await
        .expect("token");
    let client = crate::support::client_with_token(Some(&created.secret));
    let get = || async {
        client
            .get(app.url("/api/v1/customers"))
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16()
    };
    assert_eq!(get().await, 200);
    // Expired after its one day.
    app.clock
        .set(crate::support::test_now() + chrono::Duration::days(1) + chrono::Duration::seconds(1));
    assert_eq!(get().await, 401);
    app.clock.set(crate::support::test_now());
    assert_eq!(get().await, 200);
    let reply = app
        .post_as(
            As::Admin,
            &format!("/api/v1/tokens/{}/revoke", created.token.id),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(get().await, 401);
}

async fn administration_follows_the_policy(app: &TestApp) {
    for path in [
        "/api/v1/organisations",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/audit",
    ] {
        assert_eq!(app.get_as(As::Admin, path).await.status, 200, "{path}");
        for who in [
            As::CaseworkerA,
            As::CountyWorker,
            As::RegionalOfficer,
            As::NationalAnalyst,
        ] {
            app.get_as(who, path).await.assert_problem(403, "forbidden");
        }
    }
    // A supervisor manages the own unit's caseworkers, nobody else.
    let reply = app
        .post_as(
            As::SupervisorA,
            "/api/v1/users",
            &json!({"email": "uusi@example.org", "display_name": "Uusi", "organisation_id": app.directory.unit_a, "role": "caseworker"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["one_time_password"].as_str().map(str::len), Some(24));
    let new_user = reply.body["user"]["id"].as_str().expect("id").to_owned();
    let fields = app
        .post_as(
            As::SupervisorA,
            "/api/v1/users",
            &json!({"email": "toinen@example.org", "display_name": "Toinen", "organisation_id": app.directory.unit_b, "role": "caseworker"}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["organisation_id"]);
    app.post_as(
        As::SupervisorA,
        "/api/v1/users",
        &json!({"email": "admin2@example.org", "display_name": "Admin", "organisation_id": app.directory.unit_a, "role": "admin"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let listed = app.get_as(As::SupervisorB, "/api/v1/users").await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(0));
    app.post_as(
        As::SupervisorB,
        &format!("/api/v1/users/{new_user}/disable"),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let reply = app
        .post_as(
            As::SupervisorA,
            &format!("/api/v1/users/{new_user}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.body["disabled"], true, "{}", reply.body);
    // An administrator creates organisations; a bad one is refused naming the field.
    let fields = app
        .post_as(
            As::Admin,
            "/api/v1/organisations",
            &json!({"kind": "municipal-unit", "name": "Tyhjä"}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["municipalities"]);
    let reply = app
        .post_as(
            As::Admin,
            "/api/v1/organisations",
            &json!({"kind": "municipal-unit", "name": "Turku", "municipalities": ["853"]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

/// Every audit row, oldest first, straight from the table, once the rows of reads waiting in the
/// read journal are in it.
pub(crate) async fn audit_rows(app: &TestApp) -> Vec<AuditRow> {
    app.services
        .audit_sink()
        .flush()
        .await
        .expect("flush the audit journal");
    kotopolku_store::audit::rows_after(&app.database.db, 0, 100_000)
        .await
        .expect("rows")
}

async fn refusals_are_audited_and_tampering_is_found(app: &TestApp) {
    let c = customers(app).await;
    app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{}", c.a)).await;
    app.get_as(As::CaseworkerB, &format!("/api/v1/customers/{}", c.a))
        .await
        .assert_problem(404, "not_found");
    app.get_as(As::RegionalOfficer, &format!("/api/v1/customers/{}", c.a))
        .await
        .assert_problem(403, "forbidden");
    let rows = audit_rows(app).await;
    let about_a: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| r.entry.customer_id.as_deref() == Some(c.a.as_str()))
        .map(|r| {
            (
                r.entry.action.as_str(),
                r.entry.outcome.as_str(),
                r.entry.actor_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        about_a,
        [
            ("customer.register", "success", "CaseworkerA"),
            ("customer.read", "success", "CaseworkerA"),
            ("customer.read", "not_found", "CaseworkerB"),
            ("customer.read", "denied", "RegionalOfficer"),
        ]
    );
    let read = rows
        .iter()
        .find(|r| r.entry.action == "customer.read")
        .expect("read row");
    assert!(read.entry.request_id.is_some() && read.entry.client_address.as_deref() == Some("127.0.0.1"));

    // A supervisor sees who has read the customer; the read of the log is itself logged.
    let log = app
        .get_as(As::SupervisorA, &format!("/api/v1/customers/{}/access-log", c.a))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let actors: Vec<&str> = log.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["actor_name"].as_str())
        .collect();
    assert!(
        actors.contains(&"CaseworkerB") && actors.contains(&"RegionalOfficer"),
        "{actors:?}"
    );

    // The administrator filters the whole log.
    let denied = app.get_as(As::Admin, "/api/v1/audit?outcome=denied").await;
    assert!(
        denied
            .body
            .as_array()
            .is_some_and(|rows| !rows.is_empty() && rows.iter().all(|r| r["outcome"] == "denied"))
    );

    assert!(matches!(
        kotopolku_service::audit::verify(&app.database.db)
            .await
            .expect("verify"),
        ChainReport::Intact { .. }
    ));
    // Someone with database access rewrites who read the customer.
    let victim = audit_rows(app)
        .await
        .into_iter()
        .find(|r| r.entry.actor_name == "CaseworkerB")
        .expect("row")
        .id;
    with_db!(&app.database.db, pool => {
        sqlx::query("UPDATE audit_log SET actor_name = 'Someone else' WHERE id = $1")
            .bind(victim)
            .execute(pool)
            .await
            .expect("tamper");
    });
    match kotopolku_service::audit::verify(&app.database.db)
        .await
        .expect("verify")
    {
        ChainReport::Broken(chain_break) => assert_eq!(chain_break.row_id, victim),
        other => panic!("tampering not found: {other:?}"),
    }
}

/// Own worklists for the roles with a grant, the unit's for supervisors only; nobody else has one.
async fn worklists_follow_the_policy(app: &TestApp) {
    for who in As::ALL {
        let role = who.role().expect("role");
        for (path, action) in [
            ("/api/v1/worklist", Action::WorklistRead),
            ("/api/v1/worklist?scope=unit", Action::UnitWorklistRead),
        ] {
            let reply = app.get_as(who, path).await;
            if access::grant_for(role, action).is_some() {
                assert_eq!(reply.status, 200, "{who:?} {path}: {}", reply.body);
            } else {
                reply.assert_problem(403, "forbidden");
            }
        }
    }
    app.get_as(As::CaseworkerA, "/api/v1/worklist?scope=everyone")
        .await
        .assert_problem(422, "validation_failed");
    let anonymous = crate::support::client_with_token(None)
        .get(app.url("/api/v1/worklist"))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), 401);
}
