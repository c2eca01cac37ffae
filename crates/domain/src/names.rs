//! Name folding for search and duplicate detection.
//!
//! Caseworkers type names without diacritics (`Jarvinen` for `Järvinen`), and the same person's name
//! reaches Finland transliterated in different ways (Mohammad, Mohammed, Muhammad). Two keys serve
//! these needs: the *folded* form (lower case, diacritics removed) for prefix search, and the
//! *skeleton* (consonants of the folded form, with common transliteration variants merged) for
//! finding likely duplicates.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case without diacritics; anything that is not a letter or digit becomes a space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        // Letters that Unicode does not decompose into a base letter and a mark.
        match c {
            'ø' | 'Ø' => out.push('o'),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ß' => out.push_str("ss"),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            'ı' => out.push('i'),
            'þ' | 'Þ' => out.push_str("th"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// The folded words of a name, in order, without empty ones.
pub fn tokens(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_owned).collect()
}

/// The sort key of a customer: folded family name, then folded given names.
pub fn sort_key(family_name: &str, given_names: &str) -> String {
    let mut key = tokens(family_name).join(" ");
    key.push_str(" / ");
    key.push_str(&tokens(given_names).join(" "));
    key
}

/// The transliteration skeleton of one folded word: the consonants, with spellings that different
/// romanisations use for the same sound merged, and doubled letters collapsed.
///
/// `mohammad`, `mohammed`, `muhammad` and `mohamed` all give `mhmd`; `aleksandr` and `alexander`
/// give `lksndr`; `jusuf`, `yusuf` and `youssef` give `sf`.
pub fn skeleton(word: &str) -> String {
    let mut s = word.to_owned();
    for (from, to) in [
        ("sch", "s"),
        ("tch", "c"),
        ("ph", "f"),
        ("kh", "h"),
        ("gh", "g"),
        ("sh", "s"),
        ("ch", "c"),
        ("th", "t"),
        ("dh", "d"),
        ("ck", "k"),
        ("x", "ks"),
        ("q", "k"),
        ("w", "v"),
        ("z", "s"),
        ("j", "y"),
    ] {
        s = s.replace(from, to);
    }
    // A final h after a vowel is often dropped in transliteration (Abdullah / Abdulla).
    if s.len() > 2 && s.ends_with('h') {
        s.pop();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
            continue;
        }
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    if out.is_empty() { s } else { out }
}

/// Whether two people's names are similar enough that they may be the same person.
///
/// Names are compared as sets of word skeletons over family and given names together, because the
/// order of names is often swapped between documents. Two shared skeletons are needed, or one when
/// either name has only one word.
pub fn likely_same_person(a_family: &str, a_given: &str, b_family: &str, b_given: &str) -> bool {
    skeletons_match(&name_skeletons(a_family, a_given), &name_skeletons(b_family, b_given))
}

/// The distinct skeletons of a person's names, sorted: computed once per person when many pairs
/// are compared (an import checks each row against everyone born on the same day).
pub fn name_skeletons(family: &str, given: &str) -> Vec<String> {
    let mut all: Vec<String> = tokens(family)
        .iter()
        .chain(tokens(given).iter())
        .map(|t| skeleton(t))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// [`likely_same_person`] on precomputed [`name_skeletons`] (or any distinct, comparable keys of
/// them): two shared skeletons, or one when either has a single name.
pub fn skeletons_match<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.iter().filter(|s| b.contains(s)).count();
    shared >= 2 || (shared >= 1 && (a.len() == 1 || b.len() == 1))
}

/// The smallest string greater than every string that starts with `prefix`, for index range scans
/// (`token >= prefix AND token < upper`). `None` when there is no such bound.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        // Skip the surrogate range, which has no chars.
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_and_diacritics() {
        assert_eq!(fold("Järvinen"), "jarvinen");
        assert_eq!(fold("ÅSTRÖM"), "astrom");
        assert_eq!(fold("Nguyễn Thị"), "nguyen thi");
        assert_eq!(fold("Søren-Ødegård"), "soren odegard");
        assert_eq!(tokens("  O'Brien  Smith-Jones "), ["o", "brien", "smith", "jones"]);
    }

    #[test]
    fn transliteration_variants_share_a_skeleton() {
        for variant in ["mohammad", "mohammed", "muhammad", "mohamed", "muhammed"] {
            assert_eq!(skeleton(variant), "mhmd", "{variant}");
        }
        assert_eq!(skeleton("aleksandr"), skeleton("alexander"));
        assert_eq!(skeleton("yusuf"), skeleton("jusuf"));
        assert_eq!(skeleton("abdullah"), skeleton("abdulla"));
        assert_ne!(skeleton("virtanen"), skeleton("korhonen"));
    }

    #[test]
    fn likely_same_person_tolerates_order_and_spelling() {
        assert!(likely_same_person("Hassan", "Mohammad Ali", "Hasan", "Muhammad"));
        assert!(likely_same_person("Ali", "Mohammed", "Mohammad", "Ali"));
        assert!(!likely_same_person("Virtanen", "Matti", "Korhonen", "Liisa"));
        assert!(!likely_same_person("Hassan", "Ahmed", "Hassan", "Fatima"));
    }

    #[test]
    fn prefix_upper_bound_is_the_next_string() {
        assert_eq!(prefix_upper_bound("jar").as_deref(), Some("jas"));
        assert_eq!(prefix_upper_bound("").as_deref(), None);
        let bound = prefix_upper_bound("jär").unwrap_or_default();
        assert!("järvinen" < bound.as_str() && "jär" < bound.as_str());
    }
}
