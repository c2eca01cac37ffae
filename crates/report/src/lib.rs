//! Printable documents and, later, statistics reports.
//!
//! A printable document is a self-contained HTML page meant to be printed (or saved as PDF) by the
//! browser: no scripts, no inline styles, one external stylesheet ([`PRINT_CSS`], served at
//! [`PRINT_CSS_PATH`]), so that it passes the server's Content-Security-Policy. Fixed texts come from
//! [`texts`] in the customer's [`Language`]; free text entered by caseworkers is printed as it was
//! written, HTML-escaped.
//!
//! Tables for statistics and data exports are downloaded as CSV or XLSX files ([`tabular`]).

pub mod chart;
pub mod html;
pub mod language;
pub mod plan_document;
pub mod repository_export;
pub mod tabular;
pub mod texts;

pub use html::{PRINT_CSS, PRINT_CSS_PATH, escape};
pub use language::Language;
pub use plan_document::{PlanDocument, render_plan};
