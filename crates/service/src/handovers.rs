//! Moving municipality: the old unit hands a customer's file over, the new municipality's unit
//! accepts or declines it, and every step is audited. Accepting moves the customer, with all their
//! records, into the new unit's scope; the old unit keeps the hand-over's record and its own audit
//! trail, and no longer sees the file.

use kotopolku_domain::access::{Action, Jurisdiction};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::handover::{DeclineHandover, Handover, HandoverStatus, NewHandover};
use kotopolku_store::customers::{self as customer_store, ChangeContext, FieldChange};
use kotopolku_store::{StoreError, handovers as store};
use serde::Serialize;

use crate::audit::{self, Target};
use crate::{ServiceError, Services};

/// A hand-over coming in, with who it is about: the receiving unit needs to know whom it accepts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncomingHandover {
    #[serde(flatten)]
    pub handover: Handover,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: chrono::NaiveDate,
}

/// A unit's hand-overs: those coming in (pending ones first) and those it sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Handovers {
    pub incoming: Vec<IncomingHandover>,
    pub outgoing: Vec<Handover>,
}

impl Services {
    /// The old unit starts a hand-over of a customer who moved to another municipality.
    pub async fn request_handover(
        &self,
        actor: &Actor,
        customer_id: &str,
        new: &NewHandover,
    ) -> Result<Handover, ServiceError> {
        let customer = self
            .visible_customer(actor, Action::HandoverRequest, customer_id)
            .await?;
        if customer.customership_end.is_some() {
            return Err(ServiceError::AlreadyEnded);
        }
        new.validate(&customer.data.municipality_code)
            .map_err(ServiceError::Validation)?;
        let now = self.clock.now();
        let handover = Handover {
            id: uuid::Uuid::now_v7().to_string(),
            customer_id: customer_id.to_owned(),
            from_municipality: customer.data.municipality_code.clone(),
            to_municipality: new.to_municipality.trim().to_owned(),
            moved_on: new.moved_on,
            status: HandoverStatus::Pending,
            requested_at: now,
            requested_by: actor.display_name.clone(),
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        let mut tx = self.db.begin().await?;
        match store::insert(&mut tx, &handover).await {
            Err(StoreError::UniqueViolation(_)) => {
                return Err(ServiceError::conflict(
                    "handover_pending",
                    None,
                    "the customer already has a hand-over waiting for an answer",
                ));
            }
            other => other?,
        }
        audit::record_success(
            &mut tx,
            actor,
            "customer.handover.request",
            Target::customer(customer_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(handover)
    }

    /// The hand-overs into and out of the actor's municipalities. Names of incoming customers are
    /// shown, and the showing is audited.
    pub async fn handovers(&self, actor: &Actor) -> Result<Handovers, ServiceError> {
        self.authorize(actor, Action::HandoverReceive, Target::default())
            .await?;
        let codes = municipalities(actor);
        let incoming = store::of_municipalities(&self.db, &codes, true).await?;
        let outgoing = store::of_municipalities(&self.db, &codes, false).await?;
        let ids: Vec<String> = incoming.iter().map(|h| h.customer_id.clone()).collect();
        let customers = kotopolku_store::import::customers(&self.db, &ids).await?;
        let mut shown = Vec::with_capacity(incoming.len());
        let mut reads = Vec::new();
        for handover in incoming {
            if let Some(c) = customers.iter().find(|c| c.id == handover.customer_id) {
                reads.push(handover.customer_id.clone());
                shown.push(IncomingHandover {
                    family_name: c.data.family_name.clone(),
                    given_names: c.data.given_names.clone(),
                    birth_date: c.data.birth_date,
                    handover,
                });
            }
        }
        shown.sort_by_key(|h| h.handover.status != HandoverStatus::Pending);
        let targets: Vec<Target<'_>> = reads.iter().map(|id| Target::customer(id)).collect();
        self.audit_reads(actor, Action::HandoverReceive, &targets).await?;
        Ok(Handovers {
            incoming: shown,
            outgoing,
        })
    }

    /// The new unit takes the customer over: their municipality becomes the new one, their file
    /// comes with them, and the responsible caseworker is left for the new unit to name.
    pub async fn accept_handover(&self, actor: &Actor, id: &str) -> Result<Handover, ServiceError> {
        let handover = self.handover_for(actor, id, Side::Receiving).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::decide(&mut tx, id, HandoverStatus::Accepted, now, &actor.display_name, None).await? {
            return Err(not_pending());
        }
        store::move_customer(&mut tx, &handover.customer_id, &handover.to_municipality, now).await?;
        customer_store::record_changes(
            &mut tx,
            &ChangeContext {
                customer_id: &handover.customer_id,
                at: now,
                actor_id: &actor.id,
                actor_name: &actor.display_name,
                kind: "handed_over",
            },
            &[FieldChange {
                field: "municipality_code".into(),
                old_value: Some(handover.from_municipality.clone()),
                new_value: Some(handover.to_municipality.clone()),
            }],
        )
        .await?;
        kotopolku_store::statistics::forget_facts(&mut tx, &handover.customer_id).await?;
        audit::record_success(
            &mut tx,
            actor,
            "customer.handover.accept",
            Target::customer(&handover.customer_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Handover {
            status: HandoverStatus::Accepted,
            decided_at: Some(now),
            decided_by: Some(actor.display_name.clone()),
            ..handover
        })
    }

    /// The new unit refuses, saying why; the file stays with the old unit.
    pub async fn decline_handover(
        &self,
        actor: &Actor,
        id: &str,
        decline: &DeclineHandover,
    ) -> Result<Handover, ServiceError> {
        let mut v = kotopolku_domain::validation::Violations::new();
        let reason = v.required_text("reason", &decline.reason, 500);
        v.into_result(()).map_err(ServiceError::Validation)?;
        let handover = self.handover_for(actor, id, Side::Receiving).await?;
        self.end_handover(
            actor,
            handover,
            HandoverStatus::Declined,
            Some(reason),
            "customer.handover.decline",
        )
        .await
    }

    /// The old unit withdraws a hand-over that has had no answer.
    pub async fn cancel_handover(&self, actor: &Actor, id: &str) -> Result<Handover, ServiceError> {
        let handover = self.handover_for(actor, id, Side::Sending).await?;
        self.end_handover(
            actor,
            handover,
            HandoverStatus::Cancelled,
            None,
            "customer.handover.cancel",
        )
        .await
    }

    async fn end_handover(
        &self,
        actor: &Actor,
        handover: Handover,
        status: HandoverStatus,
        reason: Option<String>,
        action: &str,
    ) -> Result<Handover, ServiceError> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::decide(
            &mut tx,
            &handover.id,
            status,
            now,
            &actor.display_name,
            reason.as_deref(),
        )
        .await?
        {
            return Err(not_pending());
        }
        audit::record_success(&mut tx, actor, action, Target::customer(&handover.customer_id), now).await?;
        tx.commit().await?;
        Ok(Handover {
            status,
            decided_at: Some(now),
            decided_by: Some(actor.display_name.clone()),
            reason,
            ..handover
        })
    }

    /// The hand-over `id` if the actor's unit is on `side` of it; otherwise "not found", as for a
    /// customer outside one's scope.
    async fn handover_for(&self, actor: &Actor, id: &str, side: Side) -> Result<Handover, ServiceError> {
        let action = match side {
            Side::Sending => Action::HandoverRequest,
            Side::Receiving => Action::HandoverReceive,
        };
        let grant = self.authorize(actor, action, Target::of("handover", id)).await?;
        let handover = store::get(&self.db, id).await?.ok_or(ServiceError::NotFound)?;
        let municipality = match side {
            Side::Sending => &handover.from_municipality,
            Side::Receiving => &handover.to_municipality,
        };
        if grant.is_some() && !municipalities(actor).contains(municipality) {
            return Err(self
                .refuse(actor, action, Target::of("handover", id), ServiceError::NotFound)
                .await);
        }
        if handover.status != HandoverStatus::Pending {
            return Err(not_pending());
        }
        Ok(handover)
    }
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Sending,
    Receiving,
}

fn municipalities(actor: &Actor) -> Vec<String> {
    match &actor.jurisdiction {
        Some(Jurisdiction::Municipalities(codes)) => codes.clone(),
        _ => Vec::new(),
    }
}

fn not_pending() -> ServiceError {
    ServiceError::conflict(
        "handover_not_pending",
        None,
        "the hand-over has already been accepted, declined or cancelled",
    )
}
