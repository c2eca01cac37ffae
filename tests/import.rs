//! `kotopolku import` as an operator runs it, on both databases: the example legacy export in
//! `examples/legacy/` (Windows-1252, `;`, Finnish names and dates, rows broken in the ways real
//! exports are) imports with the right counts and a report naming each bad row's line and column;
//! a dry run and a second run change nothing; a changed row updates its customer; files in a wrong
//! encoding and broken mappings are refused before anything is written.

use std::path::{Path, PathBuf};
use std::process::Command;

use kotopolku_store::{Backend, Database};

use crate::support::TestDatabase;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn mapping() -> PathBuf {
    examples().join("legacy-mapping.toml")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn import(kind: &str, file: &Path, mapping: &Path, url: &str, extra: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kotopolku"));
    for var in ["KOTOPOLKU_DATABASE_URL", "KOTOPOLKU_CONFIG"] {
        command.env_remove(var);
    }
    let out = command
        .arg("import")
        .arg(kind)
        .arg(file)
        .arg("--mapping")
        .arg(mapping)
        .args(["--database-url", url])
        .args(extra)
        .output()
        .expect("run kotopolku import");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The count after `label` in the summary (`  created    5`).
fn figure(run: &Run, label: &str) -> u64 {
    run.stdout
        .lines()
        .find_map(|line| {
            let line = line.trim();
            line.strip_prefix(label)
                .filter(|rest| rest.starts_with(' '))
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("no {label:?} in the summary:\n{}\n{}", run.stdout, run.stderr))
}

fn assert_counts(run: &Run, dry_run: bool, [created, updated, skipped, rejected]: [u64; 4]) {
    let (create, update) = if dry_run {
        ("would create", "would update")
    } else {
        ("created", "updated")
    };
    assert_eq!(
        [
            figure(run, create),
            figure(run, update),
            figure(run, "skipped (unchanged)"),
            figure(run, "rejected")
        ],
        [created, updated, skipped, rejected],
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let expected_code = if rejected == 0 { 0 } else { 2 };
    assert_eq!(run.code, expected_code, "{}\n{}", run.stdout, run.stderr);
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    kotopolku_store::with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await.expect("count"))
}

async fn texts(db: &Database, sql: &'static str) -> Vec<Option<String>> {
    kotopolku_store::with_db!(db, pool => sqlx::query_scalar(sql).fetch_all(pool).await.expect("query"))
}

/// Every row of the tables an import writes, as text, to see that a run changed nothing.
async fn snapshot(db: &Database) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT id || ' ' || version || ' ' || family_name || ' ' || updated_at FROM customers ORDER BY id",
        "SELECT id || ' ' || version || ' ' || body FROM process_records ORDER BY id, version",
        "SELECT source || ' ' || kind || ' ' || legacy_id || ' ' || record_id FROM legacy_ids ORDER BY 1",
        "SELECT customer_id || ' ' || field FROM customer_changes ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || action FROM audit_log ORDER BY id",
    ] {
        let fetched: Vec<String> = kotopolku_store::with_db!(db, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.expect("snapshot")
        });
        rows.extend(fetched);
    }
    rows
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kotopolku-import-{}-{name}", uuid::Uuid::new_v4().simple()))
}

/// Imports the example customers again and checks that every row was found by its legacy id and
/// nothing changed but the run's own audit row; returns the tables as they are afterwards.
async fn customers_again_change_nothing(db: &Database, url: &str, extra: &[&str]) -> Vec<String> {
    let customers = examples().join("legacy").join("asiakkaat.csv");
    let before = snapshot(db).await;
    let again = import("customers", &customers, &mapping(), url, extra);
    assert_counts(&again, false, [0, 0, 5, 8]);
    let after = snapshot(db).await;
    assert_eq!(
        after[..after.len() - 1],
        before[..],
        "only the run's own audit row is new"
    );
    assert!(after.last().is_some_and(|row| row.ends_with("import.run")));
    after
}

/// Imports the example customers with `--report` and returns the run and the report's text.
fn import_customers_reported(url: &str, extra: &[&str]) -> (Run, String) {
    let customers = examples().join("legacy").join("asiakkaat.csv");
    let report = temp_file("report.csv");
    let mut args = vec!["--report", report.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let run = import("customers", &customers, &mapping(), url, &args);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    std::fs::remove_file(&report).ok();
    (run, text)
}

async fn legacy_export_imports_with_its_problems_reported(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let legacy = examples().join("legacy");
    let customers = legacy.join("asiakkaat.csv");

    // A dry run checks everything and writes nothing, not even an audit row.
    let before = snapshot(&test.db).await;
    let dry = import("customers", &customers, &mapping(), &test.url, &["--dry-run"]);
    assert_counts(&dry, true, [5, 0, 0, 8]);
    assert!(dry.stdout.contains("Windows-1252"), "{}", dry.stdout);
    assert!(dry.stdout.contains("dry run: nothing was written"), "{}", dry.stdout);
    assert_eq!(snapshot(&test.db).await, before);

    let (first, report_text) = import_customers_reported(&test.url, &[]);
    assert_counts(&first, false, [5, 0, 0, 8]);
    // The progress bar (a line per tenth when not on a terminal) goes to standard error.
    assert!(first.stderr.contains("13/13 rows 100%"), "{}", first.stderr);
    let lines: Vec<&str> = report_text.lines().collect();
    assert_eq!(lines[0], "file,line,column,column_name,field,value,problem,message");
    // Each rejected row by file, line, column, value and problem (the header is line 1).
    for expected in [
        "asiakkaat.csv,6,5,Syntymäaika,birth_date,31.2.1995,invalid_date,",
        "asiakkaat.csv,7,2,Hetu,identity_code,",
        "asiakkaat.csv,8,2,Hetu,identity_code,",
        "asiakkaat.csv,9,18,Kotikunta,municipality_code,Atlantis,unknown_code,",
        "asiakkaat.csv,10,12,Tulkin kieli,interpreter_language,,required,",
        "asiakkaat.csv,11,3,Sukunimi,family_name,Al Hassan,likely_duplicate,",
        "asiakkaat.csv,12,25,Päättymisen syy,end_reason,lottovoitto,unknown_code,",
        "asiakkaat.csv,14,25,Päättymisen syy,,,wrong_cell_count,\"the row has 24 cells, the header 25",
    ] {
        assert!(
            lines.iter().any(|line| line.starts_with(expected)),
            "no report line starting {expected:?} in\n{report_text}"
        );
    }
    assert!(report_text.contains("invalid_identity_code"), "{report_text}");
    assert!(
        report_text.contains("duplicate_identity_code,the identity code is also on line 2"),
        "{report_text}"
    );
    assert!(
        !report_text.contains("asiakkaat.csv,2,"),
        "row 1 is fine: {report_text}"
    );

    assert_eq!(count(&test.db, "SELECT COUNT(*) FROM customers").await, 5);
    // Values came across translated: names of languages, countries and municipalities, K/E, M/N,
    // dates with a time after them, a lower-case identity code, an empty municipality by default.
    let olena: Vec<Option<String>> = texts(
        &test.db,
        "SELECT native_language FROM customers WHERE family_name = 'Kovalenko' UNION ALL \
         SELECT other_languages FROM customers WHERE family_name = 'Kovalenko' UNION ALL \
         SELECT citizenships FROM customers WHERE family_name = 'Kovalenko' UNION ALL \
         SELECT interpreter_language FROM customers WHERE family_name = 'Kovalenko' UNION ALL \
         SELECT residence_basis FROM customers WHERE family_name = 'Kovalenko'",
    )
    .await;
    assert_eq!(
        olena,
        [
            Some("uk".into()),
            Some(r#"[{"language":"ru","level":"B2"},{"language":"en","level":"A2"}]"#.into()),
            Some(r#"["UA"]"#.into()),
            Some("uk".into()),
            Some("temporary_protection".into())
        ]
    );
    let ahmad = texts(
        &test.db,
        "SELECT identity_code || ' ' || CAST(birth_date AS TEXT) || ' ' || sex || ' ' || municipality_code || ' ' \
         || CAST(customership_start AS TEXT) FROM customers WHERE family_name = 'Al-Hassan'",
    )
    .await;
    assert_eq!(ahmad, [Some("021190-929B 1990-11-02 male 049 2023-01-10".into())]);
    let hodan = texts(
        &test.db,
        "SELECT municipality_code || ' ' || sex || ' ' || COALESCE(phone, 'no phone') || ' ' || \
         COALESCE(email, 'no email') FROM customers WHERE family_name = 'Yusuf'",
    )
    .await;
    assert_eq!(hodan, [Some("049 female no phone no email".into())]);
    let farid = texts(
        &test.db,
        "SELECT CAST(customership_end AS TEXT) || ' ' || end_reason FROM customers WHERE family_name = 'Rahimi'",
    )
    .await;
    assert_eq!(farid, [Some("2024-06-30 moved_away".into())]);
    // Each imported customer's history says where they came from; the audit log has each creation.
    assert_eq!(
        count(
            &test.db,
            "SELECT COUNT(*) FROM customer_changes WHERE change_kind = 'imported' AND field = 'legacy_id' \
             AND new_value LIKE 'asiakastieto2000-espoo A-10%'"
        )
        .await,
        5
    );
    assert_eq!(
        count(
            &test.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'import.customer_created'"
        )
        .await,
        5
    );

    // The same file again: every row is found by its legacy id, and nothing changes.
    customers_again_change_nothing(&test.db, &test.url, &[]).await;

    // The records, linked by the customer's legacy id.
    for (kind, file, counts) in [
        ("assessments", "arvioinnit.csv", [2, 0, 0, 2]),
        ("plans", "suunnitelmat.csv", [2, 0, 0, 1]),
        ("services", "palveluohjaukset.csv", [2, 0, 0, 1]),
        ("notes", "kirjaukset.csv", [3, 0, 0, 1]),
    ] {
        let run = import(kind, &legacy.join(file), &mapping(), &test.url, &[]);
        assert_counts(&run, false, counts);
    }
    assert_eq!(
        count(&test.db, "SELECT COUNT(*) FROM process_records WHERE is_current").await,
        9
    );
    let unknown_customer = import(
        "assessments",
        &legacy.join("arvioinnit.csv"),
        &mapping(),
        &test.url,
        &[],
    );
    assert_counts(&unknown_customer, false, [0, 0, 2, 2]);
    assert!(
        unknown_customer
            .stderr
            .contains("arvioinnit.csv:4:2 [AsiakasNro] \"A-1005\""),
        "{}",
        unknown_customer.stderr
    );
    assert!(
        unknown_customer.stderr.contains("unknown_customer"),
        "{}",
        unknown_customer.stderr
    );
    assert!(
        unknown_customer
            .stderr
            .contains("arvioinnit.csv:5:7 [Luku- ja kirjoitustaito] \"loistava\""),
        "{}",
        unknown_customer.stderr
    );
    let note = texts(
        &test.db,
        "SELECT body FROM process_records WHERE kind = 'note' AND body LIKE '%Tulkki varattu%'",
    )
    .await;
    let note: serde_json::Value = serde_json::from_str(note[0].as_deref().expect("note")).expect("json");
    assert_eq!(
        note["text"],
        "Soitto asiakkaalle; sovittiin tapaaminen.\nTulkki varattu."
    );
    assert_eq!(note["note_type"], "phone_call");

    // A changed export: a UTF-8 file with a byte order mark and commas, in which Olena has a new
    // phone number. Her customer is updated and the change is in her history.
    let original = std::fs::read(&customers).expect("read example");
    let text: String = original.iter().map(|&b| windows_1252(b)).collect();
    let changed: String = text
        .replace("040 123 4567", "040 765 4321")
        .lines()
        .map(|line| {
            let cells: Vec<String> = line
                .split(';')
                .map(|cell| {
                    if cell.contains(',') {
                        format!("\"{cell}\"")
                    } else {
                        cell.to_owned()
                    }
                })
                .collect();
            cells.join(",") + "\n"
        })
        .collect();
    let changed_file = temp_file("asiakkaat-utf8.csv");
    std::fs::write(&changed_file, [&b"\xEF\xBB\xBF"[..], changed.as_bytes()].concat()).expect("write");
    let update = import("customers", &changed_file, &mapping(), &test.url, &[]);
    std::fs::remove_file(&changed_file).ok();
    assert_counts(&update, false, [0, 1, 4, 8]);
    assert!(update.stdout.contains("UTF-8 with BOM"), "{}", update.stdout);
    assert_eq!(
        texts(
            &test.db,
            "SELECT phone || ' v' || CAST(version AS TEXT) FROM customers WHERE family_name = 'Kovalenko'"
        )
        .await,
        [Some("040 765 4321 v2".into())]
    );
    assert_eq!(
        texts(
            &test.db,
            "SELECT old_value || ' -> ' || new_value FROM customer_changes WHERE field = 'phone'"
        )
        .await,
        [Some("040 123 4567 -> 040 765 4321".into())]
    );

    let verify = Command::new(env!("CARGO_BIN_EXE_kotopolku"))
        .args(["audit", "verify", "--database-url", &test.url])
        .output()
        .expect("audit verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    test.finish().await;
}

/// Windows-1252 as Unicode, for the bytes the example files use.
fn windows_1252(byte: u8) -> char {
    match byte {
        0x80 => '€',
        0x8A => 'Š',
        0x9A => 'š',
        b => char::from(b),
    }
}

async fn bad_files_and_mappings_are_refused_before_anything_is_written(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let before = snapshot(&test.db).await;
    let header = "AsiakasNro;Hetu;Sukunimi;Etunimet;Syntymäaika;Sukupuoli;Kansalaisuus;Äidinkieli;Muut kielet;\
        Asiointikieli;Tulkki;Tulkin kieli;Puhelin;Sähköposti;Lähiosoite;Postinumero;Postitoimipaikka;Kotikunta;\
        Maahantulo;Ensimmäinen oleskelulupa;Oleskeluperuste;Kohderyhmä;Asiakkuus alkoi;Asiakkuus päättyi;\
        Päättymisen syy";
    let row = "B-1;;Mäkinen;Aino;1.1.1990;N;Suomi;suomi;;;E;;;;;;;Espoo;;;muu;;1.1.2024;;";

    // An old DOS export: ä is 0x84, which Windows-1252 reads as „ between two letters.
    let dos = temp_file("dos.csv");
    let dos_bytes: Vec<u8> = format!("{header}\r\n{row}\r\n")
        .chars()
        .map(|c| match c {
            'ä' => 0x84,
            'Ä' => 0x8E,
            'ö' => 0x94,
            c => c as u8,
        })
        .collect();
    std::fs::write(&dos, dos_bytes).expect("write");
    let run = import("customers", &dos, &mapping(), &test.url, &[]);
    std::fs::remove_file(&dos).ok();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("DOS"), "{}", run.stderr);
    assert!(run.stderr.contains(":1:"), "names the line and column: {}", run.stderr);

    // UTF-8 text that was once read as Windows-1252 and saved again: "MÃ¤kinen".
    let mojibake = temp_file("mojibake.csv");
    let garbled: String = format!("{header}\n{row}\n").replace("Mäkinen", "MÃ¤kinen");
    std::fs::write(&mojibake, garbled).expect("write");
    let run = import("customers", &mojibake, &mapping(), &test.url, &[]);
    std::fs::remove_file(&mojibake).ok();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(":2:"), "names line 2: {}", run.stderr);
    assert!(run.stderr.contains("Ã¤"), "{}", run.stderr);

    // A mapping naming a column the file does not have.
    let good = temp_file("good.csv");
    std::fs::write(&good, format!("{header}\n{row}\n")).expect("write");
    let wrong_mapping = temp_file("wrong.toml");
    let mapping_text = std::fs::read_to_string(mapping()).expect("mapping");
    std::fs::write(&wrong_mapping, mapping_text.replace("\"Sukunimi\"", "\"Sukunimi2\"")).expect("write");
    let run = import("customers", &good, &wrong_mapping, &test.url, &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("family_name"), "{}", run.stderr);
    assert!(run.stderr.contains("\"Sukunimi2\""), "{}", run.stderr);

    // A mapping that is not valid TOML: its line is named.
    std::fs::write(&wrong_mapping, "source = \"x\"\n[customers\nlegacy_id = \"A\"\n").expect("write");
    let run = import("customers", &good, &wrong_mapping, &test.url, &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("line 2"), "{}", run.stderr);

    // A field Kotopolku does not have.
    std::fs::write(&wrong_mapping, mapping_text.replace("given_names = ", "given_name = ")).expect("write");
    let run = import("customers", &good, &wrong_mapping, &test.url, &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("given_name: not a field of customers"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(&wrong_mapping).ok();
    std::fs::remove_file(&good).ok();

    assert_eq!(snapshot(&test.db).await, before, "nothing was written");
    test.finish().await;
}

/// A spreadsheet: dates as date cells, municipality and postal code as numbers that lost their
/// leading zeros, a sheet chosen by name.
async fn an_xlsx_export_imports(backend: Backend) {
    use kotopolku_report::tabular::{Cell, Table, to_xlsx};
    let test = TestDatabase::new(backend).await;
    let text = |s: &str| Cell::Text(s.into());
    let date = |y, m, d| Cell::Date(chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date"));
    let headers = [
        "Nro",
        "Sukunimi",
        "Etunimet",
        "Syntynyt",
        "Kunta",
        "Postinumero",
        "Alkoi",
        "Kieli",
    ];
    let workbook = to_xlsx(&[
        Table {
            name: "Ohje".into(),
            headers: vec!["Tämä välilehti ei ole asiakkaita".into()],
            rows: vec![],
        },
        Table {
            name: "Asiakkaat".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![
                vec![
                    Cell::Integer(1),
                    text("Nurmi"),
                    text("Leyla"),
                    date(1991, 4, 5),
                    Cell::Integer(91),
                    Cell::Integer(210),
                    date(2025, 1, 7),
                    text("Turkki"),
                ],
                vec![
                    Cell::Integer(2),
                    text("Osman"),
                    text("Abdi"),
                    text("not a date"),
                    Cell::Integer(49),
                    Cell::Integer(2100),
                    date(2025, 2, 3),
                    text("somali"),
                ],
            ],
        },
    ]);
    let file = temp_file("asiakkaat.xlsx");
    std::fs::write(&file, workbook).expect("write xlsx");
    let map = temp_file("xlsx.toml");
    std::fs::write(
        &map,
        r#"
source = "excel"
[customers]
legacy_id = "Nro"
sheet = "Asiakkaat"
[customers.columns]
family_name = "Sukunimi"
given_names = "Etunimet"
birth_date = "Syntynyt"
municipality_code = "Kunta"
postal_code = "Postinumero"
customership_start = "Alkoi"
native_language = "Kieli"
"#,
    )
    .expect("write mapping");
    let run = import("customers", &file, &map, &test.url, &[]);
    std::fs::remove_file(&file).ok();
    std::fs::remove_file(&map).ok();
    assert_counts(&run, false, [1, 0, 0, 1]);
    assert!(
        run.stderr.contains("asiakkaat.xlsx:3:4 [Syntynyt] \"not a date\""),
        "{}",
        run.stderr
    );
    assert_eq!(
        texts(
            &test.db,
            "SELECT CAST(birth_date AS TEXT) || ' ' || municipality_code || ' ' || postal_code || ' ' || \
             native_language FROM customers"
        )
        .await,
        [Some("1991-04-05 091 00210 tr".into())]
    );
    test.finish().await;
}

/// The first seven fields of each report line (file, line, column, column name, field, value,
/// problem), without the message, which names customers by their ids.
fn report_problems(report_text: &str) -> Vec<Vec<String>> {
    report_text
        .lines()
        .skip(1)
        .map(|line| {
            let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields.push(std::mem::take(&mut field)),
                    c => field.push(c),
                }
            }
            fields.push(field);
            fields.truncate(7);
            fields
        })
        .collect()
}

/// A file imported two rows at a time comes out as in one batch: the checks that look back across
/// the file (an identity code repeated, a likely duplicate of an earlier row) find rows of earlier
/// batches, every batch is written, and running it again in batches of three changes nothing.
async fn small_batches_import_as_one_batch_does(backend: Backend) {
    let customers = examples().join("legacy").join("asiakkaat.csv");
    let whole = TestDatabase::new(backend).await;
    let (one_batch, whole_report) = import_customers_reported(&whole.url, &[]);
    assert_counts(&one_batch, false, [5, 0, 0, 8]);

    let test = TestDatabase::new(backend).await;
    let (pairs, report_text) = import_customers_reported(&test.url, &["--batch-rows", "2"]);
    assert_counts(&pairs, false, [5, 0, 0, 8]);
    let problems = report_problems(&report_text);
    assert_eq!(problems, report_problems(&whole_report));
    assert!(
        problems
            .iter()
            .any(|p| p[1] == "8" && p[6] == "duplicate_identity_code"),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p[1] == "11" && p[6] == "likely_duplicate"),
        "{problems:?}"
    );
    assert!(
        report_text.contains("duplicate_identity_code,the identity code is also on line 2"),
        "{report_text}"
    );
    assert_eq!(count(&test.db, "SELECT COUNT(*) FROM customers").await, 5);
    assert_eq!(count(&test.db, "SELECT COUNT(*) FROM legacy_ids").await, 5);

    let after = customers_again_change_nothing(&test.db, &test.url, &["--batch-rows", "3"]).await;

    let zero = import("customers", &customers, &mapping(), &test.url, &["--batch-rows", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(zero.stderr.contains("--batch-rows"), "{}", zero.stderr);
    assert_eq!(snapshot(&test.db).await, after);
    whole.finish().await;
    test.finish().await;
}

#[tokio::test]
async fn legacy_export_imports_with_its_problems_reported_on_sqlite() {
    legacy_export_imports_with_its_problems_reported(Backend::Sqlite).await;
}

#[tokio::test]
async fn legacy_export_imports_with_its_problems_reported_on_postgres() {
    legacy_export_imports_with_its_problems_reported(Backend::Postgres).await;
}

#[tokio::test]
async fn bad_files_and_mappings_are_refused_before_anything_is_written_on_sqlite() {
    bad_files_and_mappings_are_refused_before_anything_is_written(Backend::Sqlite).await;
}

#[tokio::test]
async fn bad_files_and_mappings_are_refused_before_anything_is_written_on_postgres() {
    bad_files_and_mappings_are_refused_before_anything_is_written(Backend::Postgres).await;
}

#[tokio::test]
async fn an_xlsx_export_imports_on_sqlite() {
    an_xlsx_export_imports(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_xlsx_export_imports_on_postgres() {
    an_xlsx_export_imports(Backend::Postgres).await;
}

#[tokio::test]
async fn small_batches_import_as_one_batch_does_on_sqlite() {
    small_batches_import_as_one_batch_does(Backend::Sqlite).await;
}

#[tokio::test]
async fn small_batches_import_as_one_batch_does_on_postgres() {
    small_batches_import_as_one_batch_does(Backend::Postgres).await;
}
