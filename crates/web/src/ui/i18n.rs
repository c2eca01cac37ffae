//! The interface's texts in Finnish, Swedish and English, from the Fluent files in `locales/`.
//!
//! Every visible text of the pages comes from here. A key missing from a language shows the key
//! itself (and the test in `ui::tests` makes sure none is missing or unused).

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiLanguage {
    Fi,
    Sv,
    En,
}

impl UiLanguage {
    pub const ALL: [UiLanguage; 3] = [UiLanguage::Fi, UiLanguage::Sv, UiLanguage::En];

    pub fn code(self) -> &'static str {
        match self {
            UiLanguage::Fi => "fi",
            UiLanguage::Sv => "sv",
            UiLanguage::En => "en",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            UiLanguage::Fi => "Suomi",
            UiLanguage::Sv => "Svenska",
            UiLanguage::En => "English",
        }
    }

    pub fn parse(code: &str) -> Option<UiLanguage> {
        UiLanguage::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// The first supported language of an `Accept-Language` header; Finnish when none is.
    pub fn from_accept_language(header: &str) -> UiLanguage {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| tag.trim().split('-').next())
            .find_map(|primary| UiLanguage::parse(&primary.to_ascii_lowercase()))
            .unwrap_or(UiLanguage::Fi)
    }

    /// The language's place in [`UiLanguage::ALL`] (and [`SOURCES`]).
    pub(crate) fn index(self) -> usize {
        match self {
            UiLanguage::Fi => 0,
            UiLanguage::Sv => 1,
            UiLanguage::En => 2,
        }
    }
}

/// The Fluent sources, in the order of [`UiLanguage::ALL`].
pub const SOURCES: [&str; 3] = [
    include_str!("../../locales/fi.ftl"),
    include_str!("../../locales/sv.ftl"),
    include_str!("../../locales/en.ftl"),
];

fn bundles() -> &'static [FluentBundle<FluentResource>; 3] {
    static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 3]> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        UiLanguage::ALL.map(|language| {
            let id: unic_langid::LanguageIdentifier = language.code().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks would surround every argument with invisible characters; the pages
            // set `dir` themselves.
            bundle.set_use_isolating(false);
            let resource =
                FluentResource::try_new(SOURCES[language.index()].to_owned()).unwrap_or_else(|(partial, errors)| {
                    tracing::error!(language = language.code(), ?errors, "a Fluent file has syntax errors");
                    partial
                });
            if let Err(errors) = bundle.add_resource(resource) {
                tracing::error!(language = language.code(), ?errors, "a Fluent file defines a key twice");
            }
            bundle
        })
    })
}

/// Translates for one language; templates call `tr.t` with a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub lang: UiLanguage,
}

impl Tr {
    pub fn new(lang: UiLanguage) -> Tr {
        Tr { lang }
    }

    /// Whether `key` exists in this language.
    pub fn has(&self, key: &str) -> bool {
        bundles()[self.lang.index()].has_message(key)
    }

    /// The text of `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text of `key` with named arguments.
    pub fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.to_string());
        }
        self.format(key, Some(&fluent_args))
    }

    /// The text of `key` for the `n`th row of a list (`$n`, counted from 1).
    pub fn nth(&self, key: &str, index: usize) -> String {
        self.t_with(key, &[("n", &(index + 1).to_string())])
    }

    /// The text of `key` with a count (plural forms).
    pub fn t_count(&self, key: &str, count: usize) -> String {
        let mut fluent_args = FluentArgs::new();
        fluent_args.set("count", count);
        self.format(key, Some(&fluent_args))
    }

    /// The label of an enumerated value: key `{prefix}-{value}`, underscores as hyphens.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        self.t(&label_key(prefix, value))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = &bundles()[self.lang.index()];
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// A date as Finland writes it in all three languages: d.m.yyyy.
    pub fn date(&self, date: &NaiveDate) -> String {
        date.format("%-d.%-m.%Y").to_string()
    }

    pub fn opt_date(&self, date: &Option<NaiveDate>) -> String {
        date.as_ref().map(|d| self.date(d)).unwrap_or_default()
    }

    pub fn date_time(&self, at: &NaiveDateTime) -> String {
        at.format("%-d.%-m.%Y %H:%M").to_string()
    }

    /// An instant in Finnish time: d.m.yyyy hh:mm.
    pub fn instant(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let offset = kotopolku_domain::time::finnish_utc_offset_hours(*at);
        self.date_time(&(*at + chrono::Duration::hours(offset)).naive_utc())
    }

    /// A whole number grouped as the language does: Finnish and Swedish with a (narrow no-break)
    /// space, English with a comma.
    pub fn number(&self, value: u64) -> String {
        let digits = value.to_string();
        let separator = match self.lang {
            UiLanguage::En => ",",
            UiLanguage::Fi | UiLanguage::Sv => "\u{202f}",
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(ch);
        }
        out
    }
}

/// The key of an enumerated value's label.
pub fn label_key(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            UiLanguage::from_accept_language("de-DE, sv-FI;q=0.8, en;q=0.5"),
            UiLanguage::Sv
        );
        assert_eq!(UiLanguage::from_accept_language("en-GB"), UiLanguage::En);
        assert_eq!(UiLanguage::from_accept_language("de"), UiLanguage::Fi);
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(Tr::new(UiLanguage::Fi).number(1234567), "1\u{202f}234\u{202f}567");
        assert_eq!(Tr::new(UiLanguage::En).number(1234567), "1,234,567");
        assert_eq!(Tr::new(UiLanguage::En).number(123), "123");
    }

    #[test]
    fn dates_are_day_month_year() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(Tr::new(UiLanguage::Sv).date(&date), "5.3.2026");
    }
}
