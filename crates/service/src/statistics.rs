//! Statistics for knowledge-based management (issue 6): the refresh that makes the protected figures,
//! and the reads of them for supervisors (their unit's municipalities), regional officers (their
//! regional centre and the areas within) and national analysts (everything). Only aggregates leave
//! here, and every one of them went through suppression as part of one linked system.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kotopolku_domain::access::{Action, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::statistics::{
    Aggregator, Area, AreaLevel, AreaTree, CustomerStatistics, Options, PeriodLevel, Periods, aggregate::finest_period,
};
use kotopolku_store::statistics::{self as store, FigureRow, RefreshInfo};
use serde::Serialize;

use kotopolku_domain::audit::Outcome;

use crate::audit::{Target, entry};
use crate::{ServiceError, Services};

/// Counts under this are suppressed unless configured otherwise.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// Customers derived per transaction when facts are missing.
const DERIVE_BATCH: i64 = 1000;

/// How fresh the figures are.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Freshness {
    /// When the figures were made.
    pub refreshed_at: DateTime<Utc>,
    /// The day "in force", "overdue" and "passed" refer to.
    pub as_of: NaiveDate,
    /// Counts from 1 to threshold − 1 are suppressed, and what would reveal them.
    pub threshold: i64,
    pub customers: i64,
    pub facts_derived: i64,
    pub duration_ms: i64,
}

impl From<RefreshInfo> for Freshness {
    fn from(r: RefreshInfo) -> Freshness {
        Freshness {
            refreshed_at: r.refreshed_at,
            as_of: r.as_of,
            threshold: r.threshold,
            customers: r.customers,
            facts_derived: r.facts_derived,
            duration_ms: r.duration_ms,
        }
    }
}

/// An area as the statistics name it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaSummary {
    /// `nation`, `rc-1`, `r-01`, `wc-90` or `m-091`.
    pub key: String,
    /// `nation`, `regional_centre`, `region`, `wellbeing_county` or `municipality`.
    pub level: String,
    pub name_fi: String,
    pub name_sv: String,
    pub name_en: String,
}

impl From<&Area> for AreaSummary {
    fn from(a: &Area) -> AreaSummary {
        AreaSummary {
            key: a.key.clone(),
            level: a.level.as_str().to_owned(),
            name_fi: a.name.fi.clone(),
            name_sv: a.name.sv.clone(),
            name_en: a.name.en.clone(),
        }
    }
}

/// Figures by indicator and category; `None` is suppressed. A category not listed is zero.
pub type FigureMap = BTreeMap<String, BTreeMap<String, Option<f64>>>;

/// The statistics of one area in one period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaStatistics {
    /// `None` before the first refresh.
    pub freshness: Option<Freshness>,
    pub area: AreaSummary,
    /// `all`, `earlier`, `2025`, `2025-Q3` or `2025-08`.
    pub period: String,
    /// The periods this area has figures for, newest first (after `all`).
    pub periods: Vec<String>,
    #[schema(value_type = Object)]
    pub figures: FigureMap,
    /// The areas directly within this one, with their figures for the same period.
    pub parts: Vec<AreaPart>,
    /// New customers over the finer periods of this one (or over the years, for `all`).
    pub new_customers: Vec<SeriesPoint>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaPart {
    pub area: AreaSummary,
    #[schema(value_type = Object)]
    pub figures: FigureMap,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    /// `None` when suppressed.
    pub value: Option<f64>,
}

/// The figures fit for publication as open data: every area, all time and each year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenData {
    pub freshness: Option<Freshness>,
    pub figures: Vec<OpenFigure>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenFigure {
    pub area: String,
    pub area_level: String,
    pub period: String,
    pub indicator: String,
    pub category: String,
    /// `None` when suppressed.
    pub value: Option<f64>,
}

impl Services {
    pub fn statistics_threshold(&self) -> u64 {
        self.statistics_threshold
    }

    /// Makes the figures again: derives the facts of customers changed since the last refresh,
    /// aggregates everyone's, protects every figure, and replaces the published ones at once.
    /// When the figures were last made, if ever (for scheduling the next refresh).
    pub async fn statistics_refreshed_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, ServiceError> {
        Ok(store::refresh_info(&self.db).await?.map(|info| info.refreshed_at))
    }

    pub async fn refresh_statistics(&self) -> Result<Freshness, ServiceError> {
        let _one_at_a_time = self.statistics_refresh.lock().await;
        let started = Instant::now();
        let mut derived = 0i64;
        let mut after = String::new();
        loop {
            let batch = store::customers_without_facts(&self.db, &after, DERIVE_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = last.id.clone();
            let facts: Vec<(String, String)> = batch
                .iter()
                .map(|(customer, records)| {
                    let facts = CustomerStatistics::derive(customer, records, &self.deadline_rules);
                    let json = serde_json::to_string(&facts).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    Ok((customer.id.clone(), json))
                })
                .collect::<Result<_, ServiceError>>()?;
            derived += facts.len() as i64;
            store::save_facts(&self.db, &facts).await?;
        }
        let as_of = self.clock.today();
        let mut aggregator = Aggregator::new(Options::new(as_of, self.statistics_threshold));
        after.clear();
        loop {
            let page = store::facts_page(&self.db, &after, 10_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            for (id, json) in &page {
                let facts: CustomerStatistics = serde_json::from_str(json)
                    .map_err(|e| ServiceError::Internal(format!("statistics facts of {id}: {e}")))?;
                aggregator.add(&facts);
            }
        }
        let periods = aggregator.periods();
        // The protection is CPU work of a second or so: off the async workers.
        let figures = tokio::task::spawn_blocking(move || aggregator.finish())
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let tree = AreaTree::get();
        let period_keys: Vec<String> = (0..periods.len()).map(|p| periods.key(p)).collect();
        let rows: Vec<FigureRow> = figures
            .figures
            .iter()
            .map(|f| FigureRow {
                area: tree.areas[f.area as usize].key.clone(),
                period: period_keys[f.period as usize].clone(),
                indicator: f.indicator.to_owned(),
                category: f.category.to_string(),
                value: f.value,
            })
            .collect();
        let info = RefreshInfo {
            refreshed_at: self.clock.now(),
            as_of,
            threshold: self.statistics_threshold as i64,
            first_year: periods.first_year,
            last_year: periods.last_year,
            customers: figures.customers as i64,
            facts_derived: derived,
            duration_ms: started.elapsed().as_millis() as i64,
        };
        store::replace_figures(&self.db, &info, &rows).await?;
        tracing::info!(
            customers = info.customers,
            derived,
            figures = rows.len(),
            ms = info.duration_ms,
            "statistics refreshed"
        );
        Ok(info.into())
    }

    /// A refresh asked for by someone (an administrator): authorised and audited.
    pub async fn refresh_statistics_as(&self, actor: &Actor) -> Result<Freshness, ServiceError> {
        let target = Target {
            kind: Some("statistics"),
            ..Target::default()
        };
        self.authorize(actor, Action::StatisticsRefresh, target).await?;
        let freshness = self.refresh_statistics().await?;
        self.audit
            .record(vec![entry(
                actor,
                Action::StatisticsRefresh.as_str(),
                target,
                Outcome::Success,
                self.clock.now(),
            )])
            .await?;
        Ok(freshness)
    }

    /// The areas whose statistics the actor may read: their own and every area within, in tree
    /// order (the widest first).
    pub async fn statistics_areas(&self, actor: &Actor) -> Result<Vec<AreaSummary>, ServiceError> {
        let target = Target {
            kind: Some("statistics"),
            ..Target::default()
        };
        let roots = self.statistics_roots(actor, target).await?;
        let tree = AreaTree::get();
        Ok((0..tree.len())
            .filter(|&a| roots.iter().any(|&r| tree.contains(r, a)))
            .map(|a| AreaSummary::from(&tree.areas[a]))
            .collect())
    }

    /// The areas the actor's grant covers (each with everything within it).
    async fn statistics_roots(&self, actor: &Actor, target: Target<'_>) -> Result<Vec<usize>, ServiceError> {
        let grant = self.authorize(actor, Action::StatisticsRead, target).await?;
        let tree = AreaTree::get();
        let roots = match (grant.map(|g| g.scope), &actor.jurisdiction) {
            // The system reads everything.
            (None, _) => vec![0],
            (Some(Scope::OwnArea), Some(Jurisdiction::National)) => vec![0],
            (Some(Scope::OwnArea), Some(Jurisdiction::RegionalCentre(code))) => {
                tree.index(&AreaTree::regional_centre_key(code)).into_iter().collect()
            }
            (Some(Scope::OwnArea), Some(Jurisdiction::WellbeingCounty(code))) => {
                tree.index(&AreaTree::county_key(code)).into_iter().collect()
            }
            (Some(Scope::OwnArea), Some(Jurisdiction::Municipalities(codes))) => {
                codes.iter().filter_map(|c| tree.municipality(c)).collect()
            }
            _ => Vec::new(),
        };
        if roots.is_empty() {
            return Err(self
                .refuse(
                    actor,
                    Action::StatisticsRead,
                    target,
                    ServiceError::forbidden("no area to show statistics of"),
                )
                .await);
        }
        Ok(roots)
    }

    /// The statistics of `area` (default: the actor's own) in `period` (default: the current
    /// year). Audited as a read of statistics (no personal data).
    pub async fn area_statistics(
        &self,
        actor: &Actor,
        area: Option<&str>,
        period: Option<&str>,
    ) -> Result<AreaStatistics, ServiceError> {
        let id = format!("{}/{}", area.unwrap_or(""), period.unwrap_or(""));
        let target = Target {
            kind: Some("statistics"),
            id: Some(&id),
            customer_id: None,
        };
        let roots = self.statistics_roots(actor, target).await?;
        let tree = AreaTree::get();
        let area_index = match area {
            None => roots[0],
            Some(key) => {
                let index = tree
                    .index(key)
                    .ok_or_else(|| invalid("area", "unknown_area", "no such area"))?;
                if !roots.iter().any(|&r| tree.contains(r, index)) {
                    return Err(self
                        .refuse(
                            actor,
                            Action::StatisticsRead,
                            target,
                            ServiceError::forbidden("the area is outside your organisation's area"),
                        )
                        .await);
                }
                index
            }
        };
        let area = &tree.areas[area_index];
        let freshness = store::refresh_info(&self.db).await?;
        let periods = match &freshness {
            Some(info) => Periods {
                first_year: info.first_year,
                last_year: info.last_year,
            },
            None => Periods::window(self.clock.today(), 1),
        };
        let finest = finest_period(area.level).max(PeriodLevel::Quarter);
        let finest = if area.level == AreaLevel::Municipality {
            PeriodLevel::Year
        } else {
            finest
        };
        let mut selectable: Vec<usize> = vec![Periods::ALL];
        for year in (periods.first_year..=periods.last_year).rev() {
            let Some(y) = periods.year(year) else { continue };
            selectable.push(y);
            if finest <= PeriodLevel::Quarter {
                selectable.extend(periods.children(y));
            }
        }
        selectable.push(Periods::EARLIER);
        let period_index = match period {
            None => periods.year(self.clock.today().year()).unwrap_or(Periods::ALL),
            Some(key) => periods
                .parse(key)
                .filter(|p| selectable.contains(p))
                .ok_or_else(|| invalid("period", "unknown_period", "no figures for this period in this area"))?,
        };
        let period_key = periods.key(period_index);
        // The series of new customers: the finer periods within this one, else the years.
        let mut series: Vec<usize> = periods
            .children(period_index)
            .into_iter()
            .filter(|&p| periods.level(p) >= finest_period(area.level))
            .collect();
        if series.is_empty() {
            series = (periods.first_year..=periods.last_year)
                .filter_map(|y| periods.year(y))
                .collect();
        }
        let series_keys: Vec<String> = series.iter().map(|&p| periods.key(p)).collect();
        let mut area_keys = vec![area.key.clone()];
        area_keys.extend(area.children.iter().map(|&c| tree.areas[c].key.clone()));
        let rows = store::figures(&self.db, &area_keys, std::slice::from_ref(&period_key)).await?;
        let series_rows = store::figures(&self.db, std::slice::from_ref(&area.key), &series_keys).await?;
        let figures_of = |key: &str| -> FigureMap {
            let mut map = FigureMap::new();
            for r in rows.iter().filter(|r| r.area == key) {
                map.entry(r.indicator.clone())
                    .or_default()
                    .insert(r.category.clone(), r.value);
            }
            map
        };
        let view = AreaStatistics {
            freshness: freshness.map(Freshness::from),
            area: AreaSummary::from(area),
            period: period_key,
            periods: selectable.iter().map(|&p| periods.key(p)).collect(),
            figures: figures_of(&area.key),
            parts: area
                .children
                .iter()
                .map(|&c| AreaPart {
                    area: AreaSummary::from(&tree.areas[c]),
                    figures: figures_of(&tree.areas[c].key),
                })
                .collect(),
            new_customers: series_keys
                .iter()
                .map(|p| SeriesPoint {
                    period: p.clone(),
                    value: series_rows
                        .iter()
                        .find(|r| &r.period == p && r.indicator == "customers" && r.category == "total")
                        .map_or(Some(0.0), |r| r.value),
                })
                .collect(),
        };
        self.audit
            .record(vec![entry(
                actor,
                Action::StatisticsRead.as_str(),
                target,
                Outcome::Success,
                self.clock.now(),
            )])
            .await?;
        Ok(view)
    }

    /// Open data: every area's figures for all time and each year, as protected as everything else
    /// published (the same figures, so no combination reveals more). Needs no sign-in.
    pub async fn statistics_open_data(&self) -> Result<OpenData, ServiceError> {
        let freshness = store::refresh_info(&self.db).await?;
        let Some(info) = freshness else {
            return Ok(OpenData {
                freshness: None,
                figures: Vec::new(),
            });
        };
        let periods = Periods {
            first_year: info.first_year,
            last_year: info.last_year,
        };
        let mut period_keys = vec![periods.key(Periods::ALL)];
        period_keys.extend((periods.first_year..=periods.last_year).map(|y| y.to_string()));
        let tree = AreaTree::get();
        let area_keys: Vec<String> = tree.areas.iter().map(|a| a.key.clone()).collect();
        let mut rows = store::figures(&self.db, &area_keys, &period_keys).await?;
        rows.sort_by(|a, b| {
            (tree.index(&a.area), &a.period, &a.indicator, &a.category).cmp(&(
                tree.index(&b.area),
                &b.period,
                &b.indicator,
                &b.category,
            ))
        });
        Ok(OpenData {
            freshness: Some(info.into()),
            figures: rows
                .into_iter()
                .map(|r| OpenFigure {
                    area_level: tree.area(&r.area).map_or("", |a| a.level.as_str()).to_owned(),
                    area: r.area,
                    period: r.period,
                    indicator: r.indicator,
                    category: r.category,
                    value: r.value,
                })
                .collect(),
        })
    }
}

fn invalid(field: &str, code: &'static str, message: &str) -> ServiceError {
    ServiceError::InvalidQuery(vec![kotopolku_domain::validation::FieldViolation {
        field: field.into(),
        code,
        message: message.into(),
    }])
}
