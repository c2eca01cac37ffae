//! Integration plans (681/2023 §15), their reviews and measures, and the referrals they make.

use super::*;

impl Journey<'_> {
    pub(super) fn first_plan(&mut self, drawn_up_on: NaiveDate, adult: bool, a: &Assessed) -> PlanMade {
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
    pub(super) fn follow_up_plan(&mut self, first: &Plan) -> PlanMade {
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

    pub(super) fn add_plan(&mut self, drawn_up_on: NaiveDate, ends_on: NaiveDate, goals: Vec<Goal>) -> PlanMade {
        self.add_plan_from(drawn_up_on, drawn_up_on, ends_on, goals)
    }

    /// Adds a plan whose measures already carry their statuses as of today; its history is the plan
    /// as agreed (everything planned), then its progress.
    pub(super) fn add_plan_from(
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
    pub(super) fn reviews(&mut self, drawn_up_on: NaiveDate, ends_on: NaiveDate) -> Vec<Review> {
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
    pub(super) fn measure(
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
    pub(super) fn plan_referrals(&mut self, made: &PlanMade) {
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
    pub(super) fn referral_versions(
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
}
