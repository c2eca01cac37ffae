//! Reading a legacy export — CSV or XLSX — into a header and rows of trimmed text cells, each row
//! with its line, so that the importer can name file, line and column in every problem.
//!
//! The format is told by content: a zip (`PK\x03\x04`) is an XLSX workbook, an OLE compound file
//! (`D0 CF 11 E0`, old `.xls` or a password-protected workbook) is refused, anything else is CSV.
//!
//! A CSV file is read whole and decoded to UTF-8 before parsing, and is refused rather than imported
//! as mojibake:
//! - a UTF-8 byte order mark is stripped and the rest must be valid UTF-8;
//! - UTF-16 (its byte order mark, or NUL bytes in the first 4 KB) is refused;
//! - otherwise valid UTF-8 is UTF-8, and anything else is Windows-1252 unless it holds one of the
//!   five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D);
//! - Windows-1252 text in which `„`, `”`, `™` and the like stand between two letters is a DOS code
//!   page (850 or 437) export ("M„kinen" is "Mäkinen") and is refused;
//! - in any text, `Ã` or `Â` followed by a character that UTF-8's second byte turns into when read
//!   as Windows-1252 ("Ã¤" for "ä") means a double-encoded export and is refused.
//!
//! Positions in errors are 1-based lines and columns; columns count characters of the line (for a
//! byte that is not valid UTF-8, the characters of the valid part of the line before it; for
//! Windows-1252, where every byte is a character, bytes).
//!
//! An XLSX worksheet (the first, or one named) is read with calamine; cells become text as Excel
//! shows them without formatting: whole numbers without ".0", dates as `YYYY-MM-DD`, errors as
//! their code (`#N/A`). Its rows are numbered as in the worksheet, and columns in errors likewise.
//!
//! The delimiter is `;`, `,` or tab, whichever occurs most often outside double quotes in the header
//! line; a tie that includes `,` means `,`; anything else must be given explicitly.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::encoding::{decode, double_encoded, find_double_encoding};

/// Which encoding to read a CSV file in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// UTF-8 when the file is valid UTF-8, otherwise Windows-1252 when it plausibly is.
    #[default]
    Auto,
    Utf8,
    Windows1252,
}

/// The encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8WithBom,
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8WithBom => "UTF-8 with BOM",
            Encoding::Windows1252 => "Windows-1252",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// CSV only.
    pub encoding: EncodingChoice,
    /// `None`: detect `;` or `,` (or tab) from the header line.
    pub delimiter: Option<u8>,
    /// XLSX: the worksheet by name; `None`: the first one.
    pub sheet: Option<String>,
    /// A column name the header has: records before the first that has it are a report's title
    /// lines, not data. `None`: the first non-empty record is the header.
    pub header_has: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// A file read into memory, decoded to UTF-8.
pub struct Table {
    file_name: String,
    format: Format,
    encoding: Encoding,
    header: Vec<String>,
    header_line: u64,
    row_count: u64,
    body: Body,
}

enum Body {
    /// The decoded text, parsed again on each `rows()`: that keeps one copy of the data in memory
    /// instead of a `String` per cell.
    Csv {
        text: String,
        delimiter: u8,
        /// Records up to and including the header.
        skip: usize,
    },
    /// calamine reads the whole sheet anyway, so the rows are kept converted.
    Xlsx { rows: Vec<SourceRow> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    /// 1-based line of the file where the row starts (CSV), or the worksheet's row number (XLSX).
    pub line: u64,
    /// Cells in header order, trimmed of surrounding whitespace (including no-break spaces). A short
    /// row has fewer cells than the header; a long row more.
    pub cells: Vec<String>,
}

/// Why a file cannot be read. Every message starts with the file name, and with `:line:column`
/// where a position applies.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{file}: this is an old binary Excel workbook (.xls) or a password-protected one; \
         save it as an Excel Workbook (.xlsx) without a password, or as CSV, and import that"
    )]
    OldExcel { file: String },
    #[error("{file}: the file is UTF-16 ({reason}); save the export as UTF-8 or Windows-1252 CSV")]
    Utf16 { file: String, reason: &'static str },
    /// UTF-8 was asked for, or declared by a byte order mark, and the file is not.
    #[error("{file}:{line}:{column}: byte 0x{byte:02X} is not valid UTF-8, yet {why}")]
    NotUtf8 {
        file: String,
        line: u64,
        column: u64,
        byte: u8,
        why: &'static str,
    },
    /// Neither UTF-8 nor Windows-1252: positions of the first byte invalid in each.
    #[error(
        "{file}:{line}:{column}: the encoding is neither UTF-8 nor Windows-1252: byte 0x{byte:02X} here is \
         not valid UTF-8, and byte 0x{undefined_byte:02X} at line {undefined_line}, column {undefined_column} \
         is undefined in Windows-1252; save the export as UTF-8 CSV"
    )]
    UnknownEncoding {
        file: String,
        line: u64,
        column: u64,
        byte: u8,
        undefined_line: u64,
        undefined_column: u64,
        undefined_byte: u8,
    },
    /// Windows-1252 was asked for and the file holds a byte it leaves undefined.
    #[error("{file}:{line}:{column}: byte 0x{byte:02X} is undefined in Windows-1252, so the file is not Windows-1252")]
    NotWindows1252 {
        file: String,
        line: u64,
        column: u64,
        byte: u8,
    },
    /// Windows-1252 was asked for but the file starts with a UTF-8 byte order mark.
    #[error("{file}: the file starts with a UTF-8 byte order mark, so it is UTF-8, not Windows-1252 as was asked")]
    Utf8BomNotWindows1252 { file: String },
    #[error(
        "{file}:{line}:{column}: looks like a DOS code page (850 or 437), not Windows-1252: line {line}, \
         column {column} has '{found}' between letters in \"{word}\"; save the export as UTF-8 or Windows-1252 CSV"
    )]
    DosCodePage {
        file: String,
        line: u64,
        column: u64,
        found: char,
        word: String,
    },
    #[error(
        "{file}:{line}:{column}: the export is double-encoded: \"{found}\"{meant} is UTF-8 text read as \
         Windows-1252 and saved again (or the file mixes the two encodings); export it again as UTF-8"
    )]
    DoubleEncoded {
        file: String,
        line: u64,
        column: u64,
        /// The two characters.
        found: String,
        /// ` (meant "ä")` when the original character can be told, otherwise empty.
        meant: String,
    },
    #[error(
        "{file}: cannot tell the delimiter from the header line (semicolons {semicolons}, commas {commas}, \
         tabs {tabs} outside quotes); give the delimiter explicitly"
    )]
    Delimiter {
        file: String,
        semicolons: usize,
        commas: usize,
        tabs: usize,
    },
    /// The delimiter given cannot separate fields: a quote, a line break or a byte that is not ASCII
    /// (which would split UTF-8 characters).
    #[error("{file}: {} cannot be the delimiter", char::from(*delimiter).escape_default())]
    BadDelimiter { file: String, delimiter: u8 },
    /// Not expected: the csv crate reading decoded text with a valid delimiter has nothing to fail on.
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
    /// An HTML or XML file, as old systems' "Excel" exports often are, and not CSV.
    #[error(
        "{file}: this is an HTML or XML file, not CSV (old systems often export such files as Excel); \
         open it in Excel and save it as an Excel Workbook (.xlsx) or CSV"
    )]
    Markup { file: String },
    #[error("{file}: cannot read the XLSX workbook: {message}")]
    Xlsx { file: String, message: String },
    #[error(
        "{file}: the workbook has no worksheet named \"{sheet}\"; it has {}",
        quoted_list(available)
    )]
    NoSuchSheet {
        file: String,
        sheet: String,
        available: Vec<String>,
    },
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";
const OLE_SIGNATURE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Opens `path` and reads its header; the rows are read with [`Table::rows`].
pub fn open(path: &Path, options: &SourceOptions) -> Result<Table, SourceError> {
    let file = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(source) => return Err(SourceError::Io { file, source }),
    };
    if bytes.starts_with(ZIP_SIGNATURE) {
        open_xlsx(file, bytes, options)
    } else if bytes.starts_with(OLE_SIGNATURE) {
        Err(SourceError::OldExcel { file })
    } else {
        open_csv(file, bytes, options)
    }
}

impl Table {
    pub fn format(&self) -> Format {
        self.format
    }

    /// `Utf8` for XLSX.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// `None` for XLSX.
    pub fn delimiter(&self) -> Option<u8> {
        match &self.body {
            Body::Csv { delimiter, .. } => Some(*delimiter),
            Body::Xlsx { .. } => None,
        }
    }

    /// The path's file name, for messages.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The column names, trimmed; empty for a file without any non-empty row.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The line (CSV) or worksheet row (XLSX) of the header; 0 when there is none.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// Rows after the header, in order; completely empty rows are skipped.
    pub fn rows(&self) -> Box<dyn Iterator<Item = Result<SourceRow, SourceError>> + '_> {
        match &self.body {
            Body::Csv { text, delimiter, skip } => {
                let file = self.file_name.as_str();
                let mut lines = LineCounter::new(text);
                let records = csv_reader(text, *delimiter).into_records().skip(*skip);
                Box::new(records.filter_map(move |record| match record {
                    Ok(record) => {
                        let line = lines.line_of(&record);
                        let cells: Vec<String> = record.iter().map(|c| trim_cell(c).to_owned()).collect();
                        (!is_blank(&cells)).then_some(Ok(SourceRow { line, cells }))
                    }
                    Err(error) => Some(Err(csv_error(file, &error))),
                }))
            }
            Body::Xlsx { rows } => Box::new(rows.iter().cloned().map(Ok)),
        }
    }

    /// Data rows, counted once on open (for a progress bar); exact.
    pub fn row_count(&self) -> u64 {
        self.row_count
    }
}

// By hand: the derived form would print the whole decoded file.
impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("file_name", &self.file_name)
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("delimiter", &self.delimiter().map(char::from))
            .field("header", &self.header)
            .field("row_count", &self.row_count)
            .finish_non_exhaustive()
    }
}

/// Surrounding whitespace, including no-break spaces (U+00A0 is White_Space) and stray byte order
/// marks (U+FEFF is not).
fn trim_cell(cell: &str) -> &str {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(String::is_empty)
}

/// Whether `cells` can be the header: not blank, and holding the wanted column name if one is given.
fn is_header(cells: &[String], options: &SourceOptions) -> bool {
    !is_blank(cells)
        && options
            .header_has
            .as_deref()
            .is_none_or(|name| cells.iter().any(|c| c.to_lowercase() == name.trim().to_lowercase()))
}

// ---- CSV ----

fn open_csv(file: String, bytes: Vec<u8>, options: &SourceOptions) -> Result<Table, SourceError> {
    let (text, encoding) = decode(&file, bytes, options.encoding)?;
    if is_markup(&text) {
        return Err(SourceError::Markup { file });
    }
    let delimiter = match options.delimiter {
        Some(delimiter) if !delimiter.is_ascii() || matches!(delimiter, b'"' | b'\r' | b'\n') => {
            return Err(SourceError::BadDelimiter { file, delimiter });
        }
        Some(delimiter) => delimiter,
        None => detect_delimiter(&file, &text)?,
    };

    // One pass to find the header and count the rows, so that `row_count` is exact.
    let mut header = None;
    let mut header_line = 0;
    let mut skip = 0;
    let mut row_count = 0;
    let mut lines = LineCounter::new(&text);
    for record in csv_reader(&text, delimiter).into_records() {
        let record = record.map_err(|error| csv_error(&file, &error))?;
        let cells: Vec<String> = record.iter().map(|c| trim_cell(c).to_owned()).collect();
        if header.is_none() {
            skip += 1;
            if is_header(&cells, options) {
                header_line = lines.line_of(&record);
                header = Some(cells);
            }
        } else if !is_blank(&cells) {
            row_count += 1;
        }
    }
    // Without any non-empty record the header is empty and so are the rows: the importer decides.
    Ok(Table {
        file_name: file,
        format: Format::Csv,
        encoding,
        header: header.unwrap_or_default(),
        header_line,
        row_count,
        body: Body::Csv { text, delimiter, skip },
    })
}

/// Whether the text starts like an HTML or XML document.
fn is_markup(text: &str) -> bool {
    let start: String = trim_cell(text).chars().take(9).flat_map(char::to_lowercase).collect();
    ["<?xml", "<html", "<!doctype", "<table", "<head", "<body"]
        .iter()
        .any(|tag| start.starts_with(tag))
}

fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows of the wrong length come through as they are: the importer reports them.
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// Line numbers of records. Not `csv::Position::line()`: csv 1.4 counts neither the blank lines it
/// skips before a record nor the `\n` of a `\r\n` ending (BurntSushi/rust-csv#395), so the line is
/// counted here from the record's byte offset, which is where the reader stood before the record
/// (before any blank lines).
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// Records come in order, so counting goes on from the previous one.
    fn line_of(&mut self, record: &csv::StringRecord) -> u64 {
        let from = record
            .position()
            .map_or(self.offset, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let from = from.clamp(self.offset, self.text.len());
        // A record never starts with a line break: those before it end earlier lines.
        let start = self.text[from..]
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .map_or(self.text.len(), |i| from + i);
        self.line += self.text[self.offset..start].iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset = start;
        self.line
    }
}

fn csv_error(file: &str, error: &csv::Error) -> SourceError {
    SourceError::Csv {
        file: file.to_owned(),
        message: error.to_string(),
    }
}

/// Counts `;`, `,` and tabs outside double quotes in the first line that has anything else.
fn detect_delimiter(file: &str, text: &str) -> Result<u8, SourceError> {
    let mut in_quotes = false;
    let mut line = [0usize; 3]; // ; , tab
    let mut all = [0usize; 3];
    let mut content = false;
    for c in text.chars() {
        let slot = match c {
            '"' => {
                in_quotes = !in_quotes;
                None
            }
            '\n' if !in_quotes => {
                if content {
                    break;
                }
                line = [0; 3];
                None
            }
            _ if in_quotes => {
                content = true;
                None
            }
            ';' => Some(0),
            ',' => Some(1),
            '\t' => Some(2),
            c => {
                content |= !c.is_whitespace() && c != '\u{FEFF}';
                None
            }
        };
        if let Some(slot) = slot {
            line[slot] += 1;
            all[slot] += 1;
        }
    }
    if !content {
        // Only blank lines and lines of delimiters: any delimiter that makes them blank records will do.
        return Ok(leader(all).unwrap_or(b','));
    }
    let [semicolons, commas, tabs] = line;
    leader(line).ok_or_else(|| SourceError::Delimiter {
        file: file.to_owned(),
        semicolons,
        commas,
        tabs,
    })
}

/// The most frequent of `[;, ,, tab]`; a tie that includes the comma means the comma, the format's own.
fn leader(counts: [usize; 3]) -> Option<u8> {
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        return None;
    }
    let tied: Vec<u8> = counts
        .iter()
        .zip([b';', b',', b'\t'])
        .filter(|(n, _)| **n == most)
        .map(|(_, d)| d)
        .collect();
    match tied.as_slice() {
        [only] => Some(*only),
        tied if tied.contains(&b',') => Some(b','),
        _ => None,
    }
}

// ---- XLSX ----

fn open_xlsx(file: String, bytes: Vec<u8>, options: &SourceOptions) -> Result<Table, SourceError> {
    let xlsx_error = |file: &str, error: calamine::XlsxError| SourceError::Xlsx {
        file: file.to_owned(),
        message: error.to_string(),
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| xlsx_error(&file, e))?;
    let names = workbook.sheet_names();
    let sheet = match &options.sheet {
        // Excel itself treats sheet names case-insensitively.
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .or_else(|| names.iter().find(|n| n.to_lowercase() == wanted.to_lowercase())),
        None => names.first(),
    };
    let Some(sheet) = sheet.cloned() else {
        return Err(SourceError::NoSuchSheet {
            file,
            sheet: options.sheet.clone().unwrap_or_default(),
            available: names,
        });
    };
    let range = workbook.worksheet_range(&sheet).map_err(|e| xlsx_error(&file, e))?;
    // The range starts at the first used cell, not at A1.
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row));

    let mut header: Option<Vec<String>> = None;
    let mut header_line = 0;
    let mut rows = Vec::new();
    let first_column = u64::from(range.start().map_or(0, |(_, column)| column));
    for (i, row) in range.rows().enumerate() {
        let line = first_row + i as u64 + 1;
        let mut cells: Vec<String> = row.iter().map(|cell| trim_cell(&cell_text(cell)).to_owned()).collect();
        // Workbooks carry no encoding of their own, but an old system may have written mojibake into one.
        for (j, cell) in cells.iter().enumerate() {
            if let Some((_, lead, next)) = find_double_encoding(cell) {
                return Err(double_encoded(&file, line, first_column + j as u64 + 1, lead, next));
            }
        }
        match &header {
            None => {
                if is_header(&cells, options) {
                    // The range is as wide as its widest row: empty cells past the last name are no columns.
                    let named = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
                    cells.truncate(named);
                    header_line = line;
                    header = Some(cells);
                }
            }
            Some(header) => {
                if !is_blank(&cells) {
                    // Blank cells are cells, not a short row; only data past the header makes a long one.
                    let used = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
                    cells.truncate(used.max(header.len()));
                    rows.push(SourceRow { line, cells });
                }
            }
        }
    }
    Ok(Table {
        file_name: file,
        format: Format::Xlsx,
        encoding: Encoding::Utf8,
        header: header.unwrap_or_default(),
        header_line,
        row_count: rows.len() as u64,
        body: Body::Xlsx { rows },
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        // The error's own text ("#N/A"), so that the importer reports it instead of taking a blank.
        Data::Error(e) => e.to_string(),
        Data::DateTime(value) => {
            let serial = value.as_f64();
            if value.is_duration() {
                let seconds = (serial * 86_400.0).round() as i64;
                let sign = if seconds < 0 { "-" } else { "" };
                let seconds = seconds.abs();
                format!("{sign}{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
            } else {
                let (year, month, day, hour, minute, second, _) = value.to_ymd_hms_milli();
                if (0.0..1.0).contains(&serial) {
                    // A time of day without a date: the date would be Excel's epoch, which means nothing.
                    format!("{hour:02}:{minute:02}:{second:02}")
                } else {
                    format!("{year:04}-{month:02}-{day:02}")
                }
            }
        }
    }
}

/// Rust's `Display` writes whole floats without ".0" (2100.0 as "2100") and others in full.
fn float_text(f: f64) -> String {
    if f == 0.0 {
        // Not "-0".
        return "0".into();
    }
    f.to_string()
}

#[cfg(test)]
mod tests;
