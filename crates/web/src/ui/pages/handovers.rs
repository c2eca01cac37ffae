//! Moving municipality in the web interface: the old unit's hand-over form on the customer, and the
//! hand-overs page where the new unit accepts or declines and the old unit follows or withdraws.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kotopolku_domain::code_lists::CodeListName;
use kotopolku_domain::handover::{DeclineHandover, HandoverStatus, NewHandover};
use serde::Deserialize;

use crate::AppState;
use crate::ui::form::Form;
use crate::ui::options::code_label;
use crate::ui::session::{PageForm, PageUser};
use crate::ui::{Layout, error_page, html, page, see_other};

#[derive(Template)]
#[template(path = "handover_form.html")]
struct HandoverFormPage {
    layout: Layout,
    form: Form,
    back: String,
    municipalities: Vec<(String, String)>,
}

fn form_page(user: &PageUser, id: &str, form: Form) -> HandoverFormPage {
    let tr = user.tr;
    HandoverFormPage {
        layout: Layout::new(
            user,
            tr.t("handover-title"),
            "customers",
            format!("/customers/{id}/handover"),
        ),
        form,
        back: format!("/customers/{id}"),
        municipalities: crate::ui::options::code_list(tr, CodeListName::Municipalities),
    }
}

pub async fn form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    if let Err(error) = state.services.customer(&user.actor, &id).await {
        return error_page(&user, error);
    }
    let mut form = Form::new(user.tr);
    form.set("moved_on", user.tr.date(&state.services.clock().today()));
    page(&form_page(&user, &id, form))
}

pub async fn request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let form = Form::from_data(user.tr, &data);
    let refused = |mut form: Form, problem: crate::problem::Problem| {
        let status = form.add_problem(&problem);
        html(status, &form_page(&user, &id, form))
    };
    let new: NewHandover = match data.bind() {
        Ok(new) => new,
        Err(violations) => return refused(form, crate::problem::Problem::validation(violations)),
    };
    match state.services.request_handover(&user.actor, &id, &new).await {
        Ok(_) => see_other(&format!("/customers/{id}?done=handover-requested")),
        Err(error) => refused(form, crate::problem::Problem::from(error)),
    }
}

struct HandoverRow {
    id: String,
    customer_link: Option<String>,
    who: String,
    from: String,
    to: String,
    moved_on: String,
    status: String,
    pending: bool,
    reason: String,
}

#[derive(Template)]
#[template(path = "handovers.html")]
struct HandoversPage {
    layout: Layout,
    incoming: Vec<HandoverRow>,
    outgoing: Vec<HandoverRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn list(State(state): State<AppState>, user: PageUser, Query(done): Query<Done>) -> Response {
    let tr = user.tr;
    let handovers = match state.services.handovers(&user.actor).await {
        Ok(handovers) => handovers,
        Err(error) => return error_page(&user, error),
    };
    let municipality = |code: &str| code_label(tr, CodeListName::Municipalities, code);
    let row = |h: &kotopolku_domain::handover::Handover, who: String, link: bool| HandoverRow {
        id: h.id.clone(),
        customer_link: (link && h.status == HandoverStatus::Accepted).then(|| format!("/customers/{}", h.customer_id)),
        who,
        from: municipality(&h.from_municipality),
        to: municipality(&h.to_municipality),
        moved_on: tr.date(&h.moved_on),
        status: tr.t(match h.status {
            HandoverStatus::Pending => "handover-status-pending",
            HandoverStatus::Accepted => "handover-status-accepted",
            HandoverStatus::Declined => "handover-status-declined",
            HandoverStatus::Cancelled => "handover-status-cancelled",
        }),
        pending: h.status == HandoverStatus::Pending,
        reason: h.reason.clone().unwrap_or_default(),
    };
    let incoming = handovers
        .incoming
        .iter()
        .map(|i| {
            row(
                &i.handover,
                format!("{}, {} ({})", i.family_name, i.given_names, tr.date(&i.birth_date)),
                true,
            )
        })
        .collect();
    let outgoing = handovers
        .outgoing
        .iter()
        .map(|h| row(h, h.customer_id.clone(), false))
        .collect();
    let notice = done
        .done
        .map(|what| format!("done-{what}"))
        .filter(|key| tr.has(key))
        .map(|key| tr.t(&key));
    page(&HandoversPage {
        layout: Layout::new(&user, tr.t("handovers-title"), "handovers", "/handovers".into()).with_notice(notice),
        incoming,
        outgoing,
    })
}

pub async fn accept(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, .. }: PageForm,
) -> Response {
    match state.services.accept_handover(&user.actor, &id).await {
        Ok(handover) => see_other(&format!("/customers/{}?done=handover-accepted", handover.customer_id)),
        Err(error) => error_page(&user, error),
    }
}

pub async fn decline(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let decline: DeclineHandover = match data.bind() {
        Ok(decline) => decline,
        Err(violations) => return error_page(&user, kotopolku_service::ServiceError::Validation(violations)),
    };
    match state.services.decline_handover(&user.actor, &id, &decline).await {
        Ok(_) => see_other("/handovers?done=handover-declined"),
        Err(error) => error_page(&user, error),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, .. }: PageForm,
) -> Response {
    match state.services.cancel_handover(&user.actor, &id).await {
        Ok(_) => see_other("/handovers?done=handover-cancelled"),
        Err(error) => error_page(&user, error),
    }
}
