//! The home page: the worklist of deadlines (the caseworker's own, or for a supervisor a
//! caseworker's or the whole unit's).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kotopolku_domain::access::Action;
use kotopolku_domain::code_lists::CodeListName;
use kotopolku_domain::deadlines::{Deadline, DeadlineStatus};
use kotopolku_service::worklist::WorklistQuery;
use serde::Deserialize;

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::options::code_label;
use crate::ui::session::PageUser;
use crate::ui::{Layout, allows, error_page, page, see_other};

/// A deadline as the pages show it.
pub struct DeadlineView {
    pub rule: String,
    pub when: String,
    pub status: String,
    pub status_class: &'static str,
}

impl DeadlineView {
    pub fn new(tr: Tr, deadline: &Deadline) -> DeadlineView {
        let status_class = match deadline.status {
            DeadlineStatus::Overdue => "overdue",
            DeadlineStatus::DueSoon => "due-soon",
            DeadlineStatus::Open => "open",
            DeadlineStatus::MetLate => "met-late",
            DeadlineStatus::Met => "met",
        };
        let when = match deadline.met_on {
            Some(met) => tr.t_with("deadline-met-on", &[("date", &tr.date(&met))]),
            None => tr.t_with("deadline-due-on", &[("date", &tr.date(&deadline.due_on))]),
        };
        DeadlineView {
            rule: tr.label("rule", deadline.rule.as_str()),
            when,
            status: tr.label("deadline-status", status_class),
            status_class,
        }
    }
}

struct Row {
    customer_id: String,
    name: String,
    municipality: String,
    deadlines: Vec<DeadlineView>,
}

struct Group {
    title: String,
    summary: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    layout: Layout,
    lead: String,
    groups: Vec<Group>,
    /// For supervisors: the unit's caseworkers to choose from.
    caseworkers: Vec<(String, String)>,
    selected: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Choice {
    caseworker: Option<String>,
}

/// How many days a met deadline stays on the worklist, so the caseworker sees it done.
const RECENTLY_MET_DAYS: u32 = 14;

pub async fn show(State(state): State<AppState>, user: PageUser, Query(choice): Query<Choice>) -> Response {
    let tr = user.tr;
    let selected = choice.caseworker.unwrap_or_default();
    let role = user.role();
    if !allows(role, Action::WorklistRead) {
        // Roles without a worklist start where their work is (asked before the use case, so that
        // opening the home page is not an audited refusal).
        return see_other(if allows(role, Action::UserManage) {
            "/admin/users"
        } else if allows(role, Action::StatisticsRead) {
            // Regional officers and national analysts: aggregates are all they see.
            "/statistics"
        } else {
            "/customers"
        });
    }
    let sees_unit = allows(role, Action::UnitWorklistRead);
    let query = WorklistQuery {
        scope: (sees_unit && selected == "unit").then(|| "unit".to_owned()),
        caseworker: (sees_unit && !selected.is_empty() && selected != "unit").then(|| selected.clone()),
        horizon_days: None,
        recently_met_days: Some(RECENTLY_MET_DAYS),
    };
    let worklist = match state.services.worklist(&user.actor, &query).await {
        Ok(worklist) => worklist,
        Err(error) => return error_page(&user, error),
    };
    let caseworkers = if sees_unit {
        unit_caseworkers(&state, &user).await
    } else {
        Vec::new()
    };
    let groups = worklist
        .caseworkers
        .into_iter()
        .map(|group| Group {
            title: match (&group.caseworker_name, &group.caseworker_id) {
                (Some(name), _) => name.clone(),
                (None, Some(id)) if *id == user.actor.id => user.actor.display_name.clone(),
                (None, Some(id)) => id.clone(),
                (None, None) => tr.t("worklist-no-caseworker"),
            },
            summary: tr.t_with(
                "worklist-counts",
                &[
                    ("overdue", &group.overdue.to_string()),
                    ("soon", &group.due_soon.to_string()),
                ],
            ),
            rows: group
                .entries
                .into_iter()
                .map(|entry| Row {
                    name: format!("{}, {}", entry.family_name, entry.given_names),
                    municipality: code_label(tr, CodeListName::Municipalities, &entry.municipality_code),
                    deadlines: entry.deadlines.iter().map(|d| DeadlineView::new(tr, d)).collect(),
                    customer_id: entry.customer_id,
                })
                .collect(),
        })
        .collect();
    let lead = tr.t_with("worklist-as-of", &[("date", &tr.date(&worklist.as_of))]);
    page(&WorklistPage {
        layout: Layout::new(&user, tr.t("worklist-title"), "worklist", "/".into()),
        lead,
        groups,
        caseworkers,
        selected,
    })
}

/// The people of the actor's unit who can be responsible for customers (those the policy gives a
/// worklist): (id, name). Empty for someone who may not list the unit's users.
pub async fn unit_caseworkers(state: &AppState, user: &PageUser) -> Vec<(String, String)> {
    if !allows(user.role(), Action::UserManage) {
        return Vec::new();
    }
    match state.services.users(&user.actor).await {
        Ok(users) => users
            .into_iter()
            .filter(|u| !u.disabled && allows(Some(u.role), Action::WorklistRead))
            .map(|u| (u.id, u.display_name))
            .collect(),
        Err(_) => Vec::new(),
    }
}
