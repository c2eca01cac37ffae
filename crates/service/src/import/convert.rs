//! One legacy row into the JSON of a Kotopolku customer or record: each mapped cell is read by its
//! field's type, translated through the mapping's value table, and put at its field's path. Every
//! cell that cannot be read becomes a problem naming its line and column.

use std::collections::HashMap;
use std::sync::Arc;

use kotopolku_domain::code_lists::{self, CodeListName};
use serde_json::{Map, Value};

use super::dates::{DateFormat, read_date};
use super::fields::{FieldType, check_target};
use super::mapping::{Mapping, MappingError, Section};
use super::source::SourceRow;
use super::{ImportKind, RowProblem};

/// A mapped field, ready to read cells.
#[derive(Debug)]
struct Field {
    path: String,
    segments: Vec<(String, Option<usize>)>,
    ty: FieldType,
    /// Index in the header; `None` when only a default fills the field.
    column: Option<usize>,
    separator: String,
    formats: Vec<DateFormat>,
    /// Lower-cased legacy value → Kotopolku value.
    values: HashMap<String, String>,
    default: Option<String>,
    /// Lower-cased code or name → code, for code fields.
    codes: Option<Arc<HashMap<String, String>>>,
}

/// Reads rows of one file by one section of the mapping.
#[derive(Debug)]
pub struct Converter {
    header: Vec<String>,
    legacy_id: usize,
    customer: Option<usize>,
    fields: Vec<Field>,
    null_values: Vec<String>,
}

/// A row read into field values; `None` clears a field.
#[derive(Debug, Clone)]
pub struct ConvertedRow {
    pub legacy_id: String,
    /// Records: the customer's legacy id.
    pub customer_legacy_id: Option<String>,
    values: Vec<(usize, Option<Value>)>,
}

impl Converter {
    /// Resolves the section's columns against the file's header.
    pub fn new(
        kind: ImportKind,
        mapping: &Mapping,
        section: &Section,
        header: &[String],
    ) -> Result<Self, MappingError> {
        let find = |key: &str, column: &str| -> Result<usize, MappingError> {
            let wanted = column.trim().to_lowercase();
            let matches: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, name)| name.to_lowercase() == wanted)
                .map(|(i, _)| i)
                .collect();
            match matches.as_slice() {
                [one] => Ok(*one),
                [] => Err(MappingError::Invalid {
                    section: kind.as_str().into(),
                    key: key.into(),
                    message: format!(
                        "the file has no column {column:?}; its columns are {}",
                        header.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
                    ),
                }),
                _ => Err(MappingError::Invalid {
                    section: kind.as_str().into(),
                    key: key.into(),
                    message: format!("the file has {} columns named {column:?}", matches.len()),
                }),
            }
        };
        let legacy_id = find("legacy_id", &section.legacy_id)?;
        let customer = section.customer.as_deref().map(|c| find("customer", c)).transpose()?;
        let mut code_tables: HashMap<CodeListName, Arc<HashMap<String, String>>> = HashMap::new();
        let mut paths: Vec<&String> = section.columns.keys().collect();
        paths.extend(section.defaults.keys().filter(|k| !section.columns.contains_key(*k)));
        let mut fields = Vec::with_capacity(paths.len());
        for path in paths {
            let ty = check_target(kind, path).map_err(|message| MappingError::Invalid {
                section: kind.as_str().into(),
                key: path.clone(),
                message,
            })?;
            let spec = section.columns.get(path);
            let column = spec.map(|s| find(path, s.column())).transpose()?;
            let codes = match ty {
                FieldType::Code(list) | FieldType::CodeList(list) => Some(
                    code_tables
                        .entry(list)
                        .or_insert_with(|| Arc::new(code_table(list)))
                        .clone(),
                ),
                FieldType::LanguageSkills => Some(
                    code_tables
                        .entry(CodeListName::Languages)
                        .or_insert_with(|| Arc::new(code_table(CodeListName::Languages)))
                        .clone(),
                ),
                _ => None,
            };
            fields.push(Field {
                path: path.clone(),
                segments: segments(path),
                ty,
                column,
                separator: spec.and_then(|s| s.separator()).unwrap_or(",").to_owned(),
                formats: mapping.date_formats(spec)?,
                values: section
                    .values
                    .get(path)
                    .map(|table| {
                        table
                            .iter()
                            .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                default: section.defaults.get(path).cloned(),
                codes,
            });
        }
        Ok(Self {
            header: header.to_vec(),
            legacy_id,
            customer,
            fields,
            null_values: mapping
                .file
                .null_values
                .iter()
                .map(|v| v.trim().to_lowercase())
                .collect(),
        })
    }

    /// Reads one row; every unreadable cell is a problem.
    pub fn convert(&self, row: &SourceRow) -> Result<ConvertedRow, Vec<RowProblem>> {
        if row.cells.len() != self.header.len() {
            let column = row.cells.len().min(self.header.len()) + 1;
            return Err(vec![RowProblem {
                line: row.line,
                column: Some(column),
                column_name: self.header.get(column - 1).cloned(),
                value: None,
                field: None,
                code: "wrong_cell_count".into(),
                message: format!(
                    "the row has {} cells, the header {}: a delimiter or quote is missing or extra",
                    row.cells.len(),
                    self.header.len()
                ),
            }]);
        }
        let mut problems = Vec::new();
        let legacy_id = self.cell(row, self.legacy_id).unwrap_or_default().to_owned();
        if legacy_id.is_empty() {
            problems.push(self.problem(row, Some(self.legacy_id), None, "required", "the legacy id is empty"));
        }
        let customer_legacy_id = self.customer.map(|c| self.cell(row, c).unwrap_or_default().to_owned());
        if customer_legacy_id.as_deref() == Some("") {
            problems.push(self.problem(
                row,
                self.customer,
                None,
                "required",
                "the customer's legacy id is empty",
            ));
        }
        let mut values = Vec::with_capacity(self.fields.len());
        for (i, field) in self.fields.iter().enumerate() {
            let cell = field.column.and_then(|c| self.cell(row, c));
            let text = cell.or(field.default.as_deref());
            match text.map(|t| read(field, t)).transpose() {
                Ok(value) => values.push((i, value)),
                Err((code, message)) => {
                    problems.push(self.problem(row, field.column, Some(&field.path), code, &message))
                }
            }
        }
        if problems.is_empty() {
            Ok(ConvertedRow {
                legacy_id,
                customer_legacy_id,
                values,
            })
        } else {
            Err(problems)
        }
    }

    /// Puts the row's values into `target` (an object), clearing the fields whose cells are empty.
    pub fn apply(&self, row: &ConvertedRow, target: &mut Value) {
        for (i, value) in &row.values {
            set_path(target, &self.fields[*i].segments, value.clone());
        }
    }

    /// A problem at the column that fills `field` (a path as validation names it, e.g.
    /// `other_languages[0].level`), or at no column when no mapped field covers it.
    pub fn problem_at_field(&self, row: &SourceRow, field: &str, code: &str, message: &str) -> RowProblem {
        let covering = self
            .fields
            .iter()
            .filter(|f| {
                field == f.path
                    || field.starts_with(&format!("{}.", f.path))
                    || field.starts_with(&format!("{}[", f.path))
            })
            .max_by_key(|f| f.path.len());
        match covering {
            Some(f) => self.problem(row, f.column, Some(field), code, message),
            None => self.problem(row, None, Some(field), code, message),
        }
    }

    /// A problem at the row's legacy id column (duplicates, unknown customers).
    pub fn problem_at_legacy_id(&self, row: &SourceRow, code: &str, message: &str) -> RowProblem {
        self.problem(row, Some(self.legacy_id), None, code, message)
    }

    /// A problem at the column holding the customer's legacy id.
    pub fn problem_at_customer(&self, row: &SourceRow, code: &str, message: &str) -> RowProblem {
        self.problem(row, self.customer, None, code, message)
    }

    fn cell<'r>(&self, row: &'r SourceRow, column: usize) -> Option<&'r str> {
        let text = row.cells.get(column)?.as_str();
        if text.is_empty() || self.null_values.iter().any(|null| null.eq_ignore_ascii_case(text)) {
            None
        } else {
            Some(text)
        }
    }

    fn problem(
        &self,
        row: &SourceRow,
        column: Option<usize>,
        field: Option<&str>,
        code: &str,
        message: &str,
    ) -> RowProblem {
        RowProblem {
            line: row.line,
            column: column.map(|c| c + 1),
            column_name: column.and_then(|c| self.header.get(c).cloned()),
            value: column.and_then(|c| row.cells.get(c).cloned()),
            field: field.map(str::to_owned),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A cell's value for its field, or a problem code and message.
fn read(field: &Field, text: &str) -> Result<Value, (&'static str, String)> {
    let mapped = |item: &str| -> String {
        field
            .values
            .get(&item.trim().to_lowercase())
            .cloned()
            .unwrap_or_else(|| item.trim().to_owned())
    };
    let code = |item: &str| -> String {
        let item = mapped(item);
        let lower = item.to_lowercase();
        match &field.codes {
            Some(codes) => codes.get(&lower).cloned().unwrap_or(item),
            None => item,
        }
    };
    Ok(match field.ty {
        // Line breaks inside a quoted cell come as the exporting system wrote them.
        FieldType::Text => Value::String(mapped(text).replace("\r\n", "\n")),
        FieldType::IdentityCode => Value::String(mapped(text).to_uppercase()),
        FieldType::PostalCode => {
            let code = mapped(text);
            Value::String(
                if (3..5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{code:0>5}")
                } else {
                    code
                },
            )
        }
        FieldType::Date => {
            let text = mapped(text);
            let date = read_date(&text, &field.formats).ok_or_else(|| {
                let formats: Vec<&str> = field.formats.iter().map(DateFormat::as_str).collect();
                (
                    "invalid_date",
                    format!("not a date in the format {} (nor yyyy-mm-dd)", formats.join(" or ")),
                )
            })?;
            Value::String(date.to_string())
        }
        FieldType::Bool => Value::Bool(read_bool(&mapped(text)).ok_or((
            "invalid_boolean",
            "not a yes or no (kyllä/ei, ja/nej, yes/no, true/false, 1/0)".to_owned(),
        ))?),
        FieldType::Integer => {
            // Spreadsheets write whole numbers as `4,0` or `4.0`.
            let text = mapped(text);
            let whole = text
                .strip_suffix(",0")
                .or_else(|| text.strip_suffix(".0"))
                .unwrap_or(&text);
            Value::Number(
                whole
                    .parse::<u32>()
                    .map_err(|_| ("invalid_number", "not a whole number".to_owned()))?
                    .into(),
            )
        }
        FieldType::Code(list) => Value::String(pad_code(list, code(text))),
        FieldType::Choice => Value::String(mapped(text).to_lowercase().replace([' ', '-'], "_")),
        FieldType::TextList => Value::Array(
            items(text, &field.separator)
                .map(|i| Value::String(mapped(i)))
                .collect(),
        ),
        FieldType::CodeList(list) => Value::Array(
            items(text, &field.separator)
                .map(|i| Value::String(pad_code(list, code(i))))
                .collect(),
        ),
        FieldType::LanguageSkills => Value::Array(
            items(text, &field.separator)
                .map(|item| {
                    let (language, level) = split_level(item);
                    let mut skill = Map::new();
                    skill.insert("language".into(), Value::String(code(language)));
                    if let Some(level) = level {
                        skill.insert("level".into(), Value::String(level.to_uppercase()));
                    }
                    Value::Object(skill)
                })
                .collect(),
        ),
    })
}

fn items<'t>(text: &'t str, separator: &'t str) -> impl Iterator<Item = &'t str> {
    text.split(separator).map(str::trim).filter(|i| !i.is_empty())
}

/// `en B1`, `en:B1` or `en (B1)` → (`en`, `B1`); a language alone has no level.
fn split_level(item: &str) -> (&str, Option<&str>) {
    let trimmed = item.trim_end_matches(')');
    if let Some(at) = trimmed.rfind([' ', ':', '(']) {
        let level = trimmed[at + 1..].trim();
        if code_lists::contains(CodeListName::CefrLevels, &level.to_uppercase()) {
            return (trimmed[..at].trim_end_matches([' ', ':', '(']).trim(), Some(level));
        }
    }
    (item.trim(), None)
}

/// Spreadsheets drop leading zeros: municipality `91` is `091`, postal code `2100` is `02100`.
fn pad_code(list: CodeListName, code: String) -> String {
    if list == CodeListName::Municipalities && (1..3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
    {
        format!("{code:0>3}")
    } else {
        code
    }
}

fn read_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "kyllä" | "k" | "ja" | "j" | "x" | "1" => Some(true),
        "false" | "no" | "n" | "ei" | "e" | "nej" | "0" => Some(false),
        _ => None,
    }
}

/// A code list's codes and names in the three languages, lower-cased, each to its code.
fn code_table(list: CodeListName) -> HashMap<String, String> {
    let mut table = HashMap::new();
    for entry in &code_lists::list(list).entries {
        for name in [&entry.name.en, &entry.name.sv, &entry.name.fi] {
            table.insert(name.to_lowercase(), entry.code.clone());
        }
    }
    // Codes last: a code wins over another entry's name that happens to read the same.
    for entry in &code_lists::list(list).entries {
        table.insert(entry.code.to_lowercase(), entry.code.clone());
    }
    table
}

fn segments(path: &str) -> Vec<(String, Option<usize>)> {
    path.split('.')
        .map(|segment| match segment.split_once('[') {
            Some((name, rest)) => (name.to_owned(), rest.trim_end_matches(']').parse().ok()),
            None => (segment.to_owned(), None),
        })
        .collect()
}

/// Sets (or with `None` removes) the value at `segments`, creating objects and list entries on the
/// way. Missing list entries before the index are filled with empty objects.
fn set_path(target: &mut Value, segments: &[(String, Option<usize>)], value: Option<Value>) {
    let Some(((name, index), rest)) = segments.split_first() else {
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(object) = target else {
        return;
    };
    match (index, rest.is_empty()) {
        (None, true) => match value {
            Some(value) => {
                object.insert(name.clone(), value);
            }
            None => {
                object.remove(name);
            }
        },
        (None, false) => {
            if value.is_none() && !object.contains_key(name) {
                return;
            }
            set_path(object.entry(name.clone()).or_insert(Value::Null), rest, value);
        }
        (Some(index), _) => {
            if value.is_none() && !object.contains_key(name) {
                return;
            }
            let list = object.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else {
                return;
            };
            while items.len() <= *index {
                items.push(Value::Object(Map::new()));
            }
            if rest.is_empty() {
                items[*index] = value.unwrap_or(Value::Null);
            } else {
                set_path(&mut items[*index], rest, value);
            }
        }
    }
}

/// Drops list entries that are empty objects: a plan's second goal whose cells were all empty is no
/// goal, not a goal without a description.
pub fn prune_empty_entries(value: &mut Value) {
    match value {
        Value::Object(object) => object.values_mut().for_each(prune_empty_entries),
        Value::Array(items) => {
            items.iter_mut().for_each(prune_empty_entries);
            items.retain(|item| !matches!(item, Value::Object(o) if o.is_empty()));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_build_nested_objects_and_lists() {
        let mut target = Value::Object(Map::new());
        set_path(
            &mut target,
            &segments("goals[1].measures[0].hours"),
            Some(Value::from(70)),
        );
        set_path(
            &mut target,
            &segments("goals[0].description"),
            Some(Value::from("Suomen kieli")),
        );
        set_path(&mut target, &segments("text"), Some(Value::from("x")));
        set_path(&mut target, &segments("text"), None);
        assert_eq!(
            target,
            serde_json::json!({"goals": [{"description": "Suomen kieli"}, {"measures": [{"hours": 70}]}]})
        );
        let mut sparse = serde_json::json!({"goals": [{}, {"area": "language"}]});
        prune_empty_entries(&mut sparse);
        assert_eq!(sparse, serde_json::json!({"goals": [{"area": "language"}]}));
    }

    #[test]
    fn levels_split_from_languages() {
        assert_eq!(split_level("en B1"), ("en", Some("B1")));
        assert_eq!(split_level("englanti (b1)"), ("englanti", Some("b1")));
        assert_eq!(split_level("sv:A2"), ("sv", Some("A2")));
        assert_eq!(split_level("ru"), ("ru", None));
        assert_eq!(split_level("norja bokmål"), ("norja bokmål", None));
    }

    #[test]
    fn codes_are_found_by_their_names_and_padded() {
        let languages = code_table(CodeListName::Languages);
        assert_eq!(languages.get("venäjä").map(String::as_str), Some("ru"));
        assert_eq!(languages.get("ru").map(String::as_str), Some("ru"));
        assert_eq!(pad_code(CodeListName::Municipalities, "91".into()), "091");
        assert_eq!(read_bool("Kyllä"), Some(true));
        assert_eq!(read_bool("maybe"), None);
    }
}
