//! The statistics dashboard (issue 6): the protected figures of one area and period, each indicator
//! as a chart drawn on the server (inline SVG: the pages allow no inline script or style, and need
//! no JavaScript) with a plain table of the same numbers as its accessible alternative. For
//! supervisors (their unit's municipalities), regional officers (their regional centre) and national
//! analysts (everything); the use case decides what each may read, and audits the read.
//!
//! Only aggregates reach this page, and every figure already went through suppression: a hidden
//! figure (`None`) is shown as "–" and never computed with, except where every figure a derived one
//! rests on is published (so the derived one reveals nothing more than they do).

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kotopolku_domain::code_lists::{self, CodeListName};
use kotopolku_domain::process::common::ServiceType;
use kotopolku_domain::statistics::AreaTree;
use kotopolku_report::chart::{Bar, BarChart, columns, horizontal_bars, share_bar};
use kotopolku_service::statistics::{AreaStatistics, AreaSummary, FigureMap};
use serde::Deserialize;

use crate::AppState;
use crate::ui::i18n::{Tr, UiLanguage};
use crate::ui::options::{code_label, localized};
use crate::ui::session::PageUser;
use crate::ui::{Layout, error_page, page};

mod sections;

/// Age bands as the statistics name them (`kotopolku_domain::statistics::facts::AGE_BANDS`), with
/// their labels.
const AGE_BANDS: [(&str, &str); 6] = [
    ("under_18", "stats-age-under-18"),
    ("18_29", "stats-age-18-29"),
    ("30_39", "stats-age-30-39"),
    ("40_49", "stats-age-40-49"),
    ("50_64", "stats-age-50-64"),
    ("65_plus", "stats-age-65-plus"),
];

/// The four skills of the language indicators (`language_{skill}`), with their labels.
const SKILLS: [(&str, &str); 4] = [
    ("listening", "field-listening"),
    ("speaking", "field-speaking"),
    ("reading", "field-reading"),
    ("writing", "field-writing"),
];

#[derive(Debug, Default, Deserialize)]
pub struct Choice {
    area: Option<String>,
    period: Option<String>,
}

/// An option of a drop-down list.
struct Choosable {
    key: String,
    label: String,
}

/// One figure of a table: its text, or hidden to protect privacy.
struct Cell {
    text: String,
    hidden: bool,
}

struct Row {
    label: String,
    /// The row's label links here (an area within, to drill down).
    href: Option<String>,
    cells: Vec<Cell>,
    /// The sum row, set off from the others.
    total: bool,
}

impl Row {
    fn new(label: String, cells: Vec<Cell>) -> Row {
        Row {
            label,
            href: None,
            cells,
            total: false,
        }
    }

    fn total(label: String, cells: Vec<Cell>) -> Row {
        Row {
            total: true,
            ..Row::new(label, cells)
        }
    }
}

struct TableView {
    caption: String,
    /// Every column's header, the row headers' first.
    columns: Vec<String>,
    rows: Vec<Row>,
}

/// A part of a section: a sub-heading, a sentence, a chart or a table (any of them).
#[derive(Default)]
struct Block {
    heading: Option<String>,
    note: Option<String>,
    chart: Option<String>,
    table: Option<TableView>,
}

struct Section {
    id: &'static str,
    title: String,
    text: String,
    blocks: Vec<Block>,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    layout: Layout,
    areas: Vec<Choosable>,
    area_key: String,
    periods: Vec<Choosable>,
    period_key: String,
    freshness: String,
    /// Whether figures have been made at all (before the first refresh there are none to show).
    has_figures: bool,
    sections: Vec<Section>,
    downloads: Vec<Choosable>,
    /// The word read out for a hidden figure.
    hidden: String,
}

pub async fn show(State(state): State<AppState>, user: PageUser, Query(choice): Query<Choice>) -> Response {
    let tr = user.tr;
    let area = choice.area.as_deref().filter(|a| !a.is_empty());
    let period = choice.period.as_deref().filter(|p| !p.is_empty());
    // The use case refuses roles without statistics and areas outside the user's own, and audits.
    let view = match state.services.area_statistics(&user.actor, area, period).await {
        Ok(view) => view,
        Err(error) => return error_page(&user, error),
    };
    let allowed = match state.services.statistics_areas(&user.actor).await {
        Ok(areas) => areas,
        Err(error) => return error_page(&user, error),
    };
    let labels = PeriodLabels::new(tr, &view.periods);
    let area_name = area_name(tr, &view.area);
    let period_label = labels.label(&view.period);
    let title = tr.t_with("stats-title", &[("area", &area_name), ("period", &period_label)]);
    let query = format!("area={}&period={}", encode(&view.area.key), encode(&view.period));
    let freshness = match &view.freshness {
        Some(f) => tr.t_with(
            "stats-freshness",
            &[
                ("made", &tr.instant(&f.refreshed_at)),
                ("date", &tr.date(&f.as_of)),
                ("threshold", &tr.number(f.threshold.max(0) as u64)),
            ],
        ),
        None => tr.t("stats-no-figures-yet"),
    };
    let api = format!("/api/v1/statistics?{query}");
    let downloads = vec![
        Choosable {
            key: format!("{api}&format=csv&delimiter=semicolon&bom=true"),
            label: tr.t("stats-download-excel-csv"),
        },
        Choosable {
            key: format!("{api}&format=csv"),
            label: tr.t("stats-download-csv"),
        },
        Choosable {
            key: format!("{api}&format=xlsx"),
            label: tr.t("stats-download-xlsx"),
        },
    ];
    let dashboard = Dashboard {
        tr,
        view: &view,
        labels: &labels,
    };
    page(&StatisticsPage {
        layout: Layout::new(&user, title, "statistics", format!("/statistics?{query}")),
        areas: area_choices(tr, &allowed),
        area_key: view.area.key.clone(),
        periods: view
            .periods
            .iter()
            .map(|p| Choosable {
                key: p.clone(),
                label: labels.label(p),
            })
            .collect(),
        period_key: view.period.clone(),
        freshness,
        has_figures: view.freshness.is_some(),
        sections: dashboard.sections(),
        downloads,
        hidden: tr.t("stats-hidden"),
    })
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// An area's name in the interface's language.
fn area_name(tr: Tr, area: &AreaSummary) -> String {
    match tr.lang {
        UiLanguage::Fi => area.name_fi.clone(),
        UiLanguage::Sv => area.name_sv.clone(),
        UiLanguage::En => area.name_en.clone(),
    }
}

/// The areas the user may choose, as a tree: each area followed by the areas within it (by name),
/// indented by how many of the listed areas it lies within. (The service lists them widest level
/// first, which would put a municipality far from its county.)
fn area_choices(tr: Tr, allowed: &[AreaSummary]) -> Vec<Choosable> {
    let keys: HashSet<&str> = allowed.iter().map(|a| a.key.as_str()).collect();
    let tree = AreaTree::get();
    let mut choices = Vec::with_capacity(allowed.len());
    // (area, how many listed areas lie above it); the nation is the first area of the tree.
    let mut stack = vec![(0usize, 0usize)];
    while let Some((index, depth)) = stack.pop() {
        let area = &tree.areas[index];
        let listed = keys.contains(area.key.as_str());
        if listed {
            // No-break spaces: a browser keeps them at the start of an option, ordinary ones not.
            let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
            choices.push(Choosable {
                key: area.key.clone(),
                label: format!("{indent}{}", localized(tr, &area.name)),
            });
        }
        let mut children = area.children.clone();
        children.sort_by_key(|&c| localized(tr, &tree.areas[c].name).to_lowercase());
        // Reversed onto the stack, so that they come off it in order.
        stack.extend(children.into_iter().rev().map(|c| (c, depth + usize::from(listed))));
    }
    choices
}

/// Readable names of the period keys: `all`, `earlier`, `2025`, `2025-Q3`, `2025-08`.
struct PeriodLabels {
    tr: Tr,
    /// The first year with its own figures: "earlier" is before it.
    first_year: Option<i32>,
}

impl PeriodLabels {
    fn new(tr: Tr, periods: &[String]) -> PeriodLabels {
        PeriodLabels {
            tr,
            first_year: periods
                .iter()
                .filter(|p| p.len() == 4)
                .filter_map(|p| p.parse().ok())
                .min(),
        }
    }

    fn label(&self, key: &str) -> String {
        let tr = self.tr;
        match key {
            "all" => tr.t("stats-period-all"),
            "earlier" => match self.first_year {
                Some(year) => tr.t_with("stats-period-earlier", &[("year", &year.to_string())]),
                None => tr.t("stats-period-earlier-undated"),
            },
            _ => match key.split_once('-') {
                Some((year, quarter)) if quarter.starts_with('Q') => tr.t_with(
                    "stats-period-quarter",
                    &[("quarter", quarter.trim_start_matches('Q')), ("year", year)],
                ),
                Some((year, month)) => tr.t_with(
                    "stats-period-month",
                    &[("month", month.trim_start_matches('0')), ("year", year)],
                ),
                None => key.to_owned(),
            },
        }
    }
}

/// A published figure: `Some(value)`, or `None` when hidden. A category not listed is zero.
fn figure(figures: &FigureMap, indicator: &str, category: &str) -> Option<f64> {
    match figures.get(indicator).and_then(|categories| categories.get(category)) {
        Some(value) => *value,
        None => Some(0.0),
    }
}

/// Whether the figure is listed at all (a median or mean exists only where someone was counted).
fn listed(figures: &FigureMap, indicator: &str, category: &str) -> bool {
    figures
        .get(indicator)
        .is_some_and(|categories| categories.contains_key(category))
}

/// The share `part / whole` in per cent, when both are published and there is a whole.
fn share(part: Option<f64>, whole: Option<f64>) -> Option<Option<f64>> {
    match (part, whole) {
        (Some(part), Some(whole)) if whole > 0.0 => Some(Some(part / whole * 100.0)),
        (Some(_), Some(_)) => None,
        _ => Some(None),
    }
}

/// Builds the sections of one area's figures.
struct Dashboard<'a> {
    tr: Tr,
    view: &'a AreaStatistics,
    labels: &'a PeriodLabels,
}

impl Dashboard<'_> {
    fn figures(&self) -> &FigureMap {
        &self.view.figures
    }

    fn count(&self, value: Option<f64>) -> Cell {
        match value {
            Some(value) => Cell {
                text: self.tr.number(value.max(0.0).round() as u64),
                hidden: false,
            },
            None => self.hidden_cell(),
        }
    }

    fn hidden_cell(&self) -> Cell {
        Cell {
            text: String::new(),
            hidden: true,
        }
    }

    fn text_cell(&self, text: String) -> Cell {
        Cell { text, hidden: false }
    }

    /// A figure with one decimal, in the language's way (decimal comma in Finnish and Swedish).
    fn decimal(&self, value: f64) -> String {
        let tenths = (value.max(0.0) * 10.0).round() as u64;
        let whole = self.tr.number(tenths / 10);
        match (tenths % 10, self.tr.lang) {
            (0, _) => whole,
            (fraction, UiLanguage::En) => format!("{whole}.{fraction}"),
            (fraction, _) => format!("{whole},{fraction}"),
        }
    }

    fn percent(&self, share: f64) -> String {
        let value = self.tr.number(share.clamp(0.0, 100.0).round() as u64);
        self.tr.t_with("stats-percent", &[("value", &value)])
    }

    /// A figure's text for a chart: hidden ones say so in words, since a chart has no footnote.
    fn display(&self, value: Option<f64>, format: impl Fn(f64) -> String) -> String {
        value.map_or_else(|| self.tr.t("stats-hidden"), format)
    }

    fn count_bar(&self, label: String, value: Option<f64>) -> Bar {
        Bar {
            display: self.display(value, |v| self.tr.number(v.max(0.0).round() as u64)),
            label,
            value,
        }
    }

    fn chart(&self, title: &str, description: &str, bars: Vec<Bar>) -> BarChart {
        BarChart {
            title: title.to_owned(),
            description: description.to_owned(),
            bars,
            empty_text: self.tr.t("stats-chart-empty"),
        }
    }

    fn sections(&self) -> Vec<Section> {
        if self.view.freshness.is_none() {
            return Vec::new();
        }
        let tr = self.tr;
        let mut sections = vec![self.new_customers()];
        let target_groups = code_rows(tr, CodeListName::TargetGroups, "target_group");
        sections.push(self.breakdown(
            Breakdown {
                id: "target-group",
                title: "stats-customers-by-target-group",
                text: "stats-customers-by-target-group-text",
                indicator: "customers",
                header: tr.t("field-target_group"),
                unit: tr.t("stats-col-customers"),
            },
            self.with_unknown(target_groups, "customers", "target_group:unknown"),
        ));
        let bases = code_rows(tr, CodeListName::ResidenceBases, "residence_basis");
        sections.push(self.breakdown(
            Breakdown {
                id: "residence-basis",
                title: "stats-customers-by-residence-basis",
                text: "stats-customers-by-residence-basis-text",
                indicator: "customers",
                header: tr.t("field-residence_basis"),
                unit: tr.t("stats-col-customers"),
            },
            self.with_unknown(bases, "customers", "residence_basis:unknown"),
        ));
        sections.push(
            self.breakdown(
                Breakdown {
                    id: "age",
                    title: "stats-customers-by-age",
                    text: "stats-customers-by-age-text",
                    indicator: "customers",
                    header: tr.t("stats-col-age"),
                    unit: tr.t("stats-col-customers"),
                },
                AGE_BANDS
                    .iter()
                    .map(|(band, key)| (tr.t(key), format!("age_band:{band}")))
                    .collect(),
            ),
        );
        let sexes = ["male", "female"]
            .iter()
            .map(|s| (tr.label("sex", s), format!("sex:{s}")))
            .collect();
        sections.push(self.breakdown(
            Breakdown {
                id: "sex",
                title: "stats-customers-by-sex",
                text: "stats-customers-by-sex-text",
                indicator: "customers",
                header: tr.t("field-sex"),
                unit: tr.t("stats-col-customers"),
            },
            self.with_unknown(sexes, "customers", "sex:unknown"),
        ));
        sections.push(self.breakdown(
            Breakdown {
                id: "native-language",
                title: "stats-customers-by-native-language",
                text: "stats-customers-by-native-language-text",
                indicator: "customers",
                header: tr.t("field-native_language"),
                unit: tr.t("stats-col-customers"),
            },
            self.languages(),
        ));
        sections.push(self.share_section(
            Breakdown {
                id: "assessments-on-time",
                title: "stats-assessments-on-time",
                text: "stats-assessments-on-time-text",
                indicator: "assessment_timeliness",
                header: tr.t("stats-col-assessment"),
                unit: tr.t("stats-col-customers"),
            },
            vec![
                (tr.t("stats-on-time"), "on_time".to_owned()),
                (tr.t("stats-late"), "late".to_owned()),
            ],
            "on_time",
        ));
        sections.push(self.medians());
        sections.push(self.share_section(
            Breakdown {
                id: "plan-reviews",
                title: "stats-plan-reviews",
                text: "stats-plan-reviews-text",
                indicator: "plans_in_force",
                header: tr.t("stats-col-review"),
                unit: tr.t("stats-col-plans"),
            },
            vec![
                (tr.t("stats-review-on-time"), "review_on_time".to_owned()),
                (tr.t("stats-review-overdue"), "review_overdue".to_owned()),
            ],
            "review_overdue",
        ));
        sections.push(self.share_section(
            Breakdown {
                id: "directed",
                title: "stats-directed",
                text: "stats-directed-text",
                indicator: "directed_within_6_months",
                header: tr.t("stats-col-directed"),
                unit: tr.t("stats-col-customers"),
            },
            vec![
                (tr.t("stats-within"), "within".to_owned()),
                (tr.t("stats-not-within"), "not_within".to_owned()),
            ],
            "within",
        ));
        sections.push(self.services());
        sections.push(self.civic_orientation());
        sections.push(self.language_skills());
        let reasons = code_rows(tr, CodeListName::CustomershipEndReasons, "reason");
        sections.push(self.breakdown(
            Breakdown {
                id: "end-reasons",
                title: "stats-end-reasons",
                text: "stats-end-reasons-text",
                indicator: "end_reasons",
                header: tr.t("field-reason"),
                unit: tr.t("stats-col-customerships"),
            },
            self.with_unknown(reasons, "end_reasons", "reason:unknown"),
        ));
        if !self.view.parts.is_empty() {
            sections.push(self.parts());
        }
        sections
    }

    /// `rows` and, when anyone is counted there, the category of unknown values.
    fn with_unknown(&self, mut rows: Vec<(String, String)>, indicator: &str, unknown: &str) -> Vec<(String, String)> {
        if figure(self.figures(), indicator, unknown) != Some(0.0) {
            rows.push((self.tr.t("stats-unknown"), unknown.to_owned()));
        }
        rows
    }

    /// The native languages published by name, the most common first (hidden ones after the rest),
    /// then the others together and the unknown.
    fn languages(&self) -> Vec<(String, String)> {
        let tr = self.tr;
        let mut named: Vec<(&String, Option<f64>)> = self
            .figures()
            .get("customers")
            .into_iter()
            .flatten()
            .filter(|(category, _)| {
                category.starts_with("native_language:")
                    && !matches!(category.as_str(), "native_language:other" | "native_language:unknown")
            })
            .map(|(category, value)| (category, *value))
            .collect();
        named.sort_by(|a, b| {
            let key = |v: Option<f64>| v.map_or(f64::NEG_INFINITY, |v| v);
            key(b.1).total_cmp(&key(a.1))
        });
        let mut rows: Vec<(String, String)> = named
            .into_iter()
            .map(|(category, _)| {
                let code = category.trim_start_matches("native_language:");
                (code_label(tr, CodeListName::Languages, code), category.clone())
            })
            .collect();
        if figure(self.figures(), "customers", "native_language:other") != Some(0.0) {
            rows.push((tr.t("stats-other-languages"), "native_language:other".to_owned()));
        }
        self.with_unknown(rows, "customers", "native_language:unknown")
    }

    /// The period to open an area within at: the same, except that municipalities have no quarters
    /// (their figures are by year), so a quarter becomes its year.
    fn period_for(&self, area: &AreaSummary) -> String {
        let period = &self.view.period;
        match period.split_once('-') {
            Some((year, _)) if area.level == "municipality" => year.to_owned(),
            _ => period.clone(),
        }
    }
}

/// What a table of counts by category is about.
struct Breakdown {
    id: &'static str,
    /// Fluent keys of the heading and the explanation.
    title: &'static str,
    text: &'static str,
    indicator: &'static str,
    /// The header of the categories' column, and of the counts'.
    header: String,
    unit: String,
}

/// A code list's entries as (label, category `{prefix}:{code}`), in the list's own order.
fn code_rows(tr: Tr, list: CodeListName, prefix: &str) -> Vec<(String, String)> {
    code_lists::list(list)
        .entries
        .iter()
        .map(|e| (localized(tr, &e.name), format!("{prefix}:{}", e.code)))
        .collect()
}

/// How many customers' level rose from the first plan to the latest measurement: the sum of the
/// two-way table's cells above its diagonal, when every one of them is published.
fn rose(figures: &FigureMap, indicator: &str, levels: &[&str]) -> Option<f64> {
    let mut sum = 0.0;
    for (i, first) in levels.iter().enumerate() {
        for latest in &levels[i + 1..] {
            sum += figure(figures, indicator, &format!("first:{first}|latest:{latest}"))?;
        }
    }
    Some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_bands_are_the_statistics_own() {
        let ours: Vec<&str> = AGE_BANDS.iter().map(|(band, _)| *band).collect();
        assert_eq!(ours, kotopolku_domain::statistics::facts::AGE_BANDS);
    }

    #[test]
    fn periods_read_as_people_write_them() {
        let periods: Vec<String> = ["all", "2026", "2026-Q3", "2021", "earlier"].map(String::from).to_vec();
        let labels = PeriodLabels::new(Tr::new(UiLanguage::En), &periods);
        assert_eq!(labels.label("all"), "All time");
        assert_eq!(labels.label("2026"), "2026");
        assert_eq!(labels.label("2026-Q3"), "Q3/2026");
        assert_eq!(labels.label("2026-08"), "8/2026");
        assert_eq!(labels.label("earlier"), "Before 2021");
    }

    #[test]
    fn a_hidden_cell_above_the_diagonal_hides_the_rise() {
        let mut figures = FigureMap::new();
        let skill = figures.entry("language_reading".into()).or_default();
        skill.insert("first:A1|latest:A2".into(), Some(6.0));
        skill.insert("first:0|latest:A1".into(), Some(7.0));
        skill.insert("first:A2|latest:A2".into(), Some(9.0));
        let levels = ["0", "A1", "A2"];
        assert_eq!(rose(&figures, "language_reading", &levels), Some(13.0));
        figures
            .get_mut("language_reading")
            .map(|s| s.insert("first:0|latest:A2".into(), None));
        assert_eq!(rose(&figures, "language_reading", &levels), None);
    }

    #[test]
    fn areas_are_listed_as_a_tree() {
        let tree = AreaTree::get();
        let allowed: Vec<AreaSummary> = ["m-091", "rc-1", "wc-90", "r-01", "m-049"]
            .iter()
            .filter_map(|key| tree.area(key))
            .map(AreaSummary::from)
            .collect();
        let choices = area_choices(Tr::new(UiLanguage::Fi), &allowed);
        let keys: Vec<&str> = choices.iter().map(|c| c.key.as_str()).collect();
        // Espoo lies in its own county (Länsi-Uusimaa), which is not listed.
        assert_eq!(keys, ["rc-1", "r-01", "wc-90", "m-091", "m-049"]);
        assert!(!choices[0].label.starts_with('\u{a0}'));
        assert_eq!(choices[3].label, format!("{}Helsinki", "\u{a0}".repeat(9)));
        assert_eq!(choices[4].label, format!("{}Espoo", "\u{a0}".repeat(6)));
    }

    #[test]
    fn figures_not_listed_are_zero_and_hidden_ones_stay_hidden() {
        let mut figures = FigureMap::new();
        figures
            .entry("customers".into())
            .or_default()
            .insert("sex:male".into(), None);
        assert_eq!(figure(&figures, "customers", "sex:male"), None);
        assert_eq!(figure(&figures, "customers", "sex:female"), Some(0.0));
        assert_eq!(share(Some(3.0), Some(4.0)), Some(Some(75.0)));
        assert_eq!(share(None, Some(4.0)), Some(None));
        assert_eq!(share(Some(0.0), Some(0.0)), None);
    }
}
