//! Enforcing the access policy (`kotopolku_domain::access::POLICY`) in the use cases.

use kotopolku_domain::access::{self, Action, Grant, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::customer::Customer;
use kotopolku_store::directory;

use crate::audit::{Target, entry};
use crate::{ServiceError, Services};

impl Services {
    /// The grant for `action`, or `None` for the system, which the policy does not restrict.
    /// Refuses (and audits the refusal) when the role has no such grant.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        target: Target<'_>,
    ) -> Result<Option<&'static Grant>, ServiceError> {
        let Some(role) = actor.role else { return Ok(None) };
        match access::grant_for(role, action) {
            Some(grant) => Ok(Some(grant)),
            None => Err(self
                .refuse(
                    actor,
                    action,
                    target,
                    ServiceError::forbidden(format!("a {} may not do {}", role.as_str(), action.as_str())),
                )
                .await),
        }
    }

    /// Checks that `actor` may take `action` on `customer`: a customer outside the role's visibility
    /// is "not found" whatever the action, one inside it without a grant for the action is
    /// "forbidden", and a grant that needs a stated purpose needs one. Refusals are audited.
    pub(crate) async fn check_customer(
        &self,
        actor: &Actor,
        action: Action,
        customer: &Customer,
    ) -> Result<(), ServiceError> {
        let Some(role) = actor.role else { return Ok(()) };
        let target = Target::customer(&customer.id);
        let Some(visibility) = access::customer_visibility(role) else {
            return Err(self
                .refuse(
                    actor,
                    action,
                    target,
                    ServiceError::forbidden("this role sees no personal data"),
                )
                .await);
        };
        if !self.in_scope(actor, visibility, customer).await? {
            return Err(self.refuse(actor, action, target, ServiceError::NotFound).await);
        }
        let grant = self.authorize(actor, action, target).await?;
        if grant.is_some_and(|g| g.requires_purpose) && actor.purpose.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return Err(self
                .refuse(
                    actor,
                    action,
                    target,
                    ServiceError::Forbidden {
                        code: "purpose_required",
                        message: "state the purpose of use (Kotopolku-Purpose header)".into(),
                    },
                )
                .await);
        }
        Ok(())
    }

    async fn in_scope(&self, actor: &Actor, scope: Scope, customer: &Customer) -> Result<bool, ServiceError> {
        let Some(jurisdiction) = &actor.jurisdiction else {
            return Ok(false);
        };
        let counties = match jurisdiction {
            Jurisdiction::WellbeingCounty(_) => self.active_counties(&customer.id).await?,
            _ => Vec::new(),
        };
        Ok(access::customer_in_scope(
            scope,
            jurisdiction,
            &customer.data.municipality_code,
            &counties,
        ))
    }

    /// The wellbeing counties actively involved in a customer's multisectoral process.
    pub(crate) async fn active_counties(&self, customer_id: &str) -> Result<Vec<String>, ServiceError> {
        Ok(directory::involvements(&self.db, customer_id)
            .await?
            .into_iter()
            .filter(|i| i.ended_on.is_none())
            .map(|i| i.county_code)
            .collect())
    }

    /// Audits a refusal and hands the error back. If the audit write itself fails, that failure
    /// is what the caller sees: a refusal is never silently unlogged.
    pub(crate) async fn refuse(
        &self,
        actor: &Actor,
        action: Action,
        target: Target<'_>,
        error: ServiceError,
    ) -> ServiceError {
        let outcome = match error {
            ServiceError::NotFound => Outcome::NotFound,
            _ => Outcome::Denied,
        };
        match self
            .audit
            .record(vec![entry(actor, action.as_str(), target, outcome, self.clock.now())])
            .await
        {
            Ok(()) => error,
            Err(audit_error) => audit_error,
        }
    }

    /// Audits reads of personal data (unless read auditing is switched off for a benchmark).
    pub(crate) async fn audit_reads(
        &self,
        actor: &Actor,
        action: Action,
        targets: &[Target<'_>],
    ) -> Result<(), ServiceError> {
        if !self.read_audit || targets.is_empty() {
            return Ok(());
        }
        let at = self.clock.now();
        let entries = targets
            .iter()
            .map(|t| entry(actor, action.as_str(), *t, Outcome::Success, at))
            .collect();
        self.audit.record(entries).await
    }
}
