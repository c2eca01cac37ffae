//! The change feed: an ordered, gap-free, resumable list of changes to the customers in the
//! caller's scope, read from the audit log (every change writes its audit row in its own
//! transaction). Events carry ids and the kind of change, never contents: a consumer reads what
//! changed through the API, which checks and audits that read as any other.

use chrono::{DateTime, Utc};
use kotopolku_domain::access::{Action, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_store::audit as store;
use serde::Serialize;

use crate::audit::Target;
use crate::{ServiceError, Services};

pub const DEFAULT_EVENTS: i64 = 100;
pub const MAX_EVENTS: i64 = 1000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangeEvent {
    /// Pass the last event's cursor as `after` to continue from it.
    pub cursor: String,
    pub occurred_at: DateTime<Utc>,
    /// What happened: `customer.update`, `plan.revise`, `import.record_created`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub customer_id: String,
    /// The changed record's kind and id, when the change was to a record.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangeEventPage {
    pub events: Vec<ChangeEvent>,
    /// The cursor to ask from next; the same as given when there was nothing new.
    pub next_cursor: String,
    /// Whether more events were waiting than one page holds.
    pub more: bool,
}

impl From<store::ChangeEvent> for ChangeEvent {
    fn from(r: store::ChangeEvent) -> Self {
        ChangeEvent {
            cursor: r.id.to_string(),
            occurred_at: r.occurred_at,
            kind: r.action,
            customer_id: r.customer_id,
            target_type: r.target_type,
            target_id: r.target_id,
        }
    }
}

impl Services {
    /// Changes after `after` (a cursor from an earlier page; none: from the beginning).
    pub async fn change_events(
        &self,
        actor: &Actor,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<ChangeEventPage, ServiceError> {
        let grant = self.authorize(actor, Action::ChangeFeedRead, Target::default()).await?;
        let after_id = match after.map(str::trim) {
            None | Some("") => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|id| *id >= 0)
                .ok_or_else(|| ServiceError::field("after", "invalid_cursor", "not a cursor from this feed"))?,
        };
        let limit = limit.unwrap_or(DEFAULT_EVENTS);
        if !(1..=MAX_EVENTS).contains(&limit) {
            return Err(ServiceError::field(
                "limit",
                "out_of_range",
                format!("between 1 and {MAX_EVENTS}"),
            ));
        }
        let municipalities: Vec<String> = match (grant.map(|g| g.scope), &actor.jurisdiction) {
            (Some(Scope::UnitMunicipalities), Some(Jurisdiction::Municipalities(codes))) => codes.clone(),
            // The system (no grant needed) sees every municipality's changes.
            (None, _) => kotopolku_domain::code_lists::municipalities()
                .map(|m| m.code.clone())
                .collect(),
            _ => Vec::new(),
        };
        // One more than asked tells whether another page is waiting.
        let mut rows = store::changes_after(&self.db, after_id, limit + 1, &municipalities).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        self.audit_reads(
            actor,
            Action::ChangeFeedRead,
            &[Target::of("events", &after_id.to_string())],
        )
        .await?;
        let next_cursor = rows.last().map_or(after_id, |r| r.id).to_string();
        Ok(ChangeEventPage {
            events: rows.into_iter().map(ChangeEvent::from).collect(),
            next_cursor,
            more,
        })
    }
}
