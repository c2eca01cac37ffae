//! Exchange with the employment services (TE-palvelut, the municipal employment authorities): a
//! customer's assessment and plan in one versioned JSON document, so that neither side keys the
//! other's data in again.
//!
//! The fields are those of Kotopolku's assessment and plan, whose code lists are the ones the
//! employment services use: ISCO-08 occupations (Statistics Finland's classification), ISCED 2011
//! levels, CEFR language levels, ISO 639 languages, ISO 3166 countries, and the service types of
//! integration training and employment services. The document names its legal basis: the disclosure
//! is made under a law or with the customer's consent, to a named recipient.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::customer::Customer;
use crate::process::{Assessment, Plan};
use crate::validation::{FieldViolation, Violations};

/// The `$id` of the document's JSON Schema; a change a reader could notice gets a new version.
pub const SCHEMA_ID: &str = "urn:kotopolku:schema:employment-services-exchange:1";

/// Why the data may be disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// A provision of law (e.g. 681/2023 §§ 9-16 and §76, the Act on organising employment services
    /// 380/2023), named in `reference`.
    Law,
    /// The customer's consent, given on `consent_given_on`.
    Consent,
}

/// The disclosure's basis and recipient, recorded in the document and in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub basis: LegalBasis,
    /// The provision of law, or what the consent covers.
    pub reference: String,
    #[serde(default)]
    pub consent_given_on: Option<NaiveDate>,
    /// Who receives the data (an employment authority by name).
    pub recipient: String,
}

impl Disclosure {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::new();
        v.required_text("reference", &self.reference, 200);
        v.required_text("recipient", &self.recipient, 200);
        match (self.basis, self.consent_given_on) {
            (LegalBasis::Consent, None) => v.add("consent_given_on", "required", "say when the customer consented"),
            (LegalBasis::Consent, Some(day)) if day > today => {
                v.add(
                    "consent_given_on",
                    "in_future",
                    "the consent cannot be given in the future",
                );
            }
            (LegalBasis::Law, Some(_)) => v.add(
                "consent_given_on",
                "not_applicable",
                "a disclosure under law has no consent date",
            ),
            _ => {}
        }
        v.into_result(())
    }

    /// The disclosure as one line of the audit log's purpose column.
    pub fn audit_purpose(&self) -> String {
        match (self.basis, self.consent_given_on) {
            (LegalBasis::Consent, Some(day)) => {
                format!("consent {day} ({}) to {}", self.reference.trim(), self.recipient.trim())
            }
            _ => format!("law {} to {}", self.reference.trim(), self.recipient.trim()),
        }
    }
}

/// Who the document is about: enough for the recipient to find the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangePerson {
    #[serde(default)]
    pub identity_code: Option<String>,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: NaiveDate,
    /// ISO 639.
    #[serde(default)]
    pub native_language: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub citizenships: Vec<String>,
}

/// The exchange document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeDocument {
    /// Always [`SCHEMA_ID`].
    pub schema: String,
    /// The system that made the document.
    pub produced_by: String,
    pub produced_at: DateTime<Utc>,
    pub disclosure: Disclosure,
    pub person: ExchangePerson,
    /// The current assessment of skills and service needs, if any.
    #[serde(default)]
    pub assessment: Option<Assessment>,
    /// The current integration plan, if any.
    #[serde(default)]
    pub plan: Option<Plan>,
}

impl ExchangeDocument {
    /// The document for `customer`, with the current assessment and plan. The authors' names stay
    /// with the municipality: the recipient needs the content, not who typed it.
    pub fn new(
        customer: &Customer,
        assessment: Option<&Assessment>,
        plan: Option<&Plan>,
        disclosure: Disclosure,
        produced_at: DateTime<Utc>,
    ) -> Self {
        let d = &customer.data;
        ExchangeDocument {
            schema: SCHEMA_ID.into(),
            produced_by: "Kotopolku".into(),
            produced_at,
            disclosure,
            person: ExchangePerson {
                identity_code: d.identity_code.as_ref().map(|c| c.as_str().to_owned()),
                family_name: d.family_name.clone(),
                given_names: d.given_names.clone(),
                birth_date: d.birth_date,
                native_language: d.native_language.clone(),
                citizenships: d.citizenships.clone(),
            },
            assessment: assessment.map(|a| Assessment {
                authors: Vec::new(),
                multisectoral_county: None,
                ..a.clone()
            }),
            plan: plan.map(|p| {
                let mut plan = Plan {
                    authors: Vec::new(),
                    multisectoral_county: None,
                    ..p.clone()
                };
                // Measure ids are Kotopolku's own; the recipient's referrals do not point at them.
                plan.measures_mut().for_each(|m| m.id = None);
                plan
            }),
        }
    }

    /// The document's own checks; the assessment and plan are validated as records when imported.
    pub fn check_schema(&self) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::new();
        if self.schema != SCHEMA_ID {
            v.add(
                "schema",
                "unknown_schema",
                format!("this version of Kotopolku reads {SCHEMA_ID}"),
            );
        }
        if self.assessment.is_none() && self.plan.is_none() {
            v.add(
                "assessment",
                "required",
                "the document has neither an assessment nor a plan",
            );
        }
        v.into_result(())
    }
}
