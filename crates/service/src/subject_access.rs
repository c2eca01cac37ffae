//! The data subject's right of access (GDPR article 15): everything Kotopolku holds about one
//! customer, including who has read or changed it, in one answer that can be handed to them.

use chrono::{DateTime, Utc};
use kotopolku_domain::access::Action;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::AuditRow;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::directory::CountyInvolvement;
use kotopolku_domain::process::ProcessRecord;
use kotopolku_store::audit::{self as audit_store, AuditFilter};
use kotopolku_store::customers as customer_store;
use kotopolku_store::import::{self as import_store, SourceLink};
use serde::Serialize;

use crate::audit::Target;
use crate::customers::HistoryEntry;
use crate::{ServiceError, Services};

/// Audit rows read per query while the whole access log is collected.
const AUDIT_PAGE: i64 = 1_000;

/// Everything held about a customer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubjectAccessReport {
    /// The format's version; a reader of the JSON checks it.
    pub format: &'static str,
    pub generated_at: DateTime<Utc>,
    /// Why the data is processed and on what basis, in English; the readable document translates it.
    pub purposes: Vec<&'static str>,
    pub customer: Customer,
    /// Every change of the basic data, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Every version of every process record, sensitive notes included, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<ProcessRecord>,
    pub county_involvements: Vec<CountyInvolvement>,
    /// Legacy systems the data was migrated from.
    pub sources: Vec<DataSource>,
    /// Everyone who has read or changed the data, oldest first (this answer's own row included).
    pub access_log: Vec<AccessLogEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DataSource {
    pub source: String,
    /// customer, assessment, plan, referral or note.
    pub kind: String,
    pub legacy_id: String,
    pub imported_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessLogEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub organisation_id: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub purpose: Option<String>,
    pub outcome: String,
}

/// The purposes stated to the customer. Kept here, next to the data they explain.
const PURPOSES: &[&str] = &[
    "Assessing skills and integration service needs (Act on the Promotion of Integration 681/2023, sections 9-11)",
    "Drawing up, carrying out and following up the integration plan (681/2023, sections 15-16)",
    "Referring the customer to services and following up the referrals (681/2023, section 12)",
    "Statistics and the national integration data repository, without names (681/2023, section 74)",
];

impl Services {
    /// Everything held about `customer_id`. Its making is audited as a disclosure.
    pub async fn subject_access(&self, actor: &Actor, customer_id: &str) -> Result<SubjectAccessReport, ServiceError> {
        let customer = self.visible_customer(actor, Action::SubjectAccess, customer_id).await?;
        // Audited first, so that the answer's own row is in the access log it contains.
        self.audit_reads(actor, Action::SubjectAccess, &[Target::customer(customer_id)])
            .await?;
        self.audit.flush().await?;
        let history = customer_store::history(&self.db, customer_id)
            .await?
            .into_iter()
            .map(HistoryEntry::from)
            .collect();
        let records = kotopolku_store::process::all_versions(&self.db, customer_id).await?;
        let county_involvements = kotopolku_store::directory::involvements(&self.db, customer_id).await?;
        let sources = import_store::links_of_customer(&self.db, customer_id)
            .await?
            .into_iter()
            .map(|l: SourceLink| DataSource {
                source: l.source,
                kind: l.kind,
                legacy_id: l.legacy_id,
                imported_at: l.imported_at,
            })
            .collect();
        let mut rows: Vec<AuditRow> = Vec::new();
        let mut before_id = None;
        loop {
            let page = audit_store::query(
                &self.db,
                &AuditFilter {
                    customer_id: Some(customer_id.to_owned()),
                    before_id,
                    limit: AUDIT_PAGE,
                    ..AuditFilter::default()
                },
            )
            .await?;
            let Some(last) = page.last() else { break };
            before_id = Some(last.id);
            let full = page.len() as i64 == AUDIT_PAGE;
            rows.extend(page);
            if !full {
                break;
            }
        }
        rows.reverse();
        let access_log = rows
            .into_iter()
            .map(|row| {
                let e = row.entry;
                AccessLogEntry {
                    at: e.occurred_at,
                    actor: e.actor_name,
                    organisation_id: e.organisation_id,
                    role: e.role,
                    action: e.action,
                    target_type: e.target_type,
                    purpose: e.purpose,
                    outcome: e.outcome,
                }
            })
            .collect();
        Ok(SubjectAccessReport {
            format: "kotopolku-subject-access/1",
            generated_at: self.clock.now(),
            purposes: PURPOSES.to_vec(),
            customer,
            history,
            records,
            county_involvements,
            sources,
            access_log,
        })
    }
}
