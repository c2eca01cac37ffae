//! Säilytysajat: how long a customer's data is kept after the customership ends, and what an
//! anonymised customer keeps for statistics.
//!
//! The defaults below are NOT verified against law or archive rules: the Integration Act 681/2023
//! does not set the periods, and each municipality's archive formation plan (arkistonmuodostus-
//! suunnitelma) decides them. Configure them in `[retention]` before running the job on real data.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::customer::{Customer, CustomerData};
use crate::process::RecordKind;

/// Years each kind of data is kept, counted from the day the customership ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionRules {
    /// The customer's basic data and everything not listed separately; after it the customer is
    /// anonymised. Default 10 years (unverified).
    pub customer_years: u32,
    /// Default 10 years (unverified).
    pub assessment_years: u32,
    /// Default 10 years (unverified).
    pub plan_years: u32,
    /// Default 10 years (unverified).
    pub programme_years: u32,
    /// Default 10 years (unverified).
    pub referral_years: u32,
    /// Case notes. Default 5 years (unverified).
    pub note_years: u32,
    /// Default 2 years (unverified).
    pub appointment_years: u32,
}

impl Default for RetentionRules {
    fn default() -> Self {
        Self {
            customer_years: 10,
            assessment_years: 10,
            plan_years: 10,
            programme_years: 10,
            referral_years: 10,
            note_years: 5,
            appointment_years: 2,
        }
    }
}

impl RetentionRules {
    pub fn years(&self, kind: RecordKind) -> u32 {
        match kind {
            RecordKind::Assessment => self.assessment_years,
            RecordKind::Plan => self.plan_years,
            RecordKind::Programme => self.programme_years,
            RecordKind::Referral => self.referral_years,
            RecordKind::Note => self.note_years,
            RecordKind::Appointment => self.appointment_years,
        }
    }

    /// Every period at least a year, and none longer than the customer's own: a record cannot
    /// outlive the customer it belongs to.
    pub fn check(&self) -> Result<(), String> {
        if self.customer_years == 0 {
            return Err("retention.customer_years must be at least 1".into());
        }
        for kind in RecordKind::ALL {
            let years = self.years(kind);
            if years == 0 || years > self.customer_years {
                return Err(format!(
                    "retention.{}_years must be between 1 and customer_years ({})",
                    kind.as_str(),
                    self.customer_years
                ));
            }
        }
        Ok(())
    }

    /// The last day of customerships whose data of `years` has expired by `today`: a customership
    /// that ended on or before it has been over for at least `years` years.
    pub fn ended_on_or_before(today: NaiveDate, years: u32) -> NaiveDate {
        let year = today.year() - i32::try_from(years).unwrap_or(i32::MAX / 2);
        // 29 February falls back to the 28th in a year without it.
        NaiveDate::from_ymd_opt(year, today.month(), today.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), today.day() - 1))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// What an anonymised customer keeps: the fields statistics count by (birth year, sex,
/// citizenships, languages, municipality, dates and bases of the process), without anything that
/// identifies the person (names, identity code, exact birth date, contact data, caseworker).
pub fn anonymised(customer: &Customer) -> CustomerData {
    let d = &customer.data;
    CustomerData {
        identity_code: None,
        family_name: ANONYMISED_NAME.into(),
        given_names: ANONYMISED_NAME.into(),
        birth_date: NaiveDate::from_ymd_opt(d.birth_date.year(), 1, 1).unwrap_or(d.birth_date),
        phone: None,
        email: None,
        street_address: None,
        postal_code: None,
        post_office: None,
        responsible_caseworker: None,
        ..d.clone()
    }
}

/// The name an anonymised customer is shown by.
pub const ANONYMISED_NAME: &str = "–";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_count_whole_years_from_the_end() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(
            RetentionRules::ended_on_or_before(today, 10),
            NaiveDate::from_ymd_opt(2016, 11, 22).unwrap()
        );
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(
            RetentionRules::ended_on_or_before(leap, 5),
            NaiveDate::from_ymd_opt(2023, 2, 28).unwrap()
        );
    }

    #[test]
    fn records_may_not_outlive_their_customer() {
        assert!(RetentionRules::default().check().is_ok());
        let rules = RetentionRules {
            note_years: 11,
            ..RetentionRules::default()
        };
        assert!(rules.check().unwrap_err().contains("note_years"));
    }
}
