//! The deadline engine: the statutory time limits of the integration process as data, and for each
//! customer what is due, by when, and whether it was met.
//!
//! Every rule names its legal source and carries a configurable value; values that could not be
//! verified against 681/2023 are marked `verified: false` (domain.md) so that a municipality's lawyer
//! knows which to check. Months are calendar months: the deadline falls on the same day of the month,
//! or on the month's last day when that month is shorter (Act on the computation of time limits
//! 150/1930 §3).

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::process::plan::MeasureStatus;
use crate::process::referral::ReferralStatus;
use crate::process::{Assessment, Plan, Programme, Referral};

/// The rules the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKey {
    /// The assessment starts within a time after the customership starts or a request arrives.
    AssessmentStart,
    /// The plan is drawn up without delay after the assessment.
    PlanAfterAssessment,
    /// The first plan is made within 3 years of the first residence permit.
    PlanWithinPermitWindow,
    /// The customer is directed to services within 6 months of the plan.
    ServicesAfterPlan,
    /// The plan is reviewed at least every 6 months.
    PlanReview,
    /// The first plan lasts at most 1 year (checked when a plan is saved).
    FirstPlanMaxDuration,
    /// At least 70 hours of multilingual civic orientation.
    CivicOrientationHours,
}

impl RuleKey {
    pub const ALL: [RuleKey; 7] = [
        RuleKey::AssessmentStart,
        RuleKey::PlanAfterAssessment,
        RuleKey::PlanWithinPermitWindow,
        RuleKey::ServicesAfterPlan,
        RuleKey::PlanReview,
        RuleKey::FirstPlanMaxDuration,
        RuleKey::CivicOrientationHours,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKey::AssessmentStart => "assessment_start",
            RuleKey::PlanAfterAssessment => "plan_after_assessment",
            RuleKey::PlanWithinPermitWindow => "plan_within_permit_window",
            RuleKey::ServicesAfterPlan => "services_after_plan",
            RuleKey::PlanReview => "plan_review",
            RuleKey::FirstPlanMaxDuration => "first_plan_max_duration",
            RuleKey::CivicOrientationHours => "civic_orientation_hours",
        }
    }

    /// Where the rule comes from.
    pub fn legal_source(self) -> &'static str {
        match self {
            RuleKey::AssessmentStart => "681/2023 §9-§10 (2 months under the repealed 1386/2010 §10)",
            RuleKey::PlanAfterAssessment => "681/2023 §15 (\"without delay\"; the number of days is local practice)",
            RuleKey::PlanWithinPermitWindow => "681/2023 §2, §15",
            RuleKey::ServicesAfterPlan => "681/2023 §15",
            RuleKey::PlanReview => "681/2023 §15",
            RuleKey::FirstPlanMaxDuration => "681/2023 §15",
            RuleKey::CivicOrientationHours => "681/2023 §13",
        }
    }

    /// Whether the value was checked against the law in force (domain.md marks the others).
    pub fn verified(self) -> bool {
        !matches!(self, RuleKey::AssessmentStart | RuleKey::PlanAfterAssessment)
    }
}

/// The configurable values of the rules (`[deadlines]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadlineRules {
    pub assessment_start_months: u32,
    pub plan_after_assessment_days: u32,
    pub plan_within_permit_months: u32,
    pub services_after_plan_months: u32,
    pub plan_review_months: u32,
    pub first_plan_max_months: u32,
    pub civic_orientation_min_hours: u32,
    /// A deadline this many days ahead or nearer is "due soon".
    pub due_soon_days: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            assessment_start_months: 2,
            plan_after_assessment_days: 30,
            plan_within_permit_months: 36,
            services_after_plan_months: 6,
            plan_review_months: 6,
            first_plan_max_months: 12,
            civic_orientation_min_hours: 70,
            due_soon_days: 14,
        }
    }
}

/// A rule as the API lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleDescription {
    pub rule: RuleKey,
    pub value: u32,
    /// `months`, `days` or `hours`.
    pub unit: &'static str,
    pub legal_source: &'static str,
    pub verified: bool,
}

impl DeadlineRules {
    /// Every rule with its current value.
    pub fn describe(&self) -> Vec<RuleDescription> {
        RuleKey::ALL
            .into_iter()
            .map(|rule| {
                let (value, unit) = match rule {
                    RuleKey::AssessmentStart => (self.assessment_start_months, "months"),
                    RuleKey::PlanAfterAssessment => (self.plan_after_assessment_days, "days"),
                    RuleKey::PlanWithinPermitWindow => (self.plan_within_permit_months, "months"),
                    RuleKey::ServicesAfterPlan => (self.services_after_plan_months, "months"),
                    RuleKey::PlanReview => (self.plan_review_months, "months"),
                    RuleKey::FirstPlanMaxDuration => (self.first_plan_max_months, "months"),
                    RuleKey::CivicOrientationHours => (self.civic_orientation_min_hours, "hours"),
                };
                RuleDescription {
                    rule,
                    value,
                    unit,
                    legal_source: rule.legal_source(),
                    verified: rule.verified(),
                }
            })
            .collect()
    }
}

/// `date` plus `months` calendar months; a day missing from the target month becomes its last day.
/// `None` only beyond the calendar's range.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

fn add_days(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days)))
}

/// Where a deadline stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    Overdue,
    DueSoon,
    Open,
    MetLate,
    Met,
}

impl DeadlineStatus {
    /// Whether the deadline still asks for action.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            DeadlineStatus::Overdue | DeadlineStatus::DueSoon | DeadlineStatus::Open
        )
    }
}

/// One deadline of one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Deadline {
    pub rule: RuleKey,
    /// The day by which it must be done.
    pub due_on: NaiveDate,
    /// When it was done, if it was.
    pub met_on: Option<NaiveDate>,
    pub status: DeadlineStatus,
    /// The record the deadline follows from (e.g. the plan to review).
    pub record_id: Option<String>,
    /// Progress where it is counted, e.g. civic orientation hours `42/70`.
    pub progress: Option<String>,
}

/// What the engine needs to know of the customer.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFacts<'a> {
    pub customership_start: NaiveDate,
    pub customership_end: Option<NaiveDate>,
    pub first_permit_date: Option<NaiveDate>,
    pub target_group: Option<&'a str>,
}

/// The current versions of a customer's process records, each with its id; plans in the order they
/// were first made.
#[derive(Debug, Clone, Default)]
pub struct ProcessFacts<'a> {
    pub assessments: Vec<(&'a str, &'a Assessment)>,
    pub plans: Vec<(&'a str, &'a Plan)>,
    pub referrals: Vec<(&'a str, &'a Referral)>,
    pub programme: Option<(&'a str, &'a Programme)>,
}

/// Target groups exempt from the 3-year window (domain.md: victims of trafficking).
const PERMIT_WINDOW_EXEMPT: &[&str] = &["trafficking_victim"];

/// Every deadline of a customer as of `today`. Once the customership has ended, deadlines not met
/// by then are dropped: there is nothing left to do.
pub fn customer_deadlines(
    rules: &DeadlineRules,
    customer: &CustomerFacts<'_>,
    process: &ProcessFacts<'_>,
    today: NaiveDate,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    let mut push = |rule: RuleKey,
                    due_on: Option<NaiveDate>,
                    met_on: Option<NaiveDate>,
                    record_id: Option<&str>,
                    progress: Option<String>| {
        let Some(due_on) = due_on else { return };
        // A date recorded ahead (e.g. a planned start) does not meet anything yet.
        let met_on = met_on.filter(|met| *met <= today);
        if met_on.is_none() && customer.customership_end.is_some_and(|end| end <= today) {
            return;
        }
        out.push(Deadline {
            rule,
            due_on,
            met_on,
            status: status(due_on, met_on, today, rules.due_soon_days),
            record_id: record_id.map(str::to_owned),
            progress,
        });
    };

    let first_plan_on = process.plans.iter().map(|(_, p)| p.drawn_up_on).min();
    let plan_not_needed = process.assessments.iter().any(|(_, a)| a.plan_needed == Some(false))
        && !process.assessments.iter().any(|(_, a)| a.plan_needed == Some(true));

    // The assessment starts within the time from the customership's start or a request, whichever
    // came first.
    let basis = process
        .assessments
        .iter()
        .filter_map(|(_, a)| a.requested_on)
        .chain([customer.customership_start])
        .min();
    let first_assessment = process.assessments.iter().min_by_key(|(_, a)| a.started_on);
    push(
        RuleKey::AssessmentStart,
        basis.and_then(|b| add_months(b, rules.assessment_start_months)),
        first_assessment.map(|(_, a)| a.started_on),
        first_assessment.map(|(id, _)| *id),
        None,
    );

    // The plan follows the first completed assessment that found it needed.
    let completed = process
        .assessments
        .iter()
        .filter(|(_, a)| a.plan_needed != Some(false))
        .filter_map(|(id, a)| a.completed_on.map(|on| (*id, on)))
        .min_by_key(|(_, on)| *on);
    if let Some((id, completed_on)) = completed {
        push(
            RuleKey::PlanAfterAssessment,
            add_days(completed_on, rules.plan_after_assessment_days),
            first_plan_on,
            Some(id),
            None,
        );
    }

    if let Some(permit) = customer.first_permit_date
        && !plan_not_needed
        && !customer.target_group.is_some_and(|g| PERMIT_WINDOW_EXEMPT.contains(&g))
    {
        push(
            RuleKey::PlanWithinPermitWindow,
            add_months(permit, rules.plan_within_permit_months),
            first_plan_on,
            None,
            None,
        );
    }

    if let Some((first_id, first_plan)) = process.plans.iter().min_by_key(|(_, p)| p.drawn_up_on) {
        let directed_on = process
            .plans
            .iter()
            .flat_map(|(_, p)| p.measures())
            .filter(|m| m.status != MeasureStatus::Planned && m.status != MeasureStatus::Cancelled)
            // Both dates of a measure count on their own: one referred before the plan but started
            // under it directs the customer on its start.
            .flat_map(|m| [m.referred_on, m.started_on].into_iter().flatten())
            // A referral the municipality itself cancelled directed nobody anywhere.
            .chain(
                process
                    .referrals
                    .iter()
                    .filter(|(_, r)| r.status != ReferralStatus::Cancelled)
                    .map(|(_, r)| r.sent_on),
            )
            .filter(|on| *on >= first_plan.drawn_up_on)
            .min();
        push(
            RuleKey::ServicesAfterPlan,
            add_months(first_plan.drawn_up_on, rules.services_after_plan_months),
            directed_on,
            Some(first_id),
            None,
        );
    }

    // The plan in force (the latest to start that has not ended) is reviewed every few months,
    // counted from when it was drawn up or last reviewed.
    if let Some((id, plan)) = process
        .plans
        .iter()
        .filter(|(_, p)| p.ends_on >= today)
        .max_by_key(|(_, p)| p.starts_on)
    {
        let last = plan
            .reviews
            .iter()
            .filter_map(|r| r.held_on)
            .filter(|on| *on <= today)
            .chain([plan.drawn_up_on])
            .max()
            .unwrap_or(plan.drawn_up_on);
        push(
            RuleKey::PlanReview,
            add_months(last, rules.plan_review_months),
            None,
            Some(id),
            None,
        );
    }

    if let Some((id, programme)) = process.programme {
        let hours = programme.civic_orientation_hours;
        let min = rules.civic_orientation_min_hours;
        let done_on = programme
            .components
            .iter()
            .find(|c| c.component == crate::process::programme::ProgrammeComponent::CivicOrientation)
            .and_then(|c| c.completed_on);
        // Within the first plan's period, or a year from enrolment without a plan.
        let due = process
            .plans
            .iter()
            .min_by_key(|(_, p)| p.drawn_up_on)
            .map(|(_, p)| p.ends_on)
            .or_else(|| add_months(programme.enrolled_on, rules.first_plan_max_months));
        push(
            RuleKey::CivicOrientationHours,
            due,
            // Without a completion date, reaching the hours counts as met on time.
            (hours >= min).then(|| done_on.unwrap_or_else(|| due.map_or(today, |due| due.min(today)))),
            Some(id),
            Some(format!("{hours}/{min}")),
        );
    }

    out.sort_by_key(|d| (!d.status.is_pending(), d.due_on));
    out
}

/// Where a deadline due on `due_on` stands on `today`.
pub fn status(due_on: NaiveDate, met_on: Option<NaiveDate>, today: NaiveDate, due_soon_days: u32) -> DeadlineStatus {
    match met_on {
        Some(met) if met <= due_on => DeadlineStatus::Met,
        Some(_) => DeadlineStatus::MetLate,
        None if today > due_on => DeadlineStatus::Overdue,
        None if add_days(today, due_soon_days).is_none_or(|soon| soon >= due_on) => DeadlineStatus::DueSoon,
        None => DeadlineStatus::Open,
    }
}

#[cfg(test)]
mod tests;
