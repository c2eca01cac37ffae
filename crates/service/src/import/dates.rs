//! Dates as legacy systems write them: `d.m.yyyy`, `dd.mm.yyyy`, `yyyy-mm-dd`, `m/d/yyyy`,
//! `yyyymmdd` and the like, described by a pattern of `d`, `dd`, `m`, `mm`, `yyyy` and separators.

use chrono::NaiveDate;

/// A parsed date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Day or month with one or two digits (`d`, `m`) or exactly two (`dd`, `mm`).
    Day {
        exact: bool,
    },
    Month {
        exact: bool,
    },
    Year,
    Literal(char),
}

impl DateFormat {
    /// Reads a pattern; two-digit years are refused, as a birth year `45` could be 1945 or 2045.
    pub fn parse(text: &str) -> Result<Self, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            match (c, run) {
                ('d', 1 | 2) => parts.push(Part::Day { exact: run == 2 }),
                ('m', 1 | 2) => parts.push(Part::Month { exact: run == 2 }),
                ('y', 4) => parts.push(Part::Year),
                ('y', _) => return Err(format!("date format {text:?}: write the year as yyyy")),
                ('d' | 'm', _) => return Err(format!("date format {text:?}: use d, dd, m or mm")),
                (c, _) if c.is_alphanumeric() => {
                    return Err(format!("date format {text:?}: unknown letter {c:?} (use d, m, yyyy)"));
                }
                (c, _) => {
                    for _ in 0..run {
                        parts.push(Part::Literal(c));
                    }
                }
            }
            i += run;
        }
        for needed in ["d", "m", "yyyy"] {
            let present = parts.iter().any(|p| {
                matches!(
                    (needed, p),
                    ("d", Part::Day { .. }) | ("m", Part::Month { .. }) | ("yyyy", Part::Year)
                )
            });
            if !present {
                return Err(format!("date format {text:?} has no {needed}"));
            }
        }
        Ok(Self {
            text: text.to_owned(),
            parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The date `text` gives in this format, or `None`. A time after the date (`1.2.2023 0:00`, as
    /// spreadsheets export dates) is ignored: the fields are days.
    pub fn read(&self, text: &str) -> Option<NaiveDate> {
        let text = text.trim();
        let date_part = match text.split_once(' ') {
            Some((date, time)) if looks_like_time(time) => date,
            _ => text,
        };
        let bytes = date_part.as_bytes();
        let (mut day, mut month, mut year) = (None, None, None);
        let mut at = 0;
        for part in &self.parts {
            match *part {
                Part::Literal(c) => {
                    let mut buf = [0; 4];
                    let lit = c.encode_utf8(&mut buf).as_bytes();
                    if !bytes.get(at..)?.starts_with(lit) {
                        return None;
                    }
                    at += lit.len();
                }
                Part::Day { exact } | Part::Month { exact } => {
                    let digits = digits_at(bytes, at, if exact { 2 } else { 1 }, 2)?;
                    let value = number(&bytes[at..at + digits]);
                    at += digits;
                    if matches!(part, Part::Day { .. }) {
                        day = Some(value);
                    } else {
                        month = Some(value);
                    }
                }
                Part::Year => {
                    let digits = digits_at(bytes, at, 4, 4)?;
                    year = Some(number(&bytes[at..at + digits]));
                    at += digits;
                }
            }
        }
        if at != bytes.len() {
            return None;
        }
        NaiveDate::from_ymd_opt(i32::try_from(year?).ok()?, month?, day?)
    }
}

/// The number of ASCII digits at `at`: at least `min`, at most `max`, and not followed by another
/// digit when `max` is reached (so `d` does not eat three digits).
fn digits_at(bytes: &[u8], at: usize, min: usize, max: usize) -> Option<usize> {
    let count = bytes
        .get(at..)?
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (count >= min).then_some(count)
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

fn looks_like_time(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.') && text.contains(':')
}

/// Reads a date cell with the given formats, then as ISO `yyyy-mm-dd`, also with a time after it
/// (`2023-02-01T00:00:00`, `2023-02-01 00:00`), as databases export timestamps.
pub fn read_date(text: &str, formats: &[DateFormat]) -> Option<NaiveDate> {
    let text = text.trim();
    formats.iter().find_map(|format| format.read(text)).or_else(|| {
        let date = match text.split_once(['T', ' ']) {
            Some((date, time)) if looks_like_time(time.trim_end_matches('Z')) => date,
            _ => text,
        };
        NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn finnish_and_other_formats_read_their_dates() {
        let finnish = DateFormat::parse("d.m.yyyy").unwrap();
        assert_eq!(finnish.read("1.2.2023"), date(2023, 2, 1));
        assert_eq!(finnish.read("01.02.2023"), date(2023, 2, 1));
        assert_eq!(finnish.read("1.2.2023 0:00"), date(2023, 2, 1));
        assert_eq!(finnish.read("31.2.2023"), None, "no 31 February");
        assert_eq!(finnish.read("1.2.23"), None);
        assert_eq!(finnish.read("2023-02-01"), None);
        assert_eq!(finnish.read("1.2.2023x"), None);
        let us = DateFormat::parse("m/d/yyyy").unwrap();
        assert_eq!(us.read("2/1/2023"), date(2023, 2, 1));
        let compact = DateFormat::parse("yyyymmdd").unwrap();
        assert_eq!(compact.read("20230201"), date(2023, 2, 1));
        assert_eq!(compact.read("2023021"), None);
        let formats = [finnish];
        assert_eq!(read_date("2023-02-01", &formats), date(2023, 2, 1));
        assert_eq!(read_date("2023-02-01T00:00:00", &formats), date(2023, 2, 1));
        assert_eq!(read_date("2023-02-01 12:30", &formats), date(2023, 2, 1));
        assert_eq!(read_date("2023-02-01Tea", &formats), None);
    }

    #[test]
    fn unusable_formats_are_refused() {
        assert!(DateFormat::parse("d.m.yy").unwrap_err().contains("yyyy"));
        assert!(DateFormat::parse("d.m").unwrap_err().contains("no yyyy"));
        assert!(DateFormat::parse("dd.MM.yyyy").is_err());
    }
}
