//! The acting party behind every use case: a person, an integration's token, or the system itself.
//!
//! Every service function takes an [`Actor`] first, so that access policy can be decided in one place
//! and every change and read can be attributed in the history and the audit log.

use serde::Serialize;

/// What kind of party is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in person.
    User,
    /// Another system, through an API token.
    Token,
    /// Kotopolku itself (migrations, scheduled jobs, command-line administration).
    System,
    /// A person at the machine the server runs on, before sign-in exists. The server only accepts
    /// such requests while it is bound to a loopback address.
    LocalOperator,
}

/// Who is acting, for attribution and access decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// A stable id: a user's or token's id, or a fixed name for the system.
    pub id: String,
    /// How the actor is shown in histories and logs.
    pub display_name: String,
    pub kind: ActorKind,
}

impl Actor {
    /// Kotopolku's own command-line and background work.
    pub fn system() -> Self {
        Self {
            id: "system".into(),
            display_name: "Kotopolku".into(),
            kind: ActorKind::System,
        }
    }

    /// The operator at a loopback-bound server, used until sign-in exists.
    pub fn local_operator() -> Self {
        Self {
            id: "local-operator".into(),
            display_name: "Local operator".into(),
            kind: ActorKind::LocalOperator,
        }
    }
}
