//! The periods statistics are published for, as one tree: all time, the calendar years of a window
//! (and "earlier" for what came before it), their quarters and their months. A period filter picks
//! one node, never an arbitrary range: two overlapping ranges would differ by a sliver that could be
//! a small group, while nodes of one tree differ only along its equations, which suppression sees.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The level of a period in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodLevel {
    Month,
    Quarter,
    Year,
    /// Everything before the window, as one node under "all".
    Earlier,
    All,
}

impl PeriodLevel {
    /// Steps from a month: secondary suppression prefers the finest cells.
    pub fn depth(self) -> u32 {
        match self {
            PeriodLevel::Month => 0,
            PeriodLevel::Quarter => 1,
            PeriodLevel::Year | PeriodLevel::Earlier => 2,
            PeriodLevel::All => 3,
        }
    }
}

/// The years `first_year..=last_year`, laid out as: all, earlier, then per year the year, its four
/// quarters and its twelve months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub first_year: i32,
    pub last_year: i32,
}

/// Nodes per year: the year, 4 quarters, 12 months.
const PER_YEAR: usize = 17;

impl Periods {
    /// The `years` calendar years up to the one `as_of` falls in.
    pub fn window(as_of: NaiveDate, years: u32) -> Periods {
        Periods {
            first_year: as_of.year() - years.max(1) as i32 + 1,
            last_year: as_of.year(),
        }
    }

    pub fn len(&self) -> usize {
        2 + self.years() * PER_YEAR
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    fn years(&self) -> usize {
        (self.last_year - self.first_year + 1).max(0) as usize
    }

    pub const ALL: usize = 0;
    pub const EARLIER: usize = 1;

    pub fn year(&self, year: i32) -> Option<usize> {
        (self.first_year..=self.last_year)
            .contains(&year)
            .then(|| 2 + (year - self.first_year) as usize * PER_YEAR)
    }

    /// The month node a date falls in, or [`Periods::EARLIER`] before the window; `None` after it.
    pub fn leaf(&self, date: NaiveDate) -> Option<usize> {
        if date.year() < self.first_year {
            return Some(Self::EARLIER);
        }
        self.year(date.year()).map(|y| y + 5 + date.month0() as usize)
    }

    pub fn level(&self, node: usize) -> PeriodLevel {
        match node {
            Self::ALL => PeriodLevel::All,
            Self::EARLIER => PeriodLevel::Earlier,
            _ => match (node - 2) % PER_YEAR {
                0 => PeriodLevel::Year,
                1..=4 => PeriodLevel::Quarter,
                _ => PeriodLevel::Month,
            },
        }
    }

    pub fn parent(&self, node: usize) -> Option<usize> {
        match node {
            Self::ALL => None,
            Self::EARLIER => Some(Self::ALL),
            _ => {
                let year = 2 + (node - 2) / PER_YEAR * PER_YEAR;
                match (node - 2) % PER_YEAR {
                    0 => Some(Self::ALL),
                    1..=4 => Some(year),
                    m => Some(year + 1 + (m - 5) / 3),
                }
            }
        }
    }

    pub fn children(&self, node: usize) -> Vec<usize> {
        match self.level(node) {
            PeriodLevel::All => {
                let mut c = vec![Self::EARLIER];
                c.extend((self.first_year..=self.last_year).filter_map(|y| self.year(y)));
                c
            }
            PeriodLevel::Year => (1..=4).map(|q| node + q).collect(),
            PeriodLevel::Quarter => {
                let year = node - ((node - 2) % PER_YEAR);
                let q = node - year - 1;
                (0..3).map(|m| year + 5 + q * 3 + m).collect()
            }
            PeriodLevel::Month | PeriodLevel::Earlier => Vec::new(),
        }
    }

    /// The node and every node above it.
    pub fn ancestry(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(node), |&n| self.parent(n))
    }

    /// `all`, `earlier`, `2025`, `2025-Q1` or `2025-01`.
    pub fn key(&self, node: usize) -> String {
        match node {
            Self::ALL => "all".into(),
            Self::EARLIER => "earlier".into(),
            _ => {
                let year = self.first_year + ((node - 2) / PER_YEAR) as i32;
                match (node - 2) % PER_YEAR {
                    0 => year.to_string(),
                    q @ 1..=4 => format!("{year}-Q{q}"),
                    m => format!("{year}-{:02}", m - 4),
                }
            }
        }
    }

    pub fn parse(&self, key: &str) -> Option<usize> {
        (0..self.len()).find(|&n| self.key(n) == key)
    }

    /// The first and last day of a period node (the window's ends for `all` and `earlier`).
    pub fn bounds(&self, node: usize) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let key = self.key(node);
        let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
        let last_of = |y: i32, m: u32| {
            (if m == 12 {
                first_of(y + 1, 1)
            } else {
                first_of(y, m + 1)
            })
            .and_then(|d| d.pred_opt())
        };
        match self.level(node) {
            PeriodLevel::All => (None, None),
            PeriodLevel::Earlier => (None, first_of(self.first_year, 1).and_then(|d| d.pred_opt())),
            PeriodLevel::Year => {
                let y: i32 = key.parse().unwrap_or(self.first_year);
                (first_of(y, 1), last_of(y, 12))
            }
            PeriodLevel::Quarter => {
                let y: i32 = key[..4].parse().unwrap_or(self.first_year);
                let q: u32 = key[6..].parse().unwrap_or(1);
                (first_of(y, q * 3 - 2), last_of(y, q * 3))
            }
            PeriodLevel::Month => {
                let y: i32 = key[..4].parse().unwrap_or(self.first_year);
                let m: u32 = key[5..].parse().unwrap_or(1);
                (first_of(y, m), last_of(y, m))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_date_climbs_month_quarter_year_all() {
        let p = Periods::window(date(2026, 11, 22), 3);
        assert_eq!((p.first_year, p.last_year), (2024, 2026));
        let leaf = p.leaf(date(2025, 8, 31)).unwrap();
        let keys: Vec<String> = p.ancestry(leaf).map(|n| p.key(n)).collect();
        assert_eq!(keys, ["2025-08", "2025-Q3", "2025", "all"]);
        assert_eq!(p.leaf(date(2019, 1, 1)), Some(Periods::EARLIER));
        assert_eq!(p.leaf(date(2027, 1, 1)), None);
        for node in 0..p.len() {
            assert_eq!(p.parse(&p.key(node)), Some(node));
            for child in p.children(node) {
                assert_eq!(p.parent(child), Some(node), "{}", p.key(child));
            }
        }
        let q3 = p.parse("2025-Q3").unwrap();
        assert_eq!(p.bounds(q3), (Some(date(2025, 7, 1)), Some(date(2025, 9, 30))));
        let feb = p.parse("2024-02").unwrap();
        assert_eq!(p.bounds(feb), (Some(date(2024, 2, 1)), Some(date(2024, 2, 29))));
    }
}
