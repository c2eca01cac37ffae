//! The fields a mapping may fill, per kind of file, and what kind of value each holds: this decides
//! how a cell is read (a date in the file's format, a yes/no, a code by its code or its name).

use kotopolku_domain::code_lists::CodeListName;

use super::ImportKind;

/// What a field holds, which decides how its cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// Upper-cased before checking (`131052-308t` is a valid code written carelessly).
    IdentityCode,
    /// Five digits; spreadsheets drop the leading zero (`2100` is `02100`).
    PostalCode,
    Date,
    Bool,
    Integer,
    /// A code from a code list, given as the code or as its Finnish, Swedish or English name.
    Code(CodeListName),
    /// One of a fixed set of values (`male`, `phone_call`, ...), as the domain spells them.
    Choice,
    /// A list in one cell, split by the column's separator (default `,`).
    TextList,
    CodeList(CodeListName),
    /// Languages with an optional CEFR level: `ru, en B1, sv:A2`.
    LanguageSkills,
}

use CodeListName as L;
use FieldType::*;

const CUSTOMER_FIELDS: &[(&str, FieldType)] = &[
    ("identity_code", IdentityCode),
    ("family_name", Text),
    ("given_names", Text),
    ("birth_date", Date),
    ("sex", Choice),
    ("citizenships", CodeList(L::Countries)),
    ("native_language", Code(L::Languages)),
    ("other_languages", LanguageSkills),
    ("contact_language", Code(L::Languages)),
    ("interpreter_needed", Bool),
    ("interpreter_language", Code(L::Languages)),
    ("phone", Text),
    ("email", Text),
    ("street_address", Text),
    ("postal_code", PostalCode),
    ("post_office", Text),
    ("municipality_code", Code(L::Municipalities)),
    ("arrival_date", Date),
    ("first_permit_date", Date),
    ("residence_basis", Code(L::ResidenceBases)),
    ("target_group", Code(L::TargetGroups)),
    ("customership_start", Date),
    ("customership_end", Date),
    ("end_reason", Code(L::CustomershipEndReasons)),
    ("responsible_caseworker", Text),
];

/// Paths with `[]` where a list index goes (`education[0].isced_level`).
const ASSESSMENT_FIELDS: &[(&str, FieldType)] = &[
    ("multisectoral_county", Text),
    ("requested_on", Date),
    ("started_on", Date),
    ("initial_interview_on", Date),
    ("interview_language", Code(L::Languages)),
    ("interpreter_used", Bool),
    ("literacy", Choice),
    ("national_language", Choice),
    ("national_language_skills.listening", Code(L::CefrLevels)),
    ("national_language_skills.speaking", Code(L::CefrLevels)),
    ("national_language_skills.reading", Code(L::CefrLevels)),
    ("national_language_skills.writing", Code(L::CefrLevels)),
    ("other_languages", LanguageSkills),
    ("education[].country", Code(L::Countries)),
    ("education[].isced_level", Code(L::IscedLevels)),
    ("education[].field", Text),
    ("education[].years", Integer),
    ("education[].completed", Bool),
    ("work_history[].occupation", Code(L::Occupations)),
    ("work_history[].country", Code(L::Countries)),
    ("work_history[].years", Integer),
    ("employment_goal", Text),
    ("education_goal", Text),
    ("learning_and_study_skills", Text),
    ("special_skills", Text),
    ("digital_skills", Text),
    ("life_situation", Text),
    ("plan_needed", Bool),
    ("plan_need_reason", Text),
    ("planned_plan_on", Date),
    ("other_service_needs", Text),
    ("specifying_measures[].measure_type", Text),
    ("specifying_measures[].provider", Text),
    ("specifying_measures[].starts_on", Date),
    ("specifying_measures[].ends_on", Date),
    ("specifying_measures[].result", Text),
    ("completed_on", Date),
    ("authors", TextList),
];

const PLAN_FIELDS: &[(&str, FieldType)] = &[
    ("multisectoral_county", Text),
    ("drawn_up_on", Date),
    ("starts_on", Date),
    ("ends_on", Date),
    ("goals[].area", Choice),
    ("goals[].description", Text),
    ("goals[].measures[].service", Choice),
    ("goals[].measures[].provider", Text),
    ("goals[].measures[].planned_start", Date),
    ("goals[].measures[].planned_end", Date),
    ("goals[].measures[].hours", Integer),
    ("goals[].measures[].status", Choice),
    ("goals[].measures[].referred_on", Date),
    ("goals[].measures[].started_on", Date),
    ("goals[].measures[].ended_on", Date),
    ("goals[].measures[].outcome", Text),
    ("reviews[].planned_on", Date),
    ("reviews[].held_on", Date),
    ("reviews[].summary", Text),
    ("customer_agreed_on", Date),
    ("authors", TextList),
];

const REFERRAL_FIELDS: &[(&str, FieldType)] = &[
    ("service", Choice),
    ("recipient_kind", Choice),
    ("recipient", Text),
    ("sent_on", Date),
    ("status", Choice),
    ("answered_on", Date),
    ("answer", Text),
];

const NOTE_FIELDS: &[(&str, FieldType)] = &[
    ("written_on", Date),
    ("note_type", Choice),
    ("text", Text),
    ("confidentiality", Choice),
];

fn fields(kind: ImportKind) -> &'static [(&'static str, FieldType)] {
    match kind {
        ImportKind::Customers => CUSTOMER_FIELDS,
        ImportKind::Assessments => ASSESSMENT_FIELDS,
        ImportKind::Plans => PLAN_FIELDS,
        ImportKind::Services => REFERRAL_FIELDS,
        ImportKind::Notes => NOTE_FIELDS,
    }
}

/// Most entries of one list a mapping may address (`goals[9]`).
const MAX_INDEX: usize = 9;

/// `goals[1].measures[0].hours` → `goals[].measures[].hours`, or `None` if the path is malformed or
/// an index is out of range.
fn pattern_of(path: &str) -> Option<String> {
    let mut pattern = String::with_capacity(path.len());
    for segment in path.split('.') {
        if !pattern.is_empty() {
            pattern.push('.');
        }
        match segment.split_once('[') {
            Some((name, rest)) => {
                let index: usize = rest.strip_suffix(']')?.parse().ok()?;
                if index > MAX_INDEX || name.is_empty() {
                    return None;
                }
                pattern.push_str(name);
                pattern.push_str("[]");
            }
            None => pattern.push_str(segment),
        }
    }
    Some(pattern)
}

/// The type of `path` in files of `kind`, or a message saying what is wrong with the path.
pub fn check_target(kind: ImportKind, path: &str) -> Result<FieldType, String> {
    let pattern = pattern_of(path).ok_or_else(|| format!("write list entries as name[0] to name[{MAX_INDEX}]"))?;
    fields(kind)
        .iter()
        .find(|(name, _)| *name == pattern)
        .map(|(_, ty)| *ty)
        .ok_or_else(|| {
            let known: Vec<&str> = fields(kind).iter().map(|(name, _)| *name).collect();
            format!("not a field of {}; the fields are {}", kind.as_str(), known.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_their_types() {
        assert_eq!(check_target(ImportKind::Customers, "birth_date"), Ok(Date));
        assert_eq!(
            check_target(ImportKind::Plans, "goals[1].measures[0].hours"),
            Ok(Integer)
        );
        assert!(check_target(ImportKind::Plans, "goals[10].area").is_err());
        assert!(
            check_target(ImportKind::Notes, "txt")
                .unwrap_err()
                .contains("written_on")
        );
        assert!(check_target(ImportKind::Plans, "goals.area").is_err());
    }
}
