//! The retention job: records whose period has passed are deleted, and customers whose period has
//! passed are anonymised, keeping what statistics count by. Run daily (`kotopolku retention run`,
//! from a timer); `--dry-run` reports what it would do and writes nothing.

use std::collections::BTreeMap;

use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::process::RecordKind;
use kotopolku_domain::retention::{RetentionRules, anonymised};
use kotopolku_store::retention as store;

use crate::audit::{self, Target};
use crate::{ServiceError, Services};

/// Records or customers handled per transaction.
const BATCH: i64 = 500;

/// What the job did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Records deleted per kind (every version of a record counts once).
    pub records_deleted: BTreeMap<&'static str, u64>,
    pub customers_anonymised: u64,
}

impl Services {
    /// Applies `rules` as of today. Each deletion and anonymisation is audited by the system.
    pub async fn apply_retention(
        &self,
        rules: &RetentionRules,
        dry_run: bool,
    ) -> Result<RetentionReport, ServiceError> {
        rules
            .check()
            .map_err(|message| ServiceError::field("retention", "invalid_rules", message))?;
        let actor = Actor {
            display_name: "Retention".into(),
            ..Actor::system()
        };
        let today = self.clock.today();
        let mut report = RetentionReport::default();
        for kind in RecordKind::ALL {
            let ended_by = RetentionRules::ended_on_or_before(today, rules.years(kind));
            let mut deleted = 0;
            loop {
                // A dry run cannot page by deleting: it counts every expired record in one read.
                let limit = if dry_run { i64::MAX } else { BATCH };
                let expired = store::expired_records(&self.db, kind.as_str(), ended_by, limit).await?;
                if expired.is_empty() {
                    break;
                }
                deleted += expired.len() as u64;
                if dry_run {
                    break;
                }
                let now = self.clock.now();
                let ids: Vec<String> = expired.iter().map(|(_, id)| id.clone()).collect();
                let rows: Vec<_> = expired
                    .iter()
                    .map(|(customer, id)| {
                        audit::entry(
                            &actor,
                            "retention.delete_record",
                            Target::record(kind.as_str(), id, customer),
                            Outcome::Success,
                            now,
                        )
                    })
                    .collect();
                let mut tx = self.db.begin().await?;
                store::delete_records(&mut tx, &ids).await?;
                audit::record_in(&mut tx, &rows).await?;
                tx.commit().await?;
            }
            if deleted > 0 {
                report.records_deleted.insert(kind.as_str(), deleted);
            }
        }

        let ended_by = RetentionRules::ended_on_or_before(today, rules.customer_years);
        let mut statistics_ready = false;
        loop {
            let limit = if dry_run { i64::MAX } else { BATCH };
            let expired = store::expired_customers(&self.db, ended_by, limit).await?;
            if expired.is_empty() {
                break;
            }
            report.customers_anonymised += expired.len() as u64;
            if dry_run {
                break;
            }
            if !statistics_ready {
                // Facts not yet derived would be derived later from what anonymisation leaves; derive
                // them now, from the full data.
                self.refresh_statistics().await?;
                statistics_ready = true;
            }
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let mut rows = Vec::with_capacity(expired.len());
            for customer in &expired {
                store::anonymise(&mut tx, customer, &anonymised(customer), now).await?;
                rows.push(audit::entry(
                    &actor,
                    "retention.anonymise",
                    Target::customer(&customer.id),
                    Outcome::Success,
                    now,
                ));
            }
            audit::record_in(&mut tx, &rows).await?;
            tx.commit().await?;
        }
        Ok(report)
    }
}
