//! The mapping file: which legacy column becomes which Kotopolku field, how legacy values translate
//! into our code lists, and how dates are written. One TOML file describes one legacy system's
//! export, with a section per file (`[customers]`, `[assessments]`, `[plans]`, `[services]`,
//! `[notes]`); `examples/legacy-mapping.toml` is a documented example.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ImportKind;
use super::dates::DateFormat;
use super::source::{EncodingChoice, SourceOptions};

/// A parsed and checked mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Names the legacy system; legacy ids are unique within it, and a rerun finds its rows by it.
    pub source: String,
    #[serde(default)]
    pub file: FileOptions,
    pub customers: Option<Section>,
    pub assessments: Option<Section>,
    pub plans: Option<Section>,
    pub services: Option<Section>,
    pub notes: Option<Section>,
}

/// How the files are written; the defaults read a typical Finnish export.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOptions {
    /// `auto` (default), `utf-8` or `windows-1252`.
    #[serde(default = "auto")]
    pub encoding: String,
    /// `auto` (default), `;`, `,` or `tab`.
    #[serde(default = "auto")]
    pub delimiter: String,
    /// Formats tried in order for date columns; ISO `yyyy-mm-dd` is always understood.
    #[serde(default = "default_date_formats")]
    pub date_formats: Vec<String>,
    /// Cell values that mean "no value", besides an empty cell.
    #[serde(default = "default_null_values")]
    pub null_values: Vec<String>,
}

impl Default for FileOptions {
    fn default() -> Self {
        Self {
            encoding: auto(),
            delimiter: auto(),
            date_formats: default_date_formats(),
            null_values: default_null_values(),
        }
    }
}

fn auto() -> String {
    "auto".into()
}

fn default_date_formats() -> Vec<String> {
    vec!["d.m.yyyy".into()]
}

fn default_null_values() -> Vec<String> {
    vec!["NULL".into()]
}

/// One file's mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The column holding the row's id in the legacy system.
    pub legacy_id: String,
    /// Records: the column holding the customer's legacy id.
    #[serde(default)]
    pub customer: Option<String>,
    /// XLSX: the worksheet; default the first.
    #[serde(default)]
    pub sheet: Option<String>,
    /// Kotopolku field (a path such as `goals[0].description` for records) → legacy column.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
    /// Kotopolku field → value used when the column is empty or not mapped, written like a cell.
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    /// Kotopolku field → (legacy value → Kotopolku value). Matched ignoring case and surrounding space.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Customers: `reject` (default) or `accept` rows that look like an already registered person
    /// (same birth date, similar name) when either has no identity code.
    #[serde(default)]
    pub likely_duplicates: LikelyDuplicates,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LikelyDuplicates {
    #[default]
    Reject,
    Accept,
}

/// A column by name, or with details.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ColumnSpec {
    Name(String),
    Detailed {
        column: String,
        /// Splits a cell into a list (citizenships, languages, authors).
        #[serde(default)]
        separator: Option<String>,
        /// This column's own date format, tried before the file's.
        #[serde(default)]
        date_format: Option<String>,
    },
}

impl ColumnSpec {
    pub fn column(&self) -> &str {
        match self {
            ColumnSpec::Name(name) | ColumnSpec::Detailed { column: name, .. } => name,
        }
    }

    pub fn separator(&self) -> Option<&str> {
        match self {
            ColumnSpec::Detailed {
                separator: Some(separator),
                ..
            } => Some(separator),
            _ => None,
        }
    }

    fn date_format(&self) -> Option<&str> {
        match self {
            ColumnSpec::Detailed {
                date_format: Some(format),
                ..
            } => Some(format),
            _ => None,
        }
    }
}

/// A mistake in the mapping file itself, found before any row is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{0}")]
    Syntax(String),
    #[error("the mapping has no [{0}] section")]
    MissingSection(&'static str),
    #[error("[{section}] {key}: {message}")]
    Invalid {
        section: String,
        key: String,
        message: String,
    },
}

impl Mapping {
    /// Reads a mapping file's text; TOML syntax errors name their line and column.
    pub fn parse(text: &str) -> Result<Self, MappingError> {
        let mapping: Mapping = toml::from_str(text).map_err(|e| MappingError::Syntax(e.to_string()))?;
        if mapping.source.trim().is_empty() || mapping.source.chars().count() > 100 {
            return Err(invalid(
                "mapping",
                "source",
                "name the legacy system in 1-100 characters",
            ));
        }
        mapping.source_options(None)?;
        mapping.date_formats(None)?;
        Ok(mapping)
    }

    /// The section for `kind`, checked against the fields that kind has.
    pub fn section(&self, kind: ImportKind) -> Result<&Section, MappingError> {
        let section = match kind {
            ImportKind::Customers => &self.customers,
            ImportKind::Assessments => &self.assessments,
            ImportKind::Plans => &self.plans,
            ImportKind::Services => &self.services,
            ImportKind::Notes => &self.notes,
        }
        .as_ref()
        .ok_or(MappingError::MissingSection(kind.as_str()))?;
        let name = kind.as_str();
        if kind == ImportKind::Customers {
            if section.customer.is_some() {
                return Err(invalid(name, "customer", "customers are linked by their own legacy_id"));
            }
        } else if section.customer.is_none() {
            return Err(invalid(
                name,
                "customer",
                "name the column holding the customer's legacy id",
            ));
        }
        for field in section
            .columns
            .keys()
            .chain(section.defaults.keys())
            .chain(section.values.keys())
        {
            if let Err(message) = super::fields::check_target(kind, field) {
                return Err(invalid(name, field, &message));
            }
        }
        for (field, spec) in &section.columns {
            if let Some(format) = spec.date_format() {
                DateFormat::parse(format).map_err(|message| invalid(name, field, &message))?;
            }
        }
        Ok(section)
    }

    /// How to open the file of `section`.
    pub fn source_options(&self, section: Option<&Section>) -> Result<SourceOptions, MappingError> {
        let encoding = match self.file.encoding.to_ascii_lowercase().as_str() {
            "auto" => EncodingChoice::Auto,
            "utf-8" | "utf8" => EncodingChoice::Utf8,
            "windows-1252" | "cp1252" => EncodingChoice::Windows1252,
            _ => {
                return Err(invalid(
                    "file",
                    "encoding",
                    "auto, utf-8 or windows-1252 (save other encodings as UTF-8)",
                ));
            }
        };
        let delimiter = match self.file.delimiter.as_str() {
            "auto" => None,
            ";" => Some(b';'),
            "," => Some(b','),
            "tab" | "\t" => Some(b'\t'),
            "|" => Some(b'|'),
            _ => return Err(invalid("file", "delimiter", "auto, \";\", \",\", \"|\" or \"tab\"")),
        };
        Ok(SourceOptions {
            encoding,
            delimiter,
            sheet: section.and_then(|s| s.sheet.clone()),
            // Title lines above the header (a report's name and date) are skipped.
            header_has: section.map(|s| s.legacy_id.clone()),
        })
    }

    /// The file's date formats, after a column's own when it has one.
    pub fn date_formats(&self, column: Option<&ColumnSpec>) -> Result<Vec<DateFormat>, MappingError> {
        let mut formats = Vec::new();
        for text in column
            .and_then(ColumnSpec::date_format)
            .into_iter()
            .chain(self.file.date_formats.iter().map(String::as_str))
        {
            formats.push(DateFormat::parse(text).map_err(|message| invalid("file", "date_formats", &message))?);
        }
        Ok(formats)
    }
}

fn invalid(section: &str, key: &str, message: &str) -> MappingError {
    MappingError::Invalid {
        section: section.into(),
        key: key.into(),
        message: message.into(),
    }
}
