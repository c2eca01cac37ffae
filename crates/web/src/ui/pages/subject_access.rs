//! The answer to a customer's request to see their data (GDPR article 15) as a readable page that
//! prints cleanly: basic data, its history, every version of every record, county involvements,
//! where migrated data came from, and everyone who has read or changed the data.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kotopolku_domain::access::Role;

use super::customer::{AccessRow, HistoryRow, RecordView, action_label, facts, record_view};
use crate::AppState;
use crate::ui::session::PageUser;
use crate::ui::{Layout, error_page, page};

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
    history: Vec<HistoryRow>,
    records: Vec<RecordView>,
    involvements: Vec<InvolvementRow>,
    sources: Vec<SourceRow>,
    access: Vec<AccessRow>,
}

pub async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let tr = user.tr;
    let report = match state.services.subject_access(&user.actor, &id).await {
        Ok(report) => report,
        Err(error) => return error_page(&user, error),
    };
    let customer = &report.customer;
    let history = report
        .history
        .iter()
        .map(|e| HistoryRow {
            at: tr.instant(&e.changed_at),
            who: e.actor_name.clone(),
            field: tr.t(&format!("field-{}", e.field)),
            old: e.old_value.clone().unwrap_or_default(),
            new: e.new_value.clone().unwrap_or_default(),
        })
        .collect();
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
        .map(|e| AccessRow {
            at: tr.instant(&e.at),
            who: e.actor.clone(),
            role: e
                .role
                .as_deref()
                .and_then(Role::parse)
                .map(|r| tr.label("role", r.as_str()))
                .unwrap_or_default(),
            action: action_label(tr, &e.action),
            purpose: e.purpose.clone().unwrap_or_default(),
            outcome: tr.label("outcome", &e.outcome),
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
        purposes: (1..=report.purposes.len())
            .map(|n| tr.t(&format!("subject-access-purpose-{n}")))
            .collect(),
        facts: facts(tr, customer),
        history,
        records,
        involvements,
        sources,
        access,
    })
}
