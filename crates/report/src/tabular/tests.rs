use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::xlsx::{column_name, excel_serial, sheet_names};
use super::*;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn table(headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        name: String::new(),
        headers: headers.iter().map(|&header| header.to_owned()).collect(),
        rows,
    }
}

fn csv(table: &Table, delimiter: Delimiter) -> String {
    let options = CsvOptions {
        delimiter,
        byte_order_mark: false,
    };
    String::from_utf8(to_csv(table, options)).unwrap()
}

const SEMICOLON: Delimiter = Delimiter::Semicolon;
const COMMA: Delimiter = Delimiter::Comma;

#[test]
fn csv_writes_the_header_row_first_with_crlf_line_ends() {
    let table = table(
        &["Kunta", "Asiakkaita", "Osuus", "Alkaen"],
        vec![
            vec![
                text("Närpiö"),
                Cell::Integer(12),
                Cell::Decimal(0.5),
                Cell::Date(date(2026, 3, 1)),
            ],
            vec![text("Åland"), Cell::Integer(-3), Cell::Empty, Cell::Empty],
        ],
    );
    assert_eq!(
        csv(&table, COMMA),
        "Kunta,Asiakkaita,Osuus,Alkaen\r\nNärpiö,12,0.5,2026-03-01\r\nÅland,-3,,\r\n"
    );
}

#[test]
fn csv_quotes_fields_with_the_delimiter_a_quote_or_a_line_break() {
    let row = vec![
        text("a,b"),
        text("a;b"),
        text("sanoi \"hei\""),
        text("rivi\r\nrivi"),
        text("rivi\nrivi"),
        text("cr\rcr"),
        text("tavallinen"),
    ];
    let table = table(&[], vec![row]);
    assert_eq!(
        csv(&table, COMMA),
        "\"a,b\",a;b,\"sanoi \"\"hei\"\"\",\"rivi\r\nrivi\",\"rivi\nrivi\",\"cr\rcr\",tavallinen\r\n"
    );
    assert_eq!(
        csv(&table, SEMICOLON),
        "a,b;\"a;b\";\"sanoi \"\"hei\"\"\";\"rivi\r\nrivi\";\"rivi\nrivi\";\"cr\rcr\";tavallinen\r\n"
    );
}

#[test]
fn csv_starts_with_a_byte_order_mark_only_when_asked() {
    let table = table(&["Äidinkieli"], vec![vec![text("ö")]]);
    let with = to_csv(
        &table,
        CsvOptions {
            delimiter: SEMICOLON,
            byte_order_mark: true,
        },
    );
    let without = to_csv(&table, CsvOptions::default());
    assert_eq!(&with[..3], [0xef, 0xbb, 0xbf]);
    assert_eq!(&with[3..], without.as_slice());
    assert_eq!(without, "Äidinkieli\r\nö\r\n".as_bytes());
}

#[test]
fn csv_decimal_separator_is_a_comma_with_semicolons_and_a_point_with_commas() {
    let row = vec![
        Cell::Decimal(1.5),
        Cell::Decimal(-0.25),
        Cell::Decimal(1234567.125),
        Cell::Decimal(3.0),
        Cell::Integer(1000000),
    ];
    let table = table(&["a", "b", "c", "d", "e"], vec![row]);
    assert_eq!(
        csv(&table, SEMICOLON),
        "a;b;c;d;e\r\n1,5;-0,25;1234567,125;3;1000000\r\n"
    );
    assert_eq!(csv(&table, COMMA), "a,b,c,d,e\r\n1.5,-0.25,1234567.125,3,1000000\r\n");
}

#[test]
fn csv_writes_dates_as_iso_and_non_finite_decimals_as_empty() {
    let row = vec![
        Cell::Date(date(1899, 12, 31)),
        Cell::Date(date(2026, 12, 9)),
        Cell::Decimal(f64::NAN),
        Cell::Decimal(f64::INFINITY),
    ];
    let table = table(&[], vec![row]);
    assert_eq!(csv(&table, SEMICOLON), "1899-12-31;2026-12-09;;\r\n");
}

#[test]
fn csv_neutralises_text_and_headers_that_start_like_a_formula() {
    // Each dangerous first character, and what must come out (the carriage return also needs
    // quoting).
    let cases = [
        ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
        ("+358401234567", "'+358401234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "\"'\rcmd\""),
    ];
    for (dangerous, expected) in cases {
        let table = table(&[dangerous], vec![vec![text(dangerous)]]);
        for delimiter in [COMMA, SEMICOLON] {
            assert_eq!(
                csv(&table, delimiter),
                format!("{expected}\r\n{expected}\r\n"),
                "{dangerous:?}"
            );
        }
    }
}

#[test]
fn csv_does_not_neutralise_numbers_or_harmless_text() {
    let row = vec![
        Cell::Integer(-5),
        Cell::Decimal(-1.5),
        text("a=b"),
        text("'=1"),
        text("Kela"),
    ];
    let table = table(&["Saldo", "Muutos", "Kaava", "Lainattu", "Lähde"], vec![row]);
    assert_eq!(
        csv(&table, SEMICOLON),
        "Saldo;Muutos;Kaava;Lainattu;Lähde\r\n-5;-1,5;a=b;'=1;Kela\r\n"
    );
}

#[test]
fn csv_pads_short_rows_and_keeps_a_lone_empty_field() {
    let table3 = table(&["a", "b", "c"], vec![vec![text("x")], vec![]]);
    assert_eq!(csv(&table3, COMMA), "a,b,c\r\nx,,\r\n,,\r\n");

    let table1 = table(&["a"], vec![vec![Cell::Empty], vec![], vec![text("")]]);
    assert_eq!(csv(&table1, COMMA), "a\r\n\"\"\r\n\"\"\r\n\"\"\r\n");

    // A row longer than the headers widens every line.
    let wide = table(&["a"], vec![vec![text("x"), text("y")]]);
    assert_eq!(csv(&wide, SEMICOLON), "a;\r\nx;y\r\n");
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("a workbook calamine can open")
}

/// The date a date cell holds, if calamine reads it as a date (that is, its style is a date
/// format).
fn as_date(data: &Data) -> Option<NaiveDate> {
    match data {
        Data::DateTime(value) if value.is_datetime() => value.as_datetime().map(|at| at.date()),
        _ => None,
    }
}

#[test]
fn xlsx_reads_back_in_a_real_reader() {
    let people = Table {
        name: "Asiakkaat".to_owned(),
        headers: vec!["Nimi".to_owned(), "Ikä".to_owned(), "Saapunut".to_owned()],
        rows: vec![
            vec![
                text("Äijälä Öhman Åström"),
                Cell::Integer(34),
                Cell::Date(date(2026, 3, 1)),
            ],
            vec![text("🙂 <&> \"'"), Cell::Integer(-7), Cell::Date(date(1900, 1, 15))],
            vec![text("=HYPERLINK(\"x\")"), Cell::Empty, Cell::Date(date(1900, 3, 1))],
            vec![
                text("  rivi 1\r\nrivi 2\t "),
                Cell::Decimal(f64::NAN),
                Cell::Date(date(1899, 12, 31)),
            ],
            vec![text("_x000D_ a\u{1}b\u{fffe}c"), Cell::Integer(1 << 40)],
        ],
    };
    let figures = Table {
        name: "Luvut".to_owned(),
        headers: vec!["-osuus".to_owned()],
        rows: vec![
            vec![Cell::Decimal(0.1 + 0.2)],
            vec![Cell::Decimal(-1234.5)],
            vec![Cell::Decimal(1e-7)],
        ],
    };
    let mut workbook = open(to_xlsx(&[people, figures]));
    assert_eq!(workbook.sheet_names(), ["Asiakkaat", "Luvut"]);

    let sheet = workbook.worksheet_range("Asiakkaat").unwrap();
    let cell = |row: u32, column: u32| sheet.get_value((row, column)).cloned();
    let string = |value: &str| Some(Data::String(value.to_owned()));
    assert_eq!(sheet.get_size(), (6, 3));
    assert_eq!(cell(0, 0), string("Nimi"));
    assert_eq!(cell(0, 1), string("Ikä"));
    assert_eq!(cell(0, 2), string("Saapunut"));
    assert_eq!(cell(1, 0), string("Äijälä Öhman Åström"));
    assert_eq!(cell(1, 1), Some(Data::Float(34.0)));
    assert_eq!(cell(2, 0), string("🙂 <&> \"'"));
    assert_eq!(cell(2, 1), Some(Data::Float(-7.0)));
    // Text is kept as it is in XLSX: an inline string is never a formula.
    assert_eq!(cell(3, 0), string("=HYPERLINK(\"x\")"));
    assert_eq!(cell(3, 1), Some(Data::Empty));
    assert_eq!(cell(4, 0), string("  rivi 1\r\nrivi 2\t "));
    assert_eq!(cell(4, 1), Some(Data::Empty));
    // Characters XML cannot hold are dropped; Excel's own escapes are not decoded from our text.
    assert_eq!(cell(5, 0), string("_x000D_ abc"));
    assert_eq!(cell(5, 1), Some(Data::Float(1_099_511_627_776.0)));

    let dates: Vec<_> = (1..=3).map(|row| as_date(&cell(row, 2).unwrap())).collect();
    assert_eq!(
        dates,
        [Some(date(2026, 3, 1)), Some(date(1900, 1, 15)), Some(date(1900, 3, 1))]
    );
    // Before Excel's first date: written as text.
    assert_eq!(cell(4, 2), string("1899-12-31"));

    let figures = workbook.worksheet_range("Luvut").unwrap();
    let values: Vec<_> = figures.rows().map(|row| row[0].clone()).collect();
    assert_eq!(
        values,
        [
            Data::String("-osuus".to_owned()),
            Data::Float(0.1 + 0.2),
            Data::Float(-1234.5),
            Data::Float(1e-7),
        ]
    );
}

#[test]
fn xlsx_header_row_is_bold_and_data_are_not() {
    let table = Table {
        name: "Taulukko".to_owned(),
        headers: vec!["Otsikko".to_owned()],
        rows: vec![vec![text("arvo")]],
    };
    let mut workbook = open(to_xlsx(&[table]));
    let styles = workbook.worksheet_style("Taulukko").unwrap();
    let bold = |row| {
        styles
            .get((row, 0))
            .and_then(|style| style.font.as_ref())
            .is_some_and(|font| font.is_bold())
    };
    assert!(bold(0));
    assert!(!bold(1));
}

/// The text of each part of an XLSX package, in the order of the zip file, read with the `zip`
/// crate, which checks each part's CRC-32 (calamine does not read far enough to).
fn parts(bytes: Vec<u8>) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip file");
    (0..archive.len())
        .map(|index| {
            let mut part = archive.by_index(index).unwrap();
            let mut text = String::new();
            part.read_to_string(&mut text).expect("a part with a correct checksum");
            (part.name().unwrap().into_owned(), text)
        })
        .collect()
}

#[test]
fn xlsx_package_holds_the_parts_with_correct_checksums() {
    let tables = [
        table(&["a"], vec![vec![Cell::Integer(1)]]),
        table(&[], vec![vec![Cell::Integer(1)]]),
    ];
    let parts = parts(to_xlsx(&tables));
    let names: Vec<_> = parts.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
        ]
    );
    assert!(parts.iter().all(|(_, text)| text.starts_with("<?xml ")));

    // The header row is bold and frozen; a sheet without headers has no frozen row.
    let with_headers = &parts[5].1;
    let frozen = r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#;
    assert!(with_headers.contains(frozen), "{with_headers}");
    assert!(with_headers.contains(r#"<c r="A1" s="1" t="inlineStr">"#));
    assert!(with_headers.contains(r#"<c r="A2"><v>1</v></c>"#));
    let without = &parts[6].1;
    assert!(!without.contains("<pane"), "{without}");
    assert!(without.contains(r#"<c r="A1"><v>1</v></c>"#), "{without}");
}

#[test]
fn xlsx_sheet_names_are_made_valid_and_unique() {
    let named = |name: &str| Table {
        name: name.to_owned(),
        ..Table::default()
    };
    let tables = [
        named("Kunnat [2026]: a/b\\c*d?"),
        named("Hyvinvointialueiden asiakasmäärät vuosittain"),
        named("kunnat _2026__ a_b_c_d_"),
        named("KUNNAT _2026__ A_B_C_D_"),
        named(""),
        named("History"),
        named("'lainaus'"),
        named("Sheet5"),
        named("Hyvinvointialueiden asiakasmäärät kuukausittain"),
        named("rivi\nvaihto"),
    ];
    let expected = [
        "Kunnat _2026__ a_b_c_d_",
        "Hyvinvointialueiden asiakasmäär",
        "kunnat _2026__ a_b_c_d_ (2)",
        "KUNNAT _2026__ A_B_C_D_ (3)",
        "Sheet5",
        "History (2)",
        "lainaus",
        "Sheet5 (2)",
        "Hyvinvointialueiden asiakas (2)",
        "rivivaihto",
    ];
    assert_eq!(sheet_names(&tables), expected);
    assert!(expected.iter().all(|name| name.encode_utf16().count() <= 31));

    // And a real reader sees the same names.
    let workbook = open(to_xlsx(&tables));
    assert_eq!(workbook.sheet_names(), expected);
}

#[test]
fn xlsx_sheet_names_count_utf16_units() {
    let emoji = Table {
        name: "🙂".repeat(20),
        ..Table::default()
    };
    assert_eq!(sheet_names(&[emoji]), ["🙂".repeat(15)]);
}

#[test]
fn xlsx_of_no_tables_has_one_empty_sheet() {
    let mut workbook = open(to_xlsx(&[]));
    assert_eq!(workbook.sheet_names(), ["Sheet1"]);
    assert!(workbook.worksheet_range("Sheet1").unwrap().is_empty());
}

#[test]
fn excel_serials_follow_the_1900_date_system() {
    // Values as Excel shows them for these dates.
    assert_eq!(excel_serial(date(1900, 1, 1)), Some(1));
    assert_eq!(excel_serial(date(1900, 2, 28)), Some(59));
    assert_eq!(excel_serial(date(1900, 3, 1)), Some(61));
    assert_eq!(excel_serial(date(1970, 1, 1)), Some(25569));
    assert_eq!(excel_serial(date(2000, 1, 1)), Some(36526));
    assert_eq!(excel_serial(date(9999, 12, 31)), Some(2_958_465));
    assert_eq!(excel_serial(date(1899, 12, 31)), None);
    assert_eq!(excel_serial(date(10000, 1, 1)), None);
}

#[test]
fn column_names_run_from_a_to_xfd() {
    let names: Vec<_> = [0, 1, 25, 26, 27, 51, 52, 701, 702, 16383]
        .into_iter()
        .map(column_name)
        .collect();
    assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]);
}
