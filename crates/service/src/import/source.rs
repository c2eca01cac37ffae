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
const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

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

// ---- Encodings ----

/// Windows-1252 for 0x80–0x9F; `None` for the five bytes it leaves undefined. 0xA0–0xFF are Latin-1.
const WINDOWS_1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'), // 0x80 €
    None,             // 0x81
    Some('\u{201A}'), // ‚
    Some('\u{0192}'), // ƒ
    Some('\u{201E}'), // „
    Some('\u{2026}'), // …
    Some('\u{2020}'), // †
    Some('\u{2021}'), // ‡
    Some('\u{02C6}'), // ˆ
    Some('\u{2030}'), // ‰
    Some('\u{0160}'), // Š
    Some('\u{2039}'), // ‹
    Some('\u{0152}'), // Œ
    None,             // 0x8D
    Some('\u{017D}'), // Ž
    None,             // 0x8F
    None,             // 0x90
    Some('\u{2018}'), // ‘
    Some('\u{2019}'), // ’
    Some('\u{201C}'), // “
    Some('\u{201D}'), // ”
    Some('\u{2022}'), // •
    Some('\u{2013}'), // –
    Some('\u{2014}'), // —
    Some('\u{02DC}'), // ˜
    Some('\u{2122}'), // ™
    Some('\u{0161}'), // š
    Some('\u{203A}'), // ›
    Some('\u{0153}'), // œ
    None,             // 0x9D
    Some('\u{017E}'), // ž
    Some('\u{0178}'), // 0x9F Ÿ
];

/// What CP850/CP437 letters (ä ö ô é å ç ë ï ø ê ÿ ò Ö) become when read as Windows-1252.
const DOS_LETTERS_AS_1252: &[char] = &[
    '\u{201E}', '\u{201D}', '\u{201C}', '\u{201A}', '\u{2020}', '\u{2021}', '\u{2030}', '\u{2039}', '\u{203A}',
    '\u{02C6}', '\u{02DC}', '\u{2022}', '\u{2122}',
];

/// Takes the bytes by value so that UTF-8, the common case, becomes the text without a copy.
fn decode(file: &str, mut bytes: Vec<u8>, choice: EncodingChoice) -> Result<(String, Encoding), SourceError> {
    let utf16 = |reason| SourceError::Utf16 {
        file: file.to_owned(),
        reason,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(utf16("it starts with a UTF-16 byte order mark"));
    }
    // Text in any 8-bit encoding has no NUL; UTF-16 without a byte order mark has one in every
    // ASCII character.
    if bytes[..bytes.len().min(4096)].contains(&0) {
        return Err(utf16("it has NUL bytes"));
    }

    let (text, encoding) = if bytes.starts_with(UTF8_BOM) {
        if choice == EncodingChoice::Windows1252 {
            return Err(SourceError::Utf8BomNotWindows1252 { file: file.to_owned() });
        }
        bytes.drain(..UTF8_BOM.len());
        let text = utf8(file, bytes, "the file starts with a UTF-8 byte order mark")?;
        (text, Encoding::Utf8WithBom)
    } else {
        match choice {
            EncodingChoice::Utf8 => (utf8(file, bytes, "UTF-8 was asked for")?, Encoding::Utf8),
            EncodingChoice::Windows1252 => {
                let text = windows_1252(&bytes).map_err(|at| {
                    let (line, column) = byte_position(&bytes, at, Columns::Bytes);
                    SourceError::NotWindows1252 {
                        file: file.to_owned(),
                        line,
                        column,
                        byte: bytes[at],
                    }
                })?;
                check_dos_code_page(file, &text)?;
                (text, Encoding::Windows1252)
            }
            EncodingChoice::Auto => match String::from_utf8(bytes) {
                Ok(text) => (text, Encoding::Utf8),
                Err(error) => {
                    let invalid = error.utf8_error().valid_up_to();
                    let bytes = error.as_bytes();
                    let text = windows_1252(bytes).map_err(|undefined| {
                        let (line, column) = byte_position(bytes, invalid, Columns::Utf8Chars);
                        let (undefined_line, undefined_column) = byte_position(bytes, undefined, Columns::Bytes);
                        SourceError::UnknownEncoding {
                            file: file.to_owned(),
                            line,
                            column,
                            byte: bytes[invalid],
                            undefined_line,
                            undefined_column,
                            undefined_byte: bytes[undefined],
                        }
                    })?;
                    check_dos_code_page(file, &text)?;
                    (text, Encoding::Windows1252)
                }
            },
        }
    };
    check_double_encoding(file, &text)?;
    Ok((text, encoding))
}

/// `why` says why the file had to be UTF-8.
fn utf8(file: &str, bytes: Vec<u8>, why: &'static str) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let (line, column) = byte_position(bytes, at, Columns::Utf8Chars);
        SourceError::NotUtf8 {
            file: file.to_owned(),
            line,
            column,
            byte: bytes[at],
            why,
        }
    })
}

/// Decodes Windows-1252; `Err` holds the index of the first undefined byte.
fn windows_1252(bytes: &[u8]) -> Result<String, usize> {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for (i, &b) in bytes.iter().enumerate() {
        let c = match b {
            0x80..=0x9F => WINDOWS_1252_HIGH[usize::from(b - 0x80)].ok_or(i)?,
            _ => char::from(b),
        };
        text.push(c);
    }
    Ok(text)
}

/// The Windows-1252 byte of a character, if it has one.
fn windows_1252_byte(c: char) -> Option<u8> {
    match u32::from(c) {
        0x00..=0x7F | 0xA0..=0xFF => u8::try_from(u32::from(c)).ok(),
        _ => WINDOWS_1252_HIGH
            .iter()
            .position(|&h| h == Some(c))
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

#[derive(Clone, Copy)]
enum Columns {
    /// Characters of the line before the byte, which are valid UTF-8 (the byte is the first invalid one).
    Utf8Chars,
    /// Bytes, for Windows-1252 where each byte is a character.
    Bytes,
}

/// 1-based line and column of byte `at` in undecoded `bytes`.
fn byte_position(bytes: &[u8], at: usize, columns: Columns) -> (u64, u64) {
    let before = &bytes[..at];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let prefix = &before[line_start..];
    let column = match (columns, std::str::from_utf8(prefix)) {
        (Columns::Utf8Chars, Ok(prefix)) => prefix.chars().count(),
        _ => prefix.len(),
    };
    (line as u64, column as u64 + 1)
}

/// 1-based line and column, in characters, of byte index `at` in decoded `text`.
fn text_position(text: &str, at: usize) -> (u64, u64) {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    (line as u64, before[line_start..].chars().count() as u64 + 1)
}

/// Refuses Windows-1252 text in which a DOS letter read as Windows-1252 punctuation stands between
/// two letters: real punctuation hardly ever does.
fn check_dos_code_page(file: &str, text: &str) -> Result<(), SourceError> {
    let mut previous: [Option<(usize, char)>; 2] = [None, None];
    for (i, c) in text.char_indices() {
        if let [Some((_, before)), Some((at, found))] = previous
            && before.is_alphabetic()
            && c.is_alphabetic()
            && DOS_LETTERS_AS_1252.contains(&found)
        {
            let (line, column) = text_position(text, at);
            return Err(SourceError::DosCodePage {
                file: file.to_owned(),
                line,
                column,
                found,
                word: word_around(text, at),
            });
        }
        previous = [previous[1], Some((i, c))];
    }
    Ok(())
}

/// The run of letters (and DOS letters read as punctuation) around byte index `at`, for messages.
fn word_around(text: &str, at: usize) -> String {
    let part_of_word = |c: char| c.is_alphanumeric() || DOS_LETTERS_AS_1252.contains(&c);
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !part_of_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(|&(_, c)| !part_of_word(c))
        .map_or(text.len(), |(i, _)| at + i);
    text[start..end].chars().take(40).collect()
}

/// Refuses `Ã` or `Â` followed by what a UTF-8 continuation byte reads as in Windows-1252 (or
/// Latin-1): that is UTF-8 decoded as Windows-1252 and saved again, "Ã¤" for "ä".
fn check_double_encoding(file: &str, text: &str) -> Result<(), SourceError> {
    match find_double_encoding(text) {
        None => Ok(()),
        Some((at, lead, next)) => {
            let (line, column) = text_position(text, at);
            Err(double_encoded(file, line, column, lead, next))
        }
    }
}

/// The byte index and the two characters of the first double-encoded pair.
fn find_double_encoding(text: &str) -> Option<(usize, char, char)> {
    let mut previous: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        if let Some((at, lead @ ('Ã' | 'Â'))) = previous
            && (('\u{80}'..='\u{BF}').contains(&c) || WINDOWS_1252_HIGH.contains(&Some(c)))
        {
            return Some((at, lead, c));
        }
        previous = Some((i, c));
    }
    None
}

fn double_encoded(file: &str, line: u64, column: u64, lead: char, next: char) -> SourceError {
    // The two characters' Windows-1252 bytes are the UTF-8 of the character meant.
    let meant = match (windows_1252_byte(lead), windows_1252_byte(next)) {
        (Some(a), Some(b)) => std::str::from_utf8(&[a, b]).map_or(String::new(), |s| format!(" (meant \"{s}\")")),
        _ => String::new(),
    };
    SourceError::DoubleEncoded {
        file: file.to_owned(),
        line,
        column,
        found: [lead, next].iter().collect(),
        meant,
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
mod tests {
    use std::io::Write;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A file with the given name in a directory of its own, removed on drop.
    struct TempFile {
        dir: PathBuf,
        path: PathBuf,
    }

    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "kotopolku-source-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            Self { dir, path }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn open_bytes(name: &str, bytes: &[u8], options: &SourceOptions) -> Result<Table, SourceError> {
        let file = TempFile::new(name, bytes);
        open(&file.path, options)
    }

    fn read(name: &str, bytes: &[u8]) -> Table {
        open_bytes(name, bytes, &SourceOptions::default()).unwrap()
    }

    fn refuse(name: &str, bytes: &[u8], options: &SourceOptions) -> String {
        open_bytes(name, bytes, options).unwrap_err().to_string()
    }

    fn rows(table: &Table) -> Vec<(u64, Vec<String>)> {
        table
            .rows()
            .map(|row| row.map(|r| (r.line, r.cells)).unwrap())
            .collect()
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn table_is_send() {
        fn send<T: Send>() {}
        send::<Table>();
        send::<SourceError>();
    }

    #[test]
    fn utf8_with_bom_and_semicolons() {
        let table = read(
            "customers.csv",
            "\u{FEFF}Sukunimi ; Etunimi;Kunta\nMäkinen; Åsa ;Närpiö\n".as_bytes(),
        );
        assert_eq!(table.format(), Format::Csv);
        assert_eq!(table.encoding(), Encoding::Utf8WithBom);
        assert_eq!(table.encoding().as_str(), "UTF-8 with BOM");
        assert_eq!(table.delimiter(), Some(b';'));
        assert_eq!(table.file_name(), "customers.csv");
        assert_eq!(table.header(), strings(&["Sukunimi", "Etunimi", "Kunta"]));
        assert_eq!(table.header_line(), 1);
        assert_eq!(table.row_count(), 1);
        assert_eq!(rows(&table), vec![(2, strings(&["Mäkinen", "Åsa", "Närpiö"]))]);
    }

    #[test]
    fn quoted_fields_with_delimiters_quotes_and_newlines() {
        let csv = "nimi,osoite,huom\n\
                   \"Virtanen, Liisa\",\"Katu 1; A 2\",\"sanoi \"\"hei\"\"\"\n\
                   Korhonen,\"Tie 3\nPL 5\",\n\
                   Nieminen,Polku 4,ok\n";
        let table = read("asiakkaat.csv", csv.as_bytes());
        assert_eq!(table.delimiter(), Some(b','));
        assert_eq!(table.encoding(), Encoding::Utf8);
        assert_eq!(table.row_count(), 3);
        assert_eq!(
            rows(&table),
            vec![
                (2, strings(&["Virtanen, Liisa", "Katu 1; A 2", "sanoi \"hei\""])),
                (3, strings(&["Korhonen", "Tie 3\nPL 5", ""])),
                // The quoted newline above makes this line 5.
                (5, strings(&["Nieminen", "Polku 4", "ok"])),
            ]
        );
    }

    #[test]
    fn short_and_long_rows_come_as_they_are() {
        let table = read("a.csv", b"a;b;c\n1;2\n1;2;3;4\n");
        assert_eq!(
            rows(&table),
            vec![(2, strings(&["1", "2"])), (3, strings(&["1", "2", "3", "4"]))]
        );
    }

    #[test]
    fn windows_1252_decoded() {
        let table = read("vanha.csv", b"nimi;summa\nM\xE4kinen \xD6rn \xC5sa;12 \x80\n");
        assert_eq!(table.encoding(), Encoding::Windows1252);
        assert_eq!(rows(&table), vec![(2, strings(&["Mäkinen Örn Åsa", "12 €"]))]);

        // Asked for, even though the bytes would be valid UTF-8.
        let options = SourceOptions {
            encoding: EncodingChoice::Windows1252,
            ..Default::default()
        };
        let table = open_bytes("b.csv", b"nimi;x\nabc;d\n", &options).unwrap();
        assert_eq!(table.encoding(), Encoding::Windows1252);
    }

    #[test]
    fn title_lines_above_the_header_are_skipped() {
        let options = SourceOptions {
            header_has: Some("nro".into()),
            ..Default::default()
        };
        let table = open_bytes(
            "raportti.csv",
            b"Asiakasraportti 1.1.2026;;\n;;\nNro;Nimi;Kunta\n1;Aalto;091\n",
            &options,
        )
        .unwrap();
        assert_eq!(table.header(), strings(&["Nro", "Nimi", "Kunta"]));
        assert_eq!(table.header_line(), 3);
        assert_eq!(rows(&table), vec![(4, strings(&["1", "Aalto", "091"]))]);
        assert_eq!(table.row_count(), 1);
    }

    #[test]
    fn dos_code_page_refused() {
        let message = refuse(
            "dos.csv",
            b"sukunimi;etunimi\nVirtanen;Liisa\nAalto;Ma M\x84kinen\n",
            &SourceOptions::default(),
        );
        assert!(
            message.starts_with("dos.csv:3:11: looks like a DOS code page (850 or 437)"),
            "{message}"
        );
        assert!(message.contains("line 3, column 11"), "{message}");
        assert!(message.contains("\"M„kinen\""), "{message}");
    }

    #[test]
    fn double_encoded_utf8_refused() {
        let message = refuse(
            "moji.csv",
            "nimi;kunta\nAalto;Espoo\nMÃ¤kinen;Turku\n".as_bytes(),
            &SourceOptions::default(),
        );
        assert!(
            message.starts_with("moji.csv:3:2: the export is double-encoded"),
            "{message}"
        );
        assert!(message.contains("\"Ã¤\" (meant \"ä\")"), "{message}");

        // "Å" (C3 85) read as Windows-1252 is "Ã…".
        let message = refuse("moji.csv", "nimi\nÃ…sa\n".as_bytes(), &SourceOptions::default());
        assert!(message.starts_with("moji.csv:2:1: "), "{message}");
        assert!(message.contains("(meant \"Å\")"), "{message}");

        // Windows-1252 bytes of a double-encoded text are refused as well.
        let message = refuse("moji.csv", b"nimi\nM\xC3\xA4kinen \xE4\n", &SourceOptions::default());
        assert!(
            message.starts_with("moji.csv:2:2: the export is double-encoded"),
            "{message}"
        );
    }

    #[test]
    fn utf16_refused() {
        let message = refuse("u16.csv", b"\xFF\xFEn\x00i\x00\n\x00", &SourceOptions::default());
        assert!(message.starts_with("u16.csv: the file is UTF-16"), "{message}");
        assert!(
            message.contains("save the export as UTF-8 or Windows-1252 CSV"),
            "{message}"
        );

        let message = refuse("u16.csv", b"n\x00i\x00\n\x00", &SourceOptions::default());
        assert!(
            message.starts_with("u16.csv: the file is UTF-16 (it has NUL bytes)"),
            "{message}"
        );
    }

    #[test]
    fn undefined_windows_1252_byte_refused() {
        let message = refuse("x.csv", b"nimi\nab\x81c\n", &SourceOptions::default());
        assert!(
            message.starts_with("x.csv:2:3: the encoding is neither UTF-8 nor Windows-1252"),
            "{message}"
        );
        assert!(message.contains("byte 0x81 here is not valid UTF-8"), "{message}");

        let options = SourceOptions {
            encoding: EncodingChoice::Windows1252,
            ..Default::default()
        };
        let message = refuse("x.csv", b"nimi\n\xE4b\x9D\n", &options);
        assert_eq!(
            message,
            "x.csv:2:3: byte 0x9D is undefined in Windows-1252, so the file is not Windows-1252"
        );

        // The first invalid UTF-8 byte and the first undefined one are both named, columns of the
        // UTF-8 one in characters.
        let mut bytes = "nimi\nää".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xFF;\n\x90\n");
        let message = refuse("y.csv", &bytes, &SourceOptions::default());
        assert!(message.starts_with("y.csv:2:3: "), "{message}");
        assert!(message.contains("byte 0xFF here is not valid UTF-8"), "{message}");
        assert!(
            message.contains("byte 0x90 at line 3, column 1 is undefined in Windows-1252"),
            "{message}"
        );
    }

    #[test]
    fn explicit_utf8_on_windows_1252_refused() {
        let options = SourceOptions {
            encoding: EncodingChoice::Utf8,
            ..Default::default()
        };
        let table = open_bytes("w.csv", "nimi;kunta\nVäinö;Pori".as_bytes(), &options).unwrap();
        assert_eq!(table.encoding(), Encoding::Utf8);
        let message = refuse("w.csv", b"nimi;kunta\nMatti;N\xE4rpes\n", &options);
        assert_eq!(
            message,
            "w.csv:2:8: byte 0xE4 is not valid UTF-8, yet UTF-8 was asked for"
        );
    }

    #[test]
    fn utf8_bom_with_windows_1252_asked_refused() {
        let options = SourceOptions {
            encoding: EncodingChoice::Windows1252,
            ..Default::default()
        };
        let message = refuse("bom.csv", "\u{FEFF}nimi\nä\n".as_bytes(), &options);
        assert!(
            message.starts_with("bom.csv: the file starts with a UTF-8 byte order mark"),
            "{message}"
        );

        // A byte order mark says UTF-8, so the rest must be.
        let message = refuse("bom.csv", b"\xEF\xBB\xBFnimi\n\xE4\n", &SourceOptions::default());
        assert_eq!(
            message,
            "bom.csv:2:1: byte 0xE4 is not valid UTF-8, yet the file starts with a UTF-8 byte order mark"
        );
    }

    #[test]
    fn crlf_and_final_line_without_newline() {
        let table = read("crlf.csv", b"a;b\r\n1;2\r\n\r\n3;\"x\r\ny\"\r\n4;5");
        assert_eq!(table.header(), strings(&["a", "b"]));
        assert_eq!(table.row_count(), 3);
        assert_eq!(
            rows(&table),
            vec![
                (2, strings(&["1", "2"])),
                (4, strings(&["3", "x\r\ny"])),
                (6, strings(&["4", "5"]))
            ]
        );
    }

    #[test]
    fn lines_counted_across_blank_lines() {
        let table = read("blank.csv", b"\n\na;b\n1;2\n\n\n3;4\r\n\r\n5;6");
        assert_eq!(table.header_line(), 3);
        assert_eq!(
            rows(&table),
            vec![
                (4, strings(&["1", "2"])),
                (7, strings(&["3", "4"])),
                (9, strings(&["5", "6"]))
            ]
        );
    }

    #[test]
    fn empty_rows_skipped_and_cells_trimmed() {
        let csv = "\n;;\n Nimi\u{A0};\u{FEFF}Kunta \n\u{A0}Aalto ; Espoo\n;;;\n\n ; \u{A0};\t\nBerg;Vaasa\n;;;\n;;;\n";
        let table = read("trim.csv", csv.as_bytes());
        assert_eq!(table.delimiter(), Some(b';'));
        assert_eq!(table.header(), strings(&["Nimi", "Kunta"]));
        assert_eq!(table.header_line(), 3);
        assert_eq!(table.row_count(), 2);
        assert_eq!(
            rows(&table),
            vec![(4, strings(&["Aalto", "Espoo"])), (8, strings(&["Berg", "Vaasa"]))]
        );
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(read("t.csv", b"a\tb\tc\n1\t2\t3\n").delimiter(), Some(b'\t'));
        // Outside quotes only.
        assert_eq!(read("q.csv", b"\"a;b;c\",d,e\n").delimiter(), Some(b','));
        // A tie with the comma in it.
        assert_eq!(read("tie.csv", b"a;b,c\n").delimiter(), Some(b','));

        let message = refuse("one.csv", b"nimi\nAalto\n", &SourceOptions::default());
        assert!(message.starts_with("one.csv: cannot tell the delimiter"), "{message}");
        let message = refuse("tie.csv", b"a;b\tc\n", &SourceOptions::default());
        assert!(message.contains("semicolons 1, commas 0, tabs 1"), "{message}");

        // Given explicitly, it is not detected.
        let options = SourceOptions {
            delimiter: Some(b'|'),
            ..Default::default()
        };
        let table = open_bytes("pipe.csv", b"nimi|kunta;x\nAalto|Espoo\n", &options).unwrap();
        assert_eq!(table.delimiter(), Some(b'|'));
        assert_eq!(table.header(), strings(&["nimi", "kunta;x"]));
        let table = open_bytes(
            "one.csv",
            b"nimi\nAalto\n",
            &SourceOptions {
                delimiter: Some(b';'),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(rows(&table), vec![(2, strings(&["Aalto"]))]);
    }

    #[test]
    fn bad_delimiter_refused() {
        for delimiter in [b'"', b'\n', 0xE4] {
            let options = SourceOptions {
                delimiter: Some(delimiter),
                ..Default::default()
            };
            let message = refuse("d.csv", b"a;b\n", &options);
            assert!(message.ends_with("cannot be the delimiter"), "{message}");
        }
    }

    #[test]
    fn html_saved_as_excel_refused() {
        let message = refuse(
            "raportti.xls",
            b"\r\n<HTML><body><table><tr><td>a</td></tr></table></body></HTML>",
            &SourceOptions::default(),
        );
        assert!(
            message.starts_with("raportti.xls: this is an HTML or XML file, not CSV"),
            "{message}"
        );
        let message = refuse(
            "x.csv",
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?><Workbook/>",
            &SourceOptions::default(),
        );
        assert!(message.starts_with("x.csv: this is an HTML or XML file"), "{message}");
    }

    #[test]
    fn empty_file_has_empty_header() {
        let table = read("empty.csv", b"");
        assert!(table.header().is_empty());
        assert_eq!(table.row_count(), 0);
        assert_eq!(table.rows().count(), 0);
        let table = read("blank.csv", b"\r\n;;;\r\n");
        assert!(table.header().is_empty());
        assert_eq!(table.rows().count(), 0);
    }

    #[test]
    fn old_excel_refused() {
        let message = refuse(
            "asiakkaat.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0",
            &SourceOptions::default(),
        );
        assert!(
            message.starts_with("asiakkaat.xls: this is an old binary Excel workbook (.xls)"),
            "{message}"
        );
        assert!(message.contains("(.xlsx)"), "{message}");
    }

    #[test]
    fn missing_file() {
        let dir = TempFile::new("other.csv", b"");
        let message = open(&dir.dir.join("puuttuu.csv"), &SourceOptions::default())
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("puuttuu.csv: cannot read the file: "), "{message}");
    }

    #[test]
    fn float_texts() {
        assert_eq!(float_text(2100.0), "2100");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(12.5), "12.5");
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(1e20), "100000000000000000000");
    }

    /// A minimal workbook: two sheets, inline strings, numbers, a date (style 1 = numFmtId 14), a
    /// boolean and an error cell. The used range starts at row 2.
    fn workbook() -> Vec<u8> {
        let parts: [(&str, &str); 8] = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet3.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Asiakkaat" sheetId="1" r:id="rId1"/><sheet name="Muut" sheetId="2" r:id="rId2"/><sheet name="Rikki" sheetId="3" r:id="rId4"/></sheets>
</workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"/>
</Relationships>"#,
            ),
            (
                "xl/styles.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData>
<row r="2"><c r="A2" t="inlineStr"><is><t> Sukunimi </t></is></c><c r="B2" t="inlineStr"><is><t>Syntynyt</t></is></c><c r="C2" t="inlineStr"><is><t>Tulot</t></is></c><c r="D2" t="inlineStr"><is><t>Aktiivinen</t></is></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>Mäkinen</t></is></c><c r="B3" s="1"><v>45943</v></c><c r="C3"><v>2100</v></c><c r="D3" t="b"><v>1</v></c></row>
<row r="4"><c r="A4" t="inlineStr"><is><t>Åberg</t></is></c><c r="B4" t="e"><v>#N/A</v></c><c r="C4"><v>1234.5</v></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><t>&#160;</t></is></c></row>
<row r="6"><c r="A6" t="inlineStr"><is><t>Pitkä</t></is></c><c r="E6"><v>7</v></c></row>
</sheetData>
</worksheet>"#,
            ),
            (
                "xl/worksheets/sheet2.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Toinen</t></is></c></row><row r="2"><c r="A2"><v>2100.0</v></c></row></sheetData>
</worksheet>"#,
            ),
            (
                "xl/worksheets/sheet3.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Nimi</t></is></c><c r="B1" t="inlineStr"><is><t>Kunta</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Aalto</t></is></c><c r="B2" t="inlineStr"><is><t>NÃ¤rpiÃ¶</t></is></c></row></sheetData>
</worksheet>"#,
            ),
        ];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, text) in parts {
            zip.start_file(name, stored).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn xlsx_read() {
        // Told by content, not by the name.
        let table = read("asiakkaat.csv", &workbook());
        assert_eq!(table.format(), Format::Xlsx);
        assert_eq!(table.encoding(), Encoding::Utf8);
        assert_eq!(table.delimiter(), None);
        assert_eq!(
            table.header(),
            strings(&["Sukunimi", "Syntynyt", "Tulot", "Aktiivinen"])
        );
        assert_eq!(table.header_line(), 2);
        assert_eq!(table.row_count(), 3);
        assert_eq!(
            rows(&table),
            vec![
                (3, strings(&["Mäkinen", "2025-10-13", "2100", "true"])),
                (4, strings(&["Åberg", "#N/A", "1234.5", ""])),
                (6, strings(&["Pitkä", "", "", "", "7"])),
            ]
        );
    }

    #[test]
    fn xlsx_sheet_by_name() {
        let bytes = workbook();
        let options = SourceOptions {
            sheet: Some("muut".into()),
            ..Default::default()
        };
        let table = open_bytes("kirja.xlsx", &bytes, &options).unwrap();
        assert_eq!(table.header(), strings(&["Toinen"]));
        assert_eq!(rows(&table), vec![(2, strings(&["2100"]))]);

        let options = SourceOptions {
            sheet: Some("Taulu1".into()),
            ..Default::default()
        };
        let message = refuse("kirja.xlsx", &bytes, &options);
        assert_eq!(
            message,
            "kirja.xlsx: the workbook has no worksheet named \"Taulu1\"; it has \"Asiakkaat\", \"Muut\", \"Rikki\""
        );
    }

    #[test]
    fn xlsx_double_encoded_refused() {
        let options = SourceOptions {
            sheet: Some("Rikki".into()),
            ..Default::default()
        };
        let message = refuse("kirja.xlsx", &workbook(), &options);
        assert!(
            message.starts_with("kirja.xlsx:2:2: the export is double-encoded: \"Ã¤\" (meant \"ä\")"),
            "{message}"
        );
    }

    #[test]
    fn broken_xlsx_refused() {
        let message = refuse("rikki.xlsx", b"PK\x03\x04 not really", &SourceOptions::default());
        assert!(
            message.starts_with("rikki.xlsx: cannot read the XLSX workbook: "),
            "{message}"
        );
    }
}
