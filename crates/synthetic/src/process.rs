//! Synthetic integration process records for a synthetic customer, as a unit's caseload looks on a
//! given day: customers still waiting for their assessment, assessments under way, integration plans
//! with measures at every stage, referrals and their answers, the integration programme with civic
//! orientation hours, case notes and appointments.
//!
//! Everything is computed from the customer and "today" alone (no I/O), and every version of every
//! record passes the validation of [`RecordBody::validate`] on that day: nothing done lies in the
//! future, a plan's measures lie within the plan, the first plan lasts at most 12 months, each status
//! has the dates it needs, and consecutive versions obey the records' state machines.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use kotopolku_domain::code_lists;
use kotopolku_domain::customer::{CustomerInput, LanguageSkill};
use kotopolku_domain::deadlines::add_months;
use kotopolku_domain::process::appointment::AppointmentStatus;
use kotopolku_domain::process::assessment::{EducationEntry, Literacy, NationalLanguage, SpecifyingMeasure, WorkEntry};
use kotopolku_domain::process::common::{LanguageLevels, ServiceType};
use kotopolku_domain::process::note::{Confidentiality, NoteType};
use kotopolku_domain::process::plan::{Goal, GoalArea, Measure, MeasureStatus, Review};
use kotopolku_domain::process::programme::{ComponentDone, IntegrationTraining, ProgrammeComponent};
use kotopolku_domain::process::referral::{RecipientKind, ReferralStatus};
use kotopolku_domain::process::{Appointment, Assessment, Note, Plan, Programme, RecordBody, Referral};

use crate::Rng;

mod assessment;
mod notes_and_appointments;
mod plans;
mod programme;
mod vocabulary;

use vocabulary::*;

/// One synthetic process record with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticRecord {
    /// The versions, oldest first: the first is added, each later one revises the one before it.
    /// A revised plan keeps its goals and measures in the same places, so that the ids the first
    /// version was given can be carried over by position ([`carry_measure_ids`]).
    pub versions: Vec<RecordBody>,
    /// For a referral that carries out a plan measure: where that measure is ([`link_measure`]).
    pub measure: Option<MeasureRef>,
}

/// A measure of a plan among a customer's synthetic records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureRef {
    /// The plan's index in the customer's records.
    pub record: usize,
    pub goal: usize,
    pub measure: usize,
}

/// Copies the measure ids of `previous` (a saved plan version) to the measures in the same places in
/// `next`, so that a revision keeps each measure's identity. Anything but two plans is left as it is.
pub fn carry_measure_ids(previous: &RecordBody, next: &mut RecordBody) {
    if let (RecordBody::Plan(before), RecordBody::Plan(after)) = (previous, next) {
        for (goal_before, goal_after) in before.goals.iter().zip(after.goals.iter_mut()) {
            for (m_before, m_after) in goal_before.measures.iter().zip(goal_after.measures.iter_mut()) {
                m_after.id.clone_from(&m_before.id);
            }
        }
    }
}

/// Points a referral at the measure `at` of the saved plan `plan`.
pub fn link_measure(referral: &mut RecordBody, plan: &RecordBody, at: MeasureRef) {
    if let (RecordBody::Referral(referral), RecordBody::Plan(plan)) = (referral, plan) {
        referral.measure_id = plan
            .goals
            .get(at.goal)
            .and_then(|g| g.measures.get(at.measure))
            .and_then(|m| m.id.clone());
    }
}

/// Makes the process records of customers one after another; the same seed, customers and day give
/// the same records.
pub struct ProcessGenerator {
    rng: Rng,
    today: NaiveDate,
}

impl ProcessGenerator {
    /// `today` bounds every date of something done.
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        // A stream of its own: customers made with the same seed stay as they were.
        Self {
            rng: Rng::new(seed ^ 0x7072_6F63_6573_7321),
            today,
        }
    }

    /// The records of `customer` (registered with its customership start on or before today), in
    /// the order they are to be added; `caseworker` is the name the records are signed with.
    pub fn records(&mut self, customer: &CustomerInput, caseworker: &str) -> Vec<SyntheticRecord> {
        Journey {
            rng: &mut self.rng,
            customer,
            today: self.today,
            caseworker,
            records: Vec::new(),
        }
        .build()
    }
}

/// What the assessment found, for the records that follow it.
struct Assessed {
    started_on: NaiveDate,
    interview_on: NaiveDate,
    completed_on: Option<NaiveDate>,
    plan_needed: Option<bool>,
    literacy: Literacy,
    occupation: &'static Occupation,
}

/// A plan as made, for the records that follow it.
struct PlanMade {
    record: usize,
    plan: Plan,
}

/// One customer's records being made.
struct Journey<'a> {
    rng: &'a mut Rng,
    customer: &'a CustomerInput,
    today: NaiveDate,
    caseworker: &'a str,
    records: Vec<SyntheticRecord>,
}

impl Journey<'_> {
    fn build(mut self) -> Vec<SyntheticRecord> {
        let start = self.customer.customership_start.min(self.today);
        let adult = self
            .customer
            .birth_date
            .is_none_or(|birth| (start - birth).num_days() >= 17 * 365);
        self.first_note(start);
        let assessed = self.assessment(start, adult);
        let mut plans = Vec::new();
        if let Some(a) = &assessed {
            if a.plan_needed != Some(true) {
                self.early_referral(a);
            }
            if let (Some(completed_on), Some(true)) = (a.completed_on, a.plan_needed) {
                let delay = if self.rng.chance(0.18) {
                    self.rng.range(31, 80)
                } else {
                    self.rng.range(3, 28)
                };
                let drawn_up_on = days(completed_on, delay as i64);
                if drawn_up_on <= self.today {
                    let drawn_up_on = workday_back(drawn_up_on, completed_on);
                    let first = self.first_plan(drawn_up_on, adult, a);
                    // A first plan that has run out is usually followed by another.
                    let follow_up = (first.plan.ends_on < self.today && adult && self.rng.chance(0.75))
                        .then(|| self.follow_up_plan(&first.plan));
                    plans.push(first);
                    plans.extend(follow_up);
                }
            }
        }
        if let (Some(a), Some(first)) = (&assessed, plans.first())
            && adult
            && self.rng.chance(0.75)
        {
            self.programme(a, &first.plan);
        }
        for made in &plans {
            self.plan_referrals(made);
        }
        self.notes(start, assessed.as_ref(), &plans);
        self.appointments(start, assessed.as_ref(), &plans);
        self.records
    }

    // ---- assessment ---------------------------------------------------------------------------

    fn push(&mut self, versions: Vec<RecordBody>, measure: Option<MeasureRef>) -> usize {
        self.records.push(SyntheticRecord { versions, measure });
        self.records.len() - 1
    }

    /// A day in `from..=to` (`from` when the range is empty).
    fn between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        days(from, self.rng.range(0, span(from, to).max(0) as u64) as i64)
    }
}

/// The measure as first agreed: planned, nothing done yet.
fn as_planned(m: &Measure) -> Measure {
    Measure {
        status: MeasureStatus::Planned,
        referred_on: None,
        started_on: None,
        ended_on: None,
        outcome: None,
        ..m.clone()
    }
}

fn outcome(service: ServiceType) -> &'static str {
    match service {
        ServiceType::CivicOrientation => "Suoritettu; todistus annettu.",
        ServiceType::IntegrationTraining => "Kotoutumiskoulutus päättynyt; päättötesti suoritettu.",
        ServiceType::LiteracyTraining => "Lukutaitokoulutus suoritettu; jatkaa kotoutumiskoulutukseen.",
        ServiceType::WorkTryOut => "Työkokeilu sujui hyvin; työnantaja harkitsee palkkatukityötä.",
        ServiceType::EmploymentService => "Työnhakusuunnitelma tehty; työnhaku käynnissä.",
        ServiceType::VocationalTraining => "Valmentava koulutus suoritettu; haku tutkintokoulutukseen.",
        _ => "Päättynyt suunnitellusti.",
    }
}

/// `base` at the customer's municipality, e.g. "Työvoimapalvelut (Espoo)".
fn provider(base: &str, customer: &CustomerInput) -> String {
    match code_lists::municipality(&customer.municipality_code) {
        Some(m) => format!("{base} ({})", m.name.fi),
        None => base.to_owned(),
    }
}

fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date + Duration::days(n)
}

fn span(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The day before `months` calendar months from `date`: a period that long, both ends included.
fn last_day_of(date: NaiveDate, months: u32) -> NaiveDate {
    add_months(date, months).map_or(date, |d| days(d, -1)).max(date)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `date`, or the Friday before it if it falls on a weekend, but never before `floor`.
fn workday_back(date: NaiveDate, floor: NaiveDate) -> NaiveDate {
    let mut d = date;
    while is_weekend(d) && days(d, -1) >= floor {
        d = days(d, -1);
    }
    if is_weekend(d) { date } else { d }
}

/// `date`, or the Monday after it if it falls on a weekend.
fn workday_forward(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while is_weekend(d) {
        d = days(d, 1);
    }
    d
}

#[cfg(test)]
mod tests;
