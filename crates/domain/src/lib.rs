//! Kotopolku's domain: the types and rules of integration customer work, with no I/O.
//!
//! Everything here is pure and synchronous so that it can be tested exhaustively and reused by every
//! other layer (store, service, web, report) without pulling in a database or a runtime.

pub mod access;
pub mod actor;
pub mod audit;
pub mod code_lists;
pub mod customer;
pub mod deadlines;
pub mod directory;
pub mod employment_exchange;
pub mod handover;
pub mod identity_code;
pub mod names;
pub mod process;
pub mod repository_export;
pub mod retention;
pub mod statistics;
pub mod time;
pub mod totp;
pub mod validation;
pub mod webhook;
