//! The webhook delivery task: every few seconds, each due webhook gets the changes after its cursor
//! as one signed POST. A 2xx answer moves the cursor; anything else (or no answer within ten
//! seconds) leaves it and waits longer before the next try. Redirects are not followed: a receiver
//! that moved is configured again, not chased.

use std::time::Duration;

use kotopolku_domain::webhook::{SIGNATURE_HEADER, signature};
use kotopolku_service::Services;
use kotopolku_service::webhooks::Delivery;
use serde_json::json;

/// Starts the task on the current runtime.
pub fn start(services: Services, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks are off: no HTTP client");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            deliver_due(&services, &client).await;
        }
    }))
}

/// One round: every due delivery, one after another.
pub async fn deliver_due(services: &Services, client: &reqwest::Client) {
    let deliveries = match services.due_deliveries().await {
        Ok(deliveries) => deliveries,
        Err(error) => {
            tracing::warn!(%error, "cannot read the webhooks' deliveries");
            return;
        }
    };
    for delivery in deliveries {
        let outcome = match post(services, client, &delivery).await {
            Ok(()) => services.delivered(&delivery).await,
            Err(error) => services.delivery_failed(&delivery, &error).await.map(|_| ()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, webhook = %delivery.webhook.id, "cannot record a webhook delivery");
        }
    }
}

async fn post(services: &Services, client: &reqwest::Client, delivery: &Delivery) -> Result<(), String> {
    let body = json!({
        "webhook_id": delivery.webhook.id,
        "events": delivery.events,
        "next_cursor": delivery.next_cursor.to_string(),
    })
    .to_string();
    let timestamp = services.clock().now().timestamp();
    let response = client
        .post(&delivery.webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            SIGNATURE_HEADER,
            signature(&delivery.webhook.secret, timestamp, body.as_bytes()),
        )
        .header("Kotopolku-Delivery", uuid::Uuid::new_v4().to_string())
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", response.status()))
    }
}
