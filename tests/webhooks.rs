//! Outgoing webhooks on both databases: a receiver on loopback gets the changes to its
//! organisation's customers, signed with the webhook's secret (checked here with another HMAC
//! implementation); a failed delivery is tried again later from the same cursor, so nothing is lost.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use kotopolku_domain::actor::Actor;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, TestApp, test_now};

on_both_backends!(changes_reach_the_receiver_signed_and_in_order_despite_a_failure,);

#[derive(Clone, Default)]
struct Received {
    deliveries: Arc<Mutex<Vec<(String, String)>>>,
}

/// A receiver that answers 500 to its first delivery and 200 to the rest.
async fn receiver() -> (String, Received) {
    let received = Received::default();
    let state = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let signature = headers
                    .get("kotopolku-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let mut deliveries = state.deliveries.lock().expect("lock");
                deliveries.push((signature, body));
                if deliveries.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (format!("http://{address}/hook"), received)
}

/// `t=...,v1=...` checked with aws-lc-rs's HMAC, not the implementation under test.
fn signed_correctly(header: &str, secret: &str, body: &str) -> bool {
    let Some((t, v1)) = header.strip_prefix("t=").and_then(|rest| rest.split_once(",v1=")) else {
        return false;
    };
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{t}.{body}").as_bytes());
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    hex == v1
}

async fn changes_reach_the_receiver_signed_and_in_order_despite_a_failure(app: &TestApp) {
    let (url, received) = receiver().await;
    let webhook = app
        .services
        .create_webhook(&Actor::system(), &app.directory.unit_a, &url)
        .await
        .expect("webhook");
    assert!(
        app.services
            .create_webhook(&Actor::system(), &app.directory.unit_a, "http://example.org/hook")
            .await
            .is_err(),
        "plain http to another machine is refused"
    );
    let register = |family: &str, municipality: &str| {
        json!({"family_name": family, "given_names": "Testi", "birth_date": "1990-01-01",
            "municipality_code": municipality, "customership_start": "2026-01-01"})
    };
    let a = app
        .post_as(As::CaseworkerA, "/api/v1/customers", &register("Aalto", "091"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b = app
        .post_as(As::CaseworkerB, "/api/v1/customers", &register("Berg", "092"))
        .await;
    assert_eq!(b.status, 201, "{}", b.body);
    let client = reqwest::Client::new();

    // The first delivery fails: the cursor stays, and nothing is tried before the pause is over.
    kotopolku_web::webhooks::deliver_due(&app.services, &client).await;
    kotopolku_web::webhooks::deliver_due(&app.services, &client).await;
    assert_eq!(received.deliveries.lock().expect("lock").len(), 1);
    let state = app.services.webhooks(&Actor::system()).await.expect("list");
    assert_eq!((state[0].failures, state[0].cursor), (1, webhook.cursor));
    assert!(state[0].last_error.as_deref().is_some_and(|e| e.contains("500")));

    // After the pause the same events come again and are taken.
    app.clock.set(test_now() + chrono::Duration::seconds(6));
    kotopolku_web::webhooks::deliver_due(&app.services, &client).await;
    let deliveries = received.deliveries.lock().expect("lock").clone();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].1, deliveries[1].1, "the retry carries the same events");
    let (signature, body) = &deliveries[1];
    assert!(signed_correctly(signature, &webhook.secret, body), "{signature}");
    assert!(!signed_correctly(signature, "another secret", body));
    let body: Value = serde_json::from_str(body).expect("json");
    let events: Vec<(&str, &str)> = body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or(""),
                e["customer_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [("customer.register", a.body["id"].as_str().expect("id"))],
        "unit A's change only"
    );
    let state = app.services.webhooks(&Actor::system()).await.expect("list");
    assert_eq!(state[0].failures, 0);
    assert_eq!(
        state[0].cursor.to_string(),
        body["next_cursor"].as_str().expect("cursor")
    );

    // Nothing new: the receiver is not called.
    kotopolku_web::webhooks::deliver_due(&app.services, &client).await;
    assert_eq!(received.deliveries.lock().expect("lock").len(), 2);
}
