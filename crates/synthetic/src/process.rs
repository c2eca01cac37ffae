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

    fn assessment(&mut self, start: NaiveDate, adult: bool) -> Option<Assessed> {
        let elapsed = span(start, self.today);
        // The longer a customer has been one, the likelier the assessment has started; a few are
        // left waiting past the deadline, as in any unit with a backlog.
        let p = match elapsed {
            ..=20 => 0.1,
            21..=45 => 0.45,
            46..=60 => 0.55,
            61..=120 => 0.85,
            121..=365 => 0.95,
            _ => 0.99,
        };
        if !self.rng.chance(p) {
            return None;
        }
        let delay = if elapsed > 65 && self.rng.chance(0.15) {
            self.rng.range(61, elapsed.min(110) as u64)
        } else {
            self.rng.range(elapsed.min(3) as u64, elapsed.min(55) as u64)
        };
        let started_on = workday_back(days(start, delay as i64), start);
        let interview_on = if self.rng.chance(0.7) {
            started_on
        } else {
            workday_back(
                days(started_on, self.rng.range(1, 10) as i64).min(self.today),
                started_on,
            )
        };
        let completed_on = Some(days(interview_on, self.rng.range(7, 40) as i64))
            .filter(|on| *on <= self.today)
            .map(|on| workday_back(on, interview_on));
        let plan_needed = completed_on.map(|_| self.rng.chance(if adult { 0.87 } else { 0.95 }));
        let native = self.customer.native_language.clone().unwrap_or_else(|| "en".into());
        let literacy = if !adult {
            Literacy::Literate
        } else {
            match self.rng.range(0, 99) {
                0..=5 => Literacy::NotLiterate,
                6..=15 => Literacy::Limited,
                _ if OTHER_SCRIPT.contains(&native.as_str()) => Literacy::LiterateOtherScript,
                _ => Literacy::Literate,
            }
        };
        let occupation = self.rng.pick(OCCUPATIONS);
        let country = self.customer.citizenships.first().cloned();
        let (education, work_history, employment_goal, education_goal) = if adult {
            let level = match literacy {
                Literacy::NotLiterate => None,
                Literacy::Limited => Some(*self.rng.pick(&["1", "2"])),
                _ => Some(*self.rng.pick(&["2", "3", "3", "3", "6", "6", "7"])),
            };
            let education = level
                .map(|level| {
                    let years = match level {
                        "1" => self.rng.range(2, 6),
                        "2" => self.rng.range(7, 9),
                        "3" => self.rng.range(10, 12),
                        _ => self.rng.range(14, 17),
                    } as u8;
                    vec![EducationEntry {
                        country: country.clone(),
                        isced_level: level.to_owned(),
                        field: Some(self.rng.pick(education_fields(level)).to_string()),
                        years: Some(years),
                        completed: self.rng.chance(0.85),
                    }]
                })
                .unwrap_or_default();
            let work_history = if self.rng.chance(0.75) {
                vec![WorkEntry {
                    occupation: occupation.code.to_owned(),
                    country: country.clone(),
                    years: Some(self.rng.range(1, 15) as u8),
                }]
            } else {
                Vec::new()
            };
            (
                education,
                work_history,
                Some(occupation.goal.to_owned()),
                self.rng
                    .chance(0.3)
                    .then(|| format!("Ammatillinen koulutus {}", occupation.field)),
            )
        } else {
            (
                Vec::new(),
                Vec::new(),
                None,
                Some("Perusopetukseen valmistava opetus ja siirtyminen perusopetukseen".to_owned()),
            )
        };
        let national_language = if self.customer.municipality_code == "905" && self.rng.chance(0.3) {
            NationalLanguage::Sv
        } else {
            NationalLanguage::Fi
        };
        let first = *self.rng.pick(&["0", "0", "A1", "A1", "A2"]);
        let written = if matches!(literacy, Literacy::NotLiterate | Literacy::Limited) {
            "0"
        } else {
            first
        };
        let national_language_skills = LanguageLevels {
            listening: Some(first.to_owned()),
            speaking: Some(first.to_owned()),
            reading: Some(written.to_owned()),
            writing: Some(written.to_owned()),
        };
        let other_languages: Vec<LanguageSkill> = self
            .customer
            .other_languages
            .iter()
            .filter(|l| l.language != "fi" && l.language != "sv")
            .cloned()
            .collect();
        let interpreter_used = self.customer.interpreter_needed;
        let study_skills: &[&str] = if adult {
            &[
                "Tottunut opiskelemaan; oppii nopeasti kirjallisen materiaalin avulla.",
                "Vähän opiskelukokemusta; hyötyy toiminnallisista menetelmistä ja pienryhmästä.",
                "Opiskelutaidot hyvät, mutta keskittymistä vaikeuttaa perheen tilanne.",
            ]
        } else {
            &["Koulunkäynti keskeytynyt lähtömaassa; tarvitsee tukea opiskelutaitoihin."]
        };
        let interview_language = if interpreter_used {
            self.customer.interpreter_language.clone()
        } else {
            Some(self.customer.contact_language.clone().unwrap_or_else(|| "fi".into()))
        };
        let in_progress = Assessment {
            multisectoral_county: None,
            requested_on: None,
            started_on,
            initial_interview_on: Some(interview_on),
            interview_language,
            interpreter_used,
            literacy: Some(literacy),
            national_language: Some(national_language),
            national_language_skills,
            other_languages,
            education,
            work_history,
            employment_goal,
            education_goal,
            learning_and_study_skills: Some((*self.rng.pick(study_skills)).to_owned()),
            special_skills: self
                .rng
                .chance(0.3)
                .then(|| (*self.rng.pick(SPECIAL_SKILLS)).to_owned()),
            digital_skills: Some((*self.rng.pick(DIGITAL_SKILLS)).to_owned()),
            life_situation: Some((*self.rng.pick(LIFE_SITUATIONS)).to_owned()),
            plan_needed: None,
            plan_need_reason: None,
            planned_plan_on: None,
            other_service_needs: None,
            specifying_measures: Vec::new(),
            completed_on: None,
            authors: vec![self.caseworker.to_owned()],
        };
        let mut versions = vec![RecordBody::Assessment(in_progress.clone())];
        if let (Some(completed_on), Some(needed)) = (completed_on, plan_needed) {
            let mut specifying_measures = Vec::new();
            if adult && span(interview_on, completed_on) >= 14 && self.rng.chance(0.12) {
                let starts_on = days(interview_on, 3);
                specifying_measures.push(SpecifyingMeasure {
                    measure_type: "Ammatillisen osaamisen tunnistaminen".into(),
                    provider: Some(provider("Ammattiopisto", self.customer)),
                    starts_on,
                    ends_on: Some(days(starts_on, 7)),
                    result: Some(format!(
                        "Osaamista {} voidaan hyödyntää; tarvitaan suomen kieltä.",
                        occupation.field
                    )),
                });
            }
            versions.push(RecordBody::Assessment(Assessment {
                plan_needed: Some(needed),
                plan_need_reason: Some(
                    (if needed {
                        *self.rng.pick(&[
                            "Suomen kielen taito puuttuu; tavoitteena koulutus ja työ.",
                            "Tarvitsee kotoutumiskoulutusta ja ohjausta työelämään.",
                            "Luku- ja kirjoitustaidon sekä suomen kielen opiskelu tarpeen.",
                        ])
                    } else {
                        *self.rng.pick(&[
                            "Asiakas on kokoaikatyössä ja opiskelee suomea työn ohessa; suunnitelmalle ei ole nyt tarvetta.",
                            "Asiakas opiskelee jo tutkintoon johtavassa koulutuksessa; ei tarvetta suunnitelmalle.",
                        ])
                    })
                    .to_owned(),
                ),
                planned_plan_on: needed.then(|| days(completed_on, self.rng.range(7, 25) as i64)),
                other_service_needs: self
                    .rng
                    .chance(0.25)
                    .then(|| "Terveystarkastus ja lasten varhaiskasvatuspaikan hakeminen.".to_owned()),
                specifying_measures,
                completed_on: Some(completed_on),
                ..in_progress
            }));
        }
        self.push(versions, None);
        Some(Assessed {
            started_on,
            interview_on,
            completed_on,
            plan_needed,
            literacy,
            occupation,
        })
    }

    /// Before or without a plan, some customers are referred to health services.
    fn early_referral(&mut self, a: &Assessed) {
        if !self.rng.chance(0.2) {
            return;
        }
        let sent_on = workday_back(
            days(a.interview_on, self.rng.range(0, 10) as i64).min(self.today),
            a.interview_on,
        );
        let referral = Referral {
            service: ServiceType::SocialOrHealthService,
            recipient_kind: RecipientKind::WellbeingCounty,
            recipient: provider("Hyvinvointialueen terveysasema", self.customer),
            sent_on,
            measure_id: None,
            status: ReferralStatus::Sent,
            answered_on: None,
            answer: None,
        };
        let status = if span(sent_on, self.today) <= 7 {
            ReferralStatus::Sent
        } else {
            ReferralStatus::Accepted
        };
        let versions = self.referral_versions(referral, status, None, None);
        self.push(versions, None);
    }

    // ---- plans --------------------------------------------------------------------------------

    fn first_plan(&mut self, drawn_up_on: NaiveDate, adult: bool, a: &Assessed) -> PlanMade {
        let months = *self.rng.pick(&[12, 12, 12, 10, 6]);
        let ends_on = last_day_of(drawn_up_on, months);
        let period = (drawn_up_on, ends_on);
        let mut goals = Vec::new();
        if adult {
            let (language, training) = match a.literacy {
                Literacy::NotLiterate | Literacy::Limited => (
                    "Luku- ja kirjoitustaidon vahvistaminen ja suomen kielen alkeet",
                    (ServiceType::LiteracyTraining, "Aikuisopisto, lukutaitokoulutus"),
                ),
                _ => (
                    *self
                        .rng
                        .pick(&["Suomen kielen taito tasolle A2", "Suomen kielen taito tasolle B1"]),
                    (ServiceType::IntegrationTraining, "Aikuisopisto, kotoutumiskoulutus"),
                ),
            };
            let civic = self.measure(
                ServiceType::CivicOrientation,
                "Kansalaisopisto, monikielinen yhteiskuntaorientaatio",
                period,
                (7, 30),
                (56, 90),
                Some(70),
            );
            let training = self.measure(training.0, training.1, period, (20, 70), (200, 300), None);
            goals.push(Goal {
                area: GoalArea::Language,
                description: language.to_owned(),
                measures: vec![civic, training],
            });
            if self.rng.chance(0.7) {
                let mut measures = vec![self.measure(
                    ServiceType::EmploymentService,
                    "Työvoimapalvelut",
                    period,
                    (30, 90),
                    (30, 90),
                    None,
                )];
                if months >= 10 {
                    measures.push(self.measure(
                        ServiceType::WorkTryOut,
                        &format!("Työkokeilu {}", a.occupation.field),
                        period,
                        (180, 240),
                        (60, 90),
                        None,
                    ));
                }
                goals.push(Goal {
                    area: GoalArea::Employment,
                    description: format!("Työllistyminen: {}", a.occupation.goal.to_lowercase()),
                    measures,
                });
            } else {
                let vocational = self.measure(
                    ServiceType::VocationalTraining,
                    "Ammattiopisto",
                    period,
                    (150, 250),
                    (90, 120),
                    None,
                );
                goals.push(Goal {
                    area: GoalArea::Education,
                    description: format!("Ammatillinen koulutus {}", a.occupation.field),
                    measures: vec![vocational],
                });
            }
        } else {
            let preparatory = self.measure(
                ServiceType::Other,
                "Perusopetukseen valmistava opetus",
                period,
                (3, 20),
                (200, 280),
                None,
            );
            goals.push(Goal {
                area: GoalArea::Education,
                description: "Siirtyminen perusopetukseen omaan ikäryhmään".into(),
                measures: vec![preparatory],
            });
            let s2 = self.measure(
                ServiceType::OtherLanguageTraining,
                "Koulun S2-opetus",
                period,
                (3, 20),
                (200, 280),
                None,
            );
            goals.push(Goal {
                area: GoalArea::Language,
                description: "Suomen kieli toisena kielenä".into(),
                measures: vec![s2],
            });
        }
        if goals.len() < 3 && self.rng.chance(0.45) {
            let (area, description, service, who) = *self.rng.pick(WELLBEING_GOALS);
            let measure = self.measure(service, who, period, (0, 60), (30, 120), None);
            goals.push(Goal {
                area,
                description: description.to_owned(),
                measures: vec![measure],
            });
        }
        self.add_plan(drawn_up_on, ends_on, goals)
    }

    /// The plan after the first one, from the day it ended.
    fn follow_up_plan(&mut self, first: &Plan) -> PlanMade {
        let starts_on = days(first.ends_on, 1);
        let drawn_up_on = workday_back(days(first.ends_on, -(self.rng.range(0, 14) as i64)), first.drawn_up_on);
        let ends_on = last_day_of(starts_on, 12);
        let period = (starts_on, ends_on);
        let language = self.measure(
            ServiceType::OtherLanguageTraining,
            "Kansalaisopisto, suomen kielen jatkokurssi",
            period,
            (10, 40),
            (90, 150),
            Some(60),
        );
        let (service, who) = *self.rng.pick(&[
            (ServiceType::VocationalTraining, "Ammattiopisto"),
            (ServiceType::EmploymentService, "Työvoimapalvelut"),
            (ServiceType::WorkTryOut, "Työkokeilu"),
        ]);
        let work = self.measure(service, who, period, (20, 120), (60, 180), None);
        let goals = vec![
            Goal {
                area: GoalArea::Language,
                description: "Suomen kielen taito tasolle B1".into(),
                measures: vec![language],
            },
            Goal {
                area: GoalArea::Employment,
                description: "Työ tai tutkintoon johtava koulutus".into(),
                measures: vec![work],
            },
        ];
        self.add_plan_from(drawn_up_on, starts_on, ends_on, goals)
    }

    fn add_plan(&mut self, drawn_up_on: NaiveDate, ends_on: NaiveDate, goals: Vec<Goal>) -> PlanMade {
        self.add_plan_from(drawn_up_on, drawn_up_on, ends_on, goals)
    }

    /// Adds a plan whose measures already carry their statuses as of today; its history is the plan
    /// as agreed (everything planned), then its progress.
    fn add_plan_from(
        &mut self,
        drawn_up_on: NaiveDate,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        goals: Vec<Goal>,
    ) -> PlanMade {
        let reviews = self.reviews(drawn_up_on, ends_on);
        let current = Plan {
            multisectoral_county: None,
            drawn_up_on,
            starts_on,
            ends_on,
            goals,
            reviews,
            customer_agreed_on: Some(drawn_up_on),
            authors: vec![self.caseworker.to_owned()],
        };
        let agreed = Plan {
            goals: current
                .goals
                .iter()
                .map(|g| Goal {
                    measures: g.measures.iter().map(as_planned).collect(),
                    ..g.clone()
                })
                .collect(),
            reviews: Vec::new(),
            ..current.clone()
        };
        // Completed and interrupted measures were started first.
        let mut underway = current.clone();
        for m in underway.measures_mut() {
            if matches!(m.status, MeasureStatus::Completed | MeasureStatus::Interrupted) {
                m.status = MeasureStatus::Started;
                m.ended_on = None;
                m.outcome = None;
            }
        }
        if let Some(last) = underway.reviews.iter().rposition(|r| r.held_on.is_some()) {
            underway.reviews.truncate(last);
        }
        let mut versions = vec![RecordBody::Plan(agreed)];
        for next in [underway, current.clone()] {
            let next = RecordBody::Plan(next);
            if versions.last() != Some(&next) {
                versions.push(next);
            }
        }
        let record = self.push(versions, None);
        PlanMade { record, plan: current }
    }

    /// Review meetings about every six months while the plan runs; now and then one is missed, and
    /// the next one is booked when it is near.
    fn reviews(&mut self, drawn_up_on: NaiveDate, ends_on: NaiveDate) -> Vec<Review> {
        let mut reviews = Vec::new();
        let mut last = drawn_up_on;
        while let Some(due) = add_months(last, 6) {
            let on = workday_back(days(due, -(self.rng.range(0, 10) as i64)), last);
            if on > ends_on {
                break;
            }
            if on > self.today {
                if span(self.today, on) <= 30 {
                    reviews.push(Review {
                        planned_on: on,
                        held_on: None,
                        summary: None,
                    });
                }
                break;
            }
            if self.rng.chance(0.12) {
                break;
            }
            reviews.push(Review {
                planned_on: on,
                held_on: Some(on),
                summary: Some((*self.rng.pick(REVIEW_SUMMARIES)).to_owned()),
            });
            last = on;
        }
        reviews
    }

    /// A measure of the plan running over `period`, starting `offset` days into it and lasting
    /// `length` days (both ranges, within the plan), with its status as of today.
    fn measure(
        &mut self,
        service: ServiceType,
        who: &str,
        period: (NaiveDate, NaiveDate),
        offset: (u64, u64),
        length: (u64, u64),
        hours: Option<u32>,
    ) -> Measure {
        let (plan_start, plan_end) = period;
        let planned_start = days(plan_start, self.rng.range(offset.0, offset.1) as i64).min(plan_end);
        let planned_end = days(planned_start, self.rng.range(length.0, length.1) as i64).min(plan_end);
        let today = self.today;
        let mut m = Measure {
            id: None,
            service,
            provider: Some(provider(who, self.customer)),
            planned_start,
            planned_end,
            hours,
            status: MeasureStatus::Planned,
            referred_on: None,
            started_on: None,
            ended_on: None,
            outcome: None,
        };
        // Customers are referred within two months before a service starts, never before the plan.
        let referral_window = days(planned_start, -60);
        let earliest = plan_start.max(referral_window).min(today);
        if planned_start > today {
            if referral_window <= today && self.rng.chance(0.55) {
                m.status = MeasureStatus::Referred;
                m.referred_on = Some(self.between(earliest, today));
            }
        } else {
            let started_on = days(planned_start, self.rng.range(0, 7) as i64)
                .min(planned_end)
                .min(today);
            let referred_on = self.between(earliest, started_on.max(earliest));
            let roll = self.rng.range(0, 99);
            // Civic orientation is short and seldom missed; longer services are more often cut short.
            let (completed, interrupted) = if service == ServiceType::CivicOrientation {
                (95, 98)
            } else {
                (77, 87)
            };
            if planned_end < today {
                match roll {
                    _ if roll <= completed => {
                        m.status = MeasureStatus::Completed;
                        m.ended_on = Some(planned_end);
                        m.outcome = Some(outcome(service).to_owned());
                    }
                    _ if roll <= interrupted => {
                        m.status = MeasureStatus::Interrupted;
                        m.ended_on = Some(self.between(started_on, planned_end));
                        m.outcome = Some(
                            (*self.rng.pick(&[
                                "Keskeytyi terveydellisistä syistä.",
                                "Keskeytyi muuton vuoksi.",
                                "Keskeytyi; asiakas aloitti työn.",
                            ]))
                            .to_owned(),
                        );
                    }
                    _ => {
                        m.status = MeasureStatus::Cancelled;
                        m.referred_on = Some(referred_on);
                        m.outcome = Some("Peruttu; ei vapaita paikkoja suunnitellulla ajalla.".into());
                        return m;
                    }
                }
                m.referred_on = Some(referred_on);
                m.started_on = Some(started_on);
            } else {
                match roll {
                    0..=79 => {
                        m.status = MeasureStatus::Started;
                        m.referred_on = Some(referred_on);
                        m.started_on = Some(started_on);
                    }
                    80..=91 => {
                        m.status = MeasureStatus::Referred;
                        m.referred_on = Some(self.between(earliest, today));
                    }
                    _ => {
                        m.status = MeasureStatus::Interrupted;
                        m.referred_on = Some(referred_on);
                        m.started_on = Some(started_on);
                        m.ended_on = Some(self.between(started_on, today));
                        m.outcome = Some("Keskeytyi; asiakas on sairauslomalla.".into());
                    }
                }
            }
        }
        m
    }

    /// Referrals to the services of a plan's measures that others provide.
    fn plan_referrals(&mut self, made: &PlanMade) {
        for (g, goal) in made.plan.goals.iter().enumerate() {
            for (i, m) in goal.measures.iter().enumerate() {
                let Some(sent_on) = m.referred_on else { continue };
                let (recipient_kind, recipient) = match m.service {
                    ServiceType::IntegrationTraining | ServiceType::EmploymentService | ServiceType::WorkTryOut => {
                        (RecipientKind::EmploymentAuthority, "Työvoimapalvelut")
                    }
                    ServiceType::LiteracyTraining | ServiceType::VocationalTraining => {
                        (RecipientKind::EducationProvider, "Aikuis- ja ammattiopisto")
                    }
                    ServiceType::SocialOrHealthService => (RecipientKind::WellbeingCounty, "Hyvinvointialue"),
                    _ => continue,
                };
                let status = match m.status {
                    MeasureStatus::Referred if span(sent_on, self.today) <= 21 => ReferralStatus::Sent,
                    MeasureStatus::Referred | MeasureStatus::Started | MeasureStatus::Interrupted => {
                        ReferralStatus::Accepted
                    }
                    MeasureStatus::Completed => ReferralStatus::Completed,
                    MeasureStatus::Cancelled if self.rng.chance(0.5) => ReferralStatus::Declined,
                    MeasureStatus::Cancelled => ReferralStatus::Cancelled,
                    MeasureStatus::Planned => continue,
                };
                let referral = Referral {
                    service: m.service,
                    recipient_kind,
                    recipient: provider(recipient, self.customer),
                    sent_on,
                    measure_id: None,
                    status: ReferralStatus::Sent,
                    answered_on: None,
                    answer: None,
                };
                let versions = self.referral_versions(referral, status, m.started_on, Some(m.planned_start));
                self.push(
                    versions,
                    Some(MeasureRef {
                        record: made.record,
                        goal: g,
                        measure: i,
                    }),
                );
            }
        }
    }

    /// A referral as sent, then as answered (and completed), ending in `status`; the answer comes
    /// before `started_on` when the service has started, and names when it begins.
    fn referral_versions(
        &mut self,
        sent: Referral,
        status: ReferralStatus,
        started_on: Option<NaiveDate>,
        begins: Option<NaiveDate>,
    ) -> Vec<RecordBody> {
        let latest = started_on.unwrap_or(self.today).min(self.today);
        let answered_on = self.between(sent.sent_on, days(sent.sent_on, 14).min(latest).max(sent.sent_on));
        let mut versions = vec![RecordBody::Referral(sent.clone())];
        let answered = |status, answer: &str| Referral {
            status,
            answered_on: Some(answered_on),
            answer: Some(answer.to_owned()),
            ..sent.clone()
        };
        match status {
            ReferralStatus::Sent => {}
            ReferralStatus::Accepted | ReferralStatus::Completed => {
                let answer = match started_on.or(begins) {
                    Some(on) => format!("Asiakas otettu palveluun; aloitus {}.", on.format("%-d.%-m.%Y")),
                    None => "Asiakas otettu palveluun; aika ilmoitetaan asiakkaalle.".to_owned(),
                };
                let accepted = answered(ReferralStatus::Accepted, &answer);
                versions.push(RecordBody::Referral(accepted.clone()));
                if status == ReferralStatus::Completed {
                    versions.push(RecordBody::Referral(Referral { status, ..accepted }));
                }
            }
            ReferralStatus::Declined => versions.push(RecordBody::Referral(answered(
                status,
                "Ei vapaita paikkoja; asiakas voi hakea seuraavaan ryhmään.",
            ))),
            ReferralStatus::Cancelled => versions.push(RecordBody::Referral(Referral { status, ..sent.clone() })),
        }
        versions
    }

    // ---- programme ----------------------------------------------------------------------------

    fn programme(&mut self, a: &Assessed, first: &Plan) {
        let Some(completed_on) = a.completed_on else { return };
        let measures: Vec<&Measure> = first.measures().collect();
        let civic = measures.iter().find(|m| m.service == ServiceType::CivicOrientation);
        let training = measures.iter().find(|m| m.service == ServiceType::IntegrationTraining);
        let hours = civic.map_or(0, |m| match (m.status, m.started_on) {
            (MeasureStatus::Completed, _) => self.rng.range(70, 76) as u32,
            (MeasureStatus::Started | MeasureStatus::Interrupted, Some(started)) => {
                let until = m.ended_on.unwrap_or(self.today);
                let whole = span(m.planned_start, m.planned_end).max(1);
                ((span(started, until).max(0) * 70) / whole).clamp(0, 69) as u32
            }
            _ => 0,
        });
        let mut components = vec![
            ComponentDone {
                component: ProgrammeComponent::Assessment,
                completed_on: Some(completed_on),
            },
            ComponentDone {
                component: ProgrammeComponent::IntegrationPlan,
                completed_on: Some(first.drawn_up_on),
            },
        ];
        if let Some(m) = civic {
            components.push(ComponentDone {
                component: ProgrammeComponent::CivicOrientation,
                completed_on: m.ended_on.filter(|_| m.status == MeasureStatus::Completed),
            });
        }
        let integration_training = training.and_then(|m| {
            let started_on = m.started_on?;
            let done = m.status == MeasureStatus::Completed;
            let final_test_on = m.ended_on.filter(|_| done);
            let level = *self.rng.pick(&["A1", "A2", "A2", "B1"]);
            components.push(ComponentDone {
                component: ProgrammeComponent::IntegrationTraining,
                completed_on: final_test_on,
            });
            Some(IntegrationTraining {
                started_on,
                ended_on: m.ended_on,
                final_test_on,
                final_test_result: if done {
                    LanguageLevels {
                        listening: Some(level.into()),
                        speaking: Some(level.into()),
                        reading: Some(level.into()),
                        writing: Some((if level == "B1" { "A2" } else { level }).into()),
                    }
                } else {
                    LanguageLevels::default()
                },
            })
        });
        let programme = Programme {
            enrolled_on: completed_on,
            components,
            civic_orientation_hours: hours,
            civic_orientation_language: self
                .customer
                .native_language
                .clone()
                .filter(|l| code_lists::contains(code_lists::CodeListName::Languages, l)),
            integration_training,
            ended_on: None,
            provider: Some(provider("Kotoutumispalvelut", self.customer)),
        };
        self.push(vec![RecordBody::Programme(programme)], None);
    }

    // ---- notes and appointments ---------------------------------------------------------------

    fn first_note(&mut self, start: NaiveDate) {
        let written_on = workday_back(days(start, self.rng.range(0, 5) as i64).min(self.today), start);
        let (note_type, text) = *self.rng.pick(&[
            (
                NoteType::Meeting,
                "Asiakkuus alkanut. Kerrottu kotoutumispalveluista ja alkukartoituksesta; asiakas sai esitteen omalla kielellään.",
            ),
            (
                NoteType::PhoneCall,
                "Soitettu asiakkaalle tulkin välityksellä ja sovittu alkukartoituksen ensitapaaminen.",
            ),
            (
                NoteType::Message,
                "Lähetetty asiakkaalle kutsu alkukartoitukseen ja tieto tulkin varaamisesta.",
            ),
        ]);
        self.note(written_on, note_type, text, Confidentiality::Normal);
    }

    fn notes(&mut self, start: NaiveDate, assessed: Option<&Assessed>, plans: &[PlanMade]) {
        if let Some(a) = assessed
            && self.rng.chance(0.5)
        {
            self.note(
                a.interview_on,
                NoteType::Meeting,
                "Alkukartoituksen haastattelu: käyty läpi koulutus- ja työhistoria sekä perheen tilanne. Asiakas haluaa oppia suomea mahdollisimman nopeasti.",
                Confidentiality::Normal,
            );
        }
        if let Some(first) = plans.first()
            && self.rng.chance(0.5)
        {
            self.note(
                first.plan.drawn_up_on,
                NoteType::Meeting,
                "Kotoutumissuunnitelma laadittu yhdessä asiakkaan kanssa ja käyty läpi tulkin välityksellä. Asiakas hyväksyi suunnitelman.",
                Confidentiality::Normal,
            );
        }
        let since = assessed.map_or(start, |a| a.started_on).max(days(self.today, -120));
        if self.rng.chance(0.5) {
            let on = workday_back(self.between(since, self.today), since);
            if self.rng.chance(0.1) {
                // A note corrected afterwards: the first wording is kept as an earlier version.
                let first = Note {
                    written_on: on,
                    note_type: NoteType::PhoneCall,
                    text: "Asiakas soitti ja kysyi koulutuksen alkamisesta.".into(),
                    confidentiality: Confidentiality::Normal,
                };
                let corrected = Note {
                    text: "Asiakas soitti ja kysyi kotoutumiskoulutuksen alkamisesta. Neuvottu olemaan yhteydessä työvoimapalveluihin.".into(),
                    ..first.clone()
                };
                self.push(vec![RecordBody::Note(first), RecordBody::Note(corrected)], None);
            } else {
                let (note_type, text) = *self.rng.pick(FOLLOW_UP_NOTES);
                self.note(on, note_type, text, Confidentiality::Normal);
            }
        }
        if self.rng.chance(0.08) {
            let on = workday_back(self.between(since, self.today), since);
            let text = *self.rng.pick(SENSITIVE_NOTES);
            self.note(on, NoteType::Counselling, text, Confidentiality::Sensitive);
        }
    }

    fn note(&mut self, written_on: NaiveDate, note_type: NoteType, text: &str, confidentiality: Confidentiality) {
        self.push(
            vec![RecordBody::Note(Note {
                written_on,
                note_type,
                text: text.to_owned(),
                confidentiality,
            })],
            None,
        );
    }

    fn appointments(&mut self, start: NaiveDate, assessed: Option<&Assessed>, plans: &[PlanMade]) {
        let elapsed = span(start, self.today);
        match assessed {
            None => {
                // Waiting for the assessment: sometimes the customer missed the first time.
                if elapsed > 14 && self.rng.chance(0.15) {
                    let on = workday_back(self.between(days(start, 7), days(self.today, -1)), start);
                    self.appointment(on, 90, "Alkukartoitus", AppointmentStatus::NoShow);
                }
                if self.rng.chance(0.85) {
                    let on = workday_forward(days(self.today, self.rng.range(1, 14) as i64));
                    self.appointment(on, 90, "Alkukartoitus", AppointmentStatus::Planned);
                }
            }
            Some(a) => {
                self.appointment(a.interview_on, 90, "Alkukartoitus", AppointmentStatus::Held);
                if a.completed_on.is_none() && self.rng.chance(0.6) {
                    let on = workday_forward(days(self.today, self.rng.range(1, 21) as i64));
                    self.appointment(on, 60, "Alkukartoituksen jatkotapaaminen", AppointmentStatus::Planned);
                }
            }
        }
        if let Some(current) = plans.last() {
            let next_review = current
                .plan
                .reviews
                .iter()
                .find(|r| r.held_on.is_none() && r.planned_on > self.today);
            if let Some(review) = next_review {
                self.appointment(
                    review.planned_on,
                    60,
                    "Kotoutumissuunnitelman seuranta",
                    AppointmentStatus::Planned,
                );
            } else if current.plan.ends_on >= self.today && self.rng.chance(0.35) {
                let on = workday_forward(days(self.today, self.rng.range(1, 21) as i64));
                self.appointment(on, 60, "Seurantatapaaminen", AppointmentStatus::Planned);
            }
            if self.rng.chance(0.08) {
                let since = current.plan.drawn_up_on.max(days(self.today, -60));
                let on = workday_back(self.between(since, self.today), since);
                self.appointment(on, 60, "Seurantatapaaminen", AppointmentStatus::NoShow);
            }
        }
    }

    /// An appointment on `on` at a random office hour; one in the past was first booked, then held
    /// or missed.
    fn appointment(&mut self, on: NaiveDate, minutes: u32, purpose: &str, status: AppointmentStatus) {
        let hour = self.rng.range(8, 14) as u32;
        let minute = *self.rng.pick(&[0, 0, 15, 30]);
        let starts_at = NaiveDateTime::new(on, NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN));
        let remote = self.rng.chance(0.15);
        let interpreter_needed = self.customer.interpreter_needed && self.customer.interpreter_language.is_some();
        let interpreter_booked = interpreter_needed && (status == AppointmentStatus::NoShow || self.rng.chance(0.95));
        let mut participants = vec![
            format!("{} {}", self.customer.given_names, self.customer.family_name),
            self.caseworker.to_owned(),
        ];
        if interpreter_booked {
            participants.push("Tulkki".into());
        }
        let booked = Appointment {
            starts_at,
            duration_minutes: Some(minutes),
            place: (!remote).then(|| format!("Kotoutumispalvelut, huone {}", self.rng.range(101, 112))),
            remote,
            participants,
            interpreter_needed,
            interpreter_language: self
                .customer
                .interpreter_language
                .clone()
                .filter(|_| interpreter_needed),
            interpreter_booked,
            status: AppointmentStatus::Planned,
            notes: Some(purpose.to_owned()),
            interpreter_fee_flag: false,
        };
        let mut versions = vec![RecordBody::Appointment(booked.clone())];
        if status != AppointmentStatus::Planned {
            versions.push(RecordBody::Appointment(Appointment {
                status,
                interpreter_fee_flag: status == AppointmentStatus::NoShow && interpreter_booked,
                notes: Some(match status {
                    AppointmentStatus::NoShow if interpreter_booked => {
                        format!("{purpose}. Asiakas ei saapunut; tulkki oli varattu.")
                    }
                    AppointmentStatus::NoShow => format!("{purpose}. Asiakas ei saapunut."),
                    _ => purpose.to_owned(),
                }),
                ..booked
            }));
        }
        self.push(versions, None);
    }

    // ---- helpers ------------------------------------------------------------------------------

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

/// Languages not written in the Latin alphabet among the synthetic communities.
const OTHER_SCRIPT: &[&str] = &["uk", "ru", "ar", "prs", "ckb", "ti", "th"];

/// An occupation group (ISCO-08, the `occupations` code list) with an employment goal and its field.
struct Occupation {
    code: &'static str,
    goal: &'static str,
    field: &'static str,
}

const OCCUPATIONS: &[Occupation] = &[
    Occupation {
        code: "53",
        goal: "Hoiva-alan työ, lähihoitajan tehtävät",
        field: "hoiva-alalla",
    },
    Occupation {
        code: "51",
        goal: "Ravintola- ja palvelualan työ",
        field: "ravintola-alalla",
    },
    Occupation {
        code: "91",
        goal: "Siivous- ja kiinteistöpalvelualan työ",
        field: "kiinteistöpalvelualalla",
    },
    Occupation {
        code: "83",
        goal: "Kuljetusalan työ",
        field: "logistiikka-alalla",
    },
    Occupation {
        code: "72",
        goal: "Asentajan ja korjaajan työ",
        field: "metallialalla",
    },
    Occupation {
        code: "23",
        goal: "Opettajan työ; kelpoisuuden hankkiminen",
        field: "kasvatusalalla",
    },
    Occupation {
        code: "22",
        goal: "Terveydenhuollon ammatti; laillistaminen",
        field: "terveysalalla",
    },
    Occupation {
        code: "25",
        goal: "ICT-alan asiantuntijatyö",
        field: "ICT-alalla",
    },
    Occupation {
        code: "43",
        goal: "Taloushallinnon tehtävät",
        field: "taloushallinnossa",
    },
    Occupation {
        code: "71",
        goal: "Rakennusalan työ",
        field: "rakennusalalla",
    },
    Occupation {
        code: "52",
        goal: "Myyjän työ",
        field: "kaupan alalla",
    },
    Occupation {
        code: "94",
        goal: "Keittiötyö",
        field: "ravintola-alalla",
    },
];

fn education_fields(isced_level: &str) -> &'static [&'static str] {
    match isced_level {
        "1" | "2" => &["Yleissivistävä koulutus"],
        "3" => &[
            "Lukio",
            "Ammatillinen koulutus, sähköala",
            "Ammatillinen koulutus, kampaaja",
            "Ammatillinen koulutus, kokki",
        ],
        _ => &[
            "Kirjanpito",
            "Opettajankoulutus",
            "Sairaanhoito",
            "Tietotekniikka",
            "Rakennustekniikka",
            "Oikeustiede",
        ],
    }
}

const SPECIAL_SKILLS: &[&str] = &[
    "Ajokortti (B) lähtömaasta; vaihto suomalaiseen selvitettävä.",
    "Ompelu- ja korjaustaidot; ollut oma yritys.",
    "Puhuu useita kieliä; kokemusta tulkkauksesta.",
    "Valmentanut lasten jalkapallojoukkuetta.",
];

const DIGITAL_SKILLS: &[&str] = &[
    "Käyttää älypuhelinta sujuvasti; tietokoneen käyttö vähäistä.",
    "Hyvät tietotekniset taidot; käyttää sähköistä asiointia itsenäisesti.",
    "Tarvitsee apua sähköisessä asioinnissa (Kela, verkkopankki).",
    "Ei omaa tietokonetta; asioi puhelimella.",
];

const LIFE_SITUATIONS: &[&str] = &[
    "Asuu puolison ja kahden lapsen kanssa vuokra-asunnossa.",
    "Asuu yksin; perhe on vielä lähtömaassa.",
    "Yksinhuoltaja, kolme kouluikäistä lasta.",
    "Asuu tilapäisesti sukulaisten luona; asunto haussa.",
    "Asuu puolison kanssa; odottaa perheenyhdistämispäätöstä.",
];

const REVIEW_SUMMARIES: &[&str] = &[
    "Suunnitelma etenee; kielikoulutus sujuu hyvin.",
    "Edennyt hyvin; seuraavaksi työkokeilu.",
    "Kielikoulutuksen aloitus viivästyi; uusi ryhmä alkaa pian.",
    "Asiakas on tyytyväinen; tavoitteita tarkennettu.",
];

const WELLBEING_GOALS: &[(GoalArea, &str, ServiceType, &str)] = &[
    (
        GoalArea::EverydayLife,
        "Arjen asioiden hoitaminen itsenäisesti (Kela, pankki, asuminen)",
        ServiceType::GuidanceAndCounselling,
        "Kotoutumispalvelut, ohjaus",
    ),
    (
        GoalArea::Wellbeing,
        "Terveydentilan selvittäminen ja hoitoon pääsy",
        ServiceType::SocialOrHealthService,
        "Hyvinvointialueen terveysasema",
    ),
    (
        GoalArea::Wellbeing,
        "Mielekäs vapaa-aika ja sosiaaliset verkostot",
        ServiceType::Other,
        "Järjestön kohtaamispaikka",
    ),
];

const FOLLOW_UP_NOTES: &[(NoteType, &str)] = &[
    (
        NoteType::PhoneCall,
        "Asiakas soitti ja kysyi kotoutumiskoulutuksen aikataulusta. Neuvottu olemaan yhteydessä oppilaitokseen.",
    ),
    (
        NoteType::Message,
        "Lähetetty asiakkaalle muistutus tulevasta seurantatapaamisesta.",
    ),
    (
        NoteType::Guidance,
        "Ohjattu asiakasta asumistuen hakemisessa ja Kelan asiointipalvelun käytössä.",
    ),
    (
        NoteType::Counselling,
        "Keskusteltu lasten varhaiskasvatus- ja koulupaikoista; annettu yhteystiedot.",
    ),
    (
        NoteType::Meeting,
        "Tapaaminen tulkin kanssa: käyty läpi työkokeilumahdollisuuksia ja työnhakua.",
    ),
];

const SENSITIVE_NOTES: &[&str] = &[
    "Asiakas kertoi univaikeuksista ja jaksamisesta. Ohjattu hyvinvointialueen terveysasemalle; asiakas antoi luvan yhteydenottoon.",
    "Keskusteltu perheen tilanteesta ja lastensuojelun tukitoimista asiakkaan pyynnöstä.",
];

#[cfg(test)]
mod tests;
