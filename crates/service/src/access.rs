//! Enforcing the access policy (`kotopolku_domain::access::POLICY`) in the use cases.

use kotopolku_domain::access::{self, Action, Grant, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::customer::Customer;
use kotopolku_store::{customers, directory};

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

    /// Loads a customer for `action`, refusing (and auditing the refusal) what the actor may not do:
    /// a role that sees no customers is refused before anything is read; a customer outside the
    /// actor's scope is "not found", exactly like a missing one; one inside it without a grant for the
    /// action is "forbidden"; and a grant that needs a stated purpose needs one.
    pub(crate) async fn visible_customer(
        &self,
        actor: &Actor,
        action: Action,
        id: &str,
    ) -> Result<Customer, ServiceError> {
        let target = Target::customer(id);
        let visibility = match actor.role {
            None => None,
            Some(role) => match access::customer_visibility(role) {
                Some(scope) => Some(scope),
                None => {
                    return Err(self
                        .refuse(
                            actor,
                            action,
                            target,
                            ServiceError::forbidden("this role sees no personal data"),
                        )
                        .await);
                }
            },
        };
        let Some(customer) = customers::get(&self.db, id).await? else {
            return Err(self.refuse(actor, action, target, ServiceError::NotFound).await);
        };
        let Some(visibility) = visibility else {
            return Ok(customer);
        };
        if !self.in_scope(actor, visibility, &customer).await? {
            return Err(self.refuse(actor, action, target, ServiceError::NotFound).await);
        }
        let grant = self.authorize(actor, action, target).await?;
        if grant.is_some_and(|g| g.requires_purpose) && !has_purpose(actor) {
            return Err(self
                .refuse(actor, action, target, ServiceError::purpose_required())
                .await);
        }
        Ok(customer)
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

impl Services {
    /// Audits the reads of one page or report in one group: one commit for all of them.
    pub(crate) async fn audit_reads_of(
        &self,
        actor: &Actor,
        reads: &[(Action, Target<'_>)],
    ) -> Result<(), ServiceError> {
        if !self.read_audit || reads.is_empty() {
            return Ok(());
        }
        let at = self.clock.now();
        let entries = reads
            .iter()
            .map(|(action, target)| entry(actor, action.as_str(), *target, Outcome::Success, at))
            .collect();
        self.audit.record(entries).await
    }
}

/// Whether the actor stated a purpose of use for this request.
pub(crate) fn has_purpose(actor: &Actor) -> bool {
    actor.purpose.as_deref().is_some_and(|p| !p.trim().is_empty())
}
