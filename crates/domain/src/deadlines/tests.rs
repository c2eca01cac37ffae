use chrono::NaiveDate;
use proptest::prelude::*;

use super::{
    CustomerFacts, Deadline, DeadlineRules, DeadlineStatus, ProcessFacts, RuleKey, add_months, customer_deadlines,
    status,
};
use crate::process::common::{LanguageLevels, ServiceType};
use crate::process::plan::{Goal, GoalArea, Measure, MeasureStatus, Review};
use crate::process::programme::{ComponentDone, ProgrammeComponent};
use crate::process::referral::{RecipientKind, ReferralStatus};
use crate::process::{Assessment, Plan, Programme, Referral};

use DeadlineStatus::*;

mod add_months;

// ---- helpers ------------------------------------------------------------------------------

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn assessment(started_on: NaiveDate) -> Assessment {
    Assessment {
        multisectoral_county: None,
        requested_on: None,
        started_on,
        initial_interview_on: None,
        interview_language: None,
        interpreter_used: false,
        literacy: None,
        national_language: None,
        national_language_skills: LanguageLevels::default(),
        other_languages: Vec::new(),
        education: Vec::new(),
        work_history: Vec::new(),
        employment_goal: None,
        education_goal: None,
        learning_and_study_skills: None,
        special_skills: None,
        digital_skills: None,
        life_situation: None,
        plan_needed: None,
        plan_need_reason: None,
        planned_plan_on: None,
        other_service_needs: None,
        specifying_measures: Vec::new(),
        completed_on: None,
        authors: Vec::new(),
    }
}

/// An assessment completed on `completed_on` that found a plan needed (or not).
fn completed_assessment(started_on: NaiveDate, completed_on: NaiveDate, plan_needed: Option<bool>) -> Assessment {
    Assessment {
        completed_on: Some(completed_on),
        plan_needed,
        plan_need_reason: plan_needed.map(|_| "reason".to_owned()),
        ..assessment(started_on)
    }
}

/// A plan drawn up, and starting, on `drawn_up_on`, lasting a year.
fn plan(drawn_up_on: NaiveDate) -> Plan {
    Plan {
        multisectoral_county: None,
        drawn_up_on,
        starts_on: drawn_up_on,
        ends_on: add_months(drawn_up_on, 12).unwrap(),
        goals: Vec::new(),
        reviews: Vec::new(),
        customer_agreed_on: Some(drawn_up_on),
        authors: Vec::new(),
    }
}

fn with_measures(plan: Plan, measures: Vec<Measure>) -> Plan {
    Plan {
        goals: vec![Goal {
            area: GoalArea::Language,
            description: "Finnish to A2".to_owned(),
            measures,
        }],
        ..plan
    }
}

fn with_reviews(plan: Plan, reviews: Vec<Review>) -> Plan {
    Plan { reviews, ..plan }
}

fn review(planned_on: NaiveDate, held_on: Option<NaiveDate>) -> Review {
    Review {
        planned_on,
        held_on,
        summary: None,
    }
}

fn measure(status: MeasureStatus, referred_on: Option<NaiveDate>, started_on: Option<NaiveDate>) -> Measure {
    Measure {
        id: Some("m1".to_owned()),
        service: ServiceType::IntegrationTraining,
        provider: None,
        planned_start: d(2026, 4, 1),
        planned_end: d(2026, 12, 31),
        hours: None,
        status,
        referred_on,
        started_on,
        ended_on: None,
        outcome: None,
    }
}

fn referral(sent_on: NaiveDate) -> Referral {
    Referral {
        service: ServiceType::EmploymentService,
        recipient_kind: RecipientKind::EmploymentAuthority,
        recipient: "TE-palvelut".to_owned(),
        sent_on,
        measure_id: None,
        status: ReferralStatus::Sent,
        answered_on: None,
        answer: None,
    }
}

fn programme(enrolled_on: NaiveDate, hours: u32) -> Programme {
    Programme {
        enrolled_on,
        components: Vec::new(),
        civic_orientation_hours: hours,
        civic_orientation_language: None,
        integration_training: None,
        ended_on: None,
        provider: None,
    }
}

fn customer(start: NaiveDate) -> CustomerFacts<'static> {
    CustomerFacts {
        customership_start: start,
        customership_end: None,
        first_permit_date: None,
        target_group: None,
    }
}

fn deadlines(customer: &CustomerFacts<'_>, process: &ProcessFacts<'_>, today: NaiveDate) -> Vec<Deadline> {
    customer_deadlines(&DeadlineRules::default(), customer, process, today)
}

fn find(all: &[Deadline], rule: RuleKey) -> Option<&Deadline> {
    let mut matching = all.iter().filter(|x| x.rule == rule);
    let found = matching.next();
    assert!(matching.next().is_none(), "{rule:?} listed twice: {all:#?}");
    found
}

fn get(all: &[Deadline], rule: RuleKey) -> &Deadline {
    find(all, rule).unwrap_or_else(|| panic!("no {rule:?} among {all:#?}"))
}

// ---- status --------------------------------------------------------------------------------

proptest! {
    #[test]
    fn status_is_exactly_the_one_the_rules_give(
        due_offset in -400i64..400,
        met_offset in proptest::option::of(-400i64..400),
        due_soon_days in 0u32..60,
    ) {
        let today = d(2026, 6, 15);
        let due = today + chrono::Duration::days(due_offset);
        let met = met_offset.map(|o| today + chrono::Duration::days(o));
        let days_left = (due - today).num_days();
        let rules = [
            (Met, met.is_some_and(|m| m <= due)),
            (MetLate, met.is_some_and(|m| m > due)),
            (Overdue, met.is_none() && today > due),
            (DueSoon, met.is_none() && (0..=i64::from(due_soon_days)).contains(&days_left)),
            (Open, met.is_none() && days_left > i64::from(due_soon_days)),
        ];
        let applying: Vec<DeadlineStatus> = rules.iter().filter(|(_, applies)| *applies).map(|(s, _)| *s).collect();
        prop_assert_eq!(applying.len(), 1, "due {} met {:?}: {:?}", due, met, applying);
        let got = status(due, met, today, due_soon_days);
        prop_assert_eq!(got, applying[0], "due {} met {:?} soon {}", due, met, due_soon_days);
        prop_assert_eq!(got.is_pending(), met.is_none());
    }
}

#[test]
fn status_boundary_days() {
    let due = d(2026, 3, 31);
    assert_eq!(
        status(due, None, due, 14),
        DueSoon,
        "the due day itself is not yet overdue"
    );
    assert_eq!(status(due, None, d(2026, 4, 1), 14), Overdue, "the day after is");
    assert_eq!(
        status(due, None, d(2026, 3, 17), 14),
        DueSoon,
        "14 days ahead is due soon"
    );
    assert_eq!(status(due, None, d(2026, 3, 16), 14), Open, "15 days ahead is open");
    assert_eq!(
        status(due, None, due, 0),
        DueSoon,
        "with no warning period the due day is still due soon"
    );
    assert_eq!(status(due, None, d(2026, 3, 30), 0), Open);
    assert_eq!(
        status(due, Some(due), d(2027, 1, 1), 14),
        Met,
        "met on the due day is on time"
    );
    assert_eq!(status(due, Some(d(2026, 4, 1)), d(2027, 1, 1), 14), MetLate);
    assert_eq!(status(due, Some(d(2026, 1, 1)), d(2026, 1, 1), 14), Met, "met early");
}

// ---- customer_deadlines: the assessment ----------------------------------------------------

#[test]
fn assessment_starts_within_two_months_of_the_customership() {
    let c = customer(d(2026, 1, 31));
    let none = ProcessFacts::default();
    let on = |today| deadlines(&c, &none, today);

    let open = on(d(2026, 2, 1));
    assert_eq!(open.len(), 1, "{open:#?}");
    let deadline = get(&open, RuleKey::AssessmentStart);
    assert_eq!(deadline.due_on, d(2026, 3, 31));
    assert_eq!(deadline.status, Open);
    assert_eq!(deadline.met_on, None);
    assert_eq!(deadline.record_id, None);

    assert_eq!(get(&on(d(2026, 3, 20)), RuleKey::AssessmentStart).status, DueSoon);
    assert_eq!(get(&on(d(2026, 3, 31)), RuleKey::AssessmentStart).status, DueSoon);
    assert_eq!(get(&on(d(2026, 4, 1)), RuleKey::AssessmentStart).status, Overdue);
}

#[test]
fn assessment_started_on_the_due_day_is_met_and_a_day_later_met_late() {
    let c = customer(d(2026, 1, 31));
    let today = d(2026, 5, 1);

    let on_time = assessment(d(2026, 3, 31));
    let process = ProcessFacts {
        assessments: vec![("a1", &on_time)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, today);
    let deadline = get(&all, RuleKey::AssessmentStart);
    assert_eq!(deadline.due_on, d(2026, 3, 31));
    assert_eq!(deadline.met_on, Some(d(2026, 3, 31)));
    assert_eq!(deadline.status, Met);
    assert_eq!(deadline.record_id.as_deref(), Some("a1"));

    let late = assessment(d(2026, 4, 1));
    let process = ProcessFacts {
        assessments: vec![("a1", &late)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, today);
    let deadline = get(&all, RuleKey::AssessmentStart);
    assert_eq!(deadline.met_on, Some(d(2026, 4, 1)));
    assert_eq!(deadline.status, MetLate);
}

#[test]
fn the_first_assessment_to_start_meets_the_deadline() {
    let c = customer(d(2026, 1, 31));
    let later = assessment(d(2026, 5, 1));
    let first = assessment(d(2026, 3, 1));
    let process = ProcessFacts {
        assessments: vec![("later", &later), ("first", &first)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 6, 1));
    let deadline = get(&all, RuleKey::AssessmentStart);
    assert_eq!(deadline.met_on, Some(d(2026, 3, 1)));
    assert_eq!(deadline.record_id.as_deref(), Some("first"));
    assert_eq!(deadline.status, Met);
}

#[test]
fn an_assessment_recorded_ahead_does_not_meet_the_deadline_yet() {
    let c = customer(d(2026, 1, 31));
    let ahead = assessment(d(2026, 4, 15));
    let process = ProcessFacts {
        assessments: vec![("a1", &ahead)],
        ..Default::default()
    };
    let deadline = deadlines(&c, &process, d(2026, 4, 10))
        .into_iter()
        .find(|x| x.rule == RuleKey::AssessmentStart)
        .unwrap();
    assert_eq!(deadline.met_on, None);
    assert_eq!(deadline.status, Overdue);
}

#[test]
fn an_earlier_request_moves_the_basis_of_the_assessment_deadline() {
    let c = customer(d(2026, 3, 10));
    let requested_early = Assessment {
        requested_on: Some(d(2026, 1, 15)),
        ..assessment(d(2026, 3, 20))
    };
    let process = ProcessFacts {
        assessments: vec![("a1", &requested_early)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 4, 1));
    let deadline = get(&all, RuleKey::AssessmentStart);
    assert_eq!(
        deadline.due_on,
        d(2026, 3, 15),
        "two months from the request, not from 2026-03-10"
    );
    assert_eq!(deadline.status, MetLate);

    // A request after the customership started does not push the deadline later.
    let c = customer(d(2026, 1, 31));
    let requested_late = Assessment {
        requested_on: Some(d(2026, 2, 20)),
        ..assessment(d(2026, 3, 20))
    };
    let process = ProcessFacts {
        assessments: vec![("a1", &requested_late)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 4, 1));
    let deadline = get(&all, RuleKey::AssessmentStart);
    assert_eq!(deadline.due_on, d(2026, 3, 31));
    assert_eq!(deadline.status, Met);
}

proptest! {
    #[test]
    fn without_records_only_the_assessment_deadline_runs(
        start_offset in 0u64..3650,
        today_offset in 0u64..800,
    ) {
        let start = d(2020, 1, 1).checked_add_days(chrono::Days::new(start_offset)).unwrap();
        let today = start.checked_add_days(chrono::Days::new(today_offset)).unwrap();
        let rules = DeadlineRules::default();
        let all = customer_deadlines(&rules, &customer(start), &ProcessFacts::default(), today);
        prop_assert_eq!(all.len(), 1, "{:?}", all);
        let deadline = &all[0];
        prop_assert_eq!(deadline.rule, RuleKey::AssessmentStart);
        prop_assert_eq!(Some(deadline.due_on), add_months(start, 2));
        prop_assert_eq!(deadline.met_on, None);
        prop_assert_eq!(deadline.status, status(deadline.due_on, None, today, rules.due_soon_days));
        prop_assert!(deadline.status.is_pending());
    }
}

// ---- customer_deadlines: the plan ----------------------------------------------------------

#[test]
fn plan_after_assessment_appears_only_once_an_assessment_is_completed_needing_a_plan() {
    let c = customer(d(2026, 1, 31));
    let today = d(2026, 3, 20);

    let ongoing = assessment(d(2026, 3, 1));
    let process = ProcessFacts {
        assessments: vec![("a1", &ongoing)],
        ..Default::default()
    };
    assert!(find(&deadlines(&c, &process, today), RuleKey::PlanAfterAssessment).is_none());

    let no_plan = completed_assessment(d(2026, 3, 1), d(2026, 3, 15), Some(false));
    let process = ProcessFacts {
        assessments: vec![("a1", &no_plan)],
        ..Default::default()
    };
    assert!(find(&deadlines(&c, &process, today), RuleKey::PlanAfterAssessment).is_none());

    for plan_needed in [Some(true), None] {
        let completed = completed_assessment(d(2026, 3, 1), d(2026, 3, 15), plan_needed);
        let process = ProcessFacts {
            assessments: vec![("a1", &completed)],
            ..Default::default()
        };
        let all = deadlines(&c, &process, today);
        let deadline = get(&all, RuleKey::PlanAfterAssessment);
        assert_eq!(deadline.due_on, d(2026, 4, 14), "30 days after 2026-03-15");
        assert_eq!(deadline.met_on, None);
        assert_eq!(deadline.status, Open);
        assert_eq!(deadline.record_id.as_deref(), Some("a1"));
        assert_eq!(
            get(&deadlines(&c, &process, d(2026, 4, 15)), RuleKey::PlanAfterAssessment).status,
            Overdue
        );
    }
}

#[test]
fn plan_after_assessment_is_met_by_the_first_plan() {
    let c = customer(d(2026, 1, 31));
    let completed = completed_assessment(d(2026, 3, 1), d(2026, 3, 15), Some(true));
    let first = plan(d(2026, 4, 10));
    let revision = plan(d(2026, 6, 1));
    let process = ProcessFacts {
        assessments: vec![("a1", &completed)],
        plans: vec![("p2", &revision), ("p1", &first)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 7, 1));
    let deadline = get(&all, RuleKey::PlanAfterAssessment);
    assert_eq!(deadline.met_on, Some(d(2026, 4, 10)));
    assert_eq!(deadline.status, Met);

    let late = plan(d(2026, 4, 15));
    let process = ProcessFacts {
        assessments: vec![("a1", &completed)],
        plans: vec![("p1", &late)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 7, 1));
    assert_eq!(get(&all, RuleKey::PlanAfterAssessment).status, MetLate);
}

#[test]
fn plan_within_three_years_of_the_first_permit() {
    let permit = CustomerFacts {
        first_permit_date: Some(d(2024, 2, 29)),
        ..customer(d(2026, 1, 31))
    };
    let none = ProcessFacts::default();
    let all = deadlines(&permit, &none, d(2026, 2, 1));
    let deadline = get(&all, RuleKey::PlanWithinPermitWindow);
    assert_eq!(deadline.due_on, d(2027, 2, 28), "36 months from a leap day");
    assert_eq!(deadline.status, Open);
    assert_eq!(
        get(
            &deadlines(&permit, &none, d(2027, 3, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .status,
        Overdue
    );

    let first = plan(d(2026, 4, 1));
    let process = ProcessFacts {
        plans: vec![("p1", &first)],
        ..Default::default()
    };
    let all = deadlines(&permit, &process, d(2026, 5, 1));
    let deadline = get(&all, RuleKey::PlanWithinPermitWindow);
    assert_eq!(deadline.met_on, Some(d(2026, 4, 1)));
    assert_eq!(deadline.status, Met);

    // No permit date, no window.
    assert!(
        find(
            &deadlines(&customer(d(2026, 1, 31)), &none, d(2026, 2, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .is_none()
    );
}

#[test]
fn victims_of_trafficking_are_exempt_from_the_permit_window() {
    let victim = CustomerFacts {
        first_permit_date: Some(d(2024, 2, 29)),
        target_group: Some("trafficking_victim"),
        ..customer(d(2026, 1, 31))
    };
    let none = ProcessFacts::default();
    assert!(
        find(
            &deadlines(&victim, &none, d(2026, 2, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .is_none()
    );

    let refugee = CustomerFacts {
        target_group: Some("quota_refugee"),
        ..victim
    };
    assert!(
        find(
            &deadlines(&refugee, &none, d(2026, 2, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .is_some()
    );
}

#[test]
fn no_permit_window_when_the_assessment_found_no_plan_needed() {
    let permit = CustomerFacts {
        first_permit_date: Some(d(2025, 5, 10)),
        ..customer(d(2026, 1, 31))
    };
    let no_plan = completed_assessment(d(2026, 3, 1), d(2026, 3, 15), Some(false));
    let process = ProcessFacts {
        assessments: vec![("a1", &no_plan)],
        ..Default::default()
    };
    assert!(
        find(
            &deadlines(&permit, &process, d(2026, 4, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .is_none()
    );

    let none = ProcessFacts::default();
    assert_eq!(
        get(
            &deadlines(&permit, &none, d(2026, 4, 1)),
            RuleKey::PlanWithinPermitWindow
        )
        .due_on,
        d(2028, 5, 10)
    );
}

// ---- customer_deadlines: services after the plan ---------------------------------------------

/// The services deadline of a plan drawn up on 2026-03-31 with `measures`, plus `referrals`.
fn services_deadline(measures: Vec<Measure>, referrals: &[Referral], today: NaiveDate) -> Deadline {
    let p = with_measures(plan(d(2026, 3, 31)), measures);
    let process = ProcessFacts {
        plans: vec![("p1", &p)],
        referrals: referrals.iter().map(|r| ("r", r)).collect(),
        ..Default::default()
    };
    get(
        &deadlines(&customer(d(2026, 1, 31)), &process, today),
        RuleKey::ServicesAfterPlan,
    )
    .clone()
}

#[test]
fn services_are_due_six_months_after_the_plan() {
    let deadline = services_deadline(Vec::new(), &[], d(2026, 4, 1));
    assert_eq!(deadline.due_on, d(2026, 9, 30), "six months from 2026-03-31");
    assert_eq!(deadline.status, Open);
    assert_eq!(deadline.record_id.as_deref(), Some("p1"));
    assert_eq!(services_deadline(Vec::new(), &[], d(2026, 10, 1)).status, Overdue);
}

#[test]
fn a_referral_after_the_plan_meets_the_services_deadline() {
    let deadline = services_deadline(Vec::new(), &[referral(d(2026, 5, 4))], d(2026, 6, 1));
    assert_eq!(deadline.met_on, Some(d(2026, 5, 4)));
    assert_eq!(deadline.status, Met);

    let late = services_deadline(Vec::new(), &[referral(d(2026, 10, 1))], d(2026, 11, 1));
    assert_eq!(late.status, MetLate);

    // A referral sent before the plan was drawn up does not direct the customer under it.
    let before = services_deadline(Vec::new(), &[referral(d(2026, 3, 1))], d(2026, 6, 1));
    assert_eq!(before.met_on, None);
    assert_eq!(before.status, Open);
}

#[test]
fn a_referred_or_started_measure_meets_the_services_deadline() {
    let referred = services_deadline(
        vec![measure(MeasureStatus::Referred, Some(d(2026, 4, 20)), None)],
        &[],
        d(2026, 6, 1),
    );
    assert_eq!(referred.met_on, Some(d(2026, 4, 20)));
    assert_eq!(referred.status, Met);

    let started = services_deadline(
        vec![measure(MeasureStatus::Started, None, Some(d(2026, 5, 2)))],
        &[],
        d(2026, 6, 1),
    );
    assert_eq!(started.met_on, Some(d(2026, 5, 2)));
    assert_eq!(started.status, Met);

    let completed = services_deadline(
        vec![measure(
            MeasureStatus::Completed,
            Some(d(2026, 10, 2)),
            Some(d(2026, 10, 5)),
        )],
        &[],
        d(2026, 12, 1),
    );
    assert_eq!(
        completed.met_on,
        Some(d(2026, 10, 2)),
        "the earlier of referral and start"
    );
    assert_eq!(completed.status, MetLate);
}

#[test]
fn planned_or_cancelled_measures_do_not_meet_the_services_deadline() {
    for status in [MeasureStatus::Planned, MeasureStatus::Cancelled] {
        let deadline = services_deadline(
            vec![measure(status, Some(d(2026, 4, 20)), Some(d(2026, 5, 1)))],
            &[],
            d(2026, 10, 1),
        );
        assert_eq!(deadline.met_on, None, "{status:?}");
        assert_eq!(deadline.status, Overdue, "{status:?}");
    }
}

#[test]
fn a_measure_referred_before_the_plan_and_started_after_it_meets_the_services_deadline() {
    // The employment office sent the customer to integration training during the assessment; the
    // training started after the plan was drawn up. The customer is in services under the plan.
    let deadline = services_deadline(
        vec![measure(
            MeasureStatus::Started,
            Some(d(2026, 3, 1)),
            Some(d(2026, 4, 15)),
        )],
        &[],
        d(2026, 10, 1),
    );
    assert_eq!(deadline.met_on, Some(d(2026, 4, 15)));
    assert_eq!(deadline.status, Met);
}

// ---- customer_deadlines: plan review -------------------------------------------------------

#[test]
fn a_plan_is_reviewed_six_months_after_drawing_up_then_after_each_review() {
    let c = customer(d(2025, 10, 1));
    let today = d(2026, 2, 1);

    let fresh = plan(d(2026, 1, 15));
    let process = ProcessFacts {
        plans: vec![("p1", &fresh)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, today);
    let deadline = get(&all, RuleKey::PlanReview);
    assert_eq!(deadline.due_on, d(2026, 7, 15));
    assert_eq!(deadline.met_on, None);
    assert_eq!(deadline.status, Open);
    assert_eq!(deadline.record_id.as_deref(), Some("p1"));
    assert_eq!(
        get(&deadlines(&c, &process, d(2026, 7, 16)), RuleKey::PlanReview).status,
        Overdue
    );

    let reviewed = with_reviews(
        plan(d(2026, 1, 15)),
        vec![
            review(d(2026, 4, 1), Some(d(2026, 4, 1))),
            review(d(2026, 6, 10), Some(d(2026, 6, 12))),
            // Planned but not held: does not count.
            review(d(2026, 9, 1), None),
        ],
    );
    let process = ProcessFacts {
        plans: vec![("p1", &reviewed)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 7, 1));
    assert_eq!(
        get(&all, RuleKey::PlanReview).due_on,
        d(2026, 12, 12),
        "six months from the latest review"
    );
    assert_eq!(get(&all, RuleKey::PlanReview).status, Open);
}

#[test]
fn plan_review_follows_the_plan_in_force_and_ends_with_it() {
    let c = customer(d(2025, 1, 10));
    let old = plan(d(2025, 3, 1)); // ends 2026-03-01
    let current = plan(d(2026, 2, 15)); // ends 2027-02-15
    let process = ProcessFacts {
        plans: vec![("old", &old), ("current", &current)],
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 4, 1));
    let deadline = get(&all, RuleKey::PlanReview);
    assert_eq!(deadline.record_id.as_deref(), Some("current"));
    assert_eq!(deadline.due_on, d(2026, 8, 15));

    // On its last day the plan is still in force; the day after, there is nothing to review.
    let only = plan(d(2025, 3, 1));
    let process = ProcessFacts {
        plans: vec![("p1", &only)],
        ..Default::default()
    };
    assert!(find(&deadlines(&c, &process, d(2026, 3, 1)), RuleKey::PlanReview).is_some());
    assert!(find(&deadlines(&c, &process, d(2026, 3, 2)), RuleKey::PlanReview).is_none());
}

// ---- customer_deadlines: civic orientation -------------------------------------------------

#[test]
fn civic_orientation_hours_count_toward_seventy() {
    let c = customer(d(2026, 1, 31));
    let partial = programme(d(2026, 2, 1), 42);
    let process = ProcessFacts {
        programme: Some(("prog", &partial)),
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 6, 1));
    let deadline = get(&all, RuleKey::CivicOrientationHours);
    assert_eq!(deadline.progress.as_deref(), Some("42/70"));
    assert_eq!(deadline.due_on, d(2027, 2, 1), "a year from enrolment without a plan");
    assert_eq!(deadline.met_on, None);
    assert_eq!(deadline.status, Open);
    assert_eq!(deadline.record_id.as_deref(), Some("prog"));

    let almost = programme(d(2026, 2, 1), 69);
    let process = ProcessFacts {
        programme: Some(("prog", &almost)),
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2027, 2, 2));
    assert_eq!(get(&all, RuleKey::CivicOrientationHours).status, Overdue);

    let done = programme(d(2026, 2, 1), 70);
    let process = ProcessFacts {
        programme: Some(("prog", &done)),
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 6, 1));
    let deadline = get(&all, RuleKey::CivicOrientationHours);
    assert_eq!(deadline.progress.as_deref(), Some("70/70"));
    assert!(deadline.met_on.is_some());
    assert_eq!(deadline.status, Met);
}

#[test]
fn civic_orientation_is_due_within_the_first_plan_and_dated_by_its_completion() {
    let c = customer(d(2026, 1, 31));
    let first = plan(d(2026, 3, 1)); // ends 2027-03-01
    let done = Programme {
        components: vec![ComponentDone {
            component: ProgrammeComponent::CivicOrientation,
            completed_on: Some(d(2027, 3, 5)),
        }],
        ..programme(d(2026, 2, 1), 80)
    };
    let process = ProcessFacts {
        plans: vec![("p1", &first)],
        programme: Some(("prog", &done)),
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2027, 4, 1));
    let deadline = get(&all, RuleKey::CivicOrientationHours);
    assert_eq!(deadline.due_on, d(2027, 3, 1));
    assert_eq!(deadline.met_on, Some(d(2027, 3, 5)));
    assert_eq!(deadline.status, MetLate);
    assert_eq!(deadline.progress.as_deref(), Some("80/70"));
}

// ---- customer_deadlines: the end of the customership and the order ---------------------------

#[test]
fn once_the_customership_ends_pending_deadlines_go_and_met_ones_stay() {
    let ended = CustomerFacts {
        customership_end: Some(d(2026, 5, 1)),
        first_permit_date: Some(d(2025, 1, 1)),
        ..customer(d(2026, 1, 31))
    };
    let completed = completed_assessment(d(2026, 3, 1), d(2026, 3, 20), Some(true));
    let process = ProcessFacts {
        assessments: vec![("a1", &completed)],
        ..Default::default()
    };

    // Before the end everything still runs.
    let before = deadlines(&ended, &process, d(2026, 4, 30));
    assert_eq!(get(&before, RuleKey::AssessmentStart).status, Met);
    assert_eq!(get(&before, RuleKey::PlanAfterAssessment).status, Overdue);
    assert!(find(&before, RuleKey::PlanWithinPermitWindow).is_some());

    for today in [d(2026, 5, 1), d(2026, 6, 1)] {
        let after = deadlines(&ended, &process, today);
        assert_eq!(after.len(), 1, "{today}: {after:#?}");
        assert_eq!(get(&after, RuleKey::AssessmentStart).status, Met);
        assert!(after.iter().all(|x| !x.status.is_pending()));
    }
}

#[test]
fn pending_deadlines_come_first_by_due_date() {
    let c = CustomerFacts {
        first_permit_date: Some(d(2024, 2, 29)),
        ..customer(d(2026, 1, 31))
    };
    let a = completed_assessment(d(2026, 2, 10), d(2026, 3, 1), Some(true));
    let p = with_reviews(plan(d(2026, 4, 15)), Vec::new());
    let prog = programme(d(2026, 2, 1), 10);
    let process = ProcessFacts {
        assessments: vec![("a1", &a)],
        plans: vec![("p1", &p)],
        programme: Some(("prog", &prog)),
        ..Default::default()
    };
    let all = deadlines(&c, &process, d(2026, 5, 1));
    let order: Vec<(RuleKey, DeadlineStatus, NaiveDate)> = all.iter().map(|x| (x.rule, x.status, x.due_on)).collect();
    assert_eq!(
        order,
        vec![
            (RuleKey::ServicesAfterPlan, Open, d(2026, 10, 15)),
            (RuleKey::PlanReview, Open, d(2026, 10, 15)),
            (RuleKey::CivicOrientationHours, Open, d(2027, 4, 15)),
            (RuleKey::AssessmentStart, Met, d(2026, 3, 31)),
            (RuleKey::PlanAfterAssessment, MetLate, d(2026, 3, 31)),
            (RuleKey::PlanWithinPermitWindow, Met, d(2027, 2, 28)),
        ]
    );
    for pair in all.windows(2) {
        let key = |x: &Deadline| (!x.status.is_pending(), x.due_on);
        assert!(key(&pair[0]) <= key(&pair[1]), "{pair:#?}");
    }
}
