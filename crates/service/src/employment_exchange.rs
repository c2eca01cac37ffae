//! Exchange with the employment services: a customer's assessment and plan out as one document,
//! and a document from the employment services in as the customer's records. Each disclosure names
//! its legal basis or the customer's consent, which goes into the audit row.

use kotopolku_domain::access::Action;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::employment_exchange::{Disclosure, ExchangeDocument};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind, ValidationContext};
use kotopolku_domain::validation::FieldViolation;
use kotopolku_store::process as store;
use serde::Serialize;

use crate::audit::Target;
use crate::{ServiceError, Services};

/// What an imported document became.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportedExchange {
    pub customer_id: String,
    pub assessment: Option<ProcessRecord>,
    pub plan: Option<ProcessRecord>,
}

impl Services {
    /// The customer's current assessment and plan as an exchange document for the employment
    /// services. Audited as a disclosure with its basis and recipient.
    pub async fn employment_exchange_export(
        &self,
        actor: &Actor,
        customer_id: &str,
        disclosure: &Disclosure,
    ) -> Result<ExchangeDocument, ServiceError> {
        let customer = self
            .visible_customer(actor, Action::EmploymentExchangeExport, customer_id)
            .await?;
        disclosure
            .validate(self.clock.today())
            .map_err(ServiceError::Validation)?;
        let records = store::current(&self.db, customer_id, None).await?;
        // The latest of each: a customer may have had several assessments and plans.
        let latest = |kind: RecordKind| {
            records
                .iter()
                .filter(|r| r.kind == kind)
                .max_by_key(|r| (r.created_at, r.id.clone()))
                .map(|r| &r.content)
        };
        let assessment = match latest(RecordKind::Assessment) {
            Some(RecordBody::Assessment(a)) => Some(a),
            _ => None,
        };
        let plan = match latest(RecordKind::Plan) {
            Some(RecordBody::Plan(p)) => Some(p),
            _ => None,
        };
        if assessment.is_none() && plan.is_none() {
            return Err(ServiceError::conflict(
                "nothing_to_exchange",
                None,
                "the customer has neither an assessment nor a plan",
            ));
        }
        let document = ExchangeDocument::new(&customer, assessment, plan, disclosure.clone(), self.clock.now());
        let disclosing = Actor {
            purpose: Some(disclosure.audit_purpose()),
            ..actor.clone()
        };
        self.audit_reads(
            &disclosing,
            Action::EmploymentExchangeExport,
            &[Target::customer(customer_id)],
        )
        .await?;
        Ok(document)
    }

    /// A document from the employment services becomes the customer's new assessment and plan. The
    /// customer is found by identity code within the actor's scope, and must have the birth date
    /// the document gives. Either part that does not pass the record checks refuses the whole
    /// document, and nothing is written.
    pub async fn employment_exchange_import(
        &self,
        actor: &Actor,
        document: &ExchangeDocument,
    ) -> Result<ImportedExchange, ServiceError> {
        self.authorize(actor, Action::EmploymentExchangeImport, Target::default())
            .await?;
        let mut problems = document.check_schema().err().unwrap_or_default();
        if let Err(mut disclosure) = document.disclosure.validate(self.clock.today()) {
            for p in &mut disclosure {
                p.field = format!("disclosure.{}", p.field);
            }
            problems.extend(disclosure);
        }
        let code = match document.person.identity_code.as_deref().map(IdentityCode::parse) {
            Some(Ok(code)) => Some(code),
            Some(Err(e)) => {
                problems.push(violation(
                    "person.identity_code",
                    "invalid_identity_code",
                    e.to_string(),
                ));
                None
            }
            None => {
                problems.push(violation(
                    "person.identity_code",
                    "required",
                    "the customer is found by identity code",
                ));
                None
            }
        };
        if !problems.is_empty() {
            return Err(ServiceError::Validation(problems));
        }
        let Some(code) = code else {
            return Err(ServiceError::NotFound);
        };
        let customer_id = kotopolku_store::import::customers_by_identity_code(&self.db, &[code.as_str().to_owned()])
            .await?
            .remove(code.as_str())
            .ok_or(ServiceError::NotFound)?;
        let customer = self
            .visible_customer(actor, Action::EmploymentExchangeImport, &customer_id)
            .await?;
        if customer.data.birth_date != document.person.birth_date {
            return Err(ServiceError::Validation(vec![violation(
                "person.birth_date",
                "conflicts_with_customer",
                "the customer with this identity code has another birth date",
            )]));
        }
        // Check both parts before writing either.
        let has_plan = !store::current(&self.db, &customer_id, Some(RecordKind::Plan))
            .await?
            .is_empty();
        let ctx = ValidationContext {
            today: self.clock.today(),
            rules: &self.deadline_rules,
            is_first_plan: !has_plan,
        };
        let mut problems = Vec::new();
        let mut checked = |prefix: &str, body: Option<RecordBody>| -> Option<RecordBody> {
            match body?.validate(&ctx) {
                Ok(body) => Some(body),
                Err(violations) => {
                    problems.extend(violations.into_iter().map(|mut v| {
                        v.field = format!("{prefix}.{}", v.field);
                        v
                    }));
                    None
                }
            }
        };
        let assessment = checked("assessment", document.assessment.clone().map(RecordBody::Assessment));
        let plan = checked("plan", document.plan.clone().map(RecordBody::Plan));
        if !problems.is_empty() {
            return Err(ServiceError::Validation(problems));
        }
        let receiving = Actor {
            purpose: Some(document.disclosure.audit_purpose()),
            ..actor.clone()
        };
        self.audit_reads(
            &receiving,
            Action::EmploymentExchangeImport,
            &[Target::customer(&customer_id)],
        )
        .await?;
        let mut saved = ImportedExchange {
            customer_id: customer_id.clone(),
            assessment: None,
            plan: None,
        };
        if let Some(body) = assessment {
            saved.assessment = Some(self.add_record(&receiving, &customer_id, body).await?);
        }
        if let Some(body) = plan {
            saved.plan = Some(self.add_record(&receiving, &customer_id, body).await?);
        }
        Ok(saved)
    }
}

fn violation(field: &str, code: &'static str, message: impl Into<String>) -> FieldViolation {
    FieldViolation {
        field: field.into(),
        code,
        message: message.into(),
    }
}
