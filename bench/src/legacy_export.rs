//! `kotopolku-bench legacy-export`: a synthetic customer export of the fictional legacy client system
//! "Asiakastieto 2000", for timing `kotopolku import customers` at scale (issue 8, `bench/import.sh`).
//!
//! The file has exactly the header, the 25 columns and the conventions of
//! `examples/legacy/asiakkaat.csv`, and `examples/legacy-mapping.toml` reads it as it is:
//! Windows-1252, `;`, CRLF, dates `d.m.yyyy`, yes/no as K/E, sex as M/N, countries and municipalities
//! by their Finnish names, languages by their Finnish names in lower case, and residence basis,
//! target group and end reason by the legacy words of the mapping's `[customers.values.*]` tables
//! (the mapping is read to reverse them; a code without a legacy word is written by its Finnish
//! name). Every name written is checked to lead back to its code the way the importer reads it;
//! one that would not is written as the code. Legacy ids are `A-1`, `A-2`, ...
//!
//! The people are `kotopolku_synthetic::Generator`'s, deterministic for `--seed` and `--as-of` (by
//! default 2026-11-01, so the same command always writes the same bytes). Every row is one the
//! importer creates:
//! - every row has an identity code, from the temporary range 900-999, unique in the file: the
//!   generator leaves about a third without one, and the importer refuses a row without an identity
//!   code whose birth date and name skeleton match an earlier person's (a likely duplicate), which in
//!   a million synthetic people from a few name pools is common;
//! - about one customership in eight has ended, on a day between its start and `--as-of`, for a
//!   reason of the code list;
//! - a character Windows-1252 cannot encode (Vietnamese and Turkish letters such as `ễ`, `Ş`, `ı`)
//!   is written as its ASCII fold (`e`, `S`, `i`), as a legacy system limited to Windows-1252 would
//!   have stored it; the values so changed are counted and printed.
//!
//! ```sh
//! target/release/kotopolku-bench legacy-export --customers 1000000 --seed 2026 --out /tmp/asiakkaat.csv
//! target/release/kotopolku import customers /tmp/asiakkaat.csv --mapping examples/legacy-mapping.toml
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use kotopolku_domain::code_lists::{self, CodeListName};
use kotopolku_domain::customer::{CustomerInput, RecordedSex};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use kotopolku_service::import::encoding::windows_1252_byte;
use kotopolku_service::import::{ImportKind, Mapping};
use kotopolku_synthetic::{Generator, Rng};

/// The header of `examples/legacy/asiakkaat.csv`, in its order.
const HEADER: [&str; 25] = [
    "AsiakasNro",
    "Hetu",
    "Sukunimi",
    "Etunimet",
    "Syntymäaika",
    "Sukupuoli",
    "Kansalaisuus",
    "Äidinkieli",
    "Muut kielet",
    "Asiointikieli",
    "Tulkki",
    "Tulkin kieli",
    "Puhelin",
    "Sähköposti",
    "Lähiosoite",
    "Postinumero",
    "Postitoimipaikka",
    "Kotikunta",
    "Maahantulo",
    "Ensimmäinen oleskelulupa",
    "Oleskeluperuste",
    "Kohderyhmä",
    "Asiakkuus alkoi",
    "Asiakkuus päättyi",
    "Päättymisen syy",
];

/// The default `--as-of`, 2026-11-01: a fixed day, so that a seed always gives the same file. Every
/// date in the file is on or before it, so it must not be after the day the file is imported.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
}

/// Share of customerships that have ended by `--as-of`.
const ENDED_SHARE: f64 = 0.125;

pub struct ExportOptions {
    pub customers: usize,
    pub seed: u64,
    pub as_of: NaiveDate,
    pub out: PathBuf,
    /// The mapping whose legacy words are written (`examples/legacy-mapping.toml`).
    pub mapping: PathBuf,
}

/// What the export had to make up or change, printed at the end.
#[derive(Default)]
struct Counts {
    codes_added: usize,
    codes_replaced: usize,
    ended: usize,
    folded_values: usize,
    names_as_codes: usize,
}

pub fn run(options: &ExportOptions) -> Result<(), String> {
    let started = Instant::now();
    let text = std::fs::read_to_string(&options.mapping)
        .map_err(|e| format!("cannot read the mapping {}: {e}", options.mapping.display()))?;
    let mapping = Mapping::parse(&text).map_err(|e| format!("{}: {e}", options.mapping.display()))?;
    let section = mapping
        .section(ImportKind::Customers)
        .map_err(|e| format!("{}: {e}", options.mapping.display()))?;
    if options.as_of > chrono::Utc::now().date_naive() {
        eprintln!(
            "legacy-export: warning: --as-of {} is after today; the importer refuses dates in the future",
            options.as_of
        );
    }
    let mut words = LegacyWords::new(&section.values);
    let mut codes = IdentityCodes::default();
    let mut counts = Counts::default();
    let mut generator = Generator::new(options.seed, options.as_of);
    // Apart from the generator's own, so that the people are the generator's for the seed.
    let mut rng = Rng::new(options.seed ^ 0x1E6A_C7E5_0000_0008);

    let file =
        std::fs::File::create(&options.out).map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut line = Vec::with_capacity(512);
    let header: Vec<String> = HEADER.iter().map(|h| (*h).to_owned()).collect();
    write_line(&mut line, &header, &mut counts);
    out.write_all(&line).map_err(|e| e.to_string())?;

    for n in 1..=options.customers {
        let input = generator.customer();
        let cells = row(n, &input, options.as_of, &mut words, &mut codes, &mut rng, &mut counts)?;
        line.clear();
        write_line(&mut line, &cells, &mut counts);
        out.write_all(&line).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    counts.names_as_codes = words.written_as_codes.len();

    let size = std::fs::metadata(&options.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} customers to {} ({:.1} MB, Windows-1252, ';', CRLF) in {:.1} s",
        options.customers,
        options.out.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    println!(
        "  seed {}, as of {}; identity codes added to {} rows without one ({} more replaced as already used); \
         {} customerships ended",
        options.seed, options.as_of, counts.codes_added, counts.codes_replaced, counts.ended
    );
    println!(
        "  values folded to ASCII (characters Windows-1252 cannot encode): {}",
        counts.folded_values
    );
    if counts.names_as_codes > 0 {
        let mut list: Vec<String> = words.written_as_codes.iter().cloned().collect();
        list.sort();
        println!(
            "  codes written as codes, their names leading elsewhere: {}",
            list.join(", ")
        );
    }
    Ok(())
}

/// One customer's 25 cells.
fn row(
    n: usize,
    input: &CustomerInput,
    as_of: NaiveDate,
    words: &mut LegacyWords,
    codes: &mut IdentityCodes,
    rng: &mut Rng,
    counts: &mut Counts,
) -> Result<Vec<String>, String> {
    let birth = input
        .birth_date
        .ok_or_else(|| format!("the generator's customer {n} has no birth date"))?;
    let sex = input.sex.unwrap_or(RecordedSex::Unknown);
    let identity_code = match input.identity_code.as_deref() {
        Some(code) if codes.take(code) => code.to_owned(),
        given => {
            if given.is_some() {
                counts.codes_replaced += 1;
            } else {
                counts.codes_added += 1;
            }
            codes
                .new_code(birth, sex, rng)
                .ok_or_else(|| format!("no temporary identity code left for {birth} ({sex:?})"))?
        }
    };
    let start = input.customership_start;
    let end = if rng.chance(ENDED_SHARE) {
        let span = (as_of - start).num_days().max(0) as u64;
        let date = start + chrono::Duration::days(rng.range(0, span) as i64);
        let reasons = &code_lists::list(CodeListName::CustomershipEndReasons).entries;
        let reason = &rng.pick(reasons).code;
        counts.ended += 1;
        Some((date, reason.as_str()))
    } else {
        None
    };
    let municipality = words.code(
        "municipality_code",
        CodeListName::Municipalities,
        &input.municipality_code,
    );
    let language = |words: &mut LegacyWords, field: &str, code: &Option<String>| {
        code.as_deref()
            .map(|c| words.code(field, CodeListName::Languages, c))
            .unwrap_or_default()
    };
    let other_languages = input
        .other_languages
        .iter()
        .map(|skill| {
            let name = words.code("other_languages", CodeListName::Languages, &skill.language);
            match &skill.level {
                Some(level) => format!("{name} {level}"),
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(vec![
        format!("A-{n}"),
        identity_code,
        input.family_name.clone(),
        input.given_names.clone(),
        date(birth),
        words.choice("sex", sex_code(sex)),
        input
            .citizenships
            .iter()
            .map(|c| words.code("citizenships", CodeListName::Countries, c))
            .collect::<Vec<_>>()
            .join(", "),
        language(words, "native_language", &input.native_language),
        other_languages,
        language(words, "contact_language", &input.contact_language),
        if input.interpreter_needed { "K" } else { "E" }.to_owned(),
        language(words, "interpreter_language", &input.interpreter_language),
        input.phone.clone().unwrap_or_default(),
        input.email.clone().unwrap_or_default(),
        input.street_address.clone().unwrap_or_default(),
        input.postal_code.clone().unwrap_or_default(),
        // The legacy system filled the post office from the home municipality.
        match (&input.post_office, &input.street_address) {
            (Some(office), _) => office.clone(),
            (None, Some(_)) => municipality.clone(),
            (None, None) => String::new(),
        },
        municipality,
        input.arrival_date.map(date).unwrap_or_default(),
        input.first_permit_date.map(date).unwrap_or_default(),
        input
            .residence_basis
            .as_deref()
            .map(|c| words.code("residence_basis", CodeListName::ResidenceBases, c))
            .unwrap_or_default(),
        input
            .target_group
            .as_deref()
            .map(|c| words.code("target_group", CodeListName::TargetGroups, c))
            .unwrap_or_default(),
        date(start),
        end.map(|(d, _)| date(d)).unwrap_or_default(),
        end.map(|(_, reason)| words.code("end_reason", CodeListName::CustomershipEndReasons, reason))
            .unwrap_or_default(),
    ])
}

fn date(d: NaiveDate) -> String {
    d.format("%-d.%-m.%Y").to_string()
}

fn sex_code(sex: RecordedSex) -> &'static str {
    match sex {
        RecordedSex::Male => "male",
        RecordedSex::Female => "female",
        RecordedSex::Unknown => "unknown",
    }
}

/// How a value is written for a field: the mapping's legacy word for it, else its Finnish name (in
/// lower case for languages, as the legacy system wrote them), else the code itself, whichever is
/// first to read back as the same code the way the importer reads it.
struct LegacyWords {
    /// Field → (lower-cased legacy word → Kotopolku value), as in the mapping.
    values: HashMap<String, HashMap<String, String>>,
    /// Field → (Kotopolku value → legacy word): the first legacy word in the mapping's (sorted) order.
    reversed: HashMap<String, HashMap<String, String>>,
    /// Code list → (lower-cased code or name → code), as the importer builds it.
    tables: HashMap<CodeListName, HashMap<String, String>>,
    /// (field, code) → what is written.
    written: HashMap<(String, String), String>,
    /// Codes written as themselves because no name of theirs reads back as them.
    written_as_codes: HashSet<String>,
}

impl LegacyWords {
    fn new(values: &BTreeMap<String, BTreeMap<String, String>>) -> Self {
        let mut reversed: HashMap<String, HashMap<String, String>> = HashMap::new();
        for (field, table) in values {
            let reverse = reversed.entry(field.clone()).or_default();
            for (legacy, ours) in table {
                reverse.entry(ours.clone()).or_insert_with(|| legacy.clone());
            }
        }
        Self {
            values: values
                .iter()
                .map(|(field, table)| {
                    let lower = table
                        .iter()
                        .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                        .collect();
                    (field.clone(), lower)
                })
                .collect(),
            reversed,
            tables: HashMap::new(),
            written: HashMap::new(),
            written_as_codes: HashSet::new(),
        }
    }

    /// A choice (sex): the legacy word, or the value itself, which the importer also accepts.
    fn choice(&mut self, field: &str, value: &str) -> String {
        self.reversed
            .get(field)
            .and_then(|r| r.get(value))
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }

    /// A code of `list` for `field`.
    fn code(&mut self, field: &str, list: CodeListName, code: &str) -> String {
        let key = (field.to_owned(), code.to_owned());
        if let Some(written) = self.written.get(&key) {
            return written.clone();
        }
        let mut candidates = Vec::new();
        if let Some(word) = self.reversed.get(field).and_then(|r| r.get(code)) {
            candidates.push(word.clone());
        }
        if let Some(entry) = code_lists::entry(list, code) {
            candidates.push(if list == CodeListName::Languages {
                entry.name.fi.to_lowercase()
            } else {
                entry.name.fi.clone()
            });
            candidates.push(entry.name.sv.clone());
        }
        let chosen = candidates
            .into_iter()
            .find(|text| self.reads_as(field, list, text) == code && !text.contains([',', ';', '"']))
            .unwrap_or_else(|| {
                self.written_as_codes.insert(format!("{field} {code}"));
                code.to_owned()
            });
        self.written.insert(key, chosen.clone());
        chosen
    }

    /// The code the importer reads `text` as in a code field (its value table first, then the code
    /// list's codes and names in three languages, ignoring case).
    fn reads_as(&mut self, field: &str, list: CodeListName, text: &str) -> String {
        let mapped = self
            .values
            .get(field)
            .and_then(|v| v.get(&text.trim().to_lowercase()))
            .cloned()
            .unwrap_or_else(|| text.trim().to_owned());
        let table = self.tables.entry(list).or_insert_with(|| code_table(list));
        table.get(&mapped.to_lowercase()).cloned().unwrap_or(mapped)
    }
}

/// A code list's codes and names, lower-cased, each to its code; a code wins over another entry's
/// name, as in the importer.
fn code_table(list: CodeListName) -> HashMap<String, String> {
    let entries = &code_lists::list(list).entries;
    let mut table = HashMap::new();
    for entry in entries {
        for name in [&entry.name.en, &entry.name.sv, &entry.name.fi] {
            table.insert(name.to_lowercase(), entry.code.clone());
        }
    }
    for entry in entries {
        table.insert(entry.code.to_lowercase(), entry.code.clone());
    }
    table
}

/// The identity codes written so far, so that each is written once.
#[derive(Default)]
struct IdentityCodes {
    used: HashSet<[u8; 11]>,
}

impl IdentityCodes {
    /// Takes `code` if it is free.
    fn take(&mut self, code: &str) -> bool {
        match <[u8; 11]>::try_from(code.as_bytes()) {
            Ok(key) => self.used.insert(key),
            Err(_) => false,
        }
    }

    /// A free temporary code (individual number 900-999) for the birth date and sex: each date has
    /// 50 numbers per sex with each of 6 century signs.
    fn new_code(&mut self, birth: NaiveDate, sex: RecordedSex, rng: &mut Rng) -> Option<String> {
        let signs: [char; 6] = if birth < NaiveDate::from_ymd_opt(2000, 1, 1)? {
            ['-', 'Y', 'X', 'W', 'V', 'U']
        } else {
            ['A', 'B', 'C', 'D', 'E', 'F']
        };
        let parity = u16::from(sex == RecordedSex::Male);
        let first = rng.range(0, 299) as usize;
        for i in 0..300 {
            let slot = (first + i) % 300;
            let number = 900 + (slot % 50) as u16 * 2 + parity;
            let Ok(code) = IdentityCode::from_parts(birth, number, Some(signs[slot / 50])) else {
                continue;
            };
            if self.take(code.as_str()) {
                return Some(code.as_str().to_owned());
            }
        }
        None
    }
}

/// One CSV line in Windows-1252 with CRLF; a cell with `;`, `"` or a line break is quoted.
fn write_line(line: &mut Vec<u8>, cells: &[String], counts: &mut Counts) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(b';');
        }
        let quoted = cell.contains([';', '"', '\r', '\n']);
        if quoted {
            line.push(b'"');
        }
        let mut folded = false;
        for c in cell.chars() {
            if c == '"' {
                line.extend_from_slice(b"\"\"");
                continue;
            }
            match windows_1252_byte(c) {
                Some(b) => line.push(b),
                None => {
                    folded = true;
                    fold_char(c, line);
                }
            }
        }
        if folded {
            counts.folded_values += 1;
        }
        if quoted {
            line.push(b'"');
        }
    }
    line.extend_from_slice(b"\r\n");
}

/// A character Windows-1252 has no byte for, as ASCII: without its diacritics (`ễ` → `e`), in its
/// case; `?` when nothing of it is ASCII.
fn fold_char(c: char, line: &mut Vec<u8>) {
    let folded = names::fold(c.encode_utf8(&mut [0; 4]));
    let ascii: String = folded.chars().filter(char::is_ascii_alphanumeric).collect();
    if ascii.is_empty() {
        line.push(b'?');
    } else if c.is_uppercase() {
        line.extend(ascii.bytes().map(|b| b.to_ascii_uppercase()));
    } else {
        line.extend(ascii.bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_folding() {
        let mut counts = Counts::default();
        let mut line = Vec::new();
        let cells = [
            "Nguyễn".to_owned(),
            "Şükran".to_owned(),
            "a;b".to_owned(),
            "Mäki".to_owned(),
        ];
        write_line(&mut line, &cells, &mut counts);
        assert_eq!(line, b"Nguyen;S\xFCkran;\"a;b\";M\xE4ki\r\n");
        assert_eq!(counts.folded_values, 2);
    }

    #[test]
    fn codes_are_written_as_the_legacy_system_wrote_them() {
        let mapping = Mapping::parse(include_str!("../../examples/legacy-mapping.toml")).expect("mapping");
        let section = mapping.section(ImportKind::Customers).expect("customers");
        let mut words = LegacyWords::new(&section.values);
        assert_eq!(words.choice("sex", "male"), "M");
        assert_eq!(words.choice("sex", "female"), "N");
        assert_eq!(words.code("native_language", CodeListName::Languages, "ru"), "venäjä");
        assert_eq!(words.code("citizenships", CodeListName::Countries, "UA"), "Ukraina");
        assert_eq!(
            words.code("municipality_code", CodeListName::Municipalities, "049"),
            "Espoo"
        );
        let refugee = words.code("residence_basis", CodeListName::ResidenceBases, "quota_refugee");
        assert!(
            ["pakolainen", "kiintiöpakolainen"].contains(&refugee.as_str()),
            "{refugee}"
        );
        assert_eq!(
            words.code("residence_basis", CodeListName::ResidenceBases, "subsidiary_protection"),
            "Toissijainen suojelu"
        );
        assert_eq!(
            words.code("end_reason", CodeListName::CustomershipEndReasons, "employed"),
            "työ"
        );
        assert_eq!(
            words.code("end_reason", CodeListName::CustomershipEndReasons, "deceased"),
            "Kuollut"
        );
    }

    #[test]
    fn identity_codes_are_temporary_and_unique() {
        let mut codes = IdentityCodes::default();
        let mut rng = Rng::new(1);
        let birth = NaiveDate::from_ymd_opt(1990, 5, 17).expect("date");
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let code = codes.new_code(birth, RecordedSex::Female, &mut rng).expect("a code");
            let parsed = IdentityCode::parse(&code).expect("valid");
            assert!(
                parsed.is_temporary() && parsed.recorded_sex() == kotopolku_domain::identity_code::RecordedSex::Female
            );
            assert_eq!(parsed.birth_date(), birth);
            assert!(seen.insert(code));
        }
        assert_eq!(codes.new_code(birth, RecordedSex::Female, &mut rng), None);
    }
}
