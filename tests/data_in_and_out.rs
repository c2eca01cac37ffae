//! Data in and out over the API, on both databases: the right of access (GDPR article 15), the change
//! feed, and the hand-over of a customer who moves to another municipality. The customers are those of
//! the access tests: `a` and `c` in unit A's Helsinki, `b` in unit B's Vantaa.

use serde_json::{Value, json};

use crate::access::{audit_rows, customer, customers};
use crate::on_both_backends;
use crate::support::{As, TestApp};

on_both_backends!(
    the_subject_access_answer_holds_everything_and_is_audited,
    the_change_feed_is_ordered_resumable_and_scoped,
    a_customer_who_moves_is_handed_over_to_the_new_unit,
);

/// A customer asks what is held about them (GDPR article 15): the supervisor's answer has the basic
/// data, its history, every version of every record (sensitive notes too), the county involvement
/// and everyone who has read the data, the answer's own making included.
async fn the_subject_access_answer_holds_everything_and_is_audited(app: &TestApp) {
    let c = customers(app).await;
    let id = &c.c;
    let note = json!({"kind": "note", "written_on": "2026-06-01", "note_type": "meeting",
        "text": "Tapaaminen.\nToinen kappale.", "confidentiality": "sensitive"});
    let added = app
        .post_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/records"), &note)
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let record_id = added.body["id"].as_str().expect("record id").to_owned();
    let mut corrected = note.clone();
    corrected["text"] = json!("Tapaaminen tulkin kanssa.");
    corrected["version"] = json!(1);
    let revised = app
        .put_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{id}/records/{record_id}"),
            &corrected,
        )
        .await;
    assert_eq!(revised.status, 200, "{}", revised.body);
    let mut changed = customer("Castrén-Korhonen", "091");
    changed["version"] = json!(1);
    let updated = app
        .put_as(As::CaseworkerA, &format!("/api/v1/customers/{id}"), &changed)
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);

    let answer = app
        .get_as(As::SupervisorA, &format!("/api/v1/customers/{id}/subject-access"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = &answer.body;
    assert_eq!(body["format"], "kotopolku-subject-access/1");
    assert_eq!(body["customer"]["family_name"], "Castrén-Korhonen");
    assert!(
        body["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["field"] == "family_name"
                && e["old_value"] == "Castrén"
                && e["new_value"] == "Castrén-Korhonen"),
        "{body}"
    );
    let versions: Vec<(i64, &str)> = body["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["id"] == record_id.as_str())
        .map(|r| {
            (
                r["version"].as_i64().unwrap_or(0),
                r["content"]["text"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [(1, "Tapaaminen.\nToinen kappale."), (2, "Tapaaminen tulkin kanssa.")]
    );
    assert_eq!(body["county_involvements"][0]["county_code"], "90");
    let log: Vec<(&str, &str)> = body["access_log"]
        .as_array()
        .expect("access log")
        .iter()
        .map(|e| (e["actor"].as_str().unwrap_or(""), e["action"].as_str().unwrap_or("")))
        .collect();
    assert!(log.contains(&("CaseworkerA", "customer.register")), "{log:?}");
    assert!(log.contains(&("CaseworkerA", "note.create")), "{log:?}");
    assert!(log.contains(&("CaseworkerA", "note.revise")), "{log:?}");
    assert_eq!(
        log.last(),
        Some(&("SupervisorA", "customer.subject_access")),
        "its own row comes last"
    );
    assert_eq!(body["sources"], json!([]));

    // Caseworkers do not answer access requests; another unit's supervisor does not see the customer.
    app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/subject-access"))
        .await
        .assert_problem(403, "forbidden");
    app.get_as(As::SupervisorB, &format!("/api/v1/customers/{id}/subject-access"))
        .await
        .assert_problem(404, "not_found");
}

/// The change feed gives each unit the changes to its own customers, in order, a page at a time,
/// and a consumer that resumes from its last cursor gets exactly what happened since.
async fn the_change_feed_is_ordered_resumable_and_scoped(app: &TestApp) {
    let c = customers(app).await;
    let first = app.get_as(As::SupervisorA, "/api/v1/events?limit=2").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["events"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.body["more"], true);
    let rest = app
        .get_as(
            As::SupervisorA,
            &format!(
                "/api/v1/events?after={}",
                first.body["next_cursor"].as_str().expect("cursor")
            ),
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    assert_eq!(rest.body["more"], false);
    let events: Vec<Value> = first.body["events"]
        .as_array()
        .into_iter()
        .chain(rest.body["events"].as_array())
        .flatten()
        .cloned()
        .collect();
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                e["customer_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("customer.register".to_owned(), c.a.clone()),
            ("customer.register".to_owned(), c.c.clone()),
            ("customer.county_involvement.start".to_owned(), c.c.clone()),
        ],
        "unit A's changes in order, none of unit B's"
    );
    let cursors: Vec<i64> = events
        .iter()
        .map(|e| e["cursor"].as_str().and_then(|c| c.parse().ok()).unwrap_or(0))
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");

    // Resuming from the last cursor gives exactly the new change, and reads are not changes.
    let last = rest.body["next_cursor"].as_str().expect("cursor").to_owned();
    app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{}", c.a)).await;
    let note = json!({"kind": "note", "written_on": "2026-06-01", "note_type": "phone_call", "text": "Soitto."});
    let added = app
        .post_as(As::CaseworkerA, &format!("/api/v1/customers/{}/records", c.a), &note)
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let new = app
        .get_as(As::SupervisorA, &format!("/api/v1/events?after={last}"))
        .await;
    assert_eq!(new.status, 200, "{}", new.body);
    let new_events = new.body["events"].as_array().expect("events");
    assert_eq!(new_events.len(), 1, "{}", new.body);
    assert_eq!(new_events[0]["type"], "note.create");
    assert_eq!(new_events[0]["target_id"], added.body["id"]);
    let quiet = app
        .get_as(
            As::SupervisorA,
            &format!(
                "/api/v1/events?after={}",
                new.body["next_cursor"].as_str().expect("cursor")
            ),
        )
        .await;
    assert_eq!(quiet.body["events"], json!([]));
    assert_eq!(
        quiet.body["next_cursor"], new.body["next_cursor"],
        "nothing new: the same cursor"
    );

    let b_events = app.get_as(As::SupervisorB, "/api/v1/events").await;
    let b_customers: Vec<&str> = b_events.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["customer_id"].as_str())
        .collect();
    assert_eq!(b_customers, [c.b.as_str()]);

    app.get_as(As::CaseworkerA, "/api/v1/events")
        .await
        .assert_problem(403, "forbidden");
    app.get_as(As::SupervisorA, "/api/v1/events?after=x")
        .await
        .assert_problem(422, "validation_failed");
    app.get_as(As::SupervisorA, "/api/v1/events?limit=0")
        .await
        .assert_problem(422, "validation_failed");
}

/// A customer moves from Helsinki (unit A) to Vantaa (unit B): A hands the file over, B sees who is
/// coming and accepts, and afterwards the file is B's alone, with the move in its history; A keeps the
/// hand-over's record. A decline leaves the customer with A; every step is audited.
async fn a_customer_who_moves_is_handed_over_to_the_new_unit(app: &TestApp) {
    let c = customers(app).await;
    let id = &c.a;
    let note =
        json!({"kind": "note", "written_on": "2026-06-01", "note_type": "meeting", "text": "Muuttaa Vantaalle."});
    let added = app
        .post_as(As::CaseworkerA, &format!("/api/v1/customers/{id}/records"), &note)
        .await;
    assert_eq!(added.status, 201, "{}", added.body);

    // Bad requests change nothing.
    app.post_as(
        As::CaseworkerA,
        &format!("/api/v1/customers/{id}/handovers"),
        &json!({"to_municipality": "091", "moved_on": "2026-06-10"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post_as(
        As::CaseworkerB,
        &format!("/api/v1/customers/{id}/handovers"),
        &json!({"to_municipality": "092", "moved_on": "2026-06-10"}),
    )
    .await
    .assert_problem(404, "not_found");

    let requested = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{id}/handovers"),
            &json!({"to_municipality": "092", "moved_on": "2026-06-10"}),
        )
        .await;
    assert_eq!(requested.status, 201, "{}", requested.body);
    assert_eq!(requested.body["status"], "pending");
    let handover = requested.body["id"].as_str().expect("id").to_owned();
    app.post_as(
        As::CaseworkerA,
        &format!("/api/v1/customers/{id}/handovers"),
        &json!({"to_municipality": "092", "moved_on": "2026-06-10"}),
    )
    .await
    .assert_problem(409, "handover_pending");

    // Unit B sees who is coming, but not the file before accepting it.
    let incoming = app.get_as(As::CaseworkerB, "/api/v1/handovers").await;
    assert_eq!(incoming.status, 200, "{}", incoming.body);
    assert_eq!(incoming.body["incoming"][0]["family_name"], "Aaltonen");
    assert_eq!(incoming.body["incoming"][0]["status"], "pending");
    app.get_as(As::CaseworkerB, &format!("/api/v1/customers/{id}"))
        .await
        .assert_problem(404, "not_found");
    // Only the receiving unit accepts, only the sending one cancels.
    app.post_as(
        As::CaseworkerA,
        &format!("/api/v1/handovers/{handover}/accept"),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post_as(
        As::CaseworkerB,
        &format!("/api/v1/handovers/{handover}/cancel"),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");

    let accepted = app
        .post_as(
            As::CaseworkerB,
            &format!("/api/v1/handovers/{handover}/accept"),
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    let moved = app.get_as(As::CaseworkerB, &format!("/api/v1/customers/{id}")).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["municipality_code"], "092");
    let records = app
        .get_as(As::CaseworkerB, &format!("/api/v1/customers/{id}/records"))
        .await;
    assert_eq!(
        records.body["records"].as_array().map(Vec::len),
        Some(1),
        "the file came along: {}",
        records.body
    );
    app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{id}"))
        .await
        .assert_problem(404, "not_found");
    let history = app
        .get_as(As::CaseworkerB, &format!("/api/v1/customers/{id}/history"))
        .await;
    assert!(
        history.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["change_kind"] == "handed_over" && e["old_value"] == "091" && e["new_value"] == "092"),
        "{}",
        history.body
    );
    let outgoing = app.get_as(As::CaseworkerA, "/api/v1/handovers").await;
    assert_eq!(outgoing.body["outgoing"][0]["id"], handover.as_str());
    assert_eq!(outgoing.body["outgoing"][0]["status"], "accepted");
    app.post_as(
        As::CaseworkerB,
        &format!("/api/v1/handovers/{handover}/accept"),
        &json!({}),
    )
    .await
    .assert_problem(409, "handover_not_pending");
    // The name search of the new unit finds the customer; the old unit's does not.
    let found_b = app.get_as(As::CaseworkerB, "/api/v1/customers?name=aaltonen").await;
    assert_eq!(
        found_b.body["customers"].as_array().map(Vec::len),
        Some(1),
        "{}",
        found_b.body
    );
    let found_a = app.get_as(As::CaseworkerA, "/api/v1/customers?name=aaltonen").await;
    assert_eq!(
        found_a.body["customers"].as_array().map(Vec::len),
        Some(0),
        "{}",
        found_a.body
    );

    // A declined hand-over leaves the customer where they were.
    let other = app
        .post_as(
            As::CaseworkerA,
            &format!("/api/v1/customers/{}/handovers", c.c),
            &json!({"to_municipality": "092", "moved_on": "2026-06-12"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.body);
    let other_id = other.body["id"].as_str().expect("id");
    app.post_as(
        As::CaseworkerB,
        &format!("/api/v1/handovers/{other_id}/decline"),
        &json!({"reason": " "}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let declined = app
        .post_as(
            As::CaseworkerB,
            &format!("/api/v1/handovers/{other_id}/decline"),
            &json!({"reason": "Muutto ei toteutunut."}),
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    let stays = app.get_as(As::CaseworkerA, &format!("/api/v1/customers/{}", c.c)).await;
    assert_eq!(stays.body["municipality_code"], "091");

    let actions: Vec<String> = audit_rows(app)
        .await
        .into_iter()
        .map(|r| r.entry.action)
        .filter(|a| a.starts_with("customer.handover"))
        .collect();
    for expected in [
        "customer.handover.request",
        "customer.handover.receive",
        "customer.handover.accept",
        "customer.handover.decline",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
}
