//! The integration programme: civic orientation and integration training.

use super::*;

impl Journey<'_> {
    pub(super) fn programme(&mut self, a: &Assessed, first: &Plan) {
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
}
