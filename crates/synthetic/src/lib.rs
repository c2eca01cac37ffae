//! Synthetic integration customers and their process records, deterministic for a seed.
//!
//! Used by the demo and training environment and by the benchmarks. [`ProcessGenerator`] gives a
//! customer the assessments, plans, referrals, programme, notes and appointments of a caseload as it
//! stands on a given day. Identity codes come only from the
//! temporary range 900-999, so no real person's code is ever produced; phone numbers and e-mail
//! addresses use reserved example forms.

mod communities;
mod process;
mod rng;
mod rows;

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use kotopolku_domain::customer::{CustomerInput, LanguageSkill, RecordedSex};
use kotopolku_domain::identity_code::IdentityCode;

pub use process::{MeasureRef, ProcessGenerator, SyntheticRecord, carry_measure_ids, link_measure};
pub use rng::Rng;
pub use rows::{Caseworker, CustomerRows, SyntheticRows};

use communities::{COMMUNITIES, Community};

/// Municipalities weighted roughly by where integration customers live, with one bilingual city (Vaasa)
/// and the capital region first.
const MUNICIPALITIES: &[(&str, u32)] = &[
    ("091", 30),
    ("049", 12),
    ("092", 12),
    ("837", 7),
    ("853", 7),
    ("564", 5),
    ("179", 3),
    ("297", 3),
    ("398", 3),
    ("905", 3),
    ("609", 2),
    ("285", 2),
    ("167", 2),
    ("106", 2),
    ("743", 2),
    ("235", 1),
    ("257", 1),
    ("638", 1),
];

/// The municipalities synthetic customers live in, largest first.
pub fn municipality_codes() -> impl Iterator<Item = &'static str> {
    MUNICIPALITIES.iter().map(|(code, _)| *code)
}

/// The municipalities each of `count` caseworkers serves: with fewer caseworkers than
/// municipalities every one serves all of them; with more, each serves one, and each municipality
/// has caseworkers in proportion to its customers (at least one). The first serves the capital.
pub fn caseworker_municipalities(count: usize) -> Vec<Vec<String>> {
    if count < MUNICIPALITIES.len() {
        let all: Vec<String> = municipality_codes().map(str::to_owned).collect();
        return vec![all; count];
    }
    let total: u32 = MUNICIPALITIES.iter().map(|(_, w)| w).sum();
    let spare = count - MUNICIPALITIES.len();
    let mut shares: Vec<usize> = MUNICIPALITIES
        .iter()
        .map(|(_, w)| 1 + spare * *w as usize / total as usize)
        .collect();
    // What rounding down left over goes to the largest municipalities.
    let mut i = 0;
    while shares.iter().sum::<usize>() < count {
        shares[i % MUNICIPALITIES.len()] += 1;
        i += 1;
    }
    MUNICIPALITIES
        .iter()
        .zip(shares)
        .flat_map(|((code, _), n)| std::iter::repeat_n(vec![(*code).to_owned()], n))
        .collect()
}

/// Makes customers one after another; the same seed gives the same customers in the same order.
pub struct Generator {
    rng: Rng,
    today: NaiveDate,
    used_codes: HashSet<String>,
    /// The rest of a family whose first member was just made, given out before anyone new.
    household: Vec<CustomerInput>,
}

impl Generator {
    /// `today` bounds every generated date (nothing lies in the future).
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        Self {
            rng: Rng::new(seed),
            today,
            used_codes: HashSet::new(),
            household: Vec::new(),
        }
    }

    /// The next synthetic customer, valid for registration on `today`. About a third of adults
    /// arrive with a family: a spouse and children who follow them one after another, sharing the
    /// family name, the address, the dates of arrival and permit, and the customership's start.
    pub fn customer(&mut self) -> CustomerInput {
        if let Some(member) = self.household.pop() {
            return member;
        }
        let community = self.pick_community();
        let first = self.person(community);
        let age_at_start = first
            .birth_date
            .map_or(0, |birth| (first.customership_start - birth).num_days() / 365);
        if age_at_start >= 22 && self.rng.chance(0.3) {
            let mut members = Vec::new();
            let spouse = self.rng.chance(0.75);
            if spouse {
                members.push(self.relative(community, &first, Relation::Spouse));
            }
            let children = self.rng.range(u64::from(!spouse), 4);
            for _ in 0..children {
                let child = self.relative(community, &first, Relation::Child);
                // None when the parent is too young for a child born in time.
                if child.birth_date.is_some() {
                    members.push(child);
                }
            }
            // Popped from the end: the spouse comes first, then the children.
            members.reverse();
            self.household = members;
        }
        first
    }

    /// A family member of `first`, who came with them.
    fn relative(&mut self, community: &'static Community, first: &CustomerInput, relation: Relation) -> CustomerInput {
        let start = first.customership_start;
        let first_birth = first.birth_date.unwrap_or(start);
        let (sex, birth_date) = match relation {
            Relation::Spouse => {
                let sex = if first.sex == Some(RecordedSex::Male) {
                    RecordedSex::Female
                } else {
                    RecordedSex::Male
                };
                let shift = self.rng.range(0, 8 * 365) as i64 - 4 * 365;
                let birth = (first_birth + Duration::days(shift)).min(start - Duration::days(18 * 365));
                (sex, birth)
            }
            Relation::Child => {
                let sex = if self.rng.chance(0.5) {
                    RecordedSex::Male
                } else {
                    RecordedSex::Female
                };
                // Born after the parent turned 18, and under 18 when the customership starts.
                let earliest = (first_birth + Duration::days(18 * 365)).max(start - Duration::days(17 * 365));
                let span = (start - earliest).num_days();
                if span < 0 {
                    return CustomerInput {
                        birth_date: None,
                        ..first.clone()
                    };
                }
                (sex, earliest + Duration::days(self.rng.range(0, span as u64) as i64))
            }
        };
        let pool = match sex {
            RecordedSex::Female => community.female_given,
            _ => community.male_given,
        };
        let given_names = self.rng.pick(pool).to_string();
        let identity_code = if self.rng.chance(0.7) {
            self.temporary_code(birth_date, sex)
        } else {
            None
        };
        let child = relation == Relation::Child;
        let interpreter_needed = !child && self.rng.chance(0.6);
        CustomerInput {
            identity_code,
            given_names,
            birth_date: Some(birth_date),
            sex: Some(sex),
            other_languages: Vec::new(),
            interpreter_needed,
            interpreter_language: interpreter_needed.then(|| community.language.to_owned()),
            phone: (!child && self.rng.chance(0.7)).then(|| format!("+358 40 000 {:04}", self.rng.range(0, 9999))),
            email: None,
            arrival_date: first.arrival_date.map(|a| a.max(birth_date)),
            first_permit_date: first.first_permit_date.map(|p| p.max(birth_date)),
            ..first.clone()
        }
    }

    /// One person arriving on their own (or the first of a family).
    fn person(&mut self, community: &'static Community) -> CustomerInput {
        let sex = if self.rng.chance(0.5) {
            RecordedSex::Male
        } else {
            RecordedSex::Female
        };
        let given_pool = match sex {
            RecordedSex::Female => community.female_given,
            _ => community.male_given,
        };
        let given = self.rng.pick(given_pool).to_string();
        let given_names = if self.rng.chance(0.35) {
            format!("{given} {}", self.rng.pick(given_pool))
        } else {
            given
        };
        let family_name = self.rng.pick(community.family).to_string();

        // Ages: most customers are working-age adults; a fifth are children in families.
        let age_years = if self.rng.chance(0.2) {
            self.rng.range(0, 17)
        } else {
            self.rng.range(18, 64)
        };
        // Customers become customers within 3 years of their first permit (681/2023 §2).
        let customership_start = days_before(self.today, self.rng.range(0, 3 * 365));
        let birth_date = days_before(customership_start, age_years * 365 + self.rng.range(0, 364));
        let first_permit = days_before(customership_start, self.rng.range(0, 300)).max(birth_date);
        let arrival = days_before(first_permit, self.rng.range(0, 200)).max(birth_date);

        let identity_code = if self.rng.chance(0.7) {
            self.temporary_code(birth_date, sex)
        } else {
            None
        };
        let interpreter_needed = self.rng.chance(0.6);
        let other_languages = if self.rng.chance(0.5) {
            vec![LanguageSkill {
                language: self.rng.pick(&["en", "fi", "ru", "fr", "de", "tr"]).to_string(),
                level: Some(self.rng.pick(&["A1", "A2", "B1", "B2", "C1"]).to_string()),
            }]
        } else {
            Vec::new()
        };
        let has_phone = self.rng.chance(0.85);
        let phone = has_phone.then(|| format!("+358 40 000 {:04}", self.rng.range(0, 9999)));
        let email = self
            .rng
            .chance(0.4)
            .then(|| format!("{}.{}@example.org", ascii_lower(&family_name), self.rng.range(1, 999)));
        CustomerInput {
            identity_code,
            family_name,
            given_names,
            birth_date: Some(birth_date),
            sex: Some(sex),
            citizenships: vec![community.country.to_owned()],
            native_language: Some(community.language.to_owned()),
            other_languages,
            contact_language: Some(if self.rng.chance(0.3) { "fi" } else { community.language }.to_owned()),
            interpreter_needed,
            interpreter_language: interpreter_needed.then(|| community.language.to_owned()),
            phone,
            email,
            street_address: Some(format!(
                "{} {}",
                self.rng.pick(&[
                    "Koivukuja",
                    "Rantatie",
                    "Asematie",
                    "Kirkkokatu",
                    "Puistokatu",
                    "Myllytie"
                ]),
                self.rng.range(1, 60)
            )),
            postal_code: Some(format!("{:05}", self.rng.range(100, 99_999))),
            post_office: None,
            municipality_code: self.pick_municipality().to_owned(),
            arrival_date: Some(arrival),
            first_permit_date: Some(first_permit),
            residence_basis: Some(self.rng.pick(community.residence_bases).to_string()),
            target_group: Some(
                self.rng
                    .pick(&[
                        "international_protection",
                        "international_protection",
                        "social_assistance",
                        "other_in_need",
                    ])
                    .to_string(),
            ),
            customership_start,
            responsible_caseworker: None,
        }
    }

    fn pick_community(&mut self) -> &'static Community {
        let total: u32 = COMMUNITIES.iter().map(|c| c.weight).sum();
        let mut roll = self.rng.range(0, u64::from(total) - 1) as u32;
        for community in COMMUNITIES {
            if roll < community.weight {
                return community;
            }
            roll -= community.weight;
        }
        &COMMUNITIES[0]
    }

    fn pick_municipality(&mut self) -> &'static str {
        self.rng.weighted(MUNICIPALITIES)
    }

    /// A temporary identity code (individual number 900-999) unused so far, with the sex's parity.
    fn temporary_code(&mut self, birth_date: NaiveDate, sex: RecordedSex) -> Option<String> {
        let signs: &[char] = if birth_date < NaiveDate::from_ymd_opt(2000, 1, 1)? {
            &['-', 'Y', 'X', 'W', 'V', 'U']
        } else {
            &['A', 'B', 'C', 'D', 'E', 'F']
        };
        let parity = if sex == RecordedSex::Male { 1 } else { 0 };
        for _ in 0..50 {
            let number = 900 + (self.rng.range(0, 49) as u16) * 2 + parity;
            let sign = *self.rng.pick(signs);
            if let Ok(code) = IdentityCode::from_parts(birth_date, number, Some(sign)) {
                let code = code.as_str().to_owned();
                if self.used_codes.insert(code.clone()) {
                    return Some(code);
                }
            }
        }
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Relation {
    Spouse,
    Child,
}

fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date - Duration::days(days as i64)
}

fn ascii_lower(text: &str) -> String {
    kotopolku_domain::names::fold(text).replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
    }

    #[test]
    fn same_seed_same_customers() {
        let a: Vec<CustomerInput> = {
            let mut g = Generator::new(7, today());
            (0..50).map(|_| g.customer()).collect()
        };
        let b: Vec<CustomerInput> = {
            let mut g = Generator::new(7, today());
            (0..50).map(|_| g.customer()).collect()
        };
        assert_eq!(a, b);
        let mut other = Generator::new(8, today());
        assert_ne!(a[0], other.customer());
    }

    #[test]
    fn families_arrive_together() {
        let mut g = Generator::new(3, today());
        let customers: Vec<CustomerInput> = (0..3000).map(|_| g.customer()).collect();
        let mut families = 0;
        let mut children = 0;
        // A family's members follow its first member: same name, address, dates and municipality.
        for pair in customers.windows(2) {
            let (first, next) = (&pair[0], &pair[1]);
            let together = first.family_name == next.family_name
                && first.street_address == next.street_address
                && first.postal_code == next.postal_code
                && first.customership_start == next.customership_start
                && first.municipality_code == next.municipality_code;
            if !together {
                continue;
            }
            families += 1;
            assert_eq!(first.arrival_date.is_some(), next.arrival_date.is_some());
            let start = next.customership_start;
            let birth = next.birth_date.expect("birth date");
            if (start - birth).num_days() < 18 * 365 {
                children += 1;
                assert!(
                    next.phone.is_none() && next.email.is_none(),
                    "a child with contact details"
                );
            }
        }
        assert!(families > 300, "{families} family members");
        assert!(children > 200, "{children} children");
    }

    #[test]
    fn caseworkers_share_the_municipalities_by_their_customers() {
        assert_eq!(
            caseworker_municipalities(3),
            vec![municipality_codes().map(str::to_owned).collect::<Vec<_>>(); 3]
        );
        let many = caseworker_municipalities(4000);
        assert_eq!(many.len(), 4000);
        assert_eq!(many[0], vec!["091".to_owned()], "the first serves the capital");
        let helsinki = many.iter().filter(|m| m[0] == "091").count();
        let vaasa = many.iter().filter(|m| m[0] == "905").count();
        assert!(helsinki > 8 * vaasa, "{helsinki} in Helsinki, {vaasa} in Vaasa");
        for code in municipality_codes() {
            assert!(many.iter().any(|m| m[0] == code), "nobody serves {code}");
        }
    }

    #[test]
    fn every_customer_is_valid_and_codes_are_temporary_and_unique() {
        let mut g = Generator::new(42, today());
        let mut codes = HashSet::new();
        for i in 0..5000 {
            let input = g.customer();
            let data = input
                .validate(today())
                .unwrap_or_else(|e| panic!("customer {i} invalid: {e:?} {input:?}"));
            if let Some(code) = data.identity_code {
                assert!(code.is_temporary(), "{}", code.as_str());
                assert!(codes.insert(code.as_str().to_owned()), "duplicate {}", code.as_str());
            }
        }
        assert!(codes.len() > 3000);
    }
}
