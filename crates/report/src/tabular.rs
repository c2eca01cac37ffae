//! Tables as downloadable files: CSV ([`to_csv`]) and Excel workbooks ([`to_xlsx`]).
//!
//! Statistics dashboards and the national data export hand over a [`Table`] of typed [`Cell`]s and
//! get the bytes of a file back; this module knows nothing of where the numbers come from.
//!
//! Spreadsheets are where downloaded data ends up, so both formats are written for Excel as it is
//! used in Finnish municipalities:
//!
//! - CSV follows RFC 4180 (CRLF line ends, quoted fields), in UTF-8. Finnish Excel splits columns on
//!   `;` and reads UTF-8 only after a byte order mark, so [`CsvOptions`] offers both; with `;` the
//!   decimal separator is a comma, as Finnish Excel expects, with `,` a point.
//! - A text cell of a CSV file that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would
//!   be read by a spreadsheet as a formula (CSV injection, see OWASP), and a customer's free text
//!   must never run as one on a caseworker's machine. Such text gets a leading `'`, which makes
//!   spreadsheets show it as text. Numbers are written as numbers (a negative number is not text
//!   anyone typed in).
//! - XLSX is a minimal Office Open XML workbook written here (see `tabular/xlsx.rs`), with text as
//!   inline strings, which a spreadsheet never evaluates.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::language::iso_date;

mod xlsx;

pub use xlsx::to_xlsx;

#[cfg(test)]
mod tests;

/// One value of a table.
///
/// Typed rather than text so that each format can write numbers and dates the way spreadsheets
/// read them (and so that only text is ever treated as possibly hostile).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    /// Written with the fewest digits that read back as the same `f64`: round before if fewer
    /// decimals are wanted. A non-finite value (NaN, infinity) is not a number a spreadsheet can
    /// hold, so it is written as an empty cell.
    Decimal(f64),
    Date(NaiveDate),
    Empty,
}

/// A table with a header row; one worksheet of a workbook, or one CSV file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The worksheet's name in a workbook (made valid and unique there, see [`to_xlsx`]); not
    /// written to CSV.
    pub name: String,
    /// Column titles, written first. A table without headers has no header row.
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The character that separates the fields of a CSV line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// `,`, with a point as the decimal separator: the RFC 4180 default, for programs.
    #[default]
    Comma,
    /// `;`, with a comma as the decimal separator: what Excel in a Finnish locale opens directly.
    Semicolon,
}

impl Delimiter {
    fn char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Semicolon => ';',
        }
    }

    /// A semicolon-separated file is for locales whose decimal separator is the comma.
    fn decimal_separator(self) -> &'static str {
        match self {
            Delimiter::Comma => ".",
            Delimiter::Semicolon => ",",
        }
    }
}

/// How a CSV file is written. The default is plain RFC 4180 for programs; for Excel in Finnish use
/// `Delimiter::Semicolon` and `byte_order_mark: true`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvOptions {
    pub delimiter: Delimiter,
    /// Starts the file with the UTF-8 byte order mark, without which Excel reads a CSV file in the
    /// locale's legacy code page and garbles ä, ö and å.
    pub byte_order_mark: bool,
}

/// Writes `table` as a CSV file: the header row first (when there are headers), CRLF line ends,
/// UTF-8, dates as `yyyy-mm-dd`.
///
/// Every line has as many fields as the widest row (short rows end in empty fields), so that the
/// file is the rectangle RFC 4180 describes. Text that a spreadsheet would take for a formula is
/// prefixed with `'` (see the module documentation).
pub fn to_csv(table: &Table, options: CsvOptions) -> Vec<u8> {
    let width = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.headers.len()])
        .max()
        .unwrap_or(0);
    let mut out = String::with_capacity(64 * (table.rows.len() + 1));
    if options.byte_order_mark {
        out.push('\u{feff}');
    }
    if !table.headers.is_empty() {
        let fields = table.headers.iter().map(|header| neutralise(header));
        push_record(&mut out, fields, width, options.delimiter);
    }
    for row in &table.rows {
        let fields = row.iter().map(|cell| csv_field(cell, options.delimiter));
        push_record(&mut out, fields, width, options.delimiter);
    }
    out.into_bytes()
}

/// The text of one cell in a CSV file, before quoting.
fn csv_field(cell: &Cell, delimiter: Delimiter) -> Cow<'_, str> {
    match cell {
        Cell::Text(text) => neutralise(text),
        Cell::Integer(number) => Cow::Owned(number.to_string()),
        // Rust writes an `f64` without exponent and with `.` as the only non-digit but the sign.
        Cell::Decimal(number) if number.is_finite() => {
            Cow::Owned(number.to_string().replace('.', delimiter.decimal_separator()))
        }
        Cell::Decimal(_) | Cell::Empty => Cow::Borrowed(""),
        // A year before 0 is written with a leading minus, which a spreadsheet would calculate
        // with; such a date is nonsense anyway, but it must not become a formula either.
        Cell::Date(date) => Cow::Owned(neutralise(&iso_date(*date)).into_owned()),
    }
}

/// Writes one CSV line of `width` fields, quoted where RFC 4180 requires, ending in CRLF.
fn push_record<'a>(out: &mut String, fields: impl Iterator<Item = Cow<'a, str>>, width: usize, delimiter: Delimiter) {
    let separator = delimiter.char();
    let start = out.len();
    let mut written = 0;
    for field in fields {
        if written > 0 {
            out.push(separator);
        }
        push_field(out, &field, separator);
        written += 1;
    }
    for _ in written.max(1)..width {
        out.push(separator);
    }
    if width > 0 && out.len() == start {
        // One empty field would make a blank line, which many readers skip: quote it so that
        // the row is not lost.
        out.push_str("\"\"");
    }
    out.push_str("\r\n");
}

/// Writes one field, in quotes (inner quotes doubled) if it holds the delimiter, a quote or a line
/// break.
fn push_field(out: &mut String, field: &str, separator: char) {
    if field.contains([separator, '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Prefixes text that a spreadsheet would read as a formula with `'`, so that it stays text.
fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}
