//! Aggregation of customers' facts into the published figures: every indicator for every area of the
//! area tree and every period of the period tree, protected as one linked system per indicator.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::areas::{AreaLevel, AreaTree};
use super::facts::{AGE_BANDS, CustomerStatistics, SKILLS};
use super::periods::{PeriodLevel, Periods};
use super::suppression::LinkedCounts;
use crate::code_lists::{self, CodeListName};
use crate::deadlines::add_months;
use crate::process::common::ServiceType;
use crate::process::plan::MeasureStatus;

/// What the figures are made with.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The figures' date: "in force", "overdue" and "passed" are as of this day.
    pub as_of: NaiveDate,
    /// Counts in `1..threshold` are suppressed.
    pub threshold: u64,
    /// Calendar years with their own period nodes; earlier ones are one node, "earlier".
    pub years: u32,
    /// Native languages published by name: the most common nationally; the rest are `other`.
    pub top_languages: usize,
}

impl Options {
    pub fn new(as_of: NaiveDate, threshold: u64) -> Options {
        Options {
            as_of,
            threshold,
            years: 6,
            top_languages: 12,
        }
    }
}

/// One published figure; `value: None` is a suppressed one. Zero counts are not listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub indicator: &'static str,
    /// Index into [`AreaTree::areas`].
    pub area: u16,
    /// Node of [`Figures::periods`].
    pub period: u16,
    pub category: Arc<str>,
    pub value: Option<f64>,
}

/// Everything a refresh publishes.
#[derive(Debug, Clone)]
pub struct Figures {
    pub as_of: NaiveDate,
    pub threshold: u64,
    pub periods: Periods,
    pub customers: u64,
    pub figures: Vec<Figure>,
}

/// A table of counts over areas × periods × categories, with the equations between its categories.
struct CountCube {
    indicator: &'static str,
    keys: Vec<Arc<str>>,
    key_index: HashMap<String, usize>,
    /// How aggregated a category is: 0 for the finest, more for margins and the total.
    key_levels: Vec<u32>,
    key_equations: Vec<(usize, Vec<usize>)>,
    /// Whether the total (key 0) has month figures.
    monthly_total: bool,
    counts: Vec<u32>,
    /// Per breakdown (`target_group`, `type`, `first`, ...), each value's key: found without
    /// formatting a string per customer.
    by_value: HashMap<String, HashMap<String, usize>>,
    /// For a two-way table: its number of rows and columns (the interior follows the margins).
    two_way: Option<(usize, usize)>,
}

impl CountCube {
    fn new(indicator: &'static str, keys: Vec<(String, u32)>, key_equations: Vec<(usize, Vec<usize>)>) -> CountCube {
        let mut by_value: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for (i, (key, _)) in keys.iter().enumerate() {
            if let Some((name, value)) = key.split_once(':')
                && !key.contains('|')
            {
                by_value.entry(name.to_owned()).or_default().insert(value.to_owned(), i);
            }
        }
        CountCube {
            by_value,
            two_way: None,
            indicator,
            key_index: keys.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect(),
            key_levels: keys.iter().map(|(_, l)| *l).collect(),
            keys: keys.into_iter().map(|(k, _)| Arc::from(k.as_str())).collect(),
            key_equations,
            monthly_total: false,
            counts: Vec::new(),
        }
    }

    /// `total` and, per breakdown, one category per value: `total = Σ` for each breakdown.
    fn breakdowns(indicator: &'static str, breakdowns: &[(&str, Vec<String>)]) -> CountCube {
        let mut keys = vec![("total".to_owned(), 1)];
        let mut equations = Vec::new();
        for (name, values) in breakdowns {
            let first = keys.len();
            keys.extend(values.iter().map(|v| {
                (
                    if name.is_empty() {
                        v.clone()
                    } else {
                        format!("{name}:{v}")
                    },
                    0,
                )
            }));
            equations.push((0, (first..keys.len()).collect()));
        }
        CountCube::new(indicator, keys, equations)
    }

    /// A two-way table `rows` × `cols` with its margins.
    fn two_way(
        indicator: &'static str,
        (rname, rows): (&str, &[String]),
        (cname, cols): (&str, &[String]),
    ) -> CountCube {
        let mut keys = vec![("total".to_owned(), 2)];
        keys.extend(rows.iter().map(|r| (format!("{rname}:{r}"), 1)));
        keys.extend(cols.iter().map(|c| (format!("{cname}:{c}"), 1)));
        let interior = keys.len();
        for r in rows {
            keys.extend(cols.iter().map(|c| (format!("{rname}:{r}|{cname}:{c}"), 0)));
        }
        let (nr, nc) = (rows.len(), cols.len());
        let row_key = |i: usize| 1 + i;
        let col_key = |j: usize| 1 + nr + j;
        let cell_key = |i: usize, j: usize| interior + i * nc + j;
        let mut equations = vec![
            ((0), (0..nr).map(row_key).collect()),
            (0, (0..nc).map(col_key).collect()),
        ];
        for i in 0..nr {
            equations.push((row_key(i), (0..nc).map(|j| cell_key(i, j)).collect()));
        }
        for j in 0..nc {
            equations.push((col_key(j), (0..nr).map(|i| cell_key(i, j)).collect()));
        }
        let mut cube = CountCube::new(indicator, keys, equations);
        cube.two_way = Some((nr, nc));
        cube
    }

    /// The keys of row value `row` and column value `col` of a two-way table, and of their cell.
    fn cell(&self, row_name: &str, row: &str, col_name: &str, col: &str) -> Option<[usize; 3]> {
        let (nr, nc) = self.two_way?;
        let r = *self.by_value.get(row_name)?.get(row)?;
        let c = *self.by_value.get(col_name)?.get(col)?;
        Some([r, c, 1 + nr + nc + (r - 1) * nc + (c - 1 - nr)])
    }

    fn key(&self, key: &str) -> usize {
        self.key_index[key]
    }

    /// The key for `value` in breakdown `name`, `unknown` when missing or not a known value.
    fn value_key(&self, name: &str, value: Option<&str>) -> usize {
        let values = &self.by_value[name];
        value
            .and_then(|v| values.get(v))
            .copied()
            .unwrap_or_else(|| values["unknown"])
    }
}

/// Collects facts, then makes the figures.
pub struct Aggregator {
    options: Options,
    periods: Periods,
    areas: usize,
    cubes: Vec<CountCube>,
    /// Civic orientation hours per area × period, beside the civic orientation counts.
    civic_hours: Vec<u64>,
    /// Day counts per area × period for the two median indicators.
    medians: [Vec<Vec<u16>>; 2],
    customers: u64,
}

const CUSTOMERS: usize = 0;
const TIMELINESS: usize = 1;
const PLANS: usize = 2;
const SERVICES: usize = 3;
const DIRECTED: usize = 4;
const CIVIC: usize = 5;
const LANGUAGE: usize = 6;
const END_REASONS: usize = LANGUAGE + SKILLS.len();
const MEDIANS: [&str; 2] = ["days_to_assessment", "days_assessment_to_plan"];

fn codes(list: CodeListName) -> Vec<String> {
    code_lists::list(list).entries.iter().map(|e| e.code.clone()).collect()
}

fn with_unknown(mut values: Vec<String>) -> Vec<String> {
    values.push("unknown".into());
    values
}

impl Aggregator {
    pub fn new(options: Options) -> Aggregator {
        let periods = Periods::window(options.as_of, options.years);
        let areas = AreaTree::get().len();
        let strings = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        let mut customers = CountCube::breakdowns(
            "customers",
            &[
                ("target_group", with_unknown(codes(CodeListName::TargetGroups))),
                ("residence_basis", with_unknown(codes(CodeListName::ResidenceBases))),
                ("age_band", strings(&AGE_BANDS)),
                ("sex", strings(&["male", "female", "unknown"])),
                ("native_language", with_unknown(codes(CodeListName::Languages))),
            ],
        );
        customers.monthly_total = true;
        let levels = codes(CodeListName::CefrLevels);
        let service_types: Vec<String> = ServiceType::ALL.iter().map(|s| s.as_str().to_owned()).collect();
        let statuses: Vec<String> = [
            MeasureStatus::Planned,
            MeasureStatus::Referred,
            MeasureStatus::Started,
            MeasureStatus::Interrupted,
            MeasureStatus::Completed,
            MeasureStatus::Cancelled,
        ]
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
        let mut cubes = vec![
            customers,
            CountCube::breakdowns("assessment_timeliness", &[("", strings(&["on_time", "late"]))]),
            CountCube::breakdowns(
                "plans_in_force",
                &[("", strings(&["review_on_time", "review_overdue"]))],
            ),
            CountCube::two_way("services", ("type", &service_types), ("status", &statuses)),
            CountCube::breakdowns("directed_within_6_months", &[("", strings(&["within", "not_within"]))]),
            CountCube::breakdowns("civic_orientation", &[]),
        ];
        for skill in [
            "language_listening",
            "language_speaking",
            "language_reading",
            "language_writing",
        ] {
            cubes.push(CountCube::two_way(skill, ("first", &levels), ("latest", &levels)));
        }
        cubes.push(CountCube::breakdowns(
            "end_reasons",
            &[("reason", with_unknown(codes(CodeListName::CustomershipEndReasons)))],
        ));
        debug_assert_eq!(cubes.len(), END_REASONS + 1);
        for cube in &mut cubes {
            cube.counts = vec![0; areas * periods.len() * cube.keys.len()];
        }
        Aggregator {
            options,
            periods,
            areas,
            cubes,
            civic_hours: vec![0; areas * periods.len()],
            medians: [
                vec![Vec::new(); areas * periods.len()],
                vec![Vec::new(); areas * periods.len()],
            ],
            customers: 0,
        }
    }

    pub fn periods(&self) -> Periods {
        self.periods
    }

    /// Counts one customer into every figure they belong to.
    pub fn add(&mut self, facts: &CustomerStatistics) {
        let tree = AreaTree::get();
        let Some(area) = tree.municipality(&facts.municipality_code) else {
            return;
        };
        let as_of = self.options.as_of;
        if facts.customership_start > as_of {
            return;
        }
        self.customers += 1;
        let start = facts.customership_start;
        let c = &self.cubes[CUSTOMERS];
        let keys = [
            0,
            c.value_key("target_group", facts.target_group.as_deref()),
            c.value_key("residence_basis", facts.residence_basis.as_deref()),
            c.value_key("age_band", Some(&facts.age_band)),
            c.value_key("sex", Some(&facts.sex)),
            c.value_key("native_language", facts.native_language.as_deref()),
        ];
        self.count(CUSTOMERS, area, start, &keys, 1);

        if let Some(due) = facts.assessment_due_on {
            let started = facts.assessment_started_on.filter(|s| *s <= as_of);
            if started.is_some() || due < as_of {
                let on_time = started.is_some_and(|s| s <= due);
                let key = self.cubes[TIMELINESS].key(if on_time { "on_time" } else { "late" });
                self.count(TIMELINESS, area, start, &[0, key], 1);
            }
        }

        let continues = facts.customership_end.is_none_or(|end| end > as_of);
        if continues
            && let Some(plan) = facts
                .plans
                .iter()
                .filter(|p| p.starts_on <= as_of && as_of <= p.ends_on)
                .max_by_key(|p| p.starts_on)
        {
            let overdue = plan.review_due_on < as_of;
            let key = self.cubes[PLANS].key(if overdue { "review_overdue" } else { "review_on_time" });
            self.count(PLANS, area, start, &[0, key], 1);
        }

        for (service, status) in &facts.services {
            let cube = &self.cubes[SERVICES];
            if let Some([t, s, cell]) = cube.cell("type", service.as_str(), "status", status.as_str()) {
                self.count(SERVICES, area, start, &[0, t, s, cell], 1);
            }
        }

        if let Some(first_plan) = facts.first_plan_on.filter(|p| *p <= as_of)
            && let Some(deadline) = add_months(first_plan, 6)
        {
            let within = facts.directed_on.is_some_and(|d| d <= deadline && d <= as_of);
            if within || deadline < as_of {
                let key = self.cubes[DIRECTED].key(if within { "within" } else { "not_within" });
                self.count(DIRECTED, area, start, &[0, key], 1);
            }
        }

        if let Some(hours) = facts.civic_orientation_hours {
            self.count(CIVIC, area, start, &[0], 1);
            if let Some(leaf) = self.periods.leaf(start) {
                for a in tree.ancestry(area) {
                    let finest = finest_period(tree.areas[a].level).max(PeriodLevel::Quarter);
                    for p in self.periods.ancestry(leaf).filter(|&p| self.periods.level(p) >= finest) {
                        self.civic_hours[a * self.periods.len() + p] += u64::from(hours);
                    }
                }
            }
        }

        for (skill, progress) in facts.language_progress.iter().enumerate() {
            if let Some((first, latest)) = progress
                && let Some([f, l, pair]) = self.cubes[LANGUAGE + skill].cell("first", first, "latest", latest)
            {
                self.count(LANGUAGE + skill, area, start, &[0, f, l, pair], 1);
            }
        }

        if let Some(end) = facts.customership_end.filter(|e| *e <= as_of) {
            let key = self.cubes[END_REASONS].value_key("reason", facts.end_reason.as_deref());
            self.count(END_REASONS, area, end, &[0, key], 1);
        }

        let days = |from: NaiveDate, to: NaiveDate| (to - from).num_days().clamp(0, i64::from(u16::MAX)) as u16;
        let to_assessment = facts
            .assessment_started_on
            .filter(|s| *s <= as_of)
            .map(|s| days(start, s));
        let assessment_to_plan = match (facts.assessment_started_on, facts.first_plan_on) {
            (Some(a), Some(p)) if p <= as_of => Some(days(a, p)),
            _ => None,
        };
        if let Some(leaf) = self.periods.leaf(start) {
            for (i, value) in [to_assessment, assessment_to_plan].into_iter().enumerate() {
                let Some(value) = value else { continue };
                for a in tree.ancestry(area) {
                    let finest = finest_period(tree.areas[a].level).max(PeriodLevel::Quarter);
                    for p in self.periods.ancestry(leaf).filter(|&p| self.periods.level(p) >= finest) {
                        self.medians[i][a * self.periods.len() + p].push(value);
                    }
                }
            }
        }
    }

    /// Adds `weight` to `keys` of cube `cube` in the customer's municipality on `date`, and to every
    /// area and period above them.
    fn count(&mut self, cube: usize, area: usize, date: NaiveDate, keys: &[usize], weight: u32) {
        let Some(leaf) = self.periods.leaf(date) else {
            return;
        };
        let tree = AreaTree::get();
        let periods = self.periods;
        let cube = &mut self.cubes[cube];
        let (np, nk) = (periods.len(), cube.keys.len());
        for a in tree.ancestry(area) {
            let finest = finest_period(tree.areas[a].level);
            for p in periods.ancestry(leaf) {
                let level = periods.level(p);
                if level < finest {
                    continue;
                }
                let month = level == PeriodLevel::Month;
                for &k in keys {
                    if month && !(cube.monthly_total && k == 0) {
                        continue;
                    }
                    cube.counts[(a * np + p) * nk + k] += weight;
                }
            }
        }
    }

    /// The protected figures.
    pub fn finish(mut self) -> Figures {
        fold_rare_languages(
            &mut self.cubes[CUSTOMERS],
            self.periods.len(),
            self.options.top_languages,
        );
        let mut figures = Vec::new();
        let np = self.periods.len();
        let mut civic_hidden = vec![true; self.areas * np];
        for (i, cube) in self.cubes.iter().enumerate() {
            let published = protect(cube, self.areas, &self.periods, self.options.threshold);
            for &(a, p, k, value) in &published {
                if i == CIVIC && k == 0 {
                    civic_hidden[a * np + p] = value.is_none();
                }
                figures.push(Figure {
                    indicator: cube.indicator,
                    area: a as u16,
                    period: p as u16,
                    category: cube.keys[k].clone(),
                    value,
                });
            }
        }
        let cube = &self.cubes[CIVIC];
        let (hours, mean): (Arc<str>, Arc<str>) = (Arc::from("hours"), Arc::from("mean_hours"));
        for a in 0..self.areas {
            for p in 0..np {
                let count = cube.counts[(a * np + p) * cube.keys.len()];
                if count == 0 {
                    continue;
                }
                let sum = self.civic_hours[a * np + p] as f64;
                let hidden = civic_hidden[a * np + p];
                for (category, value) in [(&hours, sum), (&mean, sum / f64::from(count))] {
                    figures.push(Figure {
                        indicator: cube.indicator,
                        area: a as u16,
                        period: p as u16,
                        category: category.clone(),
                        value: (!hidden).then_some(value),
                    });
                }
            }
        }
        let median: Arc<str> = Arc::from("median");
        for (i, values) in self.medians.iter_mut().enumerate() {
            for (cell, days) in values.iter_mut().enumerate() {
                if days.is_empty() {
                    continue;
                }
                let value = (days.len() as u64 >= self.options.threshold).then(|| median_of(days));
                figures.push(Figure {
                    indicator: MEDIANS[i],
                    area: (cell / np) as u16,
                    period: (cell % np) as u16,
                    category: median.clone(),
                    value,
                });
            }
        }
        Figures {
            as_of: self.options.as_of,
            threshold: self.options.threshold,
            periods: self.periods,
            customers: self.customers,
            figures,
        }
    }
}

/// The finest period an area has figures for. A municipality's figures are by year: by quarter
/// most of them would be small counts, and every one suppressed draws more suppression around it.
/// Months are published for the nation and the regional centres, and only for the total.
pub fn finest_period(level: AreaLevel) -> PeriodLevel {
    match level {
        AreaLevel::Municipality => PeriodLevel::Year,
        AreaLevel::WellbeingCounty | AreaLevel::Region => PeriodLevel::Quarter,
        AreaLevel::RegionalCentre | AreaLevel::Nation => PeriodLevel::Month,
    }
}

fn median_of(days: &mut [u16]) -> f64 {
    let n = days.len();
    let (_, upper, _) = days.select_nth_unstable(n / 2);
    let upper = f64::from(*upper);
    if n % 2 == 1 {
        upper
    } else {
        let lower = days[..n / 2].iter().max().copied().map_or(upper, f64::from);
        (lower + upper) / 2.0
    }
}

/// Keeps the `top` most common native languages nationally and adds the others' counts to a new
/// category `native_language:other`.
fn fold_rare_languages(cube: &mut CountCube, periods: usize, top: usize) {
    let language_keys: Vec<usize> = (0..cube.keys.len())
        .filter(|&k| cube.keys[k].starts_with("native_language:") && &*cube.keys[k] != "native_language:unknown")
        .collect();
    let nk = cube.keys.len();
    // The nation is area 0; all time is period 0.
    let national = |k: usize| cube.counts[k];
    let mut ranked = language_keys.clone();
    ranked.sort_by_key(|&k| (std::cmp::Reverse(national(k)), k));
    let keep: Vec<usize> = ranked.into_iter().take(top).filter(|&k| national(k) > 0).collect();
    let folded: Vec<usize> = language_keys.iter().copied().filter(|k| !keep.contains(k)).collect();
    // New key layout: every key but the folded ones, then `other`.
    let kept_keys: Vec<usize> = (0..nk).filter(|k| !folded.contains(k)).collect();
    let mut new_index = vec![usize::MAX; nk];
    for (new, &old) in kept_keys.iter().enumerate() {
        new_index[old] = new;
    }
    let other = kept_keys.len();
    let new_nk = other + 1;
    let cells = cube.counts.len() / nk;
    let mut counts = vec![0u32; cells * new_nk];
    for (cell, values) in cube.counts.chunks(nk).enumerate() {
        for (&value, &new) in values.iter().zip(&new_index) {
            let new = if new == usize::MAX { other } else { new };
            counts[cell * new_nk + new] += value;
        }
    }
    debug_assert_eq!(cells % periods, 0);
    let mut keys: Vec<Arc<str>> = kept_keys.iter().map(|&k| cube.keys[k].clone()).collect();
    keys.push(Arc::from("native_language:other"));
    let mut key_levels: Vec<u32> = kept_keys.iter().map(|&k| cube.key_levels[k]).collect();
    key_levels.push(0);
    let key_equations = cube
        .key_equations
        .iter()
        .map(|(total, parts)| {
            let mut new_parts: Vec<usize> = parts
                .iter()
                .filter(|&&p| new_index[p] != usize::MAX)
                .map(|&p| new_index[p])
                .collect();
            if parts.iter().any(|p| folded.contains(p)) {
                new_parts.push(other);
            }
            (new_index[*total], new_parts)
        })
        .collect();
    cube.key_index = keys.iter().enumerate().map(|(i, k)| (k.to_string(), i)).collect();
    cube.keys = keys;
    cube.key_levels = key_levels;
    cube.key_equations = key_equations;
    cube.counts = counts;
}

/// Protects one cube as a linked system (areas, periods and categories) and lists its non-zero
/// cells as (area, period, category, published value).
fn protect(
    cube: &CountCube,
    areas: usize,
    periods: &Periods,
    threshold: u64,
) -> Vec<(usize, usize, usize, Option<f64>)> {
    let tree = AreaTree::get();
    let (np, nk) = (periods.len(), cube.keys.len());
    let at = |a: usize, p: usize, k: usize| (a * np + p) * nk + k;
    let mut system = LinkedCounts::new();
    let mut cell = vec![u32::MAX; cube.counts.len()];
    let mut listed = Vec::new();
    for a in 0..areas {
        for p in 0..np {
            for k in 0..nk {
                let value = cube.counts[at(a, p, k)];
                if value > 0 {
                    let level = tree.areas[a].level.depth() + periods.level(p).depth() + cube.key_levels[k];
                    cell[at(a, p, k)] = system.add_cell(u64::from(value), level) as u32;
                    listed.push((a, p, k));
                }
            }
        }
    }
    let period_children: Vec<Vec<usize>> = (0..np).map(|p| periods.children(p)).collect();
    for &(a, p, k) in &listed {
        let total = cell[at(a, p, k)] as usize;
        let parts = |cells: &mut dyn Iterator<Item = usize>| -> Vec<usize> {
            cells
                .filter(|&c| cell[c] != u32::MAX)
                .map(|c| cell[c] as usize)
                .collect()
        };
        let children = &tree.areas[a].children;
        if !children.is_empty()
            && children
                .iter()
                .all(|&c| periods.level(p) >= finest_period(tree.areas[c].level))
        {
            system.add_equation(total, parts(&mut children.iter().map(|&c| at(c, p, k))));
        }
        // Only where the area has figures for the finer periods.
        let finer = period_children[p].first().map(|&c| periods.level(c));
        let published = finer.is_some_and(|level| {
            level >= finest_period(tree.areas[a].level)
                && (level != PeriodLevel::Month || (cube.monthly_total && k == 0))
        });
        if published {
            system.add_equation(total, parts(&mut period_children[p].iter().map(|&c| at(a, c, k))));
        }
        // Months have the total only: no breakdown to sum.
        let month = periods.level(p) == PeriodLevel::Month;
        for (key_total, key_parts) in &cube.key_equations {
            if *key_total == k && !month {
                system.add_equation(total, parts(&mut key_parts.iter().map(|&c| at(a, p, c))));
            }
        }
    }
    let hidden = system.protect(threshold);
    listed
        .iter()
        .map(|&(a, p, k)| {
            let c = cell[at(a, p, k)] as usize;
            (a, p, k, (!hidden[c]).then(|| system.value(c) as f64))
        })
        .collect()
}

#[cfg(test)]
mod tests;
