//! The directory of organisations, their users and API tokens.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Jurisdiction, OrganisationKind, Role};
use crate::code_lists::{self, CodeListName};
use crate::validation::{FieldViolation, Violations};

/// An organisation that uses Kotopolku.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Organisation {
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    /// The wellbeing county's or regional centre's code, for those kinds.
    pub area_code: Option<String>,
    /// The municipalities a municipal unit serves.
    pub municipalities: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl Organisation {
    /// The area this organisation's users act in.
    pub fn jurisdiction(&self) -> Jurisdiction {
        match self.kind {
            OrganisationKind::MunicipalUnit => Jurisdiction::Municipalities(self.municipalities.clone()),
            OrganisationKind::WellbeingCounty => {
                Jurisdiction::WellbeingCounty(self.area_code.clone().unwrap_or_default())
            }
            OrganisationKind::RegionalCentre => {
                Jurisdiction::RegionalCentre(self.area_code.clone().unwrap_or_default())
            }
            OrganisationKind::National => Jurisdiction::National,
            OrganisationKind::Operator => Jurisdiction::Operator,
        }
    }
}

/// What an administrator gives to create an organisation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub kind: OrganisationKind,
    pub name: String,
    /// Required for a wellbeing county (its code) and a regional centre (its code).
    #[serde(default)]
    pub area_code: Option<String>,
    /// Required for a municipal unit: the 3-digit codes of the municipalities it serves.
    #[serde(default)]
    pub municipalities: Vec<String>,
}

impl NewOrganisation {
    pub fn validate(&self) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::new();
        v.required_text("name", &self.name, 200);
        match self.kind {
            OrganisationKind::MunicipalUnit => {
                if self.municipalities.is_empty() {
                    v.add(
                        "municipalities",
                        "required",
                        "a municipal unit serves at least one municipality",
                    );
                }
                for (i, code) in self.municipalities.iter().enumerate() {
                    if !code_lists::contains(CodeListName::Municipalities, code) {
                        v.add(
                            format!("municipalities[{i}]"),
                            "unknown_code",
                            "not in the code list municipalities",
                        );
                    }
                }
            }
            OrganisationKind::WellbeingCounty => {
                let known = self
                    .area_code
                    .as_deref()
                    .is_some_and(|code| code_lists::municipalities().any(|m| m.wellbeing_county_code == code));
                if !known {
                    v.add(
                        "area_code",
                        "unknown_code",
                        "give the wellbeing services county's code (01-21, 90, 91)",
                    );
                }
            }
            OrganisationKind::RegionalCentre => {
                let known = self
                    .area_code
                    .as_deref()
                    .is_some_and(|code| code_lists::municipalities().any(|m| m.regional_centre_code == code));
                if !known {
                    v.add(
                        "area_code",
                        "unknown_code",
                        "give the regional state centre's code (1-10)",
                    );
                }
            }
            OrganisationKind::National | OrganisationKind::Operator => {}
        }
        if self.kind != OrganisationKind::MunicipalUnit && !self.municipalities.is_empty() {
            v.add(
                "municipalities",
                "not_allowed",
                "only a municipal unit serves municipalities",
            );
        }
        v.into_result(())
    }
}

/// A person's account, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub organisation_id: String,
    pub role: Role,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// What an administrator or supervisor gives to create a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub organisation_id: String,
    pub role: Role,
}

impl NewUser {
    /// Checks the fields and that the role belongs to the organisation's kind.
    pub fn validate(&self, organisation: Option<&Organisation>) -> Result<String, Vec<FieldViolation>> {
        let mut v = Violations::new();
        let email = v.required_text("email", &self.email, 254).to_lowercase();
        if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
            v.add("email", "invalid_email", "not an email address");
        }
        v.required_text("display_name", &self.display_name, 200);
        match organisation {
            None => v.add("organisation_id", "not_found", "no such organisation"),
            Some(org) if org.kind != self.role.organisation_kind() => v.add(
                "role",
                "wrong_organisation_kind",
                format!(
                    "a {} belongs to a {} organisation",
                    self.role.as_str(),
                    self.role.organisation_kind().as_str()
                ),
            ),
            Some(_) => {}
        }
        v.into_result(email)
    }
}

/// An API token's description (the token itself is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub organisation_id: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A wellbeing county's involvement in a customer's multisectoral process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CountyInvolvement {
    pub id: String,
    pub customer_id: String,
    pub county_code: String,
    pub purpose: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}
