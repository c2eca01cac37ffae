//! HTML forms: what was typed, how it becomes the API's JSON, and the errors shown at each field.
//!
//! A form field is named by the JSON path of the value it holds (`goals[0].measures[1].hours`), the
//! same path that validation names in its errors, so every error finds its field. Forms send text;
//! [`FormData::bind`] turns it into the typed value the API takes, converting a text to a number, a
//! truth value or a list where serde says the field needs one, and Finnish dates (d.m.yyyy) to ISO.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use kotopolku_domain::validation::FieldViolation;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::i18n::Tr;
/// Escapes text for HTML content and attribute values (the printed documents' escaping).
pub use kotopolku_report::escape;

/// The fields of a submitted form, in order. Names starting with `_` are the form's own controls
/// (CSRF token, which button was pressed) and never part of the data.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub pairs: Vec<(String, String)>,
}

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData {
            pairs: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.replace("\r\n", "\n")))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The version of the record the form's change is based on (`_version`; 0 when missing, which
    /// the use case refuses as a conflict).
    pub fn version(&self) -> i64 {
        self.get("_version").and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// The button pressed (`_action`), if the form has several.
    pub fn action(&self) -> Option<&str> {
        self.get("_action")
    }

    /// The data fields, without the form's controls.
    pub fn data(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The data as urlencoded text (kept over a sign-in when a session expired).
    pub fn data_encoded(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.data() {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// The typed value the form describes, or every field error found.
    pub fn bind<T: DeserializeOwned>(&self) -> Result<T, Vec<FieldViolation>> {
        let mut tree = Value::Object(Map::new());
        for (name, value) in self.data() {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if let Some(path) = parse_path(name)
                && let Some(slot) = slot_at(&mut tree, &path, true)
            {
                *slot = Value::String(iso_if_finnish_date(value));
            }
        }
        drop_blank_rows(&mut tree);
        bind_value(tree)
    }
}

/// Stand-ins for a missing required field, tried in turn until serde accepts one, so that the
/// fields after it are checked too. They only ever lead to more errors, never to a saved value.
const PLACEHOLDERS: [&str; 7] = [
    "\"\"",
    "\"2000-01-01\"",
    "\"2000-01-01T00:00:00\"",
    "0",
    "false",
    "[]",
    "{}",
];

/// Deserialises `tree`, coercing texts where serde asks for another type, and collects every error.
fn bind_value<T: DeserializeOwned>(mut tree: Value) -> Result<T, Vec<FieldViolation>> {
    let mut violations: Vec<FieldViolation> = Vec::new();
    // Fields holding a stand-in, and which stand-in.
    let mut standing_in: HashMap<String, usize> = HashMap::new();
    // Each round fixes, removes or stands in for one value; this bounds the rounds generously.
    for _ in 0..1024 {
        let error = match serde_path_to_error::deserialize::<_, T>(&tree) {
            Ok(value) if violations.is_empty() => return Ok(value),
            Ok(_) => return Err(violations),
            Err(error) => error,
        };
        let field = error.path().to_string();
        let message = error.into_inner().to_string();
        let path = parse_path(&field).unwrap_or_default();
        if let Some(attempt) = standing_in.get_mut(&field) {
            // The stand-in did not fit: an enumeration takes its first value, else try the next.
            let first_variant = message
                .strip_prefix("unknown variant")
                .and_then(|rest| rest.split("expected one of `").nth(1))
                .or_else(|| message.split("expected `").nth(1))
                .and_then(|rest| rest.split('`').next());
            let Some(slot) = slot_at(&mut tree, &path, true) else {
                return Err(violations);
            };
            match first_variant {
                Some(variant) if *slot == Value::String(String::new()) => *slot = Value::String(variant.to_owned()),
                _ => {
                    *attempt += 1;
                    match PLACEHOLDERS.get(*attempt).and_then(|p| serde_json::from_str(p).ok()) {
                        Some(next) => *slot = next,
                        None => return Err(violations),
                    }
                }
            }
            continue;
        }
        if let Some(rest) = message.strip_prefix("invalid type: string ") {
            let expected = rest.split(", expected ").nth(1).unwrap_or("");
            if let Some(slot) = slot_at(&mut tree, &path, false)
                && let Some(text) = slot.as_str().map(str::to_owned)
            {
                match coerce(&text, expected) {
                    Some(value) => *slot = value,
                    None => {
                        violations.push(FieldViolation {
                            field: field.clone(),
                            code: if expected.contains("bool") {
                                "invalid_value"
                            } else {
                                "invalid_number"
                            },
                            message,
                        });
                        remove_at(&mut tree, &path);
                    }
                }
                continue;
            }
        }
        let code = if message.starts_with("missing field") {
            "required"
        } else if message.starts_with("unknown variant") {
            "unknown_value"
        } else if message.contains("input contains invalid characters")
            || message.contains("premature end of input")
            || message.contains("input is out of range")
            || message.contains("input is not enough")
            || message.contains("trailing input")
        {
            "invalid_date"
        } else {
            "invalid_value"
        };
        let field = if code == "required" {
            let name = message.split('`').nth(1).unwrap_or("");
            if field.is_empty() || field == "." {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            }
        } else {
            field
        };
        let path = parse_path(&field).unwrap_or_default();
        if !violations.iter().any(|v| v.field == field) {
            violations.push(FieldViolation {
                field: field.clone(),
                code,
                message,
            });
        }
        if code == "required" {
            match slot_at(&mut tree, &path, true) {
                Some(slot) => *slot = Value::String(String::new()),
                None => return Err(violations),
            }
            standing_in.insert(field, 0);
        } else if !remove_at(&mut tree, &path) {
            return Err(violations);
        }
    }
    Err(violations)
}

/// A text as the type serde expects, if it reads as one.
fn coerce(text: &str, expected: &str) -> Option<Value> {
    if expected.contains("bool") {
        return match text {
            "true" | "on" | "yes" => Some(Value::Bool(true)),
            "false" | "off" | "no" => Some(Value::Bool(false)),
            _ => None,
        };
    }
    if expected.contains("sequence") {
        let items: Vec<Value> = text
            .split(['\n', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect();
        return Some(Value::Array(items));
    }
    if expected.starts_with('u') || expected.starts_with('i') || expected.contains("integer") {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
            .collect();
        return cleaned.parse::<i64>().ok().map(Value::from);
    }
    if expected.starts_with('f') {
        return text.replace(',', ".").trim().parse::<f64>().ok().map(Value::from);
    }
    None
}

/// `d.m.yyyy` as `yyyy-mm-dd`, and `d.m.yyyy hh:mm` as `yyyy-mm-ddThh:mm:00`; anything else as is.
pub fn iso_if_finnish_date(text: &str) -> String {
    let (date_part, time_part) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let Ok(date) = NaiveDate::parse_from_str(date_part, "%d.%m.%Y") else {
        return text.to_owned();
    };
    if date_part.split('.').nth(2).is_none_or(|year| year.len() != 4) {
        return text.to_owned();
    }
    match time_part {
        None => date.format("%Y-%m-%d").to_string(),
        Some(time) => match chrono::NaiveTime::parse_from_str(&time.replace('.', ":"), "%H:%M") {
            Ok(time) => NaiveDateTime::new(date, time).format("%Y-%m-%dT%H:%M:%S").to_string(),
            Err(_) => text.to_owned(),
        },
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `goals[0].measures[1].hours` as steps; `None` for a name that is not a path.
fn parse_path(name: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in name.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            let index: usize = stripped[..end].parse().ok()?;
            if index > 999 {
                return None;
            }
            steps.push(Step::Index(index));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// The value at `path`, created (as objects and arrays) when `create`.
fn slot_at<'a>(tree: &'a mut Value, path: &[Step], create: bool) -> Option<&'a mut Value> {
    let mut node = tree;
    for step in path {
        node = match step {
            Step::Key(key) => {
                if !node.is_object() {
                    if !create {
                        return None;
                    }
                    *node = Value::Object(Map::new());
                }
                let map = node.as_object_mut()?;
                if create {
                    map.entry(key.clone()).or_insert(Value::Null)
                } else {
                    map.get_mut(key)?
                }
            }
            Step::Index(index) => {
                if !node.is_array() {
                    if !create {
                        return None;
                    }
                    *node = Value::Array(Vec::new());
                }
                let items = node.as_array_mut()?;
                if create && items.len() <= *index {
                    items.resize(index + 1, Value::Null);
                }
                items.get_mut(*index)?
            }
        };
    }
    Some(node)
}

fn remove_at(tree: &mut Value, path: &[Step]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let Some(parent) = slot_at(tree, parent, false) else {
        return false;
    };
    match (last, parent) {
        (Step::Key(key), Value::Object(map)) => map.remove(key).is_some(),
        (Step::Index(index), Value::Array(items)) if *index < items.len() => {
            items[*index] = Value::Null;
            true
        }
        _ => false,
    }
}

/// Removes the rows of repeated groups that were left empty (the spare row every list offers), so
/// that the indexes of the rows kept stay those of the form.
fn drop_blank_rows(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(drop_blank_rows),
        Value::Array(items) => {
            items.iter_mut().for_each(drop_blank_rows);
            while items.last().is_some_and(Value::is_null) {
                items.pop();
            }
        }
        _ => {}
    }
}

/// What a form shows: the values (as typed, or of the record being edited) and the errors.
#[derive(Debug, Clone)]
pub struct Form {
    pub tr: Tr,
    values: HashMap<String, String>,
    /// Field name → translated message, in the order found.
    errors: Vec<(String, String)>,
    /// Rows added by an "add a row" button, per repeated group.
    extra_rows: HashMap<String, usize>,
}

impl Form {
    pub fn new(tr: Tr) -> Form {
        Form {
            tr,
            values: HashMap::new(),
            errors: Vec::new(),
            extra_rows: HashMap::new(),
        }
    }

    /// The form as it was submitted.
    pub fn from_data(tr: Tr, data: &FormData) -> Form {
        let mut form = Form::new(tr);
        for (k, v) in data.data() {
            form.values.insert(k.to_owned(), v.to_owned());
        }
        form
    }

    /// The form filled from a stored value (its JSON), dates written the Finnish way.
    pub fn from_value<T: serde::Serialize>(tr: Tr, value: &T) -> Form {
        let mut form = Form::new(tr);
        if let Ok(json) = serde_json::to_value(value) {
            flatten("", &json, &mut form.values);
        }
        form
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), value.into());
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// One more empty row in the repeated group `prefix`.
    pub fn add_row(&mut self, prefix: &str) {
        *self.extra_rows.entry(prefix.to_owned()).or_default() += 1;
    }

    /// Adds the violations as translated messages.
    pub fn add_violations(&mut self, violations: &[FieldViolation]) {
        for violation in violations {
            let key = format!("error-{}", violation.code);
            let message = if self.tr.has(&key) {
                self.tr.t(&key)
            } else {
                self.tr.t("error-invalid_value")
            };
            if !self.errors.iter().any(|(f, _)| f == &violation.field) {
                self.errors.push((violation.field.clone(), message));
            }
        }
    }

    /// Shows why a request was refused: each field's error at its field, or else the problem's own
    /// text at the top. Returns the status to answer with.
    pub fn add_problem(&mut self, problem: &crate::problem::Problem) -> axum::http::StatusCode {
        if problem.errors.is_empty() {
            self.add_form_error(super::problem_message(self.tr, problem));
        } else {
            self.add_violations(&problem.errors);
        }
        axum::http::StatusCode::from_u16(problem.status).unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// An error not tied to one field (shown in the summary only).
    pub fn add_form_error(&mut self, message: String) {
        self.errors.push((String::new(), message));
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.as_str())
    }

    /// Whether any of the fields `{prefix}.{name}` has a value or an error (to open what holds them).
    pub fn any_in(&self, prefix: &str, names: &[&str]) -> bool {
        names.iter().any(|name| {
            let field = format!("{prefix}.{name}");
            !self.value(&field).is_empty() || self.error(&field).is_some()
        })
    }

    /// The rows of a repeated group `prefix[i]` that hold something.
    fn filled_rows(&self, prefix: &str) -> usize {
        let open = format!("{prefix}[");
        self.values
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .filter_map(|(k, _)| k.strip_prefix(&open))
            .filter_map(|rest| rest.split(']').next()?.parse::<usize>().ok())
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }

    /// The rows a repeated group `prefix[i]` shows: those filled, plus `spare` empty ones, plus any
    /// an "add" button asked for.
    pub fn rows(&self, prefix: &str, spare: usize) -> Vec<usize> {
        let extra = self.extra_rows.get(prefix).copied().unwrap_or(0);
        (0..self.filled_rows(prefix) + spare + extra).collect()
    }

    /// The rows of a group with its own "add" button: those filled, at least `min`, plus any added.
    pub fn rows_min(&self, prefix: &str, min: usize) -> Vec<usize> {
        let extra = self.extra_rows.get(prefix).copied().unwrap_or(0);
        (0..self.filled_rows(prefix).max(min) + extra).collect()
    }

    /// The error summary at the top of the form: each message links to its field.
    pub fn error_summary(&self) -> String {
        if self.errors.is_empty() {
            return String::new();
        }
        let mut html = format!(
            "<div class=\"error-summary\" role=\"alert\" id=\"error-summary\" tabindex=\"-1\"><h2>{}</h2><ul>",
            escape(&self.tr.t_count("form-error-summary", self.errors.len()))
        );
        for (field, message) in &self.errors {
            if field.is_empty() {
                html.push_str(&format!("<li>{}</li>", escape(message)));
            } else {
                html.push_str(&format!(
                    "<li><a href=\"#{}\">{}: {}</a></li>",
                    field_id(field),
                    escape(&self.label(field)),
                    escape(message)
                ));
            }
        }
        html.push_str("</ul></div>");
        html
    }

    /// The label of a field: `field-{name}` of its last step, after the rows it is in
    /// (`goals[0].measures[1].hours` is "Goal 1, measure 2: Hours").
    pub fn label(&self, field: &str) -> String {
        let steps = parse_path(field).unwrap_or_default();
        let rows: Vec<String> = steps
            .windows(2)
            .filter_map(|pair| match pair {
                [Step::Key(key), Step::Index(i)] => Some(self.tr.nth(&format!("row-{key}"), *i)),
                _ => None,
            })
            .collect();
        match steps.last() {
            // An item of a list (`citizenships[1]`): its place in the list is its label.
            Some(Step::Index(_)) => rows.join(", "),
            Some(Step::Key(key)) if rows.is_empty() => self.tr.t(&format!("field-{key}")),
            Some(Step::Key(key)) => format!("{}: {}", rows.join(", "), self.tr.t(&format!("field-{key}"))),
            None => field.to_owned(),
        }
    }

    /// The visible label of a field (its row is shown by the group around it); an item of a list of
    /// values (`citizenships[1]`) is labelled by its place in the list.
    fn own_label(&self, name: &str) -> String {
        let last = name.rsplit('.').next().unwrap_or(name);
        match last.split_once('[') {
            Some((list, index)) => {
                let index: usize = index.trim_end_matches(']').parse().unwrap_or(0);
                self.tr.nth(&format!("row-{list}"), index)
            }
            None => self.tr.t(&format!("field-{last}")),
        }
    }

    fn hint(&self, name: &str, kind: &str) -> Option<String> {
        let key = name.rsplit('.').next().unwrap_or(name);
        let hint_key = format!("hint-{key}");
        if self.tr.has(&hint_key) {
            Some(self.tr.t(&hint_key))
        } else {
            match kind {
                "date" => Some(self.tr.t("hint-date")),
                "datetime" => Some(self.tr.t("hint-datetime")),
                "lines" => Some(self.tr.t("hint-lines")),
                _ => None,
            }
        }
    }

    /// Label, hint, error and the control's attributes that tie them together.
    fn frame(&self, name: &str, kind: &str, required: bool) -> (String, String, String) {
        let id = field_id(name);
        let mut label = escape(&self.own_label(name));
        if required {
            label.push_str(&format!(
                " <span class=\"required\">({})</span>",
                escape(&self.tr.t("form-required"))
            ));
        }
        let mut described = Vec::new();
        let mut below = String::new();
        if let Some(hint) = self.hint(name, kind) {
            below.push_str(&format!("<p class=\"hint\" id=\"{id}-hint\">{}</p>", escape(&hint)));
            described.push(format!("{id}-hint"));
        }
        if let Some(error) = self.error(name) {
            below.push_str(&format!(
                "<p class=\"field-error\" id=\"{id}-error\"><span class=\"visually-hidden\">{}: </span>{}</p>",
                escape(&self.tr.t("form-error")),
                escape(error)
            ));
            described.push(format!("{id}-error"));
        }
        let mut attrs = format!("id=\"{id}\" name=\"{}\"", escape(name));
        if !described.is_empty() {
            attrs.push_str(&format!(" aria-describedby=\"{}\"", described.join(" ")));
        }
        if self.error(name).is_some() {
            attrs.push_str(" aria-invalid=\"true\"");
        }
        if required {
            attrs.push_str(" required");
        }
        (format!("<label for=\"{id}\">{label}</label>{below}"), attrs, id)
    }

    /// A field: `kind` is text, date, datetime, number, email, tel, textarea, lines or password.
    pub fn field(&self, kind: &str, name: &str, required: bool) -> String {
        let (top, attrs, _) = self.frame(name, kind, required);
        let value = escape(self.value(name));
        let control = match kind {
            "textarea" | "lines" => format!(
                "<textarea {attrs} rows=\"{}\">{value}</textarea>",
                if kind == "lines" { 3 } else { 4 }
            ),
            "date" => format!(
                "<input type=\"text\" {attrs} value=\"{value}\" inputmode=\"decimal\" autocomplete=\"off\" class=\"input-date\">"
            ),
            "datetime" => {
                format!("<input type=\"text\" {attrs} value=\"{value}\" autocomplete=\"off\" class=\"input-datetime\">")
            }
            "number" => {
                format!("<input type=\"text\" {attrs} value=\"{value}\" inputmode=\"numeric\" class=\"input-number\">")
            }
            "email" => format!("<input type=\"email\" {attrs} value=\"{value}\" autocomplete=\"off\">"),
            "tel" => format!("<input type=\"tel\" {attrs} value=\"{value}\" autocomplete=\"off\">"),
            "password" => format!("<input type=\"password\" {attrs} autocomplete=\"current-password\">"),
            _ => format!("<input type=\"text\" {attrs} value=\"{value}\">"),
        };
        self.wrap(name, &format!("{top}{control}"))
    }

    /// `field` for `{prefix}.{name}`, a field of a row.
    pub fn field_at(&self, kind: &str, prefix: &str, name: &str, required: bool) -> String {
        self.field(kind, &format!("{prefix}.{name}"), required)
    }

    /// A drop-down list; `options` are (value, label), shown after an empty choice.
    pub fn select(&self, name: &str, options: &[(String, String)], required: bool) -> String {
        let (top, attrs, _) = self.frame(name, "select", required);
        let current = self.value(name);
        let mut html = format!(
            "{top}<select {attrs}><option value=\"\">{}</option>",
            escape(&self.tr.t("form-choose"))
        );
        for (value, label) in options {
            let selected = if value == current { " selected" } else { "" };
            html.push_str(&format!(
                "<option value=\"{}\"{selected}>{}</option>",
                escape(value),
                escape(label)
            ));
        }
        html.push_str("</select>");
        self.wrap(name, &html)
    }

    pub fn select_at(&self, prefix: &str, name: &str, options: &[(String, String)], required: bool) -> String {
        self.select(&format!("{prefix}.{name}"), options, required)
    }

    /// A check box that sends `true` when checked.
    pub fn checkbox(&self, name: &str) -> String {
        let id = field_id(name);
        let checked = if self.value(name) == "true" { " checked" } else { "" };
        let error = self
            .error(name)
            .map(|e| format!("<p class=\"field-error\" id=\"{id}-error\">{}</p>", escape(e)))
            .unwrap_or_default();
        self.wrap(
            name,
            &format!(
                "<div class=\"checkbox\"><input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"true\"{checked}><label for=\"{id}\">{}</label></div>{error}",
                escape(name),
                escape(&self.own_label(name))
            ),
        )
    }

    pub fn checkbox_at(&self, prefix: &str, name: &str) -> String {
        self.checkbox(&format!("{prefix}.{name}"))
    }

    /// A hidden field keeping its value.
    pub fn hidden(&self, name: &str) -> String {
        format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(self.value(name))
        )
    }

    pub fn hidden_at(&self, prefix: &str, name: &str) -> String {
        self.hidden(&format!("{prefix}.{name}"))
    }

    fn wrap(&self, name: &str, inner: &str) -> String {
        let class = if self.error(name).is_some() {
            "field has-error"
        } else {
            "field"
        };
        format!("<div class=\"{class}\">{inner}</div>")
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_string) && !prefix.is_empty() => {
            let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            out.insert(prefix.to_owned(), lines.join("\n"));
            // Lists of records are indexed; lists of texts are also readable one per line.
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        Value::String(text) => {
            let shown = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                date.format("%-d.%-m.%Y").to_string()
            } else if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
                at.format("%-d.%-m.%Y %H:%M").to_string()
            } else {
                text.clone()
            };
            out.insert(prefix.to_owned(), shown);
        }
        Value::Bool(b) => {
            out.insert(prefix.to_owned(), b.to_string());
        }
        Value::Number(n) => {
            out.insert(prefix.to_owned(), n.to_string());
        }
        Value::Null => {}
    }
}

/// The HTML id of a field: its name with brackets and dots as hyphens.
pub fn field_id(name: &str) -> String {
    let mut id = String::from("f-");
    for ch in name.chars() {
        id.push(if ch.is_ascii_alphanumeric() || ch == '_' {
            ch
        } else {
            '-'
        });
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Row {
        name: String,
        #[serde(default)]
        hours: Option<u32>,
        #[serde(default)]
        done: bool,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        starts_on: NaiveDate,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        rows: Vec<Row>,
    }

    fn data(pairs: &[(&str, &str)]) -> FormData {
        FormData {
            pairs: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn binds_dates_numbers_booleans_and_lists() {
        let sample: Sample = data(&[
            ("_csrf", "x"),
            ("starts_on", "5.3.2026"),
            ("tags", "a\nb"),
            ("rows[0].name", "Finnish course"),
            ("rows[0].hours", "120"),
            ("rows[0].done", "true"),
            ("rows[1].name", ""),
            ("rows[1].hours", ""),
        ])
        .bind()
        .unwrap();
        assert_eq!(sample.starts_on, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert_eq!(sample.tags, vec!["a", "b"]);
        assert_eq!(
            sample.rows,
            vec![Row {
                name: "Finnish course".into(),
                hours: Some(120),
                done: true
            }]
        );
    }

    #[test]
    fn reports_every_bad_field_by_its_path() {
        let errors = data(&[
            ("starts_on", "31.2.2026"),
            ("rows[0].name", "x"),
            ("rows[0].hours", "many"),
        ])
        .bind::<Sample>()
        .unwrap_err();
        let fields: Vec<(&str, &str)> = errors.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert!(fields.contains(&("rows[0].hours", "invalid_number")), "{fields:?}");
        assert!(fields.contains(&("starts_on", "invalid_date")), "{fields:?}");
    }

    #[test]
    fn every_missing_field_is_required() {
        let errors = data(&[("rows[0].hours", "3")]).bind::<Sample>().unwrap_err();
        let fields: Vec<(&str, &str)> = errors.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert!(fields.contains(&("starts_on", "required")), "{fields:?}");
        assert!(fields.contains(&("rows[0].name", "required")), "{fields:?}");
    }

    #[test]
    fn finnish_date_times_become_iso() {
        assert_eq!(iso_if_finnish_date("1.12.2026 9:05"), "2026-12-01T09:05:00");
        assert_eq!(iso_if_finnish_date("1.12.26"), "1.12.26");
        assert_eq!(iso_if_finnish_date("Helsinki"), "Helsinki");
    }

    #[test]
    fn stored_values_fill_the_form_with_finnish_dates() {
        let form = Form::from_value(
            Tr::new(super::super::i18n::UiLanguage::Fi),
            &serde_json::json!({"starts_on": "2026-03-05", "rows": [{"name": "a"}], "tags": ["x", "y"]}),
        );
        assert_eq!(form.value("starts_on"), "5.3.2026");
        assert_eq!(form.value("rows[0].name"), "a");
        assert_eq!(form.value("tags"), "x\ny");
        assert_eq!(form.rows("rows", 1), vec![0, 1]);
    }
}
