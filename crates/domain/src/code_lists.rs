//! Code lists built into the binary.
//!
//! Every value that the integration customer record stores as a code (home municipality,
//! citizenship, mother tongue, basis of residence, ...) is checked against one of these lists, and
//! the user interface shows the names in Finnish, Swedish and English. The lists are compiled in
//! from the CSV files in `crates/domain/data/code-lists/` (sources and licences in the README
//! there) so that validation never depends on a network service or on a seeded database, and a code
//! list changes only through a reviewed commit. Each file is parsed once, on first use, into a
//! [`LazyLock`] with a hash index, so look-ups are O(1).

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::{Map, Value};

/// The code lists Kotopolku knows, by their URL name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeListName {
    Municipalities,
    Countries,
    Languages,
    ResidenceBases,
    TargetGroups,
    CefrLevels,
    IscedLevels,
    Occupations,
    CustomershipEndReasons,
}

impl CodeListName {
    /// Every list, in the order the API lists them.
    pub const ALL: [CodeListName; 9] = [
        Self::Municipalities,
        Self::Countries,
        Self::Languages,
        Self::ResidenceBases,
        Self::TargetGroups,
        Self::CefrLevels,
        Self::IscedLevels,
        Self::Occupations,
        Self::CustomershipEndReasons,
    ];

    /// The list's name in URLs (`/api/code-lists/{name}`), the inverse of [`CodeListName::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Municipalities => "municipalities",
            Self::Countries => "countries",
            Self::Languages => "languages",
            Self::ResidenceBases => "residence-bases",
            Self::TargetGroups => "target-groups",
            Self::CefrLevels => "cefr-levels",
            Self::IscedLevels => "isced-levels",
            Self::Occupations => "occupations",
            Self::CustomershipEndReasons => "customership-end-reasons",
        }
    }

    /// Reads a URL name exactly as [`CodeListName::as_str`] writes it; anything else is `None`, so
    /// a typo in a URL is a 404 rather than a different list.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.as_str() == s)
    }

    /// Position in [`CodeListName::ALL`], used to index the parsed lists.
    fn index(self) -> usize {
        self as usize
    }
}

/// A text in the three languages of the user interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Localized {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

/// One entry: `{"code": "...", "fi": "...", "sv": "...", "en": "...", ...attributes}`.
#[derive(Debug, Clone, Serialize)]
pub struct CodeEntry {
    pub code: String,
    #[serde(flatten)]
    pub name: Localized,
    /// Extra attributes (a municipality's region, county, ...), flattened into the JSON.
    #[serde(flatten)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// A whole code list with its description and source.
#[derive(Debug, Clone, Serialize)]
pub struct CodeList {
    pub name: &'static str,
    pub title: Localized,
    pub source: &'static str,
    pub entries: Vec<CodeEntry>,
}

impl CodeList {
    /// The entry with exactly this code. Uses the built-in index when `self` is one of the built-in
    /// lists (O(1)); a list built elsewhere, e.g. in a test, is searched linearly.
    pub fn entry(&self, code: &str) -> Option<&CodeEntry> {
        if let Some(name) = CodeListName::parse(self.name) {
            let built_in = &LISTS[name.index()];
            if std::ptr::eq(self, &built_in.list) {
                return built_in.by_code.get(code).map(|&i| &self.entries[i]);
            }
        }
        self.entries.iter().find(|entry| entry.code == code)
    }
}

/// A municipality with the areas it belongs to.
#[derive(Debug, Clone)]
pub struct Municipality {
    pub code: String,
    pub name: Localized,
    pub region_code: String,
    pub wellbeing_county_code: String,
    pub regional_centre_code: String,
    pub employment_area_code: String,
}

impl Municipality {
    /// The municipality's official language status. Services must be offered in Swedish as well in
    /// bilingual municipalities, so the user interface and reports need it. `None` only for a
    /// `Municipality` that is not one of the built-in ones.
    pub fn language_status(&self) -> Option<LanguageStatus> {
        MUNICIPALITIES
            .by_code
            .get(&self.code)
            .map(|&i| MUNICIPALITIES.rows[i].language_status)
    }
}

/// A municipality's language status, as coded in Statistics Finland's municipality classification
/// (`language_status_code` in `municipalities.csv`; the JSON attribute `language_status` is the
/// code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageStatus {
    /// 0: unilingual, Finnish.
    Finnish,
    /// 1: bilingual, Finnish the majority language (e.g. Helsinki, Espoo).
    BilingualFinnishMajority,
    /// 2: unilingual, Swedish (the municipalities of Åland).
    Swedish,
    /// 3: bilingual, Swedish the majority language (e.g. Parainen, Vaasa's neighbour Mustasaari).
    BilingualSwedishMajority,
}

impl LanguageStatus {
    /// The numeric code used in the data and in the JSON attribute.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Reads the numeric code; `None` outside 0-3.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Finnish),
            1 => Some(Self::BilingualFinnishMajority),
            2 => Some(Self::Swedish),
            3 => Some(Self::BilingualSwedishMajority),
            _ => None,
        }
    }

    /// Whether both Finnish and Swedish are official languages of the municipality.
    pub fn is_bilingual(self) -> bool {
        matches!(self, Self::BilingualFinnishMajority | Self::BilingualSwedishMajority)
    }
}

/// The whole built-in list. Parsed on first use; the data is compiled in and tested, so this cannot
/// fail at run time.
pub fn list(name: CodeListName) -> &'static CodeList {
    &LISTS[name.index()].list
}

/// Whether `code` is in the list: an exact, case-sensitive match ("FI" is a country, "fi" is not).
pub fn contains(name: CodeListName, code: &str) -> bool {
    LISTS[name.index()].by_code.contains_key(code)
}

/// The entry of a built-in list with exactly this code, in O(1).
pub fn entry(name: CodeListName, code: &str) -> Option<&'static CodeEntry> {
    let indexed = &LISTS[name.index()];
    indexed.by_code.get(code).map(|&i| &indexed.list.entries[i])
}

/// The municipality with this three-digit code ("091" is Helsinki).
pub fn municipality(code: &str) -> Option<&'static Municipality> {
    MUNICIPALITIES
        .by_code
        .get(code)
        .map(|&i| &MUNICIPALITIES.rows[i].municipality)
}

/// Every municipality, in code order, e.g. to list the municipalities of a wellbeing services
/// county.
pub fn municipalities() -> impl Iterator<Item = &'static Municipality> {
    MUNICIPALITIES.rows.iter().map(|row| &row.municipality)
}

// -------------------------------------------------------------------------------------------------
// Data

/// The name and compiled-in text of each list's file. Titles, sources and which attributes are
/// numbers are in `code-lists.csv`, so that all descriptive data lives beside the lists.
fn data(name: CodeListName) -> (&'static str, &'static str) {
    macro_rules! data {
        ($file:literal) => {
            ($file, include_str!(concat!("../data/code-lists/", $file)))
        };
    }
    match name {
        CodeListName::Municipalities => data!("municipalities.csv"),
        CodeListName::Countries => data!("countries.csv"),
        CodeListName::Languages => data!("languages.csv"),
        CodeListName::ResidenceBases => data!("residence-bases.csv"),
        CodeListName::TargetGroups => data!("target-groups.csv"),
        CodeListName::CefrLevels => data!("cefr-levels.csv"),
        CodeListName::IscedLevels => data!("isced-levels.csv"),
        CodeListName::Occupations => data!("occupations.csv"),
        CodeListName::CustomershipEndReasons => data!("customership-end-reasons.csv"),
    }
}

/// A built-in list and its index from code to position in `entries`.
struct IndexedList {
    list: CodeList,
    by_code: HashMap<String, usize>,
}

static LISTS: LazyLock<Vec<IndexedList>> = LazyLock::new(|| {
    let file = "code-lists.csv";
    let index = Table::parse(file, include_str!("../data/code-lists/code-lists.csv"));
    assert_eq!(index.rows.len(), CodeListName::ALL.len(), "{file}: one row per list");
    CodeListName::ALL
        .into_iter()
        .map(|name| {
            let found = index.rows.iter().find(|(_, row)| row[0] == name.as_str());
            let (line, row) = found.unwrap_or_else(|| panic!("{file}: no row {}", name.as_str()));
            let get = |column| index.get(*line, row, column);
            let numeric: Vec<&str> = row[index.column("numeric_attributes")].split(' ').collect();
            let entries = match name {
                CodeListName::Municipalities => MUNICIPALITIES.rows.iter().map(MunicipalityRow::entry).collect(),
                _ => parse_entries(name, &numeric),
            };
            let title = Localized {
                fi: get("fi").into(),
                sv: get("sv").into(),
                en: get("en").into(),
            };
            // Leaked once per list, in this initialiser: the public type wants a `&'static str`.
            let source = String::leak(get("source").to_owned());
            let list = CodeList {
                name: name.as_str(),
                title,
                source,
                entries,
            };
            let by_code = index_codes(name, list.entries.iter().map(|e| e.code.as_str()));
            IndexedList { list, by_code }
        })
        .collect()
});

/// Reads a `code,fi,sv,en[,attribute...]` file. Attribute columns become JSON numbers when listed
/// in `numeric`, strings otherwise; an empty cell leaves the attribute out.
fn parse_entries(name: CodeListName, numeric: &[&str]) -> Vec<CodeEntry> {
    let (file, text) = data(name);
    let table = Table::parse(file, text);
    let rows = table.rows.iter().map(|(line, row)| {
        let [code, fi, sv, en] = ["code", "fi", "sv", "en"].map(|c| table.get(*line, row, c).to_owned());
        let mut attributes = Map::new();
        let cells = table.header.iter().zip(row).skip(4);
        for (header, cell) in cells.filter(|(_, cell)| !cell.is_empty()) {
            let value = if numeric.contains(&header.as_str()) {
                let number = cell.parse::<u64>().ok();
                Value::from(number.unwrap_or_else(|| panic!("{file}:{line}: {header} is not a number")))
            } else {
                Value::from(cell.as_str())
            };
            attributes.insert(header.clone(), value);
        }
        CodeEntry {
            code,
            name: Localized { fi, sv, en },
            attributes,
        }
    });
    rows.collect()
}

/// Maps each code to its position, refusing duplicates (a duplicate would make look-ups ambiguous).
fn index_codes<'a>(name: CodeListName, codes: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut by_code = HashMap::new();
    for (i, code) in codes.enumerate() {
        let previous = by_code.insert(code.to_owned(), i);
        assert!(previous.is_none(), "{}: duplicate code {code}", data(name).0);
    }
    by_code
}

/// The areas a municipality belongs to: attribute names in JSON, column prefixes in the CSV.
const AREAS: [&str; 4] = ["region", "wellbeing_county", "regional_centre", "employment_area"];

/// A municipality with its language status and the names of its areas (in the order of [`AREAS`]),
/// which [`Municipality`] carries only as codes.
struct MunicipalityRow {
    municipality: Municipality,
    language_status: LanguageStatus,
    areas: [Localized; 4],
}

impl MunicipalityRow {
    fn entry(&self) -> CodeEntry {
        let m = &self.municipality;
        let codes = [
            &m.region_code,
            &m.wellbeing_county_code,
            &m.regional_centre_code,
            &m.employment_area_code,
        ];
        let mut attributes = Map::new();
        attributes.insert("language_status".into(), Value::from(self.language_status.code()));
        for ((area, code), name) in AREAS.iter().zip(codes).zip(&self.areas) {
            let object = serde_json::json!({ "code": code, "fi": name.fi, "sv": name.sv, "en": name.en });
            attributes.insert((*area).into(), object);
        }
        CodeEntry {
            code: m.code.clone(),
            name: m.name.clone(),
            attributes,
        }
    }
}

struct MunicipalityTable {
    rows: Vec<MunicipalityRow>,
    by_code: HashMap<String, usize>,
}

static MUNICIPALITIES: LazyLock<MunicipalityTable> = LazyLock::new(|| {
    let (file, text) = data(CodeListName::Municipalities);
    let table = Table::parse(file, text);
    let rows: Vec<MunicipalityRow> = table
        .rows
        .iter()
        .map(|(line, row)| {
            let get = |column: &str| table.get(*line, row, column).to_owned();
            let names = |prefix: &str| Localized {
                fi: get(&format!("{prefix}_fi")),
                sv: get(&format!("{prefix}_sv")),
                en: get(&format!("{prefix}_en")),
            };
            let status = get("language_status_code")
                .parse()
                .ok()
                .and_then(LanguageStatus::from_code);
            MunicipalityRow {
                municipality: Municipality {
                    code: get("code"),
                    name: names("name"),
                    region_code: get("region_code"),
                    wellbeing_county_code: get("wellbeing_county_code"),
                    regional_centre_code: get("regional_centre_code"),
                    employment_area_code: get("employment_area_code"),
                },
                language_status: status.unwrap_or_else(|| panic!("{file}:{line}: language_status_code not 0-3")),
                areas: AREAS.map(|area| names(&format!("{area}_name"))),
            }
        })
        .collect();
    let by_code = index_codes(
        CodeListName::Municipalities,
        rows.iter().map(|r| r.municipality.code.as_str()),
    );
    MunicipalityTable { rows, by_code }
});

// -------------------------------------------------------------------------------------------------
// CSV

/// A parsed CSV file: its header and its rows, each with the line it starts on (for error
/// messages).
struct Table {
    file: &'static str,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Parses compiled-in data. Cells are trimmed (the municipality file as published has trailing
    /// spaces in a few names). Panics with the file and line on malformed data: this runs only
    /// inside the `LazyLock` initialisers, and the unit tests force every list, so a bad file fails
    /// the tests.
    fn parse(file: &'static str, text: &str) -> Self {
        let mut records = parse_csv(text).unwrap_or_else(|e| panic!("{file}:{}: {}", e.line, e.message));
        assert!(!records.is_empty(), "{file}: no header row");
        let (_, header) = records.remove(0);
        for (line, row) in &mut records {
            let fields = row.len();
            assert!(
                fields == header.len(),
                "{file}:{line}: {fields} fields, header has {}",
                header.len()
            );
            for cell in row.iter_mut() {
                *cell = cell.trim().to_owned();
            }
        }
        Self {
            file,
            header,
            rows: records,
        }
    }

    fn column(&self, name: &str) -> usize {
        let found = self.header.iter().position(|h| h == name);
        found.unwrap_or_else(|| panic!("{}: no column {name}", self.file))
    }

    /// A cell that must not be empty: every code and every name is required.
    fn get<'r>(&self, line: usize, row: &'r [String], column: &str) -> &'r str {
        let value = row[self.column(column)].as_str();
        assert!(!value.is_empty(), "{}:{line}: empty {column}", self.file);
        value
    }
}

/// Why a CSV text could not be read, and on which (1-based) line.
#[derive(Debug, PartialEq, Eq)]
struct CsvError {
    line: usize,
    message: &'static str,
}

impl CsvError {
    fn at(line: usize, message: &'static str) -> Self {
        Self { line, message }
    }
}

/// Parses RFC 4180 CSV: fields separated by commas, records by LF or CRLF; a field in double quotes
/// may contain commas, line breaks and doubled quotes (`""` for `"`). Blank lines are skipped.
/// Returns each record with the line it starts on. Written here because the domain crate takes no
/// CSV dependency for a few small files.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => {
                            return Err(CsvError::at(start, "unterminated quoted field"));
                        }
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                    return Err(CsvError::at(line, "text after a closing quote"));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    match c {
                        ',' | '\r' | '\n' => break,
                        '"' => {
                            return Err(CsvError::at(line, "quote inside an unquoted field"));
                        }
                        _ => field.push(c),
                    }
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some('\r') => {
                    return Err(CsvError::at(line, "carriage return without line feed"));
                }
                _ => {}
            }
            line += 1;
            break;
        }
        if record != [""] {
            records.push((start, record));
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn codes(name: CodeListName) -> Vec<&'static str> {
        list(name).entries.iter().map(|e| e.code.as_str()).collect()
    }

    fn names(name: CodeListName, code: &str) -> [String; 3] {
        let e = entry(name, code).unwrap_or_else(|| panic!("{} {code}", name.as_str()));
        [&e.name.fi, &e.name.sv, &e.name.en].map(String::clone)
    }

    #[test]
    fn every_list_parses_with_unique_codes_and_three_names() {
        for name in CodeListName::ALL {
            let list = list(name);
            let title = [&list.title.fi, &list.title.sv, &list.title.en];
            assert_eq!(list.name, name.as_str());
            assert!(!list.source.is_empty() && title.iter().all(|t| !t.is_empty()));
            assert!(!list.entries.is_empty(), "{} is empty", list.name);
            let unique: HashSet<_> = codes(name).into_iter().collect();
            assert_eq!(unique.len(), list.entries.len(), "{} has duplicates", list.name);
            for e in &list.entries {
                for text in [&e.code, &e.name.fi, &e.name.sv, &e.name.en] {
                    let clean = !text.is_empty() && text.trim() == text;
                    assert!(clean, "{} {}: empty or untrimmed text", list.name, e.code);
                }
                assert!(contains(name, &e.code));
                assert_eq!(list.entry(&e.code).map(|x| &x.code), Some(&e.code));
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for (i, name) in CodeListName::ALL.into_iter().enumerate() {
            assert_eq!(CodeListName::parse(name.as_str()), Some(name));
            assert_eq!(name.index(), i, "ALL is in declaration order");
        }
        let residence = CodeListName::parse("residence-bases");
        assert_eq!(residence, Some(CodeListName::ResidenceBases));
        for wrong in ["Countries", "residence_bases", "", "countries "] {
            assert_eq!(CodeListName::parse(wrong), None);
        }
    }

    #[test]
    fn municipalities_are_the_308_of_2026() {
        assert_eq!(list(CodeListName::Municipalities).entries.len(), 308);
        assert_eq!(municipalities().count(), 308);
        let helsinki = municipality("091").expect("Helsinki");
        assert_eq!(helsinki.name.fi, "Helsinki");
        assert_eq!(helsinki.name.sv, "Helsingfors");
        assert_eq!(helsinki.wellbeing_county_code, "90");
        assert_eq!(helsinki.region_code, "01");
        assert!(municipality("91").is_none() && municipality("999").is_none());
    }

    #[test]
    fn language_status_follows_the_classification() {
        use LanguageStatus::*;
        let status = |code| municipality(code).and_then(Municipality::language_status);
        // Espoo / Esbo is bilingual with a Finnish majority: code 1 in Statistics Finland's data.
        assert_eq!(status("049"), Some(BilingualFinnishMajority));
        assert_eq!(status("005"), Some(Finnish));
        assert_eq!(status("478"), Some(Swedish));
        assert_eq!(status("445"), Some(BilingualSwedishMajority));
        assert!(BilingualFinnishMajority.is_bilingual() && !Swedish.is_bilingual());
        let bilingual = municipalities().filter(|m| m.language_status().is_some_and(is_bilingual));
        assert_eq!(bilingual.count(), 33);
        for code in 0..=3 {
            assert_eq!(LanguageStatus::from_code(code).map(LanguageStatus::code), Some(code));
        }
        assert_eq!(LanguageStatus::from_code(4), None);

        fn is_bilingual(status: LanguageStatus) -> bool {
            status.is_bilingual()
        }
    }

    #[test]
    fn municipality_json_has_nested_areas() {
        let espoo = entry(CodeListName::Municipalities, "049").expect("Espoo");
        let json = serde_json::to_value(espoo).expect("json");
        assert_eq!(
            (&json["code"], &json["fi"], &json["sv"]),
            (&"049".into(), &"Espoo".into(), &"Esbo".into())
        );
        assert_eq!(json["language_status"], 1);
        for area in AREAS {
            for key in ["code", "fi", "sv", "en"] {
                let text = json[area][key].as_str();
                assert!(text.is_some_and(|s| !s.is_empty()), "{area}.{key}");
            }
        }
        assert_eq!(json["region"]["code"], "01");
        assert_eq!(json["region"]["fi"], "Uusimaa");
        assert_eq!(json["wellbeing_county"]["code"], "03");
    }

    #[test]
    fn countries_are_iso_3166_sorted_by_code() {
        let codes = codes(CodeListName::Countries);
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        let fi = |code| names(CodeListName::Countries, code)[0].clone();
        for (code, name) in [
            ("IQ", "Irak"),
            ("AF", "Afganistan"),
            ("SO", "Somalia"),
            ("SY", "Syyria"),
        ] {
            assert_eq!(fi(code), name);
        }
        assert_eq!(fi("CD"), "Kongon demokraattinen tasavalta");
        assert_eq!(names(CodeListName::Countries, "UA"), ["Ukraina", "Ukraina", "Ukraine"]);
        assert_eq!(names(CodeListName::Countries, "RU"), ["Venäjä", "Ryssland", "Russia"]);
    }

    #[test]
    fn languages_are_iso_639_1_plus_selected_639_3() {
        let codes = codes(CodeListName::Languages);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(codes.iter().all(|c| c.bytes().all(|b| b.is_ascii_lowercase())));
        assert_eq!(codes.iter().filter(|c| c.len() == 2).count(), 184);
        for code in "prs ckb kmr sdh smn sms rom fit fse fss fi sv se ps".split(' ') {
            assert!(contains(CodeListName::Languages, code), "{code}");
        }
        assert_eq!(names(CodeListName::Languages, "fi"), ["Suomi", "Finska", "Finnish"]);
        assert_eq!(names(CodeListName::Languages, "prs"), ["Dari", "Dari", "Dari"]);
    }

    #[test]
    fn occupations_are_isco_major_and_sub_major_groups() {
        let entries = &list(CodeListName::Occupations).entries;
        let level = |e: &CodeEntry| e.attributes["level"].as_u64();
        assert_eq!(entries.iter().filter(|e| level(e) == Some(1)).count(), 10);
        assert_eq!(entries.iter().filter(|e| level(e) == Some(2)).count(), 43);
        for e in entries {
            let parent = e.attributes.get("parent").and_then(Value::as_str);
            match (level(e), parent) {
                (Some(1), None) => assert_eq!(e.code.len(), 1),
                (Some(2), Some(parent)) => {
                    assert!(e.code.len() == 2 && e.code.starts_with(parent));
                    assert!(contains(CodeListName::Occupations, parent));
                }
                other => panic!("{}: level and parent {other:?}", e.code),
            }
        }
    }

    #[test]
    fn small_lists_have_their_codes() {
        let joined = |name| codes(name).join(" ");
        assert_eq!(joined(CodeListName::CefrLevels), "0 A1 A2 B1 B2 C1 C2");
        assert_eq!(joined(CodeListName::IscedLevels), "0 1 2 3 4 5 6 7 8 9");
        assert_eq!(
            joined(CodeListName::TargetGroups),
            "international_protection social_assistance child_home_care_allowance \
             unaccompanied_minor trafficking_victim other_in_need"
        );
        assert_eq!(
            joined(CodeListName::CustomershipEndReasons),
            "moved_away integration_period_over employed in_education deceased other"
        );
        assert_eq!(
            joined(CodeListName::ResidenceBases),
            "quota_refugee asylum subsidiary_protection humanitarian other_aliens_act \
             family_member temporary_protection work study eu_registration nordic_citizen other"
        );
        let yki = |code| {
            entry(CodeListName::CefrLevels, code)?
                .attributes
                .get("yki_level")?
                .as_u64()
        };
        assert_eq!((yki("A1"), yki("C2"), yki("0")), (Some(1), Some(6), None));
    }

    #[test]
    fn contains_is_exact_and_case_sensitive() {
        use CodeListName::*;
        for (name, code) in [
            (Countries, "FI"),
            (Languages, "fi"),
            (Municipalities, "091"),
            (CefrLevels, "A1"),
        ] {
            assert!(contains(name, code), "{code}");
        }
        let absent = [
            (Countries, "fi"),
            (Countries, "XX"),
            (Countries, "FIN"),
            (Languages, "FI"),
            (Languages, "xx"),
            (Municipalities, "91"),
            (Municipalities, " 091"),
            (CefrLevels, "a1"),
            (ResidenceBases, ""),
        ];
        for (name, code) in absent {
            assert!(!contains(name, code), "{code:?}");
            assert!(entry(name, code).is_none());
        }
    }

    #[test]
    fn entry_on_a_list_built_elsewhere_searches_it() {
        let mut copy = list(CodeListName::Countries).clone();
        copy.entries.truncate(1);
        assert_eq!(copy.entry("AD").map(|e| e.code.as_str()), Some("AD"));
        assert!(copy.entry("FI").is_none());
    }

    #[test]
    fn csv_handles_quotes_commas_and_doubled_quotes() {
        let text = "code,name\r\n1,\"Smith, John\"\n2,\"say \"\"hi\"\"\"\n\n3,\"two\nlines\",\n4,\n";
        let records = parse_csv(text).expect("valid csv");
        let rows: Vec<(usize, Vec<&str>)> = records
            .iter()
            .map(|(line, r)| (*line, r.iter().map(String::as_str).collect()))
            .collect();
        let expected = [
            (1, vec!["code", "name"]),
            (2, vec!["1", "Smith, John"]),
            (3, vec!["2", "say \"hi\""]),
            (5, vec!["3", "two\nlines", ""]),
            (7, vec!["4", ""]),
        ];
        assert_eq!(rows, expected);
        let unterminated = CsvError::at(1, "unterminated quoted field");
        assert_eq!(parse_csv("a,\"b").map(|_| ()), Err(unterminated));
        assert!(parse_csv("a\nb\"c\n").is_err_and(|e| e.line == 2));
        assert!(parse_csv("\"a\"b\n").is_err());
        assert_eq!(parse_csv("").map(|r| r.len()), Ok(0));
    }

    #[test]
    #[should_panic(expected = "t.csv:3: 1 fields, header has 2")]
    fn table_names_file_and_line_of_a_short_row() {
        Table::parse("t.csv", "a,b\n1,2\n3\n");
    }
}
