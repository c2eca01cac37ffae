//! The languages printable documents are available in.

use chrono::{Datelike, NaiveDate};

/// A language of printable documents.
///
/// Finnish, Swedish and English are the languages of the service; Ukrainian, Russian and Arabic are
/// the customers' most common other languages. The Ukrainian, Russian and Arabic texts should be checked
/// by a professional translator before they are given to customers.
///
/// Somali (`so`) and Dari/Persian (`fa`, `prs`) are deliberately not offered yet: no translation that
/// anyone can vouch for exists, and a wrong word in an official document is worse than a document in
/// Finnish with an interpreter. To add a language, add a variant here and a field to
/// [`crate::texts::Translations`]; the compiler then points at every text that still needs translating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Language {
    #[default]
    Fi,
    Sv,
    En,
    Uk,
    Ru,
    Ar,
}

impl Language {
    pub const ALL: [Language; 6] = [
        Language::Fi,
        Language::Sv,
        Language::En,
        Language::Uk,
        Language::Ru,
        Language::Ar,
    ];

    /// The BCP 47 language tag, as used in `<html lang="..">`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fi => "fi",
            Language::Sv => "sv",
            Language::En => "en",
            Language::Uk => "uk",
            Language::Ru => "ru",
            Language::Ar => "ar",
        }
    }

    /// Reads a language tag: case-insensitive, and only the primary subtag counts (`sv-FI` is Swedish).
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Language::ALL
            .into_iter()
            .find(|lang| lang.as_str().eq_ignore_ascii_case(primary))
    }

    pub fn is_right_to_left(self) -> bool {
        matches!(self, Language::Ar)
    }

    /// The value of the HTML `dir` attribute.
    pub fn dir(self) -> &'static str {
        if self.is_right_to_left() { "rtl" } else { "ltr" }
    }

    /// The language's name in itself, for a language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Fi => "suomi",
            Language::Sv => "svenska",
            Language::En => "English",
            Language::Uk => "українська",
            Language::Ru => "русский",
            Language::Ar => "العربية",
        }
    }

    /// A date as printed in this language:
    ///
    /// * Finnish and Swedish: `1.3.2026` (the Finnish convention, which Finland-Swedish follows too);
    /// * Ukrainian and Russian: `01.03.2026`, their usual day.month.year;
    /// * English and Arabic: `2026-03-01` (ISO 8601), unambiguous whatever the reader's own
    ///   convention; Arabic keeps Western digits, which also read correctly in right-to-left text.
    pub fn format_date(self, date: NaiveDate) -> String {
        let (d, m, y) = (date.day(), date.month(), date.year());
        match self {
            Language::Fi | Language::Sv => format!("{d}.{m}.{y}"),
            Language::Uk | Language::Ru => format!("{d:02}.{m:02}.{y:04}"),
            Language::En | Language::Ar => iso_date(date),
        }
    }
}

/// `yyyy-mm-dd`, for the `datetime` attribute and for languages that print ISO dates.
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for lang in Language::ALL {
            assert_eq!(Language::parse(lang.as_str()), Some(lang));
            assert_eq!(Language::parse(&lang.as_str().to_uppercase()), Some(lang));
        }
    }

    #[test]
    fn parse_reads_the_primary_subtag() {
        assert_eq!(Language::parse("sv-FI"), Some(Language::Sv));
        assert_eq!(Language::parse("en_GB"), Some(Language::En));
        assert_eq!(Language::parse(" ar "), Some(Language::Ar));
        assert_eq!(Language::parse(""), None);
        assert_eq!(Language::parse("so"), None);
        assert_eq!(Language::parse("fa"), None);
        assert_eq!(Language::parse("finnish"), None);
    }

    #[test]
    fn only_arabic_is_right_to_left() {
        for lang in Language::ALL {
            assert_eq!(lang.is_right_to_left(), lang == Language::Ar);
            assert_eq!(lang.dir(), if lang == Language::Ar { "rtl" } else { "ltr" });
        }
    }

    #[test]
    fn dates_per_language() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let printed: Vec<String> = Language::ALL.iter().map(|l| l.format_date(date)).collect();
        assert_eq!(
            printed,
            [
                "1.3.2026",
                "1.3.2026",
                "2026-03-01",
                "01.03.2026",
                "01.03.2026",
                "2026-03-01"
            ]
        );
        assert_eq!(iso_date(date), "2026-03-01");
    }
}
