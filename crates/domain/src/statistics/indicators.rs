//! The indicators Kotopolku publishes, each with its written definition. The definitions are the
//! contract with the people who read the figures: the computation in `aggregate.rs` follows them, and
//! the independent checks (the integration tests, the DuckDB comparison in `bench/`) compute them
//! again from the raw records.

use serde::Serialize;

/// How an indicator's figures read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Counts of people (or services) by category, with a `total`.
    Counts,
    /// A median number of days (`median`), published when it rests on at least the threshold.
    MedianDays,
}

/// An indicator and its definition.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IndicatorDefinition {
    pub id: &'static str,
    pub kind: IndicatorKind,
    /// Which date places a customer in a period.
    pub period_basis: &'static str,
    pub definition: &'static str,
}

const START: &str = "customership_start";

/// Every indicator, in the order dashboards show them.
pub const INDICATORS: &[IndicatorDefinition] = &[
    IndicatorDefinition {
        id: "customers",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Customers whose integration customership began in the period, by target group, \
            residence basis, age band at the start, sex and native language (the most common languages \
            nationally; the rest as `other`). Every breakdown sums to `total`. At month level only the \
            total is published: new customers per month.",
    },
    IndicatorDefinition {
        id: "assessment_timeliness",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Customers of the period whose assessment deadline (681/2023 §9: from the start of \
            the customership or an earlier request) has passed on the figures' date or whose assessment \
            has started: `on_time` if the first assessment started by the deadline, otherwise `late` \
            (started late or not yet started). The share on time is on_time / total.",
    },
    IndicatorDefinition {
        id: "days_to_assessment",
        kind: IndicatorKind::MedianDays,
        period_basis: START,
        definition: "Median days from the start of the customership to the start of the first \
            assessment, among customers of the period whose assessment has started (negative \
            differences count as 0).",
    },
    IndicatorDefinition {
        id: "days_assessment_to_plan",
        kind: IndicatorKind::MedianDays,
        period_basis: START,
        definition: "Median days from the start of the first assessment to the drawing up of the first \
            integration plan, among customers of the period with both.",
    },
    IndicatorDefinition {
        id: "plans_in_force",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Customers of the period whose customership continues on the figures' date and who \
            have an integration plan in force that day (started, not ended): `total`, split into \
            `review_overdue` (the plan's review, due 6 months after drawing up or the last review held, \
            is past due) and `review_on_time`.",
    },
    IndicatorDefinition {
        id: "services",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Measures and services agreed in the current integration plans of customers of the \
            period, by service type and status (a two-way table with margins: `type:…`, `status:…`, \
            `type:…|status:…`, `total`). Counts services, not people.",
    },
    IndicatorDefinition {
        id: "directed_within_6_months",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Customers of the period with an integration plan whose first 6 months after the \
            first plan have passed on the figures' date, or who were directed to a service already: \
            `within` if they were first directed to a service (a measure referred or started, a \
            referral sent) within 6 months of the first plan, otherwise `not_within`.",
    },
    IndicatorDefinition {
        id: "civic_orientation",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: "Customers of the period enrolled in the integration programme (`total`), and their \
            civic orientation hours: `hours` is the sum, `mean_hours` the mean per enrolled customer. \
            Hours are published only where the number of customers is.",
    },
    IndicatorDefinition {
        id: "language_listening",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: LANGUAGE_DEFINITION,
    },
    IndicatorDefinition {
        id: "language_speaking",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: LANGUAGE_DEFINITION,
    },
    IndicatorDefinition {
        id: "language_reading",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: LANGUAGE_DEFINITION,
    },
    IndicatorDefinition {
        id: "language_writing",
        kind: IndicatorKind::Counts,
        period_basis: START,
        definition: LANGUAGE_DEFINITION,
    },
    IndicatorDefinition {
        id: "end_reasons",
        kind: IndicatorKind::Counts,
        period_basis: "customership_end",
        definition: "Customerships that ended in the period (up to the figures' date), by the reason \
            recorded.",
    },
];

const LANGUAGE_DEFINITION: &str = "Customers of the period with a Finnish or Swedish level in this \
    skill known at the first integration plan (the latest assessment up to it, else the first) and a \
    later measurement (a later assessment or the integration training's final test): the level at the \
    first plan (`first:…`) against the latest (`latest:…`), a two-way table with margins, CEFR levels \
    with 0 for none.";

pub fn definition(id: &str) -> Option<&'static IndicatorDefinition> {
    INDICATORS.iter().find(|d| d.id == id)
}
