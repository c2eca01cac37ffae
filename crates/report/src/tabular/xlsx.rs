//! A minimal Office Open XML (XLSX) workbook writer.
//!
//! Written here rather than taken from an XLSX crate because what is needed is small (inline
//! strings, numbers, dates, one bold and one date style, a frozen header row) and those crates bring
//! in far more code than that. The package is a zip file of stored (uncompressed) entries, written by
//! [`ZipWriter`]; a download may be compressed by HTTP instead.
//!
//! Text is written exactly as it is, without the `'` prefix that CSV gets: an inline string
//! (`t="inlineStr"`) is text to every spreadsheet and is never evaluated as a formula, and a prefix
//! would show up as part of the value. A user who re-saves the sheet as CSV gets the spreadsheet's
//! own export, which this module cannot protect.
//!
//! Excel's own limits are not checked: a sheet holds at most 1,048,576 rows and 16,384 columns, a
//! cell at most 32,767 characters of text, and an integer is kept as a 64-bit float (exactly only up
//! to ±2⁵³). A caller with more data splits it over several tables.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::{Cell, Table};
use crate::language::iso_date;

/// Cell style of the header row (bold); an index into `cellXfs` of [`STYLES_XML`].
const HEADER_STYLE: u32 = 1;
/// Cell style of dates (`yyyy-mm-dd`); an index into `cellXfs` of [`STYLES_XML`].
const DATE_STYLE: u32 = 2;

/// Excel's longest sheet name, in UTF-16 code units.
const MAX_SHEET_NAME: usize = 31;

/// The default font, a bold one for [`HEADER_STYLE`] and the ISO date format for [`DATE_STYLE`].
/// The dates are ISO like the CSV's rather than the reader's locale's, so that a national export
/// reads the same everywhere. The fills and the border are the minimum Excel requires.
const STYLES_XML: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>"#,
    r#"<fonts count="2">"#,
    r#"<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"</fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill>"#,
    r#"<fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="3">"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"</cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"</styleSheet>"#,
);

const PACKAGE_RELS_XML: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" "#,
    r#"Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" "#,
    r#"Target="xl/workbook.xml"/>"#,
    r#"</Relationships>"#,
);

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NAMESPACE: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIP_TYPES: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Writes `tables` as an XLSX workbook, one worksheet per table in order.
///
/// Sheet names come from [`Table::name`], made into names Excel accepts: `[ ] : * ? / \` become
/// `_`, control characters are dropped, apostrophes at either end are trimmed, the name is cut to
/// 31 characters, an empty name becomes `SheetN` (N the table's position from 1), and a name already
/// taken (compared case-insensitively, as Excel does; `History` is reserved by Excel) gets ` (2)`,
/// ` (3)`... A workbook needs at least one sheet, so no tables give one empty sheet `Sheet1`.
///
/// The header row is bold and frozen (it stays in view while scrolling); numbers are numbers and
/// dates are date serials shown as `yyyy-mm-dd`. Characters XML 1.0 cannot hold (most control
/// characters) are dropped from text. A date Excel cannot represent (before 1900 or after 9999) is
/// written as ISO text.
///
/// # Panics
///
/// If one worksheet's XML exceeds 4 GiB, which would need ZIP64; Excel could not open such a sheet
/// anyway.
pub fn to_xlsx(tables: &[Table]) -> Vec<u8> {
    let placeholder;
    let tables = if tables.is_empty() {
        placeholder = [Table::default()];
        &placeholder[..]
    } else {
        tables
    };
    let names = sheet_names(tables);

    let mut zip = ZipWriter::default();
    zip.add("[Content_Types].xml", content_types_xml(tables.len()).as_bytes());
    zip.add("_rels/.rels", PACKAGE_RELS_XML.as_bytes());
    zip.add("xl/workbook.xml", workbook_xml(&names).as_bytes());
    zip.add("xl/_rels/workbook.xml.rels", workbook_rels_xml(tables.len()).as_bytes());
    zip.add("xl/styles.xml", STYLES_XML.as_bytes());
    for (index, table) in tables.iter().enumerate() {
        let path = format!("xl/worksheets/sheet{}.xml", index + 1);
        zip.add(&path, worksheet_xml(table, index == 0).as_bytes());
    }
    zip.finish()
}

fn content_types_xml(sheets: usize) -> String {
    let mut xml = String::from(XML_DECLARATION);
    xml.push_str(concat!(
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
        r#"<Default Extension="rels" "#,
        r#"ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
        r#"<Default Extension="xml" ContentType="application/xml"/>"#,
        r#"<Override PartName="/xl/workbook.xml" "#,
        r#"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
        r#"<Override PartName="/xl/styles.xml" "#,
        r#"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    ));
    for number in 1..=sheets {
        xml.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{number}.xml\" ContentType=\"application/\
             vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
    }
    xml.push_str("</Types>");
    xml
}

/// The workbook lists the sheets; sheet N is relationship `rIdN` (see [`workbook_rels_xml`]).
fn workbook_xml(names: &[String]) -> String {
    let mut xml = String::from(XML_DECLARATION);
    xml.push_str(&format!(
        "<workbook xmlns=\"{MAIN_NAMESPACE}\" xmlns:r=\"{RELATIONSHIP_TYPES}\">\
         <bookViews><workbookView/></bookViews><sheets>"
    ));
    for (index, name) in names.iter().enumerate() {
        xml.push_str("<sheet name=\"");
        push_escaped(&mut xml, name);
        let number = index + 1;
        xml.push_str(&format!("\" sheetId=\"{number}\" r:id=\"rId{number}\"/>"));
    }
    xml.push_str("</sheets></workbook>");
    xml
}

/// Relationships `rId1`..`rIdN` are the sheets, `rId{N+1}` the styles.
fn workbook_rels_xml(sheets: usize) -> String {
    let mut xml = String::from(XML_DECLARATION);
    xml.push_str("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
    for number in 1..=sheets {
        xml.push_str(&format!(
            "<Relationship Id=\"rId{number}\" Type=\"{RELATIONSHIP_TYPES}/worksheet\" \
             Target=\"worksheets/sheet{number}.xml\"/>"
        ));
    }
    xml.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"{RELATIONSHIP_TYPES}/styles\" Target=\"styles.xml\"/>",
        sheets + 1
    ));
    xml.push_str("</Relationships>");
    xml
}

/// One worksheet: the header row (bold, frozen) and then the rows. Empty cells are left out, as
/// Excel does.
fn worksheet_xml(table: &Table, selected: bool) -> String {
    let mut xml = String::with_capacity(1024 + 64 * table.rows.len() * table.headers.len());
    xml.push_str(XML_DECLARATION);
    xml.push_str(&format!("<worksheet xmlns=\"{MAIN_NAMESPACE}\"><sheetViews>"));
    let selected = if selected { " tabSelected=\"1\"" } else { "" };
    if table.headers.is_empty() {
        xml.push_str(&format!("<sheetView{selected} workbookViewId=\"0\"/>"));
    } else {
        xml.push_str(&format!(
            "<sheetView{selected} workbookViewId=\"0\">\
             <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
             <selection pane=\"bottomLeft\"/></sheetView>"
        ));
    }
    xml.push_str("</sheetViews><sheetData>");

    let mut row_number = 0;
    if !table.headers.is_empty() {
        row_number += 1;
        xml.push_str(&format!("<row r=\"{row_number}\">"));
        for (column, header) in table.headers.iter().enumerate() {
            push_text_cell(&mut xml, column, row_number, header, Some(HEADER_STYLE));
        }
        xml.push_str("</row>");
    }
    for row in &table.rows {
        row_number += 1;
        xml.push_str(&format!("<row r=\"{row_number}\">"));
        for (column, cell) in row.iter().enumerate() {
            push_cell(&mut xml, column, row_number, cell);
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

fn push_cell(xml: &mut String, column: usize, row: usize, cell: &Cell) {
    let reference = cell_reference(column, row);
    match cell {
        Cell::Text(text) => push_text_cell(xml, column, row, text, None),
        Cell::Integer(number) => xml.push_str(&format!("<c r=\"{reference}\"><v>{number}</v></c>")),
        // Rust writes an `f64` without exponent, which is a valid `xsd:double`.
        Cell::Decimal(number) if number.is_finite() => {
            xml.push_str(&format!("<c r=\"{reference}\"><v>{number}</v></c>"));
        }
        Cell::Date(date) => match excel_serial(*date) {
            Some(serial) => xml.push_str(&format!("<c r=\"{reference}\" s=\"{DATE_STYLE}\"><v>{serial}</v></c>")),
            None => push_text_cell(xml, column, row, &iso_date(*date), None),
        },
        Cell::Decimal(_) | Cell::Empty => {}
    }
}

fn push_text_cell(xml: &mut String, column: usize, row: usize, text: &str, style: Option<u32>) {
    let reference = cell_reference(column, row);
    match style {
        Some(style) => xml.push_str(&format!("<c r=\"{reference}\" s=\"{style}\" t=\"inlineStr\">")),
        None => xml.push_str(&format!("<c r=\"{reference}\" t=\"inlineStr\">")),
    }
    // `preserve`, or readers trim leading and trailing spaces and line breaks.
    xml.push_str("<is><t xml:space=\"preserve\">");
    push_escaped_text(xml, text);
    xml.push_str("</t></is></c>");
}

/// `A1`-style reference of a zero-based column and a one-based row.
fn cell_reference(column: usize, row: usize) -> String {
    let mut reference = column_name(column);
    reference.push_str(&row.to_string());
    reference
}

/// The letters of a zero-based column: `A`..`Z`, `AA`..`ZZ`, `AAA`...
pub(super) fn column_name(column: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = column + 1;
    while rest > 0 {
        rest -= 1;
        letters.push(char::from(b'A' + (rest % 26) as u8));
        rest /= 26;
    }
    letters.iter().rev().collect()
}

/// Days since Excel's epoch in its 1900 date system, or `None` for a date that system cannot show
/// (before 1900 or after 9999). Excel counts a 29 February 1900 that never was (a bug kept from
/// Lotus 1-2-3), so from 1 March 1900 on the serial is one more than the days since 31 December
/// 1899.
pub(super) fn excel_serial(date: NaiveDate) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let leap_bug = NaiveDate::from_ymd_opt(1900, 3, 1)?;
    if date < first || date > last {
        return None;
    }
    let serial = (date - first).num_days() + 1;
    Some(if date >= leap_bug { serial + 1 } else { serial })
}

/// Makes the tables' names into distinct names Excel accepts (see [`to_xlsx`]).
pub(super) fn sheet_names(tables: &[Table]) -> Vec<String> {
    // Excel compares sheet names case-insensitively and reserves "History".
    let mut taken: HashSet<String> = HashSet::from(["history".to_owned()]);
    let mut names = Vec::with_capacity(tables.len());
    for (index, table) in tables.iter().enumerate() {
        let mut base = clean_sheet_name(&table.name);
        if base.is_empty() {
            base = format!("Sheet{}", index + 1);
        }
        let mut name = base.clone();
        let mut copy = 1;
        while !taken.insert(name.to_lowercase()) {
            copy += 1;
            let suffix = format!(" ({copy})");
            name = truncate_utf16(&base, MAX_SHEET_NAME - suffix.len()).to_owned() + &suffix;
        }
        names.push(name);
    }
    names
}

fn clean_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .filter(|&c| !c.is_control() && is_xml_char(c))
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches('\'');
    truncate_utf16(trimmed, MAX_SHEET_NAME)
        .trim_end_matches('\'')
        .to_owned()
}

/// The longest start of `text` of at most `max` UTF-16 code units (Excel counts those), cut
/// between characters.
fn truncate_utf16(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &text[..at];
        }
    }
    text
}

/// Whether XML 1.0 can hold `c` at all. (Surrogates cannot be a `char`.)
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

/// Escapes text for an attribute value or element content, dropping characters XML cannot hold.
fn push_escaped(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            // A literal carriage return is turned into a line feed by every XML parser.
            '\r' => xml.push_str("&#13;"),
            c if is_xml_char(c) => xml.push(c),
            _ => {}
        }
    }
}

/// Escapes the text of a cell. Spreadsheets decode `_xHHHH_` in cell text as the UTF-16 unit
/// HHHH, so an underscore that starts such a sequence is itself written as `_x005F_`, as Excel
/// does, for the text to read back unchanged.
fn push_escaped_text(xml: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find('_') {
        push_escaped(xml, &rest[..at]);
        let after = &rest[at + 1..];
        let looks_escaped = after.len() >= 6
            && after.starts_with('x')
            && after.as_bytes()[1..5].iter().all(u8::is_ascii_hexdigit)
            && after.as_bytes()[5] == b'_';
        xml.push_str(if looks_escaped { "_x005F_" } else { "_" });
        rest = after;
    }
    push_escaped(xml, rest);
}

/// A zip file of stored (uncompressed) entries, enough for an XLSX package: no ZIP64, no
/// compression, all entries dated 1980-01-01 so that the same tables give the same bytes.
#[derive(Default)]
struct ZipWriter {
    out: Vec<u8>,
    central_directory: Vec<u8>,
    entries: u16,
}

impl ZipWriter {
    /// MS-DOS date of 1980-01-01, the earliest a zip entry can have; time 00:00.
    const DOS_DATE: u16 = (1 << 5) | 1;
    /// Version 2.0 of the format, which every reader supports.
    const VERSION: u16 = 20;

    fn add(&mut self, name: &str, data: &[u8]) {
        let size = u32::try_from(data.len()).expect("a zip entry over 4 GiB needs ZIP64");
        let offset = u32::try_from(self.out.len()).expect("a zip file over 4 GiB needs ZIP64");
        let name_length = u16::try_from(name.len()).expect("zip entry names are short");
        let crc = crc32fast::hash(data);

        let out = &mut self.out;
        out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes()); // local file header
        out.extend_from_slice(&Self::VERSION.to_le_bytes()); // version needed to extract
        out.extend_from_slice(&0_u16.to_le_bytes()); // flags (names are ASCII)
        out.extend_from_slice(&0_u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0_u16.to_le_bytes()); // time
        out.extend_from_slice(&Self::DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes()); // compressed size
        out.extend_from_slice(&size.to_le_bytes()); // uncompressed size
        out.extend_from_slice(&name_length.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        let central = &mut self.central_directory;
        central.extend_from_slice(&0x0201_4b50_u32.to_le_bytes()); // central directory header
        central.extend_from_slice(&Self::VERSION.to_le_bytes()); // made by (MS-DOS attributes)
        central.extend_from_slice(&Self::VERSION.to_le_bytes()); // version needed to extract
        central.extend_from_slice(&0_u16.to_le_bytes()); // flags
        central.extend_from_slice(&0_u16.to_le_bytes()); // method: stored
        central.extend_from_slice(&0_u16.to_le_bytes()); // time
        central.extend_from_slice(&Self::DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_length.to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());

        self.entries = self.entries.checked_add(1).expect("at most 65,535 entries");
    }

    fn finish(mut self) -> Vec<u8> {
        let size = u32::try_from(self.central_directory.len()).expect("central directory size");
        let offset = u32::try_from(self.out.len()).expect("a zip file over 4 GiB needs ZIP64");
        self.out.append(&mut self.central_directory);
        let out = &mut self.out;
        out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes()); // end of central directory
        out.extend_from_slice(&[0; 4]); // this disk, disk of the central directory
        out.extend_from_slice(&self.entries.to_le_bytes()); // entries on this disk
        out.extend_from_slice(&self.entries.to_le_bytes()); // entries in all
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // comment length
        self.out
    }
}
