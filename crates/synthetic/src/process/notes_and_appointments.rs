//! Case notes and appointments over the customership.

use super::*;

impl Journey<'_> {
    pub(super) fn first_note(&mut self, start: NaiveDate) {
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

    pub(super) fn notes(&mut self, start: NaiveDate, assessed: Option<&Assessed>, plans: &[PlanMade]) {
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

    pub(super) fn note(
        &mut self,
        written_on: NaiveDate,
        note_type: NoteType,
        text: &str,
        confidentiality: Confidentiality,
    ) {
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

    pub(super) fn appointments(&mut self, start: NaiveDate, assessed: Option<&Assessed>, plans: &[PlanMade]) {
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
    pub(super) fn appointment(&mut self, on: NaiveDate, minutes: u32, purpose: &str, status: AppointmentStatus) {
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
}
