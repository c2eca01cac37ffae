//! The areas statistics are published for, as one tree: the nation, the 10 regional state centres
//! (elinvoimakeskus), the 19 regions (maakunta), the wellbeing services counties (hyvinvointialue)
//! and the municipalities. Every county lies within one region and every region within one regional
//! centre, so each municipality has exactly one path to the root; that nesting is what lets one
//! suppression pattern hold across all levels at once.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use crate::code_lists::{self, CodeListName, Localized};

/// The level of an area in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Municipality,
    WellbeingCounty,
    Region,
    RegionalCentre,
    Nation,
}

impl AreaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::Municipality => "municipality",
            AreaLevel::WellbeingCounty => "wellbeing_county",
            AreaLevel::Region => "region",
            AreaLevel::RegionalCentre => "regional_centre",
            AreaLevel::Nation => "nation",
        }
    }

    /// Steps from a municipality: secondary suppression prefers the finest cells.
    pub fn depth(self) -> u32 {
        self as u32
    }
}

/// One area: `nation`, `rc-7`, `r-14`, `wc-16` or `m-005` as its key.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub key: String,
    pub level: AreaLevel,
    /// The code within its level (municipality code, county code, centre code; `FI`).
    pub code: String,
    pub name: Localized,
    #[serde(skip)]
    pub parent: Option<usize>,
    #[serde(skip)]
    pub children: Vec<usize>,
}

/// Every area, parents before children (the nation first).
#[derive(Debug)]
pub struct AreaTree {
    pub areas: Vec<Area>,
    by_key: HashMap<String, usize>,
    by_municipality: HashMap<String, usize>,
}

static TREE: LazyLock<AreaTree> = LazyLock::new(AreaTree::build);

impl AreaTree {
    pub fn get() -> &'static AreaTree {
        &TREE
    }

    fn build() -> AreaTree {
        let mut tree = AreaTree {
            areas: Vec::new(),
            by_key: HashMap::new(),
            by_municipality: HashMap::new(),
        };
        let nation = tree.add(
            "nation".into(),
            AreaLevel::Nation,
            "FI",
            Localized {
                fi: "Koko maa".into(),
                sv: "Hela landet".into(),
                en: "Whole country".into(),
            },
            None,
        );
        let mut municipalities: Vec<_> = code_lists::municipalities().collect();
        municipalities.sort_by(|a, b| a.code.cmp(&b.code));
        for m in municipalities {
            let area_name = |attribute: &str| -> Localized {
                let entry = code_lists::entry(CodeListName::Municipalities, &m.code);
                let text = |lang: &str| {
                    entry
                        .and_then(|e| e.attributes.get(attribute))
                        .and_then(|a| a.get(lang))
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                Localized {
                    fi: text("fi"),
                    sv: text("sv"),
                    en: text("en"),
                }
            };
            let centre_key = format!("rc-{}", m.regional_centre_code);
            let centre = match tree.by_key.get(&centre_key) {
                Some(&i) => i,
                None => tree.add(
                    centre_key,
                    AreaLevel::RegionalCentre,
                    &m.regional_centre_code,
                    area_name("regional_centre"),
                    Some(nation),
                ),
            };
            let region_key = format!("r-{}", m.region_code);
            let region = match tree.by_key.get(&region_key) {
                Some(&i) => i,
                None => tree.add(
                    region_key,
                    AreaLevel::Region,
                    &m.region_code,
                    area_name("region"),
                    Some(centre),
                ),
            };
            assert_eq!(
                tree.areas[region].parent,
                Some(centre),
                "region {} lies in more than one regional centre",
                m.region_code
            );
            let county_key = format!("wc-{}", m.wellbeing_county_code);
            let county = match tree.by_key.get(&county_key) {
                Some(&i) => i,
                None => tree.add(
                    county_key,
                    AreaLevel::WellbeingCounty,
                    &m.wellbeing_county_code,
                    area_name("wellbeing_county"),
                    Some(region),
                ),
            };
            assert_eq!(
                tree.areas[county].parent,
                Some(region),
                "county {} lies in more than one region",
                m.wellbeing_county_code
            );
            let index = tree.add(
                format!("m-{}", m.code),
                AreaLevel::Municipality,
                &m.code,
                m.name.clone(),
                Some(county),
            );
            tree.by_municipality.insert(m.code.clone(), index);
        }
        tree
    }

    fn add(&mut self, key: String, level: AreaLevel, code: &str, name: Localized, parent: Option<usize>) -> usize {
        let index = self.areas.len();
        self.by_key.insert(key.clone(), index);
        self.areas.push(Area {
            key,
            level,
            code: code.to_owned(),
            name,
            parent,
            children: Vec::new(),
        });
        if let Some(p) = parent {
            self.areas[p].children.push(index);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    pub fn index(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    pub fn area(&self, key: &str) -> Option<&Area> {
        self.index(key).map(|i| &self.areas[i])
    }

    pub fn municipality(&self, code: &str) -> Option<usize> {
        self.by_municipality.get(code).copied()
    }

    /// The area and every area above it.
    pub fn ancestry(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(index), |&i| self.areas[i].parent)
    }

    /// The area's key for a wellbeing county or regional centre code.
    pub fn county_key(code: &str) -> String {
        format!("wc-{code}")
    }

    pub fn regional_centre_key(code: &str) -> String {
        format!("rc-{code}")
    }

    pub fn municipality_key(code: &str) -> String {
        format!("m-{code}")
    }

    /// Whether `inner` lies within `outer` (or is it).
    pub fn contains(&self, outer: usize, inner: usize) -> bool {
        self.ancestry(inner).any(|a| a == outer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_municipality_has_one_path_to_the_nation() {
        let tree = AreaTree::get();
        let count = |level| tree.areas.iter().filter(|a| a.level == level).count();
        assert_eq!(count(AreaLevel::Nation), 1);
        assert_eq!(count(AreaLevel::RegionalCentre), 10);
        assert_eq!(count(AreaLevel::Region), 19);
        assert_eq!(count(AreaLevel::WellbeingCounty), 23);
        assert_eq!(count(AreaLevel::Municipality), 308);
        let helsinki = tree.municipality("091").unwrap();
        let path: Vec<&str> = tree.ancestry(helsinki).map(|a| tree.areas[a].key.as_str()).collect();
        assert_eq!(path, ["m-091", "wc-90", "r-01", "rc-1", "nation"]);
        assert_eq!(tree.areas[tree.index("wc-90").unwrap()].name.fi, "Helsingin kaupunki");
    }
}
