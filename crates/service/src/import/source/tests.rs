//! The reader's tests: small files of each kind written to a temporary directory.

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
