//! Outgoing webhooks: an organisation's change feed pushed to a URL. The web layer's delivery task
//! asks for the due webhooks and their next events, posts them signed, and reports back here; a
//! failed delivery is tried again after a pause that doubles up to an hour, from the same cursor, so
//! a receiver gets every change in order at least once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kotopolku_domain::access::Action;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_store::audit as audit_store;
use kotopolku_store::webhooks::{self as store, Webhook};

use crate::audit::{self, Target};
use crate::events::ChangeEvent;
use crate::{ServiceError, Services};

/// Events per delivery.
pub const EVENTS_PER_DELIVERY: i64 = 100;
const FIRST_PAUSE: Duration = Duration::from_secs(5);
const LONGEST_PAUSE: Duration = Duration::from_secs(3600);

/// A delivery to make: the webhook, the events after its cursor, and the cursor after them.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub webhook: Webhook,
    pub events: Vec<ChangeEvent>,
    pub next_cursor: i64,
}

impl Services {
    /// Makes a webhook for `organisation_id`'s customers and returns it with its secret (shown once).
    /// HTTPS only, except to this machine (a receiver on loopback, as in tests and local relays).
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        organisation_id: &str,
        url: &str,
    ) -> Result<Webhook, ServiceError> {
        self.authorize(
            actor,
            Action::OrganisationManage,
            Target::of("organisation", organisation_id),
        )
        .await?;
        let url = url.trim();
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|prefix| url.starts_with(&format!("{prefix}:")) || url.starts_with(&format!("{prefix}/")));
        if !(url.starts_with("https://") || loopback) || url.len() > 500 || url.contains(char::is_whitespace) {
            return Err(ServiceError::field(
                "url",
                "invalid_url",
                "an https:// address (http:// only to this machine)",
            ));
        }
        let organisation = self.organisation(organisation_id).await?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let webhook = Webhook {
            id: uuid::Uuid::now_v7().to_string(),
            organisation_id: organisation.id.clone(),
            url: url.to_owned(),
            secret: key.iter().map(|b| format!("{b:02x}")).collect(),
            // New webhooks start from now: the history is in the feed for whoever needs it.
            cursor: audit_store::last_id(&self.db).await?,
            failures: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
        };
        store::insert(&self.db, &webhook).await?;
        let mut tx = self.db.begin().await?;
        audit::record_success(
            &mut tx,
            actor,
            "webhook.create",
            Target::of("webhook", &webhook.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(webhook)
    }

    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>, ServiceError> {
        self.authorize(actor, Action::OrganisationManage, Target::default())
            .await?;
        Ok(store::all(&self.db).await?)
    }

    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        self.authorize(actor, Action::OrganisationManage, Target::of("webhook", id))
            .await?;
        if !store::delete(&self.db, id).await? {
            return Err(ServiceError::NotFound);
        }
        let mut tx = self.db.begin().await?;
        audit::record_success(
            &mut tx,
            actor,
            "webhook.delete",
            Target::of("webhook", id),
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The deliveries due now: each due webhook with the events after its cursor (none when
    /// nothing happened; the webhook is then not called).
    pub async fn due_deliveries(&self) -> Result<Vec<Delivery>, ServiceError> {
        let mut deliveries = Vec::new();
        for webhook in store::due(&self.db, self.clock.now()).await? {
            let organisation = self.organisation(&webhook.organisation_id).await?;
            let rows = audit_store::changes_after(
                &self.db,
                webhook.cursor,
                EVENTS_PER_DELIVERY,
                &organisation.municipalities,
            )
            .await?;
            if rows.is_empty() {
                continue;
            }
            let next_cursor = rows.last().map_or(webhook.cursor, |r| r.id);
            deliveries.push(Delivery {
                events: rows.into_iter().map(ChangeEvent::from).collect(),
                next_cursor,
                webhook,
            });
        }
        Ok(deliveries)
    }

    /// A delivery the receiver answered with 2xx: the cursor moves on, and the disclosure of the
    /// events' ids is audited.
    pub async fn delivered(&self, delivery: &Delivery) -> Result<(), ServiceError> {
        let now = self.clock.now();
        store::update_state(&self.db, &delivery.webhook.id, delivery.next_cursor, 0, now, None).await?;
        let actor = Actor {
            display_name: format!("Webhook {}", delivery.webhook.url),
            ..Actor::system()
        };
        let rows: Vec<_> = delivery
            .events
            .iter()
            .map(|e| {
                audit::entry(
                    &actor,
                    "events.deliver",
                    Target {
                        kind: Some("webhook"),
                        id: Some(&delivery.webhook.id),
                        customer_id: Some(&e.customer_id),
                    },
                    Outcome::Success,
                    now,
                )
            })
            .collect();
        self.audit.record(rows).await
    }

    /// A failed attempt: the cursor stays, and the next attempt waits twice as long as the last.
    pub async fn delivery_failed(&self, delivery: &Delivery, error: &str) -> Result<DateTime<Utc>, ServiceError> {
        let failures = delivery.webhook.failures + 1;
        let pause = FIRST_PAUSE
            .saturating_mul(2u32.saturating_pow(u32::try_from(failures - 1).unwrap_or(u32::MAX).min(20)))
            .min(LONGEST_PAUSE);
        let next = self.clock.now() + chrono::Duration::from_std(pause).unwrap_or_else(|_| chrono::Duration::hours(1));
        let error: String = error.chars().take(500).collect();
        store::update_state(
            &self.db,
            &delivery.webhook.id,
            delivery.webhook.cursor,
            failures,
            next,
            Some(&error),
        )
        .await?;
        tracing::warn!(webhook = %delivery.webhook.id, failures, %error, "webhook delivery failed");
        Ok(next)
    }
}
