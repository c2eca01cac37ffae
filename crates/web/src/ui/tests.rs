//! The interface's texts: the three languages have the same keys, every key the pages use exists,
//! and no key is left unused.

use std::collections::BTreeSet;

use super::i18n::{SOURCES, UiLanguage, label_key};
use super::options::ENUMS;

/// The message ids of a Fluent file, in order.
fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|line| line.split_once(" =").map(|(key, _)| key.trim().to_owned()))
        .collect()
}

/// Every template and page source, where keys are used.
fn sources() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let mut all = String::new();
    let mut stack = vec![format!("{root}templates"), format!("{root}src/ui")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.to_string_lossy().into_owned());
            } else if path.file_name().is_some_and(|n| n != "tests.rs") {
                all.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                all.push('\n');
            }
        }
    }
    all
}

fn is_key_like(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Keys written out in the sources: `"some-key"` string literals.
fn literal_keys(sources: &str) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = sources
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| is_key_like(s))
        .map(str::to_owned)
        .collect();
    found.extend(translated_keys(sources));
    found
}

/// Keys passed to the translating calls: `t("key")`, `t_with("key"`, `t_count("key"`, `nth("key"`.
fn translated_keys(sources: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for call in [".t(\"", ".t_with(\"", ".t_count(\"", ".nth(\""] {
        for (i, _) in sources.match_indices(call) {
            let rest = &sources[i + call.len()..];
            if let Some(end) = rest.find('"')
                && is_key_like(&rest[..end])
            {
                found.insert(rest[..end].to_owned());
            }
        }
    }
    found
}

/// Keys the pages compose at run time: `{prefix}-{value}` labels, `field-{name}` and `row-{name}`
/// of form fields, and the codes of errors, problems, rules, audit actions and the like.
fn composed_key_is_used(key: &str, literals: &BTreeSet<String>, all_sources: &str) -> bool {
    for (prefix, values) in ENUMS {
        if values.iter().any(|v| label_key(prefix, v) == key) {
            return true;
        }
    }
    let suffix_in_sources = |prefix: &str| {
        key.strip_prefix(prefix).is_some_and(|name| {
            literals.contains(name)
                || all_sources.contains(&format!(".{name}\""))
                || all_sources.contains(&format!("\"{name}["))
                || all_sources.contains(&format!("{name}[{{}}]"))
        })
    };
    if suffix_in_sources("field-") || suffix_in_sources("row-") || suffix_in_sources("hint-") {
        return true;
    }
    // Codes that come from the domain and service layers rather than these sources.
    const FROM_LOWER_LAYERS: [&str; 10] = [
        "error-",
        "problem-",
        "rule-",
        "action-",
        "outcome-",
        "change-",
        "deadline-status-",
        "done-",
        "purpose-",
        "role-",
    ];
    FROM_LOWER_LAYERS.iter().any(|p| key.starts_with(p))
        || ["add-", "section-", "kind-", "problem-title-"]
            .iter()
            .any(|p| key.starts_with(p))
}

#[test]
fn the_three_languages_have_the_same_keys_in_the_same_order() {
    let english = keys(SOURCES[2]);
    assert!(english.len() > 100, "en.ftl has {} keys", english.len());
    for (language, source) in UiLanguage::ALL.into_iter().zip(SOURCES) {
        assert_eq!(keys(source), english, "{} differs from en", language.code());
    }
}

#[test]
fn every_language_parses_without_errors() {
    for (language, source) in UiLanguage::ALL.into_iter().zip(SOURCES) {
        if let Err((_, errors)) = fluent_bundle::FluentResource::try_new(source.to_owned()) {
            panic!("{}.ftl: {errors:?}", language.code());
        }
    }
}

#[test]
fn every_key_written_in_the_pages_exists() {
    let defined: BTreeSet<String> = keys(SOURCES[2]).into_iter().collect();
    let all_sources = sources();
    let missing: Vec<String> = translated_keys(&all_sources)
        .into_iter()
        .filter(|key| !defined.contains(key))
        .collect();
    assert!(missing.is_empty(), "used but not defined: {missing:?}");
    for (prefix, values) in ENUMS {
        for value in *values {
            let key = label_key(prefix, value);
            assert!(defined.contains(&key), "no label {key}");
        }
    }
}

#[test]
fn no_key_is_unused() {
    let all_sources = sources();
    let literals = literal_keys(&all_sources);
    let unused: Vec<String> = keys(SOURCES[2])
        .into_iter()
        .filter(|k| !literals.contains(k) && !composed_key_is_used(k, &literals, &all_sources))
        .collect();
    assert!(unused.is_empty(), "keys no page uses: {unused:?}");
}

#[test]
fn every_choice_is_a_value_the_api_takes() {
    use kotopolku_domain::process::{appointment, assessment, common, note, plan, programme, referral};
    fn parses<T: serde::de::DeserializeOwned>(value: &str) -> bool {
        serde_json::from_value::<T>(serde_json::Value::String(value.to_owned())).is_ok()
    }
    for (prefix, values) in ENUMS {
        for value in *values {
            let ok = match *prefix {
                "service" => parses::<common::ServiceType>(value),
                "area" => parses::<plan::GoalArea>(value),
                "measure-status" => parses::<plan::MeasureStatus>(value),
                "note-type" => parses::<note::NoteType>(value),
                "confidentiality" => parses::<note::Confidentiality>(value),
                "recipient-kind" => parses::<referral::RecipientKind>(value),
                "referral-status" => parses::<referral::ReferralStatus>(value),
                "appointment-status" => parses::<appointment::AppointmentStatus>(value),
                "literacy" => parses::<assessment::Literacy>(value),
                "national-language" => parses::<assessment::NationalLanguage>(value),
                "component" => parses::<programme::ProgrammeComponent>(value),
                "sex" => parses::<kotopolku_domain::customer::RecordedSex>(value),
                "role" => parses::<kotopolku_domain::access::Role>(value),
                "kind" => parses::<kotopolku_domain::process::RecordKind>(value),
                "yes-no" => value.parse::<bool>().is_ok(),
                other => panic!("no domain type for choices {other}"),
            };
            assert!(ok, "{prefix}: {value} is not a value of its domain type");
        }
    }
}
