//! The national integration data repository export (valtakunnallinen kotoutumisen tietovaranto,
//! 681/2023 §74): a municipal unit delivers its customers' assessments and plans with the contents
//! Decree 874/2024 §1-§2 lists.

use chrono::NaiveDate;
use kotopolku_domain::access::{self, Action, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::repository_export::{DataSource, ExportDocument, Period, build_document};
use kotopolku_store::repository_export as store;

use crate::audit::Target;
use crate::{ServiceError, Services};

/// What the audit row of the export itself names as its target type; its id is the period.
pub const EXPORT_TARGET: &str = "national_repository_export";

impl Services {
    /// The export of the assessments started, and the plans drawn up, from `from` to `to` (inclusive,
    /// at most a year) of the customers living in the actor's unit's municipalities: current
    /// versions only.
    ///
    /// It is personal data of many people at once, so only a role granted `RepositoryExport` within
    /// its unit's municipalities may make it, and it is audited like reading each of those customers:
    /// one row per exported customer (in their access log) and one for the export, committed as
    /// one group before the document is handed out.
    pub async fn national_export(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<ExportDocument, ServiceError> {
        let target = Target {
            kind: Some(EXPORT_TARGET),
            ..Target::default()
        };
        let grant = self.authorize(actor, Action::RepositoryExport, target).await?;
        let municipalities = match (grant.map(|g| g.scope), &actor.jurisdiction, &actor.organisation_id) {
            (Some(Scope::UnitMunicipalities), Some(Jurisdiction::Municipalities(codes)), Some(_)) => {
                let mut codes = codes.clone();
                codes.sort();
                codes
            }
            // The system, or a grant of another scope: the export is always one unit's delivery.
            _ => {
                return Err(self
                    .refuse(
                        actor,
                        Action::RepositoryExport,
                        target,
                        ServiceError::forbidden("the national repository export is made by a municipal unit"),
                    )
                    .await);
            }
        };
        let period = Period::new(from, to).map_err(|violation| ServiceError::InvalidQuery(vec![violation]))?;
        let unit_id = actor.organisation_id.as_deref().unwrap_or_default();
        let unit = self.organisation(unit_id).await?;
        let mut sources = store::current_in_period(&self.db, &municipalities, period.from, period.to).await?;
        // The policy's own check of what the role sees of the process, as every read applies it.
        if let (Some(role), Some(jurisdiction)) = (actor.role, &actor.jurisdiction) {
            sources.retain(|s| {
                access::process_record_visible(
                    role,
                    jurisdiction,
                    s.record.county_code.as_deref(),
                    s.record.content.is_sensitive(),
                )
            });
        }
        let document = build_document(
            self.clock.now(),
            period,
            municipalities,
            &sources,
            &DataSource::new(&unit.id, &unit.name),
        );

        let mut customers: Vec<&str> = document
            .assessments
            .iter()
            .map(|a| a.customer_id.as_str())
            .chain(document.plans.iter().map(|p| p.customer_id.as_str()))
            .collect();
        customers.sort_unstable();
        customers.dedup();
        let period_id = format!("{}/{}", period.from, period.to);
        let mut reads: Vec<(Action, Target<'_>)> = customers
            .iter()
            .map(|id| (Action::RepositoryExport, Target::customer(id)))
            .collect();
        reads.push((Action::RepositoryExport, Target::of(EXPORT_TARGET, &period_id)));
        self.audit_reads_of(actor, &reads).await?;
        Ok(document)
    }
}
