//! Kotopolku's integration tests: one test binary (each file under tests/ would link its own, which
//! costs minutes on a 2-core machine), with one module per area.
//!
//! Every test that touches storage runs on SQLite and on PostgreSQL (`on_both_backends!`). PostgreSQL is
//! reached at `KOTOPOLKU_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`), each test
//! in a schema of its own.

mod support;

mod access;
mod cli;
mod customers_api;
mod data_in_and_out;
mod demo;
mod demo_data;
mod employment_exchange;
mod import;
mod observability;
mod oidc;
mod operations;
mod pages;
mod process;
mod reference_api;
mod repository_export;
mod retention;
mod sessions;
mod statistics;
mod statistics_pages;
mod storage;
mod webhooks;
