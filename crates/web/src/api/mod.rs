//! The JSON API under `/api/v1`.

pub mod admin;
pub mod auth;
pub mod code_lists;
pub mod customers;
pub mod employment_exchange;
pub mod events;
pub mod handovers;
pub mod health;
pub mod openapi;
pub mod process;
pub mod repository_export;
pub mod statistics;
