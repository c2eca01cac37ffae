//! The choices of the forms' drop-down lists: enumerations labelled from Fluent, code lists
//! labelled from their own data in the user's language.

use kotopolku_domain::code_lists::{self, CodeListName, Localized};

use super::i18n::{Tr, UiLanguage};

/// Every enumeration a form offers, as (label key prefix, the values the API takes). The test in
/// `ui::tests` checks that each value deserialises into its domain type and has a label in every
/// language.
pub const ENUMS: &[(&str, &[&str])] = &[
    (
        "service",
        &[
            "civic_orientation",
            "integration_training",
            "literacy_training",
            "other_language_training",
            "vocational_training",
            "work_try_out",
            "employment_service",
            "social_or_health_service",
            "guidance_and_counselling",
            "other",
        ],
    ),
    (
        "area",
        &["language", "employment", "education", "wellbeing", "everyday_life"],
    ),
    (
        "measure-status",
        &[
            "planned",
            "referred",
            "started",
            "interrupted",
            "completed",
            "cancelled",
        ],
    ),
    (
        "note-type",
        &["guidance", "counselling", "meeting", "phone_call", "message", "other"],
    ),
    ("confidentiality", &["normal", "sensitive"]),
    (
        "recipient-kind",
        &[
            "municipal",
            "employment_authority",
            "wellbeing_county",
            "education_provider",
            "other",
        ],
    ),
    (
        "referral-status",
        &["sent", "accepted", "declined", "cancelled", "completed"],
    ),
    ("appointment-status", &["planned", "held", "cancelled", "no_show"]),
    (
        "literacy",
        &["literate", "literate_other_script", "limited", "not_literate"],
    ),
    ("national-language", &["fi", "sv"]),
    (
        "component",
        &[
            "assessment",
            "integration_plan",
            "civic_orientation",
            "integration_training",
            "other_language_studies",
            "literacy_training",
            "work_skills_services",
            "employment_services",
            "guidance_and_counselling",
        ],
    ),
    ("sex", &["male", "female", "unknown"]),
    (
        "role",
        &[
            "caseworker",
            "supervisor",
            "county_worker",
            "regional_officer",
            "national_analyst",
            "admin",
        ],
    ),
    ("yes-no", &["true", "false"]),
    (
        "kind",
        &["assessment", "plan", "programme", "referral", "note", "appointment"],
    ),
];

/// The values of enumeration `prefix`, in the order forms offer them.
pub fn values(prefix: &str) -> &'static [&'static str] {
    ENUMS
        .iter()
        .find(|(p, _)| *p == prefix)
        .map_or(&[], |(_, values)| *values)
}

/// The labelled choices of enumeration `prefix`.
pub fn enumeration(tr: Tr, prefix: &str) -> Vec<(String, String)> {
    values(prefix)
        .iter()
        .map(|v| (v.to_string(), tr.label(prefix, v)))
        .collect()
}

/// A name in the interface's language.
pub fn localized(tr: Tr, name: &Localized) -> String {
    match tr.lang {
        UiLanguage::Fi => name.fi.clone(),
        UiLanguage::Sv => name.sv.clone(),
        UiLanguage::En => name.en.clone(),
    }
}

/// The entries of a code list, sorted by their label in the interface's language.
pub fn code_list(tr: Tr, name: CodeListName) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = code_lists::list(name)
        .entries
        .iter()
        .map(|e| (e.code.clone(), localized(tr, &e.name)))
        .collect();
    entries.sort_by_key(|entry| entry.1.to_lowercase());
    entries
}

/// The label of a code, or the code itself when the list does not have it.
pub fn code_label(tr: Tr, name: CodeListName, code: &str) -> String {
    code_lists::entry(name, code)
        .map(|e| localized(tr, &e.name))
        .unwrap_or_else(|| code.to_owned())
}

/// The wellbeing services county a municipality entry belongs to: (code, name).
fn county_of(language: UiLanguage, entry: &code_lists::CodeEntry) -> Option<(String, String)> {
    let county = entry.attributes.get("wellbeing_county")?;
    let code = county.get("code")?.as_str()?;
    let name = county.get(language.code()).and_then(|n| n.as_str()).unwrap_or(code);
    Some((code.to_owned(), name.to_owned()))
}

/// The wellbeing services counties, from the municipalities' areas: (code, name), by name.
pub fn counties(tr: Tr) -> Vec<(String, String)> {
    counties_in(tr.lang).to_vec()
}

/// The name of a wellbeing services county, or its code when unknown.
pub fn county_name(tr: Tr, code: &str) -> String {
    counties_in(tr.lang)
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name.clone())
}

/// The counties in each language, gathered once: the code list never changes while the server
/// runs, and every customer page a caseworker may manage involvements on shows them.
fn counties_in(language: UiLanguage) -> &'static [(String, String)] {
    static COUNTIES: std::sync::OnceLock<[Vec<(String, String)>; UiLanguage::ALL.len()]> = std::sync::OnceLock::new();
    let all = COUNTIES.get_or_init(|| {
        UiLanguage::ALL.map(|language| {
            let mut counties: Vec<(String, String)> = Vec::new();
            for county in code_lists::list(CodeListName::Municipalities)
                .entries
                .iter()
                .filter_map(|entry| county_of(language, entry))
            {
                if !counties.iter().any(|(c, _)| *c == county.0) {
                    counties.push(county);
                }
            }
            counties.sort_by_key(|(_, name)| name.to_lowercase());
            counties
        })
    });
    &all[language.index()]
}
