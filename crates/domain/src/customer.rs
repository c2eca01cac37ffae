//! The integration customer (kotoutumisasiakas) and the rules for registering one.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::code_lists::{self, CodeListName};
use crate::identity_code::IdentityCode;
use crate::validation::{FieldViolation, Violations};

/// Longest accepted names; the population register allows 100 characters per name field.
pub const MAX_NAME_CHARS: usize = 100;
const MAX_SHORT_TEXT_CHARS: usize = 200;
const MAX_LIST_ITEMS: usize = 10;

/// Sex as recorded in the population register or the identity code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordedSex {
    Male,
    Female,
    /// Not recorded, or recorded as other than male or female.
    Unknown,
}

impl RecordedSex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Self::Male),
            "female" => Some(Self::Female),
            "unknown" => Some(Self::Unknown),
            _ => None,
        }
    }
}

impl From<crate::identity_code::RecordedSex> for RecordedSex {
    fn from(sex: crate::identity_code::RecordedSex) -> Self {
        match sex {
            crate::identity_code::RecordedSex::Male => Self::Male,
            crate::identity_code::RecordedSex::Female => Self::Female,
        }
    }
}

/// A language the customer knows besides their native language, with a CEFR level when assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSkill {
    /// ISO 639 code from the `languages` code list.
    pub language: String,
    /// CEFR level from the `cefr-levels` code list, when known.
    #[serde(default)]
    pub level: Option<String>,
}

/// What a caseworker enters to register a customer or to replace their basic data.
///
/// Customership end is not part of this input: it is recorded by its own use case, with a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// Personal identity code (henkilötunnus). Many customers have none yet, or a temporary one.
    #[serde(default)]
    pub identity_code: Option<String>,
    pub family_name: String,
    pub given_names: String,
    /// Required unless an identity code gives it; when both are given they must agree.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// Required unless an identity code gives it; when both are given they must agree.
    #[serde(default)]
    pub sex: Option<RecordedSex>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    pub citizenships: Vec<String>,
    #[serde(default)]
    pub native_language: Option<String>,
    #[serde(default)]
    pub other_languages: Vec<LanguageSkill>,
    /// The language in which the customer wants to be contacted.
    #[serde(default)]
    pub contact_language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
    /// Required when an interpreter is needed.
    #[serde(default)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub street_address: Option<String>,
    /// Finnish postal code, five digits.
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub post_office: Option<String>,
    /// Municipality of residence, a 3-digit Statistics Finland code. Decides which unit serves them.
    pub municipality_code: String,
    #[serde(default)]
    pub arrival_date: Option<NaiveDate>,
    /// The first residence permit, card or registration: the 3-year window of 681/2023 §2 runs from it.
    #[serde(default)]
    pub first_permit_date: Option<NaiveDate>,
    #[serde(default)]
    pub residence_basis: Option<String>,
    #[serde(default)]
    pub target_group: Option<String>,
    pub customership_start: NaiveDate,
    /// The caseworker responsible for the customer.
    #[serde(default)]
    pub responsible_caseworker: Option<String>,
}

/// Validated customer data, ready to store. Built only by [`CustomerInput::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomerData {
    #[schema(value_type = Option<String>, example = "131052-308T")]
    pub identity_code: Option<IdentityCode>,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: NaiveDate,
    pub sex: RecordedSex,
    pub citizenships: Vec<String>,
    pub native_language: Option<String>,
    pub other_languages: Vec<LanguageSkill>,
    pub contact_language: Option<String>,
    pub interpreter_needed: bool,
    pub interpreter_language: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub post_office: Option<String>,
    pub municipality_code: String,
    pub arrival_date: Option<NaiveDate>,
    pub first_permit_date: Option<NaiveDate>,
    pub residence_basis: Option<String>,
    pub target_group: Option<String>,
    pub customership_start: NaiveDate,
    pub responsible_caseworker: Option<String>,
}

/// A registered integration customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Customer {
    pub id: String,
    #[serde(flatten)]
    pub data: CustomerData,
    pub customership_end: Option<NaiveDate>,
    /// From the `customership-end-reasons` code list.
    pub end_reason: Option<String>,
    /// Incremented by every change; an update must name the version it replaces.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Ending a customership (681/2023: moved away, integration period over, employed, ...).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndCustomership {
    pub end_date: NaiveDate,
    pub reason: String,
    /// The version of the customer this change is based on.
    pub version: i64,
}

impl CustomerInput {
    /// Checks every field against the code lists and the calendar; `today` is the date in Finland.
    pub fn validate(&self, today: NaiveDate) -> Result<CustomerData, Vec<FieldViolation>> {
        let mut v = Violations::new();

        let identity_code = match self.identity_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => match IdentityCode::parse(code) {
                Ok(code) => Some(code),
                Err(e) => {
                    v.add("identity_code", "invalid_identity_code", e.to_string());
                    None
                }
            },
        };

        let family_name = v.required_text("family_name", &self.family_name, MAX_NAME_CHARS);
        let given_names = v.required_text("given_names", &self.given_names, MAX_NAME_CHARS);

        // Without a birth date, the dates compared with it are not reported as before it.
        let birth_known = identity_code.is_some() || self.birth_date.is_some();
        let birth_date = match (&identity_code, self.birth_date) {
            (Some(code), Some(given)) if code.birth_date() != given => {
                v.add(
                    "birth_date",
                    "conflicts_with_identity_code",
                    format!("the identity code gives {}", code.birth_date()),
                );
                given
            }
            (Some(code), _) => code.birth_date(),
            (None, Some(given)) => given,
            (None, None) => {
                v.add(
                    "birth_date",
                    "required",
                    "a birth date is required without an identity code",
                );
                today
            }
        };
        if birth_date > today {
            v.add("birth_date", "in_future", "the birth date is in the future");
        }
        if birth_date < NaiveDate::from_ymd_opt(1880, 1, 1).unwrap_or(NaiveDate::MIN) {
            v.add("birth_date", "out_of_range", "the birth date is before 1880");
        }

        let sex = match (&identity_code, self.sex) {
            (Some(code), Some(given))
                if given != RecordedSex::from(code.recorded_sex()) && given != RecordedSex::Unknown =>
            {
                v.add(
                    "sex",
                    "conflicts_with_identity_code",
                    "the identity code records another sex",
                );
                given
            }
            (Some(code), _) => code.recorded_sex().into(),
            (None, Some(given)) => given,
            (None, None) => RecordedSex::Unknown,
        };

        let citizenships = self.code_vec(&mut v, "citizenships", &self.citizenships, CodeListName::Countries);
        let native_language = code_opt(
            &mut v,
            "native_language",
            &self.native_language,
            CodeListName::Languages,
        );
        if self.other_languages.len() > MAX_LIST_ITEMS {
            v.add(
                "other_languages",
                "too_many",
                format!("at most {MAX_LIST_ITEMS} languages"),
            );
        }
        let mut other_languages = Vec::with_capacity(self.other_languages.len());
        for (i, skill) in self.other_languages.iter().enumerate() {
            let language = code_required(
                &mut v,
                &format!("other_languages[{i}].language"),
                &skill.language,
                CodeListName::Languages,
            );
            let level = code_opt(
                &mut v,
                &format!("other_languages[{i}].level"),
                &skill.level,
                CodeListName::CefrLevels,
            );
            other_languages.push(LanguageSkill { language, level });
        }
        let contact_language = code_opt(
            &mut v,
            "contact_language",
            &self.contact_language,
            CodeListName::Languages,
        );
        let interpreter_language = code_opt(
            &mut v,
            "interpreter_language",
            &self.interpreter_language,
            CodeListName::Languages,
        );
        if self.interpreter_needed && interpreter_language.is_none() {
            v.add(
                "interpreter_language",
                "required",
                "say which language the interpreter speaks",
            );
        }

        let phone = v.optional_text("phone", self.phone.as_deref(), 30);
        if let Some(phone) = &phone
            && (!phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
                || phone.chars().filter(char::is_ascii_digit).count() < 5)
        {
            v.add("phone", "invalid_phone", "digits, spaces, +, - and parentheses only");
        }
        let email = v.optional_text("email", self.email.as_deref(), 254);
        if let Some(email) = &email
            && !is_plausible_email(email)
        {
            v.add("email", "invalid_email", "not an email address");
        }
        let street_address = v.optional_text("street_address", self.street_address.as_deref(), MAX_SHORT_TEXT_CHARS);
        let postal_code = v.optional_text("postal_code", self.postal_code.as_deref(), 5);
        if let Some(code) = &postal_code
            && (code.len() != 5 || !code.chars().all(|c| c.is_ascii_digit()))
        {
            v.add(
                "postal_code",
                "invalid_postal_code",
                "a Finnish postal code has five digits",
            );
        }
        let post_office = v.optional_text("post_office", self.post_office.as_deref(), MAX_NAME_CHARS);

        let municipality_code = code_required(
            &mut v,
            "municipality_code",
            &self.municipality_code,
            CodeListName::Municipalities,
        );

        for (field, date) in [
            ("arrival_date", self.arrival_date),
            ("first_permit_date", self.first_permit_date),
        ] {
            if let Some(date) = date {
                if date > today {
                    v.add(field, "in_future", "the date is in the future");
                }
                if birth_known && date < birth_date {
                    v.add(field, "before_birth", "the date is before the birth date");
                }
            }
        }
        if birth_known && self.customership_start < birth_date {
            v.add(
                "customership_start",
                "before_birth",
                "the customership starts before the birth date",
            );
        }
        if self.customership_start > today {
            v.add(
                "customership_start",
                "in_future",
                "a customership cannot start in the future",
            );
        }

        let residence_basis = code_opt(
            &mut v,
            "residence_basis",
            &self.residence_basis,
            CodeListName::ResidenceBases,
        );
        let target_group = code_opt(&mut v, "target_group", &self.target_group, CodeListName::TargetGroups);
        let responsible_caseworker =
            v.optional_text("responsible_caseworker", self.responsible_caseworker.as_deref(), 64);

        v.into_result(CustomerData {
            identity_code,
            family_name,
            given_names,
            birth_date,
            sex,
            citizenships,
            native_language,
            other_languages,
            contact_language,
            interpreter_needed: self.interpreter_needed,
            interpreter_language,
            phone,
            email,
            street_address,
            postal_code,
            post_office,
            municipality_code,
            arrival_date: self.arrival_date,
            first_permit_date: self.first_permit_date,
            residence_basis,
            target_group,
            customership_start: self.customership_start,
            responsible_caseworker,
        })
    }

    fn code_vec(&self, v: &mut Violations, field: &str, codes: &[String], list: CodeListName) -> Vec<String> {
        if codes.len() > MAX_LIST_ITEMS {
            v.add(field, "too_many", format!("at most {MAX_LIST_ITEMS} entries"));
        }
        let mut out: Vec<String> = Vec::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            let code = code_required(v, &format!("{field}[{i}]"), code, list);
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }
}

impl EndCustomership {
    /// The end may not precede the start nor lie in the future, and the reason must be a known one.
    pub fn validate(&self, customer: &Customer, today: NaiveDate) -> Result<(), Vec<FieldViolation>> {
        check_end(customer.data.customership_start, self.end_date, &self.reason, today)
    }
}

/// The rules of ending a customership that started on `start`, with violations named `end_date` and
/// `reason`; shared by the end form and the import of ended customerships.
pub fn check_end(
    start: NaiveDate,
    end_date: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<(), Vec<FieldViolation>> {
    let mut v = Violations::new();
    if end_date < start {
        v.add("end_date", "before_start", "the customership ends before it starts");
    }
    if end_date > today {
        v.add("end_date", "in_future", "an end date cannot be in the future");
    }
    if !code_lists::contains(CodeListName::CustomershipEndReasons, reason) {
        v.add(
            "reason",
            "unknown_code",
            format!("not in the code list {}", CodeListName::CustomershipEndReasons.as_str()),
        );
    }
    v.into_result(())
}

fn code_required(v: &mut Violations, field: &str, code: &str, list: CodeListName) -> String {
    v.code(field, code, list)
}

fn code_opt(v: &mut Violations, field: &str, code: &Option<String>, list: CodeListName) -> Option<String> {
    v.optional_code(field, code.as_deref(), list)
}

/// A deliberately loose check: one `@`, something on each side, a dot in the domain. Mail delivery
/// is the only real test of an address; this catches typing mistakes.
fn is_plausible_email(email: &str) -> bool {
    let mut parts = email.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
        }
        _ => false,
    }
}
