//! The answer to a customer's request to see their data (GDPR article 15) as a readable page that
//! prints cleanly: basic data, its history, every version of every record, county involvements,
//! where migrated data came from, and everyone who has read or changed the data.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::customer::{AccessRow, HistoryRow, RecordView, facts, record_view};
use crate::AppState;
use crate::ui::session::PageUser;
use crate::ui::{Layout, error_page, page};

const PURPOSE_KEYS: [&str; 4] = [
    "subject-access-purpose-1",
    "subject-access-purpose-2",
    "subject-access-purpose-3",
    "subject-access-purpose-4",
];

struct InvolvementRow {
    county: String,
    purpose: String,
    period: String,
}

struct SourceRow {
    source: String,
    kind: String,
    legacy_id: String,
    imported_at: String,
}

#[derive(Template)]
#[template(path = "subject_access.html")]
struct SubjectAccessPage {
    layout: Layout,
    back: String,
    json_link: String,
    explanation: String,
    name: String,
    purposes: Vec<String>,
    facts: Vec<(String, String)>,
    history_rows: Vec<HistoryRow>,
    records: Vec<RecordView>,
    involvements: Vec<InvolvementRow>,
    sources: Vec<SourceRow>,
    access_rows: Vec<AccessRow>,
}

pub async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let tr = user.tr;
    let report = match state.services.subject_access(&user.actor, &id).await {
        Ok(report) => report,
        Err(error) => return error_page(&user, error),
    };
    let customer = &report.customer;
    let history = report.history.iter().map(|e| HistoryRow::new(tr, e)).collect();
    let records = report
        .records
        .iter()
        .map(|record| {
            let mut view = record_view(tr, record, false);
            view.meta = tr.t_with(
                "subject-access-record-version",
                &[
                    ("version", &record.version.to_string()),
                    ("at", &tr.instant(&record.created_at)),
                    ("who", &record.created_by_name),
                ],
            );
            view.print_link = None;
            // Versions share the record's id; the page needs one anchor each.
            view.id = format!("{}-v{}", record.id, record.version);
            view
        })
        .collect();
    let involvements = report
        .county_involvements
        .iter()
        .map(|i| InvolvementRow {
            county: i.county_code.clone(),
            purpose: i.purpose.clone(),
            period: format!("{} – {}", tr.date(&i.started_on), tr.opt_date(&i.ended_on)),
        })
        .collect();
    let sources = report
        .sources
        .iter()
        .map(|s| SourceRow {
            source: s.source.clone(),
            kind: s.kind.clone(),
            legacy_id: s.legacy_id.clone(),
            imported_at: tr.instant(&s.imported_at),
        })
        .collect();
    let access = report
        .access_log
        .iter()
        .map(|e| {
            AccessRow::new(
                tr,
                &e.at,
                &e.actor,
                e.role.as_deref(),
                &e.action,
                e.purpose.as_deref(),
                &e.outcome,
            )
        })
        .collect();
    page(&SubjectAccessPage {
        layout: Layout::new(
            &user,
            tr.t("subject-access-title"),
            "customers",
            format!("/customers/{id}/subject-access"),
        ),
        back: format!("/customers/{id}"),
        json_link: format!("/api/v1/customers/{id}/subject-access"),
        explanation: tr.t_with(
            "subject-access-explanation",
            &[("at", &tr.instant(&report.generated_at))],
        ),
        name: format!("{}, {}", customer.data.family_name, customer.data.given_names),
        // The report states the purposes in English; the page shows them translated, in its order.
        purposes: PURPOSE_KEYS
            .iter()
            .take(report.purposes.len())
            .map(|key| tr.t(key))
            .collect(),
        facts: facts(tr, customer),
        history_rows: history,
        records,
        involvements,
        sources,
        access_rows: access,
    })
}
