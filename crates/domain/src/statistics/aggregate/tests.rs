//! The figures are checked against an independent formulation of what an attacker knows: every
//! figure Kotopolku publishes (each area, period and category, zeros included) is the sum of the
//! unknown counts of the finest cells below it (municipality × quarter × finest category), and a
//! suppressed figure is recovered exactly when its sum lies in the span of the published sums
//! (a rank computation in floating point, no equations of the suppression module involved).

use proptest::prelude::*;

use super::*;
use crate::statistics::facts::PlanPeriod;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const AS_OF: (i32, u32, u32) = (2026, 11, 22);

fn options() -> Options {
    Options {
        years: 2,
        ..Options::new(date(AS_OF.0, AS_OF.1, AS_OF.2), 5)
    }
}

/// A customer in `municipality` who started on `start`, assessed on time or late, and whose
/// customership ended for `end_reason`, if given.
fn customer(municipality: &str, start: NaiveDate, on_time: bool, end_reason: Option<&str>) -> CustomerStatistics {
    let due = add_months(start, 2).unwrap();
    CustomerStatistics {
        municipality_code: municipality.into(),
        customership_start: start,
        customership_end: end_reason.map(|_| start + chrono::Days::new(30)),
        end_reason: end_reason.map(Into::into),
        target_group: None,
        residence_basis: None,
        sex: "female".into(),
        age_band: AGE_BANDS[1].into(),
        native_language: None,
        assessment_due_on: Some(due),
        assessment_started_on: Some(if on_time { due } else { due + chrono::Days::new(1) }),
        first_plan_on: None,
        directed_on: None,
        plans: Vec::<PlanPeriod>::new(),
        civic_orientation_hours: None,
        language_progress: Vec::new(),
        services: Vec::new(),
    }
}

fn figures_of(facts: &[CustomerStatistics]) -> Figures {
    let mut aggregator = Aggregator::new(options());
    for f in facts {
        aggregator.add(f);
    }
    aggregator.finish()
}

/// The published value of a figure: `Some(None)` suppressed, `None` not listed (a zero).
fn lookup(figures: &Figures, indicator: &str, area: &str, period: &str, category: &str) -> Option<Option<f64>> {
    let tree = AreaTree::get();
    let area = tree.index(area).unwrap() as u16;
    let period = figures.periods.parse(period).unwrap() as u16;
    figures
        .figures
        .iter()
        .find(|f| f.indicator == indicator && f.area == area && f.period == period && &*f.category == category)
        .map(|f| f.value)
}

/// The suppressed figures of `indicator` that the published ones determine, as (area, period,
/// category) keys. `leaf_keys` are the finest categories and `key_members` tells, per category,
/// which of them it sums.
fn recoverable(
    figures: &Figures,
    indicator: &str,
    leaf_keys: &[&str],
    key_members: &dyn Fn(&str) -> Vec<usize>,
) -> Vec<String> {
    let tree = AreaTree::get();
    let periods = figures.periods;
    let listed: Vec<&Figure> = figures.figures.iter().filter(|f| f.indicator == indicator).collect();
    // The finest cells: the municipalities of every county with a figure, by quarter or "earlier".
    let counties: std::collections::BTreeSet<usize> = listed
        .iter()
        .filter(|f| tree.areas[f.area as usize].level == AreaLevel::WellbeingCounty)
        .map(|f| f.area as usize)
        .collect();
    let municipalities: Vec<usize> = counties.iter().flat_map(|&c| tree.areas[c].children.clone()).collect();
    let leaf_periods: Vec<usize> = (0..periods.len())
        .filter(|&p| matches!(periods.level(p), PeriodLevel::Quarter | PeriodLevel::Earlier))
        .collect();
    let unknowns = municipalities.len() * leaf_periods.len() * leaf_keys.len();
    let column = |m: usize, q: usize, k: usize| (m * leaf_periods.len() + q) * leaf_keys.len() + k;
    // Every figure that could be published in those areas: the counties, their centres, the nation.
    let mut areas: Vec<usize> = municipalities.clone();
    areas.extend(counties.iter().copied());
    let mut above: Vec<usize> = counties.iter().flat_map(|&c| tree.ancestry(c).skip(1)).collect();
    above.sort_unstable();
    above.dedup();
    areas.extend(above);
    let categories: Vec<Arc<str>> = {
        let mut c: Vec<Arc<str>> = listed.iter().map(|f| f.category.clone()).collect();
        c.extend(leaf_keys.iter().map(|k| Arc::from(*k)));
        c.push(Arc::from("total"));
        c.sort();
        c.dedup();
        c
    };
    let mut published = Vec::new();
    let mut suppressed = Vec::new();
    for &a in &areas {
        for p in 0..periods.len() {
            let level = periods.level(p);
            if level < finest_period(tree.areas[a].level) || level == PeriodLevel::Month {
                continue;
            }
            for category in &categories {
                let mut row = vec![0.0; unknowns];
                for (mi, &m) in municipalities.iter().enumerate() {
                    if !tree.contains(a, m) {
                        continue;
                    }
                    for (qi, &q) in leaf_periods.iter().enumerate() {
                        if !periods.ancestry(q).any(|x| x == p) {
                            continue;
                        }
                        for k in key_members(category) {
                            row[column(mi, qi, k)] = 1.0;
                        }
                    }
                }
                let figure = listed
                    .iter()
                    .find(|f| f.area as usize == a && f.period as usize == p && f.category == *category);
                match figure.map(|f| f.value) {
                    Some(None) => {
                        suppressed.push((format!("{} {} {category}", tree.areas[a].key, periods.key(p)), row))
                    }
                    _ => published.push(row),
                }
            }
        }
    }
    let basis = echelon(published);
    suppressed
        .into_iter()
        .filter(|(_, row)| in_span(&basis, row.clone()))
        .map(|(key, _)| key)
        .collect()
}

/// The rows reduced to echelon form (each with its pivot column, scaled to 1 there).
fn echelon(rows: Vec<Vec<f64>>) -> Vec<(usize, Vec<f64>)> {
    let mut basis: Vec<(usize, Vec<f64>)> = Vec::new();
    for row in rows {
        let reduced = reduce(&basis, row);
        if let Some(pivot) = reduced.iter().position(|v| v.abs() > 1e-9) {
            let scale = reduced[pivot];
            basis.push((pivot, reduced.iter().map(|v| v / scale).collect()));
        }
    }
    basis
}

fn reduce(basis: &[(usize, Vec<f64>)], mut row: Vec<f64>) -> Vec<f64> {
    // Each basis row is zero at the pivots of the rows before it, so one pass in order suffices.
    for (pivot, b) in basis {
        let factor = row[*pivot];
        if factor.abs() > 1e-9 {
            for (r, v) in row.iter_mut().zip(b) {
                *r -= factor * v;
            }
        }
    }
    row
}

fn in_span(basis: &[(usize, Vec<f64>)], row: Vec<f64>) -> bool {
    reduce(basis, row).iter().all(|v| v.abs() < 1e-6)
}

const TIMELINESS_KEYS: [&str; 2] = ["on_time", "late"];

fn timeliness_members(category: &str) -> Vec<usize> {
    match category {
        "total" => vec![0, 1],
        other => TIMELINESS_KEYS.iter().position(|k| *k == other).into_iter().collect(),
    }
}

#[test]
fn a_small_group_is_hidden_in_its_municipality_and_in_every_difference_that_would_give_it_away() {
    // Vantaa and Kerava form one wellbeing county; Helsinki is a county of its own.
    let mut facts = Vec::new();
    for i in 0..40 {
        facts.push(customer("092", date(2025, 3, 1 + i % 28), true, None));
    }
    for i in 0..3 {
        facts.push(customer("245", date(2025, 8, 1 + i), false, None));
    }
    for i in 0..30 {
        facts.push(customer("091", date(2025, 5, 1 + i % 28), i % 3 == 0, None));
    }
    let figures = figures_of(&facts);
    let get =
        |area: &str, period: &str, category: &str| lookup(&figures, "assessment_timeliness", area, period, category);
    // Kerava's three late assessments: suppressed.
    assert_eq!(get("m-245", "2025", "late"), Some(None));
    // The county and Vantaa would differ by exactly them: not both published.
    let county = AreaTree::county_key("04");
    assert!(
        get(&county, "2025", "late") == Some(None) || get("m-092", "2025", "late") == Some(None),
        "{county} minus Vantaa gives Kerava"
    );
    // Published figures are the true ones.
    // Vantaa's 40 on time may go too: the county's on-time count is Vantaa's alone, and the
    // county's late count (Kerava's 3) is its total minus it. The national total stays.
    assert_eq!(get("nation", "all", "total"), Some(Some(73.0)));
    assert_eq!(
        recoverable(&figures, "assessment_timeliness", &TIMELINESS_KEYS, &timeliness_members),
        Vec::<String>::new()
    );
}

#[test]
fn the_independent_check_catches_a_difference_that_primary_suppression_alone_leaves() {
    let mut facts: Vec<CustomerStatistics> = (0..40)
        .map(|i| customer("092", date(2025, 3, 1 + i % 28), true, None))
        .collect();
    facts.extend((0..3).map(|i| customer("245", date(2025, 8, 1 + i), false, None)));
    let mut figures = figures_of(&facts);
    // Publish everything but the primary cells: the county's late count gives Kerava's away.
    for f in &mut figures.figures {
        if f.value.is_none()
            && &*f.category == "late"
            && f.area as usize != AreaTree::get().municipality("245").unwrap()
        {
            f.value = Some(3.0);
        }
    }
    assert!(!recoverable(&figures, "assessment_timeliness", &TIMELINESS_KEYS, &timeliness_members).is_empty());
}

const END_KEYS: [&str; 7] = [
    "reason:moved_away",
    "reason:integration_period_over",
    "reason:employed",
    "reason:in_education",
    "reason:deceased",
    "reason:other",
    "reason:unknown",
];

fn end_members(category: &str) -> Vec<usize> {
    match category {
        "total" => (0..END_KEYS.len()).collect(),
        other => END_KEYS.iter().position(|k| *k == other).into_iter().collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random small populations in three municipalities of two counties: every count under the
    /// threshold is suppressed, and no suppressed figure of any area, period or category can be
    /// recovered from everything published, including differences of overlapping queries (a county
    /// and its municipality, a year and its quarter, all time and a year).
    #[test]
    fn no_suppressed_figure_can_be_recovered_from_all_published_figures(
        people in proptest::collection::vec(
            (0usize..3, 0u32..700, any::<bool>(), proptest::option::of(0usize..6)),
            1..60,
        ),
    ) {
        let municipalities = ["091", "092", "245"];
        let first = date(2024, 1, 1);
        let facts: Vec<CustomerStatistics> = people
            .iter()
            .map(|&(m, day, on_time, end)| {
                let reason = end.map(|e| END_KEYS[e].trim_start_matches("reason:"));
                customer(municipalities[m], first + chrono::Days::new(u64::from(day)), on_time, reason)
            })
            .collect();
        let figures = figures_of(&facts);
        for f in &figures.figures {
            if let Some(v) = f.value && f.indicator != "days_to_assessment" && f.indicator != "days_assessment_to_plan" {
                prop_assert!(v == 0.0 || v >= 5.0, "{} {} published as {}", f.indicator, f.category, v);
            }
        }
        prop_assert_eq!(recoverable(&figures, "assessment_timeliness", &TIMELINESS_KEYS, &timeliness_members), Vec::<String>::new());
        prop_assert_eq!(recoverable(&figures, "end_reasons", &END_KEYS, &end_members), Vec::<String>::new());
    }
}

#[test]
fn two_way_tables_count_each_pair_with_its_margins() {
    let mut person = customer("091", date(2025, 3, 1), true, None);
    person.services = vec![
        (ServiceType::CivicOrientation, MeasureStatus::Started),
        (ServiceType::CivicOrientation, MeasureStatus::Completed),
        (ServiceType::WorkTryOut, MeasureStatus::Started),
    ];
    person.language_progress = vec![
        Some(("A1".into(), "A2".into())),
        None,
        Some(("0".into(), "A1".into())),
        None,
    ];
    let facts = vec![person];
    let mut aggregator = Aggregator::new(Options {
        threshold: 1,
        ..options()
    });
    for f in &facts {
        aggregator.add(f);
    }
    let figures = aggregator.finish();
    let get = |indicator: &str, category: &str| lookup(&figures, indicator, "nation", "all", category);
    assert_eq!(get("services", "total"), Some(Some(3.0)));
    assert_eq!(get("services", "type:civic_orientation"), Some(Some(2.0)));
    assert_eq!(get("services", "status:started"), Some(Some(2.0)));
    assert_eq!(
        get("services", "type:civic_orientation|status:completed"),
        Some(Some(1.0))
    );
    assert_eq!(get("services", "type:work_try_out|status:started"), Some(Some(1.0)));
    assert_eq!(
        get("services", "type:work_try_out|status:completed"),
        None,
        "a zero is not listed"
    );
    assert_eq!(get("language_listening", "first:A1|latest:A2"), Some(Some(1.0)));
    assert_eq!(get("language_listening", "first:A1"), Some(Some(1.0)));
    assert_eq!(get("language_reading", "first:0|latest:A1"), Some(Some(1.0)));
    assert_eq!(get("language_speaking", "total"), None);
}
