//! Kotoutumissuunnitelma (681/2023 §15) and the multisectoral integration plan (§16): goals by area,
//! each with measures, review meetings and the customer's agreement. A revision is a new version.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{MAX_ITEMS, ServiceType, names, not_in_future, short_text, text};
use super::{ForbiddenTransition, ValidationContext};
use crate::deadlines::{RuleKey, add_months};
use crate::validation::{FieldViolation, Violations};

/// The areas a plan's goals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalArea {
    Language,
    Employment,
    Education,
    Wellbeing,
    EverydayLife,
}

impl GoalArea {
    pub const ALL: [GoalArea; 5] = [
        GoalArea::Language,
        GoalArea::Employment,
        GoalArea::Education,
        GoalArea::Wellbeing,
        GoalArea::EverydayLife,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GoalArea::Language => "language",
            GoalArea::Employment => "employment",
            GoalArea::Education => "education",
            GoalArea::Wellbeing => "wellbeing",
            GoalArea::EverydayLife => "everyday_life",
        }
    }
}

/// Where a measure stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    #[default]
    Planned,
    Referred,
    Started,
    Interrupted,
    Completed,
    Cancelled,
}

impl MeasureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::Referred => "referred",
            MeasureStatus::Started => "started",
            MeasureStatus::Interrupted => "interrupted",
            MeasureStatus::Completed => "completed",
            MeasureStatus::Cancelled => "cancelled",
        }
    }

    /// The state machine of a measure: completed and cancelled are final; an interrupted measure may
    /// be resumed.
    pub fn may_become(self, next: MeasureStatus) -> bool {
        use MeasureStatus::*;
        self == next
            || matches!(
                (self, next),
                (Planned, Referred | Started | Cancelled)
                    | (Referred, Planned | Started | Cancelled)
                    | (Started, Interrupted | Completed)
                    | (Interrupted, Started | Completed)
            )
    }
}

/// An agreed measure or service of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Given by Kotopolku when the measure is first saved; send it back unchanged in a revision.
    #[serde(default)]
    pub id: Option<String>,
    pub service: ServiceType,
    #[serde(default)]
    pub provider: Option<String>,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub status: MeasureStatus,
    /// When the customer was directed to the service (required once referred).
    #[serde(default)]
    pub referred_on: Option<NaiveDate>,
    /// When the customer actually started (required once started).
    #[serde(default)]
    pub started_on: Option<NaiveDate>,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A goal of the plan in one area, with the measures that serve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub area: GoalArea,
    pub description: String,
    #[serde(default)]
    pub measures: Vec<Measure>,
}

/// A review meeting of the plan (at least every 6 months).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub planned_on: NaiveDate,
    #[serde(default)]
    pub held_on: Option<NaiveDate>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// The integration plan or, with `multisectoral_county`, the multisectoral integration plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The wellbeing services county taking part in a multisectoral plan (§16).
    #[serde(default)]
    pub multisectoral_county: Option<String>,
    /// When the plan was drawn up with the customer.
    pub drawn_up_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub goals: Vec<Goal>,
    #[serde(default)]
    pub reviews: Vec<Review>,
    /// When the customer agreed to the plan.
    #[serde(default)]
    pub customer_agreed_on: Option<NaiveDate>,
    #[serde(default)]
    pub authors: Vec<String>,
}

impl Plan {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        not_in_future(&mut v, "drawn_up_on", Some(self.drawn_up_on), ctx.today);
        not_in_future(&mut v, "customer_agreed_on", self.customer_agreed_on, ctx.today);
        if self.ends_on < self.starts_on {
            v.add("ends_on", "plan_ends_before_start", "the plan ends before it starts");
        } else if ctx.is_first_plan {
            let months = ctx.rules.first_plan_max_months;
            if add_months(self.starts_on, months).is_none_or(|limit| self.ends_on > limit) {
                v.add(
                    "ends_on",
                    RuleKey::FirstPlanMaxDuration.as_str(),
                    format!(
                        "the first integration plan lasts at most {months} months (681/2023 §15); it would end after {}",
                        add_months(self.starts_on, months).map_or_else(String::new, |d| d.to_string())
                    ),
                );
            }
        }
        v.max_items("goals", &self.goals, MAX_ITEMS);
        let dates = PlanDates {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        };
        let goals = self
            .goals
            .into_iter()
            .enumerate()
            .map(|(g, goal)| {
                let f = format!("goals[{g}]");
                v.max_items(&format!("{f}.measures"), &goal.measures, MAX_ITEMS);
                Goal {
                    area: goal.area,
                    description: v.required_text(&format!("{f}.description"), &goal.description, 4000),
                    measures: goal
                        .measures
                        .into_iter()
                        .enumerate()
                        .map(|(m, measure)| {
                            validate_measure(&mut v, &format!("{f}.measures[{m}]"), measure, &dates, ctx.today)
                        })
                        .collect(),
                }
            })
            .collect();
        v.max_items("reviews", &self.reviews, MAX_ITEMS);
        let reviews = self
            .reviews
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let f = format!("reviews[{i}]");
                not_in_future(&mut v, &format!("{f}.held_on"), r.held_on, ctx.today);
                Review {
                    planned_on: r.planned_on,
                    held_on: r.held_on,
                    summary: text(&mut v, &format!("{f}.summary"), r.summary),
                }
            })
            .collect();
        let plan = Plan {
            multisectoral_county: short_text(&mut v, "multisectoral_county", self.multisectoral_county),
            drawn_up_on: self.drawn_up_on,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            goals,
            reviews,
            customer_agreed_on: self.customer_agreed_on,
            authors: names(&mut v, "authors", self.authors),
        };
        v.into_result(plan)
    }

    /// Every measure of the plan, in goal order.
    pub fn measures(&self) -> impl Iterator<Item = &Measure> {
        self.goals.iter().flat_map(|g| g.measures.iter())
    }

    pub fn measures_mut(&mut self) -> impl Iterator<Item = &mut Measure> {
        self.goals.iter_mut().flat_map(|g| g.measures.iter_mut())
    }

    /// A revision keeps its measures' identities: each measure with an id must exist in the previous
    /// version, and its status may only move as the state machine allows.
    pub fn may_follow(&self, previous: &Plan) -> Result<(), ForbiddenTransition> {
        for (i, measure) in self.measures().enumerate() {
            let Some(id) = &measure.id else { continue };
            let Some(before) = previous.measures().find(|m| m.id.as_ref() == Some(id)) else {
                return Err(ForbiddenTransition {
                    field: format!("measures[{i}].id"),
                    message: format!("no measure {id} in the version being revised"),
                });
            };
            if !before.status.may_become(measure.status) {
                return Err(ForbiddenTransition {
                    field: format!("measures[{i}].status"),
                    message: format!(
                        "a {} measure cannot become {}",
                        before.status.as_str(),
                        measure.status.as_str()
                    ),
                });
            }
        }
        Ok(())
    }
}

struct PlanDates {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

fn validate_measure(v: &mut Violations, f: &str, m: Measure, plan: &PlanDates, today: NaiveDate) -> Measure {
    if m.planned_end < m.planned_start {
        v.add(
            format!("{f}.planned_end"),
            "before_start",
            "the measure ends before it starts",
        );
    }
    if m.planned_start < plan.starts_on || m.planned_end > plan.ends_on {
        v.add(
            format!("{f}.planned_start"),
            "measure_outside_plan",
            format!(
                "the measure's planned dates must lie within the plan's period {} - {}",
                plan.starts_on, plan.ends_on
            ),
        );
    }
    if m.hours.is_some_and(|h| h > 5000) {
        v.add(format!("{f}.hours"), "out_of_range", "at most 5000 hours");
    }
    use MeasureStatus::*;
    if matches!(m.status, Referred) && m.referred_on.is_none() {
        v.add(
            format!("{f}.referred_on"),
            "required",
            "a referred measure needs the referral date",
        );
    }
    if matches!(m.status, Started | Interrupted | Completed) && m.started_on.is_none() {
        v.add(
            format!("{f}.started_on"),
            "required",
            "a started measure needs its start date",
        );
    }
    for (name, date) in [
        ("referred_on", m.referred_on),
        ("started_on", m.started_on),
        ("ended_on", m.ended_on),
    ] {
        not_in_future(v, &format!("{f}.{name}"), date, today);
    }
    v.date_order(
        &format!("{f}.ended_on"),
        m.started_on,
        m.ended_on,
        "before_start",
        "the measure ended before it started",
    );
    Measure {
        id: m.id.map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()),
        service: m.service,
        provider: short_text(v, &format!("{f}.provider"), m.provider),
        planned_start: m.planned_start,
        planned_end: m.planned_end,
        hours: m.hours,
        status: m.status,
        referred_on: m.referred_on,
        started_on: m.started_on,
        ended_on: m.ended_on,
        outcome: text(v, &format!("{f}.outcome"), m.outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::MeasureStatus::*;

    #[test]
    fn final_states_are_final() {
        for next in [Planned, Referred, Started, Interrupted] {
            assert!(!Completed.may_become(next));
            assert!(!Cancelled.may_become(next));
        }
        assert!(!Cancelled.may_become(Completed));
        assert!(Planned.may_become(Started));
        assert!(Interrupted.may_become(Started));
        assert!(!Started.may_become(Planned));
    }
}
