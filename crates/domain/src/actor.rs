//! The acting party behind every use case: a signed-in person, an integration's token, or the system.
//!
//! Every service function takes an [`Actor`] first, so that access policy is decided in one place and
//! every change and read is attributed in the history and the audit log.

use serde::Serialize;

use crate::access::{Jurisdiction, Role};

/// What kind of party is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in person.
    User,
    /// Another system, through an API token.
    Token,
    /// Kotopolku itself: command-line administration and background work on the server's machine.
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Token => "token",
            ActorKind::System => "system",
        }
    }
}

/// Who is acting, for attribution and access decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// A user's or token's id, or `system`.
    pub id: String,
    /// How the actor is shown in histories and logs.
    pub display_name: String,
    pub kind: ActorKind,
    /// `None` only for the system, which the policy does not restrict.
    pub role: Option<Role>,
    pub organisation_id: Option<String>,
    pub jurisdiction: Option<Jurisdiction>,
    /// The purpose of use the actor stated for this request (county workers must state one).
    pub purpose: Option<String>,
    /// The request this action belongs to, for matching audit rows with logs.
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

impl Actor {
    /// Kotopolku's own command-line and background work.
    pub fn system() -> Self {
        Self {
            id: "system".into(),
            display_name: "Kotopolku".into(),
            kind: ActorKind::System,
            role: None,
            organisation_id: None,
            jurisdiction: None,
            purpose: None,
            request_id: None,
            client_address: None,
        }
    }
}
