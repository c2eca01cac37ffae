//! Statistics for knowledge-based management (issue 6): privacy protection of published counts.

pub mod suppression;
