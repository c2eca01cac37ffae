//! The assessment of skills and service needs (681/2023 §13), and a referral made before a plan.

use super::*;

impl Journey<'_> {
    pub(super) fn assessment(&mut self, start: NaiveDate, adult: bool) -> Option<Assessed> {
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
    pub(super) fn early_referral(&mut self, a: &Assessed) {
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
}
